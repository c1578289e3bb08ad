//! Lambda function for `routes::LIST_INVOICES`.

use commet_payments::bootstrap::run_endpoint;
use commet_payments::handlers;
use commet_payments::http::routes;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    run_endpoint(&routes::LIST_INVOICES, handlers::invoices::list).await
}
