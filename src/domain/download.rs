//! Invoice download links (Commet's `invoices.getDownloadUrl`): a URL that serves one invoice as
//! a PDF to whoever holds it, without an API key, for seven days. The URL carries 256 random
//! bits; only their hash is stored, as for API keys, so the table never holds a usable link.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::delivery::later;
use super::ids::{CustomerId, InvoiceId};
use super::time::Timestamp;

/// How long a download link serves its invoice (Commet's seven days).
pub const DOWNLOAD_LINK_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The secret part of a download URL.
pub struct DownloadToken(String);

impl DownloadToken {
    const RANDOM_BYTES: usize = 32;
    /// 256 bits in URL-safe base64 without padding.
    const CHARS: usize = 43;

    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut random = [0u8; Self::RANDOM_BYTES];
        getrandom::fill(&mut random)?;
        Ok(Self(URL_SAFE_NO_PAD.encode(random)))
    }

    /// A token as a URL presents it; `None` when it cannot be one (so nothing is looked up).
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == Self::CHARS
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Lower-case hex SHA-256: what the store finds the link by.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for DownloadToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DownloadToken(<redacted>)")
    }
}

/// What a download link serves, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadLink {
    pub invoice_id: InvoiceId,
    /// The invoice's customer (who it is billed to), so that a download reads both at once;
    /// `None` in links made before 2026-12-06, which read the customer after the invoice.
    pub customer_id: Option<CustomerId>,
    pub expires_at: Timestamp,
}

impl DownloadLink {
    pub fn new(invoice_id: InvoiceId, customer_id: CustomerId, now: Timestamp) -> Self {
        Self {
            invoice_id,
            customer_id: Some(customer_id),
            expires_at: later(now, DOWNLOAD_LINK_LIFETIME),
        }
    }

    /// Whether it still serves at `now` (the table's TTL removes expired links only eventually).
    pub fn serves_at(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_random_bits_found_by_their_hash() {
        let token = DownloadToken::generate().unwrap();
        assert_eq!(token.expose().len(), 43);
        let again = DownloadToken::parse(token.expose()).unwrap();
        assert_eq!(again.hash(), token.hash());
        assert_eq!(token.hash().len(), 64);
        assert_ne!(token.hash(), DownloadToken::generate().unwrap().hash());
        assert!(DownloadToken::parse("short").is_none());
        assert!(DownloadToken::parse(&"a".repeat(42)).is_none());
        assert!(DownloadToken::parse(&format!("{}/", "a".repeat(42))).is_none());
        assert!(!format!("{token:?}").contains(token.expose()));
    }

    #[test]
    fn a_link_serves_for_seven_days() {
        let now = Timestamp::parse("2026-12-01T10:00:00.000Z").unwrap();
        let link = DownloadLink::new(InvoiceId::generate(), CustomerId::generate(), now);
        assert_eq!(link.expires_at.to_string(), "2026-12-08T10:00:00.000Z");
        assert!(link.serves_at(Timestamp::parse("2026-12-08T09:59:59.999Z").unwrap()));
        assert!(!link.serves_at(link.expires_at));
    }
}
