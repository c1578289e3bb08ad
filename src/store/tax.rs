use super::items::{TaxRatesItem, from_item, string_key, to_item};
use super::{Store, StoreError, keys};
use crate::domain::ids::AccountId;
use crate::domain::tax::TaxRates;

impl Store {
    /// The account's tax table; an account that never set one taxes nothing.
    pub async fn get_tax_rates(&self, account: &AccountId) -> Result<TaxRates, StoreError> {
        let item = self
            .get_consistent(string_key(keys::tax_rates(account), keys::TAX_RATES_SK))
            .await?;
        match item {
            Some(item) => from_item::<TaxRatesItem>(item)?.into_domain(),
            None => Ok(TaxRates::default()),
        }
    }

    /// Replaces the account's tax table (admin command).
    pub async fn put_tax_rates(
        &self,
        account: &AccountId,
        rates: &TaxRates,
    ) -> Result<(), StoreError> {
        self.put(to_item(&TaxRatesItem::new(account, rates))?).await
    }
}
