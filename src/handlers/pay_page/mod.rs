//! The hosted payment page flow: show a link, take a card, settle the attempt.
//!
//! `GET /pay/{id}` shows the link; `POST /pay/{id}` runs one attempt: a conditional write moves
//! the link to `processing` (so a concurrent cancel or second attempt loses), the provider
//! decides, and the outcome is written conditionally on the attempt still being current. On
//! success one transaction marks the link paid, writes its numbered invoice, vaults the card on
//! the customer (creating the customer from the payer's e-mail if the link had none) and records
//! the receipt to send.
//!
//! Here the two routes and the sandbox's card; `stripe` the live card through Stripe.js;
//! `attempt` an attempt begun and settled, whichever provider answered; `pages` what the payer
//! sees.

mod attempt;
mod pages;
mod stripe;

use crate::app::App;
use crate::domain::account::Account;
use crate::domain::ids::PaymentId;
use crate::domain::payment::{CardSummary, Payment, PaymentKind, Route};
use crate::domain::time::Timestamp;
use crate::http::hosted_page::form::{FormState, PaymentForm};
use crate::http::hosted_page::{HostedPage, HostedPageRequest};
use crate::provider::{Amount, LinkProvider, Sandbox};
use crate::store::StoreError;
use attempt::{Answered, begin, record};
use pages::{form_page, not_available, not_found, outage_finding_link, provider_down, settled};
use stripe::{pay_with_stripe, returned};

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
        Err(error) => provider_down(&merchant, error),
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
    let attempt = match begin(app, merchant, &payment, entry.email.as_ref(), now).await {
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
        Err(error) => return provider_down(merchant, error),
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
    record(app, answered, outcome).await
}

/// The merchant and the link behind a page id: the page item, then the link with the account
/// in one BatchGetItem: two round trips; one, the link alone, in a container that served the
/// page lately (a payer's submit after their visit).
async fn find(app: &App, id: &str) -> Result<(Account, Payment), HostedPage> {
    let id = PaymentId::parse(id).map_err(|_| not_found())?;
    let account = app
        .link_account(&id)
        .await
        .map_err(outage_finding_link)?
        .ok_or_else(not_found)?;
    let found = app
        .payment_and_merchant(&account, &id)
        .await
        .map_err(outage_finding_link)?;
    match found {
        (Some(payment), Some(merchant)) if payment.kind == PaymentKind::Link => {
            Ok((merchant, payment))
        }
        (Some(_), None) => Err(outage_finding_link(StoreError::corrupt(format!(
            "link {id} belongs to a missing account"
        )))),
        _ => Err(not_found()),
    }
}
