//! Which events a committed change causes (docs/contract.md §5). The table's stream hands over
//! each changed object as it was and as it is; the events follow from the difference alone, so a
//! refused or rolled-back change (never committed) and a no-op (nothing differs that an event
//! speaks of) cause none.

use super::customer::Customer;
use super::ids::{AccountId, EventId};
use super::invoice::{Invoice, InvoiceStatus};
use super::payment::{Payment, PaymentKind, PaymentStatus};
use super::time::Timestamp;
use super::webhook::EventType;

/// An object as a committed write left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Payment(Payment),
    Invoice(Invoice),
    Customer(Customer),
}

impl Subject {
    fn id(&self) -> &str {
        match self {
            Subject::Payment(payment) => payment.id.as_str(),
            Subject::Invoice(invoice) => invoice.id.as_str(),
            Subject::Customer(customer) => customer.id.as_str(),
        }
    }

    fn updated_at(&self) -> Timestamp {
        match self {
            Subject::Payment(payment) => payment.updated_at,
            Subject::Invoice(invoice) => invoice.updated_at,
            Subject::Customer(customer) => customer.updated_at,
        }
    }

    pub fn livemode(&self) -> bool {
        match self {
            Subject::Payment(payment) => payment.livemode,
            Subject::Invoice(invoice) => invoice.livemode,
            Subject::Customer(customer) => customer.livemode,
        }
    }
}

/// One committed write of one object: `old` is `None` when it created the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub account: AccountId,
    pub old: Option<Subject>,
    pub new: Subject,
    /// The object's write counter after this write: two writes of one object within the same
    /// millisecond still differ by it.
    pub version: u64,
}

/// An event a change caused: its type, its id and when it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub event: EventType,
    pub id: EventId,
    pub at: Timestamp,
}

impl Change {
    /// The events this change causes, in the order a receiver should see them.
    pub fn events(&self) -> Vec<EventType> {
        match (&self.old, &self.new) {
            (None, Subject::Payment(new)) => payment_events(None, new),
            (Some(Subject::Payment(old)), Subject::Payment(new)) => payment_events(Some(old), new),
            (None, Subject::Invoice(_)) => vec![EventType::InvoiceCreated],
            (Some(Subject::Invoice(old)), Subject::Invoice(new)) => {
                let voided = old.status != InvoiceStatus::Void && new.status == InvoiceStatus::Void;
                if voided {
                    vec![EventType::InvoiceVoided]
                } else {
                    Vec::new()
                }
            }
            (old, Subject::Customer(new)) => {
                let old = match old {
                    Some(Subject::Customer(old)) => Some(old),
                    _ => None,
                };
                customer_events(old, new)
            }
            // An item cannot change kind under one key.
            _ => Vec::new(),
        }
    }

    /// The events with their ids. An id is derived from the account, the object, the event and
    /// the write (its time and the object's write counter), so the same change read twice (a
    /// stream record delivered again) gives the same ids, and receivers can deduplicate by them,
    /// while two updates within one millisecond are two events.
    pub fn occurrences(&self) -> Vec<Occurrence> {
        let at = self.new.updated_at();
        let revision = format!("{at}/{}", self.version);
        self.events()
            .into_iter()
            .map(|event| Occurrence {
                event,
                id: EventId::derive(
                    at,
                    &[
                        self.account.as_str(),
                        self.new.id(),
                        event.as_str(),
                        &revision,
                    ],
                ),
                at,
            })
            .collect()
    }
}

fn payment_events(old: Option<&Payment>, new: &Payment) -> Vec<EventType> {
    if let Some(old) = old
        && old.status == new.status
    {
        let mut events = Vec::new();
        if new.refunded_total() > old.refunded_total() {
            events.push(EventType::PaymentRefunded);
        }
        events.extend(dispute_events(Some(old), new));
        return events;
    }
    let link = new.kind == PaymentKind::Link;
    match new.status {
        PaymentStatus::Pending if link && old.is_none() => vec![EventType::PaymentLinkCreated],
        // Paid with a dispute already (the sandbox's dispute test card): received, then disputed.
        PaymentStatus::Succeeded if link => [
            vec![EventType::PaymentLinkCompleted, EventType::PaymentReceived],
            dispute_events(old, new),
        ]
        .concat(),
        PaymentStatus::Succeeded => {
            [vec![EventType::PaymentReceived], dispute_events(old, new)].concat()
        }
        PaymentStatus::Failed | PaymentStatus::RequiresAction if link => {
            vec![EventType::PaymentLinkFailed]
        }
        PaymentStatus::Failed | PaymentStatus::RequiresAction => vec![EventType::PaymentFailed],
        PaymentStatus::Canceled if link => vec![EventType::PaymentLinkCanceled],
        _ => Vec::new(),
    }
}

/// A dispute opened, and closed: a closed one first heard of is both.
fn dispute_events(old: Option<&Payment>, new: &Payment) -> Vec<EventType> {
    let stage = |payment: &Payment| payment.dispute.as_ref().map_or(0, |d| d.status.stage());
    let (before, after) = (old.map_or(0, stage), stage(new));
    let mut events = Vec::new();
    if before == 0 && after > 0 {
        events.push(EventType::PaymentDisputed);
    }
    if before < 2 && after == 2 {
        events.push(EventType::PaymentDisputeResolved);
    }
    events
}

fn customer_events(old: Option<&Customer>, new: &Customer) -> Vec<EventType> {
    let mut events = Vec::new();
    match old {
        None => events.push(EventType::CustomerCreated),
        Some(old) if old.profile_differs(new) => events.push(EventType::CustomerUpdated),
        Some(_) => {}
    }
    let old_card = old.and_then(|old| old.payment_method.as_ref());
    if let Some(card) = &new.payment_method
        && old_card.is_none_or(|old_card| old_card.token != card.token)
    {
        events.push(EventType::PaymentMethodAttached);
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::card::PaymentMethod;
    use crate::domain::customer::{CustomerChanges, NewCustomer};
    use crate::domain::money::{Currency, PaymentAmount};
    use crate::domain::payment::{NewLink, Route};
    use crate::domain::text::{Description, Email, FullName};

    const CREATED: &str = "2026-01-01T00:00:00.000Z";

    fn payment(kind: PaymentKind, status: PaymentStatus) -> Payment {
        let link = Payment::new_link(
            NewLink {
                amount: PaymentAmount::new(2500).unwrap(),
                currency: Currency::parse("usd").unwrap(),
                description: Description::parse("Event test").unwrap(),
                customer: None,
                success_url: None,
                metadata: None,
            },
            None,
            0,
            Route::sandbox(),
            "http://127.0.0.1:9000",
            Timestamp::parse(CREATED).unwrap(),
        );
        Payment {
            kind,
            status,
            ..link
        }
    }

    fn customer() -> Customer {
        Customer::create(
            NewCustomer::with_email(Email::parse("payer@example.com").unwrap()),
            Timestamp::parse(CREATED).unwrap(),
            false,
        )
    }

    fn invoice() -> Invoice {
        let paid = payment(PaymentKind::Charge, PaymentStatus::Succeeded);
        Invoice::for_payment(
            &paid,
            customer().id,
            InvoiceStatus::Outstanding,
            Timestamp::parse(CREATED).unwrap(),
        )
    }

    fn change(old: Option<Subject>, new: Subject) -> Change {
        Change {
            account: AccountId::generate(),
            old,
            new,
            version: 1,
        }
    }

    fn with_status(payment: &Payment, status: PaymentStatus, at: &str) -> Payment {
        Payment {
            status,
            updated_at: Timestamp::parse(at).unwrap(),
            ..payment.clone()
        }
    }

    #[test]
    fn link_life_cycle_events() {
        let link = payment(PaymentKind::Link, PaymentStatus::Pending);
        let created = change(None, Subject::Payment(link.clone()));
        assert_eq!(created.events(), [EventType::PaymentLinkCreated]);
        let processing = with_status(&link, PaymentStatus::Processing, "2026-01-01T00:00:01.000Z");
        let started = change(
            Some(Subject::Payment(link.clone())),
            Subject::Payment(processing.clone()),
        );
        assert!(started.events().is_empty(), "an attempt begins: no event");
        let failed = with_status(&link, PaymentStatus::Failed, "2026-01-01T00:00:02.000Z");
        assert_eq!(
            change(
                Some(Subject::Payment(processing.clone())),
                Subject::Payment(failed.clone())
            )
            .events(),
            [EventType::PaymentLinkFailed]
        );
        let paid = with_status(&link, PaymentStatus::Succeeded, "2026-01-01T00:00:03.000Z");
        assert_eq!(
            change(Some(Subject::Payment(processing)), Subject::Payment(paid)).events(),
            [EventType::PaymentLinkCompleted, EventType::PaymentReceived]
        );
        let canceled = with_status(&link, PaymentStatus::Canceled, "2026-01-01T00:00:04.000Z");
        assert_eq!(
            change(
                Some(Subject::Payment(link.clone())),
                Subject::Payment(canceled.clone())
            )
            .events(),
            [EventType::PaymentLinkCanceled]
        );
        assert!(
            change(
                Some(Subject::Payment(canceled.clone())),
                Subject::Payment(canceled)
            )
            .events()
            .is_empty(),
            "a second cancel is a no-op"
        );
    }

    #[test]
    fn charge_events() {
        let charge = payment(PaymentKind::Charge, PaymentStatus::Processing);
        assert!(
            change(None, Subject::Payment(charge.clone()))
                .events()
                .is_empty()
        );
        let paid = with_status(
            &charge,
            PaymentStatus::Succeeded,
            "2026-01-01T00:00:01.000Z",
        );
        assert_eq!(
            change(
                Some(Subject::Payment(charge.clone())),
                Subject::Payment(paid)
            )
            .events(),
            [EventType::PaymentReceived]
        );
        let declined = with_status(&charge, PaymentStatus::Failed, "2026-01-01T00:00:01.000Z");
        assert_eq!(
            change(Some(Subject::Payment(charge)), Subject::Payment(declined)).events(),
            [EventType::PaymentFailed]
        );
    }

    /// The charge a paid payment's reports are about.
    fn charge_of(paid: &Payment) -> crate::domain::charge_report::ReportedCharge {
        crate::domain::charge_report::ReportedCharge {
            reference: paid.provider_reference.clone().unwrap(),
            currency: paid.currency,
        }
    }

    #[test]
    fn each_larger_refunded_total_is_one_refund_event_and_nothing_else_is() {
        let paid = Payment {
            provider_reference: Some("pi_1".into()),
            ..payment(PaymentKind::Link, PaymentStatus::Succeeded)
        };
        let report = |total| crate::domain::refund::RefundReport {
            charge: charge_of(&paid),
            total,
        };
        let at = Timestamp::parse("2026-01-02T00:00:00.000Z").unwrap();
        let partly = paid.with_refund(&report(1000), at).unwrap();
        let fully = partly.with_refund(&report(2500), at).unwrap();
        for (old, new) in [(&paid, &partly), (&partly, &fully)] {
            assert_eq!(
                change(
                    Some(Subject::Payment(old.clone())),
                    Subject::Payment(new.clone())
                )
                .events(),
                [EventType::PaymentRefunded]
            );
        }
        let again = Payment {
            updated_at: Timestamp::parse("2026-01-03T00:00:00.000Z").unwrap(),
            ..fully.clone()
        };
        assert!(
            change(Some(Subject::Payment(fully)), Subject::Payment(again))
                .events()
                .is_empty(),
            "the same total again"
        );
    }

    #[test]
    fn a_dispute_is_announced_when_opened_and_when_closed() {
        use crate::domain::dispute::DisputeReport;
        use crate::domain::payment::{Dispute, DisputeStatus};
        let paid = Payment {
            provider_reference: Some("pi_1".into()),
            ..payment(PaymentKind::Charge, PaymentStatus::Succeeded)
        };
        let report = |status| DisputeReport {
            charge: charge_of(&paid),
            dispute: Dispute {
                id: "dp_1".into(),
                amount: 2500,
                reason: None,
                status,
            },
        };
        let at = Timestamp::parse("2026-01-02T00:00:00.000Z").unwrap();
        let open = paid.with_dispute(&report(DisputeStatus::Open), at).unwrap();
        let won = open.with_dispute(&report(DisputeStatus::Won), at).unwrap();
        let closed_at_once = paid.with_dispute(&report(DisputeStatus::Lost), at).unwrap();
        let events = |old: &Payment, new: &Payment| {
            change(
                Some(Subject::Payment(old.clone())),
                Subject::Payment(new.clone()),
            )
            .events()
        };
        assert_eq!(events(&paid, &open), [EventType::PaymentDisputed]);
        assert_eq!(events(&open, &won), [EventType::PaymentDisputeResolved]);
        assert_eq!(
            events(&paid, &closed_at_once),
            [
                EventType::PaymentDisputed,
                EventType::PaymentDisputeResolved
            ]
        );
        assert!(events(&won, &won).is_empty());
    }

    #[test]
    fn a_payment_paid_with_a_dispute_is_received_then_disputed() {
        use crate::domain::payment::{Dispute, DisputeStatus};
        let dispute = Some(Dispute {
            id: "dp_sbx_1".into(),
            amount: 2500,
            reason: Some("fraudulent".into()),
            status: DisputeStatus::Open,
        });
        for (kind, expected) in [
            (
                PaymentKind::Link,
                &[
                    EventType::PaymentLinkCompleted,
                    EventType::PaymentReceived,
                    EventType::PaymentDisputed,
                ][..],
            ),
            (
                PaymentKind::Charge,
                &[EventType::PaymentReceived, EventType::PaymentDisputed][..],
            ),
        ] {
            let processing = payment(kind, PaymentStatus::Processing);
            let paid = Payment {
                status: PaymentStatus::Succeeded,
                dispute: dispute.clone(),
                ..processing.clone()
            };
            assert_eq!(
                change(Some(Subject::Payment(processing)), Subject::Payment(paid)).events(),
                expected,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn invoice_and_customer_events() {
        let invoice = invoice();
        assert_eq!(
            change(None, Subject::Invoice(invoice.clone())).events(),
            [EventType::InvoiceCreated]
        );
        let void = Invoice {
            status: InvoiceStatus::Void,
            ..invoice.clone()
        };
        assert_eq!(
            change(
                Some(Subject::Invoice(invoice.clone())),
                Subject::Invoice(void.clone())
            )
            .events(),
            [EventType::InvoiceVoided]
        );
        assert!(
            change(Some(Subject::Invoice(void.clone())), Subject::Invoice(void))
                .events()
                .is_empty()
        );

        let customer = customer();
        assert_eq!(
            change(None, Subject::Customer(customer.clone())).events(),
            [EventType::CustomerCreated]
        );
        let card = PaymentMethod {
            token: "pm_sbx_1".into(),
            brand: "visa".into(),
            last4: "4242".into(),
            exp_month: 12,
            exp_year: 2030,
            provider_customer: None,
        };
        let carded = Customer {
            payment_method: Some(card.clone()),
            ..customer.clone()
        };
        assert_eq!(
            change(
                Some(Subject::Customer(customer)),
                Subject::Customer(carded.clone())
            )
            .events(),
            [EventType::PaymentMethodAttached]
        );
        assert!(
            change(
                Some(Subject::Customer(carded.clone())),
                Subject::Customer(carded.clone())
            )
            .events()
            .is_empty(),
            "the same card again is no event"
        );
        let other = Customer {
            payment_method: Some(PaymentMethod {
                token: "pm_sbx_2".into(),
                ..card
            }),
            ..carded.clone()
        };
        assert_eq!(
            change(Some(Subject::Customer(carded)), Subject::Customer(other)).events(),
            [EventType::PaymentMethodAttached]
        );
    }

    #[test]
    fn a_customer_update_is_reported_only_when_its_profile_changes() {
        let customer = customer();
        let later = Timestamp::parse("2026-01-02T00:00:00.000Z").unwrap();
        let renamed = customer.changed(
            &CustomerChanges {
                full_name: Some(Some(FullName::parse("Ada Lovelace").unwrap())),
                ..CustomerChanges::default()
            },
            later,
        );
        assert_eq!(
            change(
                Some(Subject::Customer(customer.clone())),
                Subject::Customer(renamed)
            )
            .events(),
            [EventType::CustomerUpdated]
        );
        let archived = customer.changed(
            &CustomerChanges {
                archived: Some(true),
                ..CustomerChanges::default()
            },
            later,
        );
        assert_eq!(
            change(
                Some(Subject::Customer(customer.clone())),
                Subject::Customer(archived)
            )
            .events(),
            [EventType::CustomerUpdated]
        );
        let touched = customer.changed(&CustomerChanges::default(), later);
        assert!(
            change(
                Some(Subject::Customer(customer)),
                Subject::Customer(touched)
            )
            .events()
            .is_empty(),
            "the same values again are no event"
        );
    }

    #[test]
    fn event_ids_are_derived_from_the_change() {
        let link = payment(PaymentKind::Link, PaymentStatus::Pending);
        let created = change(None, Subject::Payment(link.clone()));
        let again = created.clone();
        assert_eq!(created.occurrences(), again.occurrences());
        let [occurrence] = created.occurrences().try_into().unwrap();
        assert!(occurrence.id.as_str().starts_with("whev_"));
        assert_eq!(occurrence.at, link.updated_at);
        let elsewhere = Change {
            account: AccountId::generate(),
            ..created.clone()
        };
        assert_ne!(elsewhere.occurrences()[0].id, occurrence.id);
        let paid = change(
            Some(Subject::Payment(link.clone())),
            Subject::Payment(with_status(
                &link,
                PaymentStatus::Succeeded,
                "2026-01-01T00:00:03.000Z",
            )),
        );
        let ids: Vec<_> = paid.occurrences().into_iter().map(|o| o.id).collect();
        assert_ne!(ids[0], ids[1], "each event of a change has its own id");
    }

    #[test]
    fn two_updates_in_one_millisecond_are_two_events() {
        let before = customer();
        let renamed = |name: &str| {
            before.changed(
                &CustomerChanges {
                    full_name: Some(Some(FullName::parse(name).unwrap())),
                    ..CustomerChanges::default()
                },
                Timestamp::parse("2026-01-01T00:00:05.000Z").unwrap(),
            )
        };
        let first = Change {
            version: 2,
            ..change(
                Some(Subject::Customer(before.clone())),
                Subject::Customer(renamed("Ada")),
            )
        };
        let second = Change {
            account: first.account.clone(),
            old: Some(Subject::Customer(renamed("Ada"))),
            new: Subject::Customer(renamed("Grace")),
            version: 3,
        };
        let [first] = first.occurrences().try_into().unwrap();
        let [second] = second.occurrences().try_into().unwrap();
        assert_eq!(first.at, second.at);
        assert_eq!(first.event, EventType::CustomerUpdated);
        assert_ne!(first.id, second.id);
    }
}
