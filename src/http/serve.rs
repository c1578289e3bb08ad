//! The path every invocation takes: request id, route and method, API key, version, body;
//! then the handler; then one rendering of its result. Panics become a 500 envelope too.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures_util::FutureExt;
use lambda_http::{Body, Request, Response};
use tracing::Instrument;

use super::auth::{self, Caller};
use super::error::ApiError;
use super::request::{self, ApiRequest};
use super::response::{ApiResponse, render};
use super::routes::{self, Route};
use super::{error_docs, version};
use crate::app::App;
use crate::domain::idempotency::RequestFingerprint;
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;
use crate::store::{Claim, ClaimOutcome};

/// Serves one event for `route` with `handler`.
pub async fn serve<F, Fut>(
    app: &'static App,
    route: &'static Route,
    event: Request,
    handler: F,
) -> Response<Body>
where
    F: Fn(&'static App, ApiRequest) -> Fut,
    Fut: Future<Output = Result<ApiResponse, ApiError>>,
{
    let request_id = request::request_id(&event);
    let docs_url = error_docs::url_for(&event, app.config.error_docs_url.as_deref());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        function = route.function,
        account_id = tracing::field::Empty,
    );
    let started = Instant::now();
    // Read once: the answers of errors before the account is known take the version the request
    // names (else the current one); `prepare` refines it with the account's pin. The route's
    // pattern stands for the path: it is unversioned exactly when a path it matches is.
    let requested = version::requested_at(route.path, event.headers());
    let mut version = match &requested {
        Ok(named) => version::resolve(*named, None),
        Err(_) => version::before_authentication(route.path, event.headers()),
    };
    let work = async {
        let (request, key_check) = match prepare(
            app,
            route,
            &event,
            request_id.clone(),
            &docs_url,
            requested,
            &mut version,
        )
        .await?
        {
            Prepared::Replay(response) => return Ok(response),
            Prepared::Run(request, key_check) => (*request, key_check),
        };
        tracing::Span::current().record("account_id", request.principal.account_id.as_str());
        let claim = request.claim.clone();
        let outcome = match key_check {
            None => run(app, &handler, request).await,
            // Boxed: the SDK's futures are large, and the usual path (a cached key) should not
            // carry the state of this one in its own.
            Some(key_check) => {
                Box::pin(run_beside_key_check(
                    app,
                    &handler,
                    request,
                    key_check,
                    &mut version,
                ))
                .await
            }
        };
        if let Some(claim) = claim {
            settle_claim(app, &claim, &outcome, &docs_url, version).await;
        }
        outcome
    };
    let outcome = AssertUnwindSafe(work.instrument(span.clone()))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| Err(ApiError::internal("request pipeline panicked")));
    span.in_scope(|| log_outcome(&outcome, started));
    render(&outcome, &request_id, &docs_url, version)
}

/// Serves whatever no route matched: 405 with `Allow` when the path exists under another
/// method, else 404. Needs no API key.
pub async fn serve_fallback(app: &'static App, event: Request) -> Response<Body> {
    let request_id = request::request_id(&event);
    let path = request::raw_path(&event);
    let allow = routes::allowed_methods(&path);
    let outcome: Result<ApiResponse, ApiError> = if allow.is_empty() {
        Err(ApiError::RouteNotFound)
    } else {
        Err(ApiError::MethodNotAllowed { allow })
    };
    let span = tracing::info_span!("request", request_id = %request_id, function = routes::FALLBACK_FUNCTION);
    span.in_scope(|| log_outcome(&outcome, Instant::now()));
    let docs_url = error_docs::url_for(&event, app.config.error_docs_url.as_deref());
    let version = version::before_authentication(&path, event.headers());
    render(&outcome, &request_id, &docs_url, version)
}

/// Answers an event no request could be read from (`api_gateway::ApiGatewayEvent::Unreadable`):
/// 400, naming the headers, the one part of what API Gateway passes on that can be unreadable
/// (a control character in a value, bytes that are not UTF-8). Its origin unknown, the error's
/// `doc_url` is the configured one or a path.
pub fn serve_unreadable(app: &'static App, request_id: &str, function: &str) -> Response<Body> {
    let outcome: Result<ApiResponse, ApiError> = Err(ApiError::validation(
        "headers",
        "The request could not be read: a header value holds a control character or bytes \
         that are not UTF-8.",
    ));
    let span = tracing::info_span!("request", request_id = %request_id, function);
    span.in_scope(|| log_outcome(&outcome, Instant::now()));
    let docs_url = error_docs::url_for_unknown_origin(app.config.error_docs_url.as_deref());
    render(&outcome, request_id, &docs_url, ApiVersion::CURRENT)
}

/// Serves a request that proves itself otherwise than with an API key (Stripe's events carry a
/// signature of their body): route and method, then `handler` with the whole request, then one
/// rendering, errors in the shape of the version the request asks for.
pub async fn serve_signed<F, Fut>(
    app: &'static App,
    route: &'static Route,
    event: Request,
    handler: F,
) -> Response<Body>
where
    F: FnOnce(&'static App, Request, ApiVersion) -> Fut,
    Fut: Future<Output = Result<ApiResponse, ApiError>>,
{
    let request_id = request::request_id(&event);
    let docs_url = error_docs::url_for(&event, app.config.error_docs_url.as_deref());
    let path = request::raw_path(&event);
    let version = version::before_authentication(&path, event.headers());
    let span = tracing::info_span!("request", request_id = %request_id, function = route.function);
    let started = Instant::now();
    let outcome = if route.match_path(&path).is_none() {
        Err(ApiError::RouteNotFound)
    } else if event.method().as_str() != route.method {
        Err(ApiError::MethodNotAllowed {
            allow: routes::allowed_methods(&path),
        })
    } else {
        AssertUnwindSafe(handler(app, event, version).instrument(span.clone()))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(ApiError::internal("handler panicked")))
    };
    span.in_scope(|| log_outcome(&outcome, started));
    render(&outcome, &request_id, &docs_url, version)
}

enum Prepared {
    /// A repeat of a completed request with the same Idempotency-Key: its response, again.
    Replay(ApiResponse),
    /// The request to run; with a key check when its key is not checked yet.
    Run(Box<ApiRequest>, Option<KeyCheck>),
}

/// A read's key that names its account and is not in this container's cache: it is looked up
/// with the read, which runs for the account the key names, so that a cold or new key costs
/// one round trip, not two in a row.
struct KeyCheck {
    presented: String,
    requested: Option<ApiVersion>,
}

async fn run<F, Fut>(
    app: &'static App,
    handler: &F,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError>
where
    F: Fn(&'static App, ApiRequest) -> Fut,
    Fut: Future<Output = Result<ApiResponse, ApiError>>,
{
    AssertUnwindSafe(handler(app, request))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| Err(ApiError::internal("handler panicked")))
}

/// Runs a read for the account its key names beside the key's lookup (one BatchGetItem when
/// the read's first call reads one item; else the lookup and the read's call at once), and
/// answers only for a key found active: else 401, whatever the read found. The read saw the
/// account's settings as the key's public part tells them (no pin, default providers); when
/// the key's item says otherwise (a pinned version the request did not name, other providers,
/// or another account, which no issued key does), the read runs again as the key's item says:
/// a second round trip only then.
async fn run_beside_key_check<F, Fut>(
    app: &'static App,
    handler: &F,
    request: ApiRequest,
    key_check: KeyCheck,
    version: &mut ApiVersion,
) -> Result<ApiResponse, ApiError>
where
    F: Fn(&'static App, ApiRequest) -> Fut,
    Fut: Future<Output = Result<ApiResponse, ApiError>>,
{
    let assumed = request.clone();
    let (verified, outcome) = app
        .principal_beside(&key_check.presented, run(app, handler, request))
        .await;
    let principal = verified?.ok_or(ApiError::Unauthorized)?;
    *version = version::resolve(key_check.requested, principal.api_version);
    let as_assumed = principal.account_id == assumed.principal.account_id
        && principal.mode == assumed.principal.mode
        && principal.providers == assumed.principal.providers
        && *version == assumed.version;
    if as_assumed {
        return outcome;
    }
    let request = ApiRequest {
        principal,
        version: *version,
        ..assumed
    };
    run(app, handler, request).await
}

async fn prepare(
    app: &'static App,
    route: &'static Route,
    event: &Request,
    request_id: String,
    docs_url: &str,
    requested: Result<Option<ApiVersion>, ApiError>,
    version: &mut ApiVersion,
) -> Result<Prepared, ApiError> {
    let path = request::raw_path(event);
    let params = route.match_path(&path).ok_or(ApiError::RouteNotFound)?;
    if event.method().as_str() != route.method {
        return Err(ApiError::MethodNotAllowed {
            allow: routes::allowed_methods(&path),
        });
    }
    // Only a read may start before its key is checked, and not with a bad version header,
    // which is refused in the shape of the account's pin. (A cancel with the key's check in its
    // own transaction, beside a read of the answer, was measured slower at every Lambda size:
    // docs/benchmarks.md.)
    let may_defer = route.method == "GET" && requested.is_ok();
    let (principal, key_check) = match auth::identify(app, event.headers(), may_defer).await? {
        Caller::Known(principal) => (principal, None),
        Caller::Unverified { presented, claim } => (
            claim.provisional_principal(),
            Some(KeyCheck {
                presented,
                requested: requested.as_ref().ok().copied().flatten(),
            }),
        ),
    };
    *version = version::resolve(
        requested.as_ref().ok().copied().flatten(),
        principal.api_version,
    );
    requested?;
    // Reads carry neither; the key is checked first, so a bad key is reported over a bad body.
    let (idempotency_key, body) = if route.method == "GET" {
        (None, None)
    } else {
        (request::idempotency_key(event)?, request::json_body(event)?)
    };
    let claim = match &idempotency_key {
        None => None,
        Some(key) => {
            let fingerprint =
                RequestFingerprint::of(route.method, &path, request::body_bytes(event));
            match app
                .store
                .idempotency()
                .claim(&principal.account_id, key, &fingerprint, Timestamp::now())
                .await?
            {
                ClaimOutcome::Claimed(claim) => Some(Arc::new(claim)),
                // The version is not part of the fingerprint: a retry is the same request
                // whatever version it asks for, and gets the first answer, in its first shape.
                ClaimOutcome::Replay(stored) => {
                    return Ok(Prepared::Replay(ApiResponse::replay(stored)));
                }
                ClaimOutcome::Mismatch => return Err(ApiError::IdempotencyKeyMismatch),
                ClaimOutcome::InProgress => return Err(ApiError::IdempotencyInProgress),
            }
        }
    };
    Ok(Prepared::Run(
        Box::new(ApiRequest {
            principal,
            idempotency_key,
            claim,
            params,
            raw_query: event.uri().query().map(str::to_owned),
            body,
            public_base_url: request::public_base_url(event, app.config.public_base_url.as_deref()),
            request_id,
            error_docs_url: docs_url.to_owned(),
            version: *version,
        }),
        key_check,
    ))
}

/// Keeps the answer for the key, or gives the key back: validation failures are not kept, and
/// a 5xx releases the key so that a retry runs again. A claim already completed inside the
/// handler's own transaction needs nothing more.
async fn settle_claim(
    app: &App,
    claim: &Claim,
    outcome: &Result<ApiResponse, ApiError>,
    docs_url: &str,
    version: ApiVersion,
) {
    if claim.is_completed() {
        return;
    }
    let records = app.store.idempotency();
    let result = match outcome {
        Ok(response) => records.keep(claim, &response.stored()).await,
        Err(error) if error.releases_idempotency_key() => records.release(claim).await,
        Err(error) => {
            let (response, _) = ApiResponse::from_error(error, docs_url, version);
            records.keep(claim, &response.stored()).await
        }
    };
    if let Err(error) = result {
        // The key stays in progress until its lock runs out; then a retry runs again.
        tracing::error!(detail = %error, "could not settle the idempotency key");
    }
}

fn log_outcome(outcome: &Result<ApiResponse, ApiError>, started: Instant) {
    // To the microsecond: a float of the nanoseconds would print seventeen digits.
    let elapsed_ms = started.elapsed().as_micros() as f64 / 1000.0;
    match outcome {
        Ok(response) => tracing::info!(status = response.status, elapsed_ms, "request served"),
        Err(error) => {
            let reply = error.reply();
            if reply.status >= 500 {
                // The only place internal detail is written: to the log, never to the client.
                tracing::error!(status = reply.status, code = reply.code, elapsed_ms, detail = %error, "request failed");
            } else {
                tracing::info!(
                    status = reply.status,
                    code = reply.code,
                    elapsed_ms,
                    "request refused"
                );
            }
        }
    }
}
