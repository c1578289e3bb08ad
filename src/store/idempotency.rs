//! Idempotency records: one conditional write claims a key as in progress; the response is stored
//! when the request completes (inside the request's own transaction where it has one, through a
//! `KeyCompletion`), and replayed for 24 hours; a request that failed releases its key. A
//! released record keeps the time of its first claim, so that a request run again under the
//! same key derives the same object ids (a charge retried after a 503 lands on its payment).
//!
//! The HTTP layer reaches these records only through `IdempotencyRecords` (claim, keep, release)
//! and hands handlers' writes a `KeyCompletion`; neither shows it anything of DynamoDB.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use super::items::{Item, from_item, stored, stored_opt, string_key, to_item};
use super::write::{
    Bind, Companion, Condition, ConditionalUpdate, OnCommit, Put, Transaction, Updated,
};
use super::{Store, StoreError, keys};
use crate::domain::idempotency::{
    IN_PROGRESS_SECONDS, IdempotencyKey, RETENTION_SECONDS, RequestFingerprint, StoredResponse,
};
use crate::domain::ids::AccountId;
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;

const IN_PROGRESS: &str = "in_progress";
const COMPLETED: &str = "completed";
/// Given back by a request that failed: anyone may claim it again.
const RELEASED: &str = "released";

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
    /// The version that shaped the body. Records kept before versions were told have none;
    /// every one of them was shaped as 2026-07-11 is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    response_version: Option<String>,
    /// Epoch seconds; DynamoDB's TTL deletes the record some time after it.
    ttl: i64,
    created_at: String,
}

/// A key this request holds. Completing it inside a transaction marks it, so that nobody
/// completes it a second time.
#[derive(Debug)]
pub struct Claim {
    key: Item,
    /// The record's partition key: the account and the key's digest.
    pk: String,
    owner: String,
    completed: AtomicBool,
    first_claimed_at: Timestamp,
    fingerprint: String,
}

impl Claim {
    /// The same id every time this key is run with this request (method, path and body), for
    /// the object the request creates: a ULID of the key's first claim and a hash of the
    /// account, the key and the request.
    pub fn derive_id<T>(&self, derive: impl Fn(Timestamp, &[&str]) -> T) -> T {
        derive(self.first_claimed_at, &[&self.pk, &self.fingerprint])
    }

    pub fn is_completed(&self) -> bool {
        self.completed.load(Ordering::SeqCst)
    }

    /// Records that a transaction that carried this claim's completion committed.
    pub(crate) fn mark_completed(&self) {
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

/// "Also complete this idempotency record": handed to a store write so that the request's answer
/// is stored by the write's own transaction, and the record can never say "in progress" about a
/// write that happened. Built by a handler from the request's claim and its answer, which may
/// depend on the object `T` as the write leaves it.
pub struct KeyCompletion<'a, T> {
    claim: &'a Claim,
    answer: Answer<'a, T>,
}

/// A rendering of the answer that could not be produced (serialization).
pub type AnswerError = String;

/// Renders the answer for the object a write leaves behind.
pub type RenderAnswer<T> = dyn Fn(&T) -> Result<StoredResponse, AnswerError> + Sync;

enum Answer<'a, T> {
    Known(StoredResponse),
    Of(&'a RenderAnswer<T>),
}

impl<'a, T> KeyCompletion<'a, T> {
    /// The answer is known before the write.
    pub fn with_answer(claim: &'a Claim, answer: StoredResponse) -> Self {
        Self {
            claim,
            answer: Answer::Known(answer),
        }
    }

    /// The answer is `render` of the object the write leaves behind.
    pub fn rendering(claim: &'a Claim, render: &'a RenderAnswer<T>) -> Self {
        Self {
            claim,
            answer: Answer::Of(render),
        }
    }
}

impl<'a, T> Companion<'a, T> for KeyCompletion<'a, T> {
    /// Completes the record with the answer for `object`, as the transaction leaves it.
    fn add_to(&self, transaction: &mut Transaction<'a>, object: &T) -> Result<(), StoreError> {
        let answer = match &self.answer {
            Answer::Known(answer) => answer.clone(),
            Answer::Of(render) => render(object).map_err(StoreError::Internal)?,
        };
        transaction.update(
            self.claim.key.clone(),
            completion(&self.claim.owner, &answer),
        )?;
        transaction.on_commit(self.claim);
        Ok(())
    }
}

impl OnCommit for Claim {
    fn committed(&self) {
        self.mark_completed();
    }
}

/// Completes an in-progress record that `owner` holds, with `answer`.
fn completion(owner: &str, answer: &StoredResponse) -> ConditionalUpdate {
    ConditionalUpdate::new(
        "SET #state = :completed, responseStatus = :status, responseBody = :body, \
         responseVersion = :version REMOVE lockedUntil",
        "#state = :in_progress AND #owner = :owner",
    )
    .name("#state", "state")
    .name("#owner", "owner")
    .text(":completed", COMPLETED)
    .text(":in_progress", IN_PROGRESS)
    .text(":owner", owner)
    .number(":status", answer.status)
    .text(":body", answer.body.clone())
    .text(":version", answer.version.as_str())
}

/// The idempotency records as the HTTP layer uses them: claim a key for a request, then keep the
/// request's answer or give the key back.
pub struct IdempotencyRecords<'a> {
    store: &'a Store,
}

impl Store {
    pub fn idempotency(&self) -> IdempotencyRecords<'_> {
        IdempotencyRecords { store: self }
    }
}

impl IdempotencyRecords<'_> {
    /// ONE conditional UpdateItem claims the key unless a live record holds it: a new key, a
    /// released one, or an unfinished claim of the same request whose lock ran out (taken
    /// over). The time of the first claim is kept across claims. An expired record (TTL
    /// deletion lags) is replaced by a conditional PutItem.
    pub async fn claim(
        &self,
        account: &AccountId,
        key: &IdempotencyKey,
        fingerprint: &RequestFingerprint,
        now: Timestamp,
    ) -> Result<ClaimOutcome, StoreError> {
        let owner = ulid::Ulid::generate().to_string();
        let pk = keys::idempotency(account, &key.digest());
        let key_item = string_key(pk.clone(), keys::IDEMPOTENCY_SK);
        let claim = |first_claimed_at| Claim {
            key: key_item.clone(),
            pk: pk.clone(),
            owner: owner.clone(),
            completed: AtomicBool::new(false),
            first_claimed_at,
            fingerprint: fingerprint.as_str().to_owned(),
        };
        let take = ConditionalUpdate::new(
            "SET fingerprint = :fingerprint, #state = :in_progress, #owner = :owner, \
             lockedUntil = :lock, createdAt = if_not_exists(createdAt, :created), \
             #ttl = if_not_exists(#ttl, :ttl) \
             REMOVE responseStatus, responseBody, responseVersion",
            "attribute_not_exists(pk) OR (#ttl >= :now AND (#state = :released OR \
             (#state = :in_progress AND lockedUntil < :now AND fingerprint = :fingerprint)))",
        )
        .name("#ttl", keys::TTL)
        .name("#state", "state")
        .name("#owner", "owner")
        .number(":now", epoch(now))
        .number(":lock", epoch(now) + IN_PROGRESS_SECONDS)
        .number(":ttl", epoch(now) + RETENTION_SECONDS)
        .text(":created", now.to_string())
        .text(":in_progress", IN_PROGRESS)
        .text(":released", RELEASED)
        .text(":owner", owner.clone())
        .text(":fingerprint", fingerprint.as_str());
        let old = match self
            .store
            .update_conditionally(key_item.clone(), take)
            .await?
        {
            Updated::Applied(item) => {
                let record: IdempotencyItem = from_item(item)?;
                let first = stored("createdAt", Timestamp::parse(&record.created_at))?;
                return Ok(ClaimOutcome::Claimed(claim(first)));
            }
            Updated::Refused(Some(old)) => from_item::<IdempotencyItem>(old)?,
            Updated::Refused(None) => {
                return Err(StoreError::Internal("claim refused without item".into()));
            }
        };
        if old.ttl < epoch(now) {
            return self.replace_expired(claim(now), now).await;
        }
        if old.fingerprint != fingerprint.as_str() {
            return Ok(ClaimOutcome::Mismatch);
        }
        match (old.state.as_str(), old.response_status, old.response_body) {
            (COMPLETED, Some(status), Some(body)) => {
                let version = stored_opt(
                    "responseVersion",
                    old.response_version.as_deref(),
                    ApiVersion::parse,
                )?
                .unwrap_or(ApiVersion::V2026_07_11);
                Ok(ClaimOutcome::Replay(StoredResponse {
                    status,
                    body,
                    version,
                }))
            }
            (IN_PROGRESS, _, _) => Ok(ClaimOutcome::InProgress),
            _ => Err(StoreError::corrupt(
                "idempotency record in an unknown state",
            )),
        }
    }

    /// Replaces a record whose 24 hours are over with `claim`, a fresh one. Another request
    /// that replaced it first holds the key now.
    async fn replace_expired(
        &self,
        claim: Claim,
        now: Timestamp,
    ) -> Result<ClaimOutcome, StoreError> {
        let item = IdempotencyItem {
            pk: claim.pk.clone(),
            sk: keys::IDEMPOTENCY_SK.to_owned(),
            fingerprint: claim.fingerprint.clone(),
            state: IN_PROGRESS.to_owned(),
            owner: claim.owner.clone(),
            locked_until: Some(epoch(now) + IN_PROGRESS_SECONDS),
            response_status: None,
            response_body: None,
            response_version: None,
            ttl: epoch(now) + RETENTION_SECONDS,
            created_at: now.to_string(),
        };
        let expired = Condition::new("#ttl < :now")
            .name("#ttl", keys::TTL)
            .number(":now", epoch(now));
        Ok(
            match self.store.put_unless(to_item(&item)?, expired).await? {
                Put::Written => ClaimOutcome::Claimed(claim),
                Put::Refused => ClaimOutcome::InProgress,
            },
        )
    }

    /// Keeps `answer` for `claim` (a request whose outcome wrote nothing else).
    pub async fn keep(&self, claim: &Claim, answer: &StoredResponse) -> Result<(), StoreError> {
        match self
            .store
            .update_conditionally(claim.key.clone(), completion(&claim.owner, answer))
            .await?
        {
            Updated::Applied(_) => {
                claim.mark_completed();
                Ok(())
            }
            Updated::Refused(_) => Err(StoreError::Internal(
                "the claim was taken over before its answer was kept".into(),
            )),
        }
    }

    /// Gives the key back (the request failed validation or with a 5xx), so a retry runs again;
    /// the record stays, released, to keep the time of the first claim. A claim taken over after
    /// its lock ran out is not ours to release any more.
    pub async fn release(&self, claim: &Claim) -> Result<(), StoreError> {
        let change = ConditionalUpdate::new(
            "SET #state = :released REMOVE lockedUntil",
            "#state = :in_progress AND #owner = :owner",
        )
        .name("#state", "state")
        .name("#owner", "owner")
        .text(":released", RELEASED)
        .text(":in_progress", IN_PROGRESS)
        .text(":owner", claim.owner.clone());
        self.store
            .update_conditionally(claim.key.clone(), change)
            .await?;
        Ok(())
    }
}
