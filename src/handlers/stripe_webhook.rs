//! `POST /stripe/webhook`: Stripe's events about the PaymentIntents our payments made, and the
//! refunds and disputes of their charges. The signature is checked on the raw body before
//! anything in it is read; an off-session charge's outcome, or a link's paid attempt, is then
//! recorded through the same completion as every other path, so the event, the request or page
//! that made it, a retry and the reconciler race safely: one records it. A refund's running
//! total is recorded when it grows, a dispute when it moves forward. Everything else is
//! acknowledged and ignored, as Stripe expects.

use lambda_http::Request;
use serde::Serialize;

use crate::app::{App, ReportRecorded, Reported, StripeOrigin};
use crate::domain::ids::{AccountId, PaymentId};
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;
use crate::http::request::body_bytes;
use crate::http::{ApiError, ApiResponse};
use crate::provider::stripe_events::{
    ChargeEvent, IntentEvent, StripeEvent, parse_event, verify_with_any,
};

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
    let secrets = app
        .stripe_webhook_secrets()
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    if secrets.is_empty() {
        return Err(ApiError::Unavailable(
            "no Stripe webhook signing secret is configured".into(),
        ));
    }
    let body = body_bytes(&request);
    let signature = request
        .headers()
        .get("stripe-signature")
        .and_then(|value| value.to_str().ok());
    let now = Timestamp::now().datetime().unix_timestamp();
    // The live endpoint's secret or the test endpoint's: the one that signed it says which
    // mode's payments the event may be about.
    let livemode = verify_with_any(
        &secrets,
        |candidate| candidate.secret.expose(),
        signature,
        body,
        now,
    )
    .map(|signer| signer.livemode)
    .map_err(|why| {
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
        StripeEvent::Intent(event) => record(app, event, livemode).await?,
        StripeEvent::Refund(event) => {
            let recorded = app.record_reported_refund(&event, livemode).await?;
            report_outcome(recorded, &event, livemode)?
        }
        StripeEvent::Dispute(event) => {
            let recorded = app.record_reported_dispute(&event, livemode).await?;
            report_outcome(recorded, &event.charge, livemode)?
        }
    };
    ApiResponse::object(
        version,
        &Receipt {
            received: true,
            outcome,
        },
    )
}

/// A PaymentIntent's outcome, for the payment its metadata names, if the event came from where
/// that payment's money moves (`livemode`: the endpoint whose secret signed it).
async fn record(app: &App, event: IntentEvent, livemode: bool) -> Result<&'static str, ApiError> {
    let (Ok(account), Ok(payment_id)) = (
        AccountId::parse(&event.account_id),
        PaymentId::parse(&event.payment_id),
    ) else {
        tracing::warn!(event = %event.id, "Stripe event names no payment of ours");
        return Ok("ignored");
    };
    let origin = StripeOrigin {
        livemode,
        stripe_account: event.stripe_account.as_deref(),
    };
    let reported = app
        .record_reported_intent(&account, &payment_id, origin, &event.intent)
        .await?;
    let outcome = match reported {
        Reported::Recorded(_) => "recorded",
        Reported::AlreadyRecorded(_) => "already_recorded",
        Reported::Ignored | Reported::Unknown => "ignored",
        Reported::Misdirected => {
            tracing::warn!(event = %event.id, payment = %payment_id, stripe_account = ?event.stripe_account, livemode, "Stripe event from another Stripe account or mode than its payment's: ignored");
            "ignored"
        }
    };
    tracing::info!(event = %event.id, kind = %event.kind, livemode, payment = %payment_id, outcome, "Stripe event");
    Ok(outcome)
}

/// A refund's or a dispute's report, as Stripe is answered. One about a payment whose outcome
/// is not recorded yet is refused (503), so that Stripe sends it again after the payment's own
/// event.
fn report_outcome(
    recorded: ReportRecorded,
    charge: &ChargeEvent,
    livemode: bool,
) -> Result<&'static str, ApiError> {
    let (event, intent) = (charge.id.as_str(), charge.payment_intent.as_str());
    Ok(match recorded {
        ReportRecorded::Recorded(payment) => {
            tracing::info!(event, livemode, payment = %payment, "Stripe report recorded");
            "recorded"
        }
        ReportRecorded::AlreadyRecorded => "already_recorded",
        ReportRecorded::NotSettledYet => {
            return Err(ApiError::Unavailable(
                "the payment's outcome is not recorded yet".into(),
            ));
        }
        ReportRecorded::Ignored(why) => {
            tracing::info!(event, livemode, intent, why, "Stripe report ignored");
            "ignored"
        }
    })
}
