//! Lambda function `create_invoice_download_link`: `POST /api/v1/invoices/{id}/download-links`
//! and `GET /api/v1/invoices/{id}/download`. What it runs is
//! `endpoints::CREATE_INVOICE_DOWNLOAD_LINK`.

commet_payments::lambda_main!(CREATE_INVOICE_DOWNLOAD_LINK);
