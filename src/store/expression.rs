//! A conditional update written once and used by both the single `UpdateItem` and the
//! transactional `Update` that carries the same change.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

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
