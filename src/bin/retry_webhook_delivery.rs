//! Lambda function `retry_webhook_delivery`: `POST
//! /api/v1/webhooks/{id}/deliveries/{deliveryId}/retry`. What it runs is
//! `endpoints::RETRY_WEBHOOK_DELIVERY`.

commet_payments::lambda_main!(RETRY_WEBHOOK_DELIVERY);
