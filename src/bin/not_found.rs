//! Lambda function behind API Gateway's `$default` route: 404, or 405 with `Allow`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    commet_payments::bootstrap::run_fallback().await
}
