//! Postal address of a customer; its country (and state) decide the tax rate.

use std::str::FromStr;

use super::Invalid;
use super::text::bounded_text;

/// An ISO 3166-1 alpha-2 country code, upper case (`US`, `DE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountryCode(iso_country::Country);

impl CountryCode {
    pub fn parse(code: &str) -> Result<Self, Invalid> {
        let invalid = || Invalid::new("must be an ISO 3166-1 alpha-2 country code such as `US`");
        if code.len() != 2 {
            return Err(invalid());
        }
        iso_country::Country::from_str(&code.to_ascii_uppercase())
            .map(Self)
            .map_err(|_| invalid())
    }

    pub fn as_str(&self) -> String {
        format!("{:?}", self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: CountryCode,
}

impl Address {
    pub const MAX_LINE_CHARS: usize = 200;

    /// One address line, city, state or postal code: trimmed, 1 to 200 characters.
    pub fn parse_line(text: &str) -> Result<String, Invalid> {
        bounded_text(text, Self::MAX_LINE_CHARS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes() {
        assert_eq!(CountryCode::parse("us").unwrap().as_str(), "US");
        assert_eq!(CountryCode::parse("DE").unwrap().as_str(), "DE");
        for bad in ["", "USA", "ZZ", "u", "1"] {
            assert!(CountryCode::parse(bad).is_err(), "{bad}");
        }
    }
}
