//! Idempotency keys: a retried write with the same key gets the first response again instead of
//! a second payment.

use sha2::{Digest, Sha256};

use super::Invalid;
use super::version::ApiVersion;

/// The client's `Idempotency-Key`: 1 to 255 visible ASCII characters, scoped to the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let visible = text.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
        if text.is_empty() || text.len() > Self::MAX_CHARS || !visible || text.trim() != text {
            return Err(Invalid::new(format!(
                "must be 1 to {} visible ASCII characters",
                Self::MAX_CHARS
            )));
        }
        Ok(Self(text.to_owned()))
    }

    /// What the store keys the record by: a fixed-size digest, so any key fits a DynamoDB key.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Identifies a request for the "same method, path and body" rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFingerprint(String);

impl RequestFingerprint {
    pub fn of(method: &str, path: &str, body: &[u8]) -> Self {
        let mut hash = Sha256::new();
        // Length-prefixed parts: no two (method, path, body) triples hash the same bytes.
        for part in [method.as_bytes(), path.as_bytes(), body] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
        Self(hex::encode(hash.finalize()))
    }

    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The first completed response for a key, replayed byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    /// The version that shaped `body`: a replay says it again, whatever the retry asks for.
    pub version: ApiVersion,
}

/// How long a completed response is kept (contract: 24 hours).
pub const RETENTION_SECONDS: i64 = 24 * 60 * 60;
/// How long a claim blocks a retry if its request never finishes (a crashed invocation). Longer
/// than the function timeout (10 s), so a running request is never overtaken.
pub const IN_PROGRESS_SECONDS: i64 = 30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_bounds() {
        assert!(IdempotencyKey::parse("order-7-attempt").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(256)).is_err());
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse(" padded").is_err());
        assert!(IdempotencyKey::parse("tab\there").is_err());
        assert!(IdempotencyKey::parse("ключ").is_err());
    }

    #[test]
    fn fingerprints_tell_method_path_and_body_apart() {
        let base = RequestFingerprint::of("POST", "/api/v1/payments", b"{}");
        assert_eq!(
            base,
            RequestFingerprint::of("POST", "/api/v1/payments", b"{}")
        );
        assert_ne!(
            base,
            RequestFingerprint::of("PUT", "/api/v1/payments", b"{}")
        );
        assert_ne!(
            base,
            RequestFingerprint::of("POST", "/api/v1/customers", b"{}")
        );
        assert_ne!(
            base,
            RequestFingerprint::of("POST", "/api/v1/payments", b"{ }")
        );
        // Length prefixes keep path and body from running into each other.
        assert_ne!(
            RequestFingerprint::of("POST", "/a", b"\nb"),
            RequestFingerprint::of("POST", "/a\n", b"b")
        );
    }
}
