//! Commet's dated API versions (docs/contract.md §6).
//!
//! A version is the date of a release. A request may name any date from the first release on;
//! it gets the newest release not after that date, as Commet resolves dates between releases.

use std::fmt;

use time::Date;
use time::macros::{date, format_description};

use super::Invalid;

/// The releases this service speaks, oldest first. Each is the `API_VERSION` of a Commet SDK
/// release: `commet-sdk` 3.x (2026-05-01; 4.x's 2026-05-18 is answered as it), 5.x and
/// `@commet/node` 5.x (2026-05-25), 6.0.0 (2026-06-07), 7.0.0 (2026-06-10), 7.10.0 and
/// `@commet/node` 7.10.0 (2026-07-11), 8.0.0 (2026-07-24), 9.0.0 to 9.3.0 (2026-07-31), 9.4.0
/// to 9.7.0 (2026-08-27).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiVersion {
    V2026_05_01,
    V2026_05_25,
    V2026_06_07,
    V2026_06_10,
    V2026_07_11,
    V2026_07_24,
    V2026_07_31,
    V2026_08_27,
}

impl ApiVersion {
    pub const ALL: [ApiVersion; 8] = [
        ApiVersion::V2026_05_01,
        ApiVersion::V2026_05_25,
        ApiVersion::V2026_06_07,
        ApiVersion::V2026_06_10,
        ApiVersion::V2026_07_11,
        ApiVersion::V2026_07_24,
        ApiVersion::V2026_07_31,
        ApiVersion::V2026_08_27,
    ];

    /// What a request gets when neither it nor its account names a version.
    pub const CURRENT: ApiVersion = ApiVersion::V2026_08_27;
    pub const FIRST: ApiVersion = ApiVersion::V2026_05_01;

    pub fn date(self) -> Date {
        match self {
            ApiVersion::V2026_05_01 => date!(2026 - 05 - 01),
            ApiVersion::V2026_05_25 => date!(2026 - 05 - 25),
            ApiVersion::V2026_06_07 => date!(2026 - 06 - 07),
            ApiVersion::V2026_06_10 => date!(2026 - 06 - 10),
            ApiVersion::V2026_07_11 => date!(2026 - 07 - 11),
            ApiVersion::V2026_07_24 => date!(2026 - 07 - 24),
            ApiVersion::V2026_07_31 => date!(2026 - 07 - 31),
            ApiVersion::V2026_08_27 => date!(2026 - 08 - 27),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2026_05_01 => "2026-05-01",
            ApiVersion::V2026_05_25 => "2026-05-25",
            ApiVersion::V2026_06_07 => "2026-06-07",
            ApiVersion::V2026_06_10 => "2026-06-10",
            ApiVersion::V2026_07_11 => "2026-07-11",
            ApiVersion::V2026_07_24 => "2026-07-24",
            ApiVersion::V2026_07_31 => "2026-07-31",
            ApiVersion::V2026_08_27 => "2026-08-27",
        }
    }

    /// The release a requested date means: the newest one not after it. Dates before the first
    /// release get the first (no Commet SDK sends one: those before it send no version); a
    /// date after the current version names a release this service does not know.
    pub fn resolve(requested: Date) -> Result<Self, Invalid> {
        if requested > Self::CURRENT.date() {
            return Err(Self::refusal());
        }
        Ok(Self::ALL
            .into_iter()
            .rev()
            .find(|release| release.date() <= requested)
            .unwrap_or(ApiVersion::FIRST))
    }

    /// Parses `YYYY-MM-DD` (a real calendar date) and resolves it.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let format = format_description!("[year]-[month]-[day]");
        let requested = Date::parse(text, format).map_err(|_| Self::refusal())?;
        Self::resolve(requested)
    }

    fn refusal() -> Invalid {
        Invalid::new(format!(
            "must be an API version date (YYYY-MM-DD) no later than {current}; releases: {all}",
            current = Self::CURRENT,
            all = Self::ALL.map(Self::as_str).join(", ")
        ))
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_parse_to_themselves_in_order() {
        for (index, release) in ApiVersion::ALL.into_iter().enumerate() {
            assert_eq!(ApiVersion::parse(release.as_str()).unwrap(), release);
            if index > 0 {
                assert!(ApiVersion::ALL[index - 1] < release);
            }
        }
        assert_eq!(ApiVersion::ALL.last(), Some(&ApiVersion::CURRENT));
    }

    #[test]
    fn dates_between_releases_resolve_to_the_newest_release_not_after_them() {
        for (date, release) in [
            ("2026-06-11", ApiVersion::V2026_06_10),
            ("2026-07-10", ApiVersion::V2026_06_10),
            ("2026-07-23", ApiVersion::V2026_07_11),
            ("2026-07-30", ApiVersion::V2026_07_24),
            ("2026-08-01", ApiVersion::V2026_07_31),
            ("2026-08-26", ApiVersion::V2026_07_31),
            ("2026-05-25", ApiVersion::V2026_05_25),
            ("2026-06-06", ApiVersion::V2026_05_25),
            ("2026-06-09", ApiVersion::V2026_06_07),
            ("2026-05-18", ApiVersion::V2026_05_01),
            ("2026-05-24", ApiVersion::V2026_05_01),
            ("2026-04-30", ApiVersion::V2026_05_01),
        ] {
            assert_eq!(ApiVersion::parse(date).unwrap(), release, "{date}");
        }
    }

    #[test]
    fn future_or_malformed_dates_are_refused() {
        for text in [
            "2026-08-28",
            "2027-01-01",
            "latest",
            "2026-13-01",
            "2026-02-30",
            "2026-8-27",
            " 2026-08-27",
            "",
        ] {
            let refusal = ApiVersion::parse(text).unwrap_err();
            assert!(refusal.0.contains("2026-08-27"), "{text}: {}", refusal.0);
        }
    }
}
