//! Stripe on the hosted page: the payer's card is collected by Stripe.js in the browser into a
//! SetupIntent (card data never reaches these functions), then paid here. A page view opens a
//! SetupIntent for off-session use, tagged with the link; the submitted form names it, and the
//! attempt checks that it is this link's and succeeded, saves its PaymentMethod on a Stripe
//! customer, and pays the link with one PaymentIntent confirmed on the server, once the attempt
//! recorded it on the link: whatever settles the link later finds every PaymentIntent that
//! could have paid it. The customer's card is then saved for off-session charges.

use serde_json::Value;
use url::form_urlencoded::Serializer;

use super::stripe::{
    ACCOUNT_ID_METADATA, ATTEMPT_METADATA, CARD_METADATA, PAYMENT_ID_METADATA, Stripe, failure_of,
    object_path, stripe_amount, unexpected,
};
use super::stripe_customers::{StripePayer, link_payer_key, our_customer_key, replacement_key};
use super::{Amount, CardOutcome, ProviderError};
use crate::domain::card::PaymentMethod;
use crate::domain::payment::{CardSummary, Failure};

/// A SetupIntent for the page: the id the form sends back, the secret Stripe.js confirms it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardSetup {
    pub id: String,
    pub client_secret: String,
}

/// Stripe's answer to a link's PaymentIntent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageCharge {
    Decided(CardOutcome),
    /// The issuer asks the payer to authenticate (3-D Secure): Stripe.js does it with the
    /// PaymentIntent's client secret, then the page returns and the outcome is read at Stripe.
    Authenticate {
        client_secret: String,
    },
}

/// What an attempt to pay a link through Stripe came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageAttempt {
    pub charge: PageCharge,
    /// The card it was asked with.
    pub card: CardSummary,
    /// The PaymentIntent that answered, when one did (a card refused when attached has none).
    pub intent: Option<String>,
    /// The payer's Stripe customer was gone at Stripe: the one made in its place.
    pub replaced: Option<ReplacedCustomer>,
}

/// A link's payment prepared at Stripe (`Stripe::prepare_setup_payment`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// Decided with nothing to confirm: an earlier attempt's PaymentIntent had paid, or the
    /// issuer refused to save the card.
    Decided(PageAttempt),
    /// The attempt's PaymentIntent, made but not confirmed: recorded on the link, it is
    /// confirmed (`Stripe::confirm_prepared`).
    Ready(ReadyIntent),
}

/// An attempt's PaymentIntent, not confirmed yet: nothing can pay it before we confirm it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyIntent {
    pub id: String,
    method: PaymentMethod,
    card: CardSummary,
    replaced: Option<ReplacedCustomer>,
    confirm_key: String,
}

/// A Stripe customer Stripe no longer had (deleted there, or of another Stripe account or
/// mode), and the one made for the payer in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplacedCustomer {
    pub gone: String,
    pub made: String,
}

/// What saving the card on a Stripe customer came to.
enum Saving {
    /// Saved on this Stripe customer; a replacement when the expected one was gone.
    On(String, Option<ReplacedCustomer>),
    /// The issuer refused to save the card (on a replacement, when the expected customer was
    /// gone: still the payer's from now on).
    Declined(CardOutcome, Option<ReplacedCustomer>),
}

/// Stripe's answer to attaching a card to a customer.
enum Attach {
    Saved,
    Declined(CardOutcome),
    /// Refused as a request (400 or 404, and the answer): the customer may be gone.
    Refused(u16, Value),
}

/// A link's PaymentIntent as the payer's return from authenticating finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returned {
    /// Paid with this card (saved on the paying Stripe customer).
    Paid(PaymentMethod),
    /// Not paid, and why; the card it was asked with.
    Unpaid(Failure, CardSummary),
    /// Not decided yet (still authenticating, or processing).
    Pending,
}

/// One attempt to pay a link with the card a SetupIntent collected.
#[derive(Debug, Clone, Copy)]
pub struct SetupPayment<'a> {
    /// The PaymentMethod of the link's SetupIntent (`confirmed_method`).
    pub method_id: &'a str,
    pub link_id: &'a str,
    pub account_id: &'a str,
    /// The attempt's version: Stripe's report of the PaymentIntent names the attempt it paid.
    pub attempt: u64,
    pub amount: Amount,
    /// Idempotency key of this attempt's Stripe writes.
    pub attempt_key: &'a str,
    /// The payer's Stripe customer, if the link's customer has one already.
    pub customer: Option<&'a str>,
    /// Who the payer is: what a Stripe customer made for them is told.
    pub payer: StripePayer<'a>,
    /// What the attempts before this one may have left at Stripe.
    pub earlier: EarlierAttempts<'a>,
}

/// The attempts on a link before the current one, as the current one must settle them at
/// Stripe before charging: a PaymentIntent of the link that succeeded is the answer (nothing is
/// charged again), and open ones are canceled, so that at most one ever succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EarlierAttempts<'a> {
    /// The link's first attempt.
    None,
    /// All ended, each after settling those before it: looked for only among the account's
    /// newest 500 PaymentIntents, as a second guard.
    Ended,
    /// Taken over while `processing`, the earliest begun at `since` (Unix seconds), having
    /// recorded the PaymentIntents they made (`references`): those must all be seen, or
    /// nothing is charged.
    TakenOver {
        since: i64,
        references: &'a [String],
    },
}

impl Stripe<'_> {
    /// A SetupIntent for one view of the link's page.
    pub async fn begin_card_setup(
        &self,
        link_id: &str,
        account_id: &str,
    ) -> Result<CardSetup, ProviderError> {
        let form = Serializer::new(String::new())
            .append_pair("usage", "off_session")
            .append_pair("payment_method_types[]", "card")
            .append_pair(&format!("metadata[{PAYMENT_ID_METADATA}]"), link_id)
            .append_pair(&format!("metadata[{ACCOUNT_ID_METADATA}]"), account_id)
            .finish();
        let key = ulid::Ulid::generate().to_string();
        let (status, setup) = self
            .call("POST", "/v1/setup_intents", Some(form), Some(&key))
            .await?;
        match (
            status,
            setup["id"].as_str(),
            setup["client_secret"].as_str(),
        ) {
            (200, Some(id), Some(secret)) => Ok(CardSetup {
                id: id.to_owned(),
                client_secret: secret.to_owned(),
            }),
            _ => Err(unexpected(status, &setup)),
        }
    }

    /// Prepares paying the link with the card Stripe.js saved: the attempts before this one
    /// settled, the card saved on the payer's Stripe customer, and the attempt's PaymentIntent
    /// made, not confirmed, so that the attempt records it before it can be paid.
    pub async fn prepare_setup_payment(
        &self,
        payment: SetupPayment<'_>,
    ) -> Result<Prepared, ProviderError> {
        let method_id = payment.method_id.to_owned();
        let earlier_paid = match payment.earlier {
            EarlierAttempts::None => None,
            EarlierAttempts::Ended => self.settle_earlier_intents(payment.link_id).await?,
            EarlierAttempts::TakenOver { since, references } => {
                self.settle_open_attempts(payment.link_id, references, since)
                    .await?
            }
        };
        if let Some(paid) = earlier_paid {
            let method = paid["payment_method"].as_str().unwrap_or(&method_id);
            let customer = paid["customer"].as_str().map(str::to_owned);
            let saved = saved_method(method, &self.card(method).await?, customer)?;
            return Ok(Prepared::Decided(PageAttempt {
                card: summary_of(&saved),
                charge: PageCharge::Decided(CardOutcome::Succeeded(saved)),
                intent: paid["id"].as_str().map(str::to_owned),
                replaced: None,
            }));
        }
        let card = self.card(&method_id).await?;
        let summary = summary_of(&saved_method(&method_id, &card, None)?);
        let (customer, replaced) = match (card["customer"].as_str(), payment.customer) {
            (Some(attached), _) => (attached.to_owned(), None),
            (None, known) => {
                // The key our payer's Stripe customer is made under: of our customer, else of
                // this payer on this link.
                let key = match payment.payer.customer_id {
                    Some(id) => our_customer_key(id),
                    None => link_payer_key(payment.link_id, &payment.payer),
                };
                let customer = match known {
                    Some(customer) => customer.to_owned(),
                    None => self.create_customer(payment.payer, &key).await?,
                };
                match self.save_card(&payment, customer, &key).await? {
                    Saving::On(customer, replaced) => (customer, replaced),
                    Saving::Declined(declined, replaced) => {
                        return Ok(Prepared::Decided(PageAttempt {
                            charge: PageCharge::Decided(declined),
                            card: summary,
                            intent: None,
                            replaced,
                        }));
                    }
                }
            }
        };
        let form = Serializer::new(String::new())
            .append_pair("amount", &stripe_amount(payment.amount).to_string())
            .append_pair("currency", &payment.amount.currency.code())
            .append_pair("customer", &customer)
            .append_pair("payment_method", &method_id)
            .append_pair("payment_method_types[]", "card")
            .append_pair(&format!("metadata[{PAYMENT_ID_METADATA}]"), payment.link_id)
            .append_pair(
                &format!("metadata[{ACCOUNT_ID_METADATA}]"),
                payment.account_id,
            )
            .append_pair(
                &format!("metadata[{ATTEMPT_METADATA}]"),
                &payment.attempt.to_string(),
            )
            .append_pair(&format!("metadata[{CARD_METADATA}]"), &method_id)
            .finish();
        let (status, made) = self
            .call(
                "POST",
                "/v1/payment_intents",
                Some(form),
                Some(payment.attempt_key),
            )
            .await?;
        let id = match (status, made["id"].as_str()) {
            (200, Some(id)) => id.to_owned(),
            _ => return Err(unexpected(status, &made)),
        };
        Ok(Prepared::Ready(ReadyIntent {
            id,
            method: saved_method(&method_id, &card, Some(customer))?,
            card: summary,
            replaced,
            confirm_key: format!("{}-confirm", payment.attempt_key),
        }))
    }

    /// Confirms the attempt's PaymentIntent, recorded on the link by now: the charge.
    pub async fn confirm_prepared(&self, ready: ReadyIntent) -> Result<PageAttempt, ProviderError> {
        let path = format!("{}/confirm", object_path("payment_intents", &ready.id));
        let (status, answer) = self
            .call("POST", &path, Some(String::new()), Some(&ready.confirm_key))
            .await?;
        Ok(PageAttempt {
            charge: page_outcome(status, &answer, ready.method)?,
            card: ready.card,
            intent: Some(ready.id),
            replaced: ready.replaced,
        })
    }

    /// Before a new attempt on a link whose earlier attempts all ended: an earlier attempt's
    /// PaymentIntent that succeeded is the answer; one still open is canceled. Each attempt
    /// settled those before it, and one ended unpaid left none the payer can confirm, so this is
    /// a second guard: looked for among the account's newest 500 PaymentIntents only.
    async fn settle_earlier_intents(&self, link_id: &str) -> Result<Option<Value>, ProviderError> {
        let intents = self.recent_intents_of(link_id, i64::MIN).await?;
        self.settle_intents(intents).await
    }

    /// The same for attempts on the link that were left `processing`, the earliest begun at
    /// `began` (Unix seconds), which recorded the PaymentIntents they made (`references`)
    /// before confirming them: one that succeeded (its page died before recording it) is the
    /// answer; one still open (a payer who left in the middle of authenticating still holds its
    /// client secret) is canceled. For the reconciler, which ends the attempt unpaid when
    /// nothing paid, and for an attempt taking them over, which then charges: both must be
    /// sure, so each recorded one must be found, and none may still be `processing`. The
    /// account's PaymentIntents since then (among its newest 500) are looked at too, as a
    /// second guard, and for attempts begun before PaymentIntents were recorded.
    pub async fn settle_open_attempts(
        &self,
        link_id: &str,
        references: &[String],
        began: i64,
    ) -> Result<Option<Value>, ProviderError> {
        let mut intents = Vec::with_capacity(references.len());
        for reference in references {
            match self.find("payment_intents", reference).await? {
                Some(intent) if intent["metadata"][PAYMENT_ID_METADATA] == link_id => {
                    intents.push(intent);
                }
                _ => {
                    return Err(ProviderError(format!(
                        "{link_id}'s PaymentIntent {reference} is not found at Stripe"
                    )));
                }
            }
        }
        let recent = self.recent_intents_of(link_id, began - 60).await?;
        intents.extend(
            recent
                .into_iter()
                .filter(|intent| !references.iter().any(|id| intent["id"] == id.as_str())),
        );
        if intents
            .iter()
            .any(|intent| intent["status"] == "processing")
        {
            return Err(ProviderError(format!(
                "a PaymentIntent of {link_id} is still processing"
            )));
        }
        self.settle_intents(intents).await
    }

    /// The first of `intents` that succeeded, the open ones before it canceled.
    async fn settle_intents(&self, intents: Vec<Value>) -> Result<Option<Value>, ProviderError> {
        for intent in intents {
            let Some(id) = intent["id"].as_str() else {
                continue;
            };
            match intent["status"].as_str().unwrap_or_default() {
                "succeeded" => return Ok(Some(intent)),
                "requires_action" | "requires_confirmation" | "requires_payment_method" => {
                    if let Some(paid) = self.cancel_unless_paid(id).await? {
                        return Ok(Some(paid));
                    }
                }
                _ => {}
            }
        }
        Ok(None)
    }

    /// Cancels the PaymentIntent `id`: the PaymentIntent if it succeeded meanwhile instead.
    pub async fn cancel_unless_paid(&self, id: &str) -> Result<Option<Value>, ProviderError> {
        let path = object_path("payment_intents", id);
        let key = format!("{id}-cancel");
        let (status, canceled) = self
            .call(
                "POST",
                &format!("{path}/cancel"),
                Some(String::new()),
                Some(&key),
            )
            .await?;
        if status == 200 {
            return Ok(None);
        }
        // Refused: it reached a state that cannot be canceled. Which one decides.
        let (status, intent) = self.call("GET", &path, None, None).await?;
        match (status, intent["status"].as_str()) {
            (200, Some("succeeded")) => Ok(Some(intent)),
            (200, Some("canceled")) => Ok(None),
            _ => Err(unexpected(status, &canceled)),
        }
    }

    /// The link's PaymentIntents among the account's newest 500 made since `since` (Unix
    /// seconds; the walk stops at a page that reaches one made before), newest first.
    async fn recent_intents_of(
        &self,
        link_id: &str,
        since: i64,
    ) -> Result<Vec<Value>, ProviderError> {
        let mut found = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..5 {
            let (intents, next) = self.intents_page(after.as_deref()).await?;
            let reached = reaches_before(&intents, since);
            found.extend(
                intents
                    .into_iter()
                    .filter(|intent| intent["metadata"][PAYMENT_ID_METADATA] == link_id),
            );
            match next {
                Some(next) if !reached => after = Some(next),
                _ => break,
            }
        }
        Ok(found)
    }

    /// The link's PaymentIntent `intent_id` after the payer authenticated (or gave up): `None`
    /// when it is not the PaymentIntent of this link's attempt `attempt`.
    pub async fn returned_intent(
        &self,
        intent_id: &str,
        link_id: &str,
        account_id: &str,
        attempt: u64,
    ) -> Result<Option<Returned>, ProviderError> {
        let Some(intent) = self.find("payment_intents", intent_id).await? else {
            return Ok(None);
        };
        let metadata = &intent["metadata"];
        if metadata[PAYMENT_ID_METADATA] != link_id
            || metadata[ACCOUNT_ID_METADATA] != account_id
            || metadata[ATTEMPT_METADATA] != attempt.to_string().as_str()
        {
            return Ok(None);
        }
        Ok(Some(match intent["status"].as_str().unwrap_or_default() {
            "succeeded" => Returned::Paid(self.paid_card(&intent).await?),
            status @ ("requires_payment_method" | "canceled") => {
                // Canceled, so that the client secret the browser holds cannot pay it later,
                // outside any attempt; paid meanwhile, it is paid.
                if status != "canceled"
                    && let Some(paid) = self.cancel_unless_paid(intent_id).await?
                {
                    return Ok(Some(Returned::Paid(self.paid_card(&paid).await?)));
                }
                let card = metadata[CARD_METADATA].as_str().ok_or_else(|| {
                    ProviderError("a link's PaymentIntent without its card".into())
                })?;
                let summary = summary_of(&saved_method(card, &self.card(card).await?, None)?);
                Returned::Unpaid(failure_of(&intent["last_payment_error"]), summary)
            }
            _ => Returned::Pending,
        }))
    }

    /// The card a succeeded PaymentIntent of a link paid with, as our customer keeps it (on
    /// the Stripe customer it is saved on).
    pub async fn paid_card(&self, intent: &Value) -> Result<PaymentMethod, ProviderError> {
        let method_id = intent["payment_method"]
            .as_str()
            .ok_or_else(|| ProviderError("a paid PaymentIntent without its card".into()))?;
        saved_method(
            method_id,
            &self.card(method_id).await?,
            intent["customer"].as_str().map(str::to_owned),
        )
    }

    /// The PaymentMethod of `setup_intent` if it is this link's and succeeded: `None` for one
    /// that is not (another link's, not confirmed, made up), which nothing may be charged with.
    pub async fn confirmed_method(
        &self,
        setup_intent: &str,
        link_id: &str,
        account_id: &str,
    ) -> Result<Option<String>, ProviderError> {
        let Some(setup) = self.find("setup_intents", setup_intent).await? else {
            return Ok(None);
        };
        let ours = setup["metadata"][PAYMENT_ID_METADATA] == link_id
            && setup["metadata"][ACCOUNT_ID_METADATA] == account_id
            && setup["status"] == "succeeded";
        Ok(setup["payment_method"]
            .as_str()
            .filter(|_| ours)
            .map(str::to_owned))
    }

    /// The object `id` of `collection` (`payment_intents`, …); `None` when Stripe has none.
    async fn find(&self, collection: &str, id: &str) -> Result<Option<Value>, ProviderError> {
        let (status, object) = self
            .call("GET", &object_path(collection, id), None, None)
            .await?;
        match status {
            200 => Ok(Some(object)),
            404 => Ok(None),
            _ => Err(unexpected(status, &object)),
        }
    }

    async fn card(&self, method_id: &str) -> Result<Value, ProviderError> {
        let path = object_path("payment_methods", method_id);
        let (status, method) = self.call("GET", &path, None, None).await?;
        if status != 200 {
            return Err(unexpected(status, &method));
        }
        Ok(method)
    }

    /// Saves the card on the payer's Stripe customer `customer`. One that Stripe no longer has
    /// (the merchant deleted it, or it is of the Stripe account the merchant had before) is
    /// replaced by one made now under a key of its own, derived from `key` (the one it was
    /// made under), so that the payer is not refused for good.
    async fn save_card(
        &self,
        payment: &SetupPayment<'_>,
        customer: String,
        key: &str,
    ) -> Result<Saving, ProviderError> {
        let (status, answer) = match self.attach(payment, &customer).await? {
            Attach::Saved => return Ok(Saving::On(customer, None)),
            Attach::Declined(declined) => return Ok(Saving::Declined(declined, None)),
            Attach::Refused(status, answer) => (status, answer),
        };
        if !self.customer_gone(&customer).await? {
            return Err(unexpected(status, &answer));
        }
        tracing::warn!(
            account = payment.payer.account_id,
            customer = payment.payer.customer_id,
            gone = customer,
            "the payer's Stripe customer is gone at Stripe: one is made in its place"
        );
        let made = self
            .create_customer(payment.payer, &replacement_key(key, &customer))
            .await?;
        let replaced = ReplacedCustomer {
            gone: customer,
            made: made.clone(),
        };
        match self.attach(payment, &made).await? {
            Attach::Saved => Ok(Saving::On(made, Some(replaced))),
            Attach::Declined(declined) => Ok(Saving::Declined(declined, Some(replaced))),
            Attach::Refused(status, answer) => Err(unexpected(status, &answer)),
        }
    }

    /// Saves the card on the customer; a card the issuer refuses to save is a decline.
    async fn attach(
        &self,
        payment: &SetupPayment<'_>,
        customer: &str,
    ) -> Result<Attach, ProviderError> {
        let path = format!(
            "{}/attach",
            object_path("payment_methods", payment.method_id)
        );
        let form = Serializer::new(String::new())
            .append_pair("customer", customer)
            .finish();
        // Of the customer too: a replaced customer is attached to in the same attempt.
        let key = format!("{}-attach-{customer}", payment.attempt_key);
        let (status, answer) = self.call("POST", &path, Some(form), Some(&key)).await?;
        Ok(match status {
            200 => Attach::Saved,
            402 => Attach::Declined(CardOutcome::Declined(failure_of(&answer["error"]))),
            400 | 404 => Attach::Refused(status, answer),
            _ => return Err(unexpected(status, &answer)),
        })
    }
}

fn summary_of(method: &PaymentMethod) -> CardSummary {
    CardSummary {
        brand: method.brand.clone(),
        last4: method.last4.clone(),
    }
}

/// The saved card as our customer keeps it.
fn saved_method(
    id: &str,
    card: &Value,
    customer: Option<String>,
) -> Result<PaymentMethod, ProviderError> {
    let details = &card["card"];
    let number = |field: &str| details[field].as_u64();
    match (
        details["brand"].as_str(),
        details["last4"].as_str(),
        number("exp_month").and_then(|m| u8::try_from(m).ok()),
        number("exp_year").and_then(|y| u16::try_from(y).ok()),
    ) {
        (Some(brand), Some(last4), Some(exp_month), Some(exp_year)) => Ok(PaymentMethod {
            token: id.to_owned(),
            brand: brand.to_owned(),
            last4: last4.to_owned(),
            exp_month,
            exp_year,
            provider_customer: customer,
        }),
        _ => Err(ProviderError(format!(
            "{id} is not a card Stripe described"
        ))),
    }
}

/// Stripe's answer to the link's PaymentIntent.
pub fn page_outcome(
    status: u16,
    answer: &Value,
    method: PaymentMethod,
) -> Result<PageCharge, ProviderError> {
    let decided = |outcome| Ok(PageCharge::Decided(outcome));
    match status {
        200 => match (
            answer["status"].as_str().unwrap_or_default(),
            answer["client_secret"].as_str(),
        ) {
            ("succeeded", _) => decided(CardOutcome::Succeeded(method)),
            ("requires_payment_method", _) => decided(CardOutcome::Declined(failure_of(
                &answer["last_payment_error"],
            ))),
            ("requires_action", Some(secret)) => Ok(PageCharge::Authenticate {
                client_secret: secret.to_owned(),
            }),
            (other, _) => Err(ProviderError(format!(
                "the link's PaymentIntent is {other}, not decided"
            ))),
        },
        402 => decided(CardOutcome::Declined(failure_of(&answer["error"]))),
        _ => Err(unexpected(status, answer)),
    }
}

/// Whether a page of PaymentIntents (newest first) reaches one made before `since` (Unix
/// seconds): every later page holds older ones only.
fn reaches_before(page: &[Value], since: i64) -> bool {
    page.last()
        .and_then(|oldest| oldest["created"].as_i64())
        .is_some_and(|created| created < since)
}

#[cfg(test)]
mod tests {
    //! Stripe's answers as its API reference shows them (recorded responses).
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_of_intents_reaches_back_only_past_its_oldest() {
        let page = |created: &[i64]| -> Vec<Value> {
            created
                .iter()
                .map(|at| json!({"id": format!("pi_{at}"), "object": "payment_intent", "created": at}))
                .collect()
        };
        let since = 1_767_225_600;
        assert!(reaches_before(&page(&[since + 5, since - 1]), since));
        assert!(!reaches_before(&page(&[since + 5, since]), since));
        assert!(
            !reaches_before(&page(&[since - 5, since + 1]), since),
            "newest first"
        );
        assert!(!reaches_before(&page(&[]), since));
        assert!(!reaches_before(&page(&[since - 1]), i64::MIN));
    }

    fn method() -> PaymentMethod {
        saved_method(
            "pm_1",
            &json!({"id": "pm_1", "object": "payment_method", "type": "card",
                "card": {"brand": "visa", "last4": "4242", "exp_month": 8, "exp_year": 2030}}),
            Some("cus_1".into()),
        )
        .unwrap()
    }

    #[test]
    fn a_described_card_is_saved_with_its_customer() {
        let method = method();
        assert_eq!(
            (
                method.brand.as_str(),
                method.last4.as_str(),
                method.exp_month,
                method.exp_year
            ),
            ("visa", "4242", 8, 2030)
        );
        assert_eq!(method.provider_customer.as_deref(), Some("cus_1"));
        assert!(saved_method("pm_2", &json!({"type": "sepa_debit"}), None).is_err());
    }

    #[test]
    fn the_links_intent_answers_map_to_the_pages_outcomes() {
        let paid = json!({"id": "pi_1", "status": "succeeded"});
        assert!(matches!(
            page_outcome(200, &paid, method()).unwrap(),
            PageCharge::Decided(CardOutcome::Succeeded(_))
        ));
        let declined = json!({"error": {"type": "card_error", "code": "card_declined",
            "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."}});
        let PageCharge::Decided(CardOutcome::Declined(failure)) =
            page_outcome(402, &declined, method()).unwrap()
        else {
            panic!("declined");
        };
        assert_eq!(failure.code, "insufficient_funds");
        let action = json!({"id": "pi_2", "status": "requires_action",
            "client_secret": "pi_2_secret_x", "next_action": {"type": "use_stripe_sdk"}});
        assert_eq!(
            page_outcome(200, &action, method()).unwrap(),
            PageCharge::Authenticate {
                client_secret: "pi_2_secret_x".into()
            }
        );
        assert!(page_outcome(200, &json!({"status": "processing"}), method()).is_err());
        assert!(page_outcome(500, &json!({"error": {"type": "api_error"}}), method()).is_err());
    }
}
