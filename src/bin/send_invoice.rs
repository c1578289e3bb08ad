//! Lambda function `send_invoice`: `POST /api/v1/invoices/{id}/send`. What it runs is
//! `endpoints::SEND_INVOICE`.

commet_payments::lambda_main!(SEND_INVOICE);
