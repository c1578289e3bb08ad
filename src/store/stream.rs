//! The table's stream read as domain changes: a stream record's old and new images mapped back
//! to the objects they hold, for `domain::event` to tell which events a change caused.

use serde::Deserialize;

use super::StoreError;
use super::items::{CustomerItem, InvoiceItem, PaymentItem, ReceiptItem};
use super::keys;
use crate::domain::event::{Change, Subject};
use crate::domain::ids::AccountId;
use crate::domain::receipt::Receipt;

/// An item image as a stream record carries it (empty when absent).
pub type Image = serde_dynamo::Item;

/// The sort keys of the items whose changes cause events: the event source mapping's filter
/// lets only these through (`template.yaml`), and a test holds the two to each other.
pub const EVENT_SOURCES: [&str; 3] = [keys::PAYMENT_SK, keys::INVOICE_SK, keys::CUSTOMER_SK];

#[derive(Deserialize)]
struct Keys {
    pk: String,
    sk: String,
    /// Every payment, invoice and customer item has one; see `Change::version`.
    #[serde(default)]
    version: u64,
}

fn decode<T: for<'de> Deserialize<'de>>(image: &Image) -> Result<T, StoreError> {
    serde_dynamo::from_item(image.clone()).map_err(StoreError::corrupt)
}

fn subject(sk: &str, image: &Image) -> Result<Option<Subject>, StoreError> {
    Ok(Some(match sk {
        keys::PAYMENT_SK => Subject::Payment(decode::<PaymentItem>(image)?.into_domain()?),
        keys::INVOICE_SK => Subject::Invoice(decode::<InvoiceItem>(image)?.into_domain()?),
        keys::CUSTOMER_SK => Subject::Customer(decode::<CustomerItem>(image)?.into_domain()?),
        _ => return Ok(None),
    }))
}

/// The change a stream record shows, or `None` when it can cause no event: a removal, or an
/// item that is not a payment, invoice or customer.
pub fn change_of(old: &Image, new: &Image) -> Result<Option<Change>, StoreError> {
    if new.is_empty() {
        return Ok(None);
    }
    let Keys { pk, sk, version } = decode(new)?;
    if !EVENT_SOURCES.contains(&sk.as_str()) {
        return Ok(None);
    }
    let account = keys::account_of(&pk)
        .ok_or_else(|| StoreError::corrupt(format!("{pk} names no account")))
        .and_then(|id| {
            AccountId::parse(id).map_err(|e| StoreError::corrupt(format!("{pk}: {e}")))
        })?;
    let Some(new) = subject(&sk, new)? else {
        return Ok(None);
    };
    let old = if old.is_empty() {
        None
    } else {
        subject(&sk, old)?
    };
    Ok(Some(Change {
        account,
        old,
        new,
        version,
    }))
}

/// The receipt a stream record inserted, or `None` when it inserted no receipt (the receipts
/// worker's filter lets only receipt inserts through on AWS; the local relay hands it all).
pub fn inserted_receipt(
    old: &Image,
    new: &Image,
) -> Result<Option<(AccountId, Receipt)>, StoreError> {
    if new.is_empty() || !old.is_empty() {
        return Ok(None);
    }
    let Keys { sk, .. } = decode(new)?;
    if sk != keys::RECEIPT_SK {
        return Ok(None);
    }
    decode::<ReceiptItem>(new)?.into_domain().map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::items::{Item, to_item};

    #[test]
    fn a_change_carries_the_write_counter_of_its_new_image() {
        use crate::domain::customer::Customer;
        use crate::store::items::CustomerItem;

        let account = AccountId::generate();
        let customer = Customer::example();
        let mut item = CustomerItem::new(&account, &customer);
        item.version = 7;
        let image = Image::from(to_item(&item).unwrap());
        let change = change_of(&Image::from(Item::new()), &image)
            .unwrap()
            .unwrap();
        assert_eq!(change.version, 7);
        assert_eq!(change.account, account);
    }

    #[test]
    fn records_of_other_items_and_removals_cause_nothing() {
        let mut image = Image::from(std::collections::HashMap::<
            String,
            serde_dynamo::AttributeValue,
        >::new());
        assert!(change_of(&image, &image).unwrap().is_none());
        let keys_only =
            to_item(&serde_json::json!({"pk": "A#acct_x#WHCOUNT", "sk": "WHCOUNT"})).unwrap();
        image = Image::from(keys_only);
        assert!(
            change_of(
                &Image::from(std::collections::HashMap::<
                    String,
                    serde_dynamo::AttributeValue,
                >::new()),
                &image
            )
            .unwrap()
            .is_none()
        );
    }
}
