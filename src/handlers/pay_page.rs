//! The hosted payment page flow: show a link, take a card, settle the attempt.
//!
//! `GET /pay/{id}` shows the link; `POST /pay/{id}` runs one attempt: a conditional write moves
//! the link to `processing` (so a concurrent cancel or second attempt loses), the provider
//! decides, and the outcome is written conditionally on the attempt still being current. On
//! success one transaction marks the link paid, writes its numbered invoice, vaults the card on
//! the customer (creating the customer from the payer's e-mail if the link had none) and records
//! the receipt to send.

use crate::app::{App, LinkCompleted, PaidAttempt};
use crate::domain::account::Account;
use crate::domain::card::PaymentMethod;
use crate::domain::customer::Customer;
use crate::domain::ids::{PaymentId, StripeAccountId};
use crate::domain::invoice::Invoice;
use crate::domain::payment::{CardSummary, Failure, Payment, PaymentKind, PaymentStatus, Route};
use crate::domain::text::Email;
use crate::domain::time::Timestamp;
use crate::http::hosted_page::form::{FormState, PaymentForm};
use crate::http::hosted_page::views::{Authenticate, Paid, PayForm, StripeCard, Summary};
use crate::http::hosted_page::{HostedPage, HostedPageRequest, new_csrf_token, unavailable};
use crate::provider::stripe_cards::{PageAttempt, PageCharge, Returned, SetupPayment, StripePayer};
use crate::provider::{Amount, CardOutcome, LinkProvider, Sandbox, Stripe};
use crate::store::{Attempt, BeginAttempt, StoreError, Unpaid};

/// `GET /pay/{id}`.
pub async fn show(app: &'static App, request: HostedPageRequest) -> HostedPage {
    match find(app, &request.id).await {
        Err(page) => page,
        Ok((merchant, payment)) if !payment.accepts_attempt_at(Timestamp::now()) => {
            settled(&merchant, &payment)
        }
        Ok((merchant, payment)) => {
            form_page(
                app,
                &merchant,
                &payment,
                &FormState::fresh(payment.failure.as_ref()),
            )
            .await
        }
    }
}

/// `POST /pay/{id}`.
pub async fn submit(app: &'static App, request: HostedPageRequest) -> HostedPage {
    let (merchant, payment) = match find(app, &request.id).await {
        Err(page) => return page,
        Ok(found) => found,
    };
    let form = PaymentForm::of(&request);
    if !form.is_genuine(request.csrf_cookie.as_deref()) {
        return HostedPage::notice(
            403,
            Some(&merchant.name),
            "Please try again",
            "This form has expired or did not come from this page. Reload the page and submit \
             it again.",
        );
    }
    if let Some(intent) = form.returned_intent() {
        return returned(app, &merchant, payment, intent).await;
    }
    if !payment.accepts_attempt_at(Timestamp::now()) {
        return settled(&merchant, &payment);
    }
    match app.link_provider(&Route::of(&payment)).await {
        Err(error) => {
            tracing::error!(detail = %error, "provider unavailable");
            unavailable(Some(&merchant.name))
        }
        Ok(None) => not_available(&merchant),
        Ok(Some(LinkProvider::Sandbox(sandbox))) => {
            pay_in_sandbox(app, &merchant, payment, &form, sandbox).await
        }
        Ok(Some(LinkProvider::Stripe { stripe, .. })) => {
            pay_with_stripe(app, &merchant, payment, &form, &stripe).await
        }
    }
}

/// The card typed into our form, decided by the sandbox.
async fn pay_in_sandbox(
    app: &'static App,
    merchant: &Account,
    payment: Payment,
    form: &PaymentForm<'_>,
    sandbox: Sandbox,
) -> HostedPage {
    let now = Timestamp::now();
    let entry = match form.entry(payment.customer_id.is_none(), now) {
        Ok(entry) => entry,
        Err(state) => return form_page(app, merchant, &payment, &state).await,
    };
    let attempt = match begin(app, merchant, &payment, now).await {
        Ok(attempt) => attempt,
        Err(page) => return page,
    };
    let amount = Amount {
        minor_units: attempt.payment.amounts.total(),
        currency: attempt.payment.currency,
    };
    // One provider key per attempt: a retried call within an attempt is the same payment.
    let key = format!("{}-{}", attempt.payment.id, attempt.version);
    let outcome = match sandbox.pay_with_card(&entry.card, amount, &key).await {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::error!(detail = %error, "provider unavailable");
            return unavailable(Some(&merchant.name));
        }
    };
    let card = CardSummary {
        brand: entry.card.number.brand().as_str().to_owned(),
        last4: entry.card.number.last4(),
    };
    let answered = Answered {
        merchant,
        attempt,
        card,
        reference: None,
        now,
    };
    record(app, answered, outcome, entry.email).await
}

/// The card Stripe.js saved into the page's SetupIntent, paid with one PaymentIntent.
async fn pay_with_stripe(
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
        Err(error) => {
            tracing::error!(detail = %error, "provider unavailable");
            return unavailable(Some(&merchant.name));
        }
        Ok(Some(method)) => method,
        Ok(None) => {
            let state =
                FormState::with_error("Your card was not confirmed. Please enter it again.");
            return form_page(app, merchant, &payment, &state).await;
        }
    };
    // The payer: the link's customer and their Stripe customer (made now, once, if they have
    // none), or the e-mail the form asked for.
    let (email, known_customer) = match &payment.customer_id {
        Some(id) => match app.store.get_customer_by_id(&merchant.id, id).await {
            Ok(Some(customer)) => {
                match stripe_customer_of(app, stripe, merchant, &customer).await {
                    Ok(stripe_customer) => {
                        (customer.email.as_str().to_owned(), Some(stripe_customer))
                    }
                    Err(page) => return page,
                }
            }
            Ok(None) => return unavailable(Some(&merchant.name)),
            Err(error) => return outage(merchant, error),
        },
        None => match &entry.email {
            Some(email) => (email.as_str().to_owned(), None),
            None => return unavailable(Some(&merchant.name)),
        },
    };
    let now = Timestamp::now();
    let attempt = match begin(app, merchant, &payment, now).await {
        Ok(attempt) => attempt,
        Err(page) => return page,
    };
    let key = format!("{}-{}", attempt.payment.id, attempt.version);
    let paid = stripe
        .pay_with_setup(SetupPayment {
            method_id: &method,
            link_id: link,
            account_id: account,
            attempt: attempt.version,
            amount: Amount {
                minor_units: attempt.payment.amounts.total(),
                currency: attempt.payment.currency,
            },
            attempt_key: &key,
            customer: known_customer.as_deref(),
            email: &email,
            // An attempt before this one (a link's first attempt is version 2) may have been
            // charged and died before recording it, or be waiting for authentication.
            asked_before: attempt.version > 2,
        })
        .await;
    let PageAttempt {
        charge,
        card,
        intent,
    } = match paid {
        Ok(paid) => paid,
        Err(error) => {
            tracing::error!(detail = %error, "provider unavailable");
            return unavailable(Some(&merchant.name));
        }
    };
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
    record(app, answered, outcome, entry.email).await
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
    let known = customer.provider_customer.clone().or_else(|| {
        customer
            .payment_method
            .as_ref()
            .and_then(|method| method.provider_customer.clone())
    });
    if let Some(known) = known {
        return Ok(known);
    }
    let payer = StripePayer {
        email: customer.email.as_str(),
        account_id: merchant.id.as_str(),
        customer_id: Some(customer.id.as_str()),
    };
    let made = stripe
        .create_customer(payer, &format!("{}-stripe-customer", customer.id))
        .await
        .map_err(|error| {
            tracing::error!(detail = %error, "provider unavailable");
            unavailable(Some(&merchant.name))
        })?;
    app.store
        .set_provider_customer(&merchant.id, &customer.id, &made)
        .await
        .map_err(|error| outage(merchant, error))?;
    Ok(made)
}

/// The payer is back from authenticating the attempt's PaymentIntent `intent_id`: its outcome,
/// read at Stripe (never from the browser), ends the attempt.
async fn returned(
    app: &'static App,
    merchant: &Account,
    payment: Payment,
    intent_id: &str,
) -> HostedPage {
    let stripe = match app.link_provider(&Route::of(&payment)).await {
        Ok(Some(LinkProvider::Stripe { stripe, .. })) => stripe,
        Ok(_) => return settled(merchant, &payment),
        Err(error) => {
            tracing::error!(detail = %error, "provider unavailable");
            return unavailable(Some(&merchant.name));
        }
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
        Err(error) => {
            tracing::error!(detail = %error, "provider unavailable");
            unavailable(Some(&merchant.name))
        }
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
        Ok(Some(Returned::Paid(method, stripe_email))) => {
            let email = match &attempt.payment.customer_id {
                Some(_) => None,
                None => stripe_email
                    .as_deref()
                    .and_then(|text| Email::parse(text).ok()),
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

/// Starts an attempt on the link: the page to show instead when it cannot start.
async fn begin(
    app: &App,
    merchant: &Account,
    payment: &Payment,
    now: Timestamp,
) -> Result<Attempt, HostedPage> {
    match app
        .store
        .begin_attempt(&merchant.id, &payment.id, now)
        .await
    {
        Err(error) => Err(outage(merchant, error)),
        Ok(BeginAttempt::NotFound) => Err(not_found()),
        Ok(BeginAttempt::Refused(current)) => Err(settled(merchant, &current)),
        Ok(BeginAttempt::Started(attempt)) => Ok(attempt),
    }
}

/// Records what the provider answered for the attempt.
async fn record(
    app: &'static App,
    answered: Answered<'_>,
    outcome: CardOutcome,
    payer_email: Option<Email>,
) -> HostedPage {
    match outcome {
        CardOutcome::Succeeded(method) => complete(app, answered, method, payer_email).await,
        CardOutcome::Declined(failure) => {
            unpaid(app, answered, PaymentStatus::Failed, failure).await
        }
        CardOutcome::RequiresAction(failure) => {
            unpaid(app, answered, PaymentStatus::RequiresAction, failure).await
        }
    }
}

/// An attempt the provider has answered: whose link, which attempt, the card it used, the
/// provider's id for it (Stripe's PaymentIntent), when.
struct Answered<'a> {
    merchant: &'a Account,
    attempt: Attempt,
    card: CardSummary,
    reference: Option<String>,
    now: Timestamp,
}

/// The provider took the card: one transaction settles the link.
async fn complete(
    app: &'static App,
    answered: Answered<'_>,
    method: PaymentMethod,
    payer_email: Option<Email>,
) -> HostedPage {
    let Answered {
        merchant,
        attempt,
        card,
        reference,
        now,
    } = answered;
    let paid = PaidAttempt {
        attempt,
        card,
        method,
        payer_email,
        reference,
        now,
    };
    match app.complete_link(&merchant.id, paid).await {
        Err(error) => outage(merchant, error),
        Ok(LinkCompleted::Superseded) => attempt_running(merchant),
        Ok(LinkCompleted::Paid { payment, invoice }) => {
            paid_page(merchant, &payment, Some(&invoice))
        }
    }
}

/// The provider refused the card: the link shows why and takes another attempt.
async fn unpaid(
    app: &'static App,
    answered: Answered<'_>,
    status: PaymentStatus,
    failure: Failure,
) -> HostedPage {
    let unpaid = Unpaid {
        status,
        failure: &failure,
        card: &answered.card,
    };
    match app
        .store
        .end_attempt_unpaid(
            &answered.merchant.id,
            &answered.attempt,
            unpaid,
            answered.now,
        )
        .await
    {
        Err(error) => outage(answered.merchant, error),
        Ok(None) => attempt_running(answered.merchant),
        Ok(Some(updated)) => {
            let mut page = form_page(
                app,
                answered.merchant,
                &updated,
                &FormState::fresh(Some(&failure)),
            )
            .await;
            page.status = 402;
            page
        }
    }
}

/// The merchant and the link behind a page id: the page item, then the link beside the account
/// (which a warm container usually has cached): two round trips.
async fn find(app: &App, id: &str) -> Result<(Account, Payment), HostedPage> {
    let outage = |error: StoreError| {
        tracing::error!(detail = %error, "page could not reach the datastore");
        unavailable(None)
    };
    let id = PaymentId::parse(id).map_err(|_| not_found())?;
    let account = app
        .store
        .link_account(&id)
        .await
        .map_err(outage)?
        .ok_or_else(not_found)?;
    let (payment, merchant) =
        tokio::join!(app.store.get_payment(&account, &id), app.account(&account));
    match (payment.map_err(outage)?, merchant.map_err(outage)?) {
        (Some(payment), Some(merchant)) if payment.kind == PaymentKind::Link => {
            Ok((merchant, payment))
        }
        (Some(_), None) => Err(outage(StoreError::corrupt(format!(
            "link {id} belongs to a missing account"
        )))),
        _ => Err(not_found()),
    }
}

fn not_found() -> HostedPage {
    HostedPage::notice(
        404,
        None,
        "Payment link not found",
        "This payment link does not exist. Check the address you were given.",
    )
}

fn outage(merchant: &Account, error: StoreError) -> HostedPage {
    tracing::error!(detail = %error, "page could not reach the datastore");
    unavailable(Some(&merchant.name))
}

fn attempt_running(merchant: &Account) -> HostedPage {
    HostedPage::notice(
        409,
        Some(&merchant.name),
        "Payment in progress",
        "Another attempt on this payment link is in progress. Reload the page in a moment.",
    )
}

/// The card form, with a fresh anti-forgery token; 400 when it shows problems with fields. On a
/// live link Stripe.js takes the card, into a SetupIntent opened for this view.
async fn form_page(
    app: &'static App,
    merchant: &Account,
    payment: &Payment,
    state: &FormState,
) -> HostedPage {
    let token = new_csrf_token().unwrap_or_default();
    let status = if state.has_field_errors() { 400 } else { 200 };
    let mut view = PayForm {
        merchant: Some(&merchant.name),
        summary: Summary::of(payment),
        payment_id: payment.id.as_str(),
        csrf: &token,
        asks_email: payment.customer_id.is_none(),
        sandbox: !payment.livemode,
        form: state,
        stripe: None,
    };
    let (stripe, browser) = match app.link_provider(&Route::of(payment)).await {
        Ok(Some(LinkProvider::Sandbox(_))) => {
            return HostedPage::render(status, &view).with_csrf(token);
        }
        Ok(Some(LinkProvider::Stripe { stripe, browser })) => (stripe, browser),
        Ok(None) => return not_available(merchant),
        Err(error) => {
            tracing::error!(detail = %error, "provider unavailable");
            return unavailable(Some(&merchant.name));
        }
    };
    let setup = match stripe
        .begin_card_setup(payment.id.as_str(), merchant.id.as_str())
        .await
    {
        Ok(setup) => setup,
        Err(error) => {
            tracing::error!(detail = %error, "provider unavailable");
            return unavailable(Some(&merchant.name));
        }
    };
    let nonce = new_csrf_token().unwrap_or_default();
    view.stripe = Some(StripeCard {
        js_url: &browser.js_url,
        publishable_key: &browser.publishable_key,
        stripe_account: payment.stripe_account.as_ref().map(StripeAccountId::as_str),
        client_secret: &setup.client_secret,
        nonce: &nonce,
    });
    HostedPage::render(status, &view)
        .with_csrf(token)
        .with_stripe_js(&browser.origins, &nonce)
}

fn not_available(merchant: &Account) -> HostedPage {
    HostedPage::notice(
        409,
        Some(&merchant.name),
        "Payments are not available",
        "This merchant cannot take card payments yet.",
    )
}

/// A link that takes no attempt now: paid, canceled, or an attempt running.
fn settled(merchant: &Account, payment: &Payment) -> HostedPage {
    let notice =
        |status, title, message| HostedPage::notice(status, Some(&merchant.name), title, message);
    match payment.status {
        PaymentStatus::Succeeded => paid_page(merchant, payment, None),
        PaymentStatus::Canceled => notice(
            410,
            "Payment link canceled",
            "This payment link was canceled by the merchant and can no longer be paid.",
        ),
        PaymentStatus::Processing => notice(
            409,
            "Payment in progress",
            "A payment on this link is being processed. Reload the page in a moment.",
        ),
        _ => notice(
            409,
            "Payment not available",
            "This payment link cannot be paid.",
        ),
    }
}

fn paid_page(merchant: &Account, payment: &Payment, invoice: Option<&Invoice>) -> HostedPage {
    HostedPage::render(
        200,
        &Paid {
            merchant: Some(&merchant.name),
            summary: Summary::of(payment),
            invoice: invoice.map(|invoice| invoice.number.to_string()),
            return_url: payment.success_url.as_ref().map(|url| url.as_str()),
        },
    )
}
