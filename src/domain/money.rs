//! Money as integer minor units, never floats.

use std::fmt;
use std::str::FromStr;

use super::Invalid;

/// An ISO 4217 currency that has a minor unit, stored and shown in lower case (`usd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// Accepts a three-letter code in any case. Funds, precious metals and other codes without
    /// a minor unit (XAU, XXX, …) are refused: nothing can be priced in them.
    pub fn parse(code: &str) -> Result<Self, Invalid> {
        let unknown = || Invalid::new("must be a supported ISO 4217 currency code, such as `usd`");
        if code.len() != 3 || !code.is_ascii() {
            return Err(unknown());
        }
        let currency =
            iso_currency::Currency::from_code(&code.to_ascii_uppercase()).ok_or_else(unknown)?;
        if currency.exponent().is_none()
            || currency.is_fund()
            || currency.is_special()
            || currency.is_superseded().is_some()
        {
            return Err(unknown());
        }
        Ok(Self(currency))
    }

    /// Lower-case code, as the contract returns it.
    pub fn code(&self) -> String {
        self.0.code().to_ascii_lowercase()
    }

    /// Number of decimal places of the minor unit: 2 for USD, 0 for JPY, 3 for KWD.
    pub fn exponent(&self) -> u16 {
        self.0.exponent().unwrap_or(0)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl FromStr for Currency {
    type Err = Invalid;

    fn from_str(code: &str) -> Result<Self, Invalid> {
        Self::parse(code)
    }
}

/// The amount a payment asks for, in minor units: 1 to 99,999,999 (contract §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PaymentAmount(u64);

impl PaymentAmount {
    pub const MIN: u64 = 1;
    pub const MAX: u64 = 99_999_999;

    pub fn new(minor_units: i128) -> Result<Self, Invalid> {
        if (i128::from(Self::MIN)..=i128::from(Self::MAX)).contains(&minor_units) {
            Ok(Self(minor_units as u64))
        } else {
            Err(Invalid::new(format!(
                "must be an integer from {} to {} (minor units)",
                Self::MIN,
                Self::MAX
            )))
        }
    }

    pub fn minor_units(&self) -> u64 {
        self.0
    }
}

/// A payment's three amounts. The total is derived, never supplied, so it cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amounts {
    pub subtotal: u64,
    pub tax: u64,
}

impl Amounts {
    pub fn new(subtotal: PaymentAmount, tax: u64) -> Self {
        Self {
            subtotal: subtotal.minor_units(),
            tax,
        }
    }

    /// Cannot overflow: the subtotal is at most 99,999,999 and tax is a fraction of it.
    pub fn total(&self) -> u64 {
        self.subtotal.saturating_add(self.tax)
    }
}

/// `2500` in USD is `USD 25.00`; in JPY `JPY 2500`; `1005` in KWD is `KWD 1.005`.
pub fn format_amount(minor_units: u64, currency: &Currency) -> String {
    let exponent = u32::from(currency.exponent());
    let code = currency.code().to_ascii_uppercase();
    if exponent == 0 {
        return format!("{code} {minor_units}");
    }
    let scale = 10u64.pow(exponent);
    let whole = minor_units / scale;
    let fraction = minor_units % scale;
    format!(
        "{code} {whole}.{fraction:0width$}",
        width = exponent as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_accepts_any_case_and_shows_lower_case() {
        assert_eq!(Currency::parse("USD").unwrap().code(), "usd");
        assert_eq!(Currency::parse("eUr").unwrap().code(), "eur");
    }

    #[test]
    fn currency_knows_its_minor_unit() {
        assert_eq!(Currency::parse("usd").unwrap().exponent(), 2);
        assert_eq!(Currency::parse("jpy").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("kwd").unwrap().exponent(), 3);
    }

    #[test]
    fn currency_rejects_unknown_and_unpriceable_codes() {
        for code in [
            "usdd",
            "us",
            "",
            "abc",
            "xau",
            "xxx",
            "xts",
            "usn",
            "ves",
            "ＵＳＤ",
        ] {
            assert!(Currency::parse(code).is_err(), "{code} should be rejected");
        }
    }

    #[test]
    fn amount_bounds_are_inclusive() {
        assert!(PaymentAmount::new(0).is_err());
        assert!(PaymentAmount::new(-1).is_err());
        assert_eq!(PaymentAmount::new(1).unwrap().minor_units(), 1);
        assert_eq!(
            PaymentAmount::new(99_999_999).unwrap().minor_units(),
            99_999_999
        );
        assert!(PaymentAmount::new(100_000_000).is_err());
        assert!(PaymentAmount::new(i128::MAX).is_err());
    }

    #[test]
    fn formats_in_the_currency_minor_unit() {
        let currency = |code| Currency::parse(code).unwrap();
        assert_eq!(format_amount(2500, &currency("usd")), "USD 25.00");
        assert_eq!(format_amount(5, &currency("usd")), "USD 0.05");
        assert_eq!(format_amount(2500, &currency("jpy")), "JPY 2500");
        assert_eq!(format_amount(1005, &currency("kwd")), "KWD 1.005");
        assert_eq!(format_amount(0, &currency("eur")), "EUR 0.00");
    }

    #[test]
    fn total_is_subtotal_plus_tax() {
        let amounts = Amounts::new(PaymentAmount::new(2500).unwrap(), 250);
        assert_eq!(amounts.total(), 2750);
    }
}
