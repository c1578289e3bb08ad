//! The DynamoDB adapter: key design, item mapping, conditional writes, transactions and cursors.
//! It knows nothing about HTTP.
//!
//! Every item an account owns has the account in its partition key (`A#<account>#…`), so no code
//! path can read another account's item by mistake: the account always comes from the caller's
//! key, never from request input.

mod accounts;
mod client;
mod completion;
mod customers;
mod error;
mod expression;
mod idempotency;
mod invoices;
mod items;
pub mod keys;
mod links;
mod paging;
mod payments;
pub mod schema;
mod tax;

pub use client::{Store, StoreSettings};
pub use completion::{Completion, CompletionOutcome, CustomerChange};
pub use customers::InsertCustomerOutcome;
pub use error::StoreError;
pub use idempotency::{Claim, ClaimOutcome};
pub use invoices::SetInvoiceStatus;
pub use links::{BeginAttempt, STALE_ATTEMPT_SECONDS};
pub use payments::{CancelOutcome, InsertPaymentOutcome};
