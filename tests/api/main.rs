//! Integration tests: handlers fed real API Gateway events, against a real DynamoDB Local.

mod account_settings;
mod admin;
mod architecture;
mod charges;
mod concurrency;
#[cfg(feature = "fault-injection")]
mod crashes;
mod customers;
mod envelope;
mod events;
mod faults;
mod helpers;
mod idempotency;
mod infrastructure;
mod invoices;
mod isolation;
mod keys;
mod listings;
mod live_page;
mod outbox;
mod parsing;
mod pay_page;
mod payments;
mod races;
mod receipts;
mod receiver;
mod repository;
mod secrets;
mod store;
mod stripe;
mod stripe_customers;
mod stripe_events;
mod stripe_routes;
mod tenants;
mod versions;
mod webhooks;
