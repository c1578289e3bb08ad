//! Refunds asked of the API (`POST /transactions/{id}/refund`): what remains of a succeeded
//! payment, given back through the provider that took it, then recorded by the same kind of
//! conditional write as a refund Stripe reports, which the table's stream turns into
//! `payment.refunded`. The provider is asked first, so that nothing is recorded that did not
//! happen; a record lost after Stripe refunded is written by Stripe's `charge.refunded`, or by
//! the same request again (Stripe answers it from its idempotency key, or as refunded already).

use super::{App, AppError};
use crate::domain::ids::{AccountId, PaymentId};
use crate::domain::payment::{Failure, Payment, Provider, Route};
use crate::domain::refund::{NotRefundable, RefundStatus};
use crate::domain::time::Timestamp;
use crate::provider::ProviderError;
use crate::provider::stripe_refunds::{RefundAnswer, RefundRequest};
use crate::store::{ReportOutcome, StoreError};

/// A refund the provider made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedRefund {
    /// The payment as refunded (its `refunds` recorded).
    pub payment: Payment,
    /// What it gave back, in minor units of the payment's currency.
    pub amount: u64,
    pub status: RefundStatus,
    /// The provider's charge it refunded (Stripe's `ch_…`); none in the sandbox.
    pub charge: Option<String>,
}

/// What a refund asked of the API came to.
#[derive(Debug)]
pub enum RefundOutcome {
    Refunded(Box<IssuedRefund>),
    NotFound,
    NotRefundable(NotRefundable),
    /// The provider would not refund it, or its refund failed.
    Refused(Failure),
}

impl App {
    /// Refunds what remains of the payment `id`: one GetItem, the provider's refund, one
    /// conditional UpdateItem.
    pub async fn refund_payment(
        &self,
        account: &AccountId,
        id: &PaymentId,
    ) -> Result<RefundOutcome, AppError> {
        let Some(payment) = self.store.get_payment(account, id).await? else {
            return Ok(RefundOutcome::NotFound);
        };
        let asked = match payment.refund_asked() {
            Ok(asked) => asked,
            Err(why) => return Ok(RefundOutcome::NotRefundable(why)),
        };
        let (status, charge) = match payment.provider {
            Provider::Commet => (RefundStatus::Succeeded, None),
            Provider::Stripe => match self.refund_at_stripe(account, &payment).await? {
                RefundAnswer::Refunded { status, charge } if status.returns_money() => {
                    (status, charge)
                }
                RefundAnswer::Refunded { status, .. } => {
                    return Ok(RefundOutcome::Refused(Failure {
                        code: format!("refund_{}", status.as_str()),
                        message: format!("The provider's refund is {}.", status.as_str()),
                    }));
                }
                RefundAnswer::AlreadyRefunded => (RefundStatus::Succeeded, None),
                RefundAnswer::Refused(failure) => return Ok(RefundOutcome::Refused(failure)),
            },
        };
        let outcome = self
            .store
            .record_refund_in_full(account, id, Timestamp::now())
            .await?;
        let payment = match outcome {
            ReportOutcome::Recorded(payment) => payment,
            ReportOutcome::Refused(payment) => match payment.refund_asked() {
                // Recorded meanwhile: by Stripe's `charge.refunded`, or the same request twice.
                Err(NotRefundable::AlreadyRefunded) => payment,
                Err(why) => return Ok(RefundOutcome::NotRefundable(why)),
                Ok(_) => {
                    return Err(StoreError::Internal(format!(
                        "the condition refused the refund of {id}, which the rule allows"
                    ))
                    .into());
                }
            },
            ReportOutcome::NotFound => return Ok(RefundOutcome::NotFound),
        };
        Ok(RefundOutcome::Refunded(Box::new(IssuedRefund {
            payment,
            amount: asked.amount,
            status,
            charge,
        })))
    }

    async fn refund_at_stripe(
        &self,
        account: &AccountId,
        payment: &Payment,
    ) -> Result<RefundAnswer, AppError> {
        let stripe = self
            .stripe_on(&Route::of(payment))
            .await?
            .ok_or_else(|| ProviderError("no Stripe keys for the payment's mode here".into()))?;
        let intent = payment.provider_reference.as_deref().ok_or_else(|| {
            StoreError::Internal(format!("{} succeeded without a PaymentIntent", payment.id))
        })?;
        Ok(stripe
            .refund(RefundRequest {
                intent,
                payment_id: payment.id.as_str(),
                account_id: account.as_str(),
            })
            .await?)
    }
}
