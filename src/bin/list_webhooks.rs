//! Lambda function `list_webhooks`: `GET /api/v1/webhooks`. What it runs is
//! `endpoints::LIST_WEBHOOKS`.

commet_payments::lambda_main!(LIST_WEBHOOKS);
