//! Lambda function `create_customer_batch`: `POST /api/v1/customers/batch`. What it runs is
//! `endpoints::CREATE_CUSTOMER_BATCH`.

commet_payments::lambda_main!(CREATE_CUSTOMER_BATCH);
