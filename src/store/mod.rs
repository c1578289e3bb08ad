//! The DynamoDB adapter: key design, item mapping, conditional writes, transactions and cursors.
//! It knows nothing about HTTP, and nothing outside it knows DynamoDB.
//!
//! Every item an account owns has the account in its partition key (`A#<account>#…`), so no code
//! path can read another account's item by mistake: the account always comes from the caller's
//! key, never from request input.
//!
//! `write` sends every write; `rules` holds the conditions that encode the domain's rules; the
//! aggregate files (`payments`, `invoices`, `customers`, `links`, `completion`, `accounts`,
//! `api_keys`, `tax`, `idempotency`, `webhooks`, `deliveries`) say what each operation
//! writes; `transactions` lists payments as transactions, with their customers and invoices;
//! `paging` reads a listing's pages; `reads` reads items by key, one or a few in one round trip,
//! and `key_lookup` lets an API key's lookup ride along with such a read; `stream` reads the
//! table's stream back as domain changes; `item_size` counts an item's bytes as DynamoDB bills
//! them (the bench's capacity table and the account item's size test).

mod accounts;
mod api_keys;
mod backfill;
#[cfg(feature = "bench")]
pub mod bench;
mod charges;
mod client;
mod completion;
mod customers;
mod deliveries;
mod download_links;
mod error;
mod idempotency;
mod invoices;
mod item_size;
mod items;
mod key_lookup;
pub mod keys;
mod link_checks;
mod links;
mod mail_counts;
mod mail_paces;
mod numbering;
mod paging;
mod payments;
mod projection;
mod reads;
mod receipts;
mod rules;
pub mod schema;
pub mod stream;
mod stream_reader;
mod tax;
mod transactions;
mod webhooks;
mod write;

pub use api_keys::IssueKeyOutcome;
pub use charges::InsertChargeOutcome;
pub use client::{Store, StoreSettings};
pub use completion::{Completion, CompletionOutcome, CustomerChange};
pub use customers::{InsertCustomerOutcome, UpdateCustomerOutcome};
pub use error::StoreError;
pub use idempotency::{
    AnswerError, Claim, ClaimOutcome, IdempotencyRecords, KeyCompletion, RenderAnswer,
};
pub use invoices::SetInvoiceStatus;
pub use item_size::item_size;
pub use links::{Attempt, BeginAttempt, STALE_ATTEMPT_SECONDS, Unpaid};
pub use payments::{CancelOutcome, InsertPaymentOutcome, ReportOutcome};
pub use receipts::{InvoiceMail, ReceiptSources};
pub use stream_reader::StreamReader;
pub use webhooks::InsertWebhookOutcome;
