//! API keys: issued (the secret shown once, only its hash stored), listed and revoked.

use std::io::Write;
use std::path::Path;

use super::{AdminResult, find_account};
use crate::domain::account::{ApiKey, ApiKeySecret, MAX_ACTIVE_KEYS};
use crate::domain::ids::ApiKeyId;
use crate::domain::time::Timestamp;
use crate::store::{IssueKeyOutcome, Store};

/// Another key for the account, printed once.
pub async fn issue_key(store: &Store, account: &str, out: &mut dyn Write) -> AdminResult {
    let account = find_account(store, account).await?;
    let secret = ApiKeySecret::generate(&account)?;
    let issued = store
        .issue_api_key(&account.id, |current| {
            ApiKey::issue(current, &secret, Timestamp::now())
        })
        .await?;
    match issued {
        IssueKeyOutcome::Issued(_) => show_once(&secret, out),
        IssueKeyOutcome::NoSuchAccount => Err(format!("no account {}", account.id).into()),
        IssueKeyOutcome::AtKeyLimit => Err(format!(
            "account {} has {MAX_ACTIVE_KEYS} active keys, the most it may have: revoke one first",
            account.id
        )
        .into()),
    }
}

/// The account's keys: prefix, id, when created, whether revoked.
pub async fn list_keys(store: &Store, account: &str, out: &mut dyn Write) -> AdminResult {
    let account = find_account(store, account).await?;
    for key in store.list_api_keys(&account.id).await? {
        let state = key
            .revoked_at
            .map_or_else(|| "active".to_owned(), |at| format!("revoked {at}"));
        writeln!(
            out,
            "{}  {}…  created {}  {state}",
            key.id, key.display_prefix, key.created_at
        )?;
    }
    Ok(())
}

/// Revokes the key with this id (`key_…`); warm functions stop accepting it within their
/// key cache's TTL.
pub async fn revoke_key(
    store: &Store,
    account: &str,
    key: &str,
    out: &mut dyn Write,
) -> AdminResult {
    let account = find_account(store, account).await?;
    let key_id = ApiKeyId::parse(key).map_err(|e| format!("--key {e}"))?;
    let revoked = store
        .revoke_api_key(&account.id, &key_id, Timestamp::now())
        .await?
        .ok_or_else(|| format!("account {} has no key {key_id}", account.id))?;
    let at = revoked
        .revoked_at
        .map(|at| at.to_string())
        .unwrap_or_default();
    writeln!(out, "revoked {} at {at}", revoked.id)?;
    Ok(())
}

pub(super) fn show_once(secret: &ApiKeySecret, out: &mut dyn Write) -> AdminResult {
    writeln!(out, "api key {}", secret.expose())?;
    writeln!(
        out,
        "(the key is shown only now; only its SHA-256 hash is stored)"
    )?;
    Ok(())
}

/// Writes the key readable by its owner only, creating the directories it needs.
pub(super) fn write_secret(path: &Path, secret: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    writeln!(file, "{secret}")
}
