//! An API key's lookup that rides along with a read: one BatchGetItem fetches the key's item
//! and the items the read asked for, so a read with a key this container has not cached costs
//! one round trip on one connection, not two in a row (nor two connections at once).
//!
//! `Store::with_api_key` runs the caller's work with the lookup offered to it: the work's first
//! read by key (`reads.rs`) takes the key's item along. Whether the work took the
//! offer is known after its first poll, when it waits for the first time: a read by key takes it
//! before it sends anything. If it did not (its first call is a Query, or it needs no read),
//! the key is looked up on its own, beside the work. Nothing here decides whether the key is
//! good; the caller answers only once it has the key.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;

use tokio::sync::oneshot;

use super::items::Item;
use super::{Store, StoreError};
use crate::domain::account::{ApiKey, ApiKeyHash};

tokio::task_local! {
    static OFFER: Arc<Offer>;
}

/// Where the key's item goes once read.
type KeyItemSender = oneshot::Sender<Result<Option<Item>, StoreError>>;

/// The key's item to fetch with the next read by key, and where its answer goes.
struct Offer {
    key: Item,
    answer: Mutex<Option<KeyItemSender>>,
}

impl Offer {
    fn take(&self) -> Option<KeyItemSender> {
        self.answer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

/// The key lookup a read took along: the key's item to read with its own, and where to send it.
pub(super) struct TakenOffer {
    pub(super) key: Item,
    answer: KeyItemSender,
}

impl TakenOffer {
    /// The offer a read running under `Store::with_api_key` may take, once: the first read by
    /// key takes it, later ones find none.
    pub(super) fn take() -> Option<Self> {
        OFFER
            .try_with(|offer| {
                offer.take().map(|answer| Self {
                    key: offer.key.clone(),
                    answer,
                })
            })
            .ok()
            .flatten()
    }

    /// Hands the key's item (or why it could not be read) to the lookup. Its side may be gone
    /// (its caller failed); the read stands alone.
    pub(super) fn answer(self, found: Result<Option<Item>, StoreError>) {
        let _ = self.answer.send(found);
    }
}

impl Store {
    /// Runs `work` and looks up the key with hash `hash` in the same round trip as the work's
    /// first read by key, or beside the work when it makes none first. Both results come
    /// back; `work` is never cut short by the key's result.
    pub async fn with_api_key<F: Future>(
        &self,
        hash: &ApiKeyHash,
        work: F,
    ) -> (Result<Option<ApiKey>, StoreError>, F::Output) {
        let (sender, receiver) = oneshot::channel();
        let offer = Arc::new(Offer {
            key: super::items::api_key_key(hash),
            answer: Mutex::new(Some(sender)),
        });
        let mut work = pin!(OFFER.scope(offer.clone(), work));
        let first = std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await;
        // An offer still here after the first poll was not taken: withdrawn.
        drop(offer.take());
        let key = async {
            match receiver.await {
                Ok(answer) => answer?.map(super::api_keys::api_key_from).transpose(),
                // Not taken (its sender is dropped above), or the read that took it was
                // dropped unsent: on its own.
                Err(_) => self.find_api_key(hash).await,
            }
        };
        match first {
            Poll::Ready(output) => (key.await, output),
            Poll::Pending => futures_util::future::join(key, work).await,
        }
    }
}
