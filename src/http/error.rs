//! The one error type of the API and its single mapping to status, envelope and headers.

use serde::Serialize;
use serde_json::Value;

use crate::app::AppError;
use crate::domain::refund::NotRefundable;
use crate::domain::send_pace::{MailLimit, Paced};
use crate::store::StoreError;

/// One problem with one input, reported among all others of the same request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An object kind whose absence is reported with its own code (`payment_not_found`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Payment,
    Customer,
    Invoice,
    Webhook,
    WebhookDelivery,
    Transaction,
}

/// Every way a request can fail. Handlers return it; `response` turns it into the envelope.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("invalid JSON: {message}")]
    InvalidJson {
        message: String,
        param: Option<&'static str>,
    },
    #[error("unauthorized")]
    Unauthorized,
    #[error("no such route")]
    RouteNotFound,
    #[error("{resource:?} not found")]
    NotFound {
        resource: Resource,
        /// The input that named it, when it came from the body or query.
        param: Option<&'static str>,
    },
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<&'static str> },
    #[error("payment not cancelable")]
    PaymentNotCancelable {
        kind: &'static str,
        status: &'static str,
    },
    #[error("transaction not refundable")]
    TransactionNotRefundable(NotRefundable),
    #[error("refund failed: {code}")]
    RefundFailed { code: String, message: String },
    #[error("provider unsupported")]
    ProviderUnsupported,
    #[error("no payment method")]
    NoPaymentMethod,
    #[error("invoice not outstanding")]
    InvoiceNotOutstanding { status: &'static str },
    #[error("invoice not sendable")]
    InvoiceNotSendable { status: &'static str },
    #[error("invoice sent too often")]
    InvoiceSendsPaced {
        paced: Paced,
        retry_after_seconds: u64,
    },
    #[error("payment failed: {failure_code}")]
    PaymentFailed {
        payment_id: String,
        invoice_id: String,
        failure_code: String,
        failure_message: String,
    },
    #[error("webhook endpoint limit reached")]
    WebhookLimitReached { limit: u32 },
    #[error("duplicate {param}")]
    Duplicate {
        param: &'static str,
        message: String,
    },
    #[error("idempotency key reused with another request")]
    IdempotencyKeyMismatch,
    #[error("idempotency key in use")]
    IdempotencyInProgress,
    #[error("payload too large")]
    PayloadTooLarge { limit_bytes: usize },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn not_found(resource: Resource) -> Self {
        Self::NotFound {
            resource,
            param: None,
        }
    }

    pub fn internal(what: impl std::fmt::Display) -> Self {
        Self::Internal(what.to_string())
    }

    /// Whether an idempotency key should be given back rather than keep this answer: the request
    /// never started (it failed validation, or was throttled), or failed in a way a retry may
    /// fix (5xx).
    pub fn releases_idempotency_key(&self) -> bool {
        matches!(
            self,
            Self::Validation(_)
                | Self::InvalidJson { .. }
                | Self::PayloadTooLarge { .. }
                | Self::InvoiceSendsPaced { .. }
        ) || self.reply().status >= 500
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(detail) => Self::Unavailable(detail),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Store(error) => error.into(),
            AppError::Provider(error) => Self::Unavailable(error.to_string()),
        }
    }
}

/// Seconds a client should wait before retrying a 503.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// The parts of an error response, decided in exactly one place.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorReply {
    pub status: u16,
    pub kind: &'static str,
    pub code: &'static str,
    pub message: String,
    pub param: Option<String>,
    pub details: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    /// Status, type, code and a message safe to show. Internal details never leave this
    /// function; `serve` logs them.
    pub fn reply(&self) -> ErrorReply {
        let reply = |status, kind, code, message: &str| ErrorReply {
            status,
            kind,
            code,
            message: message.to_owned(),
            param: None,
            details: None,
            headers: Vec::new(),
        };
        match self {
            Self::Validation(problems) => {
                let summary = match problems.as_slice() {
                    [one] => format!("`{}` {}", one.field, one.message),
                    many => format!("{} fields are invalid; see `details`", many.len()),
                };
                ErrorReply {
                    param: problems.first().map(|p| p.field.clone()),
                    details: serde_json::to_value(problems).ok(),
                    ..reply(400, "validation_error", "validation_error", &summary)
                }
            }
            Self::InvalidJson { message, param } => ErrorReply {
                param: param.map(str::to_owned),
                ..reply(400, "validation_error", "invalid_json", message)
            },
            Self::Unauthorized => reply(
                401,
                "authentication_error",
                "unauthorized",
                "A valid API key is required in the `x-api-key` header.",
            ),
            Self::RouteNotFound => reply(404, "not_found_error", "not_found", "No such route."),
            Self::NotFound { resource, param } => {
                let (code, message) = match resource {
                    Resource::Payment => ("payment_not_found", "No such payment."),
                    Resource::Customer => ("customer_not_found", "No such customer."),
                    Resource::Invoice => ("invoice_not_found", "No such invoice."),
                    Resource::Webhook => ("webhook_not_found", "No such webhook endpoint."),
                    Resource::WebhookDelivery => {
                        ("webhook_delivery_not_found", "No such webhook delivery.")
                    }
                    Resource::Transaction => ("transaction_not_found", "No such transaction."),
                };
                ErrorReply {
                    param: param.map(str::to_owned),
                    ..reply(404, "not_found_error", code, message)
                }
            }
            Self::MethodNotAllowed { allow } => ErrorReply {
                headers: vec![("allow", allow.join(", "))],
                ..reply(
                    405,
                    "validation_error",
                    "method_not_allowed",
                    &format!("This route accepts only {}.", allow.join(", ")),
                )
            },
            Self::PaymentNotCancelable { kind, status } => reply(
                409,
                "conflict_error",
                "payment_not_cancelable",
                &if *kind == "link" {
                    format!("Only a pending payment link can be canceled; this link is {status}.")
                } else {
                    "Charges cannot be canceled.".to_owned()
                },
            ),
            Self::TransactionNotRefundable(why) => reply(
                409,
                "conflict_error",
                "transaction_not_refundable",
                &match why {
                    NotRefundable::NotPaid(status) => format!(
                        "Only a succeeded payment can be refunded; this one is {}.",
                        status.as_str()
                    ),
                    NotRefundable::AlreadyRefunded => {
                        "This payment is refunded in full already.".to_owned()
                    }
                    NotRefundable::Disputed(status) => format!(
                        "The cardholder disputed this payment and the dispute is {}: its money \
                         moves through the dispute, not a refund.",
                        status.as_str()
                    ),
                },
            ),
            Self::RefundFailed { code, message } => ErrorReply {
                details: Some(serde_json::json!({ "providerCode": code })),
                ..reply(
                    402,
                    "billing_error",
                    "refund_failed",
                    &format!("The payment provider did not refund it: {message}"),
                )
            },
            Self::ProviderUnsupported => reply(
                409,
                "conflict_error",
                "provider_unsupported",
                "This account's payment provider cannot do this yet: live accounts need a real \
                 provider, and none is configured.",
            ),
            Self::NoPaymentMethod => ErrorReply {
                param: Some("customerId".to_owned()),
                ..reply(
                    409,
                    "conflict_error",
                    "no_payment_method",
                    "This customer has no vaulted payment method: it gets one by paying a \
                     payment link on the hosted page.",
                )
            },
            Self::InvoiceNotOutstanding { status } => reply(
                409,
                "conflict_error",
                "invoice_not_outstanding",
                &format!(
                    "Only an outstanding invoice can be marked paid or void; this one is {status}."
                ),
            ),
            Self::InvoiceNotSendable { status } => reply(
                409,
                "conflict_error",
                "invoice_not_sendable",
                &format!("Only an outstanding or paid invoice can be sent; this one is {status}."),
            ),
            Self::InvoiceSendsPaced {
                paced,
                retry_after_seconds,
            } => {
                let MailLimit { burst, interval } = paced.limit();
                let minutes = interval.as_secs() / 60;
                let limit = match paced {
                    Paced::Invoice => format!(
                        "This invoice was e-mailed too often: an invoice may be sent {burst} \
                         times at once, then once every {minutes} minutes."
                    ),
                    Paced::Customer => format!(
                        "This invoice's customer was e-mailed too often: a customer may be sent \
                         {burst} invoices at once, then one every {minutes} minutes."
                    ),
                };
                ErrorReply {
                    headers: vec![("retry-after", retry_after_seconds.to_string())],
                    ..reply(
                        429,
                        "rate_limit_error",
                        "rate_limited",
                        &format!("{limit} It may be sent again in {retry_after_seconds} seconds."),
                    )
                }
            }
            Self::PaymentFailed {
                payment_id,
                invoice_id,
                failure_code,
                failure_message,
            } => ErrorReply {
                details: Some(serde_json::json!({
                    "paymentId": payment_id,
                    "invoiceId": invoice_id,
                    "failureCode": failure_code,
                    "failureMessage": failure_message,
                })),
                ..reply(
                    402,
                    "billing_error",
                    "payment_failed",
                    &format!("The payment was declined: {failure_message}"),
                )
            },
            Self::WebhookLimitReached { limit } => reply(
                409,
                "conflict_error",
                "webhook_limit_reached",
                &format!(
                    "An account may have at most {limit} webhook endpoints; delete one first."
                ),
            ),
            Self::Duplicate { param, message } => ErrorReply {
                param: Some((*param).to_owned()),
                ..reply(409, "conflict_error", "duplicate", message)
            },
            Self::IdempotencyKeyMismatch => ErrorReply {
                param: Some("Idempotency-Key".to_owned()),
                ..reply(
                    409,
                    "conflict_error",
                    "idempotency_key_mismatch",
                    "This Idempotency-Key was already used with another method, path or body. \
                     Use a new key for a new request.",
                )
            },
            Self::IdempotencyInProgress => ErrorReply {
                param: Some("Idempotency-Key".to_owned()),
                headers: vec![("retry-after", RETRY_AFTER_SECONDS.to_string())],
                ..reply(
                    409,
                    "conflict_error",
                    "idempotency_in_progress",
                    "A request with this Idempotency-Key is still running. Retry shortly to get \
                     its response.",
                )
            },
            Self::PayloadTooLarge { limit_bytes } => reply(
                413,
                "validation_error",
                "payload_too_large",
                &format!("The request body must be at most {limit_bytes} bytes."),
            ),
            Self::Unavailable(_) => ErrorReply {
                headers: vec![("retry-after", RETRY_AFTER_SECONDS.to_string())],
                ..reply(
                    503,
                    "internal_error",
                    "service_unavailable",
                    "The service is temporarily unavailable; nothing was changed. Retry shortly.",
                )
            },
            Self::Internal(_) => reply(
                500,
                "internal_error",
                "internal_error",
                "An unexpected error occurred.",
            ),
        }
    }
}
