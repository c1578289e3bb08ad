use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::{StoreError, keys, sort_key, stored, stored_opt};
use crate::domain::ids::{AccountId, CustomerId, InvoiceId, PaymentId, StripeAccountId};
use crate::domain::money::{Amounts, Currency};
use crate::domain::payment::{
    CardSummary, Dispute, DisputeStatus, Failure, Payment, PaymentKind, PaymentStatus, Provider,
    Refunds,
};
use crate::domain::text::{Description, Metadata, SuccessUrl};
use crate::domain::time::Timestamp;
use crate::store::projection::{Listed, Projection};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentItem {
    // Stored always; absent only from a listing's projection (`Listed::UNLISTED`).
    #[serde(default)]
    pub pk: String,
    #[serde(default)]
    pub sk: String,
    #[serde(default)]
    pub gsi1pk: String,
    #[serde(default)]
    pub gsi1sk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    /// In the account's transactions once it has one (absent from payments written before that
    /// index, until `admin index`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi3pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi3sk: Option<String>,
    /// In the account's transactions of its transaction's status, moved by every write that
    /// changes it (absent as `gsi3`'s keys are).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi4pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi4sk: Option<String>,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    pub kind: String,
    pub status: String,
    pub provider: String,
    /// The connected Stripe account the payment is made on (Stripe Connect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_account: Option<String>,
    pub amount_subtotal: u64,
    pub tax_amount: u64,
    pub amount_total: u64,
    pub currency: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_brand: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_last4: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_reference: Option<String>,
    /// When the current hosted-page attempt began (only while `processing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_started_at: Option<String>,
    /// While an attempt that took over a left one runs: when the earliest taken over began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsettled_since: Option<String>,
    /// While `processing`: the provider payments its attempts made, recorded before each could
    /// be paid.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open_references: Vec<String>,
    /// Refunded so far (minor units), and what the latest refund added: both or neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_refunded: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_refund_amount: Option<u64>,
    /// The provider's dispute of the charge: its id, amount, reason and status (all but the
    /// reason, or none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_amount: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_status: Option<String>,
    /// When the completion made it `succeeded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<String>,
    /// When a link's last attempt began (`Payment::attempted_at`), kept once it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub livemode: bool,
    /// Bumped by every write; lets tests (and later, optimistic updates) see how often an item
    /// changed.
    #[serde(default)]
    pub version: u64,
}

impl Listed for PaymentItem {
    /// The keys and the write counter, which no payment shows.
    const UNLISTED: &'static [&'static str] = &[
        "pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "gsi4pk", "gsi4sk",
        "version",
    ];

    fn projection() -> &'static Projection {
        static LISTED: LazyLock<Projection> = LazyLock::new(Projection::of::<PaymentItem>);
        &LISTED
    }
}

impl PaymentItem {
    pub fn new(account: &AccountId, payment: &Payment) -> Self {
        let sort = sort_key(&payment.created_at, payment.id.as_str());
        let by_customer = payment
            .customer_id
            .as_ref()
            .map(|customer| keys::customer_payments(account, customer));
        let status = payment.transaction_status();
        let started = sort_key(&payment.transaction_started_at(), payment.id.as_str());
        Self {
            pk: keys::payment(account, &payment.id),
            sk: keys::PAYMENT_SK.to_owned(),
            gsi1pk: keys::account_payments(account),
            gsi1sk: sort.clone(),
            gsi2sk: by_customer.as_ref().map(|_| sort.clone()),
            gsi2pk: by_customer,
            gsi3pk: status.map(|_| keys::account_transactions(account)),
            gsi3sk: status.map(|_| started.clone()),
            gsi4pk: status.map(|status| keys::account_transactions_of_status(account, status)),
            gsi4sk: status.map(|_| started),
            id: payment.id.to_string(),
            customer_id: payment.customer_id.as_ref().map(ToString::to_string),
            kind: payment.kind.as_str().to_owned(),
            status: payment.status.as_str().to_owned(),
            provider: payment.provider.as_str().to_owned(),
            stripe_account: payment.stripe_account.as_ref().map(ToString::to_string),
            amount_subtotal: payment.amounts.subtotal,
            tax_amount: payment.amounts.tax,
            amount_total: payment.amounts.total(),
            currency: payment.currency.code(),
            description: payment.description.as_str().to_owned(),
            metadata: payment.metadata.clone().map(Metadata::into_entries),
            url: payment.url.clone(),
            success_url: payment
                .success_url
                .as_ref()
                .map(|url| url.as_str().to_owned()),
            invoice_id: payment.invoice_id.as_ref().map(ToString::to_string),
            failure_code: payment.failure.as_ref().map(|f| f.code.clone()),
            failure_message: payment.failure.as_ref().map(|f| f.message.clone()),
            card_brand: payment.card.as_ref().map(|c| c.brand.clone()),
            card_last4: payment.card.as_ref().map(|c| c.last4.clone()),
            provider_reference: payment.provider_reference.clone(),
            attempt_started_at: None,
            unsettled_since: None,
            open_references: Vec::new(),
            amount_refunded: payment.refunds.map(|refunds| refunds.total),
            last_refund_amount: payment.refunds.map(|refunds| refunds.last),
            dispute_id: payment.dispute.as_ref().map(|d| d.id.clone()),
            dispute_amount: payment.dispute.as_ref().map(|d| d.amount),
            dispute_reason: payment.dispute.as_ref().and_then(|d| d.reason.clone()),
            dispute_status: payment
                .dispute
                .as_ref()
                .map(|d| d.status.as_str().to_owned()),
            paid_at: payment.paid_at.map(|at| at.to_string()),
            attempted_at: payment.attempted_at.map(|at| at.to_string()),
            created_at: payment.created_at.to_string(),
            updated_at: payment.updated_at.to_string(),
            livemode: payment.livemode,
            version: 1,
        }
    }

    pub fn into_domain(self) -> Result<Payment, StoreError> {
        let amounts = Amounts {
            subtotal: self.amount_subtotal,
            tax: self.tax_amount,
        };
        if amounts.total() != self.amount_total {
            return Err(StoreError::corrupt(format!(
                "payment {} total does not add up",
                self.id
            )));
        }
        let failure = match (self.failure_code, self.failure_message) {
            (Some(code), Some(message)) => Some(Failure { code, message }),
            _ => None,
        };
        let card = match (self.card_brand, self.card_last4) {
            (Some(brand), Some(last4)) => Some(CardSummary { brand, last4 }),
            _ => None,
        };
        let refunds = match (self.amount_refunded, self.last_refund_amount) {
            (None, None) => None,
            (Some(total), Some(last)) if last <= total && total <= amounts.total() => {
                Some(Refunds { total, last })
            }
            _ => {
                return Err(StoreError::corrupt(format!(
                    "payment {} refunds do not add up",
                    self.id
                )));
            }
        };
        let dispute = match (self.dispute_id, self.dispute_amount, self.dispute_status) {
            (None, None, None) => None,
            (Some(id), Some(amount), Some(status)) => Some(Dispute {
                id,
                amount,
                reason: self.dispute_reason,
                status: stored("disputeStatus", DisputeStatus::parse(&status))?,
            }),
            _ => {
                return Err(StoreError::corrupt(format!(
                    "payment {} has part of a dispute",
                    self.id
                )));
            }
        };
        Ok(Payment {
            id: stored("id", PaymentId::parse(&self.id))?,
            customer_id: stored_opt("customerId", self.customer_id.as_deref(), CustomerId::parse)?,
            kind: stored("kind", PaymentKind::parse(&self.kind))?,
            status: stored("status", PaymentStatus::parse(&self.status))?,
            provider: stored("provider", Provider::parse(&self.provider))?,
            stripe_account: stored_opt(
                "stripeAccount",
                self.stripe_account.as_deref(),
                StripeAccountId::parse,
            )?,
            amounts,
            currency: stored("currency", Currency::parse(&self.currency))?,
            description: stored("description", Description::parse(&self.description))?,
            metadata: self
                .metadata
                .map(|entries| stored("metadata", Metadata::new(entries)))
                .transpose()?,
            url: self.url,
            success_url: stored_opt("successUrl", self.success_url.as_deref(), SuccessUrl::parse)?,
            invoice_id: stored_opt("invoiceId", self.invoice_id.as_deref(), InvoiceId::parse)?,
            failure,
            card,
            provider_reference: self.provider_reference,
            attempt_started_at: stored_opt(
                "attemptStartedAt",
                self.attempt_started_at.as_deref(),
                Timestamp::parse,
            )?,
            unsettled_since: stored_opt(
                "unsettledSince",
                self.unsettled_since.as_deref(),
                Timestamp::parse,
            )?,
            open_references: self.open_references,
            refunds,
            dispute,
            paid_at: stored_opt("paidAt", self.paid_at.as_deref(), Timestamp::parse)?,
            attempted_at: stored_opt(
                "attemptedAt",
                self.attempted_at.as_deref(),
                Timestamp::parse,
            )?,
            created_at: stored("createdAt", Timestamp::parse(&self.created_at))?,
            updated_at: stored("updatedAt", Timestamp::parse(&self.updated_at))?,
            livemode: self.livemode,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_aux::serde_introspection::serde_introspect;

    use super::*;
    use crate::domain::money::PaymentAmount;
    use crate::domain::payment::{NewLink, Route};
    use crate::store::items::{from_item, to_item};

    /// A payment with every optional field set: a projection that left one out would lose it.
    fn every_field_set() -> Payment {
        let now = Timestamp::now();
        let mut payment = Payment::new_link(
            NewLink {
                amount: PaymentAmount::new(2500).unwrap(),
                currency: Currency::parse("eur").unwrap(),
                description: Description::parse("Every field").unwrap(),
                customer: None,
                success_url: Some(SuccessUrl::parse("https://shop.example/thanks").unwrap()),
                metadata: Some(Metadata::new(BTreeMap::from([("a".into(), "1".into())])).unwrap()),
            },
            Some(CustomerId::generate()),
            190,
            Route::sandbox(),
            "https://pay.example",
            now,
        );
        payment.stripe_account = Some(StripeAccountId::parse("acct_1Abc").unwrap());
        payment.invoice_id = Some(InvoiceId::generate());
        payment.failure = Some(Failure {
            code: "card_declined".into(),
            message: "The card was declined.".into(),
        });
        payment.card = Some(CardSummary {
            brand: "visa".into(),
            last4: "4242".into(),
        });
        payment.provider_reference = Some("pi_123".into());
        payment.attempt_started_at = Some(now);
        payment.unsettled_since = Some(now);
        payment.open_references = vec!["pi_left".into(), "pi_current".into()];
        payment.refunds = Some(Refunds {
            total: 700,
            last: 200,
        });
        payment.dispute = Some(Dispute {
            id: "dp_1".into(),
            amount: 2500,
            reason: Some("fraudulent".into()),
            status: DisputeStatus::Open,
        });
        payment.paid_at = Some(now);
        payment.attempted_at = Some(now);
        // Attempted, so that it is in the account's transactions too.
        payment.status = PaymentStatus::Succeeded;
        payment
    }

    /// As stored: a new item has no attempt, which only the attempt's own update writes.
    fn stored(payment: &Payment) -> PaymentItem {
        let mut item = PaymentItem::new(&AccountId::generate(), payment);
        item.attempt_started_at = payment.attempt_started_at.map(|at| at.to_string());
        item.unsettled_since = payment.unsettled_since.map(|at| at.to_string());
        item.open_references = payment.open_references.clone();
        item
    }

    #[test]
    fn a_listed_payment_is_the_stored_payment() {
        let payment = every_field_set();
        let mut item = to_item(&stored(&payment)).unwrap();
        let unset: Vec<_> = serde_introspect::<PaymentItem>()
            .iter()
            .filter(|field| !item.contains_key(**field))
            .collect();
        assert!(unset.is_empty(), "the sample leaves {unset:?} unset");
        let read: HashSet<&str> = PaymentItem::projection().attributes().collect();
        item.retain(|name, _| read.contains(name.as_str()));
        assert_eq!(
            item.len(),
            serde_introspect::<PaymentItem>().len() - PaymentItem::UNLISTED.len()
        );
        let listed = from_item::<PaymentItem>(item)
            .unwrap()
            .into_domain()
            .unwrap();
        assert_eq!(listed, payment);
    }
}
