//! Wire shapes of the objects (docs/contract.md §2): camelCase, `object` and `livemode` on each.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::address::Address;
use crate::domain::customer::Customer;
use crate::domain::invoice::Invoice;
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
    invoice_id: Option<&'a str>,
    failure_code: Option<&'a str>,
    failure_message: Option<&'a str>,
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
            invoice_id: payment.invoice_id.as_ref().map(|id| id.as_str()),
            failure_code: payment.failure.as_ref().map(|f| f.code.as_str()),
            failure_message: payment.failure.as_ref().map(|f| f.message.as_str()),
            // Links do not expire by themselves (docs/contract.md §2).
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
    payment_method: Option<PaymentMethodView<'a>>,
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
            metadata: metadata(&customer.metadata),
            created_at: customer.created_at.to_string(),
            updated_at: customer.updated_at.to_string(),
            object: "customer",
            livemode: customer.livemode,
        }
    }
}

/// The vaulted card as a customer shows it: never its provider token.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethodView<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    brand: &'a str,
    last4: &'a str,
    exp_month: u8,
    exp_year: u16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItemView<'a> {
    line_type: &'static str,
    feature_name: Option<&'a str>,
    description: &'a str,
    quantity: u32,
    unit_amount: u64,
    amount: u64,
    included_amount: Option<u64>,
    used_amount: Option<u64>,
    overage_amount: Option<u64>,
    discount_type: Option<&'a str>,
    discount_value: Option<u64>,
    discount_name: Option<&'a str>,
    charge_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceView<'a> {
    id: &'a str,
    customer_id: &'a str,
    payment_id: &'a str,
    subscription_id: Option<&'a str>,
    invoice_number: String,
    status: &'static str,
    invoice_type: &'static str,
    currency: String,
    subtotal: u64,
    discount_amount: u64,
    tax_amount: u64,
    total: u64,
    period_start: String,
    period_end: String,
    issue_date: String,
    due_date: String,
    memo: Option<&'a str>,
    metadata: BTreeMap<String, String>,
    created_at: String,
    updated_at: String,
    line_items: Vec<LineItemView<'a>>,
    object: &'static str,
    livemode: bool,
}

impl<'a> From<&'a Invoice> for InvoiceView<'a> {
    fn from(invoice: &'a Invoice) -> Self {
        let issued = invoice.issued_at.to_string();
        Self {
            id: invoice.id.as_str(),
            customer_id: invoice.customer_id.as_str(),
            payment_id: invoice.payment_id.as_str(),
            subscription_id: None,
            invoice_number: invoice.number.to_string(),
            status: invoice.status.as_str(),
            invoice_type: "one_time_payment",
            currency: invoice.currency.code(),
            subtotal: invoice.subtotal,
            discount_amount: 0,
            tax_amount: invoice.tax,
            total: invoice.total(),
            period_start: issued.clone(),
            period_end: issued.clone(),
            issue_date: issued.clone(),
            // One-time payments are due on issue.
            due_date: issued,
            memo: None,
            metadata: invoice
                .metadata
                .as_ref()
                .map(|m| m.entries().clone())
                .unwrap_or_default(),
            created_at: invoice.created_at.to_string(),
            updated_at: invoice.updated_at.to_string(),
            line_items: invoice
                .line_items
                .iter()
                .map(|line| LineItemView {
                    line_type: "one_time",
                    feature_name: None,
                    description: &line.description,
                    quantity: line.quantity,
                    unit_amount: line.unit_amount,
                    amount: line.amount(),
                    included_amount: None,
                    used_amount: None,
                    overage_amount: None,
                    discount_type: None,
                    discount_value: None,
                    discount_name: None,
                    charge_type: "standard",
                })
                .collect(),
            object: "invoice",
            livemode: invoice.livemode,
        }
    }
}

/// The answer of `PUT /invoices/{id}/status`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceStatusView<'a> {
    id: &'a str,
    status: &'static str,
    updated_at: String,
    object: &'static str,
    livemode: bool,
}

impl<'a> From<&'a Invoice> for InvoiceStatusView<'a> {
    fn from(invoice: &'a Invoice) -> Self {
        Self {
            id: invoice.id.as_str(),
            status: invoice.status.as_str(),
            updated_at: invoice.updated_at.to_string(),
            object: "invoice",
            livemode: invoice.livemode,
        }
    }
}
