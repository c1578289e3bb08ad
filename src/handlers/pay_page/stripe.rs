//! A live link's card: Stripe.js saves it into the page's SetupIntent, one PaymentIntent pays
//! it, and a payer asked to authenticate comes back here to have the outcome read at Stripe.

use crate::app::{App, payer_email};
use crate::domain::account::Account;
use crate::domain::customer::Customer;
use crate::domain::ids::StripeAccountId;
use crate::domain::link_check::LinkCheck;
use crate::domain::payment::{CardSummary, Payment, PaymentStatus, Route};
use crate::domain::time::Timestamp;
use crate::http::hosted_page::form::{FormState, PaymentForm};
use crate::http::hosted_page::views::{Authenticate, StripeCard, Summary};
use crate::http::hosted_page::{HostedPage, new_csrf_token, unavailable};
use crate::provider::stripe_cards::{
    EarlierAttempts, PageAttempt, PageCharge, Prepared, ReadyIntent, ReplacedCustomer, Returned,
    SetupPayment,
};
use crate::provider::stripe_customers::{StripePayer, our_customer_key};
use crate::provider::{Amount, LinkProvider, Stripe};
use crate::store::Attempt;

use super::attempt::{Answered, begin, complete, record, unpaid};
use super::pages::{attempt_running, form_page, not_found, outage, provider_down, settled};

/// The card Stripe.js saved into the page's SetupIntent, paid with one PaymentIntent.
pub(super) async fn pay_with_stripe(
    app: &'static App,
    merchant: &Account,
    payment: Payment,
    form: &PaymentForm<'_>,
    stripe: &Stripe<'_>,
) -> HostedPage {
    let entry = match form.setup_entry(payment.customer_id.is_none()) {
        Ok(entry) => entry,
        Err(state) => return form_page(app, merchant, &payment, &state).await,
    };
    let (link, account) = (payment.id.as_str(), merchant.id.as_str());
    let method = match stripe
        .confirmed_method(&entry.setup_intent, link, account)
        .await
    {
        Err(error) => return provider_down(merchant, error),
        Ok(Some(method)) => method,
        Ok(None) => {
            let state =
                FormState::with_error("Your card was not confirmed. Please enter it again.");
            return form_page(app, merchant, &payment, &state).await;
        }
    };
    // The payer: the link's customer and their Stripe customer (made now, once, if they have
    // none), or the e-mail the form asked for.
    let linked = match &payment.customer_id {
        Some(id) => match app.store.get_customer_by_id(&merchant.id, id).await {
            Ok(Some(customer)) => {
                match stripe_customer_of(app, stripe, merchant, &customer).await {
                    Ok(stripe_customer) => Some((customer, stripe_customer)),
                    Err(page) => return page,
                }
            }
            Ok(None) => return unavailable(Some(&merchant.name)),
            Err(error) => return outage(merchant, error),
        },
        None => None,
    };
    let payer = match (&linked, &entry.email) {
        (Some((customer, _)), _) => payer_of(merchant, customer),
        (None, Some(email)) => StripePayer {
            email: Some(email.as_str()),
            name: None,
            account_id: account,
            customer_id: None,
        },
        (None, None) => return unavailable(Some(&merchant.name)),
    };
    let now = Timestamp::now();
    // Before the attempt, so that no attempt runs without it: if this one is left (the payer
    // gone mid-authentication, the invocation dead after Stripe charged), the reconciler
    // settles it. One that is refused below leaves a check that finds the link settled.
    let check = LinkCheck::new(payment.id.clone(), now);
    if let Err(error) = app.store.schedule_link_check(&merchant.id, &check).await {
        return outage(merchant, error);
    }
    let attempt = match begin(app, merchant, &payment, entry.email.as_ref(), now).await {
        Ok(attempt) => attempt,
        Err(page) => return page,
    };
    let key = format!("{}-{}", attempt.payment.id, attempt.version);
    let prepared = stripe
        .prepare_setup_payment(SetupPayment {
            method_id: &method,
            link_id: link,
            account_id: account,
            attempt: attempt.version,
            amount: Amount {
                minor_units: attempt.payment.amounts.total(),
                currency: attempt.payment.currency,
            },
            attempt_key: &key,
            customer: linked
                .as_ref()
                .map(|(_, stripe_customer)| stripe_customer.as_str()),
            payer,
            earlier: earlier_attempts(&attempt),
        })
        .await;
    let paid = match prepared {
        Err(error) => return provider_down(merchant, error),
        Ok(Prepared::Decided(decided)) => decided,
        Ok(Prepared::Ready(ready)) => {
            match confirm_recorded(app, stripe, merchant, &attempt, ready).await {
                Ok(paid) => paid,
                Err(page) => return page,
            }
        }
    };
    let PageAttempt {
        charge,
        card,
        intent,
        replaced,
    } = paid;
    if let (Some(replaced), Some((customer, _))) = (&replaced, &linked) {
        record_replacement(app, merchant, customer, replaced).await;
    }
    // Stripe has charged: from here a crash leaves the attempt to Stripe's webhook.
    if let Err(error) = app.faults.charge_recording().await {
        return outage(merchant, error);
    }
    let outcome = match charge {
        PageCharge::Decided(outcome) => outcome,
        PageCharge::Authenticate { client_secret } => {
            // The attempt stays processing while the payer authenticates; their return (or
            // Stripe's webhook) records it.
            return authenticate_page(app, merchant, &attempt.payment, &client_secret).await;
        }
    };
    let answered = Answered {
        merchant,
        attempt,
        card,
        reference: intent,
        now,
    };
    record(app, answered, outcome).await
}

/// The Stripe customer of our `customer`: the one recorded on them (or on their saved card), else
/// one made now and recorded, under an idempotency key of our customer's so that a retry after
/// a lost answer gets the same one.
async fn stripe_customer_of(
    app: &App,
    stripe: &Stripe<'_>,
    merchant: &Account,
    customer: &Customer,
) -> Result<String, HostedPage> {
    if let Some(known) = customer.known_provider_customer() {
        return Ok(known.to_owned());
    }
    let payer = payer_of(merchant, customer);
    let made = stripe
        .create_customer(payer, &our_customer_key(customer.id.as_str()))
        .await
        .map_err(|error| provider_down(merchant, error))?;
    app.store
        .set_provider_customer(&merchant.id, &customer.id, &made, None)
        .await
        .map_err(|error| outage(merchant, error))?;
    Ok(made)
}

/// Confirms the attempt's PaymentIntent once it is recorded on the link, so that whatever
/// settles the link later finds it. Not recorded, it is canceled unconfirmed: nothing paid it.
async fn confirm_recorded(
    app: &App,
    stripe: &Stripe<'_>,
    merchant: &Account,
    attempt: &Attempt,
    ready: ReadyIntent,
) -> Result<PageAttempt, HostedPage> {
    let recorded = async {
        app.faults.intent_recording().await?;
        app.store
            .record_open_reference(&merchant.id, attempt, &ready.id)
            .await
    }
    .await;
    let refused = match recorded {
        Ok(true) => {
            return stripe
                .confirm_prepared(ready)
                .await
                .map_err(|error| provider_down(merchant, error));
        }
        // Taken over meanwhile (or ended): the attempt that holds the link now pays it.
        Ok(false) => attempt_running(merchant),
        Err(error) => outage(merchant, error),
    };
    if let Err(error) = stripe.cancel_unless_paid(&ready.id).await {
        tracing::warn!(
            account = %merchant.id,
            intent = ready.id,
            error = %error,
            "an unrecorded PaymentIntent, never confirmed, is not canceled"
        );
    }
    Err(refused)
}

/// What the attempts before `attempt` may have left at Stripe: one taken over may have been
/// charged and died before recording it, or be waiting for authentication.
fn earlier_attempts(attempt: &Attempt) -> EarlierAttempts<'_> {
    match attempt.payment.unsettled_since {
        Some(since) => EarlierAttempts::TakenOver {
            since: since.datetime().unix_timestamp(),
            references: &attempt.payment.open_references,
        },
        // A link's first attempt is version 2.
        None if attempt.version > 2 => EarlierAttempts::Ended,
        None => EarlierAttempts::None,
    }
}

/// Our customer as their Stripe customer is told.
fn payer_of<'a>(merchant: &'a Account, customer: &'a Customer) -> StripePayer<'a> {
    StripePayer {
        email: Some(customer.email.as_str()),
        name: customer.full_name.as_ref().map(|name| name.as_str()),
        account_id: merchant.id.as_str(),
        customer_id: Some(customer.id.as_str()),
    }
}

/// Records on our customer the Stripe customer made in place of one Stripe no longer had, so
/// that their next payment and the profile sync use it. Not recorded (a write that failed, or
/// another recorded meanwhile), the next attempt makes the same replacement again (under the
/// same key): the payment in progress goes on either way.
async fn record_replacement(
    app: &App,
    merchant: &Account,
    customer: &Customer,
    replaced: &ReplacedCustomer,
) {
    let recorded = app
        .store
        .set_provider_customer(
            &merchant.id,
            &customer.id,
            &replaced.made,
            Some(&replaced.gone),
        )
        .await;
    if let Err(error) = recorded {
        tracing::warn!(
            account = %merchant.id,
            customer = %customer.id,
            error = %error,
            "the Stripe customer made in place of a gone one is not recorded"
        );
    }
}

/// The payer is back from authenticating the attempt's PaymentIntent `intent_id`: its outcome,
/// read at Stripe (never from the browser), ends the attempt.
pub(super) async fn returned(
    app: &'static App,
    merchant: &Account,
    payment: Payment,
    intent_id: &str,
) -> HostedPage {
    let stripe = match app.link_provider(&Route::of(&payment)).await {
        Ok(Some(LinkProvider::Stripe { stripe, .. })) => stripe,
        Ok(_) => return settled(merchant, &payment),
        Err(error) => return provider_down(merchant, error),
    };
    let attempt = match app.store.get_link_attempt(&merchant.id, &payment.id).await {
        Ok(Some(attempt)) => attempt,
        Ok(None) => return not_found(),
        Err(error) => return outage(merchant, error),
    };
    if attempt.payment.status != PaymentStatus::Processing {
        // Recorded already (by Stripe's webhook, or a second return).
        return settled(merchant, &attempt.payment);
    }
    let returned = stripe
        .returned_intent(
            intent_id,
            payment.id.as_str(),
            merchant.id.as_str(),
            attempt.version,
        )
        .await;
    let now = Timestamp::now();
    match returned {
        Err(error) => provider_down(merchant, error),
        Ok(None) => HostedPage::notice(
            409,
            Some(&merchant.name),
            "Payment not found",
            "This is not the payment in progress on this link. Reload the page.",
        ),
        Ok(Some(Returned::Pending)) => attempt_running(merchant),
        Ok(Some(Returned::Unpaid(failure, card))) => {
            let answered = Answered {
                merchant,
                card,
                attempt,
                reference: Some(intent_id.to_owned()),
                now,
            };
            unpaid(app, answered, PaymentStatus::Failed, failure).await
        }
        Ok(Some(Returned::Paid(method))) => {
            let email = match payer_email(&stripe, &attempt, &method).await {
                Ok(email) => email,
                Err(error) => return provider_down(merchant, error),
            };
            let answered = Answered {
                merchant,
                card: CardSummary {
                    brand: method.brand.clone(),
                    last4: method.last4.clone(),
                },
                attempt,
                reference: Some(intent_id.to_owned()),
                now,
            };
            complete(app, answered, method, email).await
        }
    }
}

/// The page that lets Stripe.js authenticate the attempt's PaymentIntent, then returns here.
async fn authenticate_page(
    app: &'static App,
    merchant: &Account,
    payment: &Payment,
    client_secret: &str,
) -> HostedPage {
    let Ok(Some(LinkProvider::Stripe { browser, .. })) =
        app.link_provider(&Route::of(payment)).await
    else {
        return unavailable(Some(&merchant.name));
    };
    let token = new_csrf_token().unwrap_or_default();
    let nonce = new_csrf_token().unwrap_or_default();
    let intent_id = client_secret.split("_secret_").next().unwrap_or_default();
    let view = Authenticate {
        merchant: Some(&merchant.name),
        summary: Summary::of(payment),
        payment_id: payment.id.as_str(),
        csrf: &token,
        intent_id,
        stripe: StripeCard {
            js_url: &browser.js_url,
            publishable_key: &browser.publishable_key,
            stripe_account: payment.stripe_account.as_ref().map(StripeAccountId::as_str),
            client_secret,
            nonce: &nonce,
        },
    };
    HostedPage::render(200, &view)
        .with_csrf(token)
        .with_stripe_js(&browser.origins, &nonce)
}
