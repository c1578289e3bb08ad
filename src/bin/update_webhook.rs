//! Lambda function `update_webhook`: `PUT and PATCH /api/v1/webhooks/{id}`. What it runs is
//! `endpoints::UPDATE_WEBHOOK`.

commet_payments::lambda_main!(UPDATE_WEBHOOK);
