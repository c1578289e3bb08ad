//! Lambda function `send_receipts`: the table's stream (a receipt written) and every minute (the
//! receipts due again), e-mailed through SES. What it runs is `workers::SEND_RECEIPTS`.

commet_payments::worker_main!(SEND_RECEIPTS);
