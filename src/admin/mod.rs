//! What the operator's `admin` command does (`src/bin/admin.rs` parses the command line and
//! calls one of these): the table, accounts, API keys, tax tables and where payments go,
//! written straight to the table, each printing what it did to `out`. Never deployed: the
//! functions only read what these write.

mod accounts;
mod keys;
mod tax;

use std::io::Write;
use std::time::Duration;

use crate::app::{App, Config};
use crate::domain::account::Account;
use crate::domain::ids::AccountId;
use crate::store::{Store, StoreSettings};
use crate::{fixtures, workers};

pub use accounts::{
    NewAccount, create_account, list_accounts, set_api_version, set_mail_cap, set_provider,
};
pub use keys::{issue_key, list_keys, revoke_key};
pub use tax::{set_tax, show_tax};

/// What an operator reads on failure: every error here ends the command with its message.
pub type AdminError = Box<dyn std::error::Error>;
pub type AdminResult = Result<(), AdminError>;

/// The table with its indexes and TTL (on AWS the SAM stack creates it).
pub async fn create_table(store: &Store, out: &mut dyn Write) -> AdminResult {
    let created = store.create_table().await?;
    let verb = if created { "created" } else { "already exists" };
    writeln!(out, "table {} {verb}", store.table_name())?;
    Ok(())
}

/// Puts every account's items written before the indexes they are listed by into them:
/// invoices into the lists by status, payments with a transaction into the account's
/// transactions and those of its status, customers into those of their e-mail address, so that
/// those lists find them. Once after the upgrade that adds them; running it again finds nothing
/// to do.
pub async fn index(store: &Store, out: &mut dyn Write) -> AdminResult {
    // What each backfill puts where, in the order they run and print.
    const INDEXED: [&str; 3] = [
        "invoices indexed by status",
        "transactions indexed",
        "customers indexed by e-mail",
    ];
    let mut totals = [0; INDEXED.len()];
    for account in store.list_accounts().await? {
        let added = [
            store.index_invoices_by_status(&account.id).await?,
            store.index_transactions(&account.id).await?,
            store.index_customers_by_email(&account.id).await?,
        ];
        for ((what, total), added) in INDEXED.iter().zip(&mut totals).zip(added) {
            if added > 0 {
                writeln!(out, "{}  {added} {what}", account.id)?;
            }
            *total += added;
        }
    }
    for (what, total) in INDEXED.iter().zip(totals) {
        writeln!(out, "{total} {what} in all")?;
    }
    Ok(())
}

/// The fixed objects the sample events in events/ refer to.
pub async fn seed_fixtures(store: &Store, out: &mut dyn Write) -> AdminResult {
    fixtures::seed(store).await?;
    writeln!(
        out,
        "seeded fixtures: account {}, api key {}",
        fixtures::ACCOUNT_ID,
        fixtures::API_KEY
    )?;
    Ok(())
}

/// Carries committed changes to webhooks as AWS does, from DynamoDB Local's stream at
/// `endpoint`, with the due retries every `retry_every`. Runs until stopped.
pub async fn relay_stream(
    table_name: &str,
    endpoint: &str,
    retry_every: Duration,
    out: &mut dyn Write,
) -> AdminResult {
    crate::logging::init();
    let config = Config::for_store(StoreSettings {
        table_name: table_name.to_owned(),
        endpoint: Some(endpoint.to_owned()),
    })?;
    let app = App::new(Store::connect(&config.store).await, config).leak();
    workers::relay_stream(
        app,
        endpoint,
        Duration::from_millis(50),
        retry_every,
        || {
            // A note for whoever reads the relay's log: the relay runs on without it.
            let note = format!("relaying the stream of table {table_name} at {endpoint}");
            writeln!(out, "{note}").and_then(|()| out.flush()).ok();
        },
    )
    .await?;
    Ok(())
}

async fn find_account(store: &Store, id: &str) -> Result<Account, AdminError> {
    let id = account_id(id)?;
    store
        .get_account(&id)
        .await?
        .ok_or_else(|| format!("no account {id}").into())
}

fn account_id(text: &str) -> Result<AccountId, String> {
    AccountId::parse(text).map_err(|e| format!("--account {e}"))
}
