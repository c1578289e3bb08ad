use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::error::is_condition_failure;
use super::expression::{ConditionalUpdate, Updated};
use super::items::{InvoiceItem, Item, from_item, string_key};
use super::paging::Equals;
use super::payments::MAX_DECIDE_ROUNDS;
use super::schema::TABLE;
use super::{Store, StoreError, keys};
use crate::domain::ids::{AccountId, CustomerId, InvoiceId};
use crate::domain::invoice::{Invoice, InvoiceSettlement, InvoiceStatus};
use crate::domain::page::{Page, PageRequest, Position};
use crate::domain::time::Timestamp;

#[derive(Debug)]
pub enum SetInvoiceStatus {
    Updated(Invoice),
    /// Its status is not `outstanding` (it is returned as it is); nothing changed.
    NotOutstanding(Invoice),
    NotFound,
}

/// Only an outstanding invoice may be settled.
fn settle_update(settlement: InvoiceSettlement, now: Timestamp) -> ConditionalUpdate {
    ConditionalUpdate::new(
        "SET #status = :status, updatedAt = :now ADD #version :one",
        "attribute_exists(pk) AND #status = :outstanding",
    )
    .name("#status", "status")
    .name("#version", "version")
    .text(":status", settlement.status().as_str())
    .text(":outstanding", InvoiceStatus::Outstanding.as_str())
    .text(":now", now.to_string())
    .number(":one", 1)
}

pub(crate) fn invoice_from(item: Item) -> Result<Invoice, StoreError> {
    from_item::<InvoiceItem>(item)?.into_domain()
}

impl Store {
    /// One consistent GetItem.
    pub async fn get_invoice(
        &self,
        account: &AccountId,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, StoreError> {
        let item = self
            .get_consistent(string_key(keys::invoice(account, id), keys::INVOICE_SK))
            .await?;
        item.map(invoice_from).transpose()
    }

    /// Newest first: the account's invoices or one customer's, optionally of one status.
    pub async fn list_invoices(
        &self,
        account: &AccountId,
        customer: Option<&CustomerId>,
        status: Option<InvoiceStatus>,
        page: &PageRequest,
    ) -> Result<Page<Invoice>, StoreError> {
        let (index, partition) = match customer {
            None => (&TABLE.indexes[0], keys::account_invoices(account)),
            Some(customer) => (
                &TABLE.indexes[1],
                keys::customer_invoices(account, customer),
            ),
        };
        let filter = status.map(|status| Equals {
            attribute: "status",
            value: status.as_str().to_owned(),
        });
        self.query_page(
            index,
            partition,
            filter.as_ref(),
            page,
            |invoice: &Invoice| Position {
                created_at: invoice.created_at,
                id: invoice.id.to_string(),
            },
            invoice_from,
        )
        .await
    }

    /// `outstanding` → `paid` or `void` in ONE conditional UpdateItem; the item as it was comes
    /// back when the condition fails, telling 404 from 409 without a second read.
    pub async fn set_invoice_status(
        &self,
        account: &AccountId,
        id: &InvoiceId,
        settlement: InvoiceSettlement,
        now: Timestamp,
    ) -> Result<SetInvoiceStatus, StoreError> {
        let key = string_key(keys::invoice(account, id), keys::INVOICE_SK);
        match self
            .update_conditionally(key, settle_update(settlement, now))
            .await?
        {
            Updated::Applied(item) => Ok(SetInvoiceStatus::Updated(invoice_from(item)?)),
            Updated::Refused(Some(old)) => Ok(SetInvoiceStatus::NotOutstanding(invoice_from(old)?)),
            Updated::Refused(None) => Ok(SetInvoiceStatus::NotFound),
        }
    }
}

impl Store {
    /// Status change that commits `also(&updated)` (an idempotency completion) in the same
    /// transaction: a consistent read decides, then one transaction writes, conditional on the
    /// invoice still being outstanding. Refusals write nothing.
    pub async fn set_invoice_status_with(
        &self,
        account: &AccountId,
        id: &InvoiceId,
        settlement: InvoiceSettlement,
        now: Timestamp,
        also: impl Fn(&Invoice) -> Result<TransactWriteItem, StoreError>,
    ) -> Result<SetInvoiceStatus, StoreError> {
        for _ in 0..MAX_DECIDE_ROUNDS {
            let Some(invoice) = self.get_invoice(account, id).await? else {
                return Ok(SetInvoiceStatus::NotFound);
            };
            if invoice.status != InvoiceStatus::Outstanding {
                return Ok(SetInvoiceStatus::NotOutstanding(invoice));
            }
            let mut updated = invoice;
            updated.status = settlement.status();
            updated.updated_at = now;
            let key = string_key(keys::invoice(account, id), keys::INVOICE_SK);
            if self
                .transact_conditionally(key, settle_update(settlement, now), also(&updated)?)
                .await?
            {
                return Ok(SetInvoiceStatus::Updated(updated));
            }
        }
        Err(StoreError::Unavailable("the invoice kept changing".into()))
    }

    /// Writes an invoice unconditionally, replacing any item with its id, and makes sure the
    /// account's counter is at least its number, so later invoices never reuse it (fixtures only).
    pub async fn put_invoice_fixture(
        &self,
        account: &AccountId,
        invoice: &Invoice,
    ) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(super::items::to_item(&InvoiceItem::new(
                account, invoice,
            ))?))
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(string_key(
                keys::invoice_counter(account),
                keys::INVOICE_COUNTER_SK,
            )))
            .update_expression("SET #last = :number")
            .condition_expression("attribute_not_exists(#last) OR #last < :number")
            .expression_attribute_names("#last", "last")
            .expression_attribute_values(
                ":number",
                AttributeValue::N(invoice.number.get().to_string()),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error) if is_condition_failure(&error) => Ok(()),
            Err(error) => Err(StoreError::from_sdk(error)),
        }
    }
}
