//! Lambda function `cancel_payment`: `POST /api/v1/payments/{id}/cancel`. What it runs is
//! `endpoints::CANCEL_PAYMENT`.

commet_payments::lambda_main!(CANCEL_PAYMENT);
