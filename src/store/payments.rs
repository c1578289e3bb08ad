use super::accounts::account_from;
use super::idempotency::KeyCompletion;
use super::items::{Item, LinkItem, PaymentItem, account_key, from_item, string_key, to_item};
use super::paging::IndexQuery;
use super::projection::Listed;
use super::schema;
use super::write::{
    Alternatives, Companion, Condition, ConditionalUpdate, PRESENT, Transaction, Updated,
};
use super::{Store, StoreError, keys, rules};
use crate::domain::account::Account;
use crate::domain::charge_report::ReportDecision;
use crate::domain::dispute::DisputeReport;
use crate::domain::ids::{AccountId, CustomerId, PaymentId};
use crate::domain::page::{Page, PageRequest, Position};
use crate::domain::payment::{CancelDecision, Payment, PaymentKind};
use crate::domain::refund::RefundReport;
use crate::domain::time::Timestamp;

#[derive(Debug)]
pub enum InsertPaymentOutcome {
    Inserted,
    /// The payment names a customer that the account does not have; nothing was written.
    CustomerMissing,
}

/// What recording a provider's report (a refund, a dispute) did.
#[derive(Debug)]
pub enum ReportOutcome {
    Recorded(Payment),
    /// Nothing changed: the payment as it is, for the domain's decision to say why.
    Refused(Payment),
    NotFound,
}

impl From<Updated<Payment>> for ReportOutcome {
    fn from(updated: Updated<Payment>) -> Self {
        match updated {
            Updated::Applied(payment) => ReportOutcome::Recorded(payment),
            Updated::Refused(Some(payment)) => ReportOutcome::Refused(payment),
            Updated::Refused(None) => ReportOutcome::NotFound,
        }
    }
}

#[derive(Debug)]
pub enum CancelOutcome {
    Canceled(Payment),
    /// It was canceled before; returned unchanged.
    AlreadyCanceled(Payment),
    /// A charge, or a link past `pending`; returned as it is.
    NotCancelable(Payment),
    NotFound,
}

pub(crate) fn payment_from(item: Item) -> Result<Payment, StoreError> {
    from_item::<PaymentItem>(item)?.into_domain()
}

pub(crate) fn payment_key(account: &AccountId, id: &PaymentId) -> Item {
    string_key(keys::payment(account, id), keys::PAYMENT_SK)
}

pub(super) fn position_of(payment: &Payment) -> Position {
    Position {
        created_at: payment.created_at,
        id: payment.id.to_string(),
    }
}

/// The item that lets a link's public page find it.
fn page_item(account: &AccountId, payment: &Payment) -> Result<Item, StoreError> {
    to_item(&LinkItem {
        pk: keys::link(&payment.id),
        sk: keys::LINK_SK.to_owned(),
        account_id: account.to_string(),
    })
}

impl Store {
    /// Writes a new payment. A link also gets the item that lets its public page find it; a
    /// payment for a customer also checks, in the same transaction, that the customer exists,
    /// so a payment never points at a customer the account does not have.
    pub async fn insert_payment(
        &self,
        account: &AccountId,
        payment: &Payment,
        completion: Option<&KeyCompletion<'_, Payment>>,
    ) -> Result<InsertPaymentOutcome, StoreError> {
        let item = to_item(&PaymentItem::new(account, payment))?;
        let is_link = payment.kind == PaymentKind::Link;
        if payment.customer_id.is_none() && !is_link && completion.is_none() {
            return self
                .put_new(item)
                .await
                .map(|()| InsertPaymentOutcome::Inserted);
        }
        let mut transaction = Transaction::new(self).token(payment.id.to_string());
        let customer_check = match &payment.customer_id {
            Some(customer) => Some(transaction.check(
                string_key(keys::customer(account, customer), keys::CUSTOMER_SK),
                Condition::new(PRESENT),
            )?),
            None => None,
        };
        if is_link {
            transaction.put_if_absent(page_item(account, payment)?)?;
        }
        transaction.put_if_absent(item)?;
        transaction.join(completion.map(|c| c as _), payment)?;
        Ok(if self.commit_unless(transaction, customer_check).await? {
            InsertPaymentOutcome::Inserted
        } else {
            InsertPaymentOutcome::CustomerMissing
        })
    }

    /// One consistent GetItem.
    pub async fn get_payment(
        &self,
        account: &AccountId,
        id: &PaymentId,
    ) -> Result<Option<Payment>, StoreError> {
        let item = self.get_consistent(payment_key(account, id)).await?;
        item.map(payment_from).transpose()
    }

    /// Payment `id` and its account, read consistently in one BatchGetItem.
    pub async fn payment_with_account(
        &self,
        account: &AccountId,
        id: &PaymentId,
    ) -> Result<(Option<Payment>, Option<Account>), StoreError> {
        let keys = [payment_key(account, id), account_key(account)];
        let [payment, found] = self.get_exactly(keys).await?;
        Ok((
            payment.map(payment_from).transpose()?,
            found.map(account_from).transpose()?,
        ))
    }

    /// Newest first: the account's payments, or one customer's.
    pub async fn list_payments(
        &self,
        account: &AccountId,
        customer: Option<&CustomerId>,
        page: &PageRequest,
    ) -> Result<Page<Payment>, StoreError> {
        let (index, partition) = match customer {
            None => (&schema::BY_ACCOUNT, keys::account_payments(account)),
            Some(customer) => (
                &schema::BY_CUSTOMER,
                keys::customer_payments(account, customer),
            ),
        };
        self.query_page(
            IndexQuery::of(index, partition).projected(PaymentItem::projection()),
            page,
            position_of,
            payment_from,
        )
        .await
    }

    /// Cancels a pending link (`rules::cancel_link`). Without a completion it is ONE conditional
    /// UpdateItem: when the condition fails, the item as it was comes back with the failure,
    /// which `Payment::cancel_decision` sorts into "not found", "already canceled" and "not
    /// cancelable" without a second read. With a completion, the answer is stored by the same
    /// transaction (see `Store::update`).
    pub async fn cancel_link(
        &self,
        account: &AccountId,
        id: &PaymentId,
        now: Timestamp,
        completion: Option<&KeyCompletion<'_, Payment>>,
    ) -> Result<CancelOutcome, StoreError> {
        let updated = self
            .update(
                payment_key(account, id),
                rules::cancel_link(now),
                payment_from,
                |payment| payment.canceled(now),
                completion.map(|c| c as &dyn Companion<'_, Payment>),
            )
            .await?;
        match updated {
            Updated::Applied(payment) => Ok(CancelOutcome::Canceled(payment)),
            Updated::Refused(None) => Ok(CancelOutcome::NotFound),
            Updated::Refused(Some(payment)) => match payment.cancel_decision() {
                CancelDecision::AlreadyCanceled => Ok(CancelOutcome::AlreadyCanceled(payment)),
                CancelDecision::NotCancelable => Ok(CancelOutcome::NotCancelable(payment)),
                CancelDecision::Cancel => Err(StoreError::Internal(format!(
                    "cancel condition refused cancelable payment {id}"
                ))),
            },
        }
    }

    /// Records a refund the provider reported (`rules::record_refund`).
    pub async fn record_refund(
        &self,
        account: &AccountId,
        id: &PaymentId,
        report: &RefundReport,
        now: Timestamp,
    ) -> Result<ReportOutcome, StoreError> {
        let writes = rules::record_refund(account, report, now);
        self.record_report_by(account, id, writes, |payment| {
            payment.refund_decision(report) == ReportDecision::Record
        })
        .await
    }

    /// Records a refund of what remains, asked of the API (`rules::refund_in_full`).
    pub async fn record_refund_in_full(
        &self,
        account: &AccountId,
        id: &PaymentId,
        now: Timestamp,
    ) -> Result<ReportOutcome, StoreError> {
        self.record_report(account, id, rules::refund_in_full(account, now))
            .await
    }

    /// Records a dispute the provider reported (`rules::record_dispute`).
    pub async fn record_dispute(
        &self,
        account: &AccountId,
        id: &PaymentId,
        report: &DisputeReport,
        now: Timestamp,
    ) -> Result<ReportOutcome, StoreError> {
        let writes = rules::record_dispute(account, report, now);
        self.record_report_by(account, id, writes, |payment| {
            payment.dispute_decision(report) == ReportDecision::Record
        })
        .await
    }

    /// `record_report` with each of `writes` in turn (`Alternatives::in_turn`), while the one
    /// before was refused though the payment as it came back is one to record the report on
    /// (`to_record`): refused for what tells the writes apart. Usually one UpdateItem.
    async fn record_report_by(
        &self,
        account: &AccountId,
        id: &PaymentId,
        writes: Alternatives,
        to_record: impl Fn(&Payment) -> bool,
    ) -> Result<ReportOutcome, StoreError> {
        let mut outcome = ReportOutcome::NotFound;
        for change in writes.in_turn() {
            outcome = self.record_report(account, id, change.clone()).await?;
            match &outcome {
                ReportOutcome::Refused(payment) if to_record(payment) => continue,
                _ => return Ok(outcome),
            }
        }
        Ok(outcome)
    }

    /// ONE conditional UpdateItem of the payment; when refused, the payment as it was comes back
    /// with the refusal, for the domain's decision to say why (no second read).
    async fn record_report(
        &self,
        account: &AccountId,
        id: &PaymentId,
        change: ConditionalUpdate,
    ) -> Result<ReportOutcome, StoreError> {
        let updated = self
            .update_conditionally(payment_key(account, id), change)
            .await?
            .map(payment_from)?;
        Ok(ReportOutcome::from(updated))
    }
}

impl Store {
    /// Writes a payment (and a link's page item) unconditionally, replacing any item with its
    /// id (fixtures only).
    pub async fn put_payment_fixture(
        &self,
        account: &AccountId,
        payment: &Payment,
    ) -> Result<(), StoreError> {
        if payment.kind == PaymentKind::Link {
            self.put(page_item(account, payment)?).await?;
        }
        self.put(to_item(&PaymentItem::new(account, payment))?)
            .await
    }
}

impl Store {
    /// Writes many payments with BatchWriteItem (25 per call), unconditionally: a bulk import
    /// of payments that do not exist yet, such as benchmark or migration data. Links get no page
    /// item and customers are not checked.
    pub async fn import_payments(
        &self,
        account: &AccountId,
        payments: &[Payment],
    ) -> Result<(), StoreError> {
        let items = payments
            .iter()
            .map(|payment| to_item(&PaymentItem::new(account, payment)))
            .collect::<Result<Vec<_>, _>>()?;
        self.put_batch(items).await
    }
}
