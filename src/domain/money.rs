//! Money as integer minor units, never floats.

use std::fmt;
use std::str::FromStr;

use super::Invalid;

/// An ISO 4217 currency that has a minor unit, stored and shown in lower case (`usd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// What an amount is in when nothing says otherwise (an adjustment for a customer never
    /// invoiced before).
    pub const USD: Currency = Currency(iso_currency::Currency::USD);

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

/// The amount a payment asks for, in minor units: 1 to 99,999,999 (docs/contract.md §3.1).
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

/// An amount as a payer reads it (English conventions): grouped digits, the currency's minor
/// digits, and a symbol where it names one currency unambiguously, else the code: `2500` USD is
/// `$25.00`, `150000` JPY `¥150,000`, `123450` CAD `CA$1,234.50`, `1005` KWD `KWD 1.005`.
pub fn for_payer(minor_units: u64, currency: &Currency) -> String {
    let exponent = u32::from(currency.exponent());
    let scale = 10u64.pow(exponent);
    let mut text = match SYMBOLS.iter().find(|(code, _)| currency.0.code() == *code) {
        Some((_, symbol)) => (*symbol).to_owned(),
        None => format!("{} ", currency.0.code()),
    };
    let whole = (minor_units / scale).to_string();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    if exponent > 0 {
        let fraction = minor_units % scale;
        text.push_str(&format!(".{fraction:0width$}", width = exponent as usize));
    }
    text
}

/// A signed amount as a payer reads it: a credit is the amount with a minus sign, `-$12.50`.
pub fn signed_for_payer(minor_units: i64, currency: &Currency) -> String {
    let shown = for_payer(minor_units.unsigned_abs(), currency);
    if minor_units < 0 {
        format!("-{shown}")
    } else {
        shown
    }
}

/// Symbols that name one currency to an English-reading payer (CLDR's English symbols); every
/// other currency is shown by its code. `$` alone is the US dollar, as CLDR's English has it.
const SYMBOLS: &[(&str, &str)] = &[
    ("USD", "$"),
    ("EUR", "€"),
    ("GBP", "£"),
    ("JPY", "¥"),
    ("INR", "₹"),
    ("KRW", "₩"),
    ("ILS", "₪"),
    ("NGN", "₦"),
    ("PHP", "₱"),
    ("VND", "₫"),
    ("CAD", "CA$"),
    ("AUD", "A$"),
    ("NZD", "NZ$"),
    ("HKD", "HK$"),
    ("MXN", "MX$"),
    ("BRL", "R$"),
    ("TWD", "NT$"),
    ("CNY", "CN¥"),
];

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
    fn payers_read_grouped_digits_the_minor_unit_and_an_unambiguous_symbol() {
        let currency = |code| Currency::parse(code).unwrap();
        for (minor_units, code, shown) in [
            (2500, "usd", "$25.00"),
            (5, "usd", "$0.05"),
            (0, "eur", "€0.00"),
            (150_000, "jpy", "¥150,000"),
            (99_999_999, "jpy", "¥99,999,999"),
            (123_450, "cad", "CA$1,234.50"),
            (100_000_000, "gbp", "£1,000,000.00"),
            (1005, "kwd", "KWD 1.005"),
            (123_456_789, "chf", "CHF 1,234,567.89"),
            (999, "chf", "CHF 9.99"),
        ] {
            assert_eq!(for_payer(minor_units, &currency(code)), shown);
        }
    }

    #[test]
    fn a_credit_is_shown_with_a_minus_sign() {
        let currency = |code| Currency::parse(code).unwrap();
        assert_eq!(signed_for_payer(-1250, &currency("usd")), "-$12.50");
        assert_eq!(signed_for_payer(1250, &currency("usd")), "$12.50");
        assert_eq!(signed_for_payer(-1005, &currency("kwd")), "-KWD 1.005");
        assert_eq!(
            signed_for_payer(i64::MIN, &currency("jpy")),
            "-¥9,223,372,036,854,775,808"
        );
    }

    #[test]
    fn every_symbol_names_a_currency_the_api_accepts() {
        for (code, _) in SYMBOLS {
            assert!(Currency::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn total_is_subtotal_plus_tax() {
        let amounts = Amounts::new(PaymentAmount::new(2500).unwrap(), 250);
        assert_eq!(amounts.total(), 2750);
    }
}
