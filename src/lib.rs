//! A Commet-compatible payments API on AWS Lambda and DynamoDB.
//!
//! Data flows one way: an API Gateway event is parsed and authenticated by [`http`], handed to a
//! handler in [`handlers`], which applies the rules of [`domain`] and persists through [`store`];
//! [`http`] turns the result, or the one [`http::ApiError`], into the response. A committed change
//! flows on through the table's stream to [`workers`], which deliver its events to webhooks.

pub mod admin;
pub mod app;
pub mod aws_http;
pub mod domain;
pub mod endpoints;
pub mod fixtures;
pub mod handlers;
pub mod http;
pub mod logging;
pub mod net;
pub mod outbound;
pub mod provider;
pub mod store;
mod tls;
pub mod workers;

/// Every binary's allocator. With glibc's, malloc, free and realloc were a fifth of a warm
/// get's instructions (callgrind; docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
