//! Timestamps as the contract writes them: RFC 3339, UTC, millisecond precision, `Z` suffix.
//!
//! The fixed width (always three fraction digits) matters beyond looks: DynamoDB sort keys built
//! from these strings order lexicographically, and a fixed width makes that the same as time order.

use std::fmt;

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use super::Invalid;

const WIRE_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    /// Truncates to whole milliseconds so that a value survives a round trip through its text.
    pub fn from_datetime(at: OffsetDateTime) -> Self {
        let at = at.to_offset(UtcOffset::UTC);
        let millis = at.millisecond();
        let truncated = at
            .replace_nanosecond(u32::from(millis) * 1_000_000)
            .unwrap_or(at);
        Self(truncated)
    }

    pub fn from_unix_millis(millis: i64) -> Result<Self, Invalid> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
            .map(Self::from_datetime)
            .map_err(|_| Invalid::new("is out of range"))
    }

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let at = OffsetDateTime::parse(text, WIRE_FORMAT)
            .or_else(|_| {
                OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            })
            .map_err(|_| Invalid::new("must be an RFC 3339 timestamp"))?;
        Ok(Self::from_datetime(at))
    }

    pub fn datetime(&self) -> OffsetDateTime {
        self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Years outside 0000..=9999 cannot be produced by the clock or by `parse`.
        match self.0.format(WIRE_FORMAT) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_three_fraction_digits_and_z() {
        let at = Timestamp::from_unix_millis(1_795_000_000_120).unwrap();
        assert_eq!(at.to_string(), "2026-11-18T11:06:40.120Z");
        let whole_second = Timestamp::from_unix_millis(1_795_000_000_000).unwrap();
        assert_eq!(whole_second.to_string(), "2026-11-18T11:06:40.000Z");
    }

    #[test]
    fn round_trips_through_text() {
        let now = Timestamp::now();
        assert_eq!(Timestamp::parse(&now.to_string()).unwrap(), now);
    }

    #[test]
    fn text_order_is_time_order() {
        let earlier = Timestamp::from_unix_millis(1_795_000_000_999).unwrap();
        let later = Timestamp::from_unix_millis(1_795_000_001_000).unwrap();
        assert!(earlier.to_string() < later.to_string());
    }

    #[test]
    fn accepts_offsets_and_normalises_to_utc() {
        let at = Timestamp::parse("2026-11-26T12:15:00.5+02:00").unwrap();
        assert_eq!(at.to_string(), "2026-11-26T10:15:00.500Z");
    }

    #[test]
    fn rejects_garbage() {
        assert!(Timestamp::parse("yesterday").is_err());
        assert!(Timestamp::parse("").is_err());
    }
}
