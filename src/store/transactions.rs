//! Transactions listed: the account's payments that have one (`domain::transaction`), newest
//! first, each with its customer (who paid; read while paging for a filter by e-mail) and,
//! once paid, its invoice (when it was paid).

use std::collections::HashMap;

use super::customers::{customer_from, customer_key};
use super::invoices::{invoice_from, invoice_key};
use super::items::PaymentItem;
use super::paging::{Filter, IndexQuery, Thinning};
use super::payments::{payment_from, position_of};
use super::projection::Listed;
use super::{Store, StoreError, keys, schema};
use crate::domain::customer::Customer;
use crate::domain::ids::{AccountId, CustomerId, InvoiceId};
use crate::domain::page::{Page, PageRequest};
use crate::domain::payment::Payment;
use crate::domain::transaction::{Transaction, TransactionFilter};

impl Store {
    /// Newest first: the account's transactions that `filter` keeps. DynamoDB is asked only
    /// for payments of the statuses the filter can keep; the domain decides the rest, and a
    /// filter by e-mail reads each payment's customer to tell. As a search of customers does, a
    /// page reads at most `READS_PER_PAGE` payments and may end short, with a cursor.
    pub async fn list_transactions(
        &self,
        account: &AccountId,
        filter: &TransactionFilter,
        page: &PageRequest,
    ) -> Result<Page<Transaction>, StoreError> {
        let statuses = Filter::OneOf {
            attribute: "status",
            values: (filter.payment_statuses().iter())
                .map(|status| status.as_str().to_owned())
                .collect(),
        };
        let query = IndexQuery::of(&schema::BY_ACCOUNT, keys::account_payments(account))
            .projected(PaymentItem::projection())
            .filtered(Some(&statuses));
        let thinning = WithCustomers {
            store: self,
            account,
            filter,
            customers: HashMap::new(),
        };
        let found = self
            .query_page_thinned(
                query,
                page,
                |(payment, _)| position_of(payment),
                payment_from,
                thinning,
            )
            .await?;
        // What the page still needs in one read: its paid invoices, and its customers unless
        // the address filter read them already.
        let mut unread_customers: Vec<&CustomerId> = (found.items.iter())
            .filter(|(_, customer)| customer.is_none())
            .filter_map(|(payment, _)| payment.customer_id.as_ref())
            .collect();
        unread_customers.sort();
        unread_customers.dedup();
        let mut invoice_ids: Vec<&InvoiceId> = (found.items.iter())
            .filter_map(|(payment, _)| payment.invoice_id.as_ref())
            .collect();
        invoice_ids.sort();
        invoice_ids.dedup();
        let keys = (unread_customers.iter().map(|id| customer_key(account, id)))
            .chain(invoice_ids.iter().map(|id| invoice_key(account, id)))
            .collect();
        let mut read = self.get_consistent_many(keys).await?.into_iter();
        let mut customers = HashMap::new();
        for (id, item) in unread_customers.into_iter().zip(read.by_ref()) {
            let customer = item.map(customer_from).transpose()?;
            customers.insert(id.clone(), customer);
        }
        let mut invoices = HashMap::new();
        for item in read {
            let invoice = item.map(invoice_from).transpose()?;
            invoices.extend(invoice.map(|invoice| (invoice.id.clone(), invoice)));
        }
        let items = (found.items.into_iter())
            .filter_map(|(payment, customer)| {
                let customer = customer.or_else(|| {
                    let id = payment.customer_id.as_ref()?;
                    customers.get(id).cloned().flatten()
                });
                let invoice = payment.invoice_id.as_ref().and_then(|id| invoices.get(id));
                Transaction::of(payment, customer, invoice)
            })
            .collect();
        Ok(Page {
            items,
            next: found.next,
        })
    }
}

/// Keeps the payments the filter keeps; when it asks for an address, each with its customer,
/// read once per listing.
struct WithCustomers<'a> {
    store: &'a Store,
    account: &'a AccountId,
    filter: &'a TransactionFilter,
    customers: HashMap<CustomerId, Option<Customer>>,
}

impl Thinning<Payment, (Payment, Option<Customer>)> for WithCustomers<'_> {
    async fn thin(
        &mut self,
        read: Vec<Payment>,
    ) -> Result<Vec<(Payment, Option<Customer>)>, StoreError> {
        let kept: Vec<Payment> = (read.into_iter())
            .filter(|payment| self.filter.keeps_payment(payment))
            .collect();
        if self.filter.customer_email.is_none() {
            // Who paid does not decide: the page's customers are read with its invoices.
            return Ok(kept.into_iter().map(|payment| (payment, None)).collect());
        }
        let mut unread: Vec<&CustomerId> = (kept.iter())
            .filter_map(|payment| payment.customer_id.as_ref())
            .filter(|id| !self.customers.contains_key(*id))
            .collect();
        unread.sort();
        unread.dedup();
        let keys = (unread.iter())
            .map(|id| customer_key(self.account, id))
            .collect();
        let found = self.store.get_consistent_many(keys).await?;
        for (id, item) in unread.into_iter().zip(found) {
            let customer = item.map(customer_from).transpose()?;
            self.customers.insert(id.clone(), customer);
        }
        Ok((kept.into_iter())
            .map(|payment| {
                let customer = (payment.customer_id.as_ref())
                    .and_then(|id| self.customers.get(id).cloned().flatten());
                (payment, customer)
            })
            .filter(|(_, customer)| self.filter.keeps_customer(customer.as_ref()))
            .collect())
    }
}
