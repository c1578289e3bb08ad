//! Lambda function `download_invoice`: `GET /files/invoices/{token}`. What it runs is
//! `endpoints::DOWNLOAD_INVOICE`.

commet_payments::lambda_main!(DOWNLOAD_INVOICE);
