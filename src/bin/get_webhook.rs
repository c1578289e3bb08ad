//! Lambda function `get_webhook`: `GET /api/v1/webhooks/{id}`. What it runs is
//! `endpoints::GET_WEBHOOK`.

commet_payments::lambda_main!(GET_WEBHOOK);
