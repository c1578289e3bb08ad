//! Lambda function `get_payment`: `GET /api/v1/payments/{id}`. What it runs is
//! `endpoints::GET_PAYMENT`.

commet_payments::lambda_main!(GET_PAYMENT);
