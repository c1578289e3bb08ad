//! Lambda function for `routes::UPDATE_INVOICE_STATUS`.

use commet_payments::bootstrap::run_endpoint;
use commet_payments::handlers;
use commet_payments::http::routes;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    run_endpoint(
        &routes::UPDATE_INVOICE_STATUS,
        handlers::invoices::update_status,
    )
    .await
}
