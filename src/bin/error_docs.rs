//! Lambda function `error_docs`: `GET /docs/errors`, the error documentation every `doc_url`
//! points into. What it runs is `endpoints::ERROR_DOCS`.

commet_payments::lambda_main!(ERROR_DOCS);
