//! Off-session charges after they are written: asking the provider and recording its answer,
//! for the request that made the charge, for that request run again under its Idempotency-Key,
//! and for the reconciler that finds a charge nobody finished.

use serde_json::Value;
use tokio::task::JoinSet;

use super::{App, AppError};
use crate::domain::delivery::later;
use crate::domain::ids::{AccountId, PaymentId, StripeAccountId};
use crate::domain::invoice::{Invoice, InvoiceStatus};
use crate::domain::payment::{CardSummary, Payment, PaymentKind, PaymentStatus, Provider, Route};
use crate::domain::pending_charge::{CHECK_LEASE, PendingCharge};
use crate::domain::time::Timestamp;
use crate::provider::stripe::charged_by_intent;
use crate::provider::{
    Amount, ChargeOutcome, ChargeRequest, Charged, PaymentProvider, ProviderError, Sandbox,
};
use crate::store::{Completion, CompletionOutcome, CustomerChange, KeyCompletion, StoreError};

/// A charge's recorded outcome.
#[derive(Debug)]
pub struct Settled {
    pub payment: Payment,
    /// False when another run (the reconciler, or the same request run again) recorded it
    /// first; `payment` is then as that run recorded it.
    pub recorded_here: bool,
}

/// What one reconciler run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Pending charges it took and asked the provider about.
    pub checked: usize,
    /// Of those, the ones it recorded (the others were recorded by someone else meanwhile, or
    /// are counted in `unrecorded`).
    pub recorded: usize,
    /// Of those, the ones the provider could not answer for or the table not record: leased,
    /// they wait for a run after the lease.
    pub unrecorded: usize,
}

impl App {
    /// Asks the provider for the pending charge of `payment` (still `processing`; `asked_before`
    /// when this may not be the first ask) and records
    /// the answer in ONE transaction: the payment, its invoice, its receipt to `receipt_to`, the
    /// end of the pending charge, and `key`'s answer if given. When another run recorded it
    /// first (the reconciler, or the same request run again), that outcome is returned.
    pub async fn settle_charge(
        &self,
        account: &AccountId,
        payment: Payment,
        pending: &PendingCharge,
        receipt_to: &str,
        key: Option<&KeyCompletion<'_, Payment>>,
        asked_before: bool,
    ) -> Result<Settled, AppError> {
        let provider = self
            .provider_for(&Route::of(&payment))
            .await?
            .ok_or_else(|| {
                ProviderError(format!("no {} provider here", payment.provider.as_str()))
            })?;
        let charged = provider
            .charge_saved(ChargeRequest {
                method: &pending.method,
                amount: Amount {
                    minor_units: payment.amounts.total(),
                    currency: payment.currency,
                },
                payment_id: pending.provider_key(),
                account_id: account.as_str(),
                asked_before,
            })
            .await?;
        self.faults.charge_recording().await?;
        self.record_charge(account, payment, pending, receipt_to, key, charged)
            .await
    }

    /// Records the provider's answer `charged` for the pending charge of `payment` in ONE
    /// transaction (see `settle_charge`).
    async fn record_charge(
        &self,
        account: &AccountId,
        mut payment: Payment,
        pending: &PendingCharge,
        receipt_to: &str,
        key: Option<&KeyCompletion<'_, Payment>>,
        charged: Charged,
    ) -> Result<Settled, AppError> {
        let outcome = charged.outcome;
        payment.provider_reference = charged.reference;

        let now = Timestamp::now();
        let invoice_status = match outcome {
            ChargeOutcome::Succeeded => {
                payment.status = PaymentStatus::Succeeded;
                payment.dispute = Sandbox::dispute_of(&pending.method, &payment);
                payment.paid_at = Some(now);
                InvoiceStatus::Paid
            }
            ChargeOutcome::Declined(failure) => {
                payment.status = PaymentStatus::Failed;
                payment.failure = Some(failure);
                InvoiceStatus::Outstanding
            }
        };
        payment.updated_at = now;
        payment.card = Some(CardSummary {
            brand: pending.method.brand.clone(),
            last4: pending.method.last4.clone(),
        });
        let customer = payment
            .customer_id
            .clone()
            .ok_or_else(|| StoreError::corrupt("a charge without a customer"))?;
        let invoice = Invoice::for_payment(&payment, customer, invoice_status, now);
        payment.invoice_id = Some(invoice.id.clone());
        let completion = Completion {
            payment: &payment,
            // Nothing but its completion changes a charge while it is processing.
            attempt_version: 1,
            customer: CustomerChange::Unchanged,
            invoice,
            receipt_to: (payment.status == PaymentStatus::Succeeded).then_some(receipt_to),
            now,
            key_completion: key,
        };
        match self.store.complete_payment(account, completion).await? {
            CompletionOutcome::Completed(_) => Ok(Settled {
                payment,
                recorded_here: true,
            }),
            CompletionOutcome::AttemptSuperseded => {
                let recorded = self.store.get_payment(account, &payment.id).await?;
                Ok(Settled {
                    payment: recorded
                        .ok_or_else(|| StoreError::corrupt("a recorded charge disappeared"))?,
                    recorded_here: false,
                })
            }
        }
    }

    /// Records the charges whose outcome nobody recorded (at most `limit`, all at once): each
    /// pending charge due at `now` is leased, then asked of the provider again and recorded.
    pub async fn reconcile_due(
        &'static self,
        now: Timestamp,
        limit: usize,
    ) -> Result<ReconcileReport, StoreError> {
        let due = self.store.due_pending_charges(now, limit).await?;
        let mut checks = JoinSet::new();
        for (account, pending) in due {
            checks.spawn(async move {
                if !self
                    .store
                    .lease_pending_charge(&account, &pending, later(now, CHECK_LEASE))
                    .await?
                {
                    return Ok::<_, StoreError>(None);
                }
                Ok(Some(self.reconcile(&account, &pending).await))
            });
        }
        let mut report = ReconcileReport::default();
        for recorded in leased_outcomes(checks).await? {
            report.checked += 1;
            match recorded {
                Ok(true) => report.recorded += 1,
                Ok(false) => {}
                // Left leased: the next run after the lease asks again.
                Err(error) => {
                    report.unrecorded += 1;
                    tracing::warn!(%error, "pending charge not recorded");
                }
            }
        }
        Ok(report)
    }

    /// One leased pending charge: true when this run recorded its outcome.
    async fn reconcile(
        &self,
        account: &AccountId,
        pending: &PendingCharge,
    ) -> Result<bool, AppError> {
        let Some(payment) = self.store.get_payment(account, &pending.payment_id).await? else {
            return Err(StoreError::corrupt("a pending charge without its payment").into());
        };
        if payment.status != PaymentStatus::Processing {
            return Err(StoreError::corrupt("a pending charge of a recorded payment").into());
        }
        let receipt_to = self.receipt_address(account, &payment).await?;
        let settled = self
            .settle_charge(account, payment, pending, &receipt_to, None, true)
            .await?;
        tracing::info!(
            payment = %settled.payment.id,
            status = settled.payment.status.as_str(),
            recorded_here = settled.recorded_here,
            "pending charge reconciled"
        );
        Ok(settled.recorded_here)
    }

    /// Where a charge's receipt goes: its customer's e-mail address.
    async fn receipt_address(
        &self,
        account: &AccountId,
        payment: &Payment,
    ) -> Result<String, StoreError> {
        let customer_id = payment
            .customer_id
            .as_ref()
            .ok_or_else(|| StoreError::corrupt("a charge without a customer"))?;
        let customer = self
            .store
            .get_customer_by_id(account, customer_id)
            .await?
            .ok_or_else(|| StoreError::corrupt("a charge's customer disappeared"))?;
        Ok(customer.email.as_str().to_owned())
    }

    /// Records what the provider reported by itself (a Stripe webhook) about the PaymentIntent
    /// `intent` of our payment `payment_id` of `account`, unless it is recorded already: a
    /// charge's outcome, or a link's paid attempt. The same completion as every other path, so
    /// whichever of the request, its retry, the reconciler and the report comes first records
    /// it, once.
    pub async fn record_reported_intent(
        &self,
        account: &AccountId,
        payment_id: &PaymentId,
        origin: StripeOrigin<'_>,
        intent: &Value,
    ) -> Result<Reported, AppError> {
        // The payment with its version: a link's report names the attempt it paid.
        let Some(attempt) = self.store.get_link_attempt(account, payment_id).await? else {
            return Ok(Reported::Unknown);
        };
        if !origin.made(&attempt.payment) {
            return Ok(Reported::Misdirected);
        }
        if attempt.payment.kind == PaymentKind::Link {
            return self.record_reported_link(account, attempt, intent).await;
        }
        let payment = attempt.payment;
        let Ok(charged) = charged_by_intent(intent) else {
            // Not decided yet: a later report, the request or the reconciler will be.
            return Ok(Reported::Ignored);
        };
        if payment.status != PaymentStatus::Processing {
            return Ok(Reported::AlreadyRecorded(payment));
        }
        let Some(pending) = self.store.get_pending_charge(account, payment_id).await? else {
            // Recorded between the two reads.
            return Ok(Reported::AlreadyRecorded(payment));
        };
        let receipt_to = self.receipt_address(account, &payment).await?;
        let settled = self
            .record_charge(account, payment, &pending, &receipt_to, None, charged)
            .await?;
        Ok(match settled.recorded_here {
            true => Reported::Recorded(settled.payment),
            false => Reported::AlreadyRecorded(settled.payment),
        })
    }
}

/// The outcomes of a run's leased checks, spawned at once (`None`: another run held the check):
/// those this run took, once all are done; the table's failure (or a panic) if any had one.
pub(super) async fn leased_outcomes<T: 'static>(
    mut checks: JoinSet<Result<Option<T>, StoreError>>,
) -> Result<Vec<T>, StoreError> {
    let mut outcomes = Vec::new();
    let mut failure = None;
    while let Some(joined) = checks.join_next().await {
        match joined {
            Ok(Ok(Some(outcome))) => outcomes.push(outcome),
            Ok(Ok(None)) => {}
            Ok(Err(error)) => failure = Some(error),
            Err(panicked) => failure = Some(StoreError::Internal(panicked.to_string())),
        }
    }
    match failure {
        Some(error) => Err(error),
        None => Ok(outcomes),
    }
}

/// What a provider's report of a payment changed.
#[derive(Debug)]
pub enum Reported {
    /// Recorded now.
    Recorded(Payment),
    /// Someone recorded it first; the payment as they did.
    AlreadyRecorded(Payment),
    /// Nothing to record from it (not decided yet; a link's declined attempt).
    Ignored,
    /// No payment of ours by that id (another deployment's).
    Unknown,
    /// The payment's money does not move where the report came from (another connected
    /// account, or the other mode): whoever can make PaymentIntents there may write any
    /// metadata, so it says nothing about this payment.
    Misdirected,
}

/// Where a provider's report came from: Stripe's live or test mode (the endpoint whose secret
/// signed it), and the connected account it happened on (`None`: the deployment's own).
#[derive(Debug, Clone, Copy)]
pub struct StripeOrigin<'a> {
    pub livemode: bool,
    pub stripe_account: Option<&'a str>,
}

impl StripeOrigin<'_> {
    /// Whether `payment`'s money moves there.
    pub fn made(&self, payment: &Payment) -> bool {
        payment.provider == Provider::Stripe
            && payment.livemode == self.livemode
            && payment.stripe_account.as_ref().map(StripeAccountId::as_str) == self.stripe_account
    }
}
