use serde::{Deserialize, Serialize};

use super::{StoreError, keys, stored, stored_opt};
use crate::domain::download::DownloadLink;
use crate::domain::ids::{AccountId, CustomerId, InvoiceId};
use crate::domain::time::Timestamp;

/// An invoice's download link, found by its token's hash alone (the URL names no account), like
/// a hosted page's item. DynamoDB's TTL removes it some time after it expires.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DownloadLinkItem {
    pub pk: String,
    pub sk: String,
    pub account_id: String,
    pub invoice_id: String,
    /// Absent in links made before 2026-12-06.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    pub expires_at: String,
    /// Epoch seconds.
    pub ttl: i64,
    pub created_at: String,
}

impl DownloadLinkItem {
    pub fn new(token_hash: &str, account: &AccountId, link: &DownloadLink, now: Timestamp) -> Self {
        Self {
            pk: keys::download_link(token_hash),
            sk: keys::DOWNLOAD_LINK_SK.to_owned(),
            account_id: account.to_string(),
            invoice_id: link.invoice_id.to_string(),
            customer_id: link.customer_id.as_ref().map(ToString::to_string),
            expires_at: link.expires_at.to_string(),
            ttl: link.expires_at.datetime().unix_timestamp(),
            created_at: now.to_string(),
        }
    }

    pub fn into_domain(self) -> Result<(AccountId, DownloadLink), StoreError> {
        Ok((
            stored("accountId", AccountId::parse(&self.account_id))?,
            DownloadLink {
                invoice_id: stored("invoiceId", InvoiceId::parse(&self.invoice_id))?,
                customer_id: stored_opt(
                    "customerId",
                    self.customer_id.as_deref(),
                    CustomerId::parse,
                )?,
                expires_at: stored("expiresAt", Timestamp::parse(&self.expires_at))?,
            },
        ))
    }
}
