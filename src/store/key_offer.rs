//! The key lookup a request's work is offered (`Store::with_api_key`): task-local state that the
//! store's reads and writes consult, and nothing else.

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::StoreError;
use super::items::Item;
use crate::domain::account::ClaimedAccount;

tokio::task_local! {
    pub(super) static OFFER: Arc<Offer>;
}

/// Where the key's item goes once read.
pub(super) type KeyItemSender = oneshot::Sender<Result<Option<Item>, StoreError>>;

/// The key's item to fetch with the next single read (or to check in the one write), the
/// account and mode the key names, and where the key's item goes.
pub(super) struct Offer {
    key: Item,
    claim: ClaimedAccount,
    answer: Mutex<Option<KeyItemSender>>,
}

/// An offer a write took: it must check the key in its own transaction.
pub(super) struct TakenOffer {
    pub key: Item,
    pub claim: ClaimedAccount,
    pub answer: KeyItemSender,
}

/// The offer, if this task's work has one not taken yet; taking it obliges the write.
pub(super) fn take_offer() -> Option<TakenOffer> {
    OFFER
        .try_with(|offer| {
            offer.take().map(|answer| TakenOffer {
                key: offer.key.clone(),
                claim: offer.claim.clone(),
                answer,
            })
        })
        .ok()
        .flatten()
}

/// Refuses any write in work whose caller's key is not checked (inside `with_api_key`): only
/// the key-checked update may write there.
pub(super) fn refuse_unchecked() -> Result<(), StoreError> {
    match OFFER.try_with(|_| ()) {
        Ok(()) => Err(StoreError::Internal(
            "a write was attempted before the caller's key was checked".into(),
        )),
        Err(_) => Ok(()),
    }
}

impl Offer {
    pub fn new(key: Item, claim: ClaimedAccount, answer: KeyItemSender) -> Self {
        Self {
            key,
            claim,
            answer: Mutex::new(Some(answer)),
        }
    }

    pub fn key(&self) -> &Item {
        &self.key
    }

    /// The answer's sender, unless a read or write took it already.
    pub fn take(&self) -> Option<KeyItemSender> {
        self.answer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::Mode;
    use crate::domain::ids::AccountId;

    #[tokio::test]
    async fn only_work_with_an_unchecked_key_is_refused_writes_and_the_offer_is_taken_once() {
        assert!(refuse_unchecked().is_ok());
        assert!(take_offer().is_none());
        let (answer, _receiver) = oneshot::channel();
        let claim = ClaimedAccount {
            mode: Mode::Sandbox,
            account_id: AccountId::generate(),
        };
        let offer = Arc::new(Offer::new(Item::new(), claim.clone(), answer));
        OFFER
            .scope(offer, async {
                assert!(refuse_unchecked().is_err());
                let taken = take_offer().expect("offered");
                assert_eq!(taken.claim, claim);
                assert!(take_offer().is_none(), "taken once");
                assert!(refuse_unchecked().is_err(), "still unchecked");
            })
            .await;
        assert!(refuse_unchecked().is_ok());
    }
}
