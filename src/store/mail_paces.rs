//! How often an invoice, and a customer, was mailed on request (`domain::send_pace`): one small
//! item each, read in the same round trip as what it paces and moved by the mail's own
//! transaction (`Store::queue_invoice_mail`, `rules::pace_mail`).

use super::customers::{customer_from, customer_key};
use super::invoices::{invoice_from, invoice_key};
use super::items::{Item, MailPaceItem, from_item, string_key};
use super::{Store, StoreError, keys};
use crate::domain::customer::Customer;
use crate::domain::ids::{AccountId, CustomerId, InvoiceId};
use crate::domain::invoice::Invoice;
use crate::domain::send_pace::{MailPaces, SendPace};

pub(super) fn invoice_mail_pace_key(account: &AccountId, invoice: &InvoiceId) -> Item {
    string_key(
        keys::invoice_mail_pace(account, invoice),
        keys::MAIL_PACE_SK,
    )
}

pub(super) fn customer_mail_pace_key(account: &AccountId, customer: &CustomerId) -> Item {
    string_key(
        keys::customer_mail_pace(account, customer),
        keys::MAIL_PACE_SK,
    )
}

/// A pace as its item holds it; none if never mailed (or not for a day past its last backlog,
/// when the item expires).
fn mail_pace_from(item: Option<Item>) -> Result<SendPace, StoreError> {
    match item {
        Some(item) => from_item::<MailPaceItem>(item)?.into_domain(),
        None => Ok(SendPace::default()),
    }
}

impl Store {
    /// Invoice `invoice` and the pace of its mails, read consistently in one BatchGetItem.
    pub async fn invoice_with_mail_pace(
        &self,
        account: &AccountId,
        invoice: &InvoiceId,
    ) -> Result<(Option<Invoice>, SendPace), StoreError> {
        let keys = [
            invoice_key(account, invoice),
            invoice_mail_pace_key(account, invoice),
        ];
        let [found, pace] = self.get_exactly(keys).await?;
        Ok((found.map(invoice_from).transpose()?, mail_pace_from(pace)?))
    }

    /// Customer `customer` and the pace of mails of any invoice to them, as
    /// `invoice_with_mail_pace`.
    pub async fn customer_with_mail_pace(
        &self,
        account: &AccountId,
        customer: &CustomerId,
    ) -> Result<(Option<Customer>, SendPace), StoreError> {
        let keys = [
            customer_key(account, customer),
            customer_mail_pace_key(account, customer),
        ];
        let [found, pace] = self.get_exactly(keys).await?;
        Ok((found.map(customer_from).transpose()?, mail_pace_from(pace)?))
    }

    /// Invoice `invoice`, its mail pace and that of its customer `customer`, in one
    /// BatchGetItem.
    pub async fn invoice_with_mail_paces(
        &self,
        account: &AccountId,
        invoice: &InvoiceId,
        customer: &CustomerId,
    ) -> Result<(Option<Invoice>, MailPaces<SendPace>), StoreError> {
        let keys = [
            invoice_key(account, invoice),
            invoice_mail_pace_key(account, invoice),
            customer_mail_pace_key(account, customer),
        ];
        let [found, invoice_pace, customer_pace] = self.get_exactly(keys).await?;
        let paces = MailPaces {
            invoice: mail_pace_from(invoice_pace)?,
            customer: mail_pace_from(customer_pace)?,
        };
        Ok((found.map(invoice_from).transpose()?, paces))
    }
}
