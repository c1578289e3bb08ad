//! Lambda function `create_webhook`: `POST /api/v1/webhooks`. What it runs is
//! `endpoints::CREATE_WEBHOOK`.

commet_payments::lambda_main!(CREATE_WEBHOOK);
