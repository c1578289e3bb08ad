use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem};

use super::error::is_condition_failure;
use super::expression::{ConditionalUpdate, Updated};
use super::items::{Item, LinkItem, PaymentItem, from_item, string_key, to_item};
use super::schema::TABLE;
use super::{Store, StoreError, keys};
use crate::domain::ids::{AccountId, CustomerId, PaymentId};
use crate::domain::page::{Page, PageRequest, Position};
use crate::domain::payment::{CancelDecision, Payment, PaymentKind, PaymentStatus};
use crate::domain::time::Timestamp;

/// Read-decide-write loops give up after this many lost races (then 503).
pub(crate) const MAX_DECIDE_ROUNDS: usize = 8;

#[derive(Debug)]
pub enum InsertPaymentOutcome {
    Inserted,
    /// The payment names a customer that the account does not have; nothing was written.
    CustomerMissing,
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

fn position_of(payment: &Payment) -> Position {
    Position {
        created_at: payment.created_at,
        id: payment.id.to_string(),
    }
}

impl Store {
    /// Writes a new payment. A link also gets the item that lets its public page find it; a
    /// payment for a customer also checks, in the same transaction, that the customer exists,
    /// so a payment never points at a customer the account does not have.
    /// `also` is written in the same transaction (an idempotency completion).
    pub async fn insert_payment(
        &self,
        account: &AccountId,
        payment: &Payment,
        also: Option<TransactWriteItem>,
    ) -> Result<InsertPaymentOutcome, StoreError> {
        let item = to_item(&PaymentItem::new(account, payment))?;
        let mut writes = Vec::new();
        if let Some(customer) = &payment.customer_id {
            let check = ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(string_key(
                    keys::customer(account, customer),
                    keys::CUSTOMER_SK,
                )))
                .condition_expression("attribute_exists(pk)")
                .build()
                .map_err(StoreError::build)?;
            writes.push(TransactWriteItem::builder().condition_check(check).build());
        }
        if payment.kind == PaymentKind::Link {
            writes.push(self.put_if_absent(to_item(&LinkItem {
                pk: keys::link(&payment.id),
                sk: keys::LINK_SK.to_owned(),
                account_id: account.to_string(),
            })?)?);
        }
        if writes.is_empty() && also.is_none() {
            return self
                .put_new(item)
                .await
                .map(|()| InsertPaymentOutcome::Inserted);
        }
        writes.push(self.put_if_absent(item)?);
        writes.extend(also);
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            // Makes an SDK retry of a transaction that already committed a no-op success.
            .client_request_token(payment.id.as_str())
            .send()
            .await;
        match result {
            Ok(_) => Ok(InsertPaymentOutcome::Inserted),
            Err(error) => match error.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(canceled))
                    if payment.customer_id.is_some()
                        && failed_condition(canceled.cancellation_reasons(), 0) =>
                {
                    Ok(InsertPaymentOutcome::CustomerMissing)
                }
                _ => Err(StoreError::from_sdk(error)),
            },
        }
    }

    /// A transaction Put of `item`, only if no item has its key.
    pub(crate) fn put_if_absent(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map(|put| TransactWriteItem::builder().put(put).build())
            .map_err(StoreError::build)
    }

    /// One consistent GetItem.
    pub async fn get_payment(
        &self,
        account: &AccountId,
        id: &PaymentId,
    ) -> Result<Option<Payment>, StoreError> {
        let item = self
            .get_consistent(string_key(keys::payment(account, id), keys::PAYMENT_SK))
            .await?;
        item.map(payment_from).transpose()
    }

    /// Newest first: the account's payments, or one customer's.
    pub async fn list_payments(
        &self,
        account: &AccountId,
        customer: Option<&CustomerId>,
        page: &PageRequest,
    ) -> Result<Page<Payment>, StoreError> {
        let (index, partition) = match customer {
            None => (&TABLE.indexes[0], keys::account_payments(account)),
            Some(customer) => (
                &TABLE.indexes[1],
                keys::customer_payments(account, customer),
            ),
        };
        self.query_page(index, partition, None, page, position_of, payment_from)
            .await
    }

    /// Cancels a pending link in ONE conditional UpdateItem. When the condition fails, the item
    /// as it was comes back with the failure, which tells "not found" from "already canceled"
    /// from "not cancelable" without a second read. The condition is the rule of
    /// `Payment::cancel_decision`, which then sorts the refusal.
    pub async fn cancel_link(
        &self,
        account: &AccountId,
        id: &PaymentId,
        now: Timestamp,
    ) -> Result<CancelOutcome, StoreError> {
        let key = string_key(keys::payment(account, id), keys::PAYMENT_SK);
        match self.update_conditionally(key, cancel_update(now)).await? {
            Updated::Applied(item) => Ok(CancelOutcome::Canceled(payment_from(item)?)),
            Updated::Refused(None) => Ok(CancelOutcome::NotFound),
            Updated::Refused(Some(old)) => {
                let payment = payment_from(old)?;
                match payment.cancel_decision() {
                    CancelDecision::AlreadyCanceled => Ok(CancelOutcome::AlreadyCanceled(payment)),
                    CancelDecision::NotCancelable => Ok(CancelOutcome::NotCancelable(payment)),
                    CancelDecision::Cancel => Err(StoreError::Internal(format!(
                        "cancel condition refused cancelable payment {id}"
                    ))),
                }
            }
        }
    }

    /// Cancel that commits `also(&canceled)` (an idempotency completion, which needs the answer
    /// before the write) in the same transaction: a consistent read decides, then one
    /// transaction cancels, conditional on the link still being pending. Refusals write nothing.
    pub async fn cancel_link_with(
        &self,
        account: &AccountId,
        id: &PaymentId,
        now: Timestamp,
        also: impl Fn(&Payment) -> Result<TransactWriteItem, StoreError>,
    ) -> Result<CancelOutcome, StoreError> {
        for _ in 0..MAX_DECIDE_ROUNDS {
            let Some(payment) = self.get_payment(account, id).await? else {
                return Ok(CancelOutcome::NotFound);
            };
            match payment.cancel_decision() {
                CancelDecision::AlreadyCanceled => {
                    return Ok(CancelOutcome::AlreadyCanceled(payment));
                }
                CancelDecision::NotCancelable => return Ok(CancelOutcome::NotCancelable(payment)),
                CancelDecision::Cancel => {}
            }
            let mut canceled = payment;
            canceled.status = PaymentStatus::Canceled;
            canceled.updated_at = now;
            let key = string_key(keys::payment(account, id), keys::PAYMENT_SK);
            // A refused condition means the link moved on between the read and the write.
            if self
                .transact_conditionally(key, cancel_update(now), also(&canceled)?)
                .await?
            {
                return Ok(CancelOutcome::Canceled(canceled));
            }
        }
        Err(StoreError::Unavailable(
            "the link kept changing during cancel".into(),
        ))
    }

    /// PutItem of an item under a freshly generated id. If the condition fails, the item is
    /// already there: a fresh ULID cannot collide, so it was this very write, retried by the SDK
    /// after a lost response, and the write has happened exactly once.
    pub(crate) async fn put_new(&self, item: Item) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error) if is_condition_failure(&error) => Ok(()),
            Err(error) => Err(StoreError::from_sdk(error)),
        }
    }
}

/// The one rule of `Payment::cancel_decision` as a condition: only a pending link cancels.
fn cancel_update(now: Timestamp) -> ConditionalUpdate {
    ConditionalUpdate::new(
        "SET #status = :canceled, #updatedAt = :now ADD #version :one",
        "attribute_exists(pk) AND #kind = :link AND #status = :pending",
    )
    .name("#status", "status")
    .name("#kind", "kind")
    .name("#updatedAt", "updatedAt")
    .name("#version", "version")
    .text(":canceled", PaymentStatus::Canceled.as_str())
    .text(":pending", PaymentStatus::Pending.as_str())
    .text(":link", PaymentKind::Link.as_str())
    .text(":now", now.to_string())
    .number(":one", 1)
}

/// Whether the transaction was canceled because the condition of item `index` failed.
pub(crate) fn failed_condition(
    reasons: &[aws_sdk_dynamodb::types::CancellationReason],
    index: usize,
) -> bool {
    reasons
        .get(index)
        .and_then(|reason| reason.code())
        .is_some_and(|code| code == "ConditionalCheckFailed")
}

impl Store {
    /// Writes a payment (and a link's page item) unconditionally, replacing any item with its
    /// id (fixtures only).
    pub async fn put_payment_fixture(
        &self,
        account: &AccountId,
        payment: &Payment,
    ) -> Result<(), StoreError> {
        let mut items = vec![to_item(&PaymentItem::new(account, payment))?];
        if payment.kind == PaymentKind::Link {
            items.push(to_item(&LinkItem {
                pk: keys::link(&payment.id),
                sk: keys::LINK_SK.to_owned(),
                account_id: account.to_string(),
            })?);
        }
        for item in items {
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
        }
        Ok(())
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
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        for chunk in payments.chunks(25) {
            let mut requests = chunk
                .iter()
                .map(|payment| {
                    let put = PutRequest::builder()
                        .set_item(Some(to_item(&PaymentItem::new(account, payment))?))
                        .build()
                        .map_err(StoreError::build)?;
                    Ok(WriteRequest::builder().put_request(put).build())
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            // DynamoDB may hand back part of a batch under load; send it again until done.
            for _ in 0..20 {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(StoreError::from_sdk)?;
                requests = output
                    .unprocessed_items
                    .and_then(|mut items| items.remove(&self.table))
                    .unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
            }
            if !requests.is_empty() {
                return Err(StoreError::Unavailable(
                    "batch import kept being throttled".into(),
                ));
            }
        }
        Ok(())
    }
}
