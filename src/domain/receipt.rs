//! Receipts (docs/contract.md §5): every settled payment e-mails its payer one, written as
//! `pending` with the payment's completion and moved to `sent` or, after the webhook retry
//! schedule's eight attempts, `failed`.

use super::Invalid;
use super::delivery::{ATTEMPT_LEASE, MAX_ATTEMPTS, RetrySchedule, later};
use super::ids::{CustomerId, InvoiceId, PaymentId, ReceiptId};
use super::invoice::Invoice;
use super::money::for_payer;
use super::payment::{Payment, wire_enum};
use super::time::Timestamp;

wire_enum!(
    ReceiptStatus {
        Pending => "pending",
        Sent => "sent",
        Failed => "failed",
    }
);

/// A receipt on its way to a payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub id: ReceiptId,
    pub payment_id: PaymentId,
    pub invoice_id: InvoiceId,
    pub customer_id: CustomerId,
    pub email: String,
    pub status: ReceiptStatus,
    pub attempts: u32,
    /// When the next attempt is due, while `pending`: from the start, a lease's length after
    /// the payment, so that a receipt whose first attempt never ran is still sent.
    pub next_attempt_at: Option<Timestamp>,
    /// The mail service's id of the message, once sent.
    pub message_id: Option<String>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    pub created_at: Timestamp,
}

impl Receipt {
    /// The first attempt is due a lease's length after the payment settled: the stream makes it
    /// at once, and the schedule takes over only if that attempt never happened.
    pub fn first_due(settled_at: Timestamp) -> Timestamp {
        later(settled_at, ATTEMPT_LEASE)
    }

    /// The receipt after one more attempt: `Ok(message id)` sent it; an error schedules the
    /// next attempt while any are left.
    pub fn attempted(
        &self,
        outcome: Result<String, String>,
        at: Timestamp,
        schedule: RetrySchedule,
    ) -> Receipt {
        let attempts = self.attempts + 1;
        match outcome {
            Ok(message_id) => Receipt {
                status: ReceiptStatus::Sent,
                attempts,
                next_attempt_at: None,
                message_id: Some(message_id),
                error: None,
                ..self.clone()
            },
            Err(error) => {
                let next = schedule
                    .delay_after(attempts)
                    .filter(|_| attempts < MAX_ATTEMPTS)
                    .map(|delay| later(at, delay));
                Receipt {
                    status: if next.is_some() {
                        ReceiptStatus::Pending
                    } else {
                        ReceiptStatus::Failed
                    },
                    attempts,
                    next_attempt_at: next,
                    error: Some(error),
                    ..self.clone()
                }
            }
        }
    }
}

/// What a receipt says, in the payer's terms: every amount in the currency's own format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptContent {
    pub merchant: String,
    pub description: String,
    pub subtotal: String,
    pub tax: String,
    pub total: String,
    pub currency: String,
    pub invoice_number: String,
    /// `Visa ending in 4242`, when a card paid.
    pub card: Option<String>,
    /// The day it was paid (UTC), `2026-11-29`.
    pub date: String,
    pub payment_id: String,
}

impl ReceiptContent {
    pub fn of(merchant: &str, payment: &Payment, invoice: &Invoice) -> Result<Self, Invalid> {
        let amount = |minor_units| for_payer(minor_units, &payment.currency);
        let paid_at = payment.updated_at.to_string();
        Ok(Self {
            merchant: merchant.to_owned(),
            description: payment.description.as_str().to_owned(),
            subtotal: amount(invoice.subtotal),
            tax: amount(invoice.tax),
            total: amount(invoice.total()),
            currency: payment.currency.code().to_ascii_uppercase(),
            invoice_number: invoice.number.to_string(),
            card: payment.card.as_ref().map(|card| {
                let mut brand = card.brand.clone();
                if let Some(first) = brand.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                format!("{brand} ending in {}", card.last4)
            }),
            date: paid_at
                .get(..10)
                .ok_or_else(|| Invalid::new("is not a timestamp"))?
                .to_owned(),
            payment_id: payment.id.to_string(),
        })
    }

    pub fn subject(&self) -> String {
        format!(
            "Your receipt from {} ({})",
            self.merchant, self.invoice_number
        )
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn receipt() -> Receipt {
        let at = Timestamp::parse("2026-01-01T00:00:00.000Z").unwrap();
        Receipt {
            id: ReceiptId::generate(),
            payment_id: PaymentId::generate(),
            invoice_id: InvoiceId::generate(),
            customer_id: CustomerId::generate(),
            email: "payer@example.com".into(),
            status: ReceiptStatus::Pending,
            attempts: 0,
            next_attempt_at: Some(Receipt::first_due(at)),
            message_id: None,
            error: None,
            created_at: at,
        }
    }

    #[test]
    fn sent_once_or_failed_after_the_schedule() {
        let at = Timestamp::parse("2026-01-01T00:00:01.000Z").unwrap();
        let sent = receipt().attempted(Ok("m-1".into()), at, RetrySchedule::default());
        assert_eq!(sent.status, ReceiptStatus::Sent);
        assert_eq!(sent.message_id.as_deref(), Some("m-1"));
        assert_eq!(sent.next_attempt_at, None);

        let fast = RetrySchedule {
            minute: Duration::from_secs(1),
        };
        let mut current = receipt();
        for n in 1..=MAX_ATTEMPTS {
            current = current.attempted(Err("throttled".into()), at, fast);
            assert_eq!(current.attempts, n);
            if n < MAX_ATTEMPTS {
                assert_eq!(current.status, ReceiptStatus::Pending);
                assert!(current.next_attempt_at.unwrap() > at);
            }
        }
        assert_eq!(current.status, ReceiptStatus::Failed);
        assert_eq!(current.next_attempt_at, None);
        assert_eq!(current.error.as_deref(), Some("throttled"));
    }
}
