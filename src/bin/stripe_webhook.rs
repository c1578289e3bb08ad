//! Lambda function `stripe_webhook`: `POST /stripe/webhook`, Stripe's events. What it runs is
//! `endpoints::STRIPE_WEBHOOK`.

commet_payments::lambda_main!(STRIPE_WEBHOOK);
