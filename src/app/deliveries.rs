//! Events out: from a committed change to every endpoint that wants it (docs/contract.md §5).
//!
//! A change's events go to each active endpoint of its account subscribed to them, all at once,
//! so a slow or dead receiver costs only its own timeout. Each (event, endpoint) pair is one
//! delivery, opened once however often the change is read; an attempt that is not answered 2xx
//! schedules the next, which `retry_due` makes when it is due.

use tokio::task::JoinSet;

use super::App;
use crate::domain::account::Mode;
use crate::domain::delivery::{ATTEMPT_LEASE, Attempt, Delivery, RetrySchedule, later};
use crate::domain::event::{Change, Subject};
use crate::domain::ids::AccountId;
use crate::domain::page::{PageLimit, PageRequest};
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;
use crate::domain::webhook::WebhookEndpoint;
use crate::outbound::{Audience, Related, event_body, send_event};
use crate::store::StoreError;

/// What a run of deliveries did, for the logs and the tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Attempts made (each recorded).
    pub attempts: usize,
    /// Of those, answered 2xx.
    pub delivered: usize,
}

impl DeliveryReport {
    fn add(&mut self, other: DeliveryReport) {
        self.attempts += other.attempts;
        self.delivered += other.delivered;
    }
}

impl App {
    /// Opens and makes the first attempt of every delivery `change` causes. An error means the
    /// change must be read again (its stream record reported as failed): what was opened stays
    /// opened, and reading it again opens only what is missing.
    pub async fn deliver_change(
        &'static self,
        change: Change,
    ) -> Result<DeliveryReport, StoreError> {
        let occurrences = change.occurrences();
        if occurrences.is_empty() {
            return Ok(DeliveryReport::default());
        }
        let endpoints = self.endpoints(&change.account).await?;
        let wanted: Vec<_> = occurrences
            .iter()
            .flat_map(|occurrence| {
                endpoints
                    .iter()
                    .filter(|endpoint| {
                        endpoint.is_active && endpoint.events.contains(occurrence.event)
                    })
                    .map(move |endpoint| (occurrence, endpoint))
            })
            .collect();
        if wanted.is_empty() {
            return Ok(DeliveryReport::default());
        }
        let account_pin = self
            .account(&change.account)
            .await?
            .and_then(|account| account.api_version);
        let related = self.related(&change).await?;
        let mode = if change.new.livemode() {
            Mode::Live
        } else {
            Mode::Sandbox
        };
        let now = Timestamp::now();
        let mut attempts = JoinSet::new();
        for (occurrence, endpoint) in wanted {
            let audience = Audience {
                account: &change.account,
                mode,
                version: endpoint
                    .api_version
                    .or(account_pin)
                    .unwrap_or(ApiVersion::CURRENT),
            };
            let body = event_body(occurrence, &change.new, &related, audience);
            let delivery = Delivery::open(
                endpoint.id.clone(),
                occurrence.id.clone(),
                occurrence.event.as_str(),
                String::from_utf8(body).map_err(StoreError::corrupt)?,
                now,
                change.new.livemode(),
            );
            let account = change.account.clone();
            let endpoint = endpoint.clone();
            attempts.spawn(async move {
                if !self.store.open_delivery(&account, &delivery).await? {
                    // Opened before: by an earlier read of this change, which made (or will
                    // make, through the schedule) its attempts.
                    return Ok(DeliveryReport::default());
                }
                self.attempt(&account, &delivery, &endpoint).await
            });
        }
        collect(attempts).await
    }

    /// Makes the attempts that are due (at most `limit`), all at once. A delivery another
    /// deliverer took meanwhile is left to it.
    pub async fn retry_due(&'static self, limit: usize) -> Result<DeliveryReport, StoreError> {
        let now = Timestamp::now();
        let due = self.store.due_deliveries(now, limit).await?;
        let mut attempts = JoinSet::new();
        for (account, delivery) in due {
            attempts.spawn(async move {
                if !self
                    .store
                    .lease_delivery(&account, &delivery, later(now, ATTEMPT_LEASE))
                    .await?
                {
                    return Ok(DeliveryReport::default());
                }
                match self
                    .store
                    .get_webhook(&account, &delivery.webhook_id)
                    .await?
                {
                    Some(endpoint) if endpoint.is_active => {
                        self.attempt(&account, &delivery, &endpoint).await
                    }
                    found => {
                        let why = if found.is_some() {
                            "the endpoint is disabled"
                        } else {
                            "the endpoint was deleted"
                        };
                        let (after, record) = delivery.abandoned(why, Timestamp::now());
                        self.store
                            .record_attempt(&account, &delivery, &after, &record)
                            .await?;
                        Ok(DeliveryReport::default())
                    }
                }
            });
        }
        collect(attempts).await
    }

    /// Sends `delivery` to `endpoint` once and records the attempt with the delivery's next
    /// state (scheduled again on failure while attempts are left).
    async fn attempt(
        &self,
        account: &AccountId,
        delivery: &Delivery,
        endpoint: &WebhookEndpoint,
    ) -> Result<DeliveryReport, StoreError> {
        let attempt = self
            .attempt_now(
                account,
                delivery,
                endpoint,
                Some(self.config.retry_schedule),
            )
            .await?;
        Ok(DeliveryReport {
            attempts: 1,
            delivered: usize::from(attempt.result.delivered()),
        })
    }

    /// Sends `delivery` to `endpoint` now and records the attempt: on failure the delivery is
    /// scheduled again on `retries` while attempts are left (without, it ends; see
    /// `Delivery::attempted`). A concurrent attempt that recorded first wins the record; this
    /// one's outcome is still returned.
    pub async fn attempt_now(
        &self,
        account: &AccountId,
        delivery: &Delivery,
        endpoint: &WebhookEndpoint,
        retries: Option<RetrySchedule>,
    ) -> Result<Attempt, StoreError> {
        let result = send_event(
            endpoint,
            &delivery.event_id,
            &delivery.event,
            delivery.body.as_bytes(),
            Timestamp::now(),
            self.config.webhooks_allow_loopback,
        )
        .await;
        if let Some(error) = &result.error {
            tracing::info!(delivery = %delivery.id, webhook = %endpoint.id, detail = %error, "delivery attempt failed");
        }
        let (after, attempt) = delivery.attempted(result, Timestamp::now(), retries);
        if !self
            .store
            .record_attempt(account, delivery, &after, &attempt)
            .await?
        {
            tracing::info!(delivery = %delivery.id, "another attempt was recorded first");
        }
        Ok(attempt)
    }

    /// The account's endpoints (at most `WebhookEndpoint::MAX_PER_ACCOUNT`, so one page).
    async fn endpoints(&self, account: &AccountId) -> Result<Vec<WebhookEndpoint>, StoreError> {
        let page = PageRequest {
            limit: PageLimit::new(i128::from(WebhookEndpoint::MAX_PER_ACCOUNT)).unwrap_or_default(),
            after: None,
        };
        Ok(self.store.list_webhooks(account, &page).await?.items)
    }

    /// What the change's event data needs besides the changed object.
    async fn related(&self, change: &Change) -> Result<Related, StoreError> {
        let (customer, invoice) = match &change.new {
            Subject::Payment(payment) => (payment.customer_id.clone(), payment.invoice_id.clone()),
            Subject::Invoice(invoice) => (Some(invoice.customer_id.clone()), None),
            Subject::Customer(_) => (None, None),
        };
        let mut related = Related::default();
        if let Some(id) = customer {
            related.customer = self.store.get_customer_by_id(&change.account, &id).await?;
        }
        if let Some(id) = invoice {
            related.invoice = self.store.get_invoice(&change.account, &id).await?;
        }
        Ok(related)
    }
}

async fn collect(
    mut attempts: JoinSet<Result<DeliveryReport, StoreError>>,
) -> Result<DeliveryReport, StoreError> {
    let mut report = DeliveryReport::default();
    let mut failure = None;
    while let Some(joined) = attempts.join_next().await {
        match joined {
            Ok(Ok(done)) => report.add(done),
            Ok(Err(error)) => failure = Some(error),
            Err(panicked) => {
                failure = Some(StoreError::Internal(format!("delivery task: {panicked}")))
            }
        }
    }
    match failure {
        Some(error) => Err(error),
        None => Ok(report),
    }
}
