//! A customer's mail pace (`domain::send_pace`): one small item beside the customer, read
//! before one of its invoices is mailed and moved by that mail's own transaction
//! (`Store::queue_invoice_mail`, `rules::pace_customer_mail`).

use super::items::{CustomerMailPaceItem, Item, from_item, string_key};
use super::{Store, StoreError, keys};
use crate::domain::ids::{AccountId, CustomerId};
use crate::domain::send_pace::SendPace;

pub(super) fn customer_mail_pace_key(account: &AccountId, customer: &CustomerId) -> Item {
    string_key(
        keys::customer_mail_pace(account, customer),
        keys::CUSTOMER_MAIL_PACE_SK,
    )
}

impl Store {
    /// The pace of mails to `customer`; none if never mailed (or not for a day past its last
    /// backlog, when the item expires).
    pub async fn customer_mail_pace(
        &self,
        account: &AccountId,
        customer: &CustomerId,
    ) -> Result<SendPace, StoreError> {
        match self
            .get_consistent(customer_mail_pace_key(account, customer))
            .await?
        {
            Some(item) => from_item::<CustomerMailPaceItem>(item)?.into_domain(),
            None => Ok(SendPace::default()),
        }
    }
}
