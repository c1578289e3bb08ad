//! Lambda function `not_found`: API Gateway's `$default` route, 404 or 405 with `Allow`. What it
//! runs is `endpoints::NOT_FOUND`.

commet_payments::lambda_main!(NOT_FOUND);
