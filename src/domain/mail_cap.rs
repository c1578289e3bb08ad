//! How many mails one account may send in a clock hour, so that a leaked key cannot spend the
//! deployment's sending reputation on mail to whoever it likes (customers it creates, sent
//! invoices, sandbox payments' receipts): every mail, whatever made it, is counted in its hour
//! just before it goes, and taken back if SES refuses it (one that may have gone, its answer
//! lost, stays counted); past the cap it waits for the next hour, neither failed nor counted
//! as an attempt. Hours are fixed (UTC): at an hour's turn up to twice the cap may go close
//! together, a bound, not a pace.

use std::num::NonZeroU32;
use std::time::Duration;

use time::format_description::FormatItem;
use time::macros::format_description;

use super::Invalid;
use super::delivery::later;
use super::time::Timestamp;

const HOUR: Duration = Duration::from_secs(60 * 60);
const HOUR_LABEL: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]T[hour]");

/// The mails one account may send in a clock hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailCap(NonZeroU32);

impl MailCap {
    /// Some 24,000 mails a day, past what most merchants send. A deployment sets its own
    /// (`MAILS_PER_ACCOUNT_HOUR`); one account that sends more (or should send less) gets its
    /// own from the operator (`admin set-mail-cap`, `Account::mail_cap`).
    pub const DEFAULT: Self = Self(NonZeroU32::new(1_000).unwrap());
    pub const MAX: u32 = 1_000_000;

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        text.trim()
            .parse::<u32>()
            .map_err(|_| Self::out_of_range())
            .and_then(Self::new)
    }

    pub fn new(cap: u32) -> Result<Self, Invalid> {
        NonZeroU32::new(cap)
            .filter(|cap| cap.get() <= Self::MAX)
            .map(Self)
            .ok_or_else(Self::out_of_range)
    }

    fn out_of_range() -> Invalid {
        Invalid::new("must be a whole number from 1 to 1,000,000")
    }

    pub fn get(self) -> u32 {
        self.0.get()
    }
}

impl Default for MailCap {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The clock hour a mail is counted in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailHour {
    /// `2026-12-05T04`: names the hour's count.
    pub label: String,
    /// When the next hour begins: a mail past the cap waits until then.
    pub ends: Timestamp,
}

impl MailHour {
    pub fn of(at: Timestamp) -> Self {
        let start = at
            .datetime()
            .replace_minute(0)
            .and_then(|hour| hour.replace_second(0))
            .and_then(|hour| hour.replace_nanosecond(0))
            .unwrap_or_else(|_| at.datetime());
        // Years outside 0000..=9999 cannot come from the clock or from `Timestamp::parse`.
        let label = start.format(HOUR_LABEL).unwrap_or_default();
        Self {
            label,
            ends: later(Timestamp::from_datetime(start), HOUR),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_is_counted_in_its_clock_hour_and_a_held_one_waits_for_the_next() {
        let hour = MailHour::of(Timestamp::parse("2026-12-05T04:59:59.999Z").unwrap());
        assert_eq!(hour.label, "2026-12-05T04");
        assert_eq!(hour.ends.to_string(), "2026-12-05T05:00:00.000Z");
        let turn = MailHour::of(Timestamp::parse("2026-12-05T05:00:00.000Z").unwrap());
        assert_eq!(turn.label, "2026-12-05T05");
        assert_eq!(turn.ends.to_string(), "2026-12-05T06:00:00.000Z");
        let last = MailHour::of(Timestamp::parse("2026-12-31T23:30:00.000Z").unwrap());
        assert_eq!(last.label, "2026-12-31T23");
        assert_eq!(last.ends.to_string(), "2027-01-01T00:00:00.000Z");
    }

    #[test]
    fn a_cap_is_a_whole_number_from_one_to_a_million() {
        assert_eq!(MailCap::parse("1").unwrap().get(), 1);
        assert_eq!(MailCap::parse(" 2500 ").unwrap().get(), 2_500);
        assert_eq!(MailCap::parse("1000000").unwrap().get(), MailCap::MAX);
        for bad in ["0", "-1", "1000001", "1.5", "many", ""] {
            assert!(MailCap::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(MailCap::default().get(), 1_000);
        assert_eq!(MailCap::new(7).unwrap().get(), 7);
        assert!(MailCap::new(0).is_err());
        assert!(MailCap::new(MailCap::MAX + 1).is_err());
    }
}
