//! Lambda function `sync_stripe_customers`: the table's stream (a customer changed), telling their
//! Stripe customer a new e-mail, name or address. What it runs is `workers::SYNC_STRIPE_CUSTOMERS`.

commet_payments::worker_main!(SYNC_STRIPE_CUSTOMERS);
