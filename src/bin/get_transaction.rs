//! Lambda function `get_transaction`: `GET /api/v1/transactions/{id}`. What it runs is
//! `endpoints::GET_TRANSACTION`.

commet_payments::lambda_main!(GET_TRANSACTION);
