//! Operator commands: create the table, accounts and API keys; list and revoke keys; seed the
//! sample-event fixtures. Works against DynamoDB Local (`--endpoint`) or real DynamoDB (the
//! default AWS credential chain). Not deployed as a Lambda. The command line is parsed here;
//! what each command does is `commet_payments::admin`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use commet_payments::admin::{self, AdminResult, NewAccount};
use commet_payments::store::{Store, StoreSettings};

#[derive(Parser)]
#[command(
    name = "admin",
    about = "Administer accounts and API keys of the payments API"
)]
struct Cli {
    /// DynamoDB table name.
    #[arg(long, env = "TABLE_NAME", default_value = "commet-payments")]
    table: String,
    /// DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local. Omit for AWS.
    #[arg(long, env = "DYNAMODB_ENDPOINT")]
    endpoint: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the table with its indexes and TTL (local use; on AWS the SAM stack creates it).
    CreateTable,
    /// Create an account and issue its first API key (printed once).
    CreateAccount {
        #[arg(long)]
        name: String,
        /// live or sandbox.
        #[arg(long, default_value = "sandbox")]
        mode: String,
        /// Write the key to this file (mode 600) as well as printing it.
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// The API version its requests get when they send no Commet-Version (YYYY-MM-DD;
        /// a date between releases pins the release before it). Default: the current version.
        #[arg(long)]
        api_version: Option<String>,
    },
    /// List accounts.
    ListAccounts,
    /// Pin an account to an API version (YYYY-MM-DD). Warm functions pick it up within
    /// API_KEY_CACHE_TTL_SECONDS.
    SetApiVersion {
        #[arg(long)]
        account: String,
        #[arg(long)]
        version: String,
    },
    /// Set where an account's new payments go: `--provider stripe` sends a sandbox account's
    /// payments through Stripe's test mode (the deployment's STRIPE_TEST_* keys), `commet` back
    /// to the built-in sandbox (live accounts always use Stripe); `--stripe-account acct_...`
    /// makes them on that connected Stripe account (Connect), `none` on the deployment's own.
    /// What is not given is kept. Warm functions pick it up within API_KEY_CACHE_TTL_SECONDS.
    SetProvider {
        #[arg(long)]
        account: String,
        #[arg(long)]
        provider: Option<String>,
        #[arg(long)]
        stripe_account: Option<String>,
    },
    /// Set how many mails (receipts, sent invoices) an account may send in a clock hour, 1 to
    /// 1,000,000, or `default` for the deployment's MAILS_PER_ACCOUNT_HOUR. Mails past it wait
    /// for the next hour. The receipts worker picks it up within API_KEY_CACHE_TTL_SECONDS.
    SetMailCap {
        #[arg(long)]
        account: String,
        #[arg(long)]
        per_hour: String,
    },
    /// Issue another API key for an account (printed once).
    IssueKey {
        #[arg(long)]
        account: String,
    },
    /// List an account's keys (prefix, id, created, revoked).
    ListKeys {
        #[arg(long)]
        account: String,
    },
    /// Revoke a key by its id (`key_…`). Warm functions stop accepting it within the key cache
    /// TTL (API_KEY_CACHE_TTL_SECONDS, 60 s by default).
    RevokeKey {
        #[arg(long)]
        account: String,
        #[arg(long)]
        key: String,
    },
    /// Replace an account's tax table: a default rate and rates by country or region, in basis
    /// points (725 = 7.25 %). Warm functions pick it up within API_KEY_CACHE_TTL_SECONDS.
    SetTax {
        #[arg(long)]
        account: String,
        /// Rate where no country or region rate applies.
        #[arg(long, default_value_t = 0)]
        default: u32,
        /// COUNTRY=BPS or COUNTRY-REGION=BPS, e.g. --rate GB=2000 --rate US-CA=725
        #[arg(long = "rate")]
        rates: Vec<String>,
    },
    /// Show an account's tax table.
    ShowTax {
        #[arg(long)]
        account: String,
    },
    /// Put what was written before an index into it, in every account: invoices into the lists
    /// by status (added 2026-12-06), payments into the account's transactions (2026-12-07) and
    /// into those of their status (2026-12-08), customers into those of their e-mail address
    /// (2026-12-08).
    /// Once after upgrading a deployment made before those (docs/deployment.md); safe to run
    /// again and beside traffic. (`index-invoices`, its earlier name, does the same.)
    #[command(alias = "index-invoices")]
    Index,
    /// Write the fixed objects the sample events in events/ refer to. Local use only.
    SeedFixtures,
    /// Local stacks only: carry committed changes to webhooks as AWS does, reading DynamoDB
    /// Local's stream into `deliver_events` and running `retry_deliveries` every
    /// `--retry-every-ms`. Configured like the functions (WEBHOOKS_ALLOW_LOOPBACK,
    /// WEBHOOK_RETRY_MINUTE_SECONDS). Runs until stopped.
    RelayStream {
        #[arg(long, default_value_t = 1000)]
        retry_every_ms: u64,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let store = Store::connect_with_default_chain(&StoreSettings {
        table_name: cli.table.clone(),
        endpoint: cli.endpoint.clone(),
    })
    .await;
    match run(&store, cli.endpoint.as_deref(), cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(store: &Store, endpoint: Option<&str>, command: Command) -> AdminResult {
    let out = &mut std::io::stdout();
    match command {
        Command::CreateTable => admin::create_table(store, out).await,
        Command::CreateAccount {
            name,
            mode,
            key_file,
            api_version,
        } => {
            let new = NewAccount {
                name: &name,
                mode: &mode,
                api_version: api_version.as_deref(),
                key_file: key_file.as_deref(),
            };
            admin::create_account(store, &new, out).await
        }
        Command::ListAccounts => admin::list_accounts(store, out).await,
        Command::SetApiVersion { account, version } => {
            admin::set_api_version(store, &account, &version, out).await
        }
        Command::SetProvider {
            account,
            provider,
            stripe_account,
        } => {
            let (provider, stripe_account) = (provider.as_deref(), stripe_account.as_deref());
            admin::set_provider(store, &account, provider, stripe_account, out).await
        }
        Command::SetMailCap { account, per_hour } => {
            admin::set_mail_cap(store, &account, &per_hour, out).await
        }
        Command::IssueKey { account } => admin::issue_key(store, &account, out).await,
        Command::ListKeys { account } => admin::list_keys(store, &account, out).await,
        Command::RevokeKey { account, key } => admin::revoke_key(store, &account, &key, out).await,
        Command::SetTax {
            account,
            default,
            rates,
        } => admin::set_tax(store, &account, default, &rates, out).await,
        Command::ShowTax { account } => admin::show_tax(store, &account, out).await,
        Command::Index => admin::index(store, out).await,
        Command::SeedFixtures => admin::seed_fixtures(store, out).await,
        Command::RelayStream { retry_every_ms } => {
            let endpoint =
                endpoint.ok_or("relay-stream reads DynamoDB Local's stream: give --endpoint")?;
            let retry_every = Duration::from_millis(retry_every_ms);
            admin::relay_stream(store.table_name(), endpoint, retry_every, out).await
        }
    }
}
