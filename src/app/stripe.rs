//! The deployment's Stripe, with its live keys and with its test keys: clients and secrets
//! built on first use, and which of them a payment's route goes through.

use tokio::sync::OnceCell;

use super::App;
use super::config::{SecretSource, StripeConfig};
use crate::domain::account::Principal;
use crate::domain::payment::{Provider, Route};
use crate::outbound::read_secret;
use crate::provider::stripe::SecretKey;
use crate::provider::{
    LinkProvider, ProviderError, Sandbox, Selected, Stripe, StripeBrowser, StripeClient,
    StripeSettings,
};

/// Stripe in one mode (live or test): what is configured, and what is built from it on first
/// use (a failed secret read is tried again by the next request).
pub(super) struct StripeMode {
    config: Option<StripeConfig>,
    client: OnceCell<StripeClient>,
    browser: Option<StripeBrowser>,
    webhook_secret_source: Option<SecretSource>,
    webhook_secret: OnceCell<SecretKey>,
}

impl StripeMode {
    pub fn new(config: Option<StripeConfig>, webhook_secret: Option<SecretSource>) -> Self {
        let browser = config.as_ref().and_then(|stripe| {
            Some(StripeBrowser {
                publishable_key: stripe.publishable_key.clone()?,
                js_url: stripe.js_url.clone(),
                origins: [stripe.js_url.as_str(), stripe.api_base.as_str()]
                    .iter()
                    .filter_map(|url| url::Url::parse(url).ok())
                    .map(|url| url.origin().ascii_serialization())
                    .collect(),
            })
        });
        Self {
            config,
            client: OnceCell::new(),
            browser,
            webhook_secret_source: webhook_secret,
            webhook_secret: OnceCell::new(),
        }
    }
}

/// A Stripe webhook signing secret, and whether it is the live endpoint's.
pub struct WebhookSecret<'a> {
    pub secret: &'a SecretKey,
    pub livemode: bool,
}

impl App {
    fn stripe_mode(&self, livemode: bool) -> &StripeMode {
        match livemode {
            true => &self.stripe_live,
            false => &self.stripe_test,
        }
    }

    /// Stripe with the keys of the route's mode, acting on its Stripe account, if this
    /// deployment has those keys.
    pub(super) async fn stripe_on(
        &self,
        route: &Route,
    ) -> Result<Option<Stripe<'_>>, ProviderError> {
        let mode = self.stripe_mode(route.livemode);
        let Some(config) = &mode.config else {
            return Ok(None);
        };
        let client = mode
            .client
            .get_or_try_init(|| async {
                StripeClient::new(StripeSettings {
                    api_base: config.api_base.clone(),
                    secret_key: self.secret(&config.key).await?,
                })
            })
            .await?;
        Ok(Some(client.on(route.stripe_account.clone())))
    }

    /// The signing secrets Stripe's events are checked with (the live endpoint's, the test
    /// endpoint's), those this deployment has; read on first use like the keys.
    pub async fn stripe_webhook_secrets(&self) -> Result<Vec<WebhookSecret<'_>>, ProviderError> {
        let mut secrets = Vec::new();
        for livemode in [true, false] {
            let mode = self.stripe_mode(livemode);
            let Some(source) = &mode.webhook_secret_source else {
                continue;
            };
            let secret = mode
                .webhook_secret
                .get_or_try_init(|| self.secret(source))
                .await?;
            secrets.push(WebhookSecret { secret, livemode });
        }
        Ok(secrets)
    }

    async fn secret(&self, source: &SecretSource) -> Result<SecretKey, ProviderError> {
        Ok(match source {
            SecretSource::Given(secret) => secret.clone(),
            SecretSource::InSecretsManager { arn } => SecretKey::new(
                read_secret(arn, self.config.secrets_endpoint.as_deref())
                    .await
                    .map_err(ProviderError)?,
            ),
        })
    }

    /// The provider a payment on `route` moves its money through (an off-session charge, or a
    /// recorded payment asked again), if this deployment has it.
    pub async fn provider_for(&self, route: &Route) -> Result<Option<Selected<'_>>, ProviderError> {
        Ok(match route.provider {
            Provider::Commet => Some(Selected::Sandbox(Sandbox)),
            Provider::Stripe => self.stripe_on(route).await?.map(Selected::Stripe),
        })
    }

    /// Whether the account can take cards on hosted pages here, without reading any secret:
    /// the route its new links get.
    pub fn link_route(&self, principal: &Principal) -> Option<Route> {
        let route = principal.route();
        let available = match route.provider {
            Provider::Commet => true,
            Provider::Stripe => self.stripe_mode(route.livemode).browser.is_some(),
        };
        available.then_some(route)
    }

    /// The provider that takes cards on a link's hosted page: the sandbox, or Stripe with
    /// Stripe.js (none without those keys or the publishable key).
    pub async fn link_provider(
        &self,
        route: &Route,
    ) -> Result<Option<LinkProvider<'_>>, ProviderError> {
        if route.provider == Provider::Commet {
            return Ok(Some(LinkProvider::Sandbox(Sandbox)));
        }
        let Some(browser) = self.stripe_mode(route.livemode).browser.as_ref() else {
            return Ok(None);
        };
        Ok(self
            .stripe_on(route)
            .await?
            .map(|stripe| LinkProvider::Stripe { stripe, browser }))
    }
}
