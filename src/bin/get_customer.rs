//! Lambda function `get_customer`: `GET /api/v1/customers/{id}`. What it runs is
//! `endpoints::GET_CUSTOMER`.

commet_payments::lambda_main!(GET_CUSTOMER);
