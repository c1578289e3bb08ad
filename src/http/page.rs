//! The hosted payment page: plain HTML that works without JavaScript and on a phone.
//!
//! Served by its own function, without an API key. Every form carries an anti-forgery token
//! (double-submit: a random token in a `SameSite=Strict` cookie and in the form, which must
//! match), and every response forbids framing, so another site can neither submit nor overlay
//! the form.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::FutureExt;
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use lambda_http::http::{HeaderValue, Response, StatusCode};
use lambda_http::{Body, Request};
use tracing::Instrument;

use super::request::{self, MAX_BODY_BYTES};
use super::routes::Route;
use crate::app::App;

pub const CSRF_COOKIE: &str = "commet_csrf";
pub const CSRF_FIELD: &str = "csrf";

/// What the page flow receives.
pub struct PageRequest {
    /// The `{id}` of `/pay/{id}`, as sent.
    pub id: String,
    pub csrf_cookie: Option<String>,
    /// The submitted form (POST only), in order.
    pub form: Vec<(String, String)>,
    /// Whether the page is served over https (decides the cookie's `Secure` flag).
    pub secure: bool,
    pub request_id: String,
}

impl PageRequest {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// An HTML answer.
pub struct Page {
    pub status: u16,
    pub title: String,
    /// Trusted HTML built by this module's helpers from escaped parts.
    pub body: String,
    /// A fresh anti-forgery token to set as the cookie.
    pub new_csrf: Option<String>,
}

impl Page {
    pub fn new(status: u16, title: &str, body: String) -> Self {
        Self {
            status,
            title: title.to_owned(),
            body,
            new_csrf: None,
        }
    }

    /// A page that only says something: a heading and a sentence.
    pub fn notice(status: u16, title: &str, message: &str) -> Self {
        Self::new(
            status,
            title,
            format!("<h1>{}</h1><p>{}</p>", text(title), text(message)),
        )
    }
}

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
) -> Response<lambda_http::Body>
where
    F: FnOnce(&'static App, PageRequest) -> Fut,
    Fut: Future<Output = Page>,
{
    let request_id = request::request_id(&event);
    let path = request::raw_path(&event);
    let span = tracing::info_span!("page", request_id = %request_id, method = %event.method());
    let (page, secure) = match (route.match_path(&path), read_form(&event)) {
        (None, _) => (
            Page::notice(404, "Page not found", "There is no payment page here."),
            false,
        ),
        (_, Err(page)) => (page, false),
        (Some(params), Ok(form)) => {
            let secure = request::public_base_url(&event, app.config.public_base_url.as_deref())
                .starts_with("https://");
            let request = PageRequest {
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
                    unavailable()
                });
            (page, secure)
        }
    };
    tracing::info!(parent: &span, status = page.status, "page served");
    render(page, &path, secure, &request_id)
}

/// The page for a datastore or provider outage.
pub fn unavailable() -> Page {
    Page::notice(
        503,
        "Temporarily unavailable",
        "We could not process this page just now. Nothing was charged twice; please try again \
         in a moment.",
    )
}

fn read_form(event: &Request) -> Result<Vec<(String, String)>, Page> {
    let bytes: &[u8] = match event.body() {
        Body::Text(body) => body.as_bytes(),
        Body::Binary(body) => body,
        _ => return Ok(Vec::new()),
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(Page::notice(413, "Too large", "The form is too large."));
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

fn render(page: Page, path: &str, secure: bool, request_id: &str) -> Response<lambda_http::Body> {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{}</title><style>{STYLE}</style></head>\
         <body><main>{}</main></body></html>",
        text(&page.title),
        page.body
    );
    let mut response = Response::new(lambda_http::Body::Text(html));
    *response.status_mut() = StatusCode::from_u16(page.status).unwrap_or_default();
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-type", "text/html; charset=utf-8"),
        ("cache-control", "no-store"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        (
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
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

/// Escapes text for an element's content.
pub fn escape_text(value: &str) -> String {
    text(value).into_owned()
}

/// Escapes text for a double-quoted attribute.
pub fn escape_attr(value: &str) -> String {
    attr(value).into_owned()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1a1a1a}\
main{max-width:28rem;margin:0 auto;padding:1.5rem 1rem}\
h1{font-size:1.4rem}\
.summary{background:#fff;border-radius:.5rem;padding:1rem;margin-bottom:1rem}\
.summary dl{display:grid;grid-template-columns:1fr auto;gap:.25rem .5rem;margin:0}\
.summary dd{margin:0;text-align:right}\
.total{font-weight:600}\
form{background:#fff;border-radius:.5rem;padding:1rem}\
label{display:block;margin:.75rem 0 .25rem}\
input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #bbb;border-radius:.3rem}\
.row{display:grid;grid-template-columns:1fr 1fr;gap:.75rem}\
button{margin-top:1rem;width:100%;padding:.8rem;font-size:1rem;border:0;border-radius:.3rem;background:#1f4fd8;color:#fff}\
.error{background:#fdecec;color:#8a1111;border-radius:.3rem;padding:.6rem;margin:.5rem 0}\
.field-error{color:#8a1111;font-size:.9rem;margin:.25rem 0 0}\
.muted{color:#666;font-size:.9rem}";
