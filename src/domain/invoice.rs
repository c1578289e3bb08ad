//! Invoices: one per completed payment attempt of a link or a charge, and adjustments the
//! merchant issues by hand (a charge, or with a negative amount a credit).

use std::fmt;

use super::Invalid;
use super::ids::{CustomerId, InvoiceId, PaymentId};
use super::money::{Currency, PaymentAmount};
use super::payment::{Payment, wire_enum};
use super::text::{Description, ScalarMetadata};
use super::time::Timestamp;

wire_enum!(
    InvoiceStatus {
        Draft => "draft",
        Outstanding => "outstanding",
        Paid => "paid",
        Void => "void",
        Uncollectible => "uncollectible",
    }
);

wire_enum!(
    /// What `PUT /invoices/{id}/status` may set: an outside settlement, or a write-off.
    InvoiceSettlement { Paid => "paid", Void => "void" }
);

impl InvoiceSettlement {
    pub fn status(&self) -> InvoiceStatus {
        match self {
            InvoiceSettlement::Paid => InvoiceStatus::Paid,
            InvoiceSettlement::Void => InvoiceStatus::Void,
        }
    }
}

/// Sequential per account from 1, shown as `INV-000001` (more digits past 999999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InvoiceNumber(u64);

impl InvoiceNumber {
    pub const FIRST: InvoiceNumber = InvoiceNumber(1);

    pub fn new(value: u64) -> Result<Self, Invalid> {
        if value == 0 {
            Err(Invalid::new("invoice numbers start at 1"))
        } else {
            Ok(Self(value))
        }
    }

    /// The number after the last one issued (`None`: none issued yet).
    pub fn after(last: Option<InvoiceNumber>) -> Self {
        Self(last.map_or(1, |n| n.0 + 1))
    }

    pub fn get(&self) -> u64 {
        self.0
    }

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        text.strip_prefix("INV-")
            .and_then(|digits| digits.parse().ok())
            .ok_or_else(|| Invalid::new("must look like INV-000001"))
            .and_then(Self::new)
    }
}

impl fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "INV-{:06}", self.0)
    }
}

wire_enum!(
    /// What gave rise to an invoice, as Commet's `invoiceType` names it.
    InvoiceType { OneTimePayment => "one_time_payment", Adjustment => "adjustment" }
);

/// What an invoice is of: a payment attempt, or an adjustment issued by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvoiceOrigin {
    Payment(PaymentId),
    Adjustment,
}

/// An adjustment's amount in minor units: a charge from 1 to 99,999,999, or a credit from
/// -1 to -99,999,999 (the same bound as a payment's, either way). Never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdjustmentAmount(i64);

impl AdjustmentAmount {
    pub fn new(minor_units: i128) -> Result<Self, Invalid> {
        let max = i128::from(PaymentAmount::MAX);
        if minor_units != 0 && (-max..=max).contains(&minor_units) {
            Ok(Self(minor_units as i64))
        } else {
            Err(Invalid::new(format!(
                "must be a non-zero integer from -{0} to {0} (minor units; negative for a credit)",
                PaymentAmount::MAX
            )))
        }
    }

    pub fn minor_units(&self) -> i64 {
        self.0
    }
}

/// What the merchant asks an adjustment invoice to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdjustment {
    pub customer_id: CustomerId,
    pub amount: AdjustmentAmount,
    pub currency: Currency,
    pub description: Description,
    pub metadata: Option<ScalarMetadata>,
}

/// One line: a payment's description, or an adjustment's, quantity 1. Amounts are signed: an
/// adjustment may credit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    pub description: String,
    pub quantity: u32,
    pub unit_amount: i64,
}

impl LineItem {
    pub fn amount(&self) -> i64 {
        self.unit_amount.saturating_mul(i64::from(self.quantity))
    }
}

/// A payment's amount as an invoice's (signed) amount. Payments are at most 99,999,999 plus
/// tax, so this never saturates.
fn signed(minor_units: u64) -> i64 {
    i64::try_from(minor_units).unwrap_or(i64::MAX)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub id: InvoiceId,
    pub customer_id: CustomerId,
    pub origin: InvoiceOrigin,
    pub number: InvoiceNumber,
    pub status: InvoiceStatus,
    pub currency: Currency,
    /// Negative only for a credit (an adjustment); a payment's invoice is never negative.
    pub subtotal: i64,
    pub tax: i64,
    /// A payment's (strings) or an adjustment's (`ScalarMetadata`'s values).
    pub metadata: Option<ScalarMetadata>,
    pub line_items: Vec<LineItem>,
    /// Issue date, period start and end, and due date of a one-time payment are all this moment.
    pub issued_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub livemode: bool,
}

impl Invoice {
    /// The one status an invoice may be settled from (`paid` or `void` by hand). The store's
    /// conditional status change is built from it.
    pub const SETTLEABLE: InvoiceStatus = InvoiceStatus::Outstanding;

    /// The statuses an invoice may be e-mailed in: outstanding (a bill) or paid (its receipt).
    /// The store's conditional send is built from it.
    pub const SENDABLE: [InvoiceStatus; 2] = [InvoiceStatus::Outstanding, InvoiceStatus::Paid];

    pub fn is_sendable(&self) -> bool {
        Self::SENDABLE.contains(&self.status)
    }

    /// The invoice as settling it at `now` leaves it, if it may be settled.
    pub fn settled(&self, settlement: InvoiceSettlement, now: Timestamp) -> Option<Invoice> {
        (self.status == Self::SETTLEABLE).then(|| Invoice {
            status: settlement.status(),
            updated_at: now,
            ..self.clone()
        })
    }

    /// The `one_time_payment` invoice of a payment: `paid` when the payment succeeded,
    /// `outstanding` when it was declined. Its number is a placeholder until the store assigns
    /// the next one in the transaction that writes the invoice.
    pub fn for_payment(
        payment: &Payment,
        customer_id: CustomerId,
        status: InvoiceStatus,
        now: Timestamp,
    ) -> Self {
        Self {
            id: InvoiceId::generate(),
            customer_id,
            origin: InvoiceOrigin::Payment(payment.id.clone()),
            number: InvoiceNumber::FIRST,
            status,
            currency: payment.currency,
            subtotal: signed(payment.amounts.subtotal),
            tax: signed(payment.amounts.tax),
            metadata: payment.metadata.clone().map(ScalarMetadata::from),
            line_items: vec![LineItem {
                description: payment.description.as_str().to_owned(),
                quantity: 1,
                unit_amount: signed(payment.amounts.subtotal),
            }],
            issued_at: now,
            created_at: now,
            updated_at: now,
            livemode: payment.livemode,
        }
    }

    /// An `adjustment` invoice, `outstanding` until it is settled by hand (`paid` or `void`):
    /// one line, untaxed (the amount is what the merchant says it is). Its number is a
    /// placeholder until the store assigns the next one.
    pub fn adjustment(adjustment: NewAdjustment, now: Timestamp, livemode: bool) -> Self {
        let amount = adjustment.amount.minor_units();
        Self {
            id: InvoiceId::generate(),
            customer_id: adjustment.customer_id,
            origin: InvoiceOrigin::Adjustment,
            number: InvoiceNumber::FIRST,
            status: InvoiceStatus::Outstanding,
            currency: adjustment.currency,
            subtotal: amount,
            tax: 0,
            metadata: adjustment.metadata,
            line_items: vec![LineItem {
                description: adjustment.description.as_str().to_owned(),
                quantity: 1,
                unit_amount: amount,
            }],
            issued_at: now,
            created_at: now,
            updated_at: now,
            livemode,
        }
    }

    pub fn invoice_type(&self) -> InvoiceType {
        match self.origin {
            InvoiceOrigin::Payment(_) => InvoiceType::OneTimePayment,
            InvoiceOrigin::Adjustment => InvoiceType::Adjustment,
        }
    }

    /// The payment it is the invoice of; `None` for an adjustment.
    pub fn payment_id(&self) -> Option<&PaymentId> {
        match &self.origin {
            InvoiceOrigin::Payment(id) => Some(id),
            InvoiceOrigin::Adjustment => None,
        }
    }

    /// A credit: what it totals is owed to the customer, not by them.
    pub fn is_credit(&self) -> bool {
        self.total() < 0
    }

    pub fn total(&self) -> i64 {
        self.subtotal.saturating_add(self.tax)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_sequential_and_padded() {
        assert_eq!(InvoiceNumber::after(None).to_string(), "INV-000001");
        let n = InvoiceNumber::new(41).unwrap();
        assert_eq!(InvoiceNumber::after(Some(n)).to_string(), "INV-000042");
        assert_eq!(
            InvoiceNumber::new(1_234_567).unwrap().to_string(),
            "INV-1234567"
        );
        assert!(InvoiceNumber::new(0).is_err());
        assert_eq!(InvoiceNumber::parse("INV-000042").unwrap().get(), 42);
        assert!(InvoiceNumber::parse("42").is_err());
    }

    #[test]
    fn adjustment_amounts_are_bounded_and_never_zero() {
        assert_eq!(AdjustmentAmount::new(-2500).unwrap().minor_units(), -2500);
        assert_eq!(
            AdjustmentAmount::new(99_999_999).unwrap().minor_units(),
            99_999_999
        );
        assert!(AdjustmentAmount::new(-99_999_999).is_ok());
        for refused in [0, 100_000_000, -100_000_000, i128::MAX, i128::MIN] {
            assert!(AdjustmentAmount::new(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn an_adjustment_is_an_outstanding_untaxed_invoice_of_no_payment() {
        let credit = Invoice::adjustment(
            NewAdjustment {
                customer_id: CustomerId::generate(),
                amount: AdjustmentAmount::new(-1250).unwrap(),
                currency: Currency::parse("eur").unwrap(),
                description: Description::parse("Service credit").unwrap(),
                metadata: None,
            },
            Timestamp::now(),
            false,
        );
        assert_eq!(credit.invoice_type(), InvoiceType::Adjustment);
        assert_eq!(credit.payment_id(), None);
        assert_eq!(credit.status, InvoiceStatus::Outstanding);
        assert_eq!(
            (credit.subtotal, credit.tax, credit.total()),
            (-1250, 0, -1250)
        );
        assert_eq!(credit.line_items[0].amount(), -1250);
        assert!(credit.is_credit());
    }

    #[test]
    fn settlements_map_to_statuses() {
        assert_eq!(
            InvoiceSettlement::parse("paid").unwrap().status(),
            InvoiceStatus::Paid
        );
        assert_eq!(
            InvoiceSettlement::parse("void").unwrap().status(),
            InvoiceStatus::Void
        );
        assert!(InvoiceSettlement::parse("uncollectible").is_err());
    }
}
