//! Cards as the hosted page takes them, and the vaulted payment method kept afterwards.
//!
//! A full card number exists only in memory while one attempt runs: `CardNumber` cannot be
//! printed or serialized, and only the brand, the last four digits and the provider's token are
//! ever stored.

use std::fmt;

use super::Invalid;
use super::time::Timestamp;

/// A card number that passed the Luhn check. Never displayed, logged or stored.
pub struct CardNumber(String);

impl CardNumber {
    /// Accepts 12 to 19 digits, spaces and dashes ignored, with a valid Luhn check digit.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let invalid = || Invalid::new("is not a valid card number");
        if !(12..=19).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid());
        }
        if !luhn_valid(&digits) {
            return Err(invalid());
        }
        Ok(Self(digits))
    }

    pub fn last4(&self) -> String {
        self.0[self.0.len() - 4..].to_owned()
    }

    pub fn brand(&self) -> CardBrand {
        let two: u32 = self.0[..2].parse().unwrap_or(0);
        let four: u32 = self.0[..4].parse().unwrap_or(0);
        match (self.0.as_bytes()[0], two, four) {
            (b'4', _, _) => CardBrand::Visa,
            (_, 51..=55, _) | (_, _, 2221..=2720) => CardBrand::Mastercard,
            (_, 34 | 37, _) => CardBrand::Amex,
            _ => CardBrand::Unknown,
        }
    }

    /// For the provider only: the digits themselves.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber(****{})", self.last4())
    }
}

fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    Unknown,
}

impl CardBrand {
    pub fn as_str(&self) -> &'static str {
        match self {
            CardBrand::Visa => "visa",
            CardBrand::Mastercard => "mastercard",
            CardBrand::Amex => "amex",
            CardBrand::Unknown => "unknown",
        }
    }
}

/// A card's expiry month and year; must not be in the past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    pub month: u8,
    pub year: u16,
}

impl Expiry {
    /// Accepts `MM/YY`, `MM / YY` or `MM/YYYY`.
    pub fn parse(text: &str, now: Timestamp) -> Result<Self, Invalid> {
        let invalid = || Invalid::new("must be a month and year such as 12/34");
        let (month, year) = text.split_once('/').ok_or_else(invalid)?;
        let month: u8 = month.trim().parse().map_err(|_| invalid())?;
        let year = year.trim();
        let year: u16 = match year.len() {
            2 => 2000 + year.parse::<u16>().map_err(|_| invalid())?,
            4 => year.parse().map_err(|_| invalid())?,
            _ => return Err(invalid()),
        };
        if !(1..=12).contains(&month) {
            return Err(invalid());
        }
        let today = now.datetime();
        let current = (today.year(), u8::from(today.month()));
        if (i32::from(year), month) < current {
            return Err(Invalid::new("is in the past: this card has expired"));
        }
        Ok(Self { month, year })
    }
}

/// The three or four digits on the card. Checked for shape, never stored.
pub struct Cvc(());

impl Cvc {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        if (3..=4).contains(&text.len()) && text.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(()))
        } else {
            Err(Invalid::new("must be the 3 or 4 digits on the card"))
        }
    }
}

/// Everything the payer typed, for one attempt.
pub struct CardDetails {
    pub number: CardNumber,
    pub expiry: Expiry,
    pub cvc: Cvc,
}

/// A payment method vaulted on a customer: what the provider needs to charge it off-session,
/// and what a person needs to recognise it. No card number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentMethod {
    /// The provider's reference to the card (`pm_sbx_…` for the sandbox).
    pub token: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: u8,
    pub exp_year: u16,
    /// The provider's customer the method is attached to, where the provider needs one to
    /// charge it off-session (Stripe's `cus_…`); none for the sandbox.
    pub provider_customer: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cards_pass_luhn_and_tell_their_brand() {
        for number in [
            "4242 4242 4242 4242",
            "4000000000000002",
            "4000-0000-0000-9995",
            "4000002760003184",
            "4000000000000341",
        ] {
            let card = CardNumber::parse(number).unwrap();
            assert_eq!(card.brand(), CardBrand::Visa);
        }
        assert_eq!(
            CardNumber::parse("5555555555554444").unwrap().brand(),
            CardBrand::Mastercard
        );
        assert_eq!(
            CardNumber::parse("378282246310005").unwrap().brand(),
            CardBrand::Amex
        );
        assert_eq!(
            CardNumber::parse("4242424242424242").unwrap().last4(),
            "4242"
        );
    }

    #[test]
    fn bad_numbers_are_refused() {
        for number in [
            "4242424242424241",
            "1234",
            "abcd efgh ijkl mnop",
            "",
            "42424242424242424242",
        ] {
            assert!(CardNumber::parse(number).is_err(), "{number}");
        }
    }

    #[test]
    fn a_card_number_never_prints() {
        let card = CardNumber::parse("4242424242424242").unwrap();
        let shown = format!("{card:?}");
        assert!(!shown.contains("424242424242"));
        assert!(shown.ends_with("4242)"));
    }

    #[test]
    fn expiry_forms_and_the_past() {
        let now = Timestamp::parse("2026-11-26T10:00:00.000Z").unwrap();
        assert_eq!(
            Expiry::parse("12/34", now).unwrap(),
            Expiry {
                month: 12,
                year: 2034
            }
        );
        assert_eq!(
            Expiry::parse("11 / 2026", now).unwrap(),
            Expiry {
                month: 11,
                year: 2026
            }
        );
        for bad in ["10/26", "13/30", "00/30", "1230", "12/3", "ab/cd", ""] {
            assert!(Expiry::parse(bad, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn cvc_shape() {
        assert!(Cvc::parse("123").is_ok());
        assert!(Cvc::parse("1234").is_ok());
        assert!(Cvc::parse("12").is_err());
        assert!(Cvc::parse("12a").is_err());
    }
}
