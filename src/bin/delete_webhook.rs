//! Lambda function `delete_webhook`: `DELETE /api/v1/webhooks/{id}`. What it runs is
//! `endpoints::DELETE_WEBHOOK`.

commet_payments::lambda_main!(DELETE_WEBHOOK);
