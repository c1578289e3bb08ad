//! The settings each key copies from its account (mode, API version, provider route): a change
//! reaches every key, including one the eventually consistent index does not list yet, one
//! issued while the change runs, and keys of accounts from before settings versions.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::account::{
    Account, ApiKey, ApiKeyHash, ApiKeySecret, Mode, ProviderSettings,
};
use commet_payments::domain::ids::StripeAccountId;
use commet_payments::domain::time::Timestamp;
use commet_payments::domain::version::ApiVersion;
use commet_payments::store::{IssueKeyOutcome, keys};

use crate::helpers::{TestApp, store};

/// The settings a key carries, as one comparable value.
fn copied(version: Option<ApiVersion>, providers: &ProviderSettings) -> String {
    format!("{version:?} {providers:?}")
}

/// The account's settings, once each of `keys` is checked to carry exactly them.
async fn every_key_copies(t: &TestApp, account: &Account, keys: &[&str]) -> String {
    let account = t.store.get_account(&account.id).await.unwrap().unwrap();
    let expected = copied(account.api_version, &account.providers);
    for secret in keys {
        let key = t
            .store
            .find_api_key(&ApiKeyHash::of(secret))
            .await
            .unwrap()
            .expect("the key is stored");
        assert_eq!(
            copied(key.api_version, &key.providers),
            expected,
            "{secret}"
        );
    }
    expected
}

/// Runs `expression` on the item at `pk`/`sk` directly, as no code path of the service would.
async fn rewrite(t: &TestApp, pk: String, sk: &str, expression: &str) {
    rewrite_with(t, pk, sk, expression, None).await;
}

async fn rewrite_with(
    t: &TestApp,
    pk: String,
    sk: &str,
    expression: &str,
    value: Option<(&str, &str)>,
) {
    t.store
        .client()
        .update_item()
        .table_name(t.store.table_name())
        .key(keys::PK, AttributeValue::S(pk))
        .key(keys::SK, AttributeValue::S(sk.to_owned()))
        .update_expression(expression)
        .set_expression_attribute_values(
            value.map(|(name, value)| {
                [(name.to_owned(), AttributeValue::S(value.to_owned()))].into()
            }),
        )
        .send()
        .await
        .unwrap();
}

/// Moves the key out of its account's partition of the by-account index, as a key written a
/// moment ago may not be listed there yet on DynamoDB (its indexes are eventually consistent;
/// DynamoDB Local's are not).
async fn unlist(t: &TestApp, secret: &str) {
    let pk = keys::api_key(&ApiKeyHash::of(secret));
    let elsewhere = Some((":elsewhere", "NOT#LISTED#YET"));
    rewrite_with(
        t,
        pk,
        keys::API_KEY_SK,
        "SET gsi1pk = :elsewhere",
        elsewhere,
    )
    .await;
}

#[tokio::test]
async fn a_change_reaches_a_key_the_index_does_not_list_yet() {
    let t = TestApp::new().await;
    let (account, first) = t
        .account_pinned(Mode::Sandbox, Some(ApiVersion::V2026_07_11))
        .await;
    let second = t.issue_key(&account).await;
    unlist(&t, &second).await;
    assert_eq!(t.store.list_api_keys(&account.id).await.unwrap().len(), 1);

    t.store
        .set_api_version(&account.id, ApiVersion::V2026_07_31)
        .await
        .unwrap()
        .expect("the account exists");
    let expected = every_key_copies(&t, &account, &[&first, &second]).await;
    assert!(expected.contains("V2026_07_31"), "{expected}");
}

/// A change that lands between a key's issuer reading the account and writing the key: the
/// issuer's transaction is refused, and it copies the account again.
#[tokio::test]
async fn a_key_issued_across_a_change_copies_the_new_settings() {
    let t = TestApp::new().await;
    let (account, _) = t
        .account_pinned(Mode::Sandbox, Some(ApiVersion::V2026_07_11))
        .await;
    let interrupted = AtomicBool::new(false);
    let secret = ApiKeySecret::generate(&account).unwrap();
    let issued = t
        .store
        .issue_api_key(&account.id, |current| {
            if !interrupted.swap(true, Ordering::SeqCst) {
                // The issuer has read the account and not yet written: another operator's
                // change runs now, on a runtime of its own.
                let id = account.id.clone();
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        store()
                            .await
                            .set_api_version(&id, ApiVersion::V2026_07_31)
                            .await
                            .unwrap()
                            .expect("the account exists");
                    });
                })
                .join()
                .unwrap();
            }
            ApiKey::issue(current, &secret, Timestamp::now())
        })
        .await
        .unwrap();
    assert!(matches!(issued, IssueKeyOutcome::Issued(_)), "{issued:?}");
    let expected = every_key_copies(&t, &account, &[secret.expose()]).await;
    assert!(expected.contains("V2026_07_31"), "{expected}");
}

/// Keys issued while settings change, and changes racing each other: afterwards every key
/// carries exactly the account's settings. Bounded: 12 keys and 6 changes, at once.
#[tokio::test]
async fn keys_issued_during_changes_end_on_the_last_settings() {
    let t = TestApp::new().await;
    let (account, first) = t.account(Mode::Sandbox).await;
    let connected = StripeAccountId::parse("acct_1RaceTest").unwrap();
    let t = &t;
    let issuing = (0..12).map(|_| async { t.issue_key(&account).await });
    let changing = (0..6).map(|n| {
        let connected = connected.clone();
        let account = &account;
        async move {
            if n % 3 == 0 {
                let version = [ApiVersion::V2026_07_11, ApiVersion::V2026_07_31][n % 2];
                t.store.set_api_version(&account.id, version).await
            } else {
                t.store
                    .set_providers(&account.id, |_| ProviderSettings {
                        sandbox_on_stripe: n % 2 == 0,
                        stripe_account: (n > 3).then(|| connected.clone()),
                    })
                    .await
            }
        }
    });
    let (issued, changed) = tokio::time::timeout(
        Duration::from_secs(60),
        futures_util::future::join(
            futures_util::future::join_all(issuing),
            futures_util::future::join_all(changing),
        ),
    )
    .await
    .expect("the race ends");
    for change in changed {
        change.unwrap().expect("the account exists");
    }

    let mut keys: Vec<&str> = issued.iter().map(String::as_str).collect();
    keys.push(&first);
    every_key_copies(t, &account, &keys).await;
}

/// An account written before settings versions (no version, no key list on its item): its
/// first change finds the keys through the index and records them, so that later changes reach
/// them without it.
#[tokio::test]
async fn an_account_from_before_versions_takes_its_keys_along() {
    let t = TestApp::new().await;
    // Unpinned too, as accounts from before pins are: the change keeps it so.
    let (account, first) = t.account_pinned(Mode::Sandbox, None).await;
    let second = t.issue_key(&account).await;
    rewrite(
        &t,
        keys::account(&account.id),
        keys::ACCOUNT_SK,
        "REMOVE settingsVersion, keyHashes",
    )
    .await;
    for key in [&first, &second] {
        let pk = keys::api_key(&ApiKeyHash::of(key));
        rewrite(&t, pk, keys::API_KEY_SK, "REMOVE settingsVersion").await;
    }

    t.store
        .set_providers(&account.id, |current| ProviderSettings {
            sandbox_on_stripe: true,
            ..current.clone()
        })
        .await
        .unwrap()
        .expect("the account exists");
    let routed = every_key_copies(&t, &account, &[&first, &second]).await;
    assert!(routed.starts_with("None "), "{routed}");
    assert!(routed.contains("sandbox_on_stripe: true"), "{routed}");

    unlist(&t, &second).await;
    t.store
        .set_api_version(&account.id, ApiVersion::V2026_07_31)
        .await
        .unwrap()
        .expect("the account exists");
    let pinned = every_key_copies(&t, &account, &[&first, &second]).await;
    assert!(pinned.contains("V2026_07_31"), "{pinned}");
    assert!(pinned.contains("sandbox_on_stripe: true"), "{pinned}");
}
