//! Invoices: one per completed payment attempt of a link or a charge.

use std::fmt;

use super::Invalid;
use super::ids::{CustomerId, InvoiceId, PaymentId};
use super::money::Currency;
use super::payment::{Payment, wire_enum};
use super::text::Metadata;
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

/// A `one_time` line: the payment's description, quantity 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    pub description: String,
    pub quantity: u32,
    pub unit_amount: u64,
}

impl LineItem {
    pub fn amount(&self) -> u64 {
        self.unit_amount.saturating_mul(u64::from(self.quantity))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub id: InvoiceId,
    pub customer_id: CustomerId,
    pub payment_id: PaymentId,
    pub number: InvoiceNumber,
    pub status: InvoiceStatus,
    pub currency: Currency,
    pub subtotal: u64,
    pub tax: u64,
    pub metadata: Option<Metadata>,
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
            payment_id: payment.id.clone(),
            number: InvoiceNumber::FIRST,
            status,
            currency: payment.currency,
            subtotal: payment.amounts.subtotal,
            tax: payment.amounts.tax,
            metadata: payment.metadata.clone(),
            line_items: vec![LineItem {
                description: payment.description.as_str().to_owned(),
                quantity: 1,
                unit_amount: payment.amounts.subtotal,
            }],
            issued_at: now,
            created_at: now,
            updated_at: now,
            livemode: payment.livemode,
        }
    }

    pub fn total(&self) -> u64 {
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
