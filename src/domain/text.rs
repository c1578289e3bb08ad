//! Free-text and structured string values, each with the limits of docs/contract.md §3.1.

use std::collections::BTreeMap;

use serde_json::Value;
use url::Url;

use super::Invalid;

pub(crate) fn char_count(text: &str) -> usize {
    text.chars().count()
}

/// What the payer is paying for: 1 to 1000 characters after trimming; stored trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 1000;

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let trimmed = text.trim();
        match char_count(trimmed) {
            0 => Err(Invalid::new("must not be empty")),
            n if n > Self::MAX_CHARS => Err(Invalid::new(format!(
                "must be at most {} characters",
                Self::MAX_CHARS
            ))),
            _ => Ok(Self(trimmed.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// String-to-string annotations: at most 50 keys, keys 1 to 40 characters, values at most 500.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata(BTreeMap<String, String>);

impl Metadata {
    pub const MAX_KEYS: usize = 50;
    pub const MAX_KEY_CHARS: usize = 40;
    pub const MAX_VALUE_CHARS: usize = 500;

    /// Checks every entry and reports the first rule broken, naming the key.
    pub fn new(entries: BTreeMap<String, String>) -> Result<Self, Invalid> {
        check_keys(&entries)?;
        for (key, value) in &entries {
            check_text(key, value)?;
        }
        Ok(Self(entries))
    }

    pub fn entries(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    pub fn into_entries(self) -> BTreeMap<String, String> {
        self.0
    }
}

/// A customer's or an invoice's annotations, which Commet's SDKs let hold any value (a
/// payment's invoice holds its payment's strings): as `Metadata`, with numbers, booleans and
/// null beside strings. Lists and objects are refused, so that a value
/// stays one stored attribute. A number is kept as sent if it is whole, else if it lies
/// within 1e-100 to 1e100 either side of 0, which DynamoDB stores exactly as JSON reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScalarMetadata(BTreeMap<String, Value>);

impl ScalarMetadata {
    pub fn new(entries: BTreeMap<String, Value>) -> Result<Self, Invalid> {
        check_keys(&entries)?;
        for (key, value) in &entries {
            match value {
                Value::String(text) => check_text(key, text)?,
                Value::Number(number) if storable(number) => {}
                Value::Bool(_) | Value::Null => {}
                Value::Number(_) => {
                    return Err(Invalid::new(format!(
                        "numbers must be whole, or between 1e-100 and 1e100 either side of 0 \
                         (the value of `{}` is not)",
                        truncate_for_message(key)
                    )));
                }
                Value::Array(_) | Value::Object(_) => {
                    return Err(Invalid::new(format!(
                        "values must be strings, numbers, booleans or null (the value of `{}` \
                         is not)",
                        truncate_for_message(key)
                    )));
                }
            }
        }
        Ok(Self(entries))
    }

    pub fn entries(&self) -> &BTreeMap<String, Value> {
        &self.0
    }

    pub fn into_entries(self) -> BTreeMap<String, Value> {
        self.0
    }
}

/// A payment's metadata as its invoice holds it: every string kept.
impl From<Metadata> for ScalarMetadata {
    fn from(metadata: Metadata) -> Self {
        Self(
            metadata
                .into_entries()
                .into_iter()
                .map(|(key, value)| (key, Value::String(value)))
                .collect(),
        )
    }
}

fn storable(number: &serde_json::Number) -> bool {
    if number.is_i64() || number.is_u64() {
        return true;
    }
    number
        .as_f64()
        .is_some_and(|x| x == 0.0 || (1e-100..=1e100).contains(&x.abs()))
}

/// At most `Metadata::MAX_KEYS` keys, each 1 to `MAX_KEY_CHARS` characters.
fn check_keys<V>(entries: &BTreeMap<String, V>) -> Result<(), Invalid> {
    if entries.len() > Metadata::MAX_KEYS {
        return Err(Invalid::new(format!(
            "must have at most {} keys",
            Metadata::MAX_KEYS
        )));
    }
    match entries.keys().find(|key| {
        let chars = char_count(key);
        chars == 0 || chars > Metadata::MAX_KEY_CHARS
    }) {
        Some(key) => Err(Invalid::new(format!(
            "keys must be 1 to {} characters (`{}` is not)",
            Metadata::MAX_KEY_CHARS,
            truncate_for_message(key)
        ))),
        None => Ok(()),
    }
}

fn check_text(key: &str, value: &str) -> Result<(), Invalid> {
    if char_count(value) > Metadata::MAX_VALUE_CHARS {
        return Err(Invalid::new(format!(
            "values must be at most {} characters (the value of `{}` is not)",
            Metadata::MAX_VALUE_CHARS,
            truncate_for_message(key)
        )));
    }
    Ok(())
}

fn truncate_for_message(text: &str) -> String {
    const SHOWN: usize = 40;
    if char_count(text) <= SHOWN {
        text.to_owned()
    } else {
        let mut shown: String = text.chars().take(SHOWN).collect();
        shown.push('…');
        shown
    }
}

/// Where the hosted page sends the payer after paying: an absolute http(s) URL, ≤ 2048 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccessUrl(String);

impl SuccessUrl {
    pub const MAX_CHARS: usize = 2048;

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        if char_count(text) > Self::MAX_CHARS {
            return Err(Invalid::new(format!(
                "must be at most {} characters",
                Self::MAX_CHARS
            )));
        }
        let url = Url::parse(text).map_err(|_| Invalid::new("must be an absolute URL"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(Invalid::new("must be an absolute http or https URL"));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A plausible e-mail address: one `@`, a non-empty local part, a dotted domain, no spaces,
/// at most 254 characters. Stored as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        let malformed = || Invalid::new("must be an e-mail address such as `ada@example.com`");
        if char_count(text) > Self::MAX_CHARS {
            return Err(Invalid::new(format!(
                "must be at most {} characters",
                Self::MAX_CHARS
            )));
        }
        let (local, domain) = text.split_once('@').ok_or_else(malformed)?;
        let plausible = !local.is_empty()
            && local.len() <= 64
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if plausible {
            Ok(Self(text.to_owned()))
        } else {
            Err(malformed())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether both name the same mailbox as mail systems treat it: case aside (a local part
    /// may be case-sensitive by the RFC, but none that matters here is).
    pub fn same_address(&self, other: &Email) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

/// The caller's own id for a customer, unique per account.
///
/// Limited to characters that survive a URL path unescaped, because `GET /customers/{id}` takes
/// it in place of the `cus_` id; and it may not itself start with `cus_`, so that the two forms
/// can never be confused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalId(String);

impl ExternalId {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        if text.is_empty() || text.len() > Self::MAX_CHARS {
            return Err(Invalid::new(format!(
                "must be 1 to {} characters",
                Self::MAX_CHARS
            )));
        }
        if !text.chars().all(Self::allowed_char) {
            return Err(Invalid::new(
                "may contain only letters, digits and . _ - : @ + |",
            ));
        }
        if text.starts_with("cus_") {
            return Err(Invalid::new("must not start with `cus_`"));
        }
        Ok(Self(text.to_owned()))
    }

    fn allowed_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '@' | '+' | '|')
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's or company's name: 1 to 200 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        bounded_text(text, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A customer's tax identification number as the merchant writes it (a VAT number, an EIN, a
/// CUIT): 1 to 64 characters after trimming, of letters, digits, spaces and `. - /`. Shown as
/// given; its kind is not worked out (a customer's `documentType` stays null).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxDocument(String);

impl TaxDocument {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.len() > Self::MAX_CHARS {
            return Err(Invalid::new(format!(
                "must be 1 to {} characters",
                Self::MAX_CHARS
            )));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '-' | '/');
        if !trimmed.chars().all(allowed) {
            return Err(Invalid::new(
                "may contain only letters, digits, spaces and . - /",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IANA time zone name such as `UTC` or `America/New_York`, spelled as the time zone
/// database spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timezone(String);

impl Timezone {
    /// A name the time zone database knows (a zone or one of its links, such as `US/Eastern`),
    /// in any letter case: `america/new_york` is kept as `America/New_York`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let names = tzdb_data::TZ_NAMES;
        names
            .binary_search_by(|name| ignoring_ascii_case(name).cmp(ignoring_ascii_case(text)))
            .map(|at| Self(names[at].to_owned()))
            .map_err(|_| {
                Invalid::new("must be an IANA time zone name such as `UTC` or `Europe/Madrid`")
            })
    }

    /// A name as it was stored: the database knew it then; a later release may not (IANA
    /// keeps old names as links, but a record must stay readable either way).
    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The bytes of `text` in lower case, to compare names as the time zone database sorts them.
fn ignoring_ascii_case(text: &str) -> impl Iterator<Item = u8> + '_ {
    text.bytes().map(|byte| byte.to_ascii_lowercase())
}

/// Trimmed text of 1 to `max` characters.
pub(crate) fn bounded_text(text: &str, max: usize) -> Result<String, Invalid> {
    let trimmed = text.trim();
    match char_count(trimmed) {
        0 => Err(Invalid::new("must not be empty")),
        n if n > max => Err(Invalid::new(format!("must be at most {max} characters"))),
        _ => Ok(trimmed.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn description_is_trimmed_and_bounded_in_characters() {
        assert_eq!(
            Description::parse("  Order 7 ").unwrap().as_str(),
            "Order 7"
        );
        assert!(Description::parse("   ").is_err());
        assert!(Description::parse(&"é".repeat(1000)).is_ok());
        assert!(Description::parse(&"é".repeat(1001)).is_err());
    }

    #[test]
    fn metadata_limits() {
        let entries = |n: usize| (0..n).map(|i| (format!("k{i}"), "v".to_owned())).collect();
        assert!(Metadata::new(entries(50)).is_ok());
        assert!(Metadata::new(entries(51)).is_err());
        let one = |k: &str, v: &str| BTreeMap::from([(k.to_owned(), v.to_owned())]);
        assert!(Metadata::new(one("", "v")).is_err());
        assert!(Metadata::new(one(&"k".repeat(40), "v")).is_ok());
        assert!(Metadata::new(one(&"k".repeat(41), "v")).is_err());
        assert!(Metadata::new(one("k", &"v".repeat(500))).is_ok());
        assert!(Metadata::new(one("k", &"v".repeat(501))).is_err());
        assert!(Metadata::new(one("k", "")).is_ok());
    }

    #[test]
    fn success_url_must_be_absolute_http() {
        assert!(SuccessUrl::parse("https://shop.example/thanks?o=1").is_ok());
        assert!(SuccessUrl::parse("http://localhost:3000/done").is_ok());
        assert!(SuccessUrl::parse("/thanks").is_err());
        assert!(SuccessUrl::parse("javascript:alert(1)").is_err());
        assert!(SuccessUrl::parse("ftp://x.example/").is_err());
        let long = format!("https://x.example/{}", "a".repeat(2048));
        assert!(SuccessUrl::parse(&long).is_err());
    }

    #[test]
    fn email_plausibility() {
        for ok in ["ada@example.com", "a.b+tag@sub.example.co.uk"] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "ada@@example.com",
            "a da@example.com",
            "ada@.example.com",
            "ada@example..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn external_id_rules() {
        assert!(ExternalId::parse("user-42").is_ok());
        assert!(ExternalId::parse("ada@example.com").is_ok());
        assert!(ExternalId::parse("").is_err());
        assert!(ExternalId::parse("has space").is_err());
        assert!(ExternalId::parse("a/b").is_err());
        assert!(ExternalId::parse("cus_123").is_err());
        assert!(ExternalId::parse(&"x".repeat(255)).is_ok());
        assert!(ExternalId::parse(&"x".repeat(256)).is_err());
    }

    #[test]
    fn a_customers_metadata_holds_scalars_a_table_stores_as_sent() {
        let one = |value: Value| ScalarMetadata::new(BTreeMap::from([("k".into(), value)]));
        for kept in [
            json!("gold"),
            json!(5),
            json!(-5),
            json!(u64::MAX),
            json!(0.25),
            json!(-1e100),
            json!(0.0),
            json!(true),
            Value::Null,
        ] {
            assert_eq!(one(kept.clone()).unwrap().entries()["k"], kept);
        }
        for refused in [
            json!([1]),
            json!({ "a": 1 }),
            json!(1e101),
            json!(1e-101),
            json!("v".repeat(501)),
        ] {
            assert!(one(refused.clone()).is_err(), "{refused}");
        }
        let many: BTreeMap<String, Value> = (0..51).map(|n| (n.to_string(), json!(n))).collect();
        assert!(ScalarMetadata::new(many).is_err());
        assert!(ScalarMetadata::new(BTreeMap::from([(String::new(), json!(1))])).is_err());
    }

    #[test]
    fn a_tax_document_is_trimmed_and_kept_as_written() {
        for (given, kept) in [
            (" GB 123 4567 89 ", "GB 123 4567 89"),
            ("20-12345678-9", "20-12345678-9"),
            ("12.345.678/0001-90", "12.345.678/0001-90"),
        ] {
            assert_eq!(TaxDocument::parse(given).unwrap().as_str(), kept);
        }
        let longest = "9".repeat(TaxDocument::MAX_CHARS);
        assert!(TaxDocument::parse(&longest).is_ok());
        for bad in ["", "   ", "20_12345678", "DE123<b>", &format!("{longest}9")] {
            assert!(TaxDocument::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timezone_names_the_database_knows() {
        let parsed = |text: &str| Timezone::parse(text).map(|zone| zone.as_str().to_owned());
        for known in [
            "UTC",
            "Etc/GMT+3",
            "America/Argentina/Buenos_Aires",
            "US/Eastern",
            "Europe/Kyiv",
            "Europe/Kiev",
            "Africa/Abidjan",
            "Zulu",
        ] {
            assert_eq!(parsed(known).as_deref(), Ok(known));
        }
        assert_eq!(
            parsed("america/new_york").as_deref(),
            Ok("America/New_York")
        );
        assert_eq!(parsed("utc").as_deref(), Ok("UTC"));
        for unknown in [
            "",
            "Mars/Base",
            "Europe/Madri",
            "America/New York",
            " UTC",
            "Etc/GMT+15",
            "Not a zone",
            &"A".repeat(10_000),
        ] {
            assert!(Timezone::parse(unknown).is_err(), "{unknown}");
        }
    }

    /// The lookup is a binary search in the crate's order: a release that sorts otherwise would
    /// refuse names it holds.
    #[test]
    fn time_zone_names_are_sorted_ignoring_case() {
        let names = tzdb_data::TZ_NAMES;
        assert!(names.len() > 500);
        assert!(
            names
                .windows(2)
                .all(|pair| ignoring_ascii_case(pair[0]).lt(ignoring_ascii_case(pair[1])))
        );
        assert!(names.iter().all(|name| Timezone::parse(name).is_ok()));
    }
}
