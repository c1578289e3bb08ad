//! Lambda function `deliver_events`: the table's stream, events to webhooks. What it runs is
//! `workers::DELIVER_EVENTS`.

commet_payments::worker_main!(DELIVER_EVENTS);
