//! Stripe, over its REST API: form-encoded POSTs with `Authorization: Bearer`, a pinned
//! `Stripe-Version` and an `Idempotency-Key` on every POST (so any call may be sent twice), sent
//! through a pool of kept-alive connections (`net::Pool`). Only what off-session charges need: a
//! PaymentIntent confirmed off-session with the customer's saved method, and the PaymentIntents
//! listed to find a charge again.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, USER_AGENT};
use serde_json::Value;
use url::Url;
use url::form_urlencoded::Serializer;

use super::{Amount, ChargeOutcome, ChargeRequest, Charged, PaymentProvider, ProviderError};
use crate::domain::ids::StripeAccountId;
use crate::domain::money::Currency;
use crate::domain::payment::{Failure, Provider};
use crate::net::Pool;

/// The API version every request is made in, so that Stripe's answers keep the shape this
/// module reads whatever the account's default version is.
pub const STRIPE_VERSION: &str = "2024-06-20";

/// The whole exchange: DNS, connect, TLS, request and answer (and its one repeat when a kept
/// connection closed under it).
pub const STRIPE_TIMEOUT: Duration = Duration::from_secs(10);

/// Stripe's answers are small; a larger one is not Stripe's.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// The metadata keys a PaymentIntent carries our payment's id and its account's under, which
/// find it again and tie Stripe's events about it to the payment.
pub const PAYMENT_ID_METADATA: &str = "commet_payment_id";
pub const ACCOUNT_ID_METADATA: &str = "commet_account_id";
/// A Stripe customer made for one of our customers names them.
pub const CUSTOMER_ID_METADATA: &str = "commet_customer_id";
/// A link's PaymentIntent also names the attempt it was made for, and the card it was asked with
/// (which Stripe may clear from the PaymentIntent when authentication fails).
pub const ATTEMPT_METADATA: &str = "commet_attempt";
pub const CARD_METADATA: &str = "commet_card";

/// Pages of PaymentIntents looked through (100 each, newest first) to find a charge again.
const LOOKUP_PAGES: usize = 5;

/// A Stripe secret (the API key, a webhook signing secret): never shown by `Debug`, never
/// logged.
#[derive(Clone)]
pub struct SecretKey(String);

impl SecretKey {
    pub fn new(key: String) -> Self {
        Self(key)
    }

    /// The text itself, for the one place that uses it (a header, a MAC key).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

#[derive(Debug, Clone)]
pub struct StripeSettings {
    /// `https://api.stripe.com`, or an emulator's origin (localstripe on loopback).
    pub api_base: String,
    pub secret_key: SecretKey,
}

/// The deployment's Stripe account, with one of its secret keys (live or test).
#[derive(Debug)]
pub struct StripeClient {
    /// `scheme://host[:port]`, which every request's path follows.
    origin: String,
    host_header: String,
    secret_key: SecretKey,
    pool: Pool,
}

/// Stripe as one of our accounts uses it: the deployment's client, acting on the deployment's
/// own Stripe account or (Stripe Connect) on a connected account, every request then carrying
/// its `Stripe-Account` header.
#[derive(Debug, Clone)]
pub struct Stripe<'a> {
    client: &'a StripeClient,
    account: Option<StripeAccountId>,
}

impl StripeClient {
    /// Acting on `account` (a connected account), or on the deployment's own with `None`.
    pub fn on(&self, account: Option<StripeAccountId>) -> Stripe<'_> {
        Stripe {
            client: self,
            account,
        }
    }

    pub fn new(settings: StripeSettings) -> Result<Self, ProviderError> {
        let base = Url::parse(&settings.api_base)
            .map_err(|e| ProviderError(format!("the Stripe API base is not a URL: {e}")))?;
        if !matches!(base.scheme(), "https" | "http") || base.host_str().is_none() {
            return Err(ProviderError(
                "the Stripe API base must be an http(s) origin".into(),
            ));
        }
        let host = base.host_str().unwrap_or_default();
        let host_header = match base.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Self {
            origin: base.origin().ascii_serialization(),
            host_header,
            secret_key: settings.secret_key,
            pool: Pool::new(),
        })
    }

    /// The request for one call: the key, the pinned version, the idempotency key of a POST,
    /// the connected account acted on.
    fn request(
        &self,
        call: &Call<'_>,
        account: Option<&StripeAccountId>,
    ) -> Result<Request<Full<Bytes>>, ProviderError> {
        let mut builder = Request::builder()
            .method(call.method)
            .uri(format!("{}{}", self.origin, call.path_and_query))
            .header(HOST, &self.host_header)
            .header(AUTHORIZATION, format!("Bearer {}", self.secret_key.0))
            .header("stripe-version", STRIPE_VERSION)
            .header(USER_AGENT, "commet-payments/1");
        if let Some(key) = call.idempotency_key {
            builder = builder.header("idempotency-key", key);
        }
        if let Some(account) = account {
            builder = builder.header("stripe-account", account.as_str());
        }
        if call.form.is_some() {
            builder = builder.header(CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        builder
            .body(Full::new(Bytes::from(
                call.form.clone().unwrap_or_default(),
            )))
            .map_err(|e| ProviderError(format!("request: {e}")))
    }

    /// One request; its status and JSON answer.
    async fn send(
        &self,
        call: Call<'_>,
        account: Option<&StripeAccountId>,
    ) -> Result<(u16, Value), ProviderError> {
        let exchange = async {
            let request = self.request(&call, account)?;
            let answer = self
                .pool
                .send(request, MAX_ANSWER_BYTES)
                .await
                .map_err(|e| ProviderError(format!("Stripe: {e}")))?;
            let body = answer
                .body
                .ok_or_else(|| ProviderError("Stripe's answer was too large".into()))?;
            let json = serde_json::from_slice(&body).map_err(|_| {
                ProviderError(format!("Stripe answered {} without JSON", answer.status))
            })?;
            Ok((answer.status, json))
        };
        tokio::time::timeout(STRIPE_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| Err(ProviderError("Stripe did not answer in time".into())))
    }
}

/// One Stripe API request, before it is addressed.
struct Call<'a> {
    method: &'a str,
    path_and_query: &'a str,
    form: Option<String>,
    idempotency_key: Option<&'a str>,
}

impl Stripe<'_> {
    /// One request on this account; its status and JSON answer.
    pub(super) async fn call(
        &self,
        method: &str,
        path_and_query: &str,
        form: Option<String>,
        idempotency_key: Option<&str>,
    ) -> Result<(u16, Value), ProviderError> {
        let call = Call {
            method,
            path_and_query,
            form,
            idempotency_key,
        };
        self.client.send(call, self.account.as_ref()).await
    }

    /// The PaymentIntent tagged with our payment's id, if one was created: looked for among
    /// the newest PaymentIntents (our own record of the charge, independent of Stripe's
    /// idempotency keys).
    async fn find_intent(&self, payment_id: &str) -> Result<Option<Value>, ProviderError> {
        let mut after: Option<String> = None;
        for _ in 0..LOOKUP_PAGES {
            let (intents, next) = self.intents_page(after.as_deref()).await?;
            if let Some(found) = intents
                .into_iter()
                .find(|intent| intent["metadata"][PAYMENT_ID_METADATA] == payment_id)
            {
                return Ok(Some(found));
            }
            match next {
                Some(next) => after = Some(next),
                None => return Ok(None),
            }
        }
        Err(ProviderError(format!(
            "no PaymentIntent of {payment_id} among the newest {} (asked again later)",
            LOOKUP_PAGES * 100
        )))
    }

    /// The PaymentIntent `id` on this account, if it has one by that id.
    pub async fn intent(&self, id: &str) -> Result<Option<Value>, ProviderError> {
        let path = object_path("payment_intents", id);
        match self.call("GET", &path, None, None).await? {
            (200, intent) => Ok(Some(intent)),
            (404, _) => Ok(None),
            (status, answer) => Err(unexpected(status, &answer)),
        }
    }

    /// One page of the account's PaymentIntents (100, newest first, after `after`), and the id
    /// to ask the next page after when there is one.
    pub(super) async fn intents_page(
        &self,
        after: Option<&str>,
    ) -> Result<(Vec<Value>, Option<String>), ProviderError> {
        let path = {
            let mut query = Serializer::new(String::new());
            query.append_pair("limit", "100");
            if let Some(after) = after {
                query.append_pair("starting_after", after);
            }
            format!("/v1/payment_intents?{}", query.finish())
        };
        let (status, page) = self.call("GET", &path, None, None).await?;
        if status != 200 {
            return Err(unexpected(status, &page));
        }
        let intents = page["data"].as_array().cloned().unwrap_or_default();
        let next = match (page["has_more"].as_bool(), intents.last()) {
            (Some(true), Some(last)) => last["id"].as_str().map(str::to_owned),
            _ => None,
        };
        Ok((intents, next))
    }
}

/// The path of one Stripe object: `/v1/<collection>/<id>`, the id percent-encoded (it may come
/// from a form).
pub(super) fn object_path(collection: &str, id: &str) -> String {
    format!(
        "/v1/{collection}/{}",
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
    )
}

impl PaymentProvider for Stripe<'_> {
    fn provider(&self) -> Provider {
        Provider::Stripe
    }

    /// A PaymentIntent for the amount, confirmed at once off-session with the customer's saved
    /// method, with our payment's id as its idempotency key and in its metadata. Asked again, the
    /// PaymentIntent of a first ask is looked up and its state is the answer.
    async fn charge_saved(&self, request: ChargeRequest<'_>) -> Result<Charged, ProviderError> {
        if request.asked_before
            && let Some(intent) = self.find_intent(request.payment_id).await?
        {
            return charged_by_intent(&intent);
        }
        let customer = request.method.provider_customer.as_deref().ok_or_else(|| {
            ProviderError("the saved method has no Stripe customer to charge".into())
        })?;
        let form = charge_form(&request, customer);
        let (status, answer) = self
            .call(
                "POST",
                "/v1/payment_intents",
                Some(form),
                Some(request.payment_id),
            )
            .await?;
        charged(status, &answer)
    }
}

/// The amount as Stripe counts it: the currency's minor units, except for ISK and UGX, which
/// Stripe's API still takes with two decimals (as hundredths) although they have none.
pub fn stripe_amount(amount: Amount) -> u64 {
    match amount.currency.code().as_str() {
        "isk" | "ugx" => amount.minor_units * 100,
        _ => amount.minor_units,
    }
}

/// An amount Stripe counted (`stripe_amount`) in the currency's minor units; `None` for ISK and
/// UGX hundredths that make no whole unit (Stripe takes none such).
pub fn from_stripe_amount(currency: Currency, units: u64) -> Option<u64> {
    match currency.code().as_str() {
        "isk" | "ugx" => units.is_multiple_of(100).then_some(units / 100),
        _ => Some(units),
    }
}

fn charge_form(request: &ChargeRequest<'_>, customer: &str) -> String {
    let mut form = Serializer::new(String::new());
    form.append_pair("amount", &stripe_amount(request.amount).to_string())
        .append_pair("currency", &request.amount.currency.code())
        .append_pair("customer", customer)
        .append_pair("payment_method", &request.method.token)
        .append_pair("payment_method_types[]", "card")
        .append_pair("confirm", "true")
        .append_pair("off_session", "true");
    tagged(&mut form, request.payment_id, request.account_id).finish()
}

/// `form` with our payment's and account's ids as the Stripe object's `metadata`, which Stripe
/// gives back with the object and its events.
pub(super) fn tagged<'f, 'i>(
    form: &'f mut Serializer<'i, String>,
    payment_id: &str,
    account_id: &str,
) -> &'f mut Serializer<'i, String> {
    form.append_pair(&format!("metadata[{PAYMENT_ID_METADATA}]"), payment_id)
        .append_pair(&format!("metadata[{ACCOUNT_ID_METADATA}]"), account_id)
}

/// Stripe's answer to the PaymentIntent's creation.
pub fn charged(status: u16, answer: &Value) -> Result<Charged, ProviderError> {
    match status {
        200 => charged_by_intent(answer),
        // A card error: the decline, with the PaymentIntent it left behind when there is one.
        402 => Ok(Charged {
            outcome: ChargeOutcome::Declined(failure_of(&answer["error"])),
            reference: answer["error"]["payment_intent"]["id"]
                .as_str()
                .map(str::to_owned),
        }),
        // A request Stripe will never accept as it is (the method detached, the customer gone,
        // an amount Stripe does not take): the charge fails, no money moved.
        400 | 404 if answer["error"]["type"] == "invalid_request_error" => Ok(Charged {
            outcome: ChargeOutcome::Declined(Failure {
                code: answer["error"]["code"]
                    .as_str()
                    .unwrap_or("invalid_request")
                    .to_owned(),
                message: answer["error"]["message"]
                    .as_str()
                    .unwrap_or("The payment provider refused the charge.")
                    .to_owned(),
            }),
            reference: None,
        }),
        _ => Err(unexpected(status, answer)),
    }
}

/// What a PaymentIntent's state says of its charge.
pub fn charged_by_intent(intent: &Value) -> Result<Charged, ProviderError> {
    let reference = intent["id"].as_str().map(str::to_owned);
    let outcome = match intent["status"].as_str().unwrap_or_default() {
        "succeeded" => ChargeOutcome::Succeeded,
        "requires_payment_method" => {
            ChargeOutcome::Declined(failure_of(&intent["last_payment_error"]))
        }
        // Off-session there is nobody to authenticate: the documented outcome is a failure.
        "requires_action" | "requires_confirmation" => ChargeOutcome::Declined(Failure {
            code: "authentication_required".into(),
            message: "The card issuer requires the customer to authenticate this payment.".into(),
        }),
        "canceled" => ChargeOutcome::Declined(Failure {
            code: "canceled".into(),
            message: "The payment was canceled at the provider.".into(),
        }),
        // Not decided yet (`processing`): the charge stays processing and is asked again later.
        other => {
            return Err(ProviderError(format!(
                "the PaymentIntent is {other}, not decided yet"
            )));
        }
    };
    Ok(Charged { outcome, reference })
}

/// A Stripe error object (or a `last_payment_error`) as a failure: the decline code when Stripe
/// gives one, else the error code.
pub(super) fn failure_of(error: &Value) -> Failure {
    let code = error["decline_code"]
        .as_str()
        .or_else(|| error["code"].as_str())
        .unwrap_or("card_declined");
    Failure {
        code: code.to_owned(),
        message: error["message"]
            .as_str()
            .unwrap_or("The card was declined.")
            .to_owned(),
    }
}

pub(super) fn unexpected(status: u16, answer: &Value) -> ProviderError {
    ProviderError(format!(
        "Stripe answered {status} ({}): {}",
        answer["error"]["type"].as_str().unwrap_or("no error type"),
        answer["error"]["message"].as_str().unwrap_or("no message")
    ))
}

#[cfg(test)]
mod tests {
    //! Stripe's answers as its API reference documents them (recorded responses): the steps
    //! localstripe answers differently (a 402 without `decline_code` or `payment_intent`; 200
    //! `requires_action` where Stripe answers 402 `authentication_required` off-session).
    use super::*;
    use crate::domain::card::PaymentMethod;
    use serde_json::json;

    fn amount(minor_units: u64, currency: &str) -> Amount {
        Amount {
            minor_units,
            currency: Currency::parse(currency).unwrap(),
        }
    }

    #[test]
    fn a_succeeded_intent_is_a_success_with_its_id() {
        let intent = json!({
            "id": "pi_3MtwBwLkdIwHu7ix28a3tqPa", "object": "payment_intent", "amount": 2000,
            "currency": "usd", "status": "succeeded", "latest_charge": "ch_3MtwBwLkdIwHu7ix28a3tqPa",
            "metadata": {"commet_payment_id": "pay_1"}
        });
        assert_eq!(
            charged(200, &intent).unwrap(),
            Charged {
                outcome: ChargeOutcome::Succeeded,
                reference: Some("pi_3MtwBwLkdIwHu7ix28a3tqPa".into()),
            }
        );
    }

    #[test]
    fn a_card_error_is_a_decline_with_stripes_decline_code() {
        let error = json!({"error": {
            "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
            "message": "Your card has insufficient funds.", "charge": "ch_1",
            "payment_intent": {"id": "pi_1", "object": "payment_intent", "status": "requires_payment_method"}
        }});
        let charged = charged(402, &error).unwrap();
        assert_eq!(charged.reference.as_deref(), Some("pi_1"));
        let ChargeOutcome::Declined(failure) = charged.outcome else {
            panic!("declined")
        };
        assert_eq!(failure.code, "insufficient_funds");
        assert_eq!(failure.message, "Your card has insufficient funds.");
    }

    #[test]
    fn off_session_authentication_is_a_failure_however_stripe_says_it() {
        // Real Stripe: 402 authentication_required; localstripe: 200 requires_action.
        let real = json!({"error": {
            "type": "card_error", "code": "authentication_required",
            "decline_code": "authentication_required",
            "message": "Your card was declined. This transaction requires authentication.",
            "payment_intent": {"id": "pi_2", "status": "requires_payment_method"}
        }});
        let emulated = json!({"id": "pi_3", "status": "requires_action"});
        for (status, answer) in [(402, real), (200, emulated)] {
            let ChargeOutcome::Declined(failure) = charged(status, &answer).unwrap().outcome else {
                panic!("declined");
            };
            assert_eq!(failure.code, "authentication_required");
        }
    }

    #[test]
    fn a_request_stripe_never_takes_fails_the_charge_and_outages_are_errors() {
        let missing = json!({"error": {
            "type": "invalid_request_error", "code": "resource_missing",
            "message": "No such PaymentMethod: 'pm_x'", "param": "payment_method"
        }});
        let ChargeOutcome::Declined(failure) = charged(400, &missing).unwrap().outcome else {
            panic!("declined");
        };
        assert_eq!(failure.code, "resource_missing");
        let bad_key = json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_****"}});
        assert!(
            charged(401, &bad_key).is_err(),
            "a configuration problem, asked again later"
        );
        let down = json!({"error": {"type": "api_error", "message": "An unknown error occurred"}});
        assert!(charged(500, &down).is_err());
        assert!(charged(429, &json!({"error": {"type": "rate_limit_error"}})).is_err());
        // Not decided yet: asked again later.
        assert!(charged_by_intent(&json!({"id": "pi_4", "status": "processing"})).is_err());
    }

    #[test]
    fn a_declined_intent_found_again_says_why() {
        let intent = json!({"id": "pi_5", "status": "requires_payment_method",
            "last_payment_error": {"type": "card_error", "code": "card_declined", "decline_code": "generic_decline", "message": "Your card was declined."}});
        let ChargeOutcome::Declined(failure) = charged_by_intent(&intent).unwrap().outcome else {
            panic!("declined");
        };
        assert_eq!(failure.code, "generic_decline");
    }

    #[test]
    fn amounts_are_minor_units_except_where_stripe_wants_hundredths() {
        assert_eq!(stripe_amount(amount(2500, "usd")), 2500);
        assert_eq!(stripe_amount(amount(500, "jpy")), 500);
        assert_eq!(stripe_amount(amount(1250, "kwd")), 1250);
        assert_eq!(stripe_amount(amount(700, "isk")), 70_000);
        assert_eq!(stripe_amount(amount(700, "ugx")), 70_000);
        for (minor_units, currency) in [(2500, "usd"), (500, "jpy"), (1250, "kwd"), (700, "isk")] {
            let amount = amount(minor_units, currency);
            assert_eq!(
                from_stripe_amount(amount.currency, stripe_amount(amount)),
                Some(minor_units)
            );
        }
        let isk = Currency::parse("isk").unwrap();
        assert_eq!(from_stripe_amount(isk, 70_050), None);
    }

    #[test]
    fn the_charge_is_confirmed_off_session_with_the_saved_card_and_tagged_with_our_payment() {
        let method = PaymentMethod {
            token: "pm_1".into(),
            brand: "visa".into(),
            last4: "4242".into(),
            exp_month: 12,
            exp_year: 2034,
            provider_customer: Some("cus_1".into()),
        };
        let request = ChargeRequest {
            method: &method,
            amount: amount(2500, "eur"),
            payment_id: "pay_01JD",
            account_id: "acc_01JD",
            asked_before: false,
        };
        let form: Vec<(String, String)> =
            url::form_urlencoded::parse(charge_form(&request, "cus_1").as_bytes())
                .into_owned()
                .collect();
        let expected = [
            ("amount", "2500"),
            ("currency", "eur"),
            ("customer", "cus_1"),
            ("payment_method", "pm_1"),
            ("payment_method_types[]", "card"),
            ("confirm", "true"),
            ("off_session", "true"),
            ("metadata[commet_payment_id]", "pay_01JD"),
            ("metadata[commet_account_id]", "acc_01JD"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        assert_eq!(form, expected);
    }

    #[test]
    fn every_request_names_the_version_and_a_connected_account_when_there_is_one() {
        let stripe = StripeClient::new(StripeSettings {
            api_base: "https://api.stripe.com".into(),
            secret_key: SecretKey::new("sk_test_1".into()),
        })
        .unwrap();
        let call = Call {
            method: "POST",
            path_and_query: "/v1/payment_intents",
            form: Some("amount=1".into()),
            idempotency_key: Some("pay_1"),
        };
        let connected = StripeAccountId::parse("acct_1032D82eZvKYlo2C").unwrap();
        let request = stripe.request(&call, Some(&connected)).unwrap();
        let header = |name: &str| request.headers()[name].to_str().unwrap().to_owned();
        assert_eq!(header("stripe-account"), "acct_1032D82eZvKYlo2C");
        assert_eq!(header("authorization"), "Bearer sk_test_1");
        assert_eq!(header("stripe-version"), STRIPE_VERSION);
        assert_eq!(header("idempotency-key"), "pay_1");
        assert_eq!(header("host"), "api.stripe.com");
        assert_eq!(
            request.uri().to_string(),
            "https://api.stripe.com/v1/payment_intents"
        );
        assert_eq!(header("content-type"), "application/x-www-form-urlencoded");
        let own = stripe.request(&call, None).unwrap();
        assert!(!own.headers().contains_key("stripe-account"));
    }

    #[test]
    fn the_secret_key_is_never_shown() {
        let settings = StripeSettings {
            api_base: "https://api.stripe.com".into(),
            secret_key: SecretKey::new("sk_live_secret".into()),
        };
        assert!(!format!("{settings:?}").contains("sk_live_secret"));
        let stripe = StripeClient::new(settings).unwrap();
        assert!(!format!("{stripe:?}").contains("sk_live_secret"));
        assert!(!format!("{:?}", stripe.on(None)).contains("sk_live_secret"));
        assert!(
            StripeClient::new(StripeSettings {
                api_base: "ftp://api.stripe.com".into(),
                secret_key: SecretKey::new("k".into()),
            })
            .is_err()
        );
    }
}
