use crate::app::App;
use crate::domain::Invalid;
use crate::domain::address::{Address, CountryCode};
use crate::domain::customer::{
    Customer, CustomerChanges, CustomerRef, CustomerSearch, NewCustomer,
};
use crate::domain::ids::{AccountId, CustomerId};
use crate::domain::page::Listing;
use crate::domain::text::{Email, ExternalId, FullName, ScalarMetadata, TaxDocument, Timezone};
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;
use crate::http::fields::{Fields, boolean, object_map, query_boolean, string};
use crate::http::version::{customer_email_field, has_legacy_customers};
use crate::http::views;
use crate::http::{ApiError, ApiRequest, ApiResponse, Resource};
use crate::store::{InsertCustomerOutcome, StoreError, UpdateCustomerOutcome};

use super::{completing, page_request};

/// How often a create by its own `id` is tried when the customer holding that id gave it up
/// between the create and the read of them.
const CREATE_TRIES: usize = 3;

/// `POST /customers`. One DynamoDB call: a PutItem, or with `externalId` a transaction that
/// also claims the external id. A create that names its own `id` another customer holds
/// answers with that customer (two GetItems more), unchanged.
pub async fn create(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let to_create = parse_new_customer(&request)?;
    let account = &request.principal.account_id;
    for _ in 0..CREATE_TRIES {
        let customer = Customer::create(
            to_create.customer.clone(),
            Timestamp::now(),
            request.principal.livemode(),
        );
        let response = views::customer(request.version, account, &customer)?;
        let completion = completing(&request, &response);
        let outcome = app
            .store
            .insert_customer(account, &customer, completion.as_ref())
            .await?;
        match (outcome, &to_create.own_id) {
            (InsertCustomerOutcome::Inserted, _) => return Ok(response),
            (InsertCustomerOutcome::DuplicateExternalId, None) => {
                return Err(duplicate_external_id());
            }
            (InsertCustomerOutcome::DuplicateExternalId, Some(own_id)) => {
                if let Some(holder) = holder_of(app, account, own_id).await? {
                    return views::customer(request.version, account, &holder);
                }
            }
        }
    }
    Err(ApiError::Unavailable(
        "the customer's id kept moving between customers while it was created".into(),
    ))
}

/// The customer holding `external`, if they still do when read (their id is resolved first).
pub(super) async fn holder_of(
    app: &App,
    account: &AccountId,
    external: &ExternalId,
) -> Result<Option<Customer>, StoreError> {
    let reference = CustomerRef::External(external.clone());
    let found = app.store.get_customer(account, &reference).await?;
    Ok(found.filter(|customer| customer.external_id.as_ref() == Some(external)))
}

fn parse_new_customer(request: &ApiRequest) -> Result<CustomerToCreate, ApiError> {
    new_customer_of(request.body_fields()?, request.version)
}

/// A customer a request asks to create.
pub(super) struct CustomerToCreate {
    pub customer: NewCustomer,
    /// The request named the customer by its own `id` (Commet's "the stable identifier from
    /// your application", this service's `externalId`): a create again with an `id` that a
    /// customer holds answers with that customer, as Commet's does.
    pub own_id: Option<ExternalId>,
}

/// The fields of a customer to create (a create's body, or one of a batch's customers).
pub(super) fn new_customer_of(
    mut fields: Fields<'_>,
    version: ApiVersion,
) -> Result<CustomerToCreate, ApiError> {
    let email_field = customer_email_field(version);
    let email = fields.required(email_field, |v| string(v).and_then(Email::parse));
    let own_id = fields.optional("id", |v| string(v).and_then(ExternalId::parse));
    let external_id = fields.optional("externalId", |v| string(v).and_then(ExternalId::parse));
    let full_name = fields.optional("fullName", |v| string(v).and_then(FullName::parse));
    let tax_document = fields.optional("taxDocument", |v| string(v).and_then(TaxDocument::parse));
    let address = fields.optional_object("address", parse_address);
    let timezone = fields.optional("timezone", |v| string(v).and_then(Timezone::parse));
    let metadata = fields.optional("metadata", |v| object_map(v).and_then(ScalarMetadata::new));
    if let (Some(own), Some(external)) = (&own_id, &external_id)
        && own != external
    {
        let one_name = "is the customer's externalId here: give the same value, or only one";
        fields.problem("id", Invalid::new(one_name));
    }
    refuse_other_versions_fields(&mut fields, version);
    let (email,) = fields.finish((email,))?;
    Ok(CustomerToCreate {
        customer: NewCustomer {
            email,
            external_id: external_id.or_else(|| own_id.clone()),
            full_name,
            tax_document,
            address,
            timezone,
            metadata,
        },
        own_id,
    })
}

fn parse_address(fields: &mut Fields<'_>) -> Option<Address> {
    let line = |v: &serde_json::Value| string(v).and_then(Address::parse_line);
    let line1 = fields.optional("line1", line);
    let line2 = fields.optional("line2", line);
    let city = fields.optional("city", line);
    let state = fields.optional("state", line);
    let postal_code = fields.optional("postalCode", line);
    let country = fields.required("country", |v| string(v).and_then(CountryCode::parse))?;
    Some(Address {
        line1,
        line2,
        city,
        state,
        postal_code,
        country,
    })
}

/// `GET /customers/{id}` by `cus_` id (one GetItem) or externalId (two).
pub async fn get(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let not_found = || ApiError::not_found(Resource::Customer);
    let reference = CustomerRef::parse(request.param("id")).map_err(|_| not_found())?;
    let account = &request.principal.account_id;
    let customer = app
        .store
        .get_customer(account, &reference)
        .await?
        .ok_or_else(not_found)?;
    views::customer(request.version, account, &customer)
}

/// `PATCH` (or, up to 2026-07-11, `PUT`) `/customers/{id}`, by `cus_` id or externalId: only
/// the fields given change (null clears an optional one). A read and one conditional write (a
/// transaction when the external id moves), plus one GetItem by externalId.
pub async fn update(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let changes = parse_customer_changes(&request)?;
    let not_found = || ApiError::not_found(Resource::Customer);
    let reference = CustomerRef::parse(request.param("id")).map_err(|_| not_found())?;
    let account = &request.principal.account_id;
    if changes.is_empty() {
        let customer = app.store.get_customer(account, &reference).await?;
        return views::customer(request.version, account, &customer.ok_or_else(not_found)?);
    }
    match app
        .store
        .update_customer(account, &reference, &changes, Timestamp::now())
        .await?
    {
        UpdateCustomerOutcome::Updated(customer) | UpdateCustomerOutcome::Unchanged(customer) => {
            views::customer(request.version, account, &customer)
        }
        UpdateCustomerOutcome::NotFound => Err(not_found()),
        UpdateCustomerOutcome::DuplicateExternalId => Err(duplicate_external_id()),
    }
}

/// Customer fields of Commet's API up to 2026-05-25 that this service does not keep.
const UNKEPT_LEGACY_FIELDS: [&str; 4] = ["domain", "website", "language", "industry"];

/// Refuses by name, never drops unseen, what the customer model of another API version has:
/// the e-mail under its other name, and up to 2026-05-25 the fields this service does not keep.
fn refuse_other_versions_fields(fields: &mut Fields<'_>, version: ApiVersion) {
    // The message is written only when the field was sent: every create and update comes here.
    let refuse = |fields: &mut Fields<'_>, name: &'static str, why: &dyn Fn() -> String| {
        fields.optional(name, |_| Err::<(), _>(Invalid::new(why())));
    };
    if has_legacy_customers(version) {
        refuse(fields, "email", &|| {
            format!("is `billingEmail` in API version {version}")
        });
        for name in UNKEPT_LEGACY_FIELDS {
            refuse(fields, name, &|| {
                "is a customer field of API 2026-05-25 that this service does not keep".into()
            });
        }
    } else {
        refuse(fields, "billingEmail", &|| {
            format!("is `email` in API version {version} (`billingEmail` up to 2026-05-25)")
        });
    }
}

fn duplicate_external_id() -> ApiError {
    ApiError::Duplicate {
        param: "externalId",
        message: "A customer with this externalId already exists in this account.".into(),
    }
}

fn parse_customer_changes(request: &ApiRequest) -> Result<CustomerChanges, ApiError> {
    let mut fields: Fields<'_> = request.body_fields()?;
    let email_field = customer_email_field(request.version);
    let email = fields.optional_not_null(email_field, |v| string(v).and_then(Email::parse));
    let external_id = fields.nullable("externalId", |v| string(v).and_then(ExternalId::parse));
    let full_name = fields.nullable("fullName", |v| string(v).and_then(FullName::parse));
    let tax_document = fields.nullable("taxDocument", |v| string(v).and_then(TaxDocument::parse));
    let address = fields.nullable_object("address", parse_address);
    let timezone = fields.nullable("timezone", |v| string(v).and_then(Timezone::parse));
    let metadata = fields.nullable("metadata", |v| object_map(v).and_then(ScalarMetadata::new));
    // The older model's archive (`customers.archive` of commet-sdk up to 3.x, @commet/node 1.x).
    let archived = if has_legacy_customers(request.version) {
        fields
            .optional_not_null("isActive", boolean)
            .map(|active| !active)
    } else {
        None
    };
    refuse_other_versions_fields(&mut fields, request.version);
    fields.finish(())?;
    Ok(CustomerChanges {
        email,
        external_id,
        full_name,
        tax_document,
        address,
        timezone,
        metadata,
        archived,
    })
}

/// `GET /customers`: newest first (one Query), or the one with `externalId` (two GetItems); up
/// to 2026-05-25 also only the archived or the other ones (`isActive`) and a `search`.
pub async fn list(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let mut query = request.query();
    let external = query.optional("externalId", ExternalId::parse);
    // The older model's filters (`search` up to commet-sdk 5.x, `isActive` up to 3.x).
    let (mut search, mut archived) = (None, None);
    if has_legacy_customers(request.version) {
        search = query.optional("search", CustomerSearch::parse);
        archived = query
            .optional("isActive", query_boolean)
            .map(|active| !active);
    }
    let mut filter: Vec<(&str, &str)> = external
        .iter()
        .map(|id| ("externalId", id.as_str()))
        .collect();
    if let Some(archived) = archived {
        filter.push(("isActive", if archived { "false" } else { "true" }));
    }
    if let Some(search) = &search {
        filter.push(("search", search.as_str()));
    }
    let listing = Listing::new("customers", CustomerId::PREFIX, &filter);
    let page = page_request(&mut query, &listing);
    query.finish()?;

    let account = &request.principal.account_id;
    if let Some(external) = external {
        // At most one customer has an external id: a single, final page.
        let found = app
            .store
            .get_customer(account, &CustomerRef::External(external))
            .await?
            .filter(|customer| archived.is_none_or(|archived| customer.archived == archived))
            .filter(|customer| {
                search
                    .as_ref()
                    .is_none_or(|search| search.matches(customer))
            });
        return views::customers(request.version, account, found.as_slice(), None);
    }
    let found = app
        .store
        .list_customers(account, archived, search.as_ref(), &page)
        .await?;
    let cursor = found.next.as_ref().map(|next| listing.cursor(next));
    views::customers(request.version, account, &found.items, cursor.as_deref())
}
