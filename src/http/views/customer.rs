//! The customer object.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::domain::address::Address;
use crate::domain::customer::Customer;
use crate::domain::ids::AccountId;
use crate::domain::text::ScalarMetadata;
use crate::domain::version::ApiVersion;
use crate::http::version::{has_legacy_customers, is_enveloped};

/// A customer as `version` shows one.
pub(super) fn customer_view<'a>(
    customer: &'a Customer,
    account: &'a AccountId,
    version: ApiVersion,
) -> AnyCustomerView<'a> {
    if has_legacy_customers(version) {
        AnyCustomerView::Legacy(LegacyCustomerView::new(customer, account))
    } else {
        AnyCustomerView::Current(CustomerView::new(customer, version))
    }
}

#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum AnyCustomerView<'a> {
    Current(CustomerView<'a>),
    Legacy(LegacyCustomerView<'a>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CustomerView<'a> {
    id: &'a str,
    external_id: Option<&'a str>,
    full_name: Option<&'a str>,
    email: &'a str,
    tax_document: Option<&'a str>,
    document_type: Option<&'a str>,
    timezone: Option<&'a str>,
    #[serde(flatten)]
    additions: Option<CustomerAdditions<'a>>,
    metadata: Option<&'a BTreeMap<String, Value>>,
    created_at: String,
    updated_at: String,
    object: &'static str,
    livemode: bool,
}

/// A customer as Commet's API up to 2026-05-25 shows one (`commet-sdk` 3.x to 5.x,
/// `@commet/node` 5.x: the union of their `Customer`s). The fields of that model this service
/// does not keep are null, and no customer is archived.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LegacyCustomerView<'a> {
    id: &'a str,
    object: &'static str,
    livemode: bool,
    /// The account: Commet's customers belong to an organization, this service's to an account.
    organization_id: &'a str,
    external_id: Option<&'a str>,
    full_name: Option<&'a str>,
    domain: Option<&'a str>,
    website: Option<&'a str>,
    billing_email: &'a str,
    /// Ours: kept since 2026-07-11's model, and shown here so that no field kept is hidden.
    tax_document: Option<&'a str>,
    timezone: Option<&'a str>,
    language: Option<&'a str>,
    industry: Option<&'a str>,
    employee_count: Option<&'a str>,
    #[serde(flatten)]
    additions: CustomerAdditions<'a>,
    metadata: Option<&'a BTreeMap<String, Value>>,
    is_active: bool,
    created_at: String,
    updated_at: String,
}

impl<'a> LegacyCustomerView<'a> {
    fn new(customer: &'a Customer, account: &'a AccountId) -> Self {
        Self {
            id: customer.id.as_str(),
            object: "customer",
            livemode: customer.livemode,
            organization_id: account.as_str(),
            external_id: customer.external_id.as_ref().map(|id| id.as_str()),
            full_name: customer.full_name.as_ref().map(|name| name.as_str()),
            domain: None,
            website: None,
            billing_email: customer.email.as_str(),
            tax_document: customer.tax_document.as_ref().map(|doc| doc.as_str()),
            timezone: customer.timezone.as_ref().map(|zone| zone.as_str()),
            language: None,
            industry: None,
            employee_count: None,
            additions: CustomerAdditions::of(customer),
            metadata: customer.metadata.as_ref().map(ScalarMetadata::entries),
            is_active: !customer.archived,
            created_at: customer.created_at.to_string(),
            updated_at: customer.updated_at.to_string(),
        }
    }
}

/// This service's own fields, in the enveloped family only (docs/contract.md §2).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CustomerAdditions<'a> {
    address: Option<AddressView<'a>>,
    payment_method: Option<PaymentMethodView<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AddressView<'a> {
    line1: Option<&'a str>,
    line2: Option<&'a str>,
    city: Option<&'a str>,
    state: Option<&'a str>,
    postal_code: Option<&'a str>,
    country: String,
}

impl<'a> CustomerAdditions<'a> {
    fn of(customer: &'a Customer) -> Self {
        Self {
            address: customer.address.as_ref().map(AddressView::from),
            payment_method: customer
                .payment_method
                .as_ref()
                .map(|method| PaymentMethodView {
                    kind: "card",
                    brand: &method.brand,
                    last4: &method.last4,
                    exp_month: method.exp_month,
                    exp_year: method.exp_year,
                }),
        }
    }
}

impl<'a> From<&'a Address> for AddressView<'a> {
    fn from(address: &'a Address) -> Self {
        Self {
            line1: address.line1.as_deref(),
            line2: address.line2.as_deref(),
            city: address.city.as_deref(),
            state: address.state.as_deref(),
            postal_code: address.postal_code.as_deref(),
            country: address.country.as_str(),
        }
    }
}

/// The vaulted card as a customer shows it: never its provider token.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PaymentMethodView<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    brand: &'a str,
    last4: &'a str,
    exp_month: u8,
    exp_year: u16,
}

impl<'a> CustomerView<'a> {
    pub(super) fn new(customer: &'a Customer, version: ApiVersion) -> Self {
        Self {
            id: customer.id.as_str(),
            external_id: customer.external_id.as_ref().map(|id| id.as_str()),
            full_name: customer.full_name.as_ref().map(|name| name.as_str()),
            email: customer.email.as_str(),
            tax_document: customer.tax_document.as_ref().map(|doc| doc.as_str()),
            document_type: None,
            timezone: customer.timezone.as_ref().map(|zone| zone.as_str()),
            additions: is_enveloped(version).then(|| CustomerAdditions::of(customer)),
            metadata: customer.metadata.as_ref().map(ScalarMetadata::entries),
            created_at: customer.created_at.to_string(),
            updated_at: customer.updated_at.to_string(),
            object: "customer",
            livemode: customer.livemode,
        }
    }
}

/// A customer of a batch that was not created: its place in the batch, why, and what was sent.
pub struct BatchFailure<'a> {
    pub index: usize,
    pub error: String,
    pub data: &'a serde_json::Value,
}

/// The answer of `POST /customers/batch`: who was created (the fields Commet's `CustomerBatch`
/// lists; whole customers up to 2026-05-25, as its `CustomersBatchResult` has them), and who not.
#[derive(Serialize)]
pub(super) struct CustomerBatchView<'a> {
    successful: Vec<Created<'a>>,
    failed: Vec<BatchFailed<'a>>,
    object: &'static str,
    livemode: bool,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Created<'a> {
    Brief(BatchCreated<'a>),
    Whole(Box<LegacyCustomerView<'a>>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchCreated<'a> {
    id: &'a str,
    external_id: Option<&'a str>,
    email: &'a str,
}

#[derive(Serialize)]
struct BatchFailed<'a> {
    index: usize,
    error: &'a str,
    data: &'a serde_json::Value,
}

impl<'a> CustomerBatchView<'a> {
    pub(super) fn new(
        created: &'a [Customer],
        failed: &'a [BatchFailure<'a>],
        livemode: bool,
        account: &'a AccountId,
        version: ApiVersion,
    ) -> Self {
        Self {
            successful: created
                .iter()
                .map(|customer| {
                    if has_legacy_customers(version) {
                        Created::Whole(Box::new(LegacyCustomerView::new(customer, account)))
                    } else {
                        Created::Brief(BatchCreated {
                            id: customer.id.as_str(),
                            external_id: customer.external_id.as_ref().map(|id| id.as_str()),
                            email: customer.email.as_str(),
                        })
                    }
                })
                .collect(),
            failed: failed
                .iter()
                .map(|failure| BatchFailed {
                    index: failure.index,
                    error: &failure.error,
                    data: failure.data,
                })
                .collect(),
            object: "customer_batch",
            livemode,
        }
    }
}
