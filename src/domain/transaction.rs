//! Commet's transactions: one payment attempt each. Here a payment has one, once an attempt was
//! made (a link paid or tried on its page, a charge asked of the provider), named `txn_` with the
//! payment's own ULID; a pending or canceled link has none yet.

use super::Invalid;
use super::customer::Customer;
use super::ids::InvoiceId;
use super::invoice::Invoice;
use super::payment::{Payment, PaymentStatus, wire_enum};
use super::refund::NotRefundable;
use super::text::Email;
use super::time::Timestamp;

wire_enum!(
    TransactionStatus {
        Pending => "pending",
        Succeeded => "succeeded",
        Failed => "failed",
        Refunded => "refunded",
        Disputed => "disputed",
    }
);

/// A payment's transaction, with what Commet's transaction shows of its payer and its payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub payment: Payment,
    pub status: TransactionStatus,
    pub customer: Option<Customer>,
    /// When it was paid: its paid invoice was made in the same write.
    pub paid_at: Option<Timestamp>,
}

impl Payment {
    /// Its transaction's status; `None` while no attempt was made. Refunded means refunded in
    /// full; a dispute that is open or lost shows as disputed, a won one no longer.
    pub fn transaction_status(&self) -> Option<TransactionStatus> {
        Some(match self.status {
            PaymentStatus::Pending | PaymentStatus::Canceled => return None,
            PaymentStatus::Processing => TransactionStatus::Pending,
            PaymentStatus::Failed | PaymentStatus::RequiresAction => TransactionStatus::Failed,
            // What the API may still refund tells it (`Payment::refund_asked`).
            PaymentStatus::Succeeded => match self.refund_asked() {
                Err(NotRefundable::Disputed(_)) => TransactionStatus::Disputed,
                Err(NotRefundable::AlreadyRefunded) => TransactionStatus::Refunded,
                Ok(_) | Err(NotRefundable::NotPaid(_)) => TransactionStatus::Succeeded,
            },
        })
    }

    /// When its transaction began, the transaction's `createdAt`, by which transactions are
    /// listed: its last attempt on the hosted page, else (a charge, a link last tried before
    /// `attempted_at` was recorded) its creation.
    pub fn transaction_started_at(&self) -> Timestamp {
        self.attempted_at.unwrap_or(self.created_at)
    }
}

/// Which transactions a listing shows: of one status, of customers with one e-mail address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransactionFilter {
    pub status: Option<TransactionStatus>,
    pub customer_email: Option<Email>,
}

impl TransactionFilter {
    /// Whether `payment`'s transaction is listed, as far as the payment alone tells: a filter by
    /// e-mail also needs its customer (`keeps_customer`).
    pub fn keeps_payment(&self, payment: &Payment) -> bool {
        let Some(status) = payment.transaction_status() else {
            return false;
        };
        self.status.is_none_or(|wanted| wanted == status)
            && (self.customer_email.is_none() || payment.customer_id.is_some())
    }

    /// Whether a transaction of `customer` is listed.
    pub fn keeps_customer(&self, customer: Option<&Customer>) -> bool {
        match (&self.customer_email, customer) {
            (None, _) => true,
            (Some(wanted), Some(customer)) => customer.email.same_address(wanted),
            (Some(_), None) => false,
        }
    }
}

impl Transaction {
    /// The invoice to read for `payment`'s transaction: its paid invoice, made when it was
    /// paid, only where the payment does not say when (completed before it recorded that).
    pub fn paid_invoice_needed(payment: &Payment) -> Option<&InvoiceId> {
        let unrecorded = payment.status == PaymentStatus::Succeeded && payment.paid_at.is_none();
        payment.invoice_id.as_ref().filter(|_| unrecorded)
    }

    /// `payment`'s transaction, if it has one, with its customer and, for a payment paid
    /// before it recorded when (`paid_invoice_needed`), its invoice as read.
    pub fn of(
        payment: Payment,
        customer: Option<Customer>,
        invoice: Option<&Invoice>,
    ) -> Option<Self> {
        let status = payment.transaction_status()?;
        let paid_at = (payment.status == PaymentStatus::Succeeded)
            .then(|| {
                payment
                    .paid_at
                    .or(invoice.map(|invoice| invoice.created_at))
            })
            .flatten();
        Some(Self {
            payment,
            status,
            customer,
            paid_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::invoice::InvoiceStatus;
    use crate::domain::payment::tests::{disputed, link, paid};
    use crate::domain::payment::{DisputeStatus, Refunds};

    #[test]
    fn a_payment_has_a_transaction_once_an_attempt_was_made() {
        let status = |payment: Payment| payment.transaction_status();
        for unattempted in [PaymentStatus::Pending, PaymentStatus::Canceled] {
            let payment = Payment {
                status: unattempted,
                ..link()
            };
            assert_eq!(status(payment), None);
        }
        for (payment_status, transaction) in [
            (PaymentStatus::Processing, TransactionStatus::Pending),
            (PaymentStatus::Failed, TransactionStatus::Failed),
            (PaymentStatus::RequiresAction, TransactionStatus::Failed),
            (PaymentStatus::Succeeded, TransactionStatus::Succeeded),
        ] {
            let payment = Payment {
                status: payment_status,
                ..link()
            };
            assert_eq!(status(payment), Some(transaction));
        }
    }

    #[test]
    fn refunded_in_full_or_disputed_shows_on_the_transaction() {
        let refunded = |total| Payment {
            refunds: Some(Refunds { total, last: total }),
            ..paid()
        };
        assert_eq!(
            refunded(2499).transaction_status(),
            Some(TransactionStatus::Succeeded)
        );
        assert_eq!(
            refunded(2500).transaction_status(),
            Some(TransactionStatus::Refunded)
        );
        for (dispute, transaction) in [
            (DisputeStatus::Open, TransactionStatus::Disputed),
            (DisputeStatus::Lost, TransactionStatus::Disputed),
            (DisputeStatus::Won, TransactionStatus::Succeeded),
        ] {
            assert_eq!(disputed(dispute).transaction_status(), Some(transaction));
        }
    }

    #[test]
    fn a_filter_keeps_transactions_of_its_status_and_its_customers_address() {
        let customer = Customer::example();
        let other = Customer {
            email: Email::parse("someone.else@example.org").unwrap(),
            ..Customer::example()
        };
        let of_customer = Payment {
            customer_id: Some(customer.id.clone()),
            ..paid()
        };
        let unfiltered = TransactionFilter::default();
        assert!(unfiltered.keeps_payment(&paid()) && unfiltered.keeps_customer(None));
        assert!(!unfiltered.keeps_payment(&link()));

        let refunded = TransactionFilter {
            status: Some(TransactionStatus::Refunded),
            ..TransactionFilter::default()
        };
        assert!(!refunded.keeps_payment(&paid()));
        let refunded_payment = Payment {
            refunds: Some(Refunds {
                total: paid().amounts.total(),
                last: 1,
            }),
            ..paid()
        };
        assert!(refunded.keeps_payment(&refunded_payment));

        let shouted = customer.email.as_str().to_uppercase();
        let by_email = TransactionFilter {
            customer_email: Some(Email::parse(&shouted).unwrap()),
            ..TransactionFilter::default()
        };
        assert!(by_email.keeps_payment(&of_customer) && !by_email.keeps_payment(&paid()));
        assert!(by_email.keeps_customer(Some(&customer)));
        assert!(!by_email.keeps_customer(Some(&other)) && !by_email.keeps_customer(None));
    }

    #[test]
    fn only_a_link_never_tried_or_canceled_has_no_transaction() {
        for status in PaymentStatus::ALL {
            let payment = Payment {
                status: *status,
                ..link()
            };
            let none = matches!(status, PaymentStatus::Pending | PaymentStatus::Canceled);
            assert_eq!(payment.transaction_status().is_none(), none, "{status:?}");
        }
    }

    #[test]
    fn it_was_paid_when_its_paid_invoice_was_made() {
        let at = Timestamp::parse("2030-01-02T03:04:05.000Z").unwrap();
        let invoice = |payment: &Payment| {
            let customer = crate::domain::ids::CustomerId::generate();
            Invoice::for_payment(payment, customer, InvoiceStatus::Paid, at)
        };
        let paid = paid();
        let transaction = Transaction::of(paid.clone(), None, Some(&invoice(&paid))).unwrap();
        assert_eq!(transaction.paid_at, Some(at));
        let declined = Payment {
            status: PaymentStatus::Failed,
            ..link()
        };
        let transaction = Transaction::of(declined.clone(), None, Some(&invoice(&declined)));
        assert_eq!(transaction.unwrap().paid_at, None);
        assert!(Transaction::of(link(), None, None).is_none());
    }

    #[test]
    fn a_payment_that_says_when_it_was_paid_needs_no_invoice() {
        let at = Timestamp::parse("2030-01-02T03:04:05.000Z").unwrap();
        let before = Payment {
            invoice_id: Some(InvoiceId::generate()),
            ..paid()
        };
        assert_eq!(
            Transaction::paid_invoice_needed(&before),
            before.invoice_id.as_ref(),
            "paid before it recorded when"
        );
        let recorded = Payment {
            paid_at: Some(at),
            ..before.clone()
        };
        assert_eq!(Transaction::paid_invoice_needed(&recorded), None);
        assert_eq!(
            Transaction::of(recorded, None, None).unwrap().paid_at,
            Some(at)
        );
        let declined = Payment {
            status: PaymentStatus::Failed,
            ..before
        };
        assert_eq!(Transaction::paid_invoice_needed(&declined), None);
    }
}
