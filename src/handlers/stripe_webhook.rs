//! `POST /stripe/webhook`: Stripe's events about the PaymentIntents our payments made. The
//! signature is checked on the raw body before anything in it is read; an off-session charge's
//! outcome, or a link's paid attempt, is then recorded through the same completion as every
//! other path, so the event, the request or page that made it, a retry and the reconciler race
//! safely: one records it.
//! Everything else is acknowledged and ignored, as Stripe expects.

use lambda_http::Request;
use serde::Serialize;

use crate::app::{App, Reported};
use crate::domain::ids::{AccountId, PaymentId};
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;
use crate::http::request::body_bytes;
use crate::http::{ApiError, ApiResponse};
use crate::provider::stripe_events::{IntentEvent, StripeEvent, parse_event, verify_signature};

/// The answer Stripe gets (it reads only the status).
#[derive(Serialize)]
struct Receipt<'a> {
    received: bool,
    /// `recorded`, `already_recorded` or `ignored`.
    outcome: &'a str,
}

pub async fn receive(
    app: &'static App,
    request: Request,
    version: ApiVersion,
) -> Result<ApiResponse, ApiError> {
    let secret = app
        .stripe_webhook_secret()
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?
        .ok_or_else(|| {
            ApiError::Unavailable("no Stripe webhook signing secret is configured".into())
        })?;
    let body = body_bytes(&request);
    let signature = request
        .headers()
        .get("stripe-signature")
        .and_then(|value| value.to_str().ok());
    let now = Timestamp::now().datetime().unix_timestamp();
    verify_signature(secret.expose(), signature, body, now).map_err(|why| {
        ApiError::validation(
            "Stripe-Signature",
            format!("The Stripe-Signature header {why}."),
        )
    })?;
    let event = parse_event(body)
        .map_err(|why| ApiError::validation("body", format!("The event {why}.")))?;
    let outcome = match event {
        StripeEvent::Ignored { id, kind } => {
            tracing::info!(event = %id, kind = %kind, "Stripe event ignored");
            "ignored"
        }
        StripeEvent::Intent(event) => record(app, event).await?,
    };
    ApiResponse::object(
        version,
        &Receipt {
            received: true,
            outcome,
        },
    )
}

/// A PaymentIntent's outcome, for the charge its metadata names.
async fn record(app: &App, event: IntentEvent) -> Result<&'static str, ApiError> {
    let (Ok(account), Ok(payment_id)) = (
        AccountId::parse(&event.account_id),
        PaymentId::parse(&event.payment_id),
    ) else {
        tracing::warn!(event = %event.id, "Stripe event names no payment of ours");
        return Ok("ignored");
    };
    let reported = app
        .record_reported_intent(&account, &payment_id, &event.intent)
        .await?;
    let outcome = match reported {
        Reported::Recorded(_) => "recorded",
        Reported::AlreadyRecorded(_) => "already_recorded",
        Reported::Ignored | Reported::Unknown => "ignored",
    };
    // Not checked against the payment's mode: a live account may run on Stripe test keys (a
    // local stack does), and the signing secret, not the flag, is what vouches for an event.
    tracing::info!(event = %event.id, kind = %event.kind, livemode = event.livemode, payment = %payment_id, outcome, "Stripe event");
    Ok(outcome)
}
