//! Webhook endpoints: where an account wants to hear about its events (docs/contract.md §5), and
//! the rules for where this service may send them.

use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use sha2::Sha256;
use url::{Host, Url};

use super::Invalid;
use super::ids::WebhookId;
use super::payment::wire_enum;
use super::text::{bounded_text, char_count};
use super::time::Timestamp;
use super::version::ApiVersion;

wire_enum!(
    /// The events this service emits (docs/contract.md §5); an endpoint subscribes to some.
    EventType {
        PaymentLinkCreated => "payment_link.created",
        PaymentLinkCompleted => "payment_link.completed",
        PaymentLinkFailed => "payment_link.failed",
        PaymentLinkCanceled => "payment_link.canceled",
        PaymentReceived => "payment.received",
        PaymentFailed => "payment.failed",
        PaymentRefunded => "payment.refunded",
        PaymentDisputed => "payment.disputed",
        PaymentDisputeResolved => "payment.dispute_resolved",
        InvoiceCreated => "invoice.created",
        InvoiceVoided => "invoice.voided",
        PaymentMethodAttached => "payment_method.attached",
        CustomerCreated => "customer.created",
        CustomerUpdated => "customer.updated",
    }
);

/// What an endpoint subscribes to: at least one event, each once, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSelection(Vec<EventType>);

impl EventSelection {
    /// Parses every entry; the first unknown or repeated one is named.
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, Invalid> {
        let mut events = Vec::new();
        for entry in entries {
            let event = EventType::parse(entry).map_err(|_| {
                Invalid::new(format!(
                    "`{entry}` is not an event this service sends; events: {}",
                    EventType::ALL
                        .iter()
                        .map(EventType::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            if events.contains(&event) {
                return Err(Invalid::new(format!("`{entry}` is listed twice")));
            }
            events.push(event);
        }
        if events.is_empty() {
            return Err(Invalid::new("must list at least one event"));
        }
        Ok(Self(events))
    }

    pub fn events(&self) -> &[EventType] {
        &self.0
    }

    pub fn contains(&self, event: EventType) -> bool {
        self.0.contains(&event)
    }
}

/// An endpoint's URL: absolute http(s), a host, no user name or password (they would be sent
/// to whoever the host is and shown in listings), at most 2048 characters. Live accounts need
/// https. Where it may point is checked against the addresses its host resolves to, by
/// `public_address::forbidden_address`, when saved and again when delivered to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

impl WebhookUrl {
    pub const MAX_CHARS: usize = 2048;

    pub fn parse(text: &str, livemode: bool) -> Result<Self, Invalid> {
        Self::parse_for(text, livemode, false)
    }

    /// The same, where `loopback_allowed` (a local stack, whose receivers listen on this
    /// machine) lets a live account use plain http to a loopback host.
    pub fn parse_for(text: &str, livemode: bool, loopback_allowed: bool) -> Result<Self, Invalid> {
        if char_count(text) > Self::MAX_CHARS {
            return Err(Invalid::new(format!(
                "must be at most {} characters",
                Self::MAX_CHARS
            )));
        }
        let url = Url::parse(text).map_err(|_| Invalid::new("must be an absolute URL"))?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        match url.scheme() {
            "https" => {}
            "http" if !livemode || (loopback_allowed && loopback) => {}
            "http" => return Err(Invalid::new("must be https for a live account")),
            _ => return Err(Invalid::new("must be an http or https URL")),
        }
        if url.host().is_none() {
            return Err(Invalid::new("must name a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Invalid::new("must not carry a user name or password"));
        }
        Ok(Self(url))
    }

    /// As stored and shown: the URL in its normalised form (`http://0x7f.1/` reads
    /// `http://127.0.0.1/`, so what an endpoint points at is never disguised).
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &Url {
        &self.0
    }

    /// The host to resolve, or the address the URL names literally.
    pub fn target(&self) -> Target<'_> {
        match self.0.host() {
            Some(Host::Ipv4(ip)) => Target::Address(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Target::Address(IpAddr::V6(ip)),
            Some(Host::Domain(name)) => Target::Name(name),
            None => Target::Name(""),
        }
    }

    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(443)
    }
}

pub enum Target<'a> {
    Address(IpAddr),
    Name(&'a str),
}

/// The secret an endpoint's deliveries are signed with: `whsec_` and 256 random bits. Shown once,
/// when the endpoint is created; stored as is, since signing needs it; never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut random = [0u8; 32];
        getrandom::fill(&mut random)?;
        Ok(Self(format!("whsec_{}", URL_SAFE_NO_PAD.encode(random))))
    }

    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Lowercase hex HMAC-SHA256 of `body` keyed with the secret: `X-Commet-Signature`.
    pub fn sign(&self, body: &[u8]) -> String {
        let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: WebhookId,
    pub url: WebhookUrl,
    pub events: EventSelection,
    pub description: Option<String>,
    pub is_active: bool,
    /// The version its payloads are shaped in; the account's pin when unset.
    pub api_version: Option<ApiVersion>,
    pub secret: WebhookSecret,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub livemode: bool,
}

impl WebhookEndpoint {
    /// How many endpoints one account may have (ours: Commet publishes no limit).
    pub const MAX_PER_ACCOUNT: u32 = 16;
    pub const MAX_DESCRIPTION_CHARS: usize = 500;

    /// A description: trimmed, 1 to 500 characters.
    pub fn parse_description(text: &str) -> Result<String, Invalid> {
        bounded_text(text, Self::MAX_DESCRIPTION_CHARS)
    }
}

/// A validated request to create an endpoint.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: WebhookUrl,
    pub events: EventSelection,
    pub description: Option<String>,
    pub api_version: Option<ApiVersion>,
}

impl NewWebhook {
    pub fn create(self, secret: WebhookSecret, now: Timestamp, livemode: bool) -> WebhookEndpoint {
        WebhookEndpoint {
            id: WebhookId::generate(),
            url: self.url,
            events: self.events,
            description: self.description,
            is_active: true,
            api_version: self.api_version,
            secret,
            created_at: now,
            updated_at: now,
            livemode,
        }
    }
}

/// A validated partial update: only the fields given change. `description: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    pub url: Option<WebhookUrl>,
    pub events: Option<EventSelection>,
    pub description: Option<Option<String>>,
    pub is_active: Option<bool>,
    pub api_version: Option<ApiVersion>,
}

impl WebhookChanges {
    pub fn is_empty(&self) -> bool {
        self.url.is_none()
            && self.events.is_none()
            && self.description.is_none()
            && self.is_active.is_none()
            && self.api_version.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::public_address::forbidden_address;

    fn forbidden(url: &str) -> Option<&'static str> {
        match WebhookUrl::parse(url, true).unwrap().target() {
            Target::Address(ip) => forbidden_address(ip, false),
            Target::Name(name) => panic!("{url}: a name, {name}"),
        }
    }

    #[test]
    fn every_non_public_address_is_refused_whatever_its_spelling() {
        for url in [
            "https://127.0.0.1/",
            "https://[::1]/",
            "https://0.0.0.0/",
            "https://10.0.0.1/",
            "https://172.16.0.1/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://2130706433/",
            "https://0177.0.0.1/",
            "https://0x7f.1/",
            "https://127.1/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:169.254.169.254]/",
            "https://100.64.0.1/",
            "https://224.0.0.1/",
            "https://255.255.255.255/",
            "https://[ff02::1]/",
            "https://[64:ff9b::a00:1]/",
            "https://[::127.0.0.1]/",
            "https://[2002:7f00:1::]/",
            "https://[2001::a9fe:a9fe]/",
            "https://198.18.0.1/",
        ] {
            assert!(forbidden(url).is_some(), "{url} must be refused");
        }
        for url in ["https://93.184.215.14/", "https://[2606:4700::1111]/"] {
            assert_eq!(forbidden(url), None, "{url} is public");
        }
    }

    #[test]
    fn urls_are_absolute_http_without_credentials_and_https_when_live() {
        assert!(WebhookUrl::parse("http://hooks.example.com/in", false).is_ok());
        assert!(WebhookUrl::parse("http://hooks.example.com/in", true).is_err());
        assert!(WebhookUrl::parse("https://hooks.example.com/in", true).is_ok());
        // A local stack's loopback receivers, for live accounts too; nothing else.
        assert!(WebhookUrl::parse_for("http://127.0.0.1:8080/in", true, true).is_ok());
        assert!(WebhookUrl::parse_for("http://localhost/in", true, true).is_ok());
        assert!(WebhookUrl::parse_for("http://127.0.0.1:8080/in", true, false).is_err());
        assert!(WebhookUrl::parse_for("http://hooks.example.com/in", true, true).is_err());
        for bad in [
            "/relative",
            "ftp://hooks.example.com/",
            "https://user:pw@hooks.example.com/",
            "file:///etc/passwd",
            "",
        ] {
            assert!(WebhookUrl::parse(bad, false).is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert!(WebhookUrl::parse(&long, false).is_err());
        assert_eq!(
            WebhookUrl::parse("https://0x7f.1:8443/x", false)
                .unwrap()
                .as_str(),
            "https://127.0.0.1:8443/x"
        );
    }

    #[test]
    fn events_are_known_unique_and_not_empty() {
        let events = EventSelection::parse(["payment_link.completed", "customer.created"]).unwrap();
        assert!(events.contains(EventType::CustomerCreated));
        assert!(!events.contains(EventType::PaymentFailed));
        let unknown =
            EventSelection::parse(["payment_link.completed", "subscription.created"]).unwrap_err();
        assert!(
            unknown.0.contains("`subscription.created`"),
            "{}",
            unknown.0
        );
        assert!(EventSelection::parse(["customer.created", "customer.created"]).is_err());
        assert!(EventSelection::parse(Vec::<&str>::new()).is_err());
    }

    #[test]
    fn signatures_are_lowercase_hex_hmac_sha256() {
        // RFC 4231 test case 2: key "Jefe".
        let secret = WebhookSecret::from_stored("Jefe".into());
        assert_eq!(
            secret.sign(b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let generated = WebhookSecret::generate().unwrap();
        assert!(generated.expose().starts_with("whsec_"));
        assert_eq!(generated.expose().len(), 6 + 43);
        assert!(!format!("{generated:?}").contains(generated.expose()));
    }
}
