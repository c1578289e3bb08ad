//! Lambda function `create_customer`: `POST /api/v1/customers`. What it runs is
//! `endpoints::CREATE_CUSTOMER`.

commet_payments::lambda_main!(CREATE_CUSTOMER);
