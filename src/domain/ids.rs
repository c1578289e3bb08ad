//! Object ids: a type prefix and a ULID (`pay_01JD…`), as the contract specifies.
//!
//! ULIDs sort by creation time and carry 80 random bits, so a freshly generated id never collides
//! with a stored one; the store relies on that to recognise its own retried writes.

use std::fmt;

use sha2::{Digest, Sha256};
use ulid::Ulid;

use super::Invalid;
use super::time::Timestamp;

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, Ulid::generate()))
            }

            /// Accepts exactly `<prefix><26-character ULID>`; the ULID part is case-insensitive
            /// and normalised to its canonical upper case.
            pub fn parse(text: &str) -> Result<Self, Invalid> {
                let body = text
                    .strip_prefix($prefix)
                    .ok_or_else(|| Invalid::new(concat!("must start with `", $prefix, "`")))?;
                let ulid = Ulid::from_string(body)
                    .map_err(|_| Invalid::new(concat!("is not a valid `", $prefix, "` id")))?;
                Ok(Self(format!("{}{}", $prefix, ulid)))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The same id every time for the same `parts`: a ULID whose time is `at` and whose
            /// 80 random bits are the start of the parts' SHA-256, for objects that a redelivered
            /// input must not create twice.
            pub fn derive(at: Timestamp, parts: &[&str]) -> Self {
                let mut digest = Sha256::new();
                for part in parts {
                    digest.update((part.len() as u64).to_be_bytes());
                    digest.update(part.as_bytes());
                }
                let digest = digest.finalize();
                let mut bits = [0u8; 16];
                bits[6..].copy_from_slice(&digest[..10]);
                let millis = u64::try_from(at.datetime().unix_timestamp_nanos() / 1_000_000)
                    .unwrap_or(0);
                let ulid = Ulid::from_parts(millis, u128::from_be_bytes(bits));
                Self(format!("{}{}", $prefix, ulid))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

prefixed_id!(
    /// An account: one organization in one mode (live or sandbox).
    AccountId,
    "acct_"
);
prefixed_id!(
    /// A payment: a hosted link or an off-session charge.
    PaymentId,
    "pay_"
);
prefixed_id!(
    /// A payment's one transaction (its paid attempt), as Commet's `transactions` name it: the
    /// payment's own ULID, so that either id finds the other (`PaymentId::transaction`).
    TransactionId,
    "txn_"
);
prefixed_id!(
    /// A refund of a payment's transaction: the payment's own ULID, since a payment is refunded
    /// through the API once, in full.
    RefundId,
    "rfd_"
);
prefixed_id!(
    /// A customer of an account.
    CustomerId,
    "cus_"
);
prefixed_id!(
    /// An invoice.
    InvoiceId,
    "inv_"
);
prefixed_id!(
    /// A receipt waiting to be sent to a payer.
    ReceiptId,
    "rcpt_"
);
prefixed_id!(
    /// A webhook endpoint of an account.
    WebhookId,
    "whk_"
);
prefixed_id!(
    /// An event sent to webhook endpoints; the same on every attempt of its delivery.
    EventId,
    "whev_"
);
prefixed_id!(
    /// One delivery of an event to one endpoint.
    DeliveryId,
    "whdl_"
);
prefixed_id!(
    /// One attempt of a delivery.
    AttemptId,
    "whda_"
);
prefixed_id!(
    /// An API key's public handle, safe to print and to use for revocation.
    ApiKeyId,
    "key_"
);

impl PaymentId {
    /// The payment's transaction: the same ULID under `txn_`.
    pub fn transaction(&self) -> TransactionId {
        TransactionId(self.0.replacen(Self::PREFIX, TransactionId::PREFIX, 1))
    }

    /// The payment's refund: the same ULID under `rfd_`.
    pub fn refund(&self) -> RefundId {
        RefundId(self.0.replacen(Self::PREFIX, RefundId::PREFIX, 1))
    }
}

impl TransactionId {
    /// The payment whose transaction this is.
    pub fn payment(&self) -> PaymentId {
        PaymentId(self.0.replacen(Self::PREFIX, PaymentId::PREFIX, 1))
    }
}

/// A Stripe account's id (`acct_...`): with Stripe Connect one deployment serves several
/// merchants, each account's payments made on its own connected Stripe account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StripeAccountId(String);

impl StripeAccountId {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let rest = text.strip_prefix("acct_").unwrap_or_default();
        if rest.is_empty() || rest.len() > 250 || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Invalid::new(
                "must be a Stripe account id: acct_ followed by letters and digits",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StripeAccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back() {
        let id = PaymentId::generate();
        assert!(id.as_str().starts_with("pay_"));
        assert_eq!(id.as_str().len(), 4 + 26);
        assert_eq!(PaymentId::parse(id.as_str()).unwrap(), id);
    }

    #[test]
    fn ulid_part_is_case_insensitive() {
        let id = CustomerId::generate();
        let lower = format!("cus_{}", id.as_str()[4..].to_ascii_lowercase());
        assert_eq!(CustomerId::parse(&lower).unwrap(), id);
    }

    #[test]
    fn rejects_wrong_prefix_and_malformed_ulids() {
        let payment = PaymentId::generate();
        assert!(CustomerId::parse(payment.as_str()).is_err());
        assert!(PaymentId::parse("pay_").is_err());
        assert!(PaymentId::parse("pay_123").is_err());
        assert!(PaymentId::parse("pay_01JD0000000000000000000000X").is_err());
        assert!(PaymentId::parse("").is_err());
    }

    #[test]
    fn a_payment_its_transaction_and_its_refund_share_one_ulid() {
        let payment = PaymentId::parse("pay_01JD0000000000000000000000").unwrap();
        let transaction = payment.transaction();
        assert_eq!(transaction.as_str(), "txn_01JD0000000000000000000000");
        assert_eq!(transaction.payment(), payment);
        assert_eq!(payment.refund().as_str(), "rfd_01JD0000000000000000000000");
        assert!(TransactionId::parse(payment.as_str()).is_err());
    }
}
