use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::{StoreError, keys, sort_key, stored, stored_opt};
use crate::domain::address::{Address, CountryCode};
use crate::domain::card::PaymentMethod;
use crate::domain::customer::{Customer, CustomerChanges};
use crate::domain::ids::{AccountId, CustomerId};
use crate::domain::text::{Email, ExternalId, FullName, ScalarMetadata, TaxDocument, Timezone};
use crate::domain::time::Timestamp;
use crate::store::projection::{Listed, Projection};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentMethodItem {
    pub token: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: u8,
    pub exp_year: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_customer: Option<String>,
}

impl From<&PaymentMethod> for PaymentMethodItem {
    fn from(method: &PaymentMethod) -> Self {
        Self {
            token: method.token.clone(),
            brand: method.brand.clone(),
            last4: method.last4.clone(),
            exp_month: method.exp_month,
            exp_year: method.exp_year,
            provider_customer: method.provider_customer.clone(),
        }
    }
}

impl From<PaymentMethodItem> for PaymentMethod {
    fn from(item: PaymentMethodItem) -> Self {
        Self {
            token: item.token,
            brand: item.brand,
            last4: item.last4,
            exp_month: item.exp_month,
            exp_year: item.exp_year,
            provider_customer: item.provider_customer,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AddressItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    pub country: String,
}

impl From<&Address> for AddressItem {
    fn from(address: &Address) -> Self {
        Self {
            line1: address.line1.clone(),
            line2: address.line2.clone(),
            city: address.city.clone(),
            state: address.state.clone(),
            postal_code: address.postal_code.clone(),
            country: address.country.as_str(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerItem {
    // Stored always; absent only from a listing's projection (`Listed::UNLISTED`).
    #[serde(default)]
    pub pk: String,
    #[serde(default)]
    pub sk: String,
    #[serde(default)]
    pub gsi1pk: String,
    #[serde(default)]
    pub gsi1sk: String,
    /// The account's customers with this e-mail (`keys::customers_with_email`), in the order of
    /// the account's (`gsi1sk`); absent from customers written before it until their e-mail
    /// changes or `admin index` runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_document: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<PaymentMethodItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_customer: Option<String>,
    /// Present (true) only while archived: customers from before archiving have none.
    #[serde(default, skip_serializing_if = "is_false")]
    pub archived: bool,
    pub created_at: String,
    pub updated_at: String,
    pub livemode: bool,
    #[serde(default)]
    pub version: u64,
}

fn is_false(value: &bool) -> bool {
    !value
}

impl Listed for CustomerItem {
    /// The keys and the write counter, which no listing shows.
    const UNLISTED: &'static [&'static str] = &[
        "pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "version",
    ];

    fn projection() -> &'static Projection {
        static LISTED: LazyLock<Projection> = LazyLock::new(Projection::of::<CustomerItem>);
        &LISTED
    }
}

impl CustomerItem {
    pub fn new(account: &AccountId, customer: &Customer) -> Self {
        Self {
            pk: keys::customer(account, &customer.id),
            sk: keys::CUSTOMER_SK.to_owned(),
            gsi1pk: keys::account_customers(account),
            gsi1sk: sort_key(&customer.created_at, customer.id.as_str()),
            gsi2pk: Some(keys::customers_with_email(account, &customer.email)),
            gsi2sk: Some(sort_key(&customer.created_at, customer.id.as_str())),
            id: customer.id.to_string(),
            external_id: customer
                .external_id
                .as_ref()
                .map(|id| id.as_str().to_owned()),
            email: customer.email.as_str().to_owned(),
            full_name: customer
                .full_name
                .as_ref()
                .map(|name| name.as_str().to_owned()),
            tax_document: customer
                .tax_document
                .as_ref()
                .map(|document| document.as_str().to_owned()),
            address: customer.address.as_ref().map(AddressItem::from),
            timezone: customer
                .timezone
                .as_ref()
                .map(|zone| zone.as_str().to_owned()),
            metadata: customer.metadata.clone().map(ScalarMetadata::into_entries),
            payment_method: customer
                .payment_method
                .as_ref()
                .map(PaymentMethodItem::from),
            provider_customer: customer.provider_customer.clone(),
            archived: customer.archived,
            created_at: customer.created_at.to_string(),
            updated_at: customer.updated_at.to_string(),
            livemode: customer.livemode,
            version: 1,
        }
    }

    pub fn into_domain(self) -> Result<Customer, StoreError> {
        Ok(Customer {
            id: stored("id", CustomerId::parse(&self.id))?,
            external_id: stored_opt("externalId", self.external_id.as_deref(), ExternalId::parse)?,
            email: stored("email", Email::parse(&self.email))?,
            full_name: stored_opt("fullName", self.full_name.as_deref(), FullName::parse)?,
            tax_document: stored_opt(
                "taxDocument",
                self.tax_document.as_deref(),
                TaxDocument::parse,
            )?,
            address: self
                .address
                .map(|address| -> Result<Address, StoreError> {
                    Ok(Address {
                        line1: address.line1,
                        line2: address.line2,
                        city: address.city,
                        state: address.state,
                        postal_code: address.postal_code,
                        country: stored("address.country", CountryCode::parse(&address.country))?,
                    })
                })
                .transpose()?,
            timezone: self.timezone.map(Timezone::from_stored),
            metadata: self
                .metadata
                .map(|entries| stored("metadata", ScalarMetadata::new(entries)))
                .transpose()?,
            payment_method: self.payment_method.map(PaymentMethod::from),
            provider_customer: self.provider_customer,
            archived: self.archived,
            created_at: stored("createdAt", Timestamp::parse(&self.created_at))?,
            updated_at: stored("updatedAt", Timestamp::parse(&self.updated_at))?,
            livemode: self.livemode,
        })
    }
}

/// The attributes an update writes, named as in [`CustomerItem`]: each field `changes` gives a
/// value, and the time. A field cleared is absent here (the update removes it); so is one not
/// touched, which `CustomerChanges` tells apart.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerChangeItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_document: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, serde_json::Value>>,
    /// Set when archived; absent when restored (the update removes it) or untouched.
    #[serde(skip_serializing_if = "is_false")]
    pub archived: bool,
    pub updated_at: String,
}

impl CustomerChangeItem {
    pub fn new(changes: &CustomerChanges, now: Timestamp) -> Self {
        Self {
            email: changes
                .email
                .as_ref()
                .map(|email| email.as_str().to_owned()),
            external_id: given(&changes.external_id).map(|id| id.as_str().to_owned()),
            full_name: given(&changes.full_name).map(|name| name.as_str().to_owned()),
            tax_document: given(&changes.tax_document).map(|doc| doc.as_str().to_owned()),
            address: given(&changes.address).map(AddressItem::from),
            timezone: given(&changes.timezone).map(|zone| zone.as_str().to_owned()),
            metadata: given(&changes.metadata).map(|metadata| metadata.clone().into_entries()),
            archived: changes.archived == Some(true),
            updated_at: now.to_string(),
        }
    }
}

/// The new value of an optional field a change sets (neither untouched nor cleared).
fn given<T>(field: &Option<Option<T>>) -> Option<&T> {
    field.as_ref().and_then(Option::as_ref)
}

/// Claims an external id for one customer; written in the same transaction as the customer.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExternalIdItem {
    pub pk: String,
    pub sk: String,
    pub customer_id: String,
}
