//! The API surface: envelope, errors, auth, body and query parsing, versioning, request ids, the
//! serving pipeline and the hosted page's HTML. Knows nothing of DynamoDB: it resolves API keys
//! through `App::principal` and reaches idempotency records only through the store's
//! `IdempotencyRecords` (claim, keep, release).

pub mod api_gateway;
pub mod auth;
pub mod error;
pub mod error_docs;
pub mod fields;
mod helvetica;
pub mod hosted_page;
pub mod invoice_file;
pub mod invoice_pdf;
mod pdf_cjk;
mod pdf_font;
mod pdf_rtl;
pub mod request;
pub mod response;
pub mod routes;
pub mod serve;
pub mod strict_json;
pub mod version;
pub mod views;

pub use error::{ApiError, FieldError, Resource};
pub use request::ApiRequest;
pub use response::ApiResponse;
