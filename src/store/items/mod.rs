//! Item <-> domain mapping. Items are plain serde structs mapped by `serde_dynamo`; absent
//! options are left out of the item entirely, because an index key attribute must be missing,
//! not NULL, for the item to stay out of that index.

mod account;
mod customer;
mod delivery;
mod download_link;
mod invoice;
mod link;
mod link_check;
mod mail_pace;
mod payment;
mod pending_charge;
mod receipt;
mod tax;
mod webhook;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::{StoreError, keys};
use crate::domain::Invalid;
use crate::domain::ids::PaymentId;
use crate::domain::page::Position;
use crate::domain::time::Timestamp;

pub(crate) use account::{AccountItem, ApiKeyItem, account_key, api_key_key};
pub(crate) use customer::{CustomerChangeItem, CustomerItem, ExternalIdItem, PaymentMethodItem};
pub(crate) use delivery::{AttemptItem, DeliveryItem, due_key};
pub(crate) use download_link::DownloadLinkItem;
pub(crate) use invoice::{InvoiceCounterItem, InvoiceItem};
pub(crate) use link::LinkItem;
pub(crate) use link_check::LinkCheckItem;
pub(crate) use mail_pace::MailPaceItem;
pub(crate) use payment::PaymentItem;
pub(crate) use pending_charge::PendingChargeItem;
pub(crate) use receipt::{ReceiptItem, receipt_due_key};
pub(crate) use tax::TaxRatesItem;
pub(crate) use webhook::WebhookItem;

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Internal(format!("item mapping: {e}")))
}

pub(crate) fn from_item<T: for<'de> Deserialize<'de>>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(StoreError::corrupt)
}

pub(crate) fn stored<T>(field: &str, parsed: Result<T, Invalid>) -> Result<T, StoreError> {
    parsed.map_err(|e| StoreError::corrupt(format!("{field} {e}")))
}

/// The due-index sort key of a payment's check (a pending charge, a link's attempt): when it
/// is due, then the payment.
pub(crate) fn check_due_key(check_at: &Timestamp, payment: &PaymentId) -> String {
    sort_key(check_at, payment.as_str())
}

pub(crate) fn sort_key(created_at: &Timestamp, id: &str) -> String {
    Position {
        created_at: *created_at,
        id: id.to_owned(),
    }
    .sort_key()
}

/// Parses an optional stored string with `parse`, naming `field` if it is malformed.
pub(crate) fn stored_opt<T>(
    field: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, Invalid>,
) -> Result<Option<T>, StoreError> {
    value.map(|text| stored(field, parse(text))).transpose()
}

pub(crate) fn string_key(pk: String, sk: &str) -> Item {
    HashMap::from([
        (keys::PK.to_owned(), AttributeValue::S(pk)),
        (keys::SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}
