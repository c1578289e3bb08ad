//! Operator commands: create the table, accounts and API keys; list and revoke keys; seed the
//! sample-event fixtures. Works against DynamoDB Local (`--endpoint`) or real DynamoDB (the
//! default AWS credential chain). Not deployed as a Lambda.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use commet_payments::app::{App, Config};
use commet_payments::domain::account::{Account, ApiKey, ApiKeySecret, Mode, ProviderSettings};
use commet_payments::domain::ids::{AccountId, ApiKeyId, StripeAccountId};
use commet_payments::domain::payment::Provider;
use commet_payments::domain::tax::{BasisPoints, RegionKey, TaxRates};
use commet_payments::domain::time::Timestamp;
use commet_payments::domain::version::ApiVersion;
use commet_payments::store::{Store, StoreSettings};
use commet_payments::{fixtures, workers};

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
        key_file: Option<std::path::PathBuf>,
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

type AdminResult = Result<(), Box<dyn std::error::Error>>;

async fn run(store: &Store, endpoint: Option<&str>, command: Command) -> AdminResult {
    match command {
        Command::RelayStream { retry_every_ms } => {
            let endpoint = endpoint
                .ok_or("relay-stream reads DynamoDB Local's stream: give --endpoint")?
                .to_owned();
            commet_payments::logging::init();
            let config = Config::for_store(StoreSettings {
                table_name: store.table_name().to_owned(),
                endpoint: Some(endpoint.clone()),
            })?;
            let app = App::new(Store::connect(&config.store).await, config).leak();
            workers::relay_stream(
                app,
                &endpoint,
                Duration::from_millis(50),
                Duration::from_millis(retry_every_ms),
                || {
                    println!(
                        "relaying the stream of table {} at {endpoint}",
                        store.table_name()
                    )
                },
            )
            .await?;
        }
        Command::CreateTable => {
            let created = store.create_table().await?;
            let verb = if created { "created" } else { "already exists" };
            println!("table {} {verb}", store.table_name());
        }
        Command::CreateAccount {
            name,
            mode,
            key_file,
            api_version,
        } => {
            let version = api_version
                .as_deref()
                .map(parse_version)
                .transpose()?
                .unwrap_or(ApiVersion::CURRENT);
            let account = Account::create(&name, Mode::parse(&mode)?, version, Timestamp::now())?;
            store.insert_account(&account).await?;
            let secret = issue_key(store, &account).await?;
            if let Some(path) = key_file {
                write_secret(&path, secret.expose())?;
            }
            println!(
                "account {} ({}, {}, API version {version})",
                account.id,
                account.name,
                account.mode.as_str()
            );
            println!("api key {}", secret.expose());
            println!("(the key is shown only now; only its SHA-256 hash is stored)");
        }
        Command::ListAccounts => {
            for account in store.list_accounts().await? {
                let pin = account.api_version.map_or("unpinned", ApiVersion::as_str);
                println!(
                    "{}  {:<7}  {:<10}  {}  {}",
                    account.id,
                    account.mode.as_str(),
                    pin,
                    account.created_at,
                    account.name
                );
            }
        }
        Command::SetApiVersion { account, version } => {
            let account = find_account(store, &account).await?;
            let version = parse_version(&version)?;
            store
                .set_api_version(&account.id, version)
                .await?
                .ok_or_else(|| format!("no account {}", account.id))?;
            println!("account {} pinned to API version {version}", account.id);
        }
        Command::SetProvider {
            account,
            provider,
            stripe_account,
        } => {
            let account = find_account(store, &account).await?;
            let providers = provider_settings(&account, provider, stripe_account)?;
            let account = store
                .set_providers(&account.id, &providers)
                .await?
                .ok_or_else(|| format!("no account {}", account.id))?;
            let route = account.providers.route(account.mode);
            println!(
                "account {} ({}) takes payments through {} on {}",
                account.id,
                account.mode.as_str(),
                route.provider.as_str(),
                route
                    .stripe_account
                    .as_ref()
                    .map_or("the deployment's own account", StripeAccountId::as_str)
            );
        }
        Command::IssueKey { account } => {
            let account = find_account(store, &account).await?;
            let secret = issue_key(store, &account).await?;
            println!("api key {}", secret.expose());
            println!("(the key is shown only now; only its SHA-256 hash is stored)");
        }
        Command::ListKeys { account } => {
            let account = find_account(store, &account).await?;
            for key in store.list_api_keys(&account.id).await? {
                let state = key
                    .revoked_at
                    .map(|at| format!("revoked {at}"))
                    .unwrap_or_else(|| "active".into());
                println!(
                    "{}  {}…  created {}  {state}",
                    key.id, key.display_prefix, key.created_at
                );
            }
        }
        Command::RevokeKey { account, key } => {
            let account = find_account(store, &account).await?;
            let key_id = ApiKeyId::parse(&key)?;
            match store
                .revoke_api_key(&account.id, &key_id, Timestamp::now())
                .await?
            {
                Some(key) => println!(
                    "revoked {} at {}",
                    key.id,
                    key.revoked_at.map(|at| at.to_string()).unwrap_or_default()
                ),
                None => return Err(format!("account {} has no key {key}", account.id).into()),
            }
        }
        Command::SetTax {
            account,
            default,
            rates,
        } => {
            let account = find_account(store, &account).await?;
            let mut table = TaxRates {
                default: BasisPoints::new(i128::from(default))?,
                ..TaxRates::default()
            };
            for rate in rates {
                let (region, bps) = rate
                    .split_once('=')
                    .ok_or_else(|| format!("--rate {rate}: expected REGION=BPS"))?;
                let bps: i128 = bps
                    .parse()
                    .map_err(|_| format!("--rate {rate}: the rate must be whole basis points"))?;
                table
                    .by_region
                    .insert(RegionKey::parse(region)?, BasisPoints::new(bps)?);
            }
            store.put_tax_rates(&account.id, &table).await?;
            print_tax(&table);
        }
        Command::ShowTax { account } => {
            let account = find_account(store, &account).await?;
            print_tax(&store.get_tax_rates(&account.id).await?);
        }
        Command::SeedFixtures => {
            fixtures::seed(store).await?;
            println!(
                "seeded fixtures: account {}, api key {}",
                fixtures::ACCOUNT_ID,
                fixtures::API_KEY
            );
        }
    }
    Ok(())
}

fn print_tax(rates: &TaxRates) {
    println!("default  {} bps", rates.default.get());
    for (region, rate) in &rates.by_region {
        println!("{:<8} {} bps", region.as_str(), rate.get());
    }
}

/// The account's provider settings with the changes asked for.
fn provider_settings(
    account: &Account,
    provider: Option<String>,
    stripe_account: Option<String>,
) -> Result<ProviderSettings, String> {
    let mut settings = account.providers.clone();
    if let Some(provider) = provider {
        let provider = Provider::parse(&provider).map_err(|e| format!("--provider {e}"))?;
        if account.mode.is_live() && provider != Provider::Stripe {
            return Err("--provider: live accounts always take payments through stripe".into());
        }
        settings.sandbox_on_stripe = provider == Provider::Stripe;
    }
    if let Some(text) = stripe_account {
        settings.stripe_account = match text.as_str() {
            "none" => None,
            id => Some(StripeAccountId::parse(id).map_err(|e| format!("--stripe-account {e}"))?),
        };
    }
    Ok(settings)
}

fn parse_version(text: &str) -> Result<ApiVersion, String> {
    ApiVersion::parse(text).map_err(|invalid| format!("--api-version {text}: {invalid}"))
}

async fn find_account(store: &Store, id: &str) -> Result<Account, Box<dyn std::error::Error>> {
    let id = AccountId::parse(id)?;
    store
        .get_account(&id)
        .await?
        .ok_or_else(|| format!("no account {id}").into())
}

async fn issue_key(
    store: &Store,
    account: &Account,
) -> Result<ApiKeySecret, Box<dyn std::error::Error>> {
    let secret = ApiKeySecret::generate(account)?;
    store
        .put_api_key(&ApiKey::issue(account, &secret, Timestamp::now()))
        .await?;
    Ok(secret)
}

fn write_secret(path: &std::path::Path, secret: &str) -> std::io::Result<()> {
    use std::io::Write;
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
