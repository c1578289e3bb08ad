//! Receipts (docs/contract.md §5): every settled payment e-mails its payer one, written as
//! `pending` with the payment's completion and moved to `sent` or, after the webhook retry
//! schedule's eight attempts, `failed`. An invoice sent on request (`POST /invoices/{id}/send`)
//! goes out the same way: a receipt while paid, a bill while outstanding.

use super::Invalid;
use super::delivery::{ATTEMPT_LEASE, MAX_ATTEMPTS, RetrySchedule, later};
use super::ids::{CustomerId, InvoiceId, PaymentId, ReceiptId};
use super::invoice::{Invoice, InvoiceStatus};
use super::isolation::isolated;
use super::money::signed_for_payer;
use super::payment::{Payment, PaymentStatus, wire_enum};
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
    /// The payment its invoice is of; `None` for an adjustment's.
    pub payment_id: Option<PaymentId>,
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

    /// The receipt given up at once: there is nothing it could send, however often it tried
    /// (its invoice voided or gone).
    pub fn abandoned(&self, error: String) -> Receipt {
        Receipt {
            status: ReceiptStatus::Failed,
            attempts: self.attempts + 1,
            next_attempt_at: None,
            error: Some(error),
            ..self.clone()
        }
    }

    /// The receipt held back until `until` (its account's mail cap is reached for this hour):
    /// still pending, and not an attempt, so that however long it waits it is sent, never
    /// given up.
    pub fn deferred(&self, until: Timestamp) -> Receipt {
        Receipt {
            status: ReceiptStatus::Pending,
            next_attempt_at: Some(until),
            error: Some("held back: the account's mails for this hour are all sent".into()),
            ..self.clone()
        }
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

/// What the mail of an invoice is: a receipt once it is paid, a bill while it is outstanding,
/// and a credit note whatever its status when it credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Paid,
    Due,
    Credit,
}

/// What a receipt (or, sent on request, an outstanding invoice) says, in the payer's terms:
/// every amount in the currency's own format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptContent {
    pub standing: Standing,
    pub merchant: String,
    pub description: String,
    pub subtotal: String,
    pub tax: String,
    pub total: String,
    pub currency: String,
    pub invoice_number: String,
    /// `Visa ending in 4242`, when a card paid.
    pub card: Option<String>,
    /// The day it was paid, or while due (and for a credit) the day it was issued (UTC),
    /// `2026-11-29`.
    pub date: String,
    /// The payment it is the invoice of; `None` for an adjustment.
    pub payment_id: Option<String>,
}

impl ReceiptContent {
    /// The mail `invoice` is as it stands now, with the payment it is of (`None` for an
    /// adjustment); an error when it is no longer one to send (void).
    pub fn of(
        merchant: &str,
        payment: Option<&Payment>,
        invoice: &Invoice,
    ) -> Result<Self, Invalid> {
        let amount = |minor_units| signed_for_payer(minor_units, &invoice.currency);
        let (standing, day) = match invoice.status {
            InvoiceStatus::Paid | InvoiceStatus::Outstanding if invoice.is_credit() => {
                (Standing::Credit, invoice.issued_at)
            }
            // Paid by the payment, or marked paid by hand (then `updatedAt` says when).
            InvoiceStatus::Paid => (Standing::Paid, invoice.updated_at),
            InvoiceStatus::Outstanding => (Standing::Due, invoice.issued_at),
            other => {
                return Err(Invalid::new(format!(
                    "the invoice is {}: there is nothing to send",
                    other.as_str()
                )));
            }
        };
        // Only a card that paid is named: a declined charge's invoice paid by hand was not.
        let card = payment
            .filter(|payment| {
                standing == Standing::Paid && payment.status == PaymentStatus::Succeeded
            })
            .and_then(|payment| payment.card.as_ref())
            .map(|card| {
                let mut brand = card.brand.clone();
                if let Some(first) = brand.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                format!("{brand} ending in {}", card.last4)
            });
        Ok(Self {
            standing,
            merchant: merchant.to_owned(),
            description: invoice
                .line_items
                .first()
                .map(|line| line.description.clone())
                .unwrap_or_default(),
            subtotal: amount(invoice.subtotal),
            tax: amount(invoice.tax),
            total: amount(invoice.total()),
            currency: invoice.currency.code().to_ascii_uppercase(),
            invoice_number: invoice.number.to_string(),
            card,
            date: day
                .to_string()
                .get(..10)
                .ok_or_else(|| Invalid::new("is not a timestamp"))?
                .to_owned(),
            payment_id: invoice.payment_id().map(ToString::to_string),
        })
    }

    /// The mail's subject: the merchant's name isolated from the English around it.
    pub fn subject(&self) -> String {
        let merchant = isolated(&self.merchant);
        match self.standing {
            Standing::Paid => format!("Your receipt from {merchant} ({})", self.invoice_number),
            Standing::Due => format!(
                "Invoice {} from {merchant}: {} due",
                self.invoice_number, self.total
            ),
            Standing::Credit => format!(
                "Credit note {} from {merchant}: {} credited",
                self.invoice_number, self.total
            ),
        }
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
            payment_id: Some(PaymentId::generate()),
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

    /// A link of 25.00 USD paid by a Visa, its invoice (with 1.81 tax) and a later moment.
    fn paid() -> (Payment, Invoice, Timestamp) {
        let mut payment = crate::domain::payment::tests::link();
        payment.status = PaymentStatus::Succeeded;
        payment.card = Some(crate::domain::payment::CardSummary {
            brand: "visa".into(),
            last4: "4242".into(),
        });
        let issued = Timestamp::parse("2026-03-01T10:00:00.000Z").unwrap();
        let mut invoice = Invoice::for_payment(
            &payment,
            CustomerId::generate(),
            InvoiceStatus::Paid,
            issued,
        );
        invoice.tax = 181;
        (
            payment,
            invoice,
            Timestamp::parse("2026-03-04T09:00:00.000Z").unwrap(),
        )
    }

    #[test]
    fn a_paid_invoice_is_a_receipt_naming_the_card_that_paid() {
        let (payment, invoice, _) = paid();
        let content = ReceiptContent::of("Shop", Some(&payment), &invoice).unwrap();
        assert_eq!(content.standing, Standing::Paid);
        assert_eq!(content.card.as_deref(), Some("Visa ending in 4242"));
        assert_eq!(content.total, "$26.81");
        assert_eq!(content.date, "2026-03-01");
        assert_eq!(content.subject(), "Your receipt from Shop (INV-000001)");
    }

    #[test]
    fn an_outstanding_invoice_is_a_bill_and_one_paid_by_hand_names_no_card() {
        let (mut payment, mut invoice, later) = paid();
        payment.status = PaymentStatus::Failed;
        invoice.status = InvoiceStatus::Outstanding;
        let due = ReceiptContent::of("Shop", Some(&payment), &invoice).unwrap();
        assert_eq!(due.standing, Standing::Due);
        assert_eq!(due.card, None, "the declined card paid nothing");
        assert_eq!(due.date, "2026-03-01", "the day it was issued");
        assert_eq!(due.subject(), "Invoice INV-000001 from Shop: $26.81 due");

        let by_hand = invoice
            .settled(crate::domain::invoice::InvoiceSettlement::Paid, later)
            .unwrap();
        let receipt = ReceiptContent::of("Shop", Some(&payment), &by_hand).unwrap();
        assert_eq!(receipt.standing, Standing::Paid);
        assert_eq!(receipt.card, None);
        assert_eq!(receipt.date, "2026-03-04", "the day it was marked paid");
    }

    #[test]
    fn an_adjustment_names_no_payment_and_a_credit_is_a_credit_note() {
        use crate::domain::invoice::{AdjustmentAmount, NewAdjustment};
        use crate::domain::money::Currency;
        use crate::domain::text::Description;
        let issued = Timestamp::parse("2026-03-01T10:00:00.000Z").unwrap();
        let adjustment = |minor_units| {
            Invoice::adjustment(
                NewAdjustment {
                    customer_id: CustomerId::generate(),
                    amount: AdjustmentAmount::new(minor_units).unwrap(),
                    currency: Currency::parse("gbp").unwrap(),
                    description: Description::parse("Support hours").unwrap(),
                    metadata: None,
                },
                issued,
                false,
            )
        };
        let bill = ReceiptContent::of("Shop", None, &adjustment(4000)).unwrap();
        assert_eq!(bill.standing, Standing::Due);
        assert_eq!((bill.total.as_str(), bill.payment_id), ("£40.00", None));
        assert_eq!(bill.description, "Support hours");

        let credit = adjustment(-1250);
        let later = Timestamp::parse("2026-03-04T09:00:00.000Z").unwrap();
        for invoice in [
            credit.clone(),
            credit
                .settled(crate::domain::invoice::InvoiceSettlement::Paid, later)
                .unwrap(),
        ] {
            let note = ReceiptContent::of("Shop", None, &invoice).unwrap();
            assert_eq!(note.standing, Standing::Credit);
            assert_eq!(
                (note.total.as_str(), note.card.as_deref()),
                ("-£12.50", None)
            );
            assert_eq!(note.date, "2026-03-01", "the day it was issued");
            assert_eq!(
                note.subject(),
                "Credit note INV-000001 from Shop: -£12.50 credited"
            );
        }
    }

    #[test]
    fn a_void_invoice_is_not_mailed() {
        let (payment, mut invoice, _) = paid();
        invoice.status = InvoiceStatus::Void;
        let refused = ReceiptContent::of("Shop", Some(&payment), &invoice).unwrap_err();
        assert!(refused.to_string().contains("void"), "{refused}");
        let given_up = receipt().abandoned(refused.to_string());
        assert_eq!(given_up.status, ReceiptStatus::Failed);
        assert_eq!(given_up.attempts, 1);
        assert_eq!(given_up.next_attempt_at, None);
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

    #[test]
    fn a_receipt_held_back_by_the_cap_waits_without_using_an_attempt() {
        let until = Timestamp::parse("2026-01-01T01:00:00.000Z").unwrap();
        let mut current = receipt();
        for _ in 0..3 * MAX_ATTEMPTS {
            current = current.deferred(until);
        }
        assert_eq!(current.status, ReceiptStatus::Pending);
        assert_eq!(current.attempts, receipt().attempts);
        assert_eq!(current.next_attempt_at, Some(until));
        assert!(current.error.unwrap().contains("held back"));
    }
}
