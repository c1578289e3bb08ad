//! Lambda function `get_invoice`: `GET /api/v1/invoices/{id}`. What it runs is
//! `endpoints::GET_INVOICE`.

commet_payments::lambda_main!(GET_INVOICE);
