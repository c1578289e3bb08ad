//! Test harness: a real DynamoDB Local (started here unless DYNAMODB_ENDPOINT points at one),
//! a fresh account per test, and API Gateway events fed through the real handlers.
//!
//! `services`: the processes a test run starts (DynamoDB Local, aws-ses-v2-local, localstripe,
//! moto) and plain HTTP to them; `app`: the functions' configuration and `TestApp`; `events`:
//! API Gateway events in, responses out; `flows`: a payer's and a merchant's steps that many
//! tests share; `proxy`: a TCP proxy that counts connections and requests; `observed`: the
//! DynamoDB calls a container makes; `iam`: those calls held to `template.yaml`'s policies;
//! `log_watch`: every
//! line the functions log, searched for secrets; `logs`: lines captured as deployed, and the
//! template's metric filters that count them.

mod app;
mod events;
mod flows;
mod iam;
pub mod log_watch;
mod logs;
mod observed;
mod proxy;
mod services;

pub use app::*;
pub use events::*;
pub use flows::*;
pub use iam::{binary_of, statements, string_like, template};
pub use logs::{MetricFilter, logged};
pub use observed::*;
pub use proxy::*;
pub use services::*;
