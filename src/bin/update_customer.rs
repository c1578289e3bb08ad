//! Lambda function `update_customer`: `PUT and PATCH /api/v1/customers/{id}`. What it runs is
//! `endpoints::UPDATE_CUSTOMER`.

commet_payments::lambda_main!(UPDATE_CUSTOMER);
