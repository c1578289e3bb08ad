//! How often one invoice may be e-mailed on request (`invoices.send`): `BURST` mails at once,
//! then one per `INTERVAL`, so that a merchant's retry loop or a leaked key cannot fill a
//! customer's inbox (nor spend the account's sending reputation). This is the generic cell rate
//! algorithm: its whole state is one time, when the mails sent so far, spaced one interval apart,
//! would all be behind. The store keeps it on the invoice and changes it in the very write that
//! records a mail, on the condition that it is still what was read.

use std::time::Duration;

use super::delivery::later;
use super::time::Timestamp;

/// The pace of one invoice's mails: `None` until it is first sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SendPace(Option<Timestamp>);

/// Whether a mail may go now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendAllowance {
    /// It may, and sending it leaves the invoice busy until this.
    Send { busy_until: Timestamp },
    /// Not for this long.
    Wait(Duration),
}

impl SendPace {
    /// Mails one invoice may have at once (a resend to a corrected address, a reminder or two).
    pub const BURST: u32 = 5;
    /// Past the burst, one more mail per this long.
    pub const INTERVAL: Duration = Duration::from_secs(60 * 60);

    pub fn new(busy_until: Option<Timestamp>) -> Self {
        Self(busy_until)
    }

    /// When the mails sent so far, one interval apart, are all behind; `None` if never sent.
    pub fn busy_until(&self) -> Option<Timestamp> {
        self.0
    }

    pub fn allowance(&self, now: Timestamp) -> SendAllowance {
        let busy_until = self.0.filter(|until| *until > now).unwrap_or(now);
        let backlog = (busy_until.datetime() - now.datetime()).unsigned_abs();
        let tolerance = Self::INTERVAL * (Self::BURST - 1);
        match backlog.checked_sub(tolerance) {
            Some(wait) if !wait.is_zero() => SendAllowance::Wait(wait),
            _ => SendAllowance::Send {
                busy_until: later(busy_until, Self::INTERVAL),
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

    fn send(pace: SendPace, now: Timestamp) -> SendPace {
        match pace.allowance(now) {
            SendAllowance::Send { busy_until } => SendPace::new(Some(busy_until)),
            SendAllowance::Wait(wait) => panic!("refused at {now}: wait {wait:?}"),
        }
    }

    #[test]
    fn a_burst_of_five_goes_at_once_and_the_sixth_waits_one_interval() {
        let mut pace = SendPace::default();
        for _ in 0..SendPace::BURST {
            pace = send(pace, at(0));
        }
        assert_eq!(pace.busy_until(), Some(at(5 * 3600)));
        assert_eq!(
            pace.allowance(at(0)),
            SendAllowance::Wait(Duration::from_secs(3600))
        );
        assert_eq!(
            pace.allowance(at(3599)),
            SendAllowance::Wait(Duration::from_secs(1))
        );
        let after = send(pace, at(3600));
        assert_eq!(after.busy_until(), Some(at(6 * 3600)));
        assert!(matches!(after.allowance(at(3600)), SendAllowance::Wait(_)));
    }

    #[test]
    fn the_allowance_refills_one_mail_per_interval_up_to_the_burst() {
        let mut pace = SendPace::default();
        for _ in 0..SendPace::BURST {
            pace = send(pace, at(0));
        }
        // Two intervals later, two more go, and the third waits.
        pace = send(send(pace, at(7200)), at(7200));
        assert!(matches!(pace.allowance(at(7200)), SendAllowance::Wait(_)));
        // Long idle: the backlog is gone, and the whole burst is back (not more).
        let mut idle = send(pace, at(100 * 3600));
        assert_eq!(idle.busy_until(), Some(at(101 * 3600)));
        for _ in 1..SendPace::BURST {
            idle = send(idle, at(100 * 3600));
        }
        assert!(matches!(
            idle.allowance(at(100 * 3600)),
            SendAllowance::Wait(_)
        ));
    }

    #[test]
    fn a_backlog_already_there_leaves_less_of_the_burst() {
        // One mail 50 minutes ago and one now: 1h10m of backlog.
        let pace = SendPace::new(Some(at(3600 + 600)));
        let mut sent = 0;
        let mut now_pace = pace;
        while let SendAllowance::Send { busy_until } = now_pace.allowance(at(0)) {
            now_pace = SendPace::new(Some(busy_until));
            sent += 1;
        }
        assert_eq!(sent, 3, "1h10m of backlog leaves room for 3 within 4h");
    }
}
