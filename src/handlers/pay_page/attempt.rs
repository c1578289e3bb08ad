//! An attempt on a link: begun by one conditional write, then settled by what the provider
//! answered, conditionally on the attempt still being the link's current one.

use crate::app::{App, LinkCompleted, PaidAttempt};
use crate::domain::account::Account;
use crate::domain::card::PaymentMethod;
use crate::domain::payment::{CardSummary, Failure, Payment, PaymentStatus};
use crate::domain::text::Email;
use crate::domain::time::Timestamp;
use crate::http::hosted_page::HostedPage;
use crate::http::hosted_page::form::FormState;
use crate::provider::CardOutcome;
use crate::store::{Attempt, BeginAttempt, Unpaid};

use super::pages::{attempt_running, form_page, not_found, outage, paid_page, settled};

/// Starts an attempt on the link, keeping the e-mail the payer gave with it (and, when it takes
/// over one left `processing`, since when attempts may be open): the page to show instead when
/// it cannot start.
pub(super) async fn begin(
    app: &App,
    merchant: &Account,
    payment: &Payment,
    payer_email: Option<&Email>,
    now: Timestamp,
) -> Result<Attempt, HostedPage> {
    match app
        .store
        .begin_attempt(
            &merchant.id,
            &payment.id,
            payer_email,
            payment.open_attempts_since(),
            now,
        )
        .await
    {
        Err(error) => Err(outage(merchant, error)),
        Ok(BeginAttempt::NotFound) => Err(not_found()),
        Ok(BeginAttempt::Refused(current)) => Err(settled(merchant, &current)),
        Ok(BeginAttempt::Started(attempt)) => Ok(attempt),
    }
}

/// Records what the provider answered for the attempt.
pub(super) async fn record(
    app: &'static App,
    answered: Answered<'_>,
    outcome: CardOutcome,
) -> HostedPage {
    match outcome {
        CardOutcome::Succeeded(method) => {
            // The e-mail the payer gave with this attempt, kept by `begin`.
            let payer_email = answered.attempt.payer_email.clone();
            complete(app, answered, method, payer_email).await
        }
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
pub(super) struct Answered<'a> {
    pub(super) merchant: &'a Account,
    pub(super) attempt: Attempt,
    pub(super) card: CardSummary,
    pub(super) reference: Option<String>,
    pub(super) now: Timestamp,
}

/// The provider took the card: one transaction settles the link.
pub(super) async fn complete(
    app: &'static App,
    answered: Answered<'_>,
    method: PaymentMethod,
    payer_email: Option<Email>,
) -> HostedPage {
    let merchant = answered.merchant;
    let paid = PaidAttempt {
        attempt: answered.attempt,
        card: answered.card,
        method,
        payer_email,
        reference: answered.reference,
        now: answered.now,
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
pub(super) async fn unpaid(
    app: &'static App,
    answered: Answered<'_>,
    status: PaymentStatus,
    failure: Failure,
) -> HostedPage {
    let unpaid = Unpaid {
        status,
        failure: &failure,
        card: Some(&answered.card),
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
