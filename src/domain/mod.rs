//! Pure types and rules of the payments domain: no AWS, no HTTP, no I/O.
//!
//! Values here are valid by construction: a `PaymentAmount` is always within the contract's range,
//! a `Currency` is always a real ISO 4217 currency with a minor unit. The HTTP layer turns raw
//! request input into these types and reports every violation at once.

pub mod account;
pub mod address;
pub mod card;
pub mod charge_report;
pub mod customer;
pub mod delivery;
pub mod dispute;
pub mod download;
pub mod event;
pub mod idempotency;
pub mod ids;
pub mod invalid;
pub mod invoice;
pub mod isolation;
pub mod link_check;
pub mod mail_cap;
pub mod money;
pub mod page;
pub mod payment;
pub mod pending_charge;
pub mod public_address;
pub mod receipt;
pub mod refund;
pub mod send_pace;
pub mod tax;
pub mod text;
pub mod time;
pub mod transaction;
pub mod version;
pub mod webhook;

pub use invalid::Invalid;
