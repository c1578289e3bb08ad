use aws_sdk_dynamodb::types::AttributeValue;

use super::client::sent;
use super::items::Item;
use super::projection::Projection;
use super::schema::IndexDefinition as Index;
use super::{Store, StoreError, schema};
use crate::domain::page::{Page, PageLimit, PageRequest, Position};

/// An index partition: the index, and its partition key's value.
pub(crate) struct Partition<'a> {
    index: &'a Index,
    key: String,
}

impl<'a> Partition<'a> {
    pub fn of(index: &'a Index, key: String) -> Self {
        Self { index, key }
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

impl Store {
    /// One page of an index partition, newest first.
    ///
    /// Asks for one item more than the page holds: if it comes back, `hasMore` is exactly true
    /// and the page ends at the item before it. The position is a strict `<` on the sort key,
    /// which embeds the id, so pages never overlap or skip even when timestamps are equal.
    /// Normally one Query; only a 1 MB response cut short by DynamoDB, or a `filter` that drops
    /// items, costs more (DynamoDB applies `Limit` before the filter).
    pub(crate) async fn query_page<T>(
        &self,
        partition: Partition<'_>,
        projection: Option<&Projection>,
        filter: Option<&Filter>,
        page: &PageRequest,
        position_of: impl Fn(&T) -> Position,
        map: impl Fn(Item) -> Result<T, StoreError>,
    ) -> Result<Page<T>, StoreError> {
        let Partition { index, key } = partition;
        let wanted = page.limit.get() + 1;
        let mut items: Vec<T> = Vec::with_capacity(wanted);
        let mut start_key = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index.name)
                .scan_index_forward(false)
                .limit(i32::try_from(wanted - items.len()).unwrap_or(i32::MAX))
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
            for item in output.items.unwrap_or_default() {
                items.push(map(item)?);
            }
            start_key = output.last_evaluated_key;
            if items.len() >= wanted || start_key.is_none() {
                break;
            }
        }
        let next = if items.len() > page.limit.get() {
            items.truncate(page.limit.get());
            items.last().map(position_of)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Every item of one partition of the by-account index, newest first, page after page.
    pub(super) async fn every_of_partition<T>(
        &self,
        partition: String,
        position_of: impl Fn(&T) -> Position,
        map: impl Fn(Item) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .query_page(
                    Partition::of(&schema::BY_ACCOUNT, partition.clone()),
                    None,
                    None,
                    &PageRequest {
                        limit: PageLimit::new(100).unwrap_or_default(),
                        after,
                    },
                    &position_of,
                    &map,
                )
                .await?;
            all.extend(page.items);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(all),
            }
        }
    }
}
