//! Key design of the single table. Everything an account owns starts with `A#<account>#`.
//!
//! | item        | pk                          | sk     | gsi1 (pk / sk)                      | gsi2 (pk / sk)                          |
//! |-------------|-----------------------------|--------|-------------------------------------|-----------------------------------------|
//! | payment     | `A#<acct>#PAY#<id>`         | `PAY`  | `A#<acct>#PAY` / `<createdAt>#<id>` | `A#<acct>#CUS#<cus>#PAY` / same         |
//! | customer    | `A#<acct>#CUS#<id>`         | `CUS`  | `A#<acct>#CUS` / `<createdAt>#<id>` | `A#<acct>#CUSEM#<email>` / as gsi1     |
//! | externalId  | `A#<acct>#CUSX#<external>`  | `CUSX` |                                     |                                         |
//! | account     | `A#<acct>#ACCT`             | `ACCT` | `ACCOUNTS` / `<createdAt>#<id>`     |                                         |
//! | API key     | `KEY#<sha256>`              | `KEY`  | `A#<acct>#KEY` / `<createdAt>#<id>` |                                         |
//! | invoice     | `A#<acct>#INV#<id>`         | `INV`  | `A#<acct>#INV` / `<createdAt>#<id>` | `A#<acct>#CUS#<cus>#INV` / same         |
//! | inv. counter| `A#<acct>#INVSEQ`           | `INVSEQ` |                                   |                                         |
//! | mail pace   | `A#<acct>#MAILPACE#<inv or cus>` | `MAILPACE` | (expires through `ttl` once idle) |                         |
//! | mail count  | `A#<acct>#MAILS#<yyyy-mm-ddThh>` | `MAILS` | (expires through `ttl` a day after its hour) |             |
//! | receipt     | `A#<acct>#RCPT#<id>`        | `RCPT` | `A#<acct>#RCPT` / `<createdAt>#<id>`| `RCPTDUE` / `<nextAttemptAt>#<id>` (while pending) |
//! | tax rates   | `A#<acct>#TAX`              | `TAX`  |                                     |                                         |
//! | link page   | `LINK#<payment id>`         | `LINK` |                                     |                                         |
//! | webhook     | `A#<acct>#WH#<id>`          | `WH`   | `A#<acct>#WH` / `<createdAt>#<id>`  |                                         |
//! | webhook count | `A#<acct>#WHCOUNT`        | `WHCOUNT` |                                  |                                         |
//! | delivery    | `A#<acct>#WHDL#<id>`        | `WHDL` |                                     | `WHDUE` / `<nextAttemptAt>#<id>` (while pending) |
//! | attempt     | `A#<acct>#WHDL#<delivery>`  | `ATT#<nn>` | `A#<acct>#WH#<whk>#ATT` / `<attemptedAt>#<id>` |                   |
//! | pending charge | `A#<acct>#PAY#<id>`      | `PCHG` |                                     | `PCHGDUE` / `<checkAt>#<id>`            |
//! | idempotency | `A#<acct>#IDEM#<sha256(key)>` | `IDEM` | (expires through the `ttl` attribute) |                                    |
//!
//! Invoices are in `gsi3` too, by status: `A#<acct>#INV#<status>` / `<createdAt>#<id>`, the
//! partition moving with the status; so are payments once they have a transaction (their first
//! attempt began): `A#<acct>#TXN` / `<started>#<id>`, `started` when the transaction started
//! (`Payment::transaction_started_at`). Those payments are in `gsi4` as well, by their
//! transaction's status: `A#<acct>#TXN#<status>` / the same, the partition moving with the
//! status. Older items get them from `admin index`.
//!
//! Deliveries and receipts waiting for their next attempt, and charges whose outcome is not
//! recorded yet, are the partitions of `gsi2` without an account (`WHDUE`, `RCPTDUE`, `PCHGDUE`): the schedulers find what is due with one Query, never a scan. Deliveries
//! and attempts expire through `ttl` (30 days).
//!
//! The link-page item is the one key without an account: the public page `/pay/{id}` knows only
//! the payment id, and this item says which account the link belongs to.
//!
//! Ids and external ids cannot contain `#`, so one key can never be read as another.

use crate::domain::account::ApiKeyHash;
use crate::domain::ids::{
    AccountId, CustomerId, DeliveryId, InvoiceId, PaymentId, ReceiptId, WebhookId,
};
use crate::domain::invoice::InvoiceStatus;
use crate::domain::text::{Email, ExternalId};
use crate::domain::transaction::TransactionStatus;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
pub const GSI2: &str = "gsi2";
pub const GSI2_PK: &str = "gsi2pk";
pub const GSI2_SK: &str = "gsi2sk";
pub const GSI3: &str = "gsi3";
pub const GSI3_PK: &str = "gsi3pk";
pub const GSI3_SK: &str = "gsi3sk";
pub const GSI4: &str = "gsi4";
pub const GSI4_PK: &str = "gsi4pk";
pub const GSI4_SK: &str = "gsi4sk";
/// Epoch seconds after which DynamoDB may delete an item (idempotency records, later).
pub const TTL: &str = "ttl";

pub const PAYMENT_SK: &str = "PAY";
pub const CUSTOMER_SK: &str = "CUS";
pub const EXTERNAL_ID_SK: &str = "CUSX";
pub const ACCOUNT_SK: &str = "ACCT";
pub const API_KEY_SK: &str = "KEY";
pub const ALL_ACCOUNTS: &str = "ACCOUNTS";
pub const INVOICE_SK: &str = "INV";
pub const INVOICE_COUNTER_SK: &str = "INVSEQ";
pub const RECEIPT_SK: &str = "RCPT";
/// How often an invoice, or a customer, was mailed on request: an item of its own, so that a
/// mail changes neither (their stream records are events, and Stripe updates).
pub const MAIL_PACE_SK: &str = "MAILPACE";
pub const MAIL_COUNT_SK: &str = "MAILS";
pub const TAX_RATES_SK: &str = "TAX";
pub const LINK_SK: &str = "LINK";
pub const DOWNLOAD_LINK_SK: &str = "DL";
pub const IDEMPOTENCY_SK: &str = "IDEM";
pub const WEBHOOK_SK: &str = "WH";
pub const WEBHOOK_COUNT_SK: &str = "WHCOUNT";
pub const DELIVERY_SK: &str = "WHDL";
/// The `gsi2` partition of pending deliveries, by when their next attempt is due.
pub const DUE_DELIVERIES: &str = "WHDUE";
/// The `gsi2` partition of pending receipts, by when their next attempt is due.
pub const DUE_RECEIPTS: &str = "RCPTDUE";
/// A charge's outcome not recorded yet: beside its payment, in the same partition.
pub const PENDING_CHARGE_SK: &str = "PCHG";
/// The `gsi2` partition of pending charges, by when the reconciler may check them.
pub const DUE_PENDING_CHARGES: &str = "PCHGDUE";
/// A live link's attempt to look at once it may have been left: beside its payment.
pub const LINK_CHECK_SK: &str = "LCHK";
/// The `gsi2` partition of link checks, by when the reconciler may take them.
pub const DUE_LINK_CHECKS: &str = "LCHKDUE";

pub fn payment(account: &AccountId, id: &PaymentId) -> String {
    format!("A#{account}#PAY#{id}")
}

pub fn account_payments(account: &AccountId) -> String {
    format!("A#{account}#PAY")
}

/// The account's payments that have a transaction (an attempt began), in `gsi3`.
pub fn account_transactions(account: &AccountId) -> String {
    format!("A#{account}#TXN")
}

/// The account's payments whose transaction has `status`, in `gsi4`.
pub fn account_transactions_of_status(account: &AccountId, status: TransactionStatus) -> String {
    format!("A#{account}#TXN#{}", status.as_str())
}

pub fn customer_payments(account: &AccountId, customer: &CustomerId) -> String {
    format!("A#{account}#CUS#{customer}#PAY")
}

pub fn customer(account: &AccountId, id: &CustomerId) -> String {
    format!("A#{account}#CUS#{id}")
}

pub fn account_customers(account: &AccountId) -> String {
    format!("A#{account}#CUS")
}

/// The account's customers with one e-mail address (`gsi2`), in any case: an address is
/// compared as `Email::same_address` compares it. Nothing else of the account's keys starts
/// `A#<acct>#CUSEM#`, so the address after it may hold any character, `#` too.
pub fn customers_with_email(account: &AccountId, email: &Email) -> String {
    format!("A#{account}#CUSEM#{}", email.as_str().to_ascii_lowercase())
}

pub fn external_id(account: &AccountId, external: &ExternalId) -> String {
    format!("A#{account}#CUSX#{}", external.as_str())
}

pub fn account(account: &AccountId) -> String {
    format!("A#{account}#ACCT")
}

pub fn api_key(hash: &ApiKeyHash) -> String {
    format!("KEY#{}", hash.as_str())
}

pub fn account_api_keys(account: &AccountId) -> String {
    format!("A#{account}#KEY")
}

pub fn invoice(account: &AccountId, id: &InvoiceId) -> String {
    format!("A#{account}#INV#{id}")
}

pub fn account_invoices(account: &AccountId) -> String {
    format!("A#{account}#INV")
}

/// An account's invoices of one status: a partition of the by-status index, which the invoice
/// leaves for another when its status changes.
pub fn account_invoices_of_status(account: &AccountId, status: InvoiceStatus) -> String {
    format!("A#{account}#INV#{}", status.as_str())
}

pub fn customer_invoices(account: &AccountId, customer: &CustomerId) -> String {
    format!("A#{account}#CUS#{customer}#INV")
}

pub fn invoice_counter(account: &AccountId) -> String {
    format!("A#{account}#INVSEQ")
}

/// An invoice's mail pace. Ids carry their type's prefix: never the same key as a customer's.
pub fn invoice_mail_pace(account: &AccountId, invoice: &InvoiceId) -> String {
    format!("A#{account}#MAILPACE#{invoice}")
}

pub fn customer_mail_pace(account: &AccountId, customer: &CustomerId) -> String {
    format!("A#{account}#MAILPACE#{customer}")
}

/// An account's mails in one clock hour (`domain::mail_cap`), `hour` as `2026-12-05T04`.
pub fn mail_count(account: &AccountId, hour: &str) -> String {
    format!("A#{account}#MAILS#{hour}")
}

pub fn receipt(account: &AccountId, id: &ReceiptId) -> String {
    format!("A#{account}#RCPT#{id}")
}

pub fn account_receipts(account: &AccountId) -> String {
    format!("A#{account}#RCPT")
}

pub fn tax_rates(account: &AccountId) -> String {
    format!("A#{account}#TAX")
}

pub fn link(payment: &PaymentId) -> String {
    format!("LINK#{payment}")
}

/// An invoice download link, by its token's hash (the URL names no account).
pub fn download_link(token_hash: &str) -> String {
    format!("DL#{token_hash}")
}

pub fn idempotency(account: &AccountId, key_digest: &str) -> String {
    format!("A#{account}#IDEM#{key_digest}")
}

pub fn webhook(account: &AccountId, id: &WebhookId) -> String {
    format!("A#{account}#WH#{id}")
}

pub fn account_webhooks(account: &AccountId) -> String {
    format!("A#{account}#WH")
}

pub fn webhook_count(account: &AccountId) -> String {
    format!("A#{account}#WHCOUNT")
}

pub fn delivery(account: &AccountId, id: &DeliveryId) -> String {
    format!("A#{account}#WHDL#{id}")
}

pub fn attempt_sk(number: u32) -> String {
    format!("ATT#{number:02}")
}

pub fn webhook_attempts(account: &AccountId, webhook: &WebhookId) -> String {
    format!("A#{account}#WH#{webhook}#ATT")
}

/// The account an item belongs to, read from its partition key (`A#<account>#…`).
pub fn account_of(pk: &str) -> Option<&str> {
    pk.strip_prefix("A#")?.split('#').next()
}
