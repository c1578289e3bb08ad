use super::accounts::account_from;
use super::customers::{customer_from, customer_key};
use super::idempotency::KeyCompletion;
use super::items::{InvoiceItem, Item, account_key, from_item, string_key, to_item};
use super::paging::{Filter, IndexQuery};
use super::projection::Listed;
use super::write::{Bind, Companion, Condition, ConditionalUpdate, PRESENT, Updated};
use super::{Store, StoreError, keys, rules, schema};
use crate::domain::account::Account;
use crate::domain::customer::Customer;
use crate::domain::ids::{AccountId, CustomerId, InvoiceId};
use crate::domain::invoice::{Invoice, InvoiceSettlement, InvoiceStatus};
use crate::domain::money::Currency;
use crate::domain::page::{Page, PageLimit, PageRequest, Position};
use crate::domain::time::Timestamp;

#[derive(Debug)]
pub enum SetInvoiceStatus {
    Updated(Invoice),
    /// Its status is not `outstanding` (it is returned as it is); nothing changed.
    NotOutstanding(Invoice),
    NotFound,
}

pub(crate) fn invoice_from(item: Item) -> Result<Invoice, StoreError> {
    from_item::<InvoiceItem>(item)?.into_domain()
}

pub(crate) fn invoice_key(account: &AccountId, id: &InvoiceId) -> Item {
    string_key(keys::invoice(account, id), keys::INVOICE_SK)
}

fn invoice_position(invoice: &Invoice) -> Position {
    Position {
        created_at: invoice.created_at,
        id: invoice.id.to_string(),
    }
}

impl Store {
    /// One consistent GetItem.
    pub async fn get_invoice(
        &self,
        account: &AccountId,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, StoreError> {
        let item = self.get_consistent(invoice_key(account, id)).await?;
        item.map(invoice_from).transpose()
    }

    /// Invoice `id` and its account, read consistently in one BatchGetItem.
    pub async fn invoice_with_account(
        &self,
        account: &AccountId,
        id: &InvoiceId,
    ) -> Result<(Option<Invoice>, Option<Account>), StoreError> {
        let keys = [invoice_key(account, id), account_key(account)];
        let [invoice, found] = self.get_exactly(keys).await?;
        Ok((
            invoice.map(invoice_from).transpose()?,
            found.map(account_from).transpose()?,
        ))
    }

    /// Invoice `id` and `customer` (its customer, as a download link names it), read
    /// consistently in one BatchGetItem.
    pub async fn invoice_and_customer(
        &self,
        account: &AccountId,
        id: &InvoiceId,
        customer: &CustomerId,
    ) -> Result<(Option<Invoice>, Option<Customer>), StoreError> {
        let keys = [invoice_key(account, id), customer_key(account, customer)];
        let [invoice, customer] = self.get_exactly(keys).await?;
        Ok((
            invoice.map(invoice_from).transpose()?,
            customer.map(customer_from).transpose()?,
        ))
    }

    /// `invoice_and_customer` and the account, in the same BatchGetItem.
    pub async fn invoice_and_customer_with_account(
        &self,
        account: &AccountId,
        id: &InvoiceId,
        customer: &CustomerId,
    ) -> Result<((Option<Invoice>, Option<Customer>), Option<Account>), StoreError> {
        let keys = [
            invoice_key(account, id),
            customer_key(account, customer),
            account_key(account),
        ];
        let [invoice, customer, found] = self.get_exactly(keys).await?;
        Ok((
            (
                invoice.map(invoice_from).transpose()?,
                customer.map(customer_from).transpose()?,
            ),
            found.map(account_from).transpose()?,
        ))
    }

    /// Newest first: the account's invoices or one customer's, optionally of one status. The
    /// account's of one status are a partition of their own, so the page is exact; a customer's
    /// are few, and read with the status as a filter.
    pub async fn list_invoices(
        &self,
        account: &AccountId,
        customer: Option<&CustomerId>,
        status: Option<InvoiceStatus>,
        page: &PageRequest,
    ) -> Result<Page<Invoice>, StoreError> {
        let (index, partition, filter) = match (customer, status) {
            (None, None) => (&schema::BY_ACCOUNT, keys::account_invoices(account), None),
            (None, Some(status)) => (
                &schema::BY_STATUS,
                keys::account_invoices_of_status(account, status),
                None,
            ),
            (Some(customer), status) => (
                &schema::BY_CUSTOMER,
                keys::customer_invoices(account, customer),
                status.map(|status| Filter::Equals {
                    attribute: "status",
                    value: status.as_str().to_owned(),
                }),
            ),
        };
        self.query_page(
            IndexQuery::of(index, partition)
                .projected(InvoiceItem::projection())
                .filtered(filter.as_ref()),
            page,
            invoice_position,
            invoice_from,
        )
        .await
    }

    /// Puts the account's invoices written before the by-status index into it, each as it is
    /// now; answers how many. Reads the account's listing for those not there, page after page,
    /// and gives each one a conditional UpdateItem (`rules::index_invoice_by_status`), so it may
    /// run beside live traffic, and again.
    pub async fn index_invoices_by_status(&self, account: &AccountId) -> Result<u64, StoreError> {
        let listing = keys::account_invoices(account);
        self.backfill_index(
            listing,
            keys::GSI3_PK,
            invoice_position,
            invoice_from,
            |invoice| {
                let change = rules::index_invoice_by_status(account, invoice.status);
                Some((invoice_key(account, &invoice.id), change))
            },
        )
        .await
    }

    /// `outstanding` → `paid` or `void` (`rules::settle_invoice`): ONE conditional UpdateItem
    /// whose failure returns the item as it was, telling 404 from 409 without a second read; with
    /// a completion, one transaction that also stores the answer (see `Store::update`).
    pub async fn set_invoice_status(
        &self,
        account: &AccountId,
        id: &InvoiceId,
        settlement: InvoiceSettlement,
        now: Timestamp,
        completion: Option<&KeyCompletion<'_, Invoice>>,
    ) -> Result<SetInvoiceStatus, StoreError> {
        let updated = self
            .update(
                invoice_key(account, id),
                rules::settle_invoice(account, settlement, now),
                invoice_from,
                |invoice| invoice.settled(settlement, now),
                completion.map(|c| c as &dyn Companion<'_, Invoice>),
            )
            .await?;
        Ok(match updated {
            Updated::Applied(invoice) => SetInvoiceStatus::Updated(invoice),
            Updated::Refused(Some(invoice)) => SetInvoiceStatus::NotOutstanding(invoice),
            Updated::Refused(None) => SetInvoiceStatus::NotFound,
        })
    }

    /// An adjustment invoice, numbered: ONE transaction advances the account's counter, writes
    /// the invoice, checks its customer is the account's, and completes the idempotency record
    /// with the numbered invoice. False: no such customer, nothing written.
    pub async fn insert_adjustment_invoice(
        &self,
        account: &AccountId,
        invoice: &mut Invoice,
        completion: Option<&KeyCompletion<'_, Invoice>>,
    ) -> Result<bool, StoreError> {
        let customer = customer_key(account, &invoice.customer_id);
        self.commit_numbered(account, invoice, |transaction, invoice| {
            let customer_check = transaction.check(customer.clone(), Condition::new(PRESENT))?;
            transaction.join(completion.map(|c| c as _), invoice)?;
            Ok(Some(customer_check))
        })
        .await
    }

    /// The currency of the customer's newest invoice, if they have one: what a merchant bills
    /// them in. One Query of one item.
    pub async fn newest_invoice_currency(
        &self,
        account: &AccountId,
        customer: &CustomerId,
    ) -> Result<Option<Currency>, StoreError> {
        let newest = self
            .list_invoices(
                account,
                Some(customer),
                None,
                &PageRequest {
                    limit: PageLimit::ONE,
                    after: None,
                },
            )
            .await?;
        Ok(newest.items.first().map(|invoice| invoice.currency))
    }

    /// Writes an invoice unconditionally, replacing any item with its id, and makes sure the
    /// account's counter is at least its number, so later invoices never reuse it (fixtures only).
    pub async fn put_invoice_fixture(
        &self,
        account: &AccountId,
        invoice: &Invoice,
    ) -> Result<(), StoreError> {
        self.put(to_item(&InvoiceItem::new(account, invoice))?)
            .await?;
        // Refused: the counter is already past this number, which is what is wanted.
        self.update_conditionally(
            string_key(keys::invoice_counter(account), keys::INVOICE_COUNTER_SK),
            ConditionalUpdate::new(
                "SET #last = :number",
                "attribute_not_exists(#last) OR #last < :number",
            )
            .name("#last", "last")
            .number(":number", invoice.number.get()),
        )
        .await?;
        Ok(())
    }
}
