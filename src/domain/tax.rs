//! Tax: per-account rates in basis points by country, optionally by state or region, and a
//! default. Tax is added on top of the amount: round-half-up(amount × rate / 10000) in minor units.

use std::collections::BTreeMap;

use super::Invalid;
use super::address::Address;

/// A rate in basis points: 725 = 7.25 %. At most 10000 (100 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct BasisPoints(u32);

impl BasisPoints {
    pub const MAX: u32 = 10_000;

    pub fn new(value: i128) -> Result<Self, Invalid> {
        if (0..=i128::from(Self::MAX)).contains(&value) {
            Ok(Self(value as u32))
        } else {
            Err(Invalid::new(format!(
                "must be a whole number of basis points from 0 to {}",
                Self::MAX
            )))
        }
    }

    pub fn get(&self) -> u32 {
        self.0
    }
}

/// Tax on `amount` minor units at `rate`, rounded half up to a whole minor unit.
///
/// Rounding happens in the currency's own minor unit, so the same rule serves two-decimal (USD),
/// zero-decimal (JPY) and three-decimal (KWD) currencies. Computed in u128: no overflow for any
/// u64 amount.
pub fn tax_on(amount: u64, rate: BasisPoints) -> u64 {
    let exact_times_10000 = u128::from(amount) * u128::from(rate.0);
    let rounded = (exact_times_10000 + 5_000) / 10_000;
    u64::try_from(rounded).unwrap_or(u64::MAX)
}

/// A region key: `US` for a country, `US-CA` for a state or region of it (ISO 3166-2 style).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionKey(String);

impl RegionKey {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let upper = text.trim().to_ascii_uppercase();
        let (country, region) = match upper.split_once('-') {
            Some((country, region)) => (country, Some(region)),
            None => (upper.as_str(), None),
        };
        super::address::CountryCode::parse(country)?;
        if let Some(region) = region
            && (region.is_empty()
                || region.len() > 3
                || !region.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(Invalid::new(
                "must be a country code (`US`) or country and region (`US-CA`)",
            ));
        }
        Ok(Self(upper))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An account's tax table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaxRates {
    pub default: BasisPoints,
    pub by_region: BTreeMap<RegionKey, BasisPoints>,
}

impl TaxRates {
    /// The most specific rate for an address: its state or region, then its country, then the
    /// default. Without an address (the payer's country is not known yet): the default.
    pub fn rate_for(&self, address: Option<&Address>) -> BasisPoints {
        let Some(address) = address else {
            return self.default;
        };
        let country = address.country.as_str();
        let regional = address.state.as_deref().and_then(|state| {
            let key = RegionKey(format!("{country}-{}", state.trim().to_ascii_uppercase()));
            self.by_region.get(&key)
        });
        regional
            .or_else(|| self.by_region.get(&RegionKey(country)))
            .copied()
            .unwrap_or(self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::address::CountryCode;

    fn bps(value: u32) -> BasisPoints {
        BasisPoints::new(i128::from(value)).unwrap()
    }

    #[test]
    fn rounds_half_up_at_the_edges() {
        // 1 × 5000 bps = 0.5 → 1; 1 × 4999 bps = 0.4999 → 0
        assert_eq!(tax_on(1, bps(5000)), 1);
        assert_eq!(tax_on(1, bps(4999)), 0);
        // 2500 × 725 bps = 181.25 → 181; 2502 × 725 = 181.395 → 181; 2503 × 725 = 181.4675 → 181
        assert_eq!(tax_on(2500, bps(725)), 181);
        // 10 × 1250 bps = 1.25 → 1; 12 × 1250 = 1.5 → 2 (half goes up)
        assert_eq!(tax_on(10, bps(1250)), 1);
        assert_eq!(tax_on(12, bps(1250)), 2);
        // 3 × 5000 = 1.5 → 2; 5 × 5000 = 2.5 → 3 (not banker's rounding)
        assert_eq!(tax_on(3, bps(5000)), 2);
        assert_eq!(tax_on(5, bps(5000)), 3);
    }

    #[test]
    fn zero_and_full_rates() {
        assert_eq!(tax_on(2500, bps(0)), 0);
        assert_eq!(tax_on(2500, bps(10_000)), 2500);
        assert_eq!(tax_on(99_999_999, bps(10_000)), 99_999_999);
        assert_eq!(tax_on(u64::MAX, bps(10_000)), u64::MAX);
    }

    #[test]
    fn zero_decimal_currency_rounds_to_whole_yen() {
        // ¥1,234 at 10 % = ¥123.4 → ¥123; ¥1,235 at 10 % = ¥123.5 → ¥124
        assert_eq!(tax_on(1234, bps(1000)), 123);
        assert_eq!(tax_on(1235, bps(1000)), 124);
    }

    #[test]
    fn three_decimal_currency_rounds_to_whole_fils() {
        // KWD 1.005 (1005 fils) at 5 % = 50.25 fils → 50; KWD 1.010 at 5 % = 50.5 → 51
        assert_eq!(tax_on(1005, bps(500)), 50);
        assert_eq!(tax_on(1010, bps(500)), 51);
    }

    #[test]
    fn basis_points_bounds() {
        assert!(BasisPoints::new(-1).is_err());
        assert!(BasisPoints::new(10_001).is_err());
        assert_eq!(BasisPoints::new(10_000).unwrap().get(), 10_000);
    }

    fn address(country: &str, state: Option<&str>) -> Address {
        Address {
            line1: None,
            line2: None,
            city: None,
            state: state.map(str::to_owned),
            postal_code: None,
            country: CountryCode::parse(country).unwrap(),
        }
    }

    #[test]
    fn most_specific_rate_wins() {
        let rates = TaxRates {
            default: bps(100),
            by_region: BTreeMap::from([
                (RegionKey::parse("US").unwrap(), bps(0)),
                (RegionKey::parse("us-ca").unwrap(), bps(725)),
                (RegionKey::parse("GB").unwrap(), bps(2000)),
            ]),
        };
        assert_eq!(rates.rate_for(Some(&address("US", Some("ca")))), bps(725));
        assert_eq!(rates.rate_for(Some(&address("US", Some("NY")))), bps(0));
        assert_eq!(rates.rate_for(Some(&address("US", None))), bps(0));
        assert_eq!(rates.rate_for(Some(&address("GB", None))), bps(2000));
        assert_eq!(rates.rate_for(Some(&address("DE", None))), bps(100));
        assert_eq!(rates.rate_for(None), bps(100));
    }

    #[test]
    fn region_keys() {
        assert_eq!(RegionKey::parse("us-ca").unwrap().as_str(), "US-CA");
        assert!(RegionKey::parse("ZZ").is_err());
        assert!(RegionKey::parse("US-").is_err());
        assert!(RegionKey::parse("US-CALIF").is_err());
    }
}
