//! Payments: hosted links and off-session charges, and the rules of their life cycle.

use super::Invalid;
use super::customer::CustomerRef;
use super::ids::{CustomerId, InvoiceId, PaymentId, StripeAccountId};
use super::money::{Amounts, Currency, PaymentAmount};
use super::text::{Description, Metadata, SuccessUrl};
use super::time::Timestamp;

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Result<Self, Invalid> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(Invalid::new(format!(
                        "must be one of: {}",
                        [$($text),+].join(", ")
                    ))),
                }
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum!(
    /// A link is paid by the payer on the hosted page; a charge takes a vaulted method off-session.
    PaymentKind { Link => "link", Charge => "charge" }
);

wire_enum!(
    PaymentStatus {
        Pending => "pending",
        Processing => "processing",
        Succeeded => "succeeded",
        RequiresAction => "requires_action",
        Failed => "failed",
        Canceled => "canceled",
    }
);

wire_enum!(
    /// Who moves the money: `commet` is the built-in sandbox provider.
    Provider { Commet => "commet", Stripe => "stripe" }
);

/// How long a hosted-page attempt may sit in `processing` before the payer may try again: an
/// invocation that died mid-attempt must not lock the link forever.
pub const STALE_ATTEMPT_SECONDS: i64 = 120;

/// Where one payment's money moves, recorded with it: every later step (the page, the return
/// from the bank, Stripe's event, the reconciler) goes to the same place, whatever the account's
/// settings are by then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub provider: Provider,
    /// With Stripe: the connected account, or `None` for the deployment's own.
    pub stripe_account: Option<StripeAccountId>,
    /// Live money (Stripe's live keys), or test (the sandbox, or Stripe's test keys).
    pub livemode: bool,
}

impl Route {
    /// The built-in sandbox.
    pub fn sandbox() -> Self {
        Self {
            provider: Provider::Commet,
            stripe_account: None,
            livemode: false,
        }
    }

    /// The payment's own.
    pub fn of(payment: &Payment) -> Self {
        Self {
            provider: payment.provider,
            stripe_account: payment.stripe_account.clone(),
            livemode: payment.livemode,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: PaymentId,
    pub customer_id: Option<CustomerId>,
    pub kind: PaymentKind,
    pub status: PaymentStatus,
    pub provider: Provider,
    /// With Stripe: the connected account the payment is made on (`None`: the deployment's
    /// own). Internal: not on the wire.
    pub stripe_account: Option<StripeAccountId>,
    pub amounts: Amounts,
    pub currency: Currency,
    pub description: Description,
    pub metadata: Option<Metadata>,
    /// The hosted payment page of a link; `None` for charges.
    pub url: Option<String>,
    pub success_url: Option<SuccessUrl>,
    /// The invoice of the attempt that completed it (succeeded, or a declined charge).
    pub invoice_id: Option<InvoiceId>,
    /// Why the last attempt failed, while the payment is `failed` or `requires_action`.
    pub failure: Option<Failure>,
    /// The card of the last attempt: brand and last four digits only.
    pub card: Option<CardSummary>,
    /// The provider's own id for the money movement (Stripe's PaymentIntent `pi_…`), once known.
    pub provider_reference: Option<String>,
    /// When the current hosted-page attempt began, while the link is `processing`.
    pub attempt_started_at: Option<Timestamp>,
    /// While the current attempt is one that took over another left `processing` (whose
    /// provider payment may still be open, or have paid): when the earliest attempt taken over
    /// in a row began.
    pub unsettled_since: Option<Timestamp>,
    /// While `processing`: the provider's ids of the payments (Stripe's PaymentIntents) that the
    /// current attempt and those it took over made, each recorded before it could be paid, so
    /// that whatever settles the link finds every one of them.
    pub open_references: Vec<String>,
    /// What the provider has returned to the payer (refunds made at Stripe), once any.
    pub refunds: Option<Refunds>,
    /// The cardholder's dispute (chargeback) of the payment's charge, once the provider reports
    /// one (the rules in `dispute`).
    pub dispute: Option<Dispute>,
    /// When it was paid: set by the completion that made it `succeeded` (absent from payments
    /// completed before it was recorded, whose paid invoice's creation says the same).
    pub paid_at: Option<Timestamp>,
    /// When a link's last attempt on its hosted page began, kept once it ends: its
    /// transaction's start (`transaction_started_at`). `None` for a link never tried, a charge
    /// (made as it is tried) and links last tried under a release that did not record it.
    pub attempted_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub livemode: bool,
}

/// Money returned to the payer so far, in minor units of the payment's currency (the rules in
/// `refund`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refunds {
    /// All refunds together; never more than the payment's total.
    pub total: u64,
    /// The latest refund recorded: what the last report added (`payment.refunded`'s
    /// `refundAmount`).
    pub last: u64,
}

wire_enum!(
    /// Where a dispute stands: open until the provider closes it won or lost.
    DisputeStatus { Open => "open", Won => "won", Lost => "lost" }
);

/// A dispute (chargeback) of a payment's charge, as its provider last reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute {
    /// The provider's id for it (Stripe's `dp_…`).
    pub id: String,
    /// The contested amount, in minor units of the payment's currency.
    pub amount: u64,
    /// The provider's reason code (`fraudulent`, `product_not_received`, …), if it gives one.
    pub reason: Option<String>,
    pub status: DisputeStatus,
}

/// A provider's reason for refusing an attempt: a stable code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardSummary {
    pub brand: String,
    pub last4: String,
}

/// A validated request to charge a customer's vaulted payment method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCharge {
    pub customer: CustomerRef,
    pub amount: PaymentAmount,
    pub currency: Currency,
    pub description: Description,
    pub metadata: Option<Metadata>,
}

/// A validated request for a payment link, before ids, tax and provider are decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    pub amount: PaymentAmount,
    pub currency: Currency,
    pub description: Description,
    pub customer: Option<CustomerRef>,
    pub success_url: Option<SuccessUrl>,
    pub metadata: Option<Metadata>,
}

/// What cancelling a payment in its current state does (docs/contract.md §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelDecision {
    /// A pending link: becomes canceled.
    Cancel,
    /// Already canceled: answered as is, nothing changes.
    AlreadyCanceled,
    /// A charge, or a link past pending: refused.
    NotCancelable,
}

impl Payment {
    /// A new link in `pending`, whose hosted page lives at `<page_base_url>/pay/<id>`.
    /// `tax` is decided by the caller from the account's rates and the customer's address.
    pub fn new_link(
        request: NewLink,
        customer_id: Option<CustomerId>,
        tax: u64,
        route: Route,
        page_base_url: &str,
        now: Timestamp,
    ) -> Self {
        let id = PaymentId::generate();
        let url = format!("{}/pay/{}", page_base_url.trim_end_matches('/'), id);
        Self {
            id,
            customer_id,
            kind: PaymentKind::Link,
            status: PaymentStatus::Pending,
            provider: route.provider,
            stripe_account: route.stripe_account,
            amounts: Amounts::new(request.amount, tax),
            currency: request.currency,
            description: request.description,
            metadata: request.metadata,
            url: Some(url),
            success_url: request.success_url,
            invoice_id: None,
            failure: None,
            card: None,
            provider_reference: None,
            attempt_started_at: None,
            unsettled_since: None,
            open_references: Vec::new(),
            refunds: None,
            dispute: None,
            paid_at: None,
            attempted_at: None,
            created_at: now,
            updated_at: now,
            livemode: route.livemode,
        }
    }

    /// A new charge with `id` (generated, or derived from the request's Idempotency-Key),
    /// recorded as `processing` before the provider is asked, so that a charge in flight is never
    /// invisible.
    pub fn new_charge(
        id: PaymentId,
        request: NewCharge,
        customer_id: CustomerId,
        tax: u64,
        route: Route,
        now: Timestamp,
    ) -> Self {
        Self {
            id,
            customer_id: Some(customer_id),
            kind: PaymentKind::Charge,
            status: PaymentStatus::Processing,
            provider: route.provider,
            stripe_account: route.stripe_account,
            amounts: Amounts::new(request.amount, tax),
            currency: request.currency,
            description: request.description,
            metadata: request.metadata,
            url: None,
            success_url: None,
            invoice_id: None,
            failure: None,
            card: None,
            provider_reference: None,
            attempt_started_at: None,
            unsettled_since: None,
            open_references: Vec::new(),
            refunds: None,
            dispute: None,
            paid_at: None,
            attempted_at: None,
            created_at: now,
            updated_at: now,
            livemode: route.livemode,
        }
    }

    /// Whether the payer may start an attempt on the hosted page: a link whose status is one of
    /// `ATTEMPTABLE`. The store's conditional write to `processing` is built from the same
    /// constant.
    pub fn accepts_attempt(&self) -> bool {
        self.kind == PaymentKind::Link && Self::ATTEMPTABLE.contains(&self.status)
    }

    /// The same at `now`, also taking over an attempt that has been `processing` for longer
    /// than `STALE_ATTEMPT`: its invocation died, and the link must not stay locked (the store's
    /// write to `processing` allows exactly this).
    pub fn accepts_attempt_at(&self, now: Timestamp) -> bool {
        let stale = |started: Timestamp| {
            now.datetime() - started.datetime() > time::Duration::seconds(STALE_ATTEMPT_SECONDS)
        };
        self.accepts_attempt()
            || (self.kind == PaymentKind::Link
                && self.status == PaymentStatus::Processing
                && self.attempt_started_at.is_some_and(stale))
    }

    /// While the link is `processing`: when the earliest of its attempts began whose provider
    /// payments may still be open (or have paid unrecorded), those of the current attempt and
    /// of the ones it took over. What settles the link must see the provider's payments since.
    pub fn open_attempts_since(&self) -> Option<Timestamp> {
        if self.status != PaymentStatus::Processing {
            return None;
        }
        self.unsettled_since.or(self.attempt_started_at)
    }

    /// The statuses of a link the payer may (again) try to pay.
    pub const ATTEMPTABLE: [PaymentStatus; 3] = [
        PaymentStatus::Pending,
        PaymentStatus::Failed,
        PaymentStatus::RequiresAction,
    ];

    /// The one kind and status that may be canceled (docs/contract.md §3.2): a pending link. Both
    /// `cancel_decision` and the store's conditional cancel are built from it.
    pub const CANCELABLE: (PaymentKind, PaymentStatus) =
        (PaymentKind::Link, PaymentStatus::Pending);

    pub fn cancel_decision(&self) -> CancelDecision {
        match (self.kind, self.status) {
            cancelable if cancelable == Self::CANCELABLE => CancelDecision::Cancel,
            (PaymentKind::Link, PaymentStatus::Canceled) => CancelDecision::AlreadyCanceled,
            _ => CancelDecision::NotCancelable,
        }
    }

    /// The payment as a cancel at `now` leaves it, if the rule lets it be canceled.
    pub fn canceled(&self, now: Timestamp) -> Option<Payment> {
        (self.cancel_decision() == CancelDecision::Cancel).then(|| Payment {
            status: PaymentStatus::Canceled,
            updated_at: now,
            ..self.clone()
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A sandbox link of 25.00 USD, pending.
    pub(crate) fn link() -> Payment {
        let request = NewLink {
            amount: PaymentAmount::new(2500).unwrap(),
            currency: Currency::parse("usd").unwrap(),
            description: Description::parse("Order 7").unwrap(),
            customer: None,
            success_url: None,
            metadata: None,
        };
        Payment::new_link(
            request,
            None,
            0,
            Route::sandbox(),
            "https://pay.example/",
            Timestamp::now(),
        )
    }

    /// `link()` paid through Stripe's PaymentIntent `pi_1`.
    pub(crate) fn paid() -> Payment {
        Payment {
            status: PaymentStatus::Succeeded,
            provider_reference: Some("pi_1".into()),
            ..link()
        }
    }

    /// `paid()` whose charge the cardholder disputed, the dispute `status`.
    pub(crate) fn disputed(status: DisputeStatus) -> Payment {
        Payment {
            dispute: Some(Dispute {
                id: "dp_1".into(),
                amount: 2500,
                reason: None,
                status,
            }),
            ..paid()
        }
    }

    #[test]
    fn new_link_is_pending_with_its_page_url() {
        let payment = link();
        assert_eq!(payment.kind, PaymentKind::Link);
        assert_eq!(payment.status, PaymentStatus::Pending);
        assert_eq!(
            payment.url.as_deref(),
            Some(format!("https://pay.example/pay/{}", payment.id).as_str())
        );
        assert_eq!(payment.amounts.total(), 2500);
        assert_eq!(payment.created_at, payment.updated_at);
    }

    #[test]
    fn only_a_pending_link_is_cancelable() {
        let mut payment = link();
        assert_eq!(payment.cancel_decision(), CancelDecision::Cancel);
        payment.status = PaymentStatus::Canceled;
        assert_eq!(payment.cancel_decision(), CancelDecision::AlreadyCanceled);
        for status in [
            PaymentStatus::Processing,
            PaymentStatus::Succeeded,
            PaymentStatus::RequiresAction,
            PaymentStatus::Failed,
        ] {
            payment.status = status;
            assert_eq!(payment.cancel_decision(), CancelDecision::NotCancelable);
        }
    }

    #[test]
    fn canceling_moves_only_a_pending_link_and_stamps_it() {
        let payment = link();
        let later = Timestamp::parse("2030-01-01T00:00:00.000Z").unwrap();
        let canceled = payment.canceled(later).unwrap();
        assert_eq!(canceled.status, PaymentStatus::Canceled);
        assert_eq!(canceled.updated_at, later);
        assert_eq!(canceled.created_at, payment.created_at);
        assert!(canceled.canceled(later).is_none(), "already canceled");
    }

    #[test]
    fn a_charge_is_never_cancelable() {
        let mut payment = link();
        payment.kind = PaymentKind::Charge;
        for status in PaymentStatus::ALL {
            payment.status = *status;
            assert_eq!(payment.cancel_decision(), CancelDecision::NotCancelable);
        }
    }

    #[test]
    fn a_processing_links_open_attempts_go_back_to_the_earliest_taken_over() {
        let mut payment = link();
        let first = Timestamp::parse("2026-01-01T00:00:00.000Z").unwrap();
        let current = Timestamp::parse("2026-01-01T00:05:00.000Z").unwrap();
        payment.status = PaymentStatus::Processing;
        payment.attempt_started_at = Some(current);
        assert_eq!(payment.open_attempts_since(), Some(current));
        payment.unsettled_since = Some(first);
        assert_eq!(payment.open_attempts_since(), Some(first));
        for status in [
            PaymentStatus::Pending,
            PaymentStatus::Failed,
            PaymentStatus::Succeeded,
        ] {
            payment.status = status;
            assert_eq!(payment.open_attempts_since(), None, "{status:?}");
        }
    }

    #[test]
    fn an_attempt_processing_for_longer_than_the_stale_limit_can_be_taken_over() {
        let mut payment = link();
        let started = Timestamp::parse("2026-01-01T00:00:00.000Z").unwrap();
        let at = |seconds| Timestamp::from_unix_millis((1_767_225_600 + seconds) * 1000).unwrap();
        payment.status = PaymentStatus::Processing;
        payment.attempt_started_at = Some(started);
        assert!(!payment.accepts_attempt_at(at(STALE_ATTEMPT_SECONDS)));
        assert!(payment.accepts_attempt_at(at(STALE_ATTEMPT_SECONDS + 1)));
        payment.attempt_started_at = None;
        assert!(!payment.accepts_attempt_at(at(10_000)));
        payment.kind = PaymentKind::Charge;
        payment.attempt_started_at = Some(started);
        assert!(
            !payment.accepts_attempt_at(at(10_000)),
            "charges have no page"
        );
    }

    #[test]
    fn attempts_only_on_links_that_are_not_settled() {
        let mut payment = link();
        for (status, accepts) in [
            (PaymentStatus::Pending, true),
            (PaymentStatus::Failed, true),
            (PaymentStatus::RequiresAction, true),
            (PaymentStatus::Processing, false),
            (PaymentStatus::Succeeded, false),
            (PaymentStatus::Canceled, false),
        ] {
            payment.status = status;
            assert_eq!(payment.accepts_attempt(), accepts, "{status:?}");
        }
        payment.status = PaymentStatus::Pending;
        payment.kind = PaymentKind::Charge;
        assert!(!payment.accepts_attempt());
    }

    #[test]
    fn wire_names_round_trip() {
        for status in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(status.as_str()).unwrap(), *status);
        }
        assert!(PaymentStatus::parse("Pending").is_err());
    }
}
