//! Deliveries of events to webhook endpoints and their retry schedule (docs/contract.md §5): an
//! event goes to an endpoint up to `MAX_ATTEMPTS` times, the retries 1 min, 5 min, 15 min,
//! 30 min, 1 h, 2 h and 4 h after the attempt before, until the receiver answers 2xx.

use std::time::Duration;

use super::Invalid;
use super::ids::{AttemptId, DeliveryId, EventId, WebhookId};
use super::payment::wire_enum;
use super::time::Timestamp;

/// Attempts of one delivery, the first included.
pub const MAX_ATTEMPTS: u32 = 8;

/// Minutes from each failed attempt to the next, in order.
pub const RETRY_MINUTES: [u64; (MAX_ATTEMPTS - 1) as usize] = [1, 5, 15, 30, 60, 120, 240];

/// How long an attempt may hold a delivery before another may take it over: well past the
/// delivery timeout, so two attempts never overlap unless one died.
pub const ATTEMPT_LEASE: Duration = Duration::from_secs(60);

/// How long attempts and deliveries are kept (then DynamoDB's TTL removes them).
pub const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

wire_enum!(
    DeliveryStatus {
        Pending => "pending",
        Delivered => "delivered",
        Failed => "failed",
    }
);

/// One event on its way to one endpoint. `body` is signed and sent as it is on every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    /// The event's type (`webhook.test` for a test delivery).
    pub event: String,
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// When the next attempt is due, while `pending`.
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub livemode: bool,
}

/// How an attempt went: the receiver's status code, or why there was none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptResult {
    pub status_code: Option<u16>,
    pub duration: Duration,
    pub error: Option<String>,
}

impl AttemptResult {
    pub fn delivered(&self) -> bool {
        self.status_code
            .is_some_and(|code| (200..300).contains(&code))
    }
}

/// One attempt as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: AttemptId,
    pub delivery_id: DeliveryId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    pub event: String,
    /// 1 for the first.
    pub number: u32,
    pub result: AttemptResult,
    /// When the one after it is due; `None` if it delivered or was the last.
    pub next_attempt_at: Option<Timestamp>,
    pub attempted_at: Timestamp,
    pub livemode: bool,
}

/// The retry schedule, with the length of its "minute": 60 s in production, 1 s where a local
/// stack wants retries within seconds (`WEBHOOK_RETRY_MINUTE_SECONDS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySchedule {
    pub minute: Duration,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self {
            minute: Duration::from_secs(60),
        }
    }
}

impl RetrySchedule {
    /// How long after attempt `number` (1-based) failed the next one is due; `None` after the
    /// last.
    pub fn delay_after(&self, number: u32) -> Option<Duration> {
        let index = usize::try_from(number.checked_sub(1)?).ok()?;
        RETRY_MINUTES.get(index).map(|minutes| {
            self.minute
                .saturating_mul(u32::try_from(*minutes).unwrap_or(u32::MAX))
        })
    }
}

pub fn later(at: Timestamp, by: Duration) -> Timestamp {
    Timestamp::from_datetime(at.datetime() + by)
}

impl Delivery {
    /// A new delivery of an event to an endpoint, its first attempt leased to its creator. Its id
    /// is derived from the event and the endpoint: an event read twice opens it once.
    pub fn open(
        webhook_id: WebhookId,
        event_id: EventId,
        event: &str,
        body: String,
        now: Timestamp,
        livemode: bool,
    ) -> Self {
        Self {
            id: DeliveryId::derive(now, &[event_id.as_str(), webhook_id.as_str()]),
            webhook_id,
            event_id,
            event: event.to_owned(),
            body,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: Some(later(now, ATTEMPT_LEASE)),
            created_at: now,
            livemode,
        }
    }

    /// The delivery after one more attempt with `result` at `at`, and the attempt's record. A
    /// failure schedules the next attempt on `retries` while any are left; without `retries` (a
    /// test delivery, a manual retry of a delivery that has ended) a pending delivery fails and
    /// an ended one keeps its status unless it now delivers.
    pub fn attempted(
        &self,
        result: AttemptResult,
        at: Timestamp,
        retries: Option<RetrySchedule>,
    ) -> (Delivery, Attempt) {
        let number = self.attempts + 1;
        let (status, next) = if result.delivered() {
            (DeliveryStatus::Delivered, None)
        } else {
            match retries {
                None if self.status == DeliveryStatus::Pending => (DeliveryStatus::Failed, None),
                None => (self.status, None),
                Some(schedule) => match schedule.delay_after(number) {
                    Some(delay) => (DeliveryStatus::Pending, Some(later(at, delay))),
                    None => (DeliveryStatus::Failed, None),
                },
            }
        };
        let attempt = Attempt {
            id: AttemptId::derive(at, &[self.id.as_str(), &number.to_string()]),
            delivery_id: self.id.clone(),
            webhook_id: self.webhook_id.clone(),
            event_id: self.event_id.clone(),
            event: self.event.clone(),
            number,
            result,
            next_attempt_at: next,
            attempted_at: at,
            livemode: self.livemode,
        };
        let after = Delivery {
            status,
            attempts: number,
            next_attempt_at: next,
            ..self.clone()
        };
        (after, attempt)
    }

    /// The delivery ended without an attempt because its endpoint is gone or disabled.
    pub fn abandoned(&self, why: &str, at: Timestamp) -> (Delivery, Attempt) {
        let result = AttemptResult {
            status_code: None,
            duration: Duration::ZERO,
            error: Some(why.to_owned()),
        };
        self.attempted(result, at, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn delivery() -> Delivery {
        Delivery::open(
            WebhookId::generate(),
            EventId::generate(),
            "payment_link.completed",
            "{}".into(),
            at("2026-01-01T00:00:00.000Z"),
            false,
        )
    }

    fn failed() -> AttemptResult {
        AttemptResult {
            status_code: Some(500),
            duration: Duration::from_millis(12),
            error: None,
        }
    }

    #[test]
    fn the_schedule_is_the_contracts() {
        let schedule = RetrySchedule::default();
        let delays: Vec<u64> = (1..=7)
            .map(|n| schedule.delay_after(n).unwrap().as_secs())
            .collect();
        assert_eq!(delays, [60, 300, 900, 1800, 3600, 7200, 14400]);
        assert_eq!(schedule.delay_after(8), None);
        assert_eq!(schedule.delay_after(0), None);
        let fast = RetrySchedule {
            minute: Duration::from_secs(1),
        };
        assert_eq!(fast.delay_after(7), Some(Duration::from_secs(240)));
    }

    #[test]
    fn eight_failures_end_the_delivery_and_a_2xx_ends_it_at_once() {
        let mut current = delivery();
        let mut now = at("2026-01-01T00:00:00.000Z");
        for number in 1..=MAX_ATTEMPTS {
            let (after, attempt) = current.attempted(failed(), now, Some(RetrySchedule::default()));
            assert_eq!(attempt.number, number);
            if number < MAX_ATTEMPTS {
                assert_eq!(after.status, DeliveryStatus::Pending);
                assert!(after.next_attempt_at.unwrap() > now);
                now = after.next_attempt_at.unwrap();
            } else {
                assert_eq!(after.status, DeliveryStatus::Failed);
                assert_eq!(after.next_attempt_at, None);
            }
            current = after;
        }
        let ok = AttemptResult {
            status_code: Some(204),
            ..failed()
        };
        let (after, attempt) = delivery().attempted(ok, now, Some(RetrySchedule::default()));
        assert_eq!(after.status, DeliveryStatus::Delivered);
        assert_eq!(attempt.next_attempt_at, None);
    }

    #[test]
    fn ids_are_derived_so_a_repeated_event_opens_one_delivery() {
        let first = delivery();
        let again = Delivery::open(
            first.webhook_id.clone(),
            first.event_id.clone(),
            "payment_link.completed",
            "{}".into(),
            at("2026-01-01T00:00:00.000Z"),
            false,
        );
        assert_eq!(first.id, again.id);
        let now = at("2026-01-01T00:00:01.000Z");
        let (_, one) = first.attempted(failed(), now, Some(RetrySchedule::default()));
        let (_, two) = again.attempted(failed(), now, Some(RetrySchedule::default()));
        assert_eq!(one.id, two.id);
    }

    #[test]
    fn a_manual_retry_of_an_ended_delivery_does_not_reopen_it() {
        let (failed_for_good, _) =
            delivery().abandoned("endpoint deleted", at("2026-01-01T00:00:01.000Z"));
        assert_eq!(failed_for_good.status, DeliveryStatus::Failed);
        let (after, _) = failed_for_good.attempted(failed(), at("2026-01-01T00:00:02.000Z"), None);
        assert_eq!(after.status, DeliveryStatus::Failed);
        assert_eq!(after.next_attempt_at, None);
    }
}
