//! Cursor pagination: pages ordered newest first by `(createdAt, id)`, a total and stable order
//! even when many objects share one timestamp.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::Invalid;
use super::time::Timestamp;

/// Items per page: 1 to 100, 25 by default (docs/contract.md §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u16);

impl PageLimit {
    pub const MAX: u16 = 100;
    pub const DEFAULT: PageLimit = PageLimit(25);
    /// The newest item alone.
    pub const ONE: PageLimit = PageLimit(1);

    pub fn new(value: i128) -> Result<Self, Invalid> {
        if (1..=i128::from(Self::MAX)).contains(&value) {
            Ok(Self(value as u16))
        } else {
            Err(Invalid::new(format!(
                "must be an integer from 1 to {}",
                Self::MAX
            )))
        }
    }

    pub fn get(&self) -> usize {
        usize::from(self.0)
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Where a page ends: the last item's creation time and id. Its text form is the sort key of
/// the listing indexes, so a position compares exactly as the items do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub created_at: Timestamp,
    pub id: String,
}

impl Position {
    pub fn sort_key(&self) -> String {
        format!("{}#{}", self.created_at, self.id)
    }

    pub fn parse_sort_key(text: &str, id_prefix: &str) -> Result<Self, Invalid> {
        let position = Self::parse_stored(text)?;
        if !position.id.starts_with(id_prefix) || position.id.len() != id_prefix.len() + 26 {
            return Err(Invalid::new("malformed position"));
        }
        Ok(position)
    }

    /// A sort key as the store wrote it, of any kind of object.
    pub fn parse_stored(text: &str) -> Result<Self, Invalid> {
        let (at, id) = text
            .split_once('#')
            .ok_or_else(|| Invalid::new("malformed position"))?;
        Ok(Self {
            created_at: Timestamp::parse(at)?,
            id: id.to_owned(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: PageLimit,
    /// Continue strictly after this position (older items), or start at the newest.
    pub after: Option<Position>,
}

/// One page. `next` is set exactly when at least one more item follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Position>,
}

impl<T> Page<T> {
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            next: None,
        }
    }

    pub fn has_more(&self) -> bool {
        self.next.is_some()
    }
}

/// Which listing a cursor belongs to: the object kind and its filters, e.g. payments of one
/// customer. A cursor only continues the listing that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    scope: String,
    id_prefix: &'static str,
}

impl Listing {
    pub fn new(kind: &str, id_prefix: &'static str, filters: &[(&str, &str)]) -> Self {
        let mut scope = kind.to_owned();
        for (name, value) in filters {
            scope.push('\n');
            scope.push_str(name);
            scope.push('=');
            scope.push_str(value);
        }
        Self { scope, id_prefix }
    }

    fn tag(&self) -> String {
        hex::encode(&Sha256::digest(self.scope.as_bytes())[..6])
    }

    /// The opaque `nextCursor` for a position in this listing. It carries only the position and a
    /// tag of the listing; which account it lists always comes from the caller's key.
    pub fn cursor(&self, position: &Position) -> String {
        URL_SAFE_NO_PAD.encode(format!("v1|{}|{}", self.tag(), position.sort_key()))
    }

    pub fn parse_cursor(&self, cursor: &str) -> Result<Position, Invalid> {
        let invalid =
            || Invalid::new("must be the `nextCursor` of an earlier page of this listing");
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let mut parts = text.splitn(3, '|');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("v1"), Some(tag), Some(sort_key)) if tag == self.tag() => {
                Position::parse_sort_key(sort_key, self.id_prefix).map_err(|_| invalid())
            }
            _ => Err(invalid()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position() -> Position {
        Position {
            created_at: Timestamp::parse("2026-11-26T10:15:00.123Z").unwrap(),
            id: "pay_01JDXXK7M3Q8Y2V4N6P0R1S2T3".to_owned(),
        }
    }

    #[test]
    fn limit_bounds_and_default() {
        assert_eq!(PageLimit::default().get(), 25);
        assert!(PageLimit::new(0).is_err());
        assert_eq!(PageLimit::new(1).unwrap().get(), 1);
        assert_eq!(PageLimit::new(100).unwrap().get(), 100);
        assert!(PageLimit::new(101).is_err());
    }

    #[test]
    fn cursor_round_trips_within_its_listing() {
        let listing = Listing::new("payments", "pay_", &[]);
        let cursor = listing.cursor(&position());
        assert_eq!(listing.parse_cursor(&cursor).unwrap(), position());
    }

    #[test]
    fn cursor_of_another_listing_is_refused() {
        let all = Listing::new("payments", "pay_", &[]);
        let one_customer = Listing::new("payments", "pay_", &[("customerId", "cus_1")]);
        let customers = Listing::new("customers", "cus_", &[]);
        let cursor = all.cursor(&position());
        assert!(one_customer.parse_cursor(&cursor).is_err());
        assert!(customers.parse_cursor(&cursor).is_err());
    }

    #[test]
    fn garbage_cursors_are_refused() {
        let listing = Listing::new("payments", "pay_", &[]);
        for cursor in ["", "abc", "!!!", &URL_SAFE_NO_PAD.encode("v1|x|y")] {
            assert!(listing.parse_cursor(cursor).is_err(), "{cursor}");
        }
    }

    #[test]
    fn positions_order_like_their_sort_keys() {
        let a = position();
        let mut b = position();
        b.id = "pay_01JDXXK7M3Q8Y2V4N6P0R1S2T4".to_owned();
        assert!(a.sort_key() < b.sort_key());
    }
}
