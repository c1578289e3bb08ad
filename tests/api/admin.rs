//! The operator's `admin` command, run as an operator runs it: the built binary, against this
//! process's DynamoDB Local. What each command prints, what it refuses (naming the argument),
//! and what the functions then make of what it wrote.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use commet_payments::app::Config;
use commet_payments::domain::account::{MAX_ACTIVE_KEYS, Mode};
use commet_payments::domain::ids::{AccountId, CustomerId, InvoiceId, PaymentId};
use commet_payments::domain::mail_cap::MailCap;
use commet_payments::domain::version::ApiVersion;
use commet_payments::fixtures;
use serde_json::json;

use crate::helpers::{
    TABLE, TestApp, as_before_the_email_index, as_before_the_status_index,
    as_before_the_transactions_index, dynamodb_endpoint,
};

/// What one run of `admin` printed.
struct Run {
    succeeded: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The output of a run that must succeed.
    fn printed(self) -> String {
        assert!(self.succeeded, "admin failed: {}", self.stderr);
        self.stdout
    }

    /// The message of a run that must fail, with nothing on stdout.
    fn refused(self) -> String {
        assert!(!self.succeeded, "admin succeeded: {}", self.stdout);
        assert_eq!(self.stdout, "");
        self.stderr
    }
}

fn admin(args: &[&str]) -> Run {
    admin_on(TABLE, args)
}

/// `admin` on another table of the test DynamoDB Local.
fn admin_on(table: &str, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_admin"))
        .args(["--endpoint", dynamodb_endpoint(), "--table", table])
        .args(args)
        .env_remove("TABLE_NAME")
        .env_remove("DYNAMODB_ENDPOINT")
        .output()
        .expect("run admin");
    Run {
        succeeded: output.status.success(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// `command --account account args...`
fn on(account: &str, command: &str, args: &[&str]) -> Run {
    let mut all = vec![command, "--account", account];
    all.extend_from_slice(args);
    admin(&all)
}

/// The value after `label ` on the line that starts with it.
fn field<'a>(printed: &'a str, label: &str) -> &'a str {
    printed
        .lines()
        .find_map(|line| line.strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no `{label}` in {printed}"))
}

/// An account made by `create-account` in `mode`: its id and key.
fn new_account(mode: &str) -> (String, String) {
    let printed = admin(&["create-account", "--name", "Admin test", "--mode", mode]).printed();
    (
        field(&printed, "account ").to_owned(),
        field(&printed, "api key ").to_owned(),
    )
}

#[tokio::test]
async fn an_account_made_by_admin_is_served_with_its_key() {
    let dir = std::env::temp_dir().join(format!("admin-test-{}", ulid::Ulid::generate()));
    let key_file = dir.join("keys").join("sandbox-key");
    let printed = admin(&[
        "create-account",
        "--name",
        "Acme Admin",
        "--mode",
        "sandbox",
        "--api-version",
        "2026-07-11",
        "--key-file",
        key_file.to_str().unwrap(),
    ])
    .printed();
    let account = field(&printed, "account ");
    let key = field(&printed, "api key ");
    assert!(
        printed.contains(&format!(
            "account {account} (Acme Admin, sandbox, API version 2026-07-11)"
        )),
        "{printed}"
    );
    assert!(key.starts_with("ck_test_"), "{key}");
    assert!(
        printed.contains("only its SHA-256 hash is stored"),
        "{printed}"
    );

    let written = std::fs::read_to_string(&key_file).unwrap();
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(written, format!("{key}\n"));
    assert_eq!(mode & 0o777, 0o600);

    let t = TestApp::new().await;
    let listed = t.get("/api/v1/payments", key).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    // Pinned to 2026-07-11: the enveloped family.
    assert!(listed.enveloped(), "{}", listed.body);

    let accounts = admin(&["list-accounts"]).printed();
    let line = accounts
        .lines()
        .find(|line| line.starts_with(account))
        .unwrap_or_else(|| panic!("{account} not in {accounts}"));
    assert!(
        line.contains("sandbox") && line.contains("2026-07-11"),
        "{line}"
    );
    assert!(line.ends_with("Acme Admin"), "{line}");
}

#[tokio::test]
async fn keys_are_issued_listed_and_revoked() {
    let (account, first) = new_account("live");
    assert!(first.starts_with("ck_live_"), "{first}");
    let second = field(&on(&account, "issue-key", &[]).printed(), "api key ").to_owned();
    assert_ne!(first, second);

    let t = TestApp::new().await;
    for key in [&first, &second] {
        assert_eq!(t.get("/api/v1/payments", key).await.status, 200);
    }

    let listed = on(&account, "list-keys", &[]).printed();
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(
        listed.lines().all(|line| line.ends_with("active")),
        "{listed}"
    );
    // Each line shows its key's prefix and id, never the key.
    assert!(!listed.contains(&first), "{listed}");
    assert!(!listed.contains(&second), "{listed}");
    let second_id = listed
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|words| second.starts_with(words[1].trim_end_matches('…')))
        .map(|words| words[0].to_owned())
        .unwrap_or_else(|| panic!("no line for the second key in {listed}"));

    let revoked = on(&account, "revoke-key", &["--key", &second_id]).printed();
    assert!(
        revoked.starts_with(&format!("revoked {second_id} at ")),
        "{revoked}"
    );
    let listed = on(&account, "list-keys", &[]).printed();
    let revoked_lines: Vec<&str> = listed.lines().filter(|l| l.contains("revoked")).collect();
    assert_eq!(revoked_lines.len(), 1, "{listed}");
    assert!(revoked_lines[0].starts_with(&second_id), "{listed}");

    // A container started after the revocation (no cached key) refuses it, and only it.
    let fresh = TestApp::new().await;
    let refused = fresh.get("/api/v1/payments", &second).await;
    refused.error(401, "unauthorized");
    assert_eq!(fresh.get("/api/v1/payments", &first).await.status, 200);

    // Another account's key, or a key id that is no key at all, is not this account's.
    let (other, _) = new_account("sandbox");
    let refused = on(&other, "revoke-key", &["--key", &second_id]).refused();
    let no_key = format!("error: account {other} has no key {second_id}\n");
    assert_eq!(refused, no_key);
    let refused = on(&account, "revoke-key", &["--key", "ck_live_x"]).refused();
    assert!(refused.starts_with("error: --key "), "{refused}");
}

/// An account holds at most 50 active keys: the next is refused, saying so, until one is
/// revoked.
#[tokio::test]
async fn a_key_past_the_limit_is_refused_until_one_is_revoked() {
    let (account, _) = new_account("sandbox");
    let t = TestApp::new().await;
    let id = AccountId::parse(&account).unwrap();
    let stored = t.store.get_account(&id).await.unwrap().unwrap();
    for _ in 1..MAX_ACTIVE_KEYS {
        t.issue_key(&stored).await;
    }
    let refused = on(&account, "issue-key", &[]).refused();
    assert!(
        refused.contains(&format!("{account} has 50 active keys")),
        "{refused}"
    );

    let oldest = t.store.list_api_keys(&id).await.unwrap().pop().unwrap();
    on(&account, "revoke-key", &["--key", oldest.id.as_str()]).printed();
    let issued = on(&account, "issue-key", &[]).printed();
    assert!(
        field(&issued, "api key ").starts_with("ck_test_"),
        "{issued}"
    );
}

/// `create-table`, then `seed-fixtures` twice, on a table of their own (the shared table's
/// fixtures serve other tests): the table is made once, the sample events' key is served, and
/// the fixture account's settings reach its key.
#[tokio::test]
async fn a_new_table_is_created_once_and_seeded_with_the_fixtures() {
    let table = format!("admin-{}", ulid::Ulid::generate());
    let created = admin_on(&table, &["create-table"]).printed();
    assert_eq!(created, format!("table {table} created\n"));
    let again = admin_on(&table, &["create-table"]).printed();
    assert_eq!(again, format!("table {table} already exists\n"));
    for _ in 0..2 {
        let seeded = admin_on(&table, &["seed-fixtures"]).printed();
        assert!(seeded.contains(fixtures::ACCOUNT_ID), "{seeded}");
        assert!(seeded.contains(fixtures::API_KEY), "{seeded}");
    }

    let on_table = |config: &mut Config| config.store.table_name = table.clone();
    let t = TestApp::custom(None, on_table).await;
    let path = format!("/api/v1/payments/{}", fixtures::PAYMENT_ID);
    let payment = t.get(&path, fixtures::API_KEY).await;
    assert_eq!(payment.status, 200, "{}", payment.body);
    assert!(!payment.enveloped(), "{}", payment.body);
    let account = ["--account", fixtures::ACCOUNT_ID];
    admin_on(
        &table,
        &[
            &["set-api-version"],
            &account[..],
            &["--version", "2026-07-11"],
        ]
        .concat(),
    )
    .printed();
    let fresh = TestApp::custom(None, on_table).await;
    let payment = fresh.get(&path, fixtures::API_KEY).await;
    assert_eq!(payment.status, 200, "{}", payment.body);
    assert!(payment.enveloped(), "{}", payment.body);
}

/// An upgrade past the indexes lists read: invoices, payments and customers written before them
/// (the fixtures, their index keys taken away as such items lack them) are not in a status's
/// list, in the transactions, nor found by e-mail until `index` (by its earlier name
/// `index-invoices` too), which then finds nothing more to do.
#[tokio::test]
async fn index_puts_older_invoices_transactions_and_customers_into_their_lists() {
    let table = format!("admin-{}", ulid::Ulid::generate());
    admin_on(&table, &["create-table"]).printed();
    admin_on(&table, &["seed-fixtures"]).printed();
    let on_table = |config: &mut Config| config.store.table_name = table.clone();
    let t = TestApp::custom(None, on_table).await;
    let account = AccountId::parse(fixtures::ACCOUNT_ID).unwrap();
    for id in [fixtures::INVOICE_ID, fixtures::OUTSTANDING_INVOICE_ID] {
        let id = InvoiceId::parse(id).unwrap();
        as_before_the_status_index(&t.store, &account, &id).await;
    }
    let paid_payment = PaymentId::parse(fixtures::REFUNDABLE_PAYMENT_ID).unwrap();
    as_before_the_transactions_index(&t.store, &account, &paid_payment).await;
    let customer = CustomerId::parse(fixtures::CUSTOMER_ID).unwrap();
    as_before_the_email_index(&t.store, &account, &customer).await;
    let by_email = "/api/v1/transactions?customerEmail=FIXTURE@example.com";
    let outstanding = "/api/v1/invoices?status=outstanding";
    let before = t.get(outstanding, fixtures::API_KEY).await;
    assert_eq!(before.status, 200, "{}", before.body);
    assert_eq!(before.data(), &json!([]));
    let transactions = t.get("/api/v1/transactions", fixtures::API_KEY).await;
    assert_eq!(transactions.data(), &json!([]), "{}", transactions.body);
    let found = t.get(by_email, fixtures::API_KEY).await;
    assert_eq!(found.data(), &json!([]), "{}", found.body);

    let indexed = admin_on(&table, &["index"]).printed();
    assert_eq!(
        indexed,
        format!(
            "{account}  2 invoices indexed by status\n{account}  1 transactions indexed\n\
             {account}  1 customers indexed by e-mail\n\
             2 invoices indexed by status in all\n1 transactions indexed in all\n\
             1 customers indexed by e-mail in all\n",
            account = fixtures::ACCOUNT_ID
        )
    );
    let transactions = t.get("/api/v1/transactions", fixtures::API_KEY).await;
    let listed = transactions.data().as_array().unwrap();
    assert_eq!(listed.len(), 1, "{}", transactions.body);
    assert_eq!(listed[0]["id"], paid_payment.transaction().as_str());
    let found = t.get(by_email, fixtures::API_KEY).await;
    assert_eq!(found.data(), transactions.data(), "{}", found.body);
    let after = t.get(outstanding, fixtures::API_KEY).await;
    let found = after.data().as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", after.body);
    assert_eq!(found[0]["id"], fixtures::OUTSTANDING_INVOICE_ID);
    let paid = t
        .get("/api/v1/invoices?status=paid", fixtures::API_KEY)
        .await;
    assert_eq!(paid.data()[0]["id"], fixtures::INVOICE_ID, "{}", paid.body);
    let again = admin_on(&table, &["index-invoices"]).printed();
    assert_eq!(
        again,
        "0 invoices indexed by status in all\n0 transactions indexed in all\n\
         0 customers indexed by e-mail in all\n"
    );
}

#[tokio::test]
async fn a_tax_table_is_replaced_whole_and_a_bad_rate_changes_nothing() {
    let (account, _) = new_account("sandbox");
    let rates = [
        "--default",
        "100",
        "--rate",
        "GB=2000",
        "--rate",
        "us-ca=725",
    ];
    let set = on(&account, "set-tax", &rates).printed();
    let table = "default  100 bps\nGB       2000 bps\nUS-CA    725 bps\n";
    assert_eq!(set, table);
    assert_eq!(on(&account, "show-tax", &[]).printed(), table);

    let t = TestApp::new().await;
    let id = AccountId::parse(&account).unwrap();
    let stored = t.store.get_tax_rates(&id).await.unwrap();
    assert_eq!(stored.default.get(), 100);
    assert_eq!(stored.by_region.len(), 2);

    for (args, says) in [
        (["--rate", "GB"], "error: --rate GB: expected REGION=BPS"),
        (
            ["--rate", "FR=20%"],
            "error: --rate FR=20%: the rate must be whole basis points",
        ),
        (["--rate", "ZZ=100"], "error: --rate ZZ=100: "),
        (["--default", "10001"], "error: --default "),
    ] {
        let refused = on(&account, "set-tax", &args).refused();
        assert!(refused.starts_with(says), "{args:?}: {refused}");
        assert_eq!(on(&account, "show-tax", &[]).printed(), table);
    }

    // Replaced whole: regions not given are gone.
    let replaced = on(&account, "set-tax", &["--rate", "DE=1900"]).printed();
    assert_eq!(replaced, "default  0 bps\nDE       1900 bps\n");
}

#[tokio::test]
async fn an_account_is_routed_and_pinned() {
    let (sandbox, _) = new_account("sandbox");
    let route = |args: &[&str]| on(&sandbox, "set-provider", args).printed();
    let takes = format!("account {sandbox} (sandbox) takes payments through");
    assert_eq!(
        route(&["--provider", "stripe"]),
        format!("{takes} stripe on the deployment's own account\n")
    );
    assert_eq!(
        route(&["--stripe-account", "acct_1Abc"]),
        format!("{takes} stripe on acct_1Abc\n")
    );
    assert_eq!(
        route(&["--provider", "commet"]),
        format!("{takes} the built-in sandbox\n")
    );
    // The connected account was kept for its return to Stripe.
    assert_eq!(
        route(&["--provider", "stripe"]),
        format!("{takes} stripe on acct_1Abc\n")
    );

    let (live, _) = new_account("live");
    let refused = on(&live, "set-provider", &["--provider", "commet"]).refused();
    let stays = "error: --provider: live accounts always take payments through stripe\n";
    assert_eq!(refused, stays);

    let pinned = on(&live, "set-api-version", &["--version", "2026-06-10"]).printed();
    assert_eq!(
        pinned,
        format!("account {live} pinned to API version 2026-06-10\n")
    );
    let t = TestApp::new().await;
    let id = AccountId::parse(&live).unwrap();
    let account = t.store.get_account(&id).await.unwrap().unwrap();
    assert_eq!(account.api_version, Some(ApiVersion::V2026_06_10));
    assert_eq!(account.mode, Mode::Live);
    let refused = on(&live, "set-api-version", &["--version", "26-06-10"]).refused();
    assert!(
        refused.starts_with("error: --api-version 26-06-10: "),
        "{refused}"
    );
}

#[tokio::test]
async fn an_account_is_given_a_mail_cap_of_its_own_and_back_the_deployments() {
    let (account, _) = new_account("sandbox");
    let t = TestApp::new().await;
    let id = AccountId::parse(&account).unwrap();
    let cap_of = || async { t.store.get_account(&id).await.unwrap().unwrap().mail_cap };
    assert_eq!(cap_of().await, None);

    let set = on(&account, "set-mail-cap", &["--per-hour", "25"]).printed();
    assert_eq!(
        set,
        format!("account {account} sends at most 25 mails an hour\n")
    );
    assert_eq!(cap_of().await, Some(MailCap::new(25).unwrap()));

    for bad in ["0", "1000001", "many"] {
        let refused = on(&account, "set-mail-cap", &["--per-hour", bad]).refused();
        assert!(refused.starts_with("error: --per-hour "), "{refused}");
    }
    assert_eq!(cap_of().await, Some(MailCap::new(25).unwrap()));

    let back = on(&account, "set-mail-cap", &["--per-hour", "default"]).printed();
    assert_eq!(
        back,
        format!(
            "account {account} sends at most the deployment's MAILS_PER_ACCOUNT_HOUR mails an hour\n"
        )
    );
    let account = t.store.get_account(&id).await.unwrap().unwrap();
    assert_eq!(account.mail_cap, None);
    // The rest of the account is as it was.
    assert_eq!(account.api_version, Some(ApiVersion::CURRENT));
    assert_eq!(account.mode, Mode::Sandbox);

    // No account is made by setting its cap.
    let missing = AccountId::generate();
    let refused = on(missing.as_str(), "set-mail-cap", &["--per-hour", "5"]).refused();
    assert_eq!(refused, format!("error: no account {missing}\n"));
    assert!(t.store.get_account(&missing).await.unwrap().is_none());
}

#[tokio::test]
async fn an_unknown_account_or_bad_argument_is_refused_by_name() {
    let missing = AccountId::generate();
    let refused = on(missing.as_str(), "list-keys", &[]).refused();
    assert_eq!(refused, format!("error: no account {missing}\n"));
    let refused = on("acme", "issue-key", &[]).refused();
    assert!(
        refused.starts_with("error: --account must start with `acct_`"),
        "{refused}"
    );
    let refused = admin(&["create-account", "--name", "Acme", "--mode", "test"]).refused();
    assert!(refused.starts_with("error: --mode "), "{refused}");
}
