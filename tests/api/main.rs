//! Integration tests: handlers fed real API Gateway events, against a real DynamoDB Local.

mod concurrency;
mod customers;
mod envelope;
mod events;
mod helpers;
mod infrastructure;
mod isolation;
mod payments;
mod store;
