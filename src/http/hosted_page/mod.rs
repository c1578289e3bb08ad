//! The hosted payment page's HTTP side: plain HTML that works without JavaScript and on a
//! phone, rendered from templates that escape everything they show (`views`), the payer's form
//! read into domain values (`form`), and the one pipeline every page request takes.
//!
//! Served by its own function, without an API key. Every form carries an anti-forgery token
//! (double-submit: a random token in a `SameSite=Strict` cookie and in the form, which must
//! match), and every response forbids framing, so another site can neither submit nor overlay
//! the form.

pub mod form;
pub mod views;

use std::future::Future;
use std::panic::AssertUnwindSafe;

use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::FutureExt;
use lambda_http::http::{HeaderValue, Response, StatusCode};
use lambda_http::{Body, Request};
use tracing::Instrument;

use super::request::{self, MAX_BODY_BYTES};
use super::routes::Route;
use crate::app::App;
use views::Notice;

pub const CSRF_COOKIE: &str = "commet_csrf";

/// What the page flow receives.
pub struct HostedPageRequest {
    /// The `{id}` of `/pay/{id}`, as sent.
    pub id: String,
    pub csrf_cookie: Option<String>,
    /// The submitted form (POST only), in order.
    pub form: Vec<(String, String)>,
    /// Whether the page is served over https (decides the cookie's `Secure` flag).
    pub secure: bool,
    pub request_id: String,
}

/// An HTML answer.
pub struct HostedPage {
    pub status: u16,
    html: String,
    /// A fresh anti-forgery token to set as the cookie.
    new_csrf: Option<String>,
    /// The page's Content-Security-Policy when it is not the default (no script at all).
    csp: Option<String>,
}

impl HostedPage {
    /// `template`, rendered, with `status`. A template that cannot render (it cannot fail on
    /// the values these pages show) becomes a plain 500 page.
    pub fn render(status: u16, template: &impl Template) -> Self {
        match template.render() {
            Ok(html) => Self {
                status,
                html,
                new_csrf: None,
                csp: None,
            },
            Err(error) => {
                tracing::error!(detail = %error, "page template failed");
                Self {
                    status: 500,
                    html: FALLBACK_HTML.to_owned(),
                    new_csrf: None,
                    csp: None,
                }
            }
        }
    }

    /// A page that only says something: a heading and a sentence.
    pub fn notice(status: u16, merchant: Option<&str>, title: &str, message: &str) -> Self {
        Self::render(
            status,
            &Notice {
                merchant,
                title,
                message,
            },
        )
    }

    /// Lets the page run Stripe.js from `origins` and its own script marked with `nonce`, and
    /// nothing else.
    pub fn with_stripe_js(mut self, origins: &[String], nonce: &str) -> Self {
        let origins = origins.join(" ");
        self.csp = Some(format!(
            "{DEFAULT_CSP}; script-src 'nonce-{nonce}' {origins}; connect-src {origins}; \
             frame-src {origins} https://hooks.stripe.com; img-src {origins}"
        ));
        self
    }

    /// Sets `token` as the anti-forgery cookie (the page's form carries the same token).
    pub fn with_csrf(mut self, token: String) -> Self {
        self.new_csrf = Some(token);
        self
    }
}

/// Every page's policy: no script, nothing from elsewhere, forms post here only, no framing.
const DEFAULT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                           frame-ancestors 'none'; base-uri 'none'";

const FALLBACK_HTML: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Error</title></head><body><h1>Something went wrong</h1><p>Please try again in a \
moment.</p></body></html>";

/// A fresh random token for the anti-forgery cookie and form field.
pub fn new_csrf_token() -> Option<String> {
    let mut random = [0u8; 24];
    getrandom::fill(&mut random).ok()?;
    Some(URL_SAFE_NO_PAD.encode(random))
}

/// Serves one event of the page function; never fails, panics included.
pub async fn serve_page<F, Fut>(
    app: &'static App,
    route: &'static Route,
    event: Request,
    flow: F,
) -> Response<Body>
where
    F: FnOnce(&'static App, HostedPageRequest) -> Fut,
    Fut: Future<Output = HostedPage>,
{
    let request_id = request::request_id(&event);
    let path = request::raw_path(&event);
    let span = tracing::info_span!("page", request_id = %request_id, method = %event.method());
    let (page, secure) = match (route.match_path(&path), read_form(&event)) {
        (None, _) => (
            HostedPage::notice(
                404,
                None,
                "Page not found",
                "There is no payment page here.",
            ),
            false,
        ),
        (_, Err(page)) => (page, false),
        (Some(params), Ok(form)) => {
            let secure = request::public_base_url(&event, app.config.public_base_url.as_deref())
                .starts_with("https://");
            let request = HostedPageRequest {
                id: params.get("id").unwrap_or_default().to_owned(),
                csrf_cookie: cookie(&event, CSRF_COOKIE),
                form,
                secure,
                request_id: request_id.clone(),
            };
            let page = AssertUnwindSafe(flow(app, request).instrument(span.clone()))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    tracing::error!(parent: &span, "page flow panicked");
                    unavailable(None)
                });
            (page, secure)
        }
    };
    tracing::info!(parent: &span, status = page.status, "page served");
    respond(page, &path, secure, &request_id)
}

/// The page for a datastore or provider outage.
pub fn unavailable(merchant: Option<&str>) -> HostedPage {
    HostedPage::notice(
        503,
        merchant,
        "Temporarily unavailable",
        "We could not process this page just now. Nothing was charged twice; please try again \
         in a moment.",
    )
}

fn read_form(event: &Request) -> Result<Vec<(String, String)>, HostedPage> {
    let bytes: &[u8] = match event.body() {
        Body::Text(body) => body.as_bytes(),
        Body::Binary(body) => body,
        _ => return Ok(Vec::new()),
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(HostedPage::notice(
            413,
            None,
            "Too large",
            "The form is too large.",
        ));
    }
    Ok(url::form_urlencoded::parse(bytes).into_owned().collect())
}

fn cookie(event: &Request, name: &str) -> Option<String> {
    event
        .headers()
        .get_all("cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

fn respond(page: HostedPage, path: &str, secure: bool, request_id: &str) -> Response<Body> {
    let mut response = Response::new(Body::Text(page.html));
    *response.status_mut() = StatusCode::from_u16(page.status).unwrap_or_default();
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-type", "text/html; charset=utf-8"),
        ("cache-control", "no-store"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    let csp = page.csp.as_deref().unwrap_or(DEFAULT_CSP);
    if let Ok(value) = HeaderValue::from_str(csp) {
        headers.insert("content-security-policy", value);
    }
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", value);
    }
    if let Some(token) = page.new_csrf {
        let cookie = format!(
            "{CSRF_COOKIE}={token}; Path={path}; HttpOnly; SameSite=Strict{}",
            if secure { "; Secure" } else { "" }
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.insert("set-cookie", value);
        }
    }
    response
}
