//! Wire shapes of the objects (contract §2): camelCase, `object` and `livemode` on each.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::address::Address;
use crate::domain::customer::Customer;
use crate::domain::payment::Payment;
use crate::domain::text::Metadata;

fn metadata(metadata: &Option<Metadata>) -> Option<&BTreeMap<String, String>> {
    metadata.as_ref().map(Metadata::entries)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView<'a> {
    id: &'a str,
    customer_id: Option<&'a str>,
    kind: &'static str,
    status: &'static str,
    provider: &'static str,
    amount_subtotal: u64,
    tax_amount: u64,
    amount_total: u64,
    currency: String,
    description: &'a str,
    metadata: Option<&'a BTreeMap<String, String>>,
    url: Option<&'a str>,
    success_url: Option<&'a str>,
    expires_at: Option<&'a str>,
    created_at: String,
    updated_at: String,
    object: &'static str,
    livemode: bool,
}

impl<'a> From<&'a Payment> for PaymentView<'a> {
    fn from(payment: &'a Payment) -> Self {
        Self {
            id: payment.id.as_str(),
            customer_id: payment.customer_id.as_ref().map(|id| id.as_str()),
            kind: payment.kind.as_str(),
            status: payment.status.as_str(),
            provider: payment.provider.as_str(),
            amount_subtotal: payment.amounts.subtotal,
            tax_amount: payment.amounts.tax,
            amount_total: payment.amounts.total(),
            currency: payment.currency.code(),
            description: payment.description.as_str(),
            metadata: metadata(&payment.metadata),
            url: payment.url.as_deref(),
            success_url: payment.success_url.as_ref().map(|url| url.as_str()),
            // Links do not expire by themselves (contract §2).
            expires_at: None,
            created_at: payment.created_at.to_string(),
            updated_at: payment.updated_at.to_string(),
            object: "payment",
            livemode: payment.livemode,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressView<'a> {
    line1: Option<&'a str>,
    line2: Option<&'a str>,
    city: Option<&'a str>,
    state: Option<&'a str>,
    postal_code: Option<&'a str>,
    country: String,
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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerView<'a> {
    id: &'a str,
    external_id: Option<&'a str>,
    full_name: Option<&'a str>,
    email: &'a str,
    tax_document: Option<&'a str>,
    document_type: Option<&'a str>,
    timezone: Option<&'a str>,
    address: Option<AddressView<'a>>,
    metadata: Option<&'a BTreeMap<String, String>>,
    created_at: String,
    updated_at: String,
    object: &'static str,
    livemode: bool,
}

impl<'a> From<&'a Customer> for CustomerView<'a> {
    fn from(customer: &'a Customer) -> Self {
        Self {
            id: customer.id.as_str(),
            external_id: customer.external_id.as_ref().map(|id| id.as_str()),
            full_name: customer.full_name.as_ref().map(|name| name.as_str()),
            email: customer.email.as_str(),
            tax_document: None,
            document_type: None,
            timezone: customer.timezone.as_ref().map(|zone| zone.as_str()),
            address: customer.address.as_ref().map(AddressView::from),
            metadata: metadata(&customer.metadata),
            created_at: customer.created_at.to_string(),
            updated_at: customer.updated_at.to_string(),
            object: "customer",
            livemode: customer.livemode,
        }
    }
}
