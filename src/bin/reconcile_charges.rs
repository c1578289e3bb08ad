//! Lambda function `reconcile_charges`: every minute, the charges whose outcome nobody recorded.
//! What it runs is `workers::RECONCILE_CHARGES`.

commet_payments::worker_main!(RECONCILE_CHARGES);
