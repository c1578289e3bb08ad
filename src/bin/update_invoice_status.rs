//! Lambda function `update_invoice_status`: `PUT /api/v1/invoices/{id}/status`. What it runs is
//! `endpoints::UPDATE_INVOICE_STATUS`.

commet_payments::lambda_main!(UPDATE_INVOICE_STATUS);
