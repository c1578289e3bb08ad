//! Every test's logs, searched for secrets as they are written. The functions log at the most
//! verbose level they allow (their own filter at TRACE, their own JSON lines), and each line is
//! searched for what the tests handed out or typed in: API keys (whole, or the 40 characters a
//! key's listing never shows), Stripe and webhook signing secrets, card numbers typed into hosted
//! pages (with or without spaces or dashes), and the sandbox's vault tokens. A line holding one
//! fails the test that next ends (`TestApp`'s drop; tests share the process), the line shown with
//! the name of the thread that logged it (the test's own, unless it logged on a spawned one).
//!
//! Searched per line rather than kept: a run writes hundreds of megabytes at TRACE.

use std::collections::HashSet;
use std::io::{self, Write};
use std::sync::{LazyLock, Mutex, RwLock};

use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Where a secret handed out by the API or a provider starts; what follows is the token.
const SECRET_PREFIXES: [&str; 5] = ["ck_test_", "ck_live_", "whsec_", "sk_test_", "sk_live_"];

/// Shorter than this, a string with one of the prefixes is no secret (a prefix in an error
/// message, a test's malformed key) and would match harmless lines.
const SHORTEST_SECRET: usize = 16;

/// The part of a key that its listing (`display_prefix`) never shows.
const KEY_TAIL: usize = 40;

const VAULT_TOKEN_PREFIX: &str = "pm_sbx_";

/// The secrets a line must not hold.
#[derive(Default)]
pub struct Secrets {
    /// Whole secrets that start with one of `SECRET_PREFIXES`.
    prefixed: HashSet<String>,
    /// The last `KEY_TAIL` characters of each API key.
    key_tails: HashSet<String>,
    /// Card numbers, digits only.
    cards: HashSet<String>,
}

impl Secrets {
    /// Watches `secret` if it is shaped like one: one of `SECRET_PREFIXES`, then enough of a
    /// token. Anything else is left alone (a wrong key a test sends on purpose, say).
    pub fn add_secret(&mut self, secret: &str) {
        if secret.len() < SHORTEST_SECRET || !SECRET_PREFIXES.iter().any(|p| secret.starts_with(p))
        {
            return;
        }
        if secret.starts_with("ck_") && secret.len() > KEY_TAIL + 8 {
            self.key_tails
                .insert(secret[secret.len() - KEY_TAIL..].to_owned());
        }
        self.prefixed.insert(secret.to_owned());
    }

    pub fn add_card(&mut self, number: &str) {
        let digits: String = number.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 12 {
            self.cards.insert(digits);
        }
    }

    /// What `line` holds that it must not, named without repeating the secret whole.
    pub fn leak_in(&self, line: &str) -> Option<String> {
        for token in tokens(line) {
            if SECRET_PREFIXES.iter().any(|p| token.contains(p))
                && let Some(secret) = self.prefixed.iter().find(|s| token.contains(s.as_str()))
            {
                return Some(format!("the secret {}...", &secret[..secret.len().min(12)]));
            }
            if token.len() >= KEY_TAIL
                && let Some(tail) = (0..=token.len() - KEY_TAIL)
                    .filter_map(|at| token.get(at..at + KEY_TAIL))
                    .find(|window| self.key_tails.contains(*window))
            {
                return Some(format!(
                    "an API key's secret part ...{}",
                    &tail[KEY_TAIL - 4..]
                ));
            }
            if let Some(at) = token.find(VAULT_TOKEN_PREFIX)
                && is_vault_token(&token[at + VAULT_TOKEN_PREFIX.len()..])
            {
                return Some("a vaulted payment-method token".to_owned());
            }
        }
        for run in digit_runs(line) {
            if let Some(card) = self.cards.iter().find(|card| run.contains(card.as_str())) {
                return Some(format!("card {}...{}", &card[..4], &card[card.len() - 4..]));
            }
        }
        None
    }
}

/// The runs of characters a secret is made of (base64url: letters, digits, `_` and `-`).
fn tokens(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .filter(|token| token.len() >= 6)
}

/// The runs of digits in `line`, each digit possibly followed by one space or dash before the
/// next (how a payer types a card number), the separators taken out.
fn digit_runs(line: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut run = String::new();
    let mut separated = false;
    for c in line.chars() {
        if c.is_ascii_digit() {
            run.push(c);
            separated = false;
        } else if (c == ' ' || c == '-') && !run.is_empty() && !separated {
            separated = true;
        } else {
            if run.len() >= 12 {
                runs.push(std::mem::take(&mut run));
            }
            run.clear();
            separated = false;
        }
    }
    if run.len() >= 12 {
        runs.push(run);
    }
    runs
}

/// `pm_sbx_<tag>_<ULID>`, after its prefix.
fn is_vault_token(rest: &str) -> bool {
    let Some((tag, id)) = rest.split_once('_') else {
        return false;
    };
    !tag.is_empty()
        && tag.chars().all(|c| c.is_ascii_lowercase())
        && id.len() >= 26
        && id[..26]
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

#[derive(Default)]
struct Watch {
    secrets: RwLock<Secrets>,
    leaks: Mutex<Vec<String>>,
}

static WATCH: LazyLock<Watch> = LazyLock::new(Watch::default);

/// Installs, once per test process, the subscriber every test logs through: the functions' JSON
/// lines at TRACE into the watch, and (`RUST_LOG=... cargo test -- --nocapture`) readable lines
/// at the level `RUST_LOG` gives, errors only otherwise.
pub fn install() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let level = std::env::var("RUST_LOG").unwrap_or_else(|_| "error".to_owned());
        let readable = tracing_subscriber::fmt::layer()
            .with_test_writer()
            .with_filter(commet_payments::logging::filter(Some(&level)));
        let watched = commet_payments::logging::json_layer(Watcher)
            .with_filter(commet_payments::logging::filter(Some("trace")));
        tracing_subscriber::registry()
            .with(readable)
            .with(watched)
            .init();
    });
}

/// A secret the logs must never hold, from now on (see `Secrets::add_secret`).
pub fn watch_secret(secret: &str) {
    WATCH.secrets.write().unwrap().add_secret(secret);
}

/// A card number the logs must never hold, in any spacing.
pub fn watch_card(number: &str) {
    WATCH.secrets.write().unwrap().add_card(number);
}

/// Takes out the leaks found in lines that hold `marker` (a test's own planted line).
pub fn take_leaks_with(marker: &str) -> Vec<String> {
    let mut leaks = WATCH.leaks.lock().unwrap();
    let (planted, others) = std::mem::take(&mut *leaks)
        .into_iter()
        .partition(|leak| leak.contains(marker));
    *leaks = others;
    planted
}

/// Fails with every line found holding a secret since the last call.
pub fn assert_no_leaks() {
    let leaks = std::mem::take(&mut *WATCH.leaks.lock().unwrap());
    assert!(
        leaks.is_empty(),
        "the functions logged secrets:\n{}",
        leaks.join("\n")
    );
}

struct Watcher;

impl<'a> MakeWriter<'a> for Watcher {
    type Writer = Line;
    fn make_writer(&'a self) -> Line {
        Line(Vec::new())
    }
}

/// One event's line, searched when the layer has written it.
struct Line(Vec<u8>);

impl Write for Line {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        let line = String::from_utf8_lossy(&self.0);
        let leak = WATCH.secrets.read().unwrap().leak_in(&line);
        if let Some(what) = leak {
            let line: String = line.chars().take(400).collect();
            // The test harness names each test's thread after the test: that names the test
            // that logged it, whichever test's end reports it.
            let thread = std::thread::current();
            let by = thread.name().unwrap_or("an unnamed thread");
            WATCH
                .leaks
                .lock()
                .unwrap()
                .push(format!("{what}, logged on {by}, in: {}", line.trim_end()));
        }
    }
}

#[test]
fn the_watch_finds_what_it_looks_for_and_passes_what_is_harmless() {
    let key = "ck_test_acct_01M8W274TWED8M3R7KC5E9ZEQ8_0123456789abcdefghijklmnopqrstuvwxyzAB-_x";
    let mut secrets = Secrets::default();
    secrets.add_secret(key);
    secrets.add_secret("whsec_NpV-UKYr1GRmoytCXHxJAX48");
    secrets.add_card("4242 4242 4242 4242");
    secrets.add_card("4000000000000341");
    // Not secrets: a prefix alone, a short or foreign key a test sends on purpose.
    for not_secret in [
        "whsec_",
        "ck_test_x",
        "ck_other_0123456789abcdef",
        "Bearer x",
    ] {
        secrets.add_secret(not_secret);
    }
    let found = |line: &str| secrets.leak_in(line);

    assert!(found(&format!(r#"{{"x-api-key":"{key}"}}"#)).is_some());
    assert!(found(&format!("key={}", &key[key.len() - 41..])).is_some());
    assert!(found("secret=whsec_NpV-UKYr1GRmoytCXHxJAX48").is_some());
    assert!(found(r#"body="card_number=4242424242424242&cvc=123""#).is_some());
    assert!(found(r#""card_number":"4242 4242 4242 4242""#).is_some());
    assert!(found("card 4000-0000-0000-0341 declined").is_some());
    assert!(found(r#""token":{"S":"pm_sbx_ok_01M8BXMCX10KVWMDQHBZTYESFY"}"#).is_some());

    let display_prefix = &key[..key.len() - KEY_TAIL];
    for harmless in [
        format!("listed key {display_prefix}"),
        "request served status=200 account_id=acct_01M8W274TWED8M3R7KC5E9ZEQ8".to_owned(),
        "card ending 4242, brand visa; amounts 4242 4242 4242".to_owned(),
        "Rng(5382098283398699190) at 2026-12-02T19:03:05.308Z".to_owned(),
        "whsec_ another secret whsec_NpV-UKYr1Gxx; the sandbox's pm_sbx_ tokens".to_owned(),
        "`whsec_` and `ck_test_x` are named in messages; ck_other_0123456789abcdef".to_owned(),
    ] {
        assert_eq!(found(&harmless), None, "{harmless}");
    }
}
