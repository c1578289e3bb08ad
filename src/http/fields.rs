//! Turns a JSON body or a query string into typed values, collecting every problem of the
//! request instead of stopping at the first (docs/contract.md §1: all problems reported at once).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::{ApiError, FieldError};
use crate::domain::Invalid;

/// The fields of one JSON object. Each field is read once, by name; whatever is left unread at
/// `finish` is an unknown field and is reported as such.
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    prefix: String,
    read: Vec<&'static str>,
    problems: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    /// The request body must be a JSON object.
    pub fn of_body(body: Option<&'a Value>) -> Result<Self, ApiError> {
        match body {
            Some(Value::Object(object)) => Ok(Self::nested(object, String::new())),
            Some(_) => Err(ApiError::InvalidJson {
                message: "The request body must be a JSON object.".to_owned(),
                param: None,
            }),
            None => Err(ApiError::InvalidJson {
                message: "The request body must be a JSON object; it is empty.".to_owned(),
                param: None,
            }),
        }
    }

    /// One element of a list of objects (a batch's), its problems named `{path}.field`; a
    /// problem naming `path` itself when it is not an object.
    pub fn of_element(value: &'a Value, path: String) -> Result<Self, FieldError> {
        match value {
            Value::Object(object) => Ok(Self::nested(object, format!("{path}."))),
            _ => Err(FieldError::new(path, "must be an object")),
        }
    }

    fn nested(object: &'a Map<String, Value>, prefix: String) -> Self {
        Self {
            object,
            prefix,
            read: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn path(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name)
    }

    /// A problem of a field found by looking at more than that field (two that disagree).
    pub fn problem(&mut self, name: &str, invalid: Invalid) {
        let field = self.path(name);
        self.problems.push(FieldError::new(field, invalid.0));
    }

    /// A field that must be present and not null.
    pub fn required<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&'a Value) -> Result<T, Invalid>,
    ) -> Option<T> {
        self.read.push(name);
        match self.object.get(name) {
            None | Some(Value::Null) => {
                self.problem(name, Invalid::new("is required"));
                None
            }
            Some(value) => self.parsed(name, parse(value)),
        }
    }

    /// A field that may be absent or null.
    pub fn optional<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&'a Value) -> Result<T, Invalid>,
    ) -> Option<T> {
        self.read.push(name);
        match self.object.get(name) {
            None | Some(Value::Null) => None,
            Some(value) => self.parsed(name, parse(value)),
        }
    }

    /// A field an update may leave out but not clear (a customer's e-mail): null is a problem.
    pub fn optional_not_null<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&'a Value) -> Result<T, Invalid>,
    ) -> Option<T> {
        let value = self.nullable(name, parse)?;
        if value.is_none() {
            self.problem(name, Invalid::new("cannot be cleared"));
        }
        value
    }

    /// A field whose null means "clear it" (in an update): `None` when absent, `Some(None)` when
    /// null, `Some(Some(value))` when given.
    pub fn nullable<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&'a Value) -> Result<T, Invalid>,
    ) -> Option<Option<T>> {
        self.read.push(name);
        match self.object.get(name) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(value) => self.parsed(name, parse(value)).map(Some),
        }
    }

    /// An optional nested object, read field by field with the same rules; its problems are
    /// named `outer.inner`.
    pub fn optional_object<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&mut Fields<'a>) -> Option<T>,
    ) -> Option<T> {
        self.read.push(name);
        match self.object.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::Object(inner)) => {
                let mut nested = Fields::nested(inner, format!("{}.", self.path(name)));
                let value = parse(&mut nested);
                let problems = nested.into_problems();
                let ok = problems.is_empty();
                self.problems.extend(problems);
                if ok { value } else { None }
            }
            Some(_) => {
                self.problem(name, Invalid::new("must be an object"));
                None
            }
        }
    }

    /// A nested object whose null means "clear it" (in an update), read like `optional_object`.
    pub fn nullable_object<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&mut Fields<'a>) -> Option<T>,
    ) -> Option<Option<T>> {
        match self.object.get(name) {
            Some(Value::Null) => {
                self.read.push(name);
                Some(None)
            }
            _ => self.optional_object(name, parse).map(Some),
        }
    }

    fn parsed<T>(&mut self, name: &str, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(invalid) => {
                self.problem(name, invalid);
                None
            }
        }
    }

    fn into_problems(mut self) -> Vec<FieldError> {
        let unknown: Vec<String> = self
            .object
            .keys()
            .filter(|key| !self.read.contains(&key.as_str()))
            .map(|key| self.path(key))
            .collect();
        for field in unknown {
            self.problems
                .push(FieldError::new(field, "is not a known field"));
        }
        self.problems
    }

    /// The required values, finished, if every field read was valid and no unknown field was
    /// sent; else every problem at once. `required` is a tuple of what `required` returned
    /// (`()` when nothing is required).
    pub fn finish<R: AllPresent>(self, required: R) -> Result<R::Values, ApiError> {
        let problems = self.into_problems();
        match required.all() {
            Some(values) if problems.is_empty() => Ok(values),
            // `required` records a problem for every value it does not return, so a missing
            // value always comes with the problem that explains it.
            _ => Err(ApiError::Validation(problems)),
        }
    }
}

/// A tuple of optional values that were read as required, which are all present exactly when
/// none of them had a problem.
pub trait AllPresent {
    type Values;
    fn all(self) -> Option<Self::Values>;
}

impl AllPresent for () {
    type Values = ();
    fn all(self) -> Option<()> {
        Some(())
    }
}

macro_rules! all_present {
    ($($value:ident),+) => {
        impl<$($value),+> AllPresent for ($(Option<$value>,)+) {
            type Values = ($($value,)+);
            #[allow(non_snake_case)]
            fn all(self) -> Option<Self::Values> {
                let ($($value,)+) = self;
                Some(($($value?,)+))
            }
        }
    };
}
all_present!(A);
all_present!(A, B);
all_present!(A, B, C);
all_present!(A, B, C, D);
all_present!(A, B, C, D, E);

/// A JSON integer. Floats (even `2500.0`), strings, booleans and null are refused, as are
/// integers too large for any amount.
pub fn integer(value: &Value) -> Result<i128, Invalid> {
    match value {
        Value::Number(number) => number
            .as_i64()
            .map(i128::from)
            .or_else(|| number.as_u64().map(i128::from))
            .ok_or_else(|| Invalid::new("must be an integer, not a decimal number")),
        _ => Err(Invalid::new(format!(
            "must be an integer, not {}",
            json_type(value)
        ))),
    }
}

pub fn string(value: &Value) -> Result<&str, Invalid> {
    value
        .as_str()
        .ok_or_else(|| Invalid::new(format!("must be a string, not {}", json_type(value))))
}

pub fn boolean(value: &Value) -> Result<bool, Invalid> {
    value
        .as_bool()
        .ok_or_else(|| Invalid::new(format!("must be true or false, not {}", json_type(value))))
}

/// An array of strings.
pub fn string_list(value: &Value) -> Result<Vec<&str>, Invalid> {
    let items = value.as_array().ok_or_else(|| {
        Invalid::new(format!(
            "must be an array of strings, not {}",
            json_type(value)
        ))
    })?;
    items
        .iter()
        .map(|item| {
            item.as_str().ok_or_else(|| {
                Invalid::new(format!("entries must be strings, not {}", json_type(item)))
            })
        })
        .collect()
}

/// An object whose values are all strings.
pub fn string_map(value: &Value) -> Result<BTreeMap<String, String>, Invalid> {
    let object = value.as_object().ok_or_else(|| {
        Invalid::new(format!(
            "must be an object of strings, not {}",
            json_type(value)
        ))
    })?;
    object
        .iter()
        .map(|(key, value)| match value {
            Value::String(text) => Ok((key.clone(), text.clone())),
            other => Err(Invalid::new(format!(
                "values must be strings (`{key}` is {})",
                json_type(other)
            ))),
        })
        .collect()
}

/// An object, its values checked later.
pub fn object_map(value: &Value) -> Result<BTreeMap<String, Value>, Invalid> {
    match value {
        Value::Object(object) => Ok(object
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()),
        other => Err(Invalid::new(format!(
            "must be an object, not {}",
            json_type(other)
        ))),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The parameters of a query string, read like body fields: each at most once, unknown ones
/// refused. An empty value (`?cursor=`) counts as absent.
pub struct QueryFields {
    pairs: Vec<(String, String)>,
    read: Vec<&'static str>,
    problems: Vec<FieldError>,
}

impl QueryFields {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|query| {
                url::form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Self {
            pairs,
            read: Vec::new(),
            problems: Vec::new(),
        }
    }

    pub fn optional<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<T> {
        self.read.push(name);
        let mut values = self
            .pairs
            .iter()
            .filter(|(key, value)| key == name && !value.is_empty());
        let first = values.next()?;
        if values.next().is_some() {
            self.problems
                .push(FieldError::new(name, "must be given at most once"));
            return None;
        }
        match parse(&first.1) {
            Ok(value) => Some(value),
            Err(invalid) => {
                self.problems.push(FieldError::new(name, invalid.0));
                None
            }
        }
    }

    pub fn finish(mut self) -> Result<(), ApiError> {
        let mut unknown: Vec<&str> = Vec::new();
        for (key, _) in &self.pairs {
            if !self.read.contains(&key.as_str()) && !unknown.contains(&key.as_str()) {
                unknown.push(key);
            }
        }
        for key in unknown {
            self.problems
                .push(FieldError::new(key, "is not a known query parameter"));
        }
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.problems))
        }
    }
}

/// A query value that must be `true` or `false`.
pub fn query_boolean(text: &str) -> Result<bool, Invalid> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Invalid::new("must be true or false")),
    }
}

/// A query value that must be an integer.
pub fn query_integer(text: &str) -> Result<i128, Invalid> {
    text.parse::<i128>()
        .map_err(|_| Invalid::new("must be an integer"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems<T: std::fmt::Debug>(result: Result<T, ApiError>) -> Vec<FieldError> {
        match result {
            Err(ApiError::Validation(problems)) => problems,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn reports_every_problem_at_once() {
        let body = json!({ "amount": 1.5, "currency": 7, "extra": true });
        let mut fields = Fields::of_body(Some(&body)).unwrap();
        assert!(fields.required("amount", integer).is_none());
        assert!(
            fields
                .required("currency", |v| string(v).map(str::to_owned))
                .is_none()
        );
        assert!(fields.required("description", string).is_none());
        let found = problems(fields.finish(()));
        let names: Vec<_> = found.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(names, ["amount", "currency", "description", "extra"]);
    }

    #[test]
    fn null_is_absent_for_optional_and_missing_for_required() {
        let body = json!({ "a": null, "b": null });
        let mut fields = Fields::of_body(Some(&body)).unwrap();
        assert!(fields.optional("a", string).is_none());
        assert!(fields.required("b", string).is_none());
        let found = problems(fields.finish(()));
        assert_eq!(found, vec![FieldError::new("b", "is required")]);
    }

    #[test]
    fn an_update_tells_absent_from_null() {
        let body = json!({ "name": null, "email": null, "address": null });
        let mut fields = Fields::of_body(Some(&body)).unwrap();
        assert_eq!(fields.nullable("name", string), Some(None));
        assert_eq!(fields.nullable("other", string), None);
        assert_eq!(
            fields.nullable_object("address", |inner| inner.required("country", string)),
            Some(None)
        );
        assert!(fields.optional_not_null("email", string).is_none());
        assert!(fields.optional_not_null("phone", string).is_none());
        let found = problems(fields.finish(()));
        assert_eq!(found, vec![FieldError::new("email", "cannot be cleared")]);
    }

    #[test]
    fn nested_objects_name_their_fields() {
        let body = json!({ "address": { "country": 1, "zip": "x" } });
        let mut fields = Fields::of_body(Some(&body)).unwrap();
        fields.optional_object("address", |inner| {
            inner.required("country", string).map(str::len)
        });
        let names: Vec<_> = problems(fields.finish(()))
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(names, ["address.country", "address.zip"]);
    }

    #[test]
    fn finishing_hands_back_the_required_values_only_when_all_is_well() {
        let body = json!({ "a": "x", "b": 2 });
        let mut fields = Fields::of_body(Some(&body)).unwrap();
        let a = fields.required("a", string);
        let b = fields.required("b", integer);
        assert_eq!(fields.finish((a, b)).unwrap(), ("x", 2));

        let body = json!({ "a": "x", "c": true });
        let mut fields = Fields::of_body(Some(&body)).unwrap();
        let a = fields.required("a", string);
        let b = fields.required("b", integer);
        let names: Vec<_> = problems(fields.finish((a, b)))
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(names, ["b", "c"]);
    }

    #[test]
    fn body_must_be_an_object() {
        assert!(matches!(
            Fields::of_body(Some(&json!([1]))),
            Err(ApiError::InvalidJson { .. })
        ));
        assert!(matches!(
            Fields::of_body(None),
            Err(ApiError::InvalidJson { .. })
        ));
    }

    #[test]
    fn integers_only() {
        assert_eq!(integer(&json!(2500)).unwrap(), 2500);
        assert_eq!(integer(&json!(-3)).unwrap(), -3);
        assert_eq!(integer(&json!(u64::MAX)).unwrap(), i128::from(u64::MAX));
        for bad in [
            json!(2500.0),
            json!("2500"),
            json!(true),
            json!(null),
            json!(1e300),
        ] {
            assert!(integer(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn string_maps_hold_only_strings() {
        assert!(string_map(&json!({ "a": "1" })).is_ok());
        assert!(string_map(&json!({ "a": 1 })).is_err());
        assert!(string_map(&json!(["a"])).is_err());
    }

    #[test]
    fn query_parameters() {
        let mut query = QueryFields::parse(Some("limit=5&cursor=&customerId=a%40b.c"));
        assert_eq!(query.optional("limit", query_integer), Some(5));
        assert_eq!(query.optional("cursor", |v| Ok(v.to_owned())), None);
        assert_eq!(
            query
                .optional("customerId", |v| Ok(v.to_owned()))
                .as_deref(),
            Some("a@b.c")
        );
        assert!(query.finish().is_ok());

        let mut query = QueryFields::parse(Some("limit=1&limit=2&customer_id=x"));
        assert_eq!(query.optional("limit", query_integer), None);
        let names: Vec<_> = problems(query.finish())
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(names, ["limit", "customer_id"]);
    }

    #[test]
    fn an_unknown_parameter_is_reported_once_however_often_and_wherever_it_repeats() {
        let mut query = QueryFields::parse(Some("x=1&limit=2&x=3&y=4&x=5"));
        assert_eq!(query.optional("limit", query_integer), Some(2));
        let names: Vec<_> = problems(query.finish())
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(names, ["x", "y"]);
    }
}
