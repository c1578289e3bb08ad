//! Customers of an account.

use super::Invalid;
use super::address::Address;
use super::card::PaymentMethod;
use super::ids::CustomerId;
use super::text::{Email, ExternalId, FullName, Metadata, Timezone};
use super::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    pub external_id: Option<ExternalId>,
    pub email: Email,
    pub full_name: Option<FullName>,
    pub address: Option<Address>,
    pub timezone: Option<Timezone>,
    pub metadata: Option<Metadata>,
    /// The card vaulted by the customer's last successful payment on a hosted page.
    pub payment_method: Option<PaymentMethod>,
    /// The customer at the provider (Stripe's `cus_...`), made when they first pay there, so
    /// that every attempt of theirs uses the same one. Internal: not on the wire.
    pub provider_customer: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub livemode: bool,
}

/// A validated request to create a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub email: Email,
    pub external_id: Option<ExternalId>,
    pub full_name: Option<FullName>,
    pub address: Option<Address>,
    pub timezone: Option<Timezone>,
    pub metadata: Option<Metadata>,
}

impl Customer {
    pub fn create(request: NewCustomer, now: Timestamp, livemode: bool) -> Self {
        Self {
            id: CustomerId::generate(),
            external_id: request.external_id,
            email: request.email,
            full_name: request.full_name,
            address: request.address,
            timezone: request.timezone,
            metadata: request.metadata,
            payment_method: None,
            provider_customer: None,
            created_at: now,
            updated_at: now,
            livemode,
        }
    }
}

/// Wherever a request names a customer it may use the `cus_` id or the caller's `externalId`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CustomerRef {
    Id(CustomerId),
    External(ExternalId),
}

impl CustomerRef {
    /// `cus_…` is always read as an id (external ids may not start with it), anything else as an
    /// external id.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        if text.starts_with(CustomerId::PREFIX) {
            CustomerId::parse(text).map(Self::Id)
        } else {
            ExternalId::parse(text).map(Self::External)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_ref_tells_ids_from_external_ids() {
        let id = CustomerId::generate();
        assert_eq!(
            CustomerRef::parse(id.as_str()).unwrap(),
            CustomerRef::Id(id)
        );
        assert!(matches!(
            CustomerRef::parse("user-42").unwrap(),
            CustomerRef::External(_)
        ));
        assert!(CustomerRef::parse("cus_not-a-ulid").is_err());
        assert!(CustomerRef::parse("").is_err());
    }
}
