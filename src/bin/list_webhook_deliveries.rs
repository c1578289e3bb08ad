//! Lambda function `list_webhook_deliveries`: `GET /api/v1/webhooks/{id}/deliveries`. What it
//! runs is `endpoints::LIST_WEBHOOK_DELIVERIES`.

commet_payments::lambda_main!(LIST_WEBHOOK_DELIVERIES);
