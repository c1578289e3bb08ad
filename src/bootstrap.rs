//! The few lines every Lambda binary runs: logging, the app, the runtime loop.

use std::convert::Infallible;
use std::future::Future;

use lambda_http::{Request, service_fn};

use crate::app::App;
use crate::handlers::pay_page;
use crate::http::page::serve_page;
use crate::http::routes::{self, Route};
use crate::http::serve::{serve, serve_fallback};
use crate::http::{ApiError, ApiRequest, ApiResponse};

/// Runs one endpoint's Lambda function until the runtime stops it.
pub async fn run_endpoint<F, Fut>(
    route: &'static Route,
    handler: F,
) -> Result<(), lambda_http::Error>
where
    F: Fn(&'static App, ApiRequest) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = Result<ApiResponse, ApiError>> + Send,
{
    let app = start().await?;
    lambda_http::run(service_fn(move |event: Request| async move {
        Ok::<_, Infallible>(serve(app, route, event, handler).await)
    }))
    .await
}

/// Runs the function behind API Gateway's `$default` route (404 / 405).
pub async fn run_fallback() -> Result<(), lambda_http::Error> {
    let app = start().await?;
    lambda_http::run(service_fn(move |event: Request| async move {
        Ok::<_, Infallible>(serve_fallback(app, event).await)
    }))
    .await
}

/// Runs the hosted payment page's function: `GET` shows, `POST` pays.
pub async fn run_pay_page() -> Result<(), lambda_http::Error> {
    let app = start().await?;
    lambda_http::run(service_fn(move |event: Request| async move {
        Ok::<_, Infallible>(dispatch_pay_page(app, event).await)
    }))
    .await
}

/// The page function's two routes.
pub async fn dispatch_pay_page(
    app: &'static App,
    event: Request,
) -> lambda_http::Response<lambda_http::Body> {
    if event.method() == "POST" {
        serve_page(app, &routes::SUBMIT_PAY_PAGE, event, pay_page::submit).await
    } else {
        serve_page(app, &routes::SHOW_PAY_PAGE, event, pay_page::show).await
    }
}

async fn start() -> Result<&'static App, lambda_http::Error> {
    crate::logging::init();
    Ok(App::from_env().await?.leak())
}
