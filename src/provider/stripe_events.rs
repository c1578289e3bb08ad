//! Stripe's webhook events: the `Stripe-Signature` check on the raw body, and what an event about
//! a PaymentIntent says of one of our payments. Pure: no I/O, the clock passed in.

use hmac::{KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::stripe::{ACCOUNT_ID_METADATA, PAYMENT_ID_METADATA};
use crate::domain::payment::DisputeStatus;

/// How far a signature's timestamp may be from now: Stripe's libraries' default, which bounds
/// how long a captured event can be replayed.
pub const SIGNATURE_TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("is missing")]
    Missing,
    #[error("must carry a timestamp (t=) and at least one v1 signature")]
    Malformed,
    #[error("matches no v1 signature of the body")]
    Mismatch,
    #[error("has a timestamp more than 300 seconds from now")]
    Stale,
}

/// `verify_signature` with each of `secrets` (an endpoint's secret per Stripe mode): the first
/// that signed it, else why not (a mismatch only when no secret finds more to say, such as a
/// stale timestamp).
pub fn verify_with_any<'a, T>(
    secrets: &'a [T],
    secret_of: impl Fn(&T) -> &str,
    header: Option<&str>,
    payload: &[u8],
    now_unix: i64,
) -> Result<&'a T, SignatureError> {
    let mut refusal = SignatureError::Mismatch;
    for candidate in secrets {
        match verify_signature(secret_of(candidate), header, payload, now_unix) {
            Ok(()) => return Ok(candidate),
            Err(SignatureError::Mismatch) => {}
            Err(why) => refusal = why,
        }
    }
    Err(refusal)
}

/// Checks `header` (`t=<unix seconds>,v1=<hex>,...`) against `payload`, the body exactly as it
/// arrived: some `v1` entry must be the HMAC-SHA256 of `<t>.<payload>` keyed with `secret`
/// (each compared in constant time; Stripe sends several while a secret is being rolled), and `t`
/// within the tolerance of `now_unix`.
pub fn verify_signature(
    secret: &str,
    header: Option<&str>,
    payload: &[u8],
    now_unix: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = Some(value),
            Some(("v1", value)) => signatures.push(value),
            _ => {}
        }
    }
    let (Some(timestamp), false) = (timestamp, signatures.is_empty()) else {
        return Err(SignatureError::Malformed);
    };
    let seconds: i64 = timestamp.parse().map_err(|_| SignatureError::Malformed)?;
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(payload);
    let matches = signatures.iter().any(|signature| {
        hex::decode(signature).is_ok_and(|bytes| mac.clone().verify_slice(&bytes).is_ok())
    });
    if !matches {
        return Err(SignatureError::Mismatch);
    }
    if now_unix.abs_diff(seconds) > SIGNATURE_TOLERANCE_SECONDS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

/// A verified event, as far as this service acts on it.
#[derive(Debug, Clone, PartialEq)]
pub enum StripeEvent {
    /// `payment_intent.succeeded` or `payment_intent.payment_failed` of a PaymentIntent one of
    /// our payments made.
    Intent(IntentEvent),
    /// `charge.refunded` of a charge a PaymentIntent made: a refund, made anywhere (Stripe's
    /// dashboard), of a charge that may be one of our payments.
    Refund(ChargeEvent),
    /// `charge.dispute.*` of a dispute (not an inquiry) of a charge a PaymentIntent made.
    Dispute(DisputeEvent),
    /// Anything else: acknowledged and ignored.
    Ignored { id: String, kind: String },
}

/// What an event about a paid charge (a refund, a dispute) says of the charge.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeEvent {
    pub id: String,
    pub livemode: bool,
    /// The connected account it happened on (Stripe Connect), if any.
    pub stripe_account: Option<String>,
    /// The PaymentIntent that made the charge: its metadata names our payment (neither a
    /// charge nor a dispute carries the PaymentIntent's metadata).
    pub payment_intent: String,
    /// Refunded so far, all refunds together (a refund), or contested (a dispute), in Stripe's
    /// units of `currency`.
    pub amount: u64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DisputeEvent {
    pub charge: ChargeEvent,
    pub dispute_id: String,
    pub reason: Option<String>,
    pub status: DisputeStatus,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IntentEvent {
    pub id: String,
    pub kind: String,
    pub livemode: bool,
    /// The connected account it happened on (Stripe Connect), if any.
    pub stripe_account: Option<String>,
    /// Our account and payment, from the PaymentIntent's metadata.
    pub account_id: String,
    pub payment_id: String,
    /// The PaymentIntent as it was when the event happened.
    pub intent: Value,
}

const HANDLED: [&str; 2] = ["payment_intent.succeeded", "payment_intent.payment_failed"];
const REFUNDED: &str = "charge.refunded";
/// Every event a dispute's status may change by (an inquiry becomes a dispute by an update).
const DISPUTED: [&str; 4] = [
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.closed",
];

/// Where a Stripe dispute stands, as ours; `None` for an inquiry (`warning_*`: no money is
/// withdrawn, no chargeback) or a status this service does not know.
fn dispute_status(status: &str) -> Option<DisputeStatus> {
    match status {
        "needs_response" | "under_review" => Some(DisputeStatus::Open),
        "won" => Some(DisputeStatus::Won),
        "lost" => Some(DisputeStatus::Lost),
        _ => None,
    }
}

/// The charge an event's `object` (a Charge, a Dispute) is about, with the amount under
/// `amount_field`; `None` without a PaymentIntent (a charge made without one is none of ours).
fn charge_event(
    id: &str,
    event: &Value,
    object: &Value,
    amount_field: &str,
) -> Option<ChargeEvent> {
    Some(ChargeEvent {
        id: id.to_owned(),
        livemode: event["livemode"].as_bool().unwrap_or(false),
        stripe_account: event["account"].as_str().map(str::to_owned),
        payment_intent: object["payment_intent"].as_str()?.to_owned(),
        amount: object[amount_field].as_u64()?,
        currency: object["currency"].as_str()?.to_owned(),
    })
}

fn dispute_event(id: &str, kind: &str, event: &Value, dispute: &Value) -> StripeEvent {
    let found = charge_event(id, event, dispute, "amount").zip(
        dispute["id"]
            .as_str()
            .zip(dispute["status"].as_str().and_then(dispute_status)),
    );
    match found {
        Some((charge, (dispute_id, status))) => StripeEvent::Dispute(DisputeEvent {
            charge,
            dispute_id: dispute_id.to_owned(),
            reason: dispute["reason"].as_str().map(str::to_owned),
            status,
        }),
        None => StripeEvent::Ignored {
            id: id.to_owned(),
            kind: kind.to_owned(),
        },
    }
}

fn refund_event(id: &str, kind: &str, event: &Value, charge: &Value) -> StripeEvent {
    match charge_event(id, event, charge, "amount_refunded") {
        Some(charge) => StripeEvent::Refund(charge),
        None => StripeEvent::Ignored {
            id: id.to_owned(),
            kind: kind.to_owned(),
        },
    }
}

/// The event in `body` (already verified), or why it is not one.
pub fn parse_event(body: &[u8]) -> Result<StripeEvent, &'static str> {
    let event: Value = serde_json::from_slice(body).map_err(|_| "is not JSON")?;
    let (Some(id), Some(kind)) = (event["id"].as_str(), event["type"].as_str()) else {
        return Err("is not a Stripe event (no id and type)");
    };
    let object = &event["data"]["object"];
    if kind == REFUNDED && object["object"] == "charge" {
        return Ok(refund_event(id, kind, &event, object));
    }
    if DISPUTED.contains(&kind) && object["object"] == "dispute" {
        return Ok(dispute_event(id, kind, &event, object));
    }
    let intent = object;
    let metadata = &intent["metadata"];
    match (
        HANDLED.contains(&kind) && intent["object"] == "payment_intent",
        metadata[ACCOUNT_ID_METADATA].as_str(),
        metadata[PAYMENT_ID_METADATA].as_str(),
    ) {
        (true, Some(account_id), Some(payment_id)) => Ok(StripeEvent::Intent(IntentEvent {
            id: id.to_owned(),
            kind: kind.to_owned(),
            livemode: event["livemode"].as_bool().unwrap_or(false),
            stripe_account: event["account"].as_str().map(str::to_owned),
            account_id: account_id.to_owned(),
            payment_id: payment_id.to_owned(),
            intent: intent.clone(),
        })),
        _ => Ok(StripeEvent::Ignored {
            id: id.to_owned(),
            kind: kind.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &str = "whsec_test_secret";

    /// The signature computed as Stripe documents it (and localstripe sends it), independently
    /// of the code under test: Python's `hmac.new(secret, b"%d.%s" % (t, payload), sha256)`
    /// gave this for t=1700000000 and payload `{"id":"evt_1"}`.
    const RECORDED: &str = "248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a";

    fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
        let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(payload);
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn stripes_scheme_is_hmac_sha256_of_timestamp_dot_payload() {
        assert_eq!(sign(SECRET, 1_700_000_000, br#"{"id":"evt_1"}"#), RECORDED);
        let header = format!("t=1700000000,v1={RECORDED}");
        assert_eq!(
            verify_signature(SECRET, Some(&header), br#"{"id":"evt_1"}"#, 1_700_000_100),
            Ok(())
        );
    }

    #[test]
    fn any_v1_entry_may_match_and_other_schemes_are_ignored() {
        let body = br#"{"id":"evt_2"}"#;
        let good = sign(SECRET, 1_700_000_000, body);
        let old = sign("whsec_rolled_away", 1_700_000_000, body);
        let header = format!("t=1700000000, v0=abc, v1={old}, v1={good}");
        assert_eq!(
            verify_signature(SECRET, Some(&header), body, 1_700_000_000),
            Ok(())
        );
    }

    #[test]
    fn of_several_secrets_the_one_that_signed_is_named_and_a_refusal_says_the_most() {
        let body = br#"{"id":"evt_4"}"#;
        let secrets = [("live", "whsec_live"), ("test", "whsec_test")];
        let at = 1_700_000_000;
        let check = |header: Option<&str>, now: i64| {
            verify_with_any(&secrets, |(_, secret)| secret, header, body, now)
                .map(|(mode, _)| *mode)
        };
        let by_test = format!("t={at},v1={}", sign("whsec_test", at, body));
        assert_eq!(check(Some(&by_test), at), Ok("test"));
        let by_live = format!("t={at},v1={}", sign("whsec_live", at, body));
        assert_eq!(check(Some(&by_live), at), Ok("live"));
        // Signed by one of them, but long ago: stale, not a mismatch.
        assert_eq!(check(Some(&by_test), at + 301), Err(SignatureError::Stale));
        let by_neither = format!("t={at},v1={}", sign("whsec_other", at, body));
        assert_eq!(check(Some(&by_neither), at), Err(SignatureError::Mismatch));
        assert_eq!(check(None, at), Err(SignatureError::Missing));
    }

    #[test]
    fn a_changed_body_another_secret_or_a_bad_header_is_refused() {
        let body = br#"{"id":"evt_3","amount":100}"#;
        let header = format!("t=1700000000,v1={}", sign(SECRET, 1_700_000_000, body));
        let at = 1_700_000_000;
        let refused = |secret: &str, header: Option<&str>, body: &[u8]| {
            verify_signature(secret, header, body, at).unwrap_err()
        };
        assert_eq!(
            refused(SECRET, Some(&header), br#"{"id":"evt_3","amount":999}"#),
            SignatureError::Mismatch
        );
        assert_eq!(
            refused("whsec_other", Some(&header), body),
            SignatureError::Mismatch
        );
        assert_eq!(refused(SECRET, None, body), SignatureError::Missing);
        for malformed in [
            "",
            "v1=abc",
            "t=1700000000",
            "t=soon,v1=abc",
            "t=1700000000;v1=abc",
        ] {
            assert_eq!(
                refused(SECRET, Some(malformed), body),
                SignatureError::Malformed,
                "{malformed}"
            );
        }
        // The signature of another timestamp does not carry over.
        let moved = header.replace("t=1700000000", "t=1700000001");
        assert_eq!(
            refused(SECRET, Some(&moved), body),
            SignatureError::Mismatch
        );
        assert_eq!(
            refused(SECRET, Some("t=1700000000,v1=not-hex"), body),
            SignatureError::Mismatch
        );
    }

    #[test]
    fn a_signature_older_or_newer_than_the_tolerance_is_refused() {
        let body = br#"{"id":"evt_4"}"#;
        let header = format!("t=1700000000,v1={}", sign(SECRET, 1_700_000_000, body));
        for (now, expected) in [
            (1_700_000_300, Ok(())),
            (1_700_000_301, Err(SignatureError::Stale)),
            (1_699_999_700, Ok(())),
            (1_699_999_699, Err(SignatureError::Stale)),
        ] {
            assert_eq!(
                verify_signature(SECRET, Some(&header), body, now),
                expected,
                "{now}"
            );
        }
    }

    fn intent_event(kind: &str, metadata: Value) -> Vec<u8> {
        // As Stripe's API reference shows an event (recorded), trimmed.
        serde_json::to_vec(&json!({
            "id": "evt_1NG8Du2eZvKYlo2CUI79vXWy", "object": "event", "api_version": "2024-06-20",
            "created": 1686089970, "livemode": true, "pending_webhooks": 1, "type": kind,
            "account": "acct_1032D82eZvKYlo2C",
            "data": {"object": {"id": "pi_3MtwBwLkdIwHu7ix28a3tqPa", "object": "payment_intent",
                "amount": 2500, "currency": "usd", "status": "succeeded", "metadata": metadata}}
        }))
        .unwrap()
    }

    #[test]
    fn intent_events_name_our_account_and_payment() {
        let metadata = json!({"commet_account_id": "acc_1", "commet_payment_id": "pay_1"});
        let StripeEvent::Intent(event) =
            parse_event(&intent_event("payment_intent.succeeded", metadata)).unwrap()
        else {
            panic!("an intent event");
        };
        assert_eq!(
            (event.account_id.as_str(), event.payment_id.as_str()),
            ("acc_1", "pay_1")
        );
        assert_eq!(
            event.stripe_account.as_deref(),
            Some("acct_1032D82eZvKYlo2C")
        );
        assert!(event.livemode);
        assert_eq!(event.intent["id"], "pi_3MtwBwLkdIwHu7ix28a3tqPa");
    }

    fn refund_event(charge: Value) -> Vec<u8> {
        // As Stripe's API reference shows a Charge (recorded), trimmed.
        serde_json::to_vec(&json!({
            "id": "evt_3MtwBwLkdIwHu7ix0refund", "object": "event", "api_version": "2024-06-20",
            "created": 1686089970, "livemode": false, "type": "charge.refunded",
            "data": {"object": charge}
        }))
        .unwrap()
    }

    #[test]
    fn a_refunded_charge_of_a_payment_intent_is_a_refund_of_its_total() {
        let charge = json!({"id": "ch_3MtwBwLkdIwHu7ix28a3tqPa", "object": "charge",
            "amount": 2500, "amount_refunded": 1000, "currency": "usd", "refunded": false,
            "payment_intent": "pi_3MtwBwLkdIwHu7ix28a3tqPa", "metadata": {}});
        let StripeEvent::Refund(event) = parse_event(&refund_event(charge.clone())).unwrap() else {
            panic!("a refund event");
        };
        assert_eq!(event.payment_intent, "pi_3MtwBwLkdIwHu7ix28a3tqPa");
        assert_eq!((event.amount, event.currency.as_str()), (1000, "usd"));
        assert_eq!(event.stripe_account, None);
        assert!(!event.livemode);
        let mut without_intent = charge;
        without_intent["payment_intent"] = Value::Null;
        assert!(matches!(
            parse_event(&refund_event(without_intent)).unwrap(),
            StripeEvent::Ignored { .. }
        ));
    }

    fn dispute_event_of(kind: &str, status: &str) -> Vec<u8> {
        // As Stripe's API reference shows a Dispute (recorded), trimmed.
        serde_json::to_vec(&json!({
            "id": "evt_1Dispute", "object": "event", "api_version": "2024-06-20",
            "created": 1686089970, "livemode": true, "type": kind,
            "account": "acct_1032D82eZvKYlo2C",
            "data": {"object": {"id": "dp_1MtJUT2eZvKYlo2CNaw2HvEv", "object": "dispute",
                "amount": 1000, "charge": "ch_1AZtxr2eZvKYlo2CJDX8whov", "currency": "usd",
                "payment_intent": "pi_1AZtxr2eZvKYlo2C", "reason": "general", "status": status}}
        }))
        .unwrap()
    }

    #[test]
    fn a_dispute_is_open_until_won_or_lost_and_an_inquiry_is_none() {
        for (kind, status, expected) in [
            (
                "charge.dispute.created",
                "needs_response",
                DisputeStatus::Open,
            ),
            (
                "charge.dispute.updated",
                "under_review",
                DisputeStatus::Open,
            ),
            (
                "charge.dispute.funds_withdrawn",
                "needs_response",
                DisputeStatus::Open,
            ),
            ("charge.dispute.closed", "won", DisputeStatus::Won),
            ("charge.dispute.closed", "lost", DisputeStatus::Lost),
        ] {
            let StripeEvent::Dispute(event) = parse_event(&dispute_event_of(kind, status)).unwrap()
            else {
                panic!("a dispute event: {kind} {status}");
            };
            assert_eq!(event.status, expected);
            assert_eq!(event.dispute_id, "dp_1MtJUT2eZvKYlo2CNaw2HvEv");
            assert_eq!(event.reason.as_deref(), Some("general"));
            let charge = &event.charge;
            assert_eq!(charge.payment_intent, "pi_1AZtxr2eZvKYlo2C");
            assert_eq!((charge.amount, charge.currency.as_str()), (1000, "usd"));
            assert_eq!(
                charge.stripe_account.as_deref(),
                Some("acct_1032D82eZvKYlo2C")
            );
        }
        for (kind, status) in [
            ("charge.dispute.created", "warning_needs_response"),
            ("charge.dispute.closed", "warning_closed"),
            ("charge.dispute.funds_reinstated", "won"),
        ] {
            assert!(
                matches!(
                    parse_event(&dispute_event_of(kind, status)).unwrap(),
                    StripeEvent::Ignored { .. }
                ),
                "{kind} {status}"
            );
        }
    }

    #[test]
    fn other_events_and_intents_not_ours_are_ignored_and_garbage_is_refused() {
        let ours = json!({"commet_account_id": "acc_1", "commet_payment_id": "pay_1"});
        for (kind, metadata) in [
            ("payment_intent.created", ours.clone()),
            ("charge.succeeded", ours),
            ("payment_intent.succeeded", json!({"order": "42"})),
        ] {
            assert!(
                matches!(
                    parse_event(&intent_event(kind, metadata)).unwrap(),
                    StripeEvent::Ignored { .. }
                ),
                "{kind}"
            );
        }
        assert!(parse_event(b"not json").is_err());
        assert!(parse_event(br#"{"object":"event"}"#).is_err());
    }
}
