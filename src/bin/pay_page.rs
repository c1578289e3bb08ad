//! Lambda function for the hosted payment page: `GET` and `POST /pay/{id}` (public, HTML).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    commet_payments::bootstrap::run_pay_page().await
}
