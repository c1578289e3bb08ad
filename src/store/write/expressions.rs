//! Conditions and update expressions, with the `#name` and `:value` placeholders they bind.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// The item does not exist yet. Every key attribute is present on every item, so `pk` stands for
/// the whole item.
pub(crate) const ABSENT: &str = "attribute_not_exists(pk)";
/// The item exists.
pub(crate) const PRESENT: &str = "attribute_exists(pk)";

/// The `#name` and `:value` placeholders of one request's expressions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Placeholders {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

/// Binds placeholders, builder style, on anything that carries them.
pub(crate) trait Bind: Sized {
    fn placeholders(&mut self) -> &mut Placeholders;

    fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.placeholders()
            .names
            .insert(placeholder.to_owned(), attribute.to_owned());
        self
    }

    fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.placeholders()
            .values
            .insert(placeholder.to_owned(), value);
        self
    }

    fn text(self, placeholder: &str, value: impl Into<String>) -> Self {
        self.value(placeholder, AttributeValue::S(value.into()))
    }

    /// Integers only: no float ever reaches an expression (amounts are minor units).
    fn number(self, placeholder: &str, value: impl Into<i128>) -> Self {
        self.value(placeholder, AttributeValue::N(value.into().to_string()))
    }
}

/// A condition for a put or a delete.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    expression: String,
    placeholders: Placeholders,
}

impl Condition {
    pub fn new(expression: impl Into<String>) -> Self {
        Self {
            expression: expression.into(),
            placeholders: Placeholders::default(),
        }
    }
}

impl Bind for Condition {
    fn placeholders(&mut self) -> &mut Placeholders {
        &mut self.placeholders
    }
}

/// An update expression and the condition it applies under.
#[derive(Debug, Clone)]
pub(crate) struct ConditionalUpdate {
    pub(super) update: String,
    pub(super) condition: Condition,
}

impl ConditionalUpdate {
    pub fn new(update: impl Into<String>, condition: impl Into<String>) -> Self {
        Self {
            update: update.into(),
            condition: Condition::new(condition),
        }
    }

    /// The same update with one more clause (an `ADD` or `REMOVE`) after its own.
    pub fn and(mut self, clause: &str) -> Self {
        self.update.push(' ');
        self.update.push_str(clause);
        self
    }

    /// The same update under another condition (its placeholders kept).
    pub fn on_condition(mut self, condition: impl Into<String>) -> Self {
        self.condition.expression = condition.into();
        self
    }
}

impl Bind for ConditionalUpdate {
    fn placeholders(&mut self) -> &mut Placeholders {
        &mut self.condition.placeholders
    }
}

/// A condition as a request's three fields: the expression, its names and its values.
pub(super) type ConditionFields = (
    Option<String>,
    Option<HashMap<String, String>>,
    Option<HashMap<String, AttributeValue>>,
);

impl Condition {
    /// An empty expression is no condition (an unconditional update), and empty maps are left
    /// out: DynamoDB refuses an empty attribute map.
    pub(super) fn into_fields(self) -> ConditionFields {
        let Placeholders { names, values } = self.placeholders;
        (
            (!self.expression.is_empty()).then_some(self.expression),
            (!names.is_empty()).then_some(names),
            (!values.is_empty()).then_some(values),
        )
    }
}

/// Sets a `Condition` on any request builder of the SDK (each is its own type, with the same
/// three setters).
macro_rules! conditioned {
    ($builder:expr, $condition:expr) => {{
        let (expression, names, values) = $condition.into_fields();
        $builder
            .set_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
    }};
}
pub(super) use conditioned;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_bound_and_an_empty_condition_is_none() {
        let (expression, names, values) = Condition::new("#s = :s AND amount > :min")
            .name("#s", "status")
            .text(":s", "pending")
            .number(":min", 100u64)
            .into_fields();
        assert_eq!(expression.as_deref(), Some("#s = :s AND amount > :min"));
        assert_eq!(names.unwrap()["#s"], "status");
        let values = values.unwrap();
        assert_eq!(values[":s"], AttributeValue::S("pending".into()));
        assert_eq!(values[":min"], AttributeValue::N("100".into()));

        assert_eq!(Condition::new("").into_fields(), (None, None, None));
    }

    #[test]
    fn an_update_under_another_condition_keeps_its_placeholders() {
        let update = ConditionalUpdate::new("SET #s = :s", ABSENT)
            .name("#s", "status")
            .text(":s", "canceled")
            .on_condition(PRESENT);
        assert_eq!(update.update, "SET #s = :s");
        let (expression, names, values) = update.condition.into_fields();
        assert_eq!(expression.as_deref(), Some(PRESENT));
        assert_eq!(names.unwrap().len(), 1);
        assert_eq!(values.unwrap().len(), 1);
    }
}
