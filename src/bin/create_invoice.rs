//! Lambda function `create_invoice`: `POST /api/v1/invoices`. What it runs is
//! `endpoints::CREATE_INVOICE`.

commet_payments::lambda_main!(CREATE_INVOICE);
