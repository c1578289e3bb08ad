//! How often invoices may be e-mailed on request (`invoices.send`), so that a merchant's retry
//! loop or a leaked key cannot fill a customer's inbox (nor spend the account's sending
//! reputation): each invoice, and each customer whatever the invoice, has a `MailLimit` of
//! mails at once and then one per interval. This is the generic cell rate algorithm: the
//! whole state of a pace is one time, when the mails sent so far, spaced one interval apart,
//! would all be behind. The store keeps each pace as an item of its own (not on the invoice or
//! the customer, which a mail does not change) and moves both in the very write that records a
//! mail, on the condition that each is still what was read.

use std::time::Duration;

use super::delivery::later;
use super::time::Timestamp;

/// How many mails may go at once, and past them one per how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailLimit {
    pub burst: u32,
    pub interval: Duration,
}

const HOUR: Duration = Duration::from_secs(60 * 60);

/// Whose pace held a mail back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paced {
    Invoice,
    Customer,
}

impl Paced {
    pub const fn limit(self) -> MailLimit {
        match self {
            // A resend to a corrected address, a reminder or two.
            Self::Invoice => MailLimit {
                burst: 5,
                interval: HOUR,
            },
            // Every open invoice of a customer reminded at once, not a loop over many invoices.
            Self::Customer => MailLimit {
                burst: 20,
                interval: HOUR,
            },
        }
    }
}

/// The pace of one invoice's mails, or one customer's: `None` until first sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SendPace(Option<Timestamp>);

/// Whether a mail may go now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendAllowance {
    /// It may, and sending it leaves the pace busy until this.
    Send { busy_until: Timestamp },
    /// Not for this long.
    Wait(Duration),
}

/// The two paces a mail of an invoice moves, its own and its customer's: as read
/// (`MailPaces<SendPace>`), or until when each is busy once it goes (`MailPaces<Timestamp>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailPaces<T> {
    pub invoice: T,
    pub customer: T,
}

/// Why a mail may not go now: whose pace, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailHeldBack {
    pub paced: Paced,
    pub wait: Duration,
}

/// A mail of an invoice to its customer at `now`, their paces as `seen`: both paces as it
/// leaves them, or the longer wait if either refuses (a retry then passes both).
pub fn mail_allowance(
    seen: MailPaces<SendPace>,
    now: Timestamp,
) -> Result<MailPaces<Timestamp>, MailHeldBack> {
    let judged = |paced: Paced, pace: SendPace| match pace.allowance(paced.limit(), now) {
        SendAllowance::Send { busy_until } => Ok(busy_until),
        SendAllowance::Wait(wait) => Err(MailHeldBack { paced, wait }),
    };
    match (
        judged(Paced::Invoice, seen.invoice),
        judged(Paced::Customer, seen.customer),
    ) {
        (Ok(invoice), Ok(customer)) => Ok(MailPaces { invoice, customer }),
        (Err(held), Ok(_)) | (Ok(_), Err(held)) => Err(held),
        (Err(by_invoice), Err(by_customer)) => {
            Err(std::cmp::max_by_key(by_invoice, by_customer, |held| {
                held.wait
            }))
        }
    }
}

impl SendPace {
    pub fn new(busy_until: Option<Timestamp>) -> Self {
        Self(busy_until)
    }

    /// When the mails sent so far, one interval apart, are all behind; `None` if never sent.
    pub fn busy_until(&self) -> Option<Timestamp> {
        self.0
    }

    pub fn allowance(&self, limit: MailLimit, now: Timestamp) -> SendAllowance {
        let busy_until = self.0.filter(|until| *until > now).unwrap_or(now);
        let backlog = (busy_until.datetime() - now.datetime()).unsigned_abs();
        let tolerance = limit.interval * limit.burst.saturating_sub(1);
        match backlog.checked_sub(tolerance) {
            Some(wait) if !wait.is_zero() => SendAllowance::Wait(wait),
            _ => SendAllowance::Send {
                busy_until: later(busy_until, limit.interval),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_millis(1_795_000_000_000 + seconds * 1000).unwrap()
    }

    const INVOICE: MailLimit = Paced::Invoice.limit();

    fn send(pace: SendPace, now: Timestamp) -> SendPace {
        match pace.allowance(INVOICE, now) {
            SendAllowance::Send { busy_until } => SendPace::new(Some(busy_until)),
            SendAllowance::Wait(wait) => panic!("refused at {now}: wait {wait:?}"),
        }
    }

    #[test]
    fn a_burst_of_five_goes_at_once_and_the_sixth_waits_one_interval() {
        let mut pace = SendPace::default();
        for _ in 0..INVOICE.burst {
            pace = send(pace, at(0));
        }
        assert_eq!(pace.busy_until(), Some(at(5 * 3600)));
        assert_eq!(
            pace.allowance(INVOICE, at(0)),
            SendAllowance::Wait(Duration::from_secs(3600))
        );
        assert_eq!(
            pace.allowance(INVOICE, at(3599)),
            SendAllowance::Wait(Duration::from_secs(1))
        );
        let after = send(pace, at(3600));
        assert_eq!(after.busy_until(), Some(at(6 * 3600)));
        assert!(matches!(
            after.allowance(INVOICE, at(3600)),
            SendAllowance::Wait(_)
        ));
    }

    #[test]
    fn the_allowance_refills_one_mail_per_interval_up_to_the_burst() {
        let mut pace = SendPace::default();
        for _ in 0..INVOICE.burst {
            pace = send(pace, at(0));
        }
        // Two intervals later, two more go, and the third waits.
        pace = send(send(pace, at(7200)), at(7200));
        assert!(matches!(
            pace.allowance(INVOICE, at(7200)),
            SendAllowance::Wait(_)
        ));
        // Long idle: the backlog is gone, and the whole burst is back (not more).
        let mut idle = send(pace, at(100 * 3600));
        assert_eq!(idle.busy_until(), Some(at(101 * 3600)));
        for _ in 1..INVOICE.burst {
            idle = send(idle, at(100 * 3600));
        }
        assert!(matches!(
            idle.allowance(INVOICE, at(100 * 3600)),
            SendAllowance::Wait(_)
        ));
    }

    #[test]
    fn a_backlog_already_there_leaves_less_of_the_burst() {
        // One mail 50 minutes ago and one now: 1h10m of backlog.
        let pace = SendPace::new(Some(at(3600 + 600)));
        let mut sent = 0;
        let mut now_pace = pace;
        while let SendAllowance::Send { busy_until } = now_pace.allowance(INVOICE, at(0)) {
            now_pace = SendPace::new(Some(busy_until));
            sent += 1;
        }
        assert_eq!(sent, 3, "1h10m of backlog leaves room for 3 within 4h");
    }

    #[test]
    fn a_mail_goes_only_when_both_its_invoice_and_its_customer_have_room() {
        let never = SendPace::default();
        let paces = |invoice, customer| MailPaces { invoice, customer };
        // The customer's twenty at once are spent, the invoice was never mailed.
        let customer = SendPace::new(Some(at(20 * 3600)));
        assert_eq!(
            mail_allowance(paces(never, customer), at(0)),
            Err(MailHeldBack {
                paced: Paced::Customer,
                wait: Duration::from_secs(3600)
            })
        );
        // Both have room: each moves on by its own interval.
        assert_eq!(
            mail_allowance(paces(never, never), at(0)),
            Ok(MailPaces {
                invoice: at(3600),
                customer: at(3600)
            })
        );
        // Both refuse: the longer wait is the one worth retrying after.
        let invoice = SendPace::new(Some(at(5 * 3600 + 60)));
        let customer = SendPace::new(Some(at(20 * 3600 + 30)));
        assert_eq!(
            mail_allowance(paces(invoice, customer), at(0)),
            Err(MailHeldBack {
                paced: Paced::Invoice,
                wait: Duration::from_secs(3660)
            })
        );
    }
}
