//! Lambda function `list_transactions`: `GET /api/v1/transactions`. What it runs is
//! `endpoints::LIST_TRANSACTIONS`.

commet_payments::lambda_main!(LIST_TRANSACTIONS);
