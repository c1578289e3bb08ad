//! Lambda function `charge_payment`: `POST /api/v1/payments/charge`. What it runs is
//! `endpoints::CHARGE_PAYMENT`.

commet_payments::lambda_main!(CHARGE_PAYMENT);
