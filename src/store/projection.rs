//! What a listing reads of each item: every field of its item type but the stored attributes no
//! listing shows. A page of 25 returns 26 items, and reading each attribute (the SDK's JSON and
//! map, then the item mapping) is most of what a list request costs; the keys are an item's
//! longest strings.

use serde::Deserialize;
use serde_aux::serde_introspection::serde_introspect;

/// An item type that listings read through a projection.
pub(crate) trait Listed: for<'de> Deserialize<'de> {
    /// Stored attributes no listing shows (keys, write counters, expiry). Each must be
    /// `#[serde(default)]` in the type, or reading a listed item fails.
    const UNLISTED: &'static [&'static str];

    /// The projection of `Self`, built once per process (`Projection::of::<Self>()`).
    fn projection() -> &'static Projection;
}

/// A ProjectionExpression and the attribute names its placeholders stand for.
pub(crate) struct Projection {
    pub(super) expression: String,
    pub(super) names: Vec<(String, &'static str)>,
}

impl Projection {
    /// `T`'s fields as stored (serde's names), less `T::UNLISTED`.
    pub fn of<T: Listed>() -> Self {
        // Placeholders for every name: `status`, `url` and others are reserved words.
        let names: Vec<(String, &'static str)> = serde_introspect::<T>()
            .iter()
            .filter(|field| !T::UNLISTED.contains(field))
            .enumerate()
            .map(|(n, field)| (format!("#p{n}"), *field))
            .collect();
        let expression = names
            .iter()
            .map(|(placeholder, _)| placeholder.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Self { expression, names }
    }

    #[cfg(test)]
    pub fn attributes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.names.iter().map(|(_, field)| *field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::items::{AttemptItem, CustomerItem, InvoiceItem, PaymentItem, WebhookItem};

    /// A misspelt or renamed attribute in `UNLISTED` would silently be read again.
    fn leaves_out_exactly_the_unlisted<T: Listed>() {
        let fields = serde_introspect::<T>();
        for unlisted in T::UNLISTED {
            assert!(
                fields.contains(unlisted),
                "{unlisted} is not a stored field"
            );
        }
        let read: Vec<_> = T::projection().attributes().collect();
        assert_eq!(read.len(), fields.len() - T::UNLISTED.len());
        assert!(read.iter().all(|field| !T::UNLISTED.contains(field)));
        assert_eq!(T::projection().expression.matches("#p").count(), read.len());
    }

    #[test]
    fn every_listed_item_type_leaves_out_exactly_its_unlisted_attributes() {
        leaves_out_exactly_the_unlisted::<PaymentItem>();
        leaves_out_exactly_the_unlisted::<InvoiceItem>();
        leaves_out_exactly_the_unlisted::<CustomerItem>();
        leaves_out_exactly_the_unlisted::<WebhookItem>();
        leaves_out_exactly_the_unlisted::<AttemptItem>();
    }
}
