//! Transactions listed: the account's payments that have one (`domain::transaction`), newest
//! started first, each with its customer (who paid; read while paging for a filter by e-mail)
//! and, once paid, its invoice (when it was paid).

use std::collections::{BTreeSet, HashMap};

use super::customers::{customer_from, customer_key, position_of as customer_position};
use super::invoices::{invoice_from, invoice_key};
use super::items::{CustomerItem, PaymentItem};
use super::links::{Attempt, attempt_from};
use super::paging::{IndexQuery, Thinning};
use super::payments::{payment_from, payment_key, position_of};
use super::projection::Listed;
use super::{Store, StoreError, keys, rules, schema};
use crate::domain::customer::Customer;
use crate::domain::ids::{AccountId, CustomerId, InvoiceId};
use crate::domain::invoice::Invoice;
use crate::domain::page::{Page, PageRequest, Position};
use crate::domain::payment::Payment;
use crate::domain::text::Email;
use crate::domain::transaction::{Transaction, TransactionFilter};

/// A transaction's place among the account's (`gsi3sk` and `gsi4sk`, which every write that
/// puts it there takes from `Payment::transaction_started_at`): by when it started.
fn transaction_position(payment: &Payment) -> Position {
    Position {
        created_at: payment.transaction_started_at(),
        id: payment.id.to_string(),
    }
}

impl Store {
    /// Newest first by when each started (`Payment::transaction_started_at`): the account's
    /// transactions that `filter` keeps, read from the account's payments that have one
    /// (`keys::account_transactions`), or with a status from those of that status only
    /// (`keys::account_transactions_of_status`). The domain still decides (an index read may
    /// lag a write). A filter by e-mail reads the payments of the customers with that address
    /// (`transactions_of_address`); where those are more than a page may read, it reads the
    /// account's transactions with each one's customer instead: as a search of customers does,
    /// a page then reads at most `READS_PER_PAGE` payments and may end short, with a cursor.
    pub async fn list_transactions(
        &self,
        account: &AccountId,
        filter: &TransactionFilter,
        page: &PageRequest,
    ) -> Result<Page<Transaction>, StoreError> {
        let of_address = match &filter.customer_email {
            Some(email) => (self.transactions_of_address(account, email, filter, page)).await?,
            None => None,
        };
        let found = match of_address {
            Some(found) => found,
            None => self.transactions_read(account, filter, page).await?,
        };
        self.transactions_of(account, found).await
    }

    /// The transactions `filter` keeps, read from the account's (or those of its status), with
    /// each one's customer when the filter is by e-mail (`WithCustomers`).
    async fn transactions_read(
        &self,
        account: &AccountId,
        filter: &TransactionFilter,
        page: &PageRequest,
    ) -> Result<Page<(Payment, Option<Customer>)>, StoreError> {
        let query = match filter.status {
            Some(status) => IndexQuery::of(
                &schema::BY_TRANSACTION_STATUS,
                keys::account_transactions_of_status(account, status),
            ),
            None => IndexQuery::of(&schema::BY_STATUS, keys::account_transactions(account)),
        }
        .projected(PaymentItem::projection());
        let thinning = WithCustomers {
            store: self,
            account,
            filter,
            customers: HashMap::new(),
        };
        self.query_page_thinned(
            query,
            page,
            |(payment, _)| transaction_position(payment),
            payment_from,
            thinning,
        )
        .await
    }

    /// The transactions of the customers with `email` (the index by address) that `filter`
    /// keeps, from each one's own payments (`keys::customer_payments`): every one made before
    /// the page's position read, so that a page is full unless it is the last. `None` when the
    /// address's customers, or those payments, are more than a page may read (`reads_per_page`).
    async fn transactions_of_address(
        &self,
        account: &AccountId,
        email: &Email,
        filter: &TransactionFilter,
        page: &PageRequest,
    ) -> Result<Option<Page<(Payment, Option<Customer>)>>, StoreError> {
        let budget = self.reads_per_page;
        let customers = IndexQuery::of(
            &schema::BY_CUSTOMER,
            keys::customers_with_email(account, email),
        )
        .projected(CustomerItem::projection());
        let customers = self
            .all_unless_more_than(customers, None, budget, customer_position, customer_from)
            .await?;
        let Some(customers) = customers else {
            return Ok(None);
        };
        let mut found = Vec::new();
        let mut read = 0;
        // The index may lag a change of address: the domain decides.
        for customer in customers
            .into_iter()
            .filter(|c| filter.keeps_customer(Some(c)))
        {
            let payments = IndexQuery::of(
                &schema::BY_CUSTOMER,
                keys::customer_payments(account, &customer.id),
            )
            .projected(PaymentItem::projection());
            // A transaction starts no earlier than its payment is made, so one made after the
            // page's position cannot start before it: only older payments are read.
            let from = page.after.clone();
            let most = budget.saturating_sub(read);
            let payments = self
                .all_unless_more_than(payments, from, most, position_of, payment_from)
                .await?;
            let Some(payments) = payments else {
                return Ok(None);
            };
            read += payments.len();
            found.extend(
                (payments.into_iter())
                    .filter(|payment| filter.keeps_payment(payment))
                    .map(|payment| (payment, Some(customer.clone()))),
            );
        }
        Ok(Some(page_of(found, page)))
    }

    /// The page's transactions, each with its customer (read here unless the filter did) and,
    /// where needed, its paid invoice.
    async fn transactions_of(
        &self,
        account: &AccountId,
        found: Page<(Payment, Option<Customer>)>,
    ) -> Result<Page<Transaction>, StoreError> {
        // What the page still needs, in one read: its customers unless the address filter read
        // them already, and the paid invoices of payments that do not say when they were paid.
        let unread_customers = (found.items.iter())
            .filter(|(_, customer)| customer.is_none())
            .filter_map(|(payment, _)| payment.customer_id.as_ref());
        let invoices =
            (found.items.iter()).filter_map(|(p, _)| Transaction::paid_invoice_needed(p));
        let (customers, invoices) = self
            .customers_and_invoices(account, unread_customers, invoices)
            .await?;
        let items = (found.items.into_iter())
            .filter_map(|(payment, customer)| {
                let customer = customer.or_else(|| {
                    let id = payment.customer_id.as_ref()?;
                    customers.get(id).cloned()
                });
                let invoice =
                    Transaction::paid_invoice_needed(&payment).and_then(|id| invoices.get(id));
                Transaction::of(payment, customer, invoice)
            })
            .collect();
        Ok(Page {
            items,
            next: found.next,
        })
    }

    /// Puts the account's payments written before its transactions were indexed (in `gsi3`
    /// and by status in `gsi4`) into them; answers how many. Reads the account's payments for
    /// those not there, page after page, and gives each that has a transaction a conditional
    /// UpdateItem (`rules::index_transaction`) under the version read, so it may run beside live
    /// traffic, and again: a payment changed since it was read is left for the next run unless
    /// that change put it there.
    pub async fn index_transactions(&self, account: &AccountId) -> Result<u64, StoreError> {
        let listing = keys::account_payments(account);
        let position = |attempt: &Attempt| position_of(&attempt.payment);
        self.backfill_index(listing, keys::GSI4_PK, position, attempt_from, |read| {
            let change = rules::index_transaction(account, &read.payment, read.version)?;
            Some((payment_key(account, &read.payment.id), change))
        })
        .await
    }

    /// `payment`'s transaction, if it has one, with its customer and invoice read together:
    /// none, one GetItem or one BatchGetItem (nothing read for a payment without one).
    pub async fn transaction_of(
        &self,
        account: &AccountId,
        payment: Payment,
    ) -> Result<Option<Transaction>, StoreError> {
        if payment.transaction_status().is_none() {
            return Ok(None);
        }
        let paid_invoice = Transaction::paid_invoice_needed(&payment);
        let (mut customers, invoices) = self
            .customers_and_invoices(account, &payment.customer_id, paid_invoice)
            .await?;
        let customer = (payment.customer_id.as_ref()).and_then(|id| customers.remove(id));
        let invoice = paid_invoice.and_then(|id| invoices.get(id));
        Ok(Transaction::of(payment, customer, invoice))
    }

    /// The customers and invoices named (each once, those there are), read consistently in
    /// BatchGetItems of 99 keys sent at once.
    async fn customers_and_invoices<'i>(
        &self,
        account: &AccountId,
        customers: impl IntoIterator<Item = &'i CustomerId>,
        invoices: impl IntoIterator<Item = &'i InvoiceId>,
    ) -> Result<(HashMap<CustomerId, Customer>, HashMap<InvoiceId, Invoice>), StoreError> {
        let customers: BTreeSet<&CustomerId> = customers.into_iter().collect();
        let invoices: BTreeSet<&InvoiceId> = invoices.into_iter().collect();
        let keys = (customers.iter().map(|id| customer_key(account, id)))
            .chain(invoices.iter().map(|id| invoice_key(account, id)))
            .collect();
        let mut read = self.get_consistent_many(keys).await?.into_iter();
        let mut found_customers = HashMap::new();
        for item in read.by_ref().take(customers.len()).flatten() {
            let customer = customer_from(item)?;
            found_customers.insert(customer.id.clone(), customer);
        }
        let mut found_invoices = HashMap::new();
        for item in read.flatten() {
            let invoice = invoice_from(item)?;
            found_invoices.insert(invoice.id.clone(), invoice);
        }
        Ok((found_customers, found_invoices))
    }
}

/// `page` of `found` (in any order), newest started first: those after its position, and
/// whether any follow.
fn page_of<T>(mut found: Vec<(Payment, T)>, page: &PageRequest) -> Page<(Payment, T)> {
    let sort_key = |(payment, _): &(Payment, T)| transaction_position(payment).sort_key();
    found.sort_by_cached_key(|found| std::cmp::Reverse(sort_key(found)));
    if let Some(after) = &page.after {
        let after = after.sort_key();
        found.retain(|found| sort_key(found) < after);
    }
    let limit = page.limit.get();
    let next = (found.len() > limit).then(|| {
        found.truncate(limit);
        found
            .last()
            .map(|(payment, _)| transaction_position(payment))
    });
    Page {
        items: found,
        next: next.flatten(),
    }
}

/// Keeps the payments the filter keeps; when it asks for an address, each with its customer,
/// read once per listing.
struct WithCustomers<'a> {
    store: &'a Store,
    account: &'a AccountId,
    filter: &'a TransactionFilter,
    customers: HashMap<CustomerId, Customer>,
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
        let unread = (kept.iter())
            .filter_map(|payment| payment.customer_id.as_ref())
            .filter(|id| !self.customers.contains_key(*id));
        let (found, _) = (self.store)
            .customers_and_invoices(self.account, unread, [])
            .await?;
        self.customers.extend(found);
        Ok((kept.into_iter())
            .map(|payment| {
                let customer =
                    (payment.customer_id.as_ref()).and_then(|id| self.customers.get(id).cloned());
                (payment, customer)
            })
            .filter(|(_, customer)| self.filter.keeps_customer(customer.as_ref()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::PaymentId;
    use crate::domain::page::PageLimit;
    use crate::domain::payment::tests::paid;
    use crate::domain::time::Timestamp;

    /// A paid payment made at second `made` whose attempt began at second `tried`, if any.
    fn made_and_tried(made: u8, tried: Option<u8>) -> Payment {
        let at = |second: u8| Timestamp::parse(&format!("2026-01-01T00:00:{second:02}.000Z"));
        Payment {
            id: PaymentId::generate(),
            created_at: at(made).unwrap(),
            attempted_at: tried.map(|second| at(second).unwrap()),
            ..paid()
        }
    }

    #[test]
    fn a_page_cut_from_what_was_read_is_newest_started_first_after_its_position() {
        // Made in this order; the first tried last, the second never (as a charge).
        let read = vec![
            (made_and_tried(1, Some(9)), ()),
            (made_and_tried(2, None), ()),
            (made_and_tried(3, Some(4)), ()),
        ];
        let ids = |page: &Page<(Payment, ())>| -> Vec<PaymentId> {
            page.items.iter().map(|(p, _)| p.id.clone()).collect()
        };
        let two = |after| PageRequest {
            limit: PageLimit::new(2).unwrap(),
            after,
        };
        let first = page_of(read.clone(), &two(None));
        assert_eq!(ids(&first), [read[0].0.id.clone(), read[2].0.id.clone()]);
        assert_eq!(first.next, Some(transaction_position(&read[2].0)));
        let last = page_of(read.clone(), &two(first.next));
        assert_eq!(ids(&last), [read[1].0.id.clone()]);
        assert_eq!(last.next, None);
    }
}
