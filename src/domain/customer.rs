//! Customers of an account.

use super::Invalid;
use super::address::Address;
use super::card::PaymentMethod;
use super::ids::CustomerId;
use super::text::{Email, ExternalId, FullName, ScalarMetadata, TaxDocument, Timezone};
use super::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    pub external_id: Option<ExternalId>,
    pub email: Email,
    pub full_name: Option<FullName>,
    pub tax_document: Option<TaxDocument>,
    pub address: Option<Address>,
    pub timezone: Option<Timezone>,
    pub metadata: Option<ScalarMetadata>,
    /// The card vaulted by the customer's last successful payment on a hosted page.
    pub payment_method: Option<PaymentMethod>,
    /// The customer at the provider (Stripe's `cus_...`), made when they first pay there, so
    /// that every attempt of theirs uses the same one. Internal: not on the wire.
    pub provider_customer: Option<String>,
    /// Archived, as Commet's customer model up to API 2026-05-25 says it (`isActive: false`).
    /// A label: an archived customer can still pay and be charged.
    pub archived: bool,
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
    pub tax_document: Option<TaxDocument>,
    pub address: Option<Address>,
    pub timezone: Option<Timezone>,
    pub metadata: Option<ScalarMetadata>,
}

impl NewCustomer {
    /// A customer known only by their e-mail (a link's payer, for one).
    pub fn with_email(email: Email) -> Self {
        Self {
            email,
            external_id: None,
            full_name: None,
            tax_document: None,
            address: None,
            timezone: None,
            metadata: None,
        }
    }
}

impl Customer {
    pub fn create(request: NewCustomer, now: Timestamp, livemode: bool) -> Self {
        Self::create_as(CustomerId::generate(), request, now, livemode)
    }

    /// A new customer with `id` (one derived from a request's Idempotency-Key, say).
    pub fn create_as(id: CustomerId, request: NewCustomer, now: Timestamp, livemode: bool) -> Self {
        Self {
            id,
            external_id: request.external_id,
            email: request.email,
            full_name: request.full_name,
            tax_document: request.tax_document,
            address: request.address,
            timezone: request.timezone,
            metadata: request.metadata,
            payment_method: None,
            provider_customer: None,
            archived: false,
            created_at: now,
            updated_at: now,
            livemode,
        }
    }
}

/// A validated change to a customer: only the fields given change; `Some(None)` clears an
/// optional one. An address or metadata given replaces the whole of the old one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerChanges {
    pub email: Option<Email>,
    pub external_id: Option<Option<ExternalId>>,
    pub full_name: Option<Option<FullName>>,
    pub tax_document: Option<Option<TaxDocument>>,
    pub address: Option<Option<Address>>,
    pub timezone: Option<Option<Timezone>>,
    pub metadata: Option<Option<ScalarMetadata>>,
    pub archived: Option<bool>,
}

impl CustomerChanges {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether applying these to `customer` would change anything the merchant sees: an update
    /// that would not is no write at all (its time does not move, no event, nothing to tell).
    pub fn change_anything_of(&self, customer: &Customer) -> bool {
        customer.profile_differs(&customer.changed(self, customer.updated_at))
    }

    /// Whether applying these to `customer` would move its external id, which is what needs
    /// the claim items rewritten with it.
    pub fn moves_external_id(&self, customer: &Customer) -> bool {
        self.external_id
            .as_ref()
            .is_some_and(|external| *external != customer.external_id)
    }
}

impl Customer {
    /// The customer as `changes` leave it, changed at `now`.
    pub fn changed(&self, changes: &CustomerChanges, now: Timestamp) -> Self {
        let mut changed = self.clone();
        if let Some(email) = &changes.email {
            changed.email = email.clone();
        }
        if let Some(external_id) = &changes.external_id {
            changed.external_id = external_id.clone();
        }
        if let Some(full_name) = &changes.full_name {
            changed.full_name = full_name.clone();
        }
        if let Some(tax_document) = &changes.tax_document {
            changed.tax_document = tax_document.clone();
        }
        if let Some(address) = &changes.address {
            changed.address = address.clone();
        }
        if let Some(timezone) = &changes.timezone {
            changed.timezone = timezone.clone();
        }
        if let Some(metadata) = &changes.metadata {
            changed.metadata = metadata.clone();
        }
        if let Some(archived) = changes.archived {
            changed.archived = archived;
        }
        changed.updated_at = now;
        changed
    }

    /// Whether anything the merchant sets differs between the two (what `customer.updated`
    /// reports; a vaulted card or the provider's customer is not part of it).
    pub fn profile_differs(&self, other: &Customer) -> bool {
        self.email != other.email
            || self.external_id != other.external_id
            || self.full_name != other.full_name
            || self.tax_document != other.tax_document
            || self.address != other.address
            || self.timezone != other.timezone
            || self.metadata != other.metadata
            || self.archived != other.archived
    }

    /// Their customer at the provider: the one recorded on them, else the one their vaulted
    /// card is saved on (recorded before customers kept their own).
    pub fn known_provider_customer(&self) -> Option<&str> {
        self.provider_customer.as_deref().or_else(|| {
            self.payment_method
                .as_ref()
                .and_then(|method| method.provider_customer.as_deref())
        })
    }
}

/// What the provider's customer must be told so that it names the payer as we do, and names
/// our customer (one made for a link's payer before they were our customer has no id of ours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderProfile<'a> {
    /// Stripe's `cus_…`.
    pub provider_customer: &'a str,
    pub customer_id: &'a CustomerId,
    pub email: &'a Email,
    /// `None` clears the provider's.
    pub full_name: Option<&'a FullName>,
    /// The postal address (what receipts and the provider's fraud checks read); `None` clears
    /// the provider's.
    pub address: Option<&'a Address>,
}

impl<'a> ProviderProfile<'a> {
    /// What the provider's customer must be told after `old` became `new` (`None`: created),
    /// if anything: the e-mail, name and address when one changed, and also when the provider's
    /// customer is newly known (a customer created by a link's payment, or one whose provider
    /// customer may have been made from what was read before a concurrent change).
    pub fn to_sync(old: Option<&Customer>, new: &'a Customer) -> Option<Self> {
        let provider_customer = new.known_provider_customer()?;
        let unchanged = old.is_some_and(|old| {
            old.known_provider_customer() == Some(provider_customer)
                && old.email == new.email
                && old.full_name == new.full_name
                && old.address == new.address
        });
        (!unchanged).then_some(Self {
            provider_customer,
            customer_id: &new.id,
            email: &new.email,
            full_name: new.full_name.as_ref(),
            address: new.address.as_ref(),
        })
    }
}

#[cfg(test)]
impl Customer {
    /// One customer for the crate's unit tests: an external id and a name, nothing else,
    /// created 2026-01-01.
    pub(crate) fn example() -> Self {
        Self::create(
            NewCustomer {
                email: Email::parse("grace@example.com").unwrap(),
                external_id: Some(ExternalId::parse("user-7").unwrap()),
                full_name: Some(FullName::parse("Grace Hopper").unwrap()),
                tax_document: None,
                address: None,
                timezone: None,
                metadata: None,
            },
            Timestamp::parse("2026-01-01T00:00:00.000Z").unwrap(),
            false,
        )
    }
}

/// What the older customer model's list searches for (`?search=`, API up to 2026-05-25): a part
/// of a customer's name, e-mail or externalId, in any case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSearch(String);

impl CustomerSearch {
    const MAX_CHARS: usize = 200;

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > Self::MAX_CHARS {
            return Err(Invalid::new(format!(
                "must be 1 to {} characters",
                Self::MAX_CHARS
            )));
        }
        Ok(Self(text.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, customer: &Customer) -> bool {
        let found = |text: &str| text.to_lowercase().contains(&self.0);
        found(customer.email.as_str())
            || customer
                .full_name
                .as_ref()
                .is_some_and(|name| found(name.as_str()))
            || customer
                .external_id
                .as_ref()
                .is_some_and(|id| found(id.as_str()))
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

    /// The reference as the caller wrote it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Id(id) => id.as_str(),
            Self::External(external) => external.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::address::CountryCode;

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

    #[test]
    fn changes_touch_only_the_fields_given_and_null_clears() {
        let before = Customer::example();
        let later = Timestamp::parse("2026-01-02T00:00:00.000Z").unwrap();
        let changes = CustomerChanges {
            email: Some(Email::parse("g@example.org").unwrap()),
            full_name: Some(None),
            ..CustomerChanges::default()
        };
        let after = before.changed(&changes, later);
        assert_eq!(after.email.as_str(), "g@example.org");
        assert_eq!(after.full_name, None);
        assert_eq!(after.external_id, before.external_id);
        assert_eq!(after.created_at, before.created_at);
        assert_eq!(after.updated_at, later);
        assert!(after.profile_differs(&before));
        assert!(!changes.moves_external_id(&before));
    }

    #[test]
    fn changes_that_give_what_the_customer_has_change_nothing() {
        let customer = Customer::example();
        let same = CustomerChanges {
            email: Some(customer.email.clone()),
            external_id: Some(customer.external_id.clone()),
            full_name: Some(customer.full_name.clone()),
            tax_document: Some(None),
            address: Some(None),
            timezone: Some(None),
            metadata: Some(None),
            archived: Some(false),
        };
        assert!(!same.is_empty());
        assert!(!same.change_anything_of(&customer));
        let renamed = CustomerChanges {
            full_name: Some(None),
            ..same.clone()
        };
        assert!(renamed.change_anything_of(&customer));
        let tagged = CustomerChanges {
            metadata: Some(Some(ScalarMetadata::default())),
            ..same.clone()
        };
        assert!(tagged.change_anything_of(&customer));
        let archived = CustomerChanges {
            archived: Some(true),
            ..same
        };
        assert!(archived.change_anything_of(&customer));
    }

    #[test]
    fn an_external_id_moves_only_when_it_differs() {
        let customer = Customer::example();
        let same = CustomerChanges {
            external_id: Some(customer.external_id.clone()),
            ..CustomerChanges::default()
        };
        assert!(!same.is_empty());
        assert!(!same.moves_external_id(&customer));
        let cleared = CustomerChanges {
            external_id: Some(None),
            ..CustomerChanges::default()
        };
        assert!(cleared.moves_external_id(&customer));
        assert!(CustomerChanges::default().is_empty());
    }

    #[test]
    fn the_provider_is_told_of_a_new_email_name_or_address_and_nothing_else() {
        let mut old = Customer::example();
        old.provider_customer = Some("cus_stripe".into());
        let later = Timestamp::parse("2026-01-02T00:00:00.000Z").unwrap();
        let change = |changes: CustomerChanges| old.changed(&changes, later);

        let moved = change(CustomerChanges {
            email: Some(Email::parse("g@example.org").unwrap()),
            ..CustomerChanges::default()
        });
        let told = ProviderProfile::to_sync(Some(&old), &moved).unwrap();
        assert_eq!(told.provider_customer, "cus_stripe");
        assert_eq!(told.email.as_str(), "g@example.org");
        assert_eq!(told.full_name.unwrap().as_str(), "Grace Hopper");

        let unnamed = change(CustomerChanges {
            full_name: Some(None),
            ..CustomerChanges::default()
        });
        let told = ProviderProfile::to_sync(Some(&old), &unnamed).unwrap();
        assert_eq!(told.full_name, None);
        assert_eq!(told.address, None);

        let address = Address {
            line1: Some("1 Main St".into()),
            line2: None,
            city: Some("Springfield".into()),
            state: Some("IL".into()),
            postal_code: Some("62701".into()),
            country: CountryCode::parse("US").unwrap(),
        };
        let housed = change(CustomerChanges {
            address: Some(Some(address.clone())),
            ..CustomerChanges::default()
        });
        let told = ProviderProfile::to_sync(Some(&old), &housed).unwrap();
        assert_eq!(told.address, Some(&address));
        assert_eq!(told.full_name.unwrap().as_str(), "Grace Hopper");
        let unhoused = housed.changed(
            &CustomerChanges {
                address: Some(None),
                ..CustomerChanges::default()
            },
            later,
        );
        let told = ProviderProfile::to_sync(Some(&housed), &unhoused).unwrap();
        assert_eq!(told.address, None);

        let elsewhere = change(CustomerChanges {
            metadata: Some(None),
            external_id: Some(None),
            timezone: Some(None),
            ..CustomerChanges::default()
        });
        assert_eq!(ProviderProfile::to_sync(Some(&old), &elsewhere), None);
        assert_eq!(ProviderProfile::to_sync(Some(&old), &old), None);
    }

    #[test]
    fn a_newly_known_provider_customer_is_told_and_none_is_told_nothing() {
        let without = Customer::example();
        assert_eq!(ProviderProfile::to_sync(None, &without), None);
        // Created by a link's payment, with the Stripe customer the page made.
        let mut paid = without.clone();
        paid.provider_customer = Some("cus_page".into());
        let told = ProviderProfile::to_sync(None, &paid).unwrap();
        assert_eq!(told.customer_id, &paid.id);
        let moved = without.changed(
            &CustomerChanges {
                email: Some(Email::parse("g@example.org").unwrap()),
                ..CustomerChanges::default()
            },
            without.updated_at,
        );
        assert_eq!(ProviderProfile::to_sync(Some(&without), &moved), None);

        // Made at the provider from the e-mail read before this change: told again.
        let mut known = without.clone();
        known.provider_customer = Some("cus_made".into());
        let told = ProviderProfile::to_sync(Some(&without), &known).unwrap();
        assert_eq!(told.provider_customer, "cus_made");

        // Known through the vaulted card only.
        let mut carded = without.clone();
        carded.payment_method = Some(crate::domain::card::PaymentMethod {
            token: "pm_1".into(),
            brand: "visa".into(),
            last4: "4242".into(),
            exp_month: 12,
            exp_year: 2034,
            provider_customer: Some("cus_card".into()),
        });
        assert_eq!(carded.known_provider_customer(), Some("cus_card"));
        assert_eq!(
            ProviderProfile::to_sync(Some(&without), &carded)
                .unwrap()
                .provider_customer,
            "cus_card"
        );
        assert_eq!(ProviderProfile::to_sync(Some(&carded), &carded), None);
    }

    #[test]
    fn a_card_or_a_new_time_is_not_a_profile_change() {
        let customer = Customer::example();
        let later = Timestamp::parse("2026-01-02T00:00:00.000Z").unwrap();
        let touched = customer.changed(&CustomerChanges::default(), later);
        assert!(!touched.profile_differs(&customer));
        let mut carded = customer.clone();
        carded.provider_customer = Some("cus_stripe".into());
        assert!(!carded.profile_differs(&customer));
    }

    #[test]
    fn a_search_finds_a_part_of_the_name_email_or_external_id_in_any_case() {
        let customer = Customer::example();
        for found in ["hopper", "GRACE", "@example.COM", "user-7", " Grace H "] {
            let search = CustomerSearch::parse(found).unwrap();
            assert!(search.matches(&customer), "{found}");
        }
        for missed in ["lovelace", "user-8", "grace  hopper"] {
            assert!(
                !CustomerSearch::parse(missed).unwrap().matches(&customer),
                "{missed}"
            );
        }
        assert!(CustomerSearch::parse("  ").is_err());
        assert!(CustomerSearch::parse(&"a".repeat(201)).is_err());
        assert_eq!(CustomerSearch::parse(" ÉMILE ").unwrap().as_str(), "émile");
    }
}
