//! Reaching out: to addresses that merchants give (where a webhook may be sent, and what it
//! says), and to payers (receipts, through SES); and the deployment's own secrets (Secrets
//! Manager). Everything a merchant names is treated as hostile: a name is resolved here and every
//! address it resolves to must be public (`domain::public_address::forbidden_address`), so a URL
//! cannot aim this service at its own network or the instance metadata endpoint.

mod aws;
mod delivery;
mod destination;
mod event;
mod from_header;
mod mail;
mod receipt;
mod secrets;

pub use delivery::{Answered, DELIVERY_TIMEOUT, DeliveryError, post_json, send_event};
pub use destination::{Refused, check_destination};
pub use event::{Audience, Related, event_body, test_event_body};
pub use mail::{Mail, Mailer, NotSent};
pub use receipt::receipt_mail;
pub use secrets::read_secret;
