//! `POST /customers/batch`: up to `BATCH_LIMIT` customers in one request, each created as
//! `POST /customers` creates one, in order. A customer refused (invalid, or its `externalId`
//! taken) is answered beside those created, by its index and why; it fails no other.

use serde_json::Value;

use crate::app::App;
use crate::domain::Invalid;
use crate::domain::customer::Customer;
use crate::domain::ids::CustomerId;
use crate::domain::time::Timestamp;
use crate::http::fields::Fields;
use crate::http::views::{self, BatchFailure};
use crate::http::{ApiError, ApiRequest, ApiResponse, FieldError};
use crate::store::InsertCustomerOutcome;

use super::customers::{holder_of, new_customer_of};

/// The most customers one batch creates (Commet's limit).
pub const BATCH_LIMIT: usize = 100;

const EXTERNAL_ID_TAKEN: &str = "is already another customer's in this account";

/// One write per customer (a PutItem, or with `externalId` a transaction that claims it),
/// sequentially, so that the first of two customers with one `externalId` gets it. With an
/// Idempotency-Key each customer's id is derived from the key and its index: a batch run again
/// after a failure finds those it created and creates only the rest.
pub async fn create_batch(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let items = parse_batch(&request)?;
    let account = &request.principal.account_id;
    let livemode = request.principal.livemode();
    let now = Timestamp::now();
    let mut created = Vec::new();
    let mut failed = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let new_customer = Fields::of_element(item, format!("customers[{index}]"))
            .map_err(|problem| vec![problem])
            .and_then(|fields| new_customer_of(fields, request.version).map_err(problems_of));
        let to_create = match new_customer {
            Ok(to_create) => to_create,
            Err(problems) => {
                failed.push(BatchFailure {
                    index,
                    error: summary(&problems),
                    data: item,
                });
                continue;
            }
        };
        // Under a key: as the key's first run made it, so that a run again writes the very
        // same item (which DynamoDB's own request token then accepts as done).
        let (id, at) = match &request.claim {
            Some(claim) => claim.derive_id(|first, parts| {
                let index = index.to_string();
                let parts: Vec<&str> = parts.iter().copied().chain([index.as_str()]).collect();
                (CustomerId::derive(first, &parts), first)
            }),
            None => (CustomerId::generate(), now),
        };
        let customer = Customer::create_as(id, to_create.customer, at, livemode);
        match app.store.insert_customer(account, &customer, None).await? {
            InsertCustomerOutcome::Inserted => created.push(customer),
            InsertCustomerOutcome::DuplicateExternalId => {
                // Made by this very write, sent again (by the SDK, or by an earlier run of the
                // batch under the same key: the ids are new or derived, no one else's), or the
                // external id is another customer's: the answer when it was asked for as the
                // customer's own `id`.
                let made = app.store.get_customer_by_id(account, &customer.id).await?;
                let holder = match (&made, &to_create.own_id) {
                    (None, Some(own_id)) => holder_of(app, account, own_id).await?,
                    _ => None,
                };
                let field = match to_create.own_id {
                    Some(_) => "id",
                    None => "externalId",
                };
                match made.or(holder) {
                    Some(customer) => created.push(customer),
                    None => failed.push(BatchFailure {
                        index,
                        error: format!("`customers[{index}].{field}` {EXTERNAL_ID_TAKEN}"),
                        data: item,
                    }),
                }
            }
        }
    }
    views::customer_batch(request.version, account, &created, &failed, livemode)
}

/// The body's `customers`: a list of 1 to `BATCH_LIMIT` entries, checked one by one later.
fn parse_batch(request: &ApiRequest) -> Result<&[Value], ApiError> {
    let mut fields = request.body_fields()?;
    let customers = fields.required("customers", |value| match value {
        Value::Array(items) if (1..=BATCH_LIMIT).contains(&items.len()) => Ok(items.as_slice()),
        Value::Array(_) => Err(Invalid::new(format!(
            "must hold 1 to {BATCH_LIMIT} customers"
        ))),
        _ => Err(Invalid::new("must be a list of customers")),
    });
    let (customers,) = fields.finish((customers,))?;
    Ok(customers)
}

fn problems_of(error: ApiError) -> Vec<FieldError> {
    match error {
        ApiError::Validation(problems) => problems,
        other => vec![FieldError::new("customers", other.to_string())],
    }
}

/// Every problem of one customer, in one sentence.
fn summary(problems: &[FieldError]) -> String {
    problems
        .iter()
        .map(|problem| format!("`{}` {}", problem.field, problem.message))
        .collect::<Vec<_>>()
        .join("; ")
}
