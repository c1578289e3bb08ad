//! The Lambda functions no HTTP request calls: `deliver_events`, `send_receipts` and
//! `sync_stripe_customers` on the table's stream, `retry_deliveries`, `send_receipts` and
//! `reconcile_charges` on a schedule. Each binary is `worker_main!(ITS_CONSTANT)`; the tests and
//! the local stack's stream relay (`admin relay-stream`) call the same handlers.

use aws_lambda_events::dynamodb::{Event as StreamEvent, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use futures_util::future::BoxFuture;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use std::sync::OnceLock;

use crate::app::{App, Synced};
use crate::domain::customer::ProviderProfile;
use crate::domain::event::{Change, Subject};
use crate::domain::time::Timestamp;
use crate::outbound::Mailer;
use crate::provider::stripe_customers::ProfileSync;
use crate::store::stream::{change_of, inserted_receipt};

/// Due deliveries (receipts, pending charges) one scheduled run takes on at most; the rest wait
/// for the next minute.
pub const RETRY_BATCH: usize = 200;

/// How a worker answers one event: its JSON in, its JSON answer out, as the Lambda runtime
/// hands them over.
pub type Handle =
    fn(&'static App, Value) -> BoxFuture<'static, Result<Value, lambda_runtime::Error>>;

/// One worker function.
pub struct Worker {
    /// Its binary (`src/bin/<name>.rs`) and `template.yaml`'s function.
    pub name: &'static str,
    pub handle: Handle,
}

pub const DELIVER_EVENTS: Worker = Worker {
    name: "deliver_events",
    handle: |app, event| {
        Box::pin(async move {
            let event: StreamEvent = serde_json::from_value(event)?;
            Ok(serde_json::to_value(deliver_events(app, event).await)?)
        })
    },
};

pub const RETRY_DELIVERIES: Worker = Worker {
    name: "retry_deliveries",
    handle: |app, _scheduled| Box::pin(retry_deliveries(app)),
};

/// Every minute: the charges whose outcome nobody recorded.
pub const RECONCILE_CHARGES: Worker = Worker {
    name: "reconcile_charges",
    handle: |app, _scheduled| Box::pin(reconcile_charges(app)),
};

/// Receipts: on the stream (a receipt written) and on the schedule (one due again). The one
/// function allowed to send mail.
pub const SEND_RECEIPTS: Worker = Worker {
    name: "send_receipts",
    handle: |app, event| {
        Box::pin(async move {
            let mailer = mailer(app)?;
            if event.get("Records").is_some() {
                let event: StreamEvent = serde_json::from_value(event)?;
                Ok(serde_json::to_value(
                    send_receipts(app, mailer, event).await,
                )?)
            } else {
                let report = app.retry_due_receipts(mailer, RETRY_BATCH).await?;
                if report.attempts + report.held_back > 0 {
                    tracing::info!(?report, "due receipts attempted");
                }
                Ok(json!({
                    "attempts": report.attempts,
                    "sent": report.sent,
                    "heldBack": report.held_back,
                }))
            }
        })
    },
};

/// Our customers' new e-mail, name or address, told to their customers at Stripe.
pub const SYNC_STRIPE_CUSTOMERS: Worker = Worker {
    name: "sync_stripe_customers",
    handle: |app, event| {
        Box::pin(async move {
            let event: StreamEvent = serde_json::from_value(event)?;
            Ok(serde_json::to_value(
                sync_stripe_customers(app, event).await,
            )?)
        })
    },
};

pub static ALL: &[(&str, &Worker)] = &[
    ("DELIVER_EVENTS", &DELIVER_EVENTS),
    ("RETRY_DELIVERIES", &RETRY_DELIVERIES),
    ("SEND_RECEIPTS", &SEND_RECEIPTS),
    ("RECONCILE_CHARGES", &RECONCILE_CHARGES),
    ("SYNC_STRIPE_CUSTOMERS", &SYNC_STRIPE_CUSTOMERS),
];

/// The mailer, built once per container, on first use: only `send_receipts` ever builds it (so
/// no other function links SES).
fn mailer(app: &App) -> Result<&'static Mailer, lambda_runtime::Error> {
    static MAILER: OnceLock<Mailer> = OnceLock::new();
    if let Some(mailer) = MAILER.get() {
        return Ok(mailer);
    }
    let sender = app
        .config
        .receipt_sender
        .clone()
        .ok_or("RECEIPT_SENDER is not set: receipts cannot be sent")?;
    Ok(MAILER.get_or_init(|| Mailer::new(sender, app.config.ses_endpoint.as_deref())))
}

/// Sends the receipts a batch of stream records wrote. If any cannot be recorded, the batch is
/// read again from its first receipt: what was sent is no longer pending and is not sent twice.
pub async fn send_receipts(
    app: &'static App,
    mailer: &'static Mailer,
    event: StreamEvent,
) -> DynamoDbEventResponse {
    let mut receipts = Vec::new();
    let mut first = None;
    for record in event.records {
        match inserted_receipt(&record.change.old_image, &record.change.new_image) {
            Ok(Some(receipt)) => {
                first.get_or_insert(record.change.sequence_number.clone());
                receipts.push(receipt);
            }
            Ok(None) => {}
            Err(error) => {
                tracing::error!(sequence = ?record.change.sequence_number, %error, "stream record skipped");
            }
        }
    }
    let mut response = DynamoDbEventResponse::default();
    if receipts.is_empty() {
        return response;
    }
    match app.send_receipts(mailer, receipts).await {
        Ok(report) => tracing::debug!(?report, "receipts sent"),
        Err(error) => {
            tracing::warn!(%error, "receipts to be read again");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(first.flatten().unwrap_or_default());
            response.batch_item_failures.push(failure);
        }
    }
    response
}

/// The change a stream record shows, if it can cause anything. One that does not map to the
/// domain is logged and skipped: read again it would fail again and hold up the stream.
fn change_in(record: &EventRecord) -> Option<Change> {
    change_of(&record.change.old_image, &record.change.new_image)
        .inspect_err(|error| {
            tracing::error!(sequence = ?record.change.sequence_number, %error, "stream record skipped");
        })
        .ok()
        .flatten()
}

/// Tells Stripe the e-mail, name and address of each customer whose change calls for it, one
/// record after another (two changes of one customer must reach Stripe in their order). The
/// first record Stripe or the table could not take is reported, and Lambda reads the batch
/// again from it; what was told before it is told again under the same idempotency keys.
pub async fn sync_stripe_customers(app: &'static App, event: StreamEvent) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in event.records {
        let sequence = record.change.sequence_number.clone();
        let Some(change) = change_in(&record) else {
            continue;
        };
        let Subject::Customer(customer) = &change.new else {
            continue;
        };
        let old = match &change.old {
            Some(Subject::Customer(old)) => Some(old),
            _ => None,
        };
        let Some(profile) = ProviderProfile::to_sync(old, customer) else {
            continue;
        };
        match app
            .sync_provider_customer(&change.account, &customer.id, change.version, &profile)
            .await
        {
            Ok(Synced::Told(ProfileSync::Updated)) => {
                tracing::info!(customer = %customer.id, "Stripe customer updated");
            }
            Ok(Synced::Told(ProfileSync::UpdatedWithoutEmail(reason))) => {
                tracing::warn!(
                    customer = %customer.id,
                    %reason,
                    "Stripe refused the e-mail: Stripe customer updated without one"
                );
            }
            Ok(Synced::Told(ProfileSync::Missing)) => {
                tracing::warn!(customer = %customer.id, "no such Stripe customer: not updated");
            }
            Ok(Synced::Told(ProfileSync::Refused(reason))) => {
                // Not the stream's to retry: asked again, Stripe would refuse again.
                tracing::error!(customer = %customer.id, %reason, "Stripe refused the profile: not updated");
            }
            Ok(Synced::NoStripe) => {
                tracing::warn!(customer = %customer.id, "no Stripe for the account: not updated");
            }
            Err(error) => {
                tracing::warn!(?sequence, %error, "Stripe customer update to be tried again");
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = Some(sequence.unwrap_or_default());
                response.batch_item_failures.push(failure);
                break;
            }
        }
    }
    response
}

/// The worker named `name`.
pub fn by_name(name: &str) -> Option<&'static Worker> {
    ALL.iter()
        .map(|(_, worker)| *worker)
        .find(|worker| worker.name == name)
}

/// Delivers the events of a batch of stream records, all records at once (a slow receiver holds
/// up nobody else). A record whose deliveries could not be recorded is reported, the earliest
/// such, so that Lambda reads again from it; deliveries already opened are not opened twice. A
/// record that does not map to the domain is logged and skipped: read again it would fail again
/// and hold up the stream.
pub async fn deliver_events(app: &'static App, event: StreamEvent) -> DynamoDbEventResponse {
    let mut deliveries = JoinSet::new();
    for (position, record) in event.records.into_iter().enumerate() {
        let sequence = record.change.sequence_number.clone();
        let Some(change) = change_in(&record) else {
            continue;
        };
        deliveries.spawn(async move { (position, sequence, app.deliver_change(change).await) });
    }
    let mut failed: Option<(usize, Option<String>)> = None;
    while let Some(joined) = deliveries.join_next().await {
        let (position, sequence, outcome) = match joined {
            Ok(done) => done,
            Err(panicked) => {
                tracing::error!(%panicked, "delivery task");
                // Which record it was is lost with the task: read the whole batch again.
                (
                    0,
                    None,
                    Err(crate::store::StoreError::Internal("panicked".into())),
                )
            }
        };
        match outcome {
            Ok(report) => tracing::debug!(?sequence, ?report, "stream record delivered"),
            Err(error) => {
                tracing::warn!(?sequence, %error, "stream record to be read again");
                if failed
                    .as_ref()
                    .is_none_or(|(earliest, _)| position < *earliest)
                {
                    failed = Some((position, sequence));
                }
            }
        }
    }
    let mut response = DynamoDbEventResponse::default();
    if let Some((_, sequence)) = failed {
        let mut failure = DynamoDbBatchItemFailure::default();
        // An identifier Lambda does not know fails the whole batch, which is what a lost
        // position needs too.
        failure.item_identifier = Some(sequence.unwrap_or_default());
        response.batch_item_failures.push(failure);
    }
    response
}

/// Makes the delivery attempts that are due. Fails (and the schedule tries again next minute)
/// only when the table cannot be read or written.
pub async fn retry_deliveries(app: &'static App) -> Result<Value, lambda_runtime::Error> {
    let report = app.retry_due(RETRY_BATCH).await?;
    if report.attempts > 0 {
        tracing::info!(?report, "due deliveries attempted");
    }
    Ok(json!({"attempts": report.attempts, "delivered": report.delivered}))
}

/// Records the charges nobody finished that are due, and settles the live links' attempts that
/// were left. A run that left any unrecorded or unsettled (the provider down, a wrong Stripe
/// key) fails, so that the function's ERROR line (alarmed in template.yaml) shows payments
/// stuck in `processing`; they wait for a run after their lease.
pub async fn reconcile_charges(app: &'static App) -> Result<Value, lambda_runtime::Error> {
    let now = Timestamp::now();
    let (charges, links) = tokio::join!(
        app.reconcile_due(now, RETRY_BATCH),
        app.settle_left_links(now, RETRY_BATCH)
    );
    let (charges, links) = (charges?, links?);
    if charges.checked > 0 {
        tracing::info!(report = ?charges, "pending charges checked");
    }
    if links.checked > 0 {
        tracing::info!(report = ?links, "link checks settled");
    }
    if charges.unrecorded > 0 || links.unsettled > 0 {
        return Err(format!(
            "{} of {} pending charges could not be recorded, {} of {} left links not settled",
            charges.unrecorded, charges.checked, links.unsettled, links.checked
        )
        .into());
    }
    Ok(json!({
        "checked": charges.checked,
        "recorded": charges.recorded,
        "linksChecked": links.checked,
        "linksPaid": links.paid,
        "linksAbandoned": links.abandoned,
    }))
}

/// Runs `worker` as a Lambda until the runtime stops it.
pub async fn run(worker: &'static Worker) -> Result<(), lambda_runtime::Error> {
    crate::logging::init();
    let app = App::from_env().await?.leak();
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        invoke(worker, app, event.payload)
    }))
    .await
}

/// One invocation of `worker`, as its Lambda runs it. A failure is also an ERROR line of ours,
/// which the deployment's ERROR-line alarm counts: the runtime only reports it to Lambda as the
/// invocation's error, which nothing logs, so a scheduled worker failing every minute (the
/// table unreachable) would set off no alarm at all.
pub async fn invoke(
    worker: &'static Worker,
    app: &'static App,
    event: Value,
) -> Result<Value, lambda_runtime::Error> {
    let answer = (worker.handle)(app, event).await;
    if let Err(error) = &answer {
        tracing::error!(worker = worker.name, %error, "worker failed");
    }
    answer
}

/// The whole of a worker's binary: `commet_payments::worker_main!(DELIVER_EVENTS);`.
#[macro_export]
macro_rules! worker_main {
    ($worker:ident) => {
        #[tokio::main(flavor = "current_thread")]
        async fn main() -> Result<(), lambda_runtime::Error> {
            $crate::workers::run(&$crate::workers::$worker).await
        }
    };
}

/// The local stack's stand-in for what AWS runs around the workers (`admin relay-stream`, and
/// the tests): reads DynamoDB Local's stream at `endpoint` from now on and hands each batch to
/// the stream's workers as Lambda would (the event goes through its JSON form, as it does on
/// AWS), one batch after another; and, beside it, runs the scheduled ones every
/// `retry_every`. `ready` is told once the stream is being read. Runs until the process ends.
pub async fn relay_stream(
    app: &'static App,
    endpoint: &str,
    poll_every: std::time::Duration,
    retry_every: std::time::Duration,
    ready: impl FnOnce(),
) -> Result<(), crate::store::StoreError> {
    let mut reader = app.store.stream_reader(endpoint).await?;
    ready();
    let receipts = app.config.receipt_sender.is_some();
    if !receipts {
        tracing::warn!("RECEIPT_SENDER is not set: receipts are not sent");
    }
    let mut scheduled = vec![&RETRY_DELIVERIES, &RECONCILE_CHARGES];
    if receipts {
        scheduled.push(&SEND_RECEIPTS);
    }
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(retry_every).await;
            for worker in &scheduled {
                // A failure is logged by `invoke`, as deployed; the next round tries again.
                let _ = invoke(worker, app, json!({"source": "aws.events"})).await;
            }
        }
    });
    loop {
        let records = match reader.poll().await {
            Ok(records) => records,
            Err(error) => {
                tracing::warn!(%error, "reading the stream failed; trying again");
                tokio::time::sleep(poll_every).await;
                continue;
            }
        };
        if records.is_empty() {
            tokio::time::sleep(poll_every).await;
            continue;
        }
        relay_batch(app, records, poll_every * 10).await;
    }
}

/// How often the relay reads a failed batch again before it moves on (and logs it).
const RELAY_TRIES: usize = 3;

/// One batch into each of the stream's workers, all at once, as each one's own event source
/// mapping hands it over on AWS: its JSON form (made once for all of them), read again from the
/// record the worker reported (`batchItemFailures`), after `pause`, up to `RELAY_TRIES` times.
async fn relay_batch(app: &'static App, records: Vec<EventRecord>, pause: std::time::Duration) {
    let mut workers = vec![&DELIVER_EVENTS, &SYNC_STRIPE_CUSTOMERS];
    // Without a sender there is no mailer: on AWS, no send_receipts mapping.
    if app.config.receipt_sender.is_some() {
        workers.push(&SEND_RECEIPTS);
    }
    let Some(json) = json_of(&records) else {
        return;
    };
    let relays = workers
        .into_iter()
        .map(|worker| relay_to(app, worker, &records, json.clone(), pause));
    futures_util::future::join_all(relays).await;
}

async fn relay_to(
    app: &'static App,
    worker: &'static Worker,
    records: &[EventRecord],
    mut json: Value,
    pause: std::time::Duration,
) {
    let mut batch = records;
    for _ in 0..RELAY_TRIES {
        let Some(failed) = first_failure(app, worker, batch, json).await else {
            return;
        };
        tracing::warn!(
            worker = worker.name,
            failed,
            "stream batch partly failed; reading it again from there"
        );
        let from = batch
            .iter()
            .position(|record| record.change.sequence_number.as_deref() == Some(&failed))
            .unwrap_or(0);
        batch = &batch[from..];
        json = match json_of(batch) {
            Some(json) => json,
            None => return,
        };
        tokio::time::sleep(pause).await;
    }
    tracing::error!(
        worker = worker.name,
        "stream batch left after {RELAY_TRIES} reads (on AWS: the failures queue)"
    );
}

/// A batch as Lambda hands it over: the JSON form of the stream event.
fn json_of(records: &[EventRecord]) -> Option<Value> {
    let mut event = StreamEvent::default();
    event.records = records.to_vec();
    serde_json::to_value(&event)
        .inspect_err(|error| tracing::error!(%error, "a stream batch does not survive JSON"))
        .ok()
}

/// The record `worker` reported as the first it could not take from `batch` (given as `json`),
/// if any; a worker that failed as a whole names the first.
async fn first_failure(
    app: &'static App,
    worker: &'static Worker,
    batch: &[EventRecord],
    json: Value,
) -> Option<String> {
    let Ok(answer) = invoke(worker, app, json).await else {
        return batch.first()?.change.sequence_number.clone();
    };
    match serde_json::from_value::<DynamoDbEventResponse>(answer) {
        Ok(response) => response
            .batch_item_failures
            .into_iter()
            .next()
            .map(|failure| failure.item_identifier.unwrap_or_default()),
        Err(error) => {
            tracing::error!(worker = worker.name, %error, "a stream worker's answer is not a batch response");
            None
        }
    }
}
