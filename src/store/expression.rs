//! A conditional update written once and sent either as a single `UpdateItem` or as the `Update`
//! of a two-item transaction.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::payments::failed_condition;

pub(crate) struct ConditionalUpdate {
    pub update: &'static str,
    pub condition: &'static str,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

impl ConditionalUpdate {
    pub fn new(update: &'static str, condition: &'static str) -> Self {
        Self {
            update,
            condition,
            names: HashMap::new(),
            values: HashMap::new(),
        }
    }

    pub fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.names
            .insert(placeholder.to_owned(), attribute.to_owned());
        self
    }

    pub fn text(mut self, placeholder: &str, value: impl Into<String>) -> Self {
        self.values
            .insert(placeholder.to_owned(), AttributeValue::S(value.into()));
        self
    }

    pub fn number(mut self, placeholder: &str, value: u64) -> Self {
        self.values
            .insert(placeholder.to_owned(), AttributeValue::N(value.to_string()));
        self
    }
}

/// What one conditional `UpdateItem` did.
pub(crate) enum Updated {
    /// The condition held: the item as it is now.
    Applied(super::items::Item),
    /// The condition failed: the item as it was (none if there is no such item). Nothing changed.
    Refused(Option<super::items::Item>),
}

impl super::Store {
    /// ONE conditional UpdateItem that returns the item after it, or, when the condition fails,
    /// the item before it: enough to tell "not found" from "refused" without a second read.
    pub(crate) async fn update_conditionally(
        &self,
        key: super::items::Item,
        change: ConditionalUpdate,
    ) -> Result<Updated, super::StoreError> {
        use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
        use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};

        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(change.update)
            .condition_expression(change.condition)
            .set_expression_attribute_names(Some(change.names))
            .set_expression_attribute_values(Some(change.values))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => output
                .attributes
                .map(Updated::Applied)
                .ok_or_else(|| super::StoreError::Internal("update returned no item".into())),
            Err(error) => match error.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    Ok(Updated::Refused(failed.item().cloned()))
                }
                _ => Err(super::StoreError::from_sdk(error)),
            },
        }
    }

    /// The same change as one item of a transaction whose other item is `also`: true when both
    /// were written, false when the change's own condition failed and nothing was.
    pub(crate) async fn transact_conditionally(
        &self,
        key: super::items::Item,
        change: ConditionalUpdate,
        also: TransactWriteItem,
    ) -> Result<bool, super::StoreError> {
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;

        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(change.update)
            .condition_expression(change.condition)
            .set_expression_attribute_names(Some(change.names))
            .set_expression_attribute_values(Some(change.values))
            .build()
            .map_err(super::StoreError::build)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(update).build())
            .transact_items(also)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) => match error.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(canceled))
                    if failed_condition(canceled.cancellation_reasons(), 0) =>
                {
                    Ok(false)
                }
                _ => Err(super::StoreError::from_sdk(error)),
            },
        }
    }
}
