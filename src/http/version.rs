//! Which API version a request gets (docs/contract.md §6): its `Commet-Version` header, else its
//! path's (the first version, on paths without `/v1`), else the account's pin, else the current
//! version.

use lambda_http::http::HeaderMap;

use super::error::ApiError;
use super::routes;
use crate::domain::version::ApiVersion;

/// The request header naming a version, and the response header saying which one shaped it.
pub const VERSION_HEADER: &str = "commet-version";

/// The version the request names, if any: 400 on the header when it is not a date or is later
/// than the current version.
pub fn requested(headers: &HeaderMap) -> Result<Option<ApiVersion>, ApiError> {
    let Some(value) = headers.get(VERSION_HEADER) else {
        return Ok(None);
    };
    value
        .to_str()
        .map_err(|_| crate::domain::Invalid::new("must be visible ASCII"))
        .and_then(ApiVersion::parse)
        .map(Some)
        .map_err(|invalid| ApiError::validation("Commet-Version", invalid.0))
}

/// The version the request names: its header's, else its path's. `path` is the request's path
/// or the pattern of the route it matched.
pub fn requested_at(path: &str, headers: &HeaderMap) -> Result<Option<ApiVersion>, ApiError> {
    requested(headers).map(|named| named.or_else(|| of_path(path)))
}

/// Paths without `/v1` are where Commet's SDKs from before API versions call, which read the
/// first version's shapes; whatever their account is pinned to, they cannot ask for them.
pub fn of_path(path: &str) -> Option<ApiVersion> {
    routes::is_unversioned(path).then_some(ApiVersion::FIRST)
}

/// The version the request names, else the account's pin, else the current version.
pub fn resolve(requested: Option<ApiVersion>, pin: Option<ApiVersion>) -> ApiVersion {
    requested.or(pin).unwrap_or(ApiVersion::CURRENT)
}

/// The version to shape an answer in before the account is known (a bad key, a bad header):
/// the header's when it is valid, else the path's, else the current one.
pub fn before_authentication(path: &str, headers: &HeaderMap) -> ApiVersion {
    resolve(
        requested(headers).ok().flatten().or_else(|| of_path(path)),
        None,
    )
}

/// Up to 2026-07-11 answers are wrapped in `{success, data}` and objects also carry this
/// service's own fields (docs/contract.md §2); from 2026-07-24 objects come bare, lists as
/// `{object: "list", …}`, and objects have exactly the fields Commet's SDK of the version declares.
pub fn is_enveloped(version: ApiVersion) -> bool {
    version <= ApiVersion::V2026_07_11
}

/// Up to 2026-05-18 an error's fields stand beside `success` (`{success: false, code, message,
/// …}`), as `commet-sdk` 3.x and 4.x read them; from 2026-05-25 they are in `error`.
pub fn has_flat_errors(version: ApiVersion) -> bool {
    version <= ApiVersion::V2026_05_01
}

/// Up to 2026-05-25 a customer's e-mail is `billingEmail`, on the wire both ways, and customers
/// also show the fields Commet dropped on 2026-06-07 (`organizationId`, `domain`, `website`,
/// `language`, `industry`, `employeeCount`); a batch's created customers are whole customers.
pub fn has_legacy_customers(version: ApiVersion) -> bool {
    version <= ApiVersion::V2026_05_25
}

/// The name of a customer's e-mail in requests of `version`.
pub fn customer_email_field(version: ApiVersion) -> &'static str {
    if has_legacy_customers(version) {
        "billingEmail"
    } else {
        "email"
    }
}

/// From 2026-08-27 payments say why they were taken (`paymentContext`).
pub fn has_payment_context(version: ApiVersion) -> bool {
    version >= ApiVersion::V2026_08_27
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
    fn header_over_pin_over_current() {
        let pin = Some(ApiVersion::V2026_07_24);
        let header = requested(&with("2026-07-11")).unwrap();
        assert_eq!(resolve(header, pin), ApiVersion::V2026_07_11);
        assert_eq!(resolve(None, pin), ApiVersion::V2026_07_24);
        assert_eq!(resolve(None, None), ApiVersion::CURRENT);
        assert_eq!(requested(&HeaderMap::new()).unwrap(), None);
        assert_eq!(
            requested(&with("2026-08-01")).unwrap(),
            Some(ApiVersion::V2026_07_31)
        );
    }

    #[test]
    fn later_or_malformed_versions_fail_on_the_header() {
        for value in ["2026-08-28", "2027-01-01", "latest", "2026-02-30", ""] {
            match requested(&with(value)) {
                Err(ApiError::Validation(problems)) => {
                    assert_eq!(problems[0].field, "Commet-Version", "{value}");
                    assert!(problems[0].message.contains("2026-08-27"));
                }
                other => panic!("{value}: {other:?}"),
            }
            assert_eq!(
                before_authentication("/api/v1/customers", &with(value)),
                ApiVersion::CURRENT
            );
            assert_eq!(
                before_authentication("/api/customers", &with(value)),
                ApiVersion::FIRST
            );
        }
        assert_eq!(
            before_authentication("/api/v1/customers", &with("2026-07-11")),
            ApiVersion::V2026_07_11
        );
    }

    #[test]
    fn paths_without_v1_ask_for_the_first_version_unless_the_header_names_one() {
        let none = HeaderMap::new();
        assert_eq!(
            requested_at("/api/customers/{id}", &none).unwrap(),
            Some(ApiVersion::V2026_05_01)
        );
        assert_eq!(requested_at("/api/v1/customers/{id}", &none).unwrap(), None);
        assert_eq!(
            requested_at("/api/customers", &with("2026-08-27")).unwrap(),
            Some(ApiVersion::V2026_08_27)
        );
        assert!(requested_at("/api/customers", &with("latest")).is_err());
        let pin = Some(ApiVersion::V2026_08_27);
        let path_only = requested_at("/api/customers", &none).unwrap();
        assert_eq!(resolve(path_only, pin), ApiVersion::V2026_05_01);
        assert_eq!(
            before_authentication("/api/plans", &none),
            ApiVersion::FIRST
        );
        assert_eq!(before_authentication("/pay/p", &none), ApiVersion::CURRENT);
    }
}
