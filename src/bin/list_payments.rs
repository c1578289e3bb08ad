//! Lambda function `list_payments`: `GET /api/v1/payments`. What it runs is
//! `endpoints::LIST_PAYMENTS`.

commet_payments::lambda_main!(LIST_PAYMENTS);
