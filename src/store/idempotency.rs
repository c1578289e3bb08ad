//! Idempotency records: one conditional put claims a key as in progress; the response is stored
//! when the request completes (inside the request's own transaction where it has one), and
//! replayed for 24 hours; a request that failed releases its key.

use std::sync::atomic::{AtomicBool, Ordering};

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use serde::{Deserialize, Serialize};

use super::error::is_condition_failure;
use super::items::{Item, from_item, string_key, to_item};
use super::{Store, StoreError, keys};
use crate::domain::idempotency::{
    IN_PROGRESS_SECONDS, IdempotencyKey, RETENTION_SECONDS, RequestFingerprint, StoredResponse,
};
use crate::domain::ids::AccountId;
use crate::domain::time::Timestamp;

const IN_PROGRESS: &str = "in_progress";
const COMPLETED: &str = "completed";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdempotencyItem {
    pk: String,
    sk: String,
    fingerprint: String,
    state: String,
    /// Which claim holds the key; only it may complete or release it.
    owner: String,
    /// Epoch seconds after which an unfinished claim may be taken over (removed on completion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locked_until: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    response_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    response_body: Option<String>,
    /// Epoch seconds; DynamoDB's TTL deletes the record some time after it.
    ttl: i64,
    created_at: String,
}

/// A key this request holds. Completing it inside a transaction marks it, so that nobody
/// completes it a second time.
#[derive(Debug)]
pub struct Claim {
    key: Item,
    owner: String,
    completed: AtomicBool,
}

impl Claim {
    pub fn is_completed(&self) -> bool {
        self.completed.load(Ordering::SeqCst)
    }

    /// Records that a transaction that carried this claim's completion committed.
    pub fn mark_completed(&self) {
        self.completed.store(true, Ordering::SeqCst);
    }
}

#[derive(Debug)]
pub enum ClaimOutcome {
    Claimed(Claim),
    /// The first request with this key completed: answer with its response.
    Replay(StoredResponse),
    /// The key was used with another method, path or body.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

fn epoch(now: Timestamp) -> i64 {
    now.datetime().unix_timestamp()
}

impl Store {
    /// ONE conditional PutItem: claims the key unless a live record holds it. An expired record
    /// (TTL deletion lags), or an unfinished claim of the same request whose lock ran out, is
    /// taken over.
    pub async fn claim_idempotency_key(
        &self,
        account: &AccountId,
        key: &IdempotencyKey,
        fingerprint: &RequestFingerprint,
        now: Timestamp,
    ) -> Result<ClaimOutcome, StoreError> {
        let owner = ulid::Ulid::generate().to_string();
        let item = IdempotencyItem {
            pk: keys::idempotency(account, &key.digest()),
            sk: keys::IDEMPOTENCY_SK.to_owned(),
            fingerprint: fingerprint.as_str().to_owned(),
            state: IN_PROGRESS.to_owned(),
            owner: owner.clone(),
            locked_until: Some(epoch(now) + IN_PROGRESS_SECONDS),
            response_status: None,
            response_body: None,
            ttl: epoch(now) + RETENTION_SECONDS,
            created_at: now.to_string(),
        };
        let key_item = string_key(item.pk.clone(), keys::IDEMPOTENCY_SK);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .condition_expression(
                "attribute_not_exists(pk) OR #ttl < :now OR \
                 (#state = :in_progress AND lockedUntil < :now AND fingerprint = :fingerprint)",
            )
            .expression_attribute_names("#ttl", keys::TTL)
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":now", AttributeValue::N(epoch(now).to_string()))
            .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.into()))
            .expression_attribute_values(
                ":fingerprint",
                AttributeValue::S(fingerprint.as_str().to_owned()),
            )
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let old = match result {
            Ok(_) => {
                return Ok(ClaimOutcome::Claimed(Claim {
                    key: key_item,
                    owner,
                    completed: AtomicBool::new(false),
                }));
            }
            Err(error) => match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    match failed.item().cloned() {
                        Some(old) => from_item::<IdempotencyItem>(old)?,
                        None => {
                            return Err(StoreError::Internal("claim refused without item".into()));
                        }
                    }
                }
                _ => return Err(StoreError::from_sdk(error)),
            },
        };
        if old.fingerprint != fingerprint.as_str() {
            return Ok(ClaimOutcome::Mismatch);
        }
        match (old.state.as_str(), old.response_status, old.response_body) {
            (COMPLETED, Some(status), Some(body)) => {
                Ok(ClaimOutcome::Replay(StoredResponse { status, body }))
            }
            (IN_PROGRESS, _, _) => Ok(ClaimOutcome::InProgress),
            _ => Err(StoreError::corrupt(
                "idempotency record in an unknown state",
            )),
        }
    }

    /// The write that completes `claim` with `response`, to commit inside the request's own
    /// transaction.
    pub fn idempotency_completion(
        &self,
        claim: &Claim,
        response: &StoredResponse,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(claim.key.clone()))
            .update_expression(
                "SET #state = :completed, responseStatus = :status, responseBody = :body \
                 REMOVE lockedUntil",
            )
            .condition_expression("#state = :in_progress AND #owner = :owner")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":completed", AttributeValue::S(COMPLETED.into()))
            .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.into()))
            .expression_attribute_values(":owner", AttributeValue::S(claim.owner.clone()))
            .expression_attribute_values(":status", AttributeValue::N(response.status.to_string()))
            .expression_attribute_values(":body", AttributeValue::S(response.body.clone()))
            .build()
            .map_err(StoreError::build)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Completes `claim` on its own (a request whose outcome wrote nothing else).
    pub async fn complete_idempotency_key(
        &self,
        claim: &Claim,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let write = self.idempotency_completion(claim, response)?;
        let update = write
            .update
            .ok_or_else(|| StoreError::Internal("completion is not an update".into()))?;
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(update.key))
            .update_expression(update.update_expression)
            .set_condition_expression(update.condition_expression)
            .set_expression_attribute_names(update.expression_attribute_names)
            .set_expression_attribute_values(update.expression_attribute_values)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        claim.mark_completed();
        Ok(())
    }

    /// Gives the key back (the request failed validation or with a 5xx), so a retry runs again.
    pub async fn release_idempotency_key(&self, claim: &Claim) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(claim.key.clone()))
            .condition_expression("#state = :in_progress AND #owner = :owner")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.into()))
            .expression_attribute_values(":owner", AttributeValue::S(claim.owner.clone()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Taken over after its lock ran out: not ours to release any more.
            Err(error) if is_condition_failure(&error) => Ok(()),
            Err(error) => Err(StoreError::from_sdk(error)),
        }
    }
}
