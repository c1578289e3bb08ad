//! Every route of the API, once. `template.yaml` and the local router in `Cargo.toml` are
//! checked against this table by the tests, both ways.

use percent_encoding::percent_decode_str;

/// One endpoint: the Lambda function (binary) that serves it, its method and path pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub function: &'static str,
    pub method: &'static str,
    /// `/api/v1/payments/{id}`: `{name}` matches one non-empty path segment.
    pub path: &'static str,
}

pub const CREATE_PAYMENT: Route = Route {
    function: "create_payment",
    method: "POST",
    path: "/api/v1/payments",
};
pub const LIST_PAYMENTS: Route = Route {
    function: "list_payments",
    method: "GET",
    path: "/api/v1/payments",
};
pub const GET_PAYMENT: Route = Route {
    function: "get_payment",
    method: "GET",
    path: "/api/v1/payments/{id}",
};
pub const CANCEL_PAYMENT: Route = Route {
    function: "cancel_payment",
    method: "POST",
    path: "/api/v1/payments/{id}/cancel",
};
/// Commet's `transactions.list`: the payments that have a transaction, newest first.
pub const LIST_TRANSACTIONS: Route = Route {
    function: "list_transactions",
    method: "GET",
    path: "/api/v1/transactions",
};
/// A payment's transaction, as Commet's `transactions.get` reads it.
pub const GET_TRANSACTION: Route = Route {
    function: "get_transaction",
    method: "GET",
    path: "/api/v1/transactions/{id}",
};
/// Commet's transaction refund: a payment's transaction refunded in full.
pub const REFUND_TRANSACTION: Route = Route {
    function: "refund_transaction",
    method: "POST",
    path: "/api/v1/transactions/{id}/refund",
};
pub const CREATE_CUSTOMER: Route = Route {
    function: "create_customer",
    method: "POST",
    path: "/api/v1/customers",
};
/// Commet's batch create: up to 100 customers.
pub const CREATE_CUSTOMER_BATCH: Route = Route {
    function: "create_customer_batch",
    method: "POST",
    path: "/api/v1/customers/batch",
};
pub const LIST_CUSTOMERS: Route = Route {
    function: "list_customers",
    method: "GET",
    path: "/api/v1/customers",
};
pub const GET_CUSTOMER: Route = Route {
    function: "get_customer",
    method: "GET",
    path: "/api/v1/customers/{id}",
};
/// The update as versions up to 2026-07-11 send it; both methods work in every version.
pub const UPDATE_CUSTOMER: Route = Route {
    function: "update_customer",
    method: "PUT",
    path: "/api/v1/customers/{id}",
};
pub const PATCH_CUSTOMER: Route = Route {
    function: "update_customer",
    method: "PATCH",
    path: "/api/v1/customers/{id}",
};

/// The customer routes again without `/v1`, where Commet's SDKs from before API versions call
/// (`commet-sdk` up to 2.x, `@commet/node` 1.x): answered as the first version unless the
/// request names one (`version::requested_at`).
pub const UNVERSIONED_CREATE_CUSTOMER: Route = Route {
    path: "/api/customers",
    ..CREATE_CUSTOMER
};
pub const UNVERSIONED_CREATE_CUSTOMER_BATCH: Route = Route {
    path: "/api/customers/batch",
    ..CREATE_CUSTOMER_BATCH
};
pub const UNVERSIONED_LIST_CUSTOMERS: Route = Route {
    path: "/api/customers",
    ..LIST_CUSTOMERS
};
pub const UNVERSIONED_GET_CUSTOMER: Route = Route {
    path: "/api/customers/{id}",
    ..GET_CUSTOMER
};
pub const UNVERSIONED_UPDATE_CUSTOMER: Route = Route {
    path: "/api/customers/{id}",
    ..UPDATE_CUSTOMER
};
pub const UNVERSIONED_PATCH_CUSTOMER: Route = Route {
    path: "/api/customers/{id}",
    ..PATCH_CUSTOMER
};

pub const CHARGE_PAYMENT: Route = Route {
    function: "charge_payment",
    method: "POST",
    path: "/api/v1/payments/charge",
};
pub const GET_INVOICE: Route = Route {
    function: "get_invoice",
    method: "GET",
    path: "/api/v1/invoices/{id}",
};
pub const LIST_INVOICES: Route = Route {
    function: "list_invoices",
    method: "GET",
    path: "/api/v1/invoices",
};
/// An adjustment invoice (Commet's `invoices.createAdjustment`).
pub const CREATE_INVOICE: Route = Route {
    function: "create_invoice",
    method: "POST",
    path: "/api/v1/invoices",
};
/// The status change as versions up to 2026-07-11 send it.
pub const UPDATE_INVOICE_STATUS: Route = Route {
    function: "update_invoice_status",
    method: "PUT",
    path: "/api/v1/invoices/{id}/status",
};
/// The same change as versions from 2026-07-24 send it. Both methods work in every version;
/// the version decides only the answer's shape.
pub const PATCH_INVOICE_STATUS: Route = Route {
    function: "update_invoice_status",
    method: "PATCH",
    path: "/api/v1/invoices/{id}/status",
};
/// E-mails an invoice to its customer (Commet's `invoices.send`).
pub const SEND_INVOICE: Route = Route {
    function: "send_invoice",
    method: "POST",
    path: "/api/v1/invoices/{id}/send",
};
/// A URL that serves the invoice as a PDF, as versions from 2026-07-24 ask for one.
pub const CREATE_INVOICE_DOWNLOAD_LINK: Route = Route {
    function: "create_invoice_download_link",
    method: "POST",
    path: "/api/v1/invoices/{id}/download-links",
};
/// The same, as versions up to 2026-07-11 ask. Both work in every version.
pub const GET_INVOICE_DOWNLOAD: Route = Route {
    function: "create_invoice_download_link",
    method: "GET",
    path: "/api/v1/invoices/{id}/download",
};
pub const CREATE_WEBHOOK: Route = Route {
    function: "create_webhook",
    method: "POST",
    path: "/api/v1/webhooks",
};
pub const LIST_WEBHOOKS: Route = Route {
    function: "list_webhooks",
    method: "GET",
    path: "/api/v1/webhooks",
};
pub const GET_WEBHOOK: Route = Route {
    function: "get_webhook",
    method: "GET",
    path: "/api/v1/webhooks/{id}",
};
/// The update as versions up to 2026-07-11 send it; both methods work in every version.
pub const UPDATE_WEBHOOK: Route = Route {
    function: "update_webhook",
    method: "PUT",
    path: "/api/v1/webhooks/{id}",
};
pub const PATCH_WEBHOOK: Route = Route {
    function: "update_webhook",
    method: "PATCH",
    path: "/api/v1/webhooks/{id}",
};
pub const DELETE_WEBHOOK: Route = Route {
    function: "delete_webhook",
    method: "DELETE",
    path: "/api/v1/webhooks/{id}",
};
pub const TEST_WEBHOOK: Route = Route {
    function: "test_webhook",
    method: "POST",
    path: "/api/v1/webhooks/{id}/test",
};
/// Stripe's events about our PaymentIntents (the URL registered with Stripe); no API key, the
/// body's signature instead.
pub const STRIPE_WEBHOOK: Route = Route {
    function: "stripe_webhook",
    method: "POST",
    path: "/stripe/webhook",
};
/// Ours: an endpoint's delivery attempts, newest first.
pub const LIST_WEBHOOK_DELIVERIES: Route = Route {
    function: "list_webhook_deliveries",
    method: "GET",
    path: "/api/v1/webhooks/{id}/deliveries",
};
/// Ours: one more attempt of a delivery, now.
pub const RETRY_WEBHOOK_DELIVERY: Route = Route {
    function: "retry_webhook_delivery",
    method: "POST",
    path: "/api/v1/webhooks/{id}/deliveries/{deliveryId}/retry",
};
/// The hosted payment page: public (no API key), HTML, one function for showing and paying.
pub const SHOW_PAY_PAGE: Route = Route {
    function: "pay_page",
    method: "GET",
    path: "/pay/{id}",
};
pub const SUBMIT_PAY_PAGE: Route = Route {
    function: "pay_page",
    method: "POST",
    path: "/pay/{id}",
};

/// An invoice's PDF, for whoever holds its download link (public: the token is the credential).
pub const DOWNLOAD_INVOICE: Route = Route {
    function: "download_invoice",
    method: "GET",
    path: "/files/invoices/{token}",
};

/// The error documentation every `doc_url` points into (public, HTML).
pub const ERROR_DOCS: Route = Route {
    function: "error_docs",
    method: "GET",
    path: "/docs/errors",
};

pub const ALL: &[Route] = &[
    CREATE_PAYMENT,
    LIST_PAYMENTS,
    GET_PAYMENT,
    CANCEL_PAYMENT,
    CHARGE_PAYMENT,
    LIST_TRANSACTIONS,
    GET_TRANSACTION,
    REFUND_TRANSACTION,
    CREATE_CUSTOMER,
    CREATE_CUSTOMER_BATCH,
    LIST_CUSTOMERS,
    GET_CUSTOMER,
    UPDATE_CUSTOMER,
    PATCH_CUSTOMER,
    UNVERSIONED_CREATE_CUSTOMER,
    UNVERSIONED_CREATE_CUSTOMER_BATCH,
    UNVERSIONED_LIST_CUSTOMERS,
    UNVERSIONED_GET_CUSTOMER,
    UNVERSIONED_UPDATE_CUSTOMER,
    UNVERSIONED_PATCH_CUSTOMER,
    GET_INVOICE,
    LIST_INVOICES,
    CREATE_INVOICE,
    UPDATE_INVOICE_STATUS,
    PATCH_INVOICE_STATUS,
    SEND_INVOICE,
    CREATE_INVOICE_DOWNLOAD_LINK,
    GET_INVOICE_DOWNLOAD,
    CREATE_WEBHOOK,
    LIST_WEBHOOKS,
    GET_WEBHOOK,
    UPDATE_WEBHOOK,
    PATCH_WEBHOOK,
    DELETE_WEBHOOK,
    TEST_WEBHOOK,
    LIST_WEBHOOK_DELIVERIES,
    RETRY_WEBHOOK_DELIVERY,
    SHOW_PAY_PAGE,
    SUBMIT_PAY_PAGE,
    DOWNLOAD_INVOICE,
    STRIPE_WEBHOOK,
    ERROR_DOCS,
];

/// Whether `path` is under the API's prefix but not under `/v1`: where Commet's SDKs from
/// before API versions call.
pub fn is_unversioned(path: &str) -> bool {
    path.strip_prefix("/api")
        .is_some_and(|rest| (rest.is_empty() || rest.starts_with('/')) && !is_v1(rest))
}

fn is_v1(rest: &str) -> bool {
    rest == "/v1" || rest.starts_with("/v1/")
}

/// The function behind API Gateway's `$default` route: everything no route above matches.
pub const FALLBACK_FUNCTION: &str = "not_found";

/// Every method a client might send; the local router maps the ones a path does not serve to
/// the fallback function so that they get a 405 in our envelope.
pub const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Path parameters captured by a pattern, percent-decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathParams(Vec<(&'static str, String)>);

impl PathParams {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}

impl Route {
    /// The parameters if `path` matches this route's pattern. A literal segment beats a
    /// parameter, as in API Gateway: `/payments/charge` is never the payment `charge`.
    pub fn match_path(&self, path: &str) -> Option<PathParams> {
        let shadowed = ALL.iter().any(|other| {
            other.method == self.method
                && other.path != self.path
                && other.matches_literally(path)
                && !self.matches_literally(path)
        });
        if shadowed {
            return None;
        }
        self.match_pattern(path)
    }

    /// Whether `path` matches this route's pattern with no parameter.
    fn matches_literally(&self, path: &str) -> bool {
        !self.path.contains('{') && self.path == path
    }

    fn match_pattern(&self, path: &str) -> Option<PathParams> {
        let mut pattern = self.path.split('/');
        let mut actual = path.split('/');
        let mut params = Vec::new();
        loop {
            match (pattern.next(), actual.next()) {
                (None, None) => return Some(PathParams(params)),
                (Some(expected), Some(segment)) => {
                    if let Some(name) = expected
                        .strip_prefix('{')
                        .and_then(|rest| rest.strip_suffix('}'))
                    {
                        let value = percent_decode_str(segment).decode_utf8().ok()?;
                        if value.is_empty() {
                            return None;
                        }
                        params.push((name, value.into_owned()));
                    } else if expected != segment {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }
}

/// Methods served at `path`, for the `Allow` header of a 405; empty if no route has the path.
pub fn allowed_methods(path: &str) -> Vec<&'static str> {
    let mut methods: Vec<&'static str> = ALL
        .iter()
        .filter(|route| route.match_path(path).is_some())
        .map(|route| route.method)
        .collect();
    methods.dedup();
    methods
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_parameter_segments() {
        let params = GET_PAYMENT.match_path("/api/v1/payments/pay_1").unwrap();
        assert_eq!(params.get("id"), Some("pay_1"));
        assert!(GET_PAYMENT.match_path("/api/v1/payments").is_none());
        assert!(GET_PAYMENT.match_path("/api/v1/payments/").is_none());
        assert!(GET_PAYMENT.match_path("/api/v1/payments/a/b").is_none());
        assert!(
            CANCEL_PAYMENT
                .match_path("/api/v1/payments/x/cancel")
                .is_some()
        );
        assert!(
            CANCEL_PAYMENT
                .match_path("/api/v1/payments/x/cancelx")
                .is_none()
        );
    }

    #[test]
    fn parameters_are_percent_decoded() {
        let params = GET_CUSTOMER
            .match_path("/api/v1/customers/ada%40example.com")
            .unwrap();
        assert_eq!(params.get("id"), Some("ada@example.com"));
        assert!(GET_CUSTOMER.match_path("/api/v1/customers/%FF").is_none());
    }

    #[test]
    fn allowed_methods_per_path() {
        assert_eq!(allowed_methods("/api/v1/payments"), vec!["POST", "GET"]);
        assert_eq!(allowed_methods("/api/v1/payments/pay_1"), vec!["GET"]);
        assert_eq!(allowed_methods("/pay/pay_1"), vec!["GET", "POST"]);
        assert_eq!(
            allowed_methods("/api/v1/payments/pay_1/cancel"),
            vec!["POST"]
        );
        assert!(allowed_methods("/api/v2/payments").is_empty());
    }

    #[test]
    fn the_prefix_without_v1_is_unversioned() {
        for path in [
            "/api/customers",
            "/api/customers/c",
            "/api/plans",
            "/api",
            "/api/v2/x",
        ] {
            assert!(is_unversioned(path), "{path}");
        }
        for path in [
            "/api/v1/customers",
            "/api/v1",
            "/apix/customers",
            "/pay/p",
            "/",
        ] {
            assert!(!is_unversioned(path), "{path}");
        }
        assert!(
            UNVERSIONED_GET_CUSTOMER
                .match_path("/api/customers/c")
                .is_some()
        );
        assert!(
            UNVERSIONED_CREATE_CUSTOMER_BATCH
                .match_path("/api/customers/batch")
                .is_some()
        );
        assert!(
            UNVERSIONED_GET_CUSTOMER
                .match_path("/api/customers/batch")
                .is_some(),
            "other method"
        );
        assert_eq!(
            allowed_methods("/api/customers/c"),
            vec!["GET", "PUT", "PATCH"]
        );
    }

    #[test]
    fn literal_routes_win_over_parameters() {
        assert!(
            CHARGE_PAYMENT
                .match_path("/api/v1/payments/charge")
                .is_some()
        );
        assert!(
            GET_PAYMENT.match_path("/api/v1/payments/charge").is_some(),
            "other method"
        );
        assert_eq!(
            allowed_methods("/api/v1/payments/charge"),
            vec!["GET", "POST"]
        );
    }

    #[test]
    fn routes_are_unique_and_only_the_page_and_the_updates_share_a_function() {
        let mut keys: Vec<_> = ALL.iter().map(|route| (route.method, route.path)).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), ALL.len());
        let mut functions: Vec<_> = ALL.iter().map(|route| route.function).collect();
        functions.sort_unstable();
        functions.dedup();
        assert_eq!(
            functions.len(),
            ALL.len() - 5 - 6,
            "pay_page serves GET and POST; the customer, invoice status and webhook updates PUT \
             and PATCH; an invoice's download link POST and GET; the customer functions also \
             their six routes without /v1"
        );
    }
}
