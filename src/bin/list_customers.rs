//! Lambda function `list_customers`: `GET /api/v1/customers`. What it runs is
//! `endpoints::LIST_CUSTOMERS`.

commet_payments::lambda_main!(LIST_CUSTOMERS);
