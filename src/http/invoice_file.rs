//! Serving an invoice's PDF to a download link's holder (`GET /files/invoices/{token}`): no API
//! key (the token is the credential) and no JSON: the PDF, or a line of plain text saying why
//! not. Nothing here caches: the URL is a secret, and the link expires.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use lambda_http::http::{HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use tracing::Instrument;

use super::error::ApiError;
use super::invoice_pdf::InvoiceFile;
use super::request;
use super::routes::Route;
use crate::app::App;

pub async fn serve_invoice_file<F, Fut>(
    app: &'static App,
    route: &'static Route,
    event: Request,
    flow: F,
) -> Response<Body>
where
    F: FnOnce(&'static App, String) -> Fut,
    Fut: Future<Output = Result<InvoiceFile, ApiError>>,
{
    let request_id = request::request_id(&event);
    let path = request::raw_path(&event);
    let span = tracing::info_span!("file", request_id = %request_id, function = route.function);
    let outcome = match route.match_path(&path) {
        None => Err(ApiError::RouteNotFound),
        Some(_) if event.method().as_str() != route.method => Err(ApiError::MethodNotAllowed {
            allow: vec![route.method],
        }),
        Some(params) => {
            let token = params.get("token").unwrap_or_default().to_owned();
            AssertUnwindSafe(flow(app, token).instrument(span.clone()))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Err(ApiError::internal("file flow panicked")))
        }
    };
    let mut response = match outcome {
        Ok(file) => {
            tracing::info!(parent: &span, status = 200, bytes = file.pdf.len(), "file served");
            let mut response = Response::new(Body::Binary(file.pdf));
            let headers = response.headers_mut();
            headers.insert("content-type", HeaderValue::from_static("application/pdf"));
            let disposition = format!("attachment; filename=\"{}\"", file.filename);
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert("content-disposition", value);
            }
            response
        }
        Err(error) => refusal(&error, &span),
    };
    let headers = response.headers_mut();
    for (name, value) in [
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("x-request-id", value);
    }
    response
}

/// The status of `error` with one line a person can read (its internals only in the log).
fn refusal(error: &ApiError, span: &tracing::Span) -> Response<Body> {
    let reply = error.reply();
    let text = match reply.status {
        404 => "This download link does not exist or has expired. Ask for a new one.".to_owned(),
        405 => "Only GET is served here.".to_owned(),
        503 => "Temporarily unavailable; please try again in a moment.".to_owned(),
        _ => "An unexpected error occurred.".to_owned(),
    };
    if reply.status >= 500 {
        tracing::error!(parent: span, status = reply.status, %error, "file not served");
    } else {
        tracing::info!(parent: span, status = reply.status, "file not served");
    }
    let mut response = Response::new(Body::Text(format!("{text}\n")));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or_default();
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    // A 503's `retry-after` comes with the reply, as for the API's answers.
    for (name, value) in reply.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}
