//! What the payer sees: the card form, the paid page, and a notice for every other case.

use std::fmt::Display;

use crate::app::App;
use crate::domain::account::Account;
use crate::domain::ids::StripeAccountId;
use crate::domain::invoice::Invoice;
use crate::domain::payment::{Payment, PaymentStatus, Route};
use crate::http::hosted_page::form::FormState;
use crate::http::hosted_page::views::{Paid, PayForm, StripeCard, Summary};
use crate::http::hosted_page::{HostedPage, new_csrf_token, unavailable};
use crate::provider::LinkProvider;
use crate::store::StoreError;

pub(super) fn not_found() -> HostedPage {
    HostedPage::notice(
        404,
        None,
        "Payment link not found",
        "This payment link does not exist. Check the address you were given.",
    )
}

/// The datastore could not be reached: logged, and the payer asked to come back later.
pub(super) fn outage(merchant: &Account, error: StoreError) -> HostedPage {
    datastore_down(Some(&merchant.name), &error)
}

/// The same while the link is being found, before its merchant is known.
pub(super) fn outage_finding_link(error: StoreError) -> HostedPage {
    datastore_down(None, &error)
}

fn datastore_down(merchant: Option<&str>, error: &StoreError) -> HostedPage {
    tracing::error!(detail = %error, "page could not reach the datastore");
    unavailable(merchant)
}

/// The provider could not be reached or answered nonsense: logged, and the payer asked to come
/// back later.
pub(super) fn provider_down(merchant: &Account, error: impl Display) -> HostedPage {
    tracing::error!(detail = %error, "provider unavailable");
    unavailable(Some(&merchant.name))
}

pub(super) fn attempt_running(merchant: &Account) -> HostedPage {
    HostedPage::notice(
        409,
        Some(&merchant.name),
        "Payment in progress",
        "Another attempt on this payment link is in progress. Reload the page in a moment.",
    )
}

/// The card form, with a fresh anti-forgery token; 400 when it shows problems with fields. On a
/// live link Stripe.js takes the card, into a SetupIntent opened for this view.
pub(super) async fn form_page(
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
        Err(error) => return provider_down(merchant, error),
    };
    let setup = match stripe
        .begin_card_setup(payment.id.as_str(), merchant.id.as_str())
        .await
    {
        Ok(setup) => setup,
        Err(error) => return provider_down(merchant, error),
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

pub(super) fn not_available(merchant: &Account) -> HostedPage {
    HostedPage::notice(
        409,
        Some(&merchant.name),
        "Payments are not available",
        "This merchant cannot take card payments yet.",
    )
}

/// A link that takes no attempt now: paid, canceled, or an attempt running.
pub(super) fn settled(merchant: &Account, payment: &Payment) -> HostedPage {
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

pub(super) fn paid_page(
    merchant: &Account,
    payment: &Payment,
    invoice: Option<&Invoice>,
) -> HostedPage {
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
