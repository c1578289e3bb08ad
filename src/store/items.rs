//! Item <-> domain mapping. Items are plain serde structs mapped by `serde_dynamo`; absent
//! options are left out of the item entirely, because an index key attribute must be missing,
//! not NULL, for the item to stay out of that index.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::{StoreError, keys};
use crate::domain::Invalid;
use crate::domain::account::{Account, ApiKey, ApiKeyHash, Mode};
use crate::domain::address::{Address, CountryCode};
use crate::domain::customer::Customer;
use crate::domain::ids::{AccountId, ApiKeyId, CustomerId, PaymentId};
use crate::domain::money::{Amounts, Currency};
use crate::domain::page::Position;
use crate::domain::payment::{Payment, PaymentKind, PaymentStatus, Provider};
use crate::domain::text::{
    Description, Email, ExternalId, FullName, Metadata, SuccessUrl, Timezone,
};
use crate::domain::time::Timestamp;

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Internal(format!("item mapping: {e}")))
}

pub(crate) fn from_item<T: for<'de> Deserialize<'de>>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(StoreError::corrupt)
}

fn stored<T>(field: &str, parsed: Result<T, Invalid>) -> Result<T, StoreError> {
    parsed.map_err(|e| StoreError::corrupt(format!("{field} {e}")))
}

pub(crate) fn sort_key(created_at: &Timestamp, id: &str) -> String {
    Position {
        created_at: *created_at,
        id: id.to_owned(),
    }
    .sort_key()
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentItem {
    pub pk: String,
    pub sk: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    pub kind: String,
    pub status: String,
    pub provider: String,
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
    pub created_at: String,
    pub updated_at: String,
    pub livemode: bool,
    /// Bumped by every write; lets tests (and later, optimistic updates) see how often an item
    /// changed.
    pub version: u64,
}

impl PaymentItem {
    pub fn new(account: &AccountId, payment: &Payment) -> Self {
        let sort = sort_key(&payment.created_at, payment.id.as_str());
        let by_customer = payment
            .customer_id
            .as_ref()
            .map(|customer| keys::customer_payments(account, customer));
        Self {
            pk: keys::payment(account, &payment.id),
            sk: keys::PAYMENT_SK.to_owned(),
            gsi1pk: keys::account_payments(account),
            gsi1sk: sort.clone(),
            gsi2sk: by_customer.as_ref().map(|_| sort),
            gsi2pk: by_customer,
            id: payment.id.to_string(),
            customer_id: payment.customer_id.as_ref().map(ToString::to_string),
            kind: payment.kind.as_str().to_owned(),
            status: payment.status.as_str().to_owned(),
            provider: payment.provider.as_str().to_owned(),
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
        Ok(Payment {
            id: stored("id", PaymentId::parse(&self.id))?,
            customer_id: self
                .customer_id
                .as_deref()
                .map(|id| stored("customerId", CustomerId::parse(id)))
                .transpose()?,
            kind: stored("kind", PaymentKind::parse(&self.kind))?,
            status: stored("status", PaymentStatus::parse(&self.status))?,
            provider: stored("provider", Provider::parse(&self.provider))?,
            amounts,
            currency: stored("currency", Currency::parse(&self.currency))?,
            description: stored("description", Description::parse(&self.description))?,
            metadata: self
                .metadata
                .map(|entries| stored("metadata", Metadata::new(entries)))
                .transpose()?,
            url: self.url,
            success_url: self
                .success_url
                .as_deref()
                .map(|url| stored("successUrl", SuccessUrl::parse(url)))
                .transpose()?,
            created_at: stored("createdAt", Timestamp::parse(&self.created_at))?,
            updated_at: stored("updatedAt", Timestamp::parse(&self.updated_at))?,
            livemode: self.livemode,
        })
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

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerItem {
    pub pk: String,
    pub sk: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    pub created_at: String,
    pub updated_at: String,
    pub livemode: bool,
    pub version: u64,
}

impl CustomerItem {
    pub fn new(account: &AccountId, customer: &Customer) -> Self {
        Self {
            pk: keys::customer(account, &customer.id),
            sk: keys::CUSTOMER_SK.to_owned(),
            gsi1pk: keys::account_customers(account),
            gsi1sk: sort_key(&customer.created_at, customer.id.as_str()),
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
            address: customer.address.as_ref().map(|address| AddressItem {
                line1: address.line1.clone(),
                line2: address.line2.clone(),
                city: address.city.clone(),
                state: address.state.clone(),
                postal_code: address.postal_code.clone(),
                country: address.country.as_str(),
            }),
            timezone: customer
                .timezone
                .as_ref()
                .map(|zone| zone.as_str().to_owned()),
            metadata: customer.metadata.clone().map(Metadata::into_entries),
            created_at: customer.created_at.to_string(),
            updated_at: customer.updated_at.to_string(),
            livemode: customer.livemode,
            version: 1,
        }
    }

    pub fn into_domain(self) -> Result<Customer, StoreError> {
        Ok(Customer {
            id: stored("id", CustomerId::parse(&self.id))?,
            external_id: self
                .external_id
                .as_deref()
                .map(|id| stored("externalId", ExternalId::parse(id)))
                .transpose()?,
            email: stored("email", Email::parse(&self.email))?,
            full_name: self
                .full_name
                .as_deref()
                .map(|name| stored("fullName", FullName::parse(name)))
                .transpose()?,
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
            timezone: self
                .timezone
                .as_deref()
                .map(|zone| stored("timezone", Timezone::parse(zone)))
                .transpose()?,
            metadata: self
                .metadata
                .map(|entries| stored("metadata", Metadata::new(entries)))
                .transpose()?,
            created_at: stored("createdAt", Timestamp::parse(&self.created_at))?,
            updated_at: stored("updatedAt", Timestamp::parse(&self.updated_at))?,
            livemode: self.livemode,
        })
    }
}

/// Claims an external id for one customer; written in the same transaction as the customer.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExternalIdItem {
    pub pk: String,
    pub sk: String,
    pub customer_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountItem {
    pub pk: String,
    pub sk: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    pub id: String,
    pub name: String,
    pub mode: String,
    pub created_at: String,
}

impl AccountItem {
    pub fn new(account: &Account) -> Self {
        Self {
            pk: keys::account(&account.id),
            sk: keys::ACCOUNT_SK.to_owned(),
            gsi1pk: keys::ALL_ACCOUNTS.to_owned(),
            gsi1sk: sort_key(&account.created_at, account.id.as_str()),
            id: account.id.to_string(),
            name: account.name.clone(),
            mode: account.mode.as_str().to_owned(),
            created_at: account.created_at.to_string(),
        }
    }

    pub fn into_domain(self) -> Result<Account, StoreError> {
        Ok(Account {
            id: stored("id", AccountId::parse(&self.id))?,
            name: self.name,
            mode: stored("mode", Mode::parse(&self.mode))?,
            created_at: stored("createdAt", Timestamp::parse(&self.created_at))?,
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyItem {
    pub pk: String,
    pub sk: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    pub id: String,
    pub account_id: String,
    pub mode: String,
    pub key_hash: String,
    pub display_prefix: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

impl ApiKeyItem {
    pub fn new(key: &ApiKey) -> Self {
        Self {
            pk: keys::api_key(&key.hash),
            sk: keys::API_KEY_SK.to_owned(),
            gsi1pk: keys::account_api_keys(&key.account_id),
            gsi1sk: sort_key(&key.created_at, key.id.as_str()),
            id: key.id.to_string(),
            account_id: key.account_id.to_string(),
            mode: key.mode.as_str().to_owned(),
            key_hash: key.hash.as_str().to_owned(),
            display_prefix: key.display_prefix.clone(),
            created_at: key.created_at.to_string(),
            revoked_at: key.revoked_at.as_ref().map(ToString::to_string),
        }
    }

    pub fn into_domain(self) -> Result<ApiKey, StoreError> {
        Ok(ApiKey {
            id: stored("id", ApiKeyId::parse(&self.id))?,
            account_id: stored("accountId", AccountId::parse(&self.account_id))?,
            mode: stored("mode", Mode::parse(&self.mode))?,
            hash: ApiKeyHash::from_stored(self.key_hash),
            display_prefix: self.display_prefix,
            created_at: stored("createdAt", Timestamp::parse(&self.created_at))?,
            revoked_at: self
                .revoked_at
                .as_deref()
                .map(|at| stored("revokedAt", Timestamp::parse(at)))
                .transpose()?,
        })
    }
}

pub(crate) fn string_key(pk: String, sk: &str) -> Item {
    HashMap::from([
        (keys::PK.to_owned(), AttributeValue::S(pk)),
        (keys::SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}
