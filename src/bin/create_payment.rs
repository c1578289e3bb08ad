//! Lambda function `create_payment`: `POST /api/v1/payments`. What it runs is
//! `endpoints::CREATE_PAYMENT`.

commet_payments::lambda_main!(CREATE_PAYMENT);
