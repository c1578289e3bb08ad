//! Lambda function `list_invoices`: `GET /api/v1/invoices`. What it runs is
//! `endpoints::LIST_INVOICES`.

commet_payments::lambda_main!(LIST_INVOICES);
