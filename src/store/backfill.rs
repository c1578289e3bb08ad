//! Putting items written before an index into it: a walk through a listing's partition, one
//! conditional UpdateItem per item that needs one, a few in flight at once.

use futures_util::{StreamExt, stream};

use super::items::Item;
use super::paging::{Filter, IndexQuery};
use super::write::{ConditionalUpdate, Updated};
use super::{Store, StoreError, schema};
use crate::domain::page::Position;

/// Conditional updates a backfill keeps in flight: one after another, an account of 100,000
/// items would take as many round trips in a row from the operator's machine.
const UPDATES_AT_ONCE: usize = 16;

impl Store {
    /// Reads the items of the account's `listing` (a `gsi1` partition) without the key
    /// attribute `unindexed` (an index's partition key), page after page, and gives each item
    /// `change` answers for (its key and the update) that update; answers how many applied.
    /// Each update's condition decides, so a backfill may run beside live traffic, and again.
    pub(super) async fn backfill_index<T: Send>(
        &self,
        listing: String,
        unindexed: &'static str,
        position_of: impl Fn(&T) -> Position,
        map: impl Fn(Item) -> Result<T, StoreError>,
        change: impl Fn(&T) -> Option<(Item, ConditionalUpdate)>,
    ) -> Result<u64, StoreError> {
        let unindexed = Filter::Present {
            attribute: unindexed,
            present: false,
        };
        let query = IndexQuery::of(&schema::BY_ACCOUNT, listing).filtered(Some(&unindexed));
        let mut added = 0;
        self.each_page(query, position_of, map, async |found| {
            let mut updates = stream::iter(found.iter().filter_map(&change))
                .map(|(key, change)| self.update_conditionally(key, change))
                .buffer_unordered(UPDATES_AT_ONCE);
            while let Some(updated) = updates.next().await {
                if let Updated::Applied(_) = updated? {
                    added += 1;
                }
            }
            Ok(())
        })
        .await?;
        Ok(added)
    }
}
