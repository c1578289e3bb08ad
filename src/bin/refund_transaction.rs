//! Lambda function `refund_transaction`: `POST /api/v1/transactions/{id}/refund`. What it runs
//! is `endpoints::REFUND_TRANSACTION`.

commet_payments::lambda_main!(REFUND_TRANSACTION);
