//! An account's tax table: replaced whole, and shown.

use std::io::Write;

use super::{AdminResult, find_account};
use crate::domain::tax::{BasisPoints, RegionKey, TaxRates};
use crate::store::Store;

/// Replaces the account's tax table with `default` and `rates` (`COUNTRY=BPS` or
/// `COUNTRY-REGION=BPS`), and prints the table stored.
pub async fn set_tax(
    store: &Store,
    account: &str,
    default: u32,
    rates: &[String],
    out: &mut dyn Write,
) -> AdminResult {
    let account = find_account(store, account).await?;
    let table = tax_table(default, rates)?;
    store.put_tax_rates(&account.id, &table).await?;
    print(&table, out)
}

pub async fn show_tax(store: &Store, account: &str, out: &mut dyn Write) -> AdminResult {
    let account = find_account(store, account).await?;
    print(&store.get_tax_rates(&account.id).await?, out)
}

/// The table the arguments describe; an error names the argument that is wrong.
fn tax_table(default: u32, rates: &[String]) -> Result<TaxRates, String> {
    let mut table = TaxRates {
        default: BasisPoints::new(i128::from(default)).map_err(|e| format!("--default {e}"))?,
        ..TaxRates::default()
    };
    for rate in rates {
        let (region, bps) = rate
            .split_once('=')
            .ok_or_else(|| format!("--rate {rate}: expected REGION=BPS"))?;
        let bps: i128 = bps
            .parse()
            .map_err(|_| format!("--rate {rate}: the rate must be whole basis points"))?;
        let region = RegionKey::parse(region).map_err(|e| format!("--rate {rate}: {e}"))?;
        let bps = BasisPoints::new(bps).map_err(|e| format!("--rate {rate}: {e}"))?;
        table.by_region.insert(region, bps);
    }
    Ok(table)
}

fn print(rates: &TaxRates, out: &mut dyn Write) -> AdminResult {
    writeln!(out, "default  {} bps", rates.default.get())?;
    for (region, rate) in &rates.by_region {
        writeln!(out, "{:<8} {} bps", region.as_str(), rate.get())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(args: &[&str]) -> Vec<String> {
        args.iter().map(|&arg| arg.to_owned()).collect()
    }

    #[test]
    fn countries_and_regions_take_their_rates() {
        let table = tax_table(100, &rates(&["GB=2000", "US-CA=725"])).unwrap();
        assert_eq!(table.default.get(), 100);
        let by_region: Vec<(&str, u32)> = table
            .by_region
            .iter()
            .map(|(region, rate)| (region.as_str(), rate.get()))
            .collect();
        assert_eq!(by_region, [("GB", 2000), ("US-CA", 725)]);
    }

    #[test]
    fn a_bad_rate_is_named() {
        for (arg, says) in [
            ("GB", "expected REGION=BPS"),
            ("GB=20%", "whole basis points"),
            ("GB=7.25", "whole basis points"),
            ("XX=100", ""),
            ("GB=-1", ""),
            ("GB=10001", ""),
        ] {
            let error = tax_table(0, &rates(&[arg])).unwrap_err();
            assert!(
                error.starts_with(&format!("--rate {arg}: ")),
                "{arg}: {error}"
            );
            assert!(error.contains(says), "{arg}: {error}");
        }
        let error = tax_table(10_001, &[]).unwrap_err();
        assert!(error.starts_with("--default"), "{error}");
    }
}
