//! Accounts (an organization in one mode) and the API keys that act for them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::Invalid;
use super::ids::{AccountId, ApiKeyId, StripeAccountId};
use super::mail_cap::MailCap;
use super::payment::{Provider, Route, wire_enum};
use super::text::bounded_text;
use super::time::Timestamp;
use super::version::ApiVersion;

wire_enum!(
    /// Live moves real money through a real provider; sandbox uses the built-in test provider.
    /// The two never see each other's objects: they are different accounts.
    Mode { Live => "live", Sandbox => "sandbox" }
);

impl Mode {
    pub fn is_live(&self) -> bool {
        matches!(self, Mode::Live)
    }

    /// The part of an API key that tells its mode at a glance, as Stripe's `sk_test_` does.
    fn key_prefix(&self) -> &'static str {
        match self {
            Mode::Live => "ck_live_",
            Mode::Sandbox => "ck_test_",
        }
    }
}

/// Where an account's money moves, as the operator set it (`admin set-provider`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderSettings {
    /// A sandbox account's payments go through Stripe's test mode (the deployment's test keys)
    /// instead of the built-in sandbox. Live accounts always use Stripe.
    pub sandbox_on_stripe: bool,
    /// The connected Stripe account (Connect) its Stripe payments are made on; `None`: the
    /// deployment's own Stripe account.
    pub stripe_account: Option<StripeAccountId>,
}

impl ProviderSettings {
    /// The provider an account in `mode` takes new payments through.
    pub fn provider(&self, mode: Mode) -> Provider {
        match (mode, self.sandbox_on_stripe) {
            (Mode::Sandbox, false) => Provider::Commet,
            (Mode::Live, _) | (Mode::Sandbox, true) => Provider::Stripe,
        }
    }

    /// Where a new payment of an account in `mode` goes.
    pub fn route(&self, mode: Mode) -> Route {
        let provider = self.provider(mode);
        Route {
            provider,
            stripe_account: match provider {
                Provider::Stripe => self.stripe_account.clone(),
                Provider::Commet => None,
            },
            livemode: mode.is_live(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub mode: Mode,
    /// The organization's pin: the version its requests get when they name none. `None` only
    /// for accounts created before pins existed; they get the current version.
    pub api_version: Option<ApiVersion>,
    pub providers: ProviderSettings,
    /// How many mails it may send in an hour, when the operator set it apart from the
    /// deployment's cap (`admin set-mail-cap`). Only the receipts worker reads it, from the
    /// account itself: keys carry no copy.
    pub mail_cap: Option<MailCap>,
    pub created_at: Timestamp,
}

impl Account {
    /// A new account, pinned to `api_version` as Commet pins an organization when it is created.
    pub fn create(
        name: &str,
        mode: Mode,
        api_version: ApiVersion,
        now: Timestamp,
    ) -> Result<Self, Invalid> {
        Ok(Self {
            id: AccountId::generate(),
            name: bounded_text(name, 200)?,
            mode,
            api_version: Some(api_version),
            providers: ProviderSettings::default(),
            mail_cap: None,
            created_at: now,
        })
    }

    /// Its mails' cap per hour: its own, else the deployment's.
    pub fn mail_cap_or(&self, deployment: MailCap) -> MailCap {
        self.mail_cap.unwrap_or(deployment)
    }
}

/// The authenticated caller of a request: which account, in which mode, with what settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: AccountId,
    pub mode: Mode,
    /// The account's pin, as the key carries it.
    pub api_version: Option<ApiVersion>,
    /// The account's provider settings, as the key carries them.
    pub providers: ProviderSettings,
}

impl Principal {
    pub fn livemode(&self) -> bool {
        self.mode.is_live()
    }

    /// Where this account's new payments go.
    pub fn route(&self) -> Route {
        self.providers.route(self.mode)
    }
}

/// A full API key as the caller holds it. Shown once at creation; only its hash is stored.
pub struct ApiKeySecret(String);

impl ApiKeySecret {
    const RANDOM_BYTES: usize = 32;
    /// 256 bits in URL-safe base64 without padding.
    const RANDOM_CHARS: usize = 43;

    /// `ck_test_` or `ck_live_`, the account's id, `_`, then 256 random bits in URL-safe base64.
    ///
    /// The account id is public, as in Stripe's keys: it lets a request read its object beside
    /// the key's own item before the key is checked (`ClaimedAccount::of`). The key is only
    /// believed once the hash of the whole key, account id included, is found and active.
    pub fn generate(account: &Account) -> Result<Self, getrandom::Error> {
        let mut random = [0u8; Self::RANDOM_BYTES];
        getrandom::fill(&mut random)?;
        Ok(Self(format!(
            "{}{}_{}",
            account.mode.key_prefix(),
            account.id,
            URL_SAFE_NO_PAD.encode(random)
        )))
    }

    /// Wraps a key given on the command line or in a fixture.
    pub fn from_text(text: &str) -> Self {
        Self(text.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> ApiKeyHash {
        ApiKeyHash::of(&self.0)
    }

    /// Enough of the key to recognise it in a listing, never enough to use it: all but the last
    /// 40 characters (for keys with an account id, its mode, account and 3 random characters).
    pub fn display_prefix(&self) -> String {
        let keep = self.0.chars().count().saturating_sub(40);
        self.0.chars().take(keep.max(1)).collect()
    }
}

/// Who a presented key says it acts for, read from its public part, before any lookup. Nothing
/// is believed until the key's hash is found: this only says where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedAccount {
    pub mode: Mode,
    pub account_id: AccountId,
}

impl ClaimedAccount {
    /// The account and mode a key of the shape `ApiKeySecret::generate` makes names; `None` for
    /// keys issued before keys carried their account (they keep working, with a lookup first).
    pub fn of(presented: &str) -> Option<Self> {
        let (mode, rest) = [Mode::Live, Mode::Sandbox]
            .into_iter()
            .find_map(|mode| Some((mode, presented.strip_prefix(mode.key_prefix())?)))?;
        let (account, random) = rest.split_at_checked(AccountId::PREFIX.len() + 26)?;
        let random = random.strip_prefix('_')?;
        if random.len() != ApiKeySecret::RANDOM_CHARS {
            return None;
        }
        Some(Self {
            mode,
            account_id: AccountId::parse(account).ok()?,
        })
    }

    /// The caller as far as the key's public part tells: the claimed account and mode, with
    /// the settings of an account that changed none (no pin, the default providers).
    pub fn provisional_principal(&self) -> Principal {
        Principal {
            account_id: self.account_id.clone(),
            mode: self.mode,
            api_version: None,
            providers: ProviderSettings::default(),
        }
    }
}

impl std::fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKeySecret(<redacted>)")
    }
}

/// Lower-case hex SHA-256 of a presented key: what the store indexes keys by.
///
/// A fast hash is right here (unlike for passwords): keys carry 256 random bits, so there is
/// nothing to brute-force, and the lookup sits on every request's path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiKeyHash(String);

impl ApiKeyHash {
    pub fn of(presented: &str) -> Self {
        Self(hex::encode(Sha256::digest(presented.as_bytes())))
    }

    /// Re-wraps a hash read back from the store.
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The most active keys an account may hold. Their hashes sit on the account's item (see the
/// store), which every hosted page reads: at 50 the item stays within one 4 KB read unit.
pub const MAX_ACTIVE_KEYS: u32 = 50;

/// What the store knows about a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub account_id: AccountId,
    pub mode: Mode,
    /// A copy of the account's pin, so that the one key lookup a request makes also tells its
    /// version. `admin set-api-version` changes the account and every key of it.
    pub api_version: Option<ApiVersion>,
    /// A copy of the account's provider settings, for the same reason (`admin set-provider`).
    pub providers: ProviderSettings,
    pub hash: ApiKeyHash,
    pub display_prefix: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

impl ApiKey {
    pub fn issue(account: &Account, secret: &ApiKeySecret, now: Timestamp) -> Self {
        Self {
            id: ApiKeyId::generate(),
            account_id: account.id.clone(),
            mode: account.mode,
            api_version: account.api_version,
            providers: account.providers.clone(),
            hash: secret.hash(),
            display_prefix: secret.display_prefix(),
            created_at: now,
            revoked_at: None,
        }
    }

    /// The principal this key authenticates, unless it was revoked.
    pub fn principal(&self) -> Option<Principal> {
        self.revoked_at.is_none().then(|| Principal {
            account_id: self.account_id.clone(),
            mode: self.mode,
            api_version: self.api_version,
            providers: self.providers.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(mode: Mode) -> Account {
        Account::create("Test", mode, ApiVersion::CURRENT, Timestamp::now()).unwrap()
    }

    #[test]
    fn an_account_mails_under_its_own_cap_else_the_deployments() {
        let mut merchant = account(Mode::Sandbox);
        let deployment = MailCap::new(1_000).unwrap();
        assert_eq!(merchant.mail_cap_or(deployment), deployment);
        merchant.mail_cap = Some(MailCap::new(5).unwrap());
        assert_eq!(merchant.mail_cap_or(deployment).get(), 5);
    }

    #[test]
    fn a_key_names_its_account_and_mode_and_old_keys_name_none() {
        for mode in [Mode::Sandbox, Mode::Live] {
            let owner = account(mode);
            let key = ApiKeySecret::generate(&owner).unwrap();
            assert_eq!(
                ClaimedAccount::of(key.expose()),
                Some(ClaimedAccount {
                    mode,
                    account_id: owner.id.clone()
                })
            );
        }
        let key = ApiKeySecret::generate(&account(Mode::Sandbox)).unwrap();
        let text = key.expose();
        for not_a_claim in [
            // A key from before keys carried their account.
            "ck_test_0000000000000000000000000000000000000000000".to_owned(),
            format!("ck_prod_{}", &text[8..]),
            text[..text.len() - 1].to_owned(),
            format!("{text}x"),
            text.replacen("acct_", "cust_", 1),
            text.replacen('_', "", 4),
            format!("{}-{}", &text[..39], &text[40..]),
        ] {
            assert_eq!(ClaimedAccount::of(&not_a_claim), None, "{not_a_claim}");
        }
    }

    #[test]
    fn generated_keys_carry_their_mode_and_differ() {
        let sandbox = account(Mode::Sandbox);
        let a = ApiKeySecret::generate(&sandbox).unwrap();
        let b = ApiKeySecret::generate(&sandbox).unwrap();
        assert!(a.expose().starts_with("ck_test_acct_"));
        assert!(
            ApiKeySecret::generate(&account(Mode::Live))
                .unwrap()
                .expose()
                .starts_with("ck_live_acct_")
        );
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 8 + 31 + 1 + 43);
        assert_eq!(a.display_prefix().len(), 8 + 31 + 1 + 3);
        assert!(!a.display_prefix().contains(&a.expose()[45..]));
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            ApiKeyHash::of("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = ApiKeySecret::generate(&account(Mode::Live)).unwrap();
        assert!(!format!("{secret:?}").contains(secret.expose()));
    }

    #[test]
    fn stripe_account_ids_are_checked() {
        assert_eq!(
            StripeAccountId::parse("acct_1032D82eZvKYlo2C")
                .unwrap()
                .as_str(),
            "acct_1032D82eZvKYlo2C"
        );
        for bad in ["", "acct_", "acc_1", "acct_1 2", "acct_1/x", "cus_1"] {
            assert!(StripeAccountId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn live_accounts_always_use_stripe_and_sandboxes_only_when_set() {
        let connected = StripeAccountId::parse("acct_1").unwrap();
        let default = ProviderSettings::default();
        assert_eq!(default.provider(Mode::Live), Provider::Stripe);
        assert_eq!(default.provider(Mode::Sandbox), Provider::Commet);
        let on_stripe = ProviderSettings {
            sandbox_on_stripe: true,
            stripe_account: Some(connected.clone()),
        };
        assert_eq!(
            on_stripe.route(Mode::Sandbox),
            Route {
                provider: Provider::Stripe,
                stripe_account: Some(connected.clone()),
                livemode: false,
            }
        );
        // A connected account means nothing to the built-in sandbox.
        let sandbox = ProviderSettings {
            sandbox_on_stripe: false,
            stripe_account: Some(connected),
        };
        assert_eq!(sandbox.route(Mode::Sandbox).stripe_account, None);
        assert!(sandbox.route(Mode::Live).livemode);
    }

    #[test]
    fn revoked_keys_authenticate_nobody() {
        let account =
            Account::create("Acme", Mode::Sandbox, ApiVersion::CURRENT, Timestamp::now()).unwrap();
        let secret = ApiKeySecret::generate(&account).unwrap();
        let mut key = ApiKey::issue(&account, &secret, Timestamp::now());
        assert_eq!(key.principal().unwrap().account_id, account.id);
        key.revoked_at = Some(Timestamp::now());
        assert!(key.principal().is_none());
    }
}
