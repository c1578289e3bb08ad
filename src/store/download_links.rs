//! Invoice download links: written with the request's idempotency record, found by the hash of
//! the token their URL carries.

use super::idempotency::KeyCompletion;
use super::items::{DownloadLinkItem, from_item, string_key, to_item};
use super::write::Transaction;
use super::{Store, StoreError, keys};
use crate::domain::download::{DownloadLink, DownloadToken};
use crate::domain::ids::AccountId;
use crate::domain::time::Timestamp;

impl Store {
    /// Records `link` under `token`: one PutItem, or with a completion one transaction.
    pub async fn insert_download_link(
        &self,
        account: &AccountId,
        token: &DownloadToken,
        link: &DownloadLink,
        now: Timestamp,
        completion: Option<&KeyCompletion<'_, ()>>,
    ) -> Result<(), StoreError> {
        let item = to_item(&DownloadLinkItem::new(&token.hash(), account, link, now))?;
        let Some(completion) = completion else {
            return self.put_new(item).await;
        };
        let mut transaction = Transaction::new(self);
        transaction.put_if_absent(item)?;
        transaction.join(Some(completion as _), &())?;
        self.commit_unless(transaction, None).await.map(|_| ())
    }

    /// Writes `link` under `token` unconditionally, replacing it (the sample events' fixture).
    pub async fn put_download_link_fixture(
        &self,
        account: &AccountId,
        token: &DownloadToken,
        link: &DownloadLink,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.put(to_item(&DownloadLinkItem::new(
            &token.hash(),
            account,
            link,
            now,
        ))?)
        .await
    }

    /// The account and link a presented token names, expired or not (one consistent GetItem).
    pub async fn download_link(
        &self,
        token: &DownloadToken,
    ) -> Result<Option<(AccountId, DownloadLink)>, StoreError> {
        let key = string_key(keys::download_link(&token.hash()), keys::DOWNLOAD_LINK_SK);
        self.get_consistent(key)
            .await?
            .map(|item| from_item::<DownloadLinkItem>(item)?.into_domain())
            .transpose()
    }
}
