use aws_sdk_dynamodb::types::AttributeValue;

use super::client::sent;
use super::items::Item;
use super::projection::Projection;
use super::schema::IndexDefinition as Index;
use super::{Store, StoreError, schema};
use crate::domain::page::{Page, PageLimit, PageRequest, Position};

/// What a listing reads: one index partition (the index, and its partition key's value), which
/// attributes of each item, and which items DynamoDB returns.
#[derive(Clone)]
pub(crate) struct IndexQuery<'a> {
    index: &'a Index,
    key: String,
    projection: Option<&'a Projection>,
    filter: Option<&'a Filter>,
}

impl<'a> IndexQuery<'a> {
    /// Every attribute of every item in the partition.
    pub fn of(index: &'a Index, key: String) -> Self {
        Self {
            index,
            key,
            projection: None,
            filter: None,
        }
    }

    /// Only the attributes `projection` names.
    pub fn projected(self, projection: &'a Projection) -> Self {
        Self {
            projection: Some(projection),
            ..self
        }
    }

    /// Only the items `filter` (if any) keeps.
    pub fn filtered(self, filter: Option<&'a Filter>) -> Self {
        Self { filter, ..self }
    }
}

/// A filter on one attribute, applied after the key condition.
pub(crate) enum Filter {
    /// The attribute holds this string.
    Equals {
        attribute: &'static str,
        value: String,
    },
    /// The attribute is there (`true`) or not.
    Present {
        attribute: &'static str,
        present: bool,
    },
}

/// What a listing keeps of each Query's items, in their order.
pub(crate) trait Thinning<T, U> {
    fn thin(&mut self, read: Vec<T>) -> impl Future<Output = Result<Vec<U>, StoreError>> + Send;
}

/// The items a test of each alone keeps.
struct Keeping<F>(F);

impl<T: Send, F: Fn(&T) -> bool + Send> Thinning<T, T> for Keeping<F> {
    async fn thin(&mut self, read: Vec<T>) -> Result<Vec<T>, StoreError> {
        Ok(read.into_iter().filter(|item| (self.0)(item)).collect())
    }
}

impl Store {
    /// One page of an index partition, newest first.
    ///
    /// Asks for one item more than the page holds: if it comes back, `hasMore` is exactly true
    /// and the page ends at the item before it. The position is a strict `<` on the sort key,
    /// which embeds the id, so pages never overlap or skip even when timestamps are equal.
    /// Normally one Query; only a 1 MB response cut short by DynamoDB, or a `filter` that drops
    /// items, costs more (DynamoDB applies `Limit` before the filter).
    pub(crate) async fn query_page<T: Send>(
        &self,
        query: IndexQuery<'_>,
        page: &PageRequest,
        position_of: impl Fn(&T) -> Position,
        map: impl Fn(Item) -> Result<T, StoreError>,
    ) -> Result<Page<T>, StoreError> {
        self.query_page_keeping(query, page, position_of, map, |_| true)
            .await
    }

    /// `query_page` keeping only the items `keep` accepts, for what DynamoDB cannot filter.
    ///
    /// Reads at most `reads_per_page` items, 1,000 as deployed (DynamoDB's `ScannedCount`,
    /// whether the filter or `keep` drops them or not): a page that runs out of reads ends
    /// short, its cursor at the last item read. After a Query whose items were thinned, the
    /// next asks for as many as were read so far, so a sparse match costs a few Queries, not one
    /// per handful of items.
    pub(crate) async fn query_page_keeping<T: Send>(
        &self,
        query: IndexQuery<'_>,
        page: &PageRequest,
        position_of: impl Fn(&T) -> Position,
        map: impl Fn(Item) -> Result<T, StoreError>,
        keep: impl Fn(&T) -> bool + Send,
    ) -> Result<Page<T>, StoreError> {
        self.query_page_thinned(query, page, position_of, map, Keeping(keep))
            .await
    }

    /// `query_page_keeping` with what each Query read handed to `thin`, which answers what
    /// of it is kept, in order, as it may read more to tell (each read's customers, say).
    pub(crate) async fn query_page_thinned<T, U>(
        &self,
        query: IndexQuery<'_>,
        page: &PageRequest,
        position_of: impl Fn(&U) -> Position,
        map: impl Fn(Item) -> Result<T, StoreError>,
        mut thin: impl Thinning<T, U>,
    ) -> Result<Page<U>, StoreError> {
        let IndexQuery {
            index,
            key,
            projection,
            filter,
        } = query;
        let wanted = page.limit.get() + 1;
        let mut items: Vec<U> = Vec::with_capacity(wanted);
        let mut read = 0;
        let mut start_key = None;
        let ran_out_at = loop {
            let limit = (wanted - items.len())
                .max(read)
                .min(self.reads_per_page.saturating_sub(read))
                .max(1);
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index.name)
                .scan_index_forward(false)
                .limit(i32::try_from(limit).unwrap_or(i32::MAX))
                .expression_attribute_names("#pk", index.partition_key)
                .expression_attribute_values(":pk", AttributeValue::S(key.clone()))
                .set_exclusive_start_key(start_key.take());
            if let Some(projection) = projection {
                query = query.projection_expression(&projection.expression);
                for (placeholder, name) in &projection.names {
                    query = query.expression_attribute_names(placeholder, *name);
                }
            }
            query = match &page.after {
                Some(after) => query
                    .key_condition_expression("#pk = :pk AND #sk < :after")
                    .expression_attribute_names("#sk", index.sort_key)
                    .expression_attribute_values(":after", AttributeValue::S(after.sort_key())),
                None => query.key_condition_expression("#pk = :pk"),
            };
            query = match filter {
                None => query,
                Some(Filter::Equals { attribute, value }) => query
                    .filter_expression("#filter = :filter")
                    .expression_attribute_names("#filter", *attribute)
                    .expression_attribute_values(":filter", AttributeValue::S(value.clone())),
                Some(Filter::Present { attribute, present }) => query
                    .filter_expression(if *present {
                        "attribute_exists(#filter)"
                    } else {
                        "attribute_not_exists(#filter)"
                    })
                    .expression_attribute_names("#filter", *attribute),
            };
            let output = sent(query.send()).await.map_err(StoreError::from_sdk)?;
            let returned = output.items.unwrap_or_default();
            // DynamoDB Local and DynamoDB both count what they read; never less than returned.
            read += usize::try_from(output.scanned_count)
                .unwrap_or(0)
                .max(returned.len());
            let returned = returned.into_iter().map(&map).collect::<Result<_, _>>()?;
            items.extend(thin.thin(returned).await?);
            match output.last_evaluated_key {
                None => break None,
                Some(_) if items.len() >= wanted => break None,
                Some(last) if read >= self.reads_per_page => break Some(last),
                last => start_key = last,
            }
        };
        let next = if items.len() > page.limit.get() {
            items.truncate(page.limit.get());
            items.last().map(position_of)
        } else {
            ran_out_at
                .map(|last| position_in(index, &last))
                .transpose()?
        };
        Ok(Page { items, next })
    }

    /// Every page of `query`, newest first, each handed to `each` as it is read: a walk through
    /// a whole partition that holds one page at a time.
    pub(super) async fn each_page<T: Send>(
        &self,
        query: IndexQuery<'_>,
        position_of: impl Fn(&T) -> Position,
        map: impl Fn(Item) -> Result<T, StoreError>,
        mut each: impl AsyncFnMut(Vec<T>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut after = None;
        loop {
            let page = self
                .query_page(
                    query.clone(),
                    &PageRequest {
                        limit: PageLimit::new(100).unwrap_or_default(),
                        after,
                    },
                    &position_of,
                    &map,
                )
                .await?;
            each(page.items).await?;
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// Every item of `query` after position `from` (from the newest without one), newest first,
    /// unless they are more than `most`: then `None`, having read at most one page past `most`.
    pub(super) async fn all_unless_more_than<T: Send>(
        &self,
        query: IndexQuery<'_>,
        from: Option<Position>,
        most: usize,
        position_of: impl Fn(&T) -> Position,
        map: impl Fn(Item) -> Result<T, StoreError>,
    ) -> Result<Option<Vec<T>>, StoreError> {
        let mut all = Vec::new();
        let mut after = from;
        loop {
            let page = PageRequest {
                limit: PageLimit::new(100).unwrap_or_default(),
                after,
            };
            let page = (self.query_page(query.clone(), &page, &position_of, &map)).await?;
            all.extend(page.items);
            if all.len() > most {
                return Ok(None);
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(Some(all)),
            }
        }
    }

    /// Every item of one partition of the by-account index, newest first, page after page.
    pub(super) async fn every_of_partition<T: Send>(
        &self,
        partition: String,
        position_of: impl Fn(&T) -> Position,
        map: impl Fn(Item) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut all = Vec::new();
        let query = IndexQuery::of(&schema::BY_ACCOUNT, partition);
        self.each_page(query, position_of, map, async |items| {
            all.extend(items);
            Ok(())
        })
        .await?;
        Ok(all)
    }
}

/// The position of the last item a Query read, from its `LastEvaluatedKey`: the index's sort
/// key holds it in its text form.
fn position_in(index: &Index, last: &Item) -> Result<Position, StoreError> {
    last.get(index.sort_key)
        .and_then(|value| value.as_s().ok())
        .and_then(|text| Position::parse_stored(text).ok())
        .ok_or_else(|| StoreError::corrupt(format!("{} in a LastEvaluatedKey", index.sort_key)))
}
