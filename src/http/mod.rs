//! The API surface: envelope, errors, auth, body and query parsing, versioning, request ids.
//! Knows nothing about DynamoDB beyond handing the store to the key lookup.

pub mod auth;
pub mod error;
pub mod fields;
pub mod page;
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
