//! How often an invoice, and a customer, was mailed on request (`domain::send_pace`): one small
//! item each, read before a mail and moved by that mail's own transaction
//! (`Store::queue_invoice_mail`, `rules::pace_mail`).

use super::items::{Item, MailPaceItem, from_item, string_key};
use super::{Store, StoreError, keys};
use crate::domain::ids::{AccountId, CustomerId, InvoiceId};
use crate::domain::send_pace::SendPace;

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

impl Store {
    /// The pace of `invoice`'s mails; none if never mailed (or not for a day past its last
    /// backlog, when the item expires).
    pub async fn invoice_mail_pace(
        &self,
        account: &AccountId,
        invoice: &InvoiceId,
    ) -> Result<SendPace, StoreError> {
        self.mail_pace(invoice_mail_pace_key(account, invoice))
            .await
    }

    /// The pace of mails of any invoice to `customer`, as `invoice_mail_pace`.
    pub async fn customer_mail_pace(
        &self,
        account: &AccountId,
        customer: &CustomerId,
    ) -> Result<SendPace, StoreError> {
        self.mail_pace(customer_mail_pace_key(account, customer))
            .await
    }

    async fn mail_pace(&self, key: Item) -> Result<SendPace, StoreError> {
        match self.get_consistent(key).await? {
            Some(item) => from_item::<MailPaceItem>(item)?.into_domain(),
            None => Ok(SendPace::default()),
        }
    }
}
