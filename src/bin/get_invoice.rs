//! Lambda function for `routes::GET_INVOICE`.

use commet_payments::bootstrap::run_endpoint;
use commet_payments::handlers;
use commet_payments::http::routes;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    run_endpoint(&routes::GET_INVOICE, handlers::invoices::get).await
}
