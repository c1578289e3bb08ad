use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{StoreError, keys, stored};
use crate::domain::ids::AccountId;
use crate::domain::tax::{BasisPoints, RegionKey, TaxRates};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TaxRatesItem {
    pub pk: String,
    pub sk: String,
    pub default_bps: u32,
    #[serde(default)]
    pub rates_bps: BTreeMap<String, u32>,
}

impl TaxRatesItem {
    pub fn new(account: &AccountId, rates: &TaxRates) -> Self {
        Self {
            pk: keys::tax_rates(account),
            sk: keys::TAX_RATES_SK.to_owned(),
            default_bps: rates.default.get(),
            rates_bps: rates
                .by_region
                .iter()
                .map(|(region, rate)| (region.as_str().to_owned(), rate.get()))
                .collect(),
        }
    }

    pub fn into_domain(self) -> Result<TaxRates, StoreError> {
        let by_region = self
            .rates_bps
            .into_iter()
            .map(|(region, rate)| {
                Ok((
                    stored("tax region", RegionKey::parse(&region))?,
                    stored("tax rate", BasisPoints::new(i128::from(rate)))?,
                ))
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(TaxRates {
            default: stored(
                "default tax rate",
                BasisPoints::new(i128::from(self.default_bps)),
            )?,
            by_region,
        })
    }
}
