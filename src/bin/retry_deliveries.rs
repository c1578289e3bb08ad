//! Lambda function `retry_deliveries`: every minute, the webhook deliveries that are due. What it
//! runs is `workers::RETRY_DELIVERIES`.

commet_payments::worker_main!(RETRY_DELIVERIES);
