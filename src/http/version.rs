//! The optional `Commet-Version` header (docs/contract.md §1).

use lambda_http::http::HeaderMap;
use time::Date;
use time::macros::{date, format_description};

use super::error::ApiError;

pub const VERSION_HEADER: &str = "commet-version";
/// The newest API version whose shapes this service implements.
pub const LATEST_SUPPORTED: Date = date!(2026 - 07 - 11);
pub const LATEST_SUPPORTED_TEXT: &str = "2026-07-11";

/// Accepts no header, or any calendar date up to and including the latest supported version.
pub fn check(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(VERSION_HEADER) else {
        return Ok(());
    };
    let format = format_description!("[year]-[month]-[day]");
    let supported = value
        .to_str()
        .ok()
        .and_then(|text| Date::parse(text.trim(), format).ok())
        .is_some_and(|version| version <= LATEST_SUPPORTED);
    if supported {
        Ok(())
    } else {
        Err(ApiError::validation(
            "Commet-Version",
            format!(
                "must be an API version date (YYYY-MM-DD) no later than {LATEST_SUPPORTED_TEXT}; \
                 supported versions: every version up to and including {LATEST_SUPPORTED_TEXT} \
                 (2026-06-10, {LATEST_SUPPORTED_TEXT})"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::HeaderValue;

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("Commet-Version", HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn absent_or_supported_versions_pass() {
        assert!(check(&HeaderMap::new()).is_ok());
        assert!(check(&with("2026-06-10")).is_ok());
        assert!(check(&with("2026-07-11")).is_ok());
        assert!(check(&with("2024-01-01")).is_ok());
    }

    #[test]
    fn later_or_malformed_versions_fail_on_the_header() {
        for value in [
            "2026-07-12",
            "2027-01-01",
            "latest",
            "2026-13-01",
            "2026-02-30",
            "",
        ] {
            match check(&with(value)) {
                Err(ApiError::Validation(problems)) => {
                    assert_eq!(problems[0].field, "Commet-Version", "{value}");
                    assert!(problems[0].message.contains("2026-07-11"));
                }
                other => panic!("{value}: {other:?}"),
            }
        }
    }
}
