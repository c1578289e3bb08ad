//! What a webhook delivery's body says: Commet's event envelope around each event's `data`,
//! field for field as Commet's SDKs document them (docs/contract.md §5). Amounts are integer
//! minor units, as Commet's are ("in cents").

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::domain::account::Mode;
use crate::domain::customer::Customer;
use crate::domain::event::{Occurrence, Subject};
use crate::domain::ids::{AccountId, EventId};
use crate::domain::invoice::Invoice;
use crate::domain::payment::{Payment, PaymentKind};
use crate::domain::text::ScalarMetadata;
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;
use crate::domain::webhook::EventType;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    id: &'a str,
    event: &'a str,
    timestamp: String,
    organization_id: &'a str,
    mode: &'static str,
    api_version: &'static str,
    data: Value,
}

/// Who an event is addressed from and in which shape.
#[derive(Debug, Clone, Copy)]
pub struct Audience<'a> {
    pub account: &'a AccountId,
    pub mode: Mode,
    pub version: ApiVersion,
}

fn envelope(id: &EventId, event: &str, at: Timestamp, to: Audience<'_>, data: Value) -> Vec<u8> {
    let envelope = Envelope {
        id: id.as_str(),
        event,
        timestamp: at.to_string(),
        organization_id: to.account.as_str(),
        mode: to.mode.as_str(),
        api_version: to.version.as_str(),
        data,
    };
    // A struct of strings and a JSON value always serializes.
    serde_json::to_vec(&envelope).unwrap_or_default()
}

/// The body of a test delivery: event `webhook.test` (ours: Commet does not document its test
/// event's type), whose data names the endpoint.
pub fn test_event_body(id: &EventId, to: Audience<'_>, webhook: &str, at: Timestamp) -> Vec<u8> {
    let data = json!({
        "webhookId": webhook,
        "message": "A test event: this endpoint receives and verifies deliveries.",
    });
    envelope(id, "webhook.test", at, to, data)
}

/// What an event's data needs besides the changed object: its customer (for `customerId`, which
/// is the merchant's externalId when there is one, and the payer's e-mail) and its invoice.
#[derive(Debug, Clone, Default)]
pub struct Related {
    pub customer: Option<Customer>,
    pub invoice: Option<Invoice>,
}

/// The body of a delivery of `occurrence`, caused by a change that left `subject` as it is.
pub fn event_body(
    occurrence: &Occurrence,
    subject: &Subject,
    related: &Related,
    to: Audience<'_>,
) -> Vec<u8> {
    let data = event_data(occurrence.event, subject, related, to.version);
    envelope(
        &occurrence.id,
        occurrence.event.as_str(),
        occurrence.at,
        to,
        data,
    )
}

/// `customerId` as Commet writes it: the externalId when set, else the `cus_` id.
fn customer_ref(customer: Option<&Customer>, fallback: Option<String>) -> Value {
    match customer {
        Some(customer) => match &customer.external_id {
            Some(external) => json!(external.as_str()),
            None => json!(customer.id.as_str()),
        },
        None => fallback.map_or(Value::Null, Value::String),
    }
}

fn event_data(
    event: EventType,
    subject: &Subject,
    related: &Related,
    version: ApiVersion,
) -> Value {
    let customer = related.customer.as_ref();
    match subject {
        Subject::Payment(payment) => payment_data(event, payment, related, version),
        Subject::Invoice(invoice) => {
            let fallback = Some(invoice.customer_id.to_string());
            invoice_data(invoice, customer_ref(customer, fallback))
        }
        Subject::Customer(customer) => match event {
            EventType::PaymentMethodAttached => {
                let card = customer.payment_method.as_ref().map(|card| {
                    json!({
                        "brand": card.brand,
                        "last4": card.last4,
                        "expMonth": card.exp_month,
                        "expYear": card.exp_year,
                    })
                });
                json!({
                    "subscriptionId": null,
                    "customerId": customer_ref(Some(customer), None),
                    "paymentMethod": card.as_ref().map(|_| "card"),
                    "card": card,
                })
            }
            _ => json!({
                "id": customer.id.as_str(),
                "externalId": customer.external_id.as_ref().map(|e| e.as_str()),
                "fullName": customer.full_name.as_ref().map(|n| n.as_str()),
                "email": customer.email.as_str(),
                "taxDocument": customer.tax_document.as_ref().map(|d| d.as_str()),
                "documentType": null,
                "timezone": customer.timezone.as_ref().map(|t| t.as_str()),
                "metadata": customer.metadata.as_ref().map(ScalarMetadata::entries),
                "createdAt": customer.created_at.to_string(),
                "updatedAt": customer.updated_at.to_string(),
            }),
        },
    }
}

fn invoice_data(invoice: &Invoice, customer_id: Value) -> Value {
    // One-time invoices have no billing period: it is the day they were issued.
    let issued = invoice.issued_at.to_string();
    json!({
        "invoiceId": invoice.id.as_str(),
        "invoiceNumber": invoice.number.to_string(),
        "invoiceStatus": invoice.status.as_str(),
        "periodStart": issued,
        "periodEnd": issued,
        "issueDate": issued,
        "dueDate": issued,
        "currency": invoice.currency.code(),
        "subtotal": invoice.subtotal,
        "total": invoice.total(),
        "customerId": customer_id,
        "subscriptionId": null,
    })
}

/// The link a payment is: its own id when it is one.
fn link_id(payment: &Payment) -> Option<&str> {
    (payment.kind == PaymentKind::Link).then(|| payment.id.as_str())
}

fn payment_data(
    event: EventType,
    payment: &Payment,
    related: &Related,
    version: ApiVersion,
) -> Value {
    let customer_id = customer_ref(
        related.customer.as_ref(),
        payment.customer_id.as_ref().map(ToString::to_string),
    );
    let invoice = related.invoice.as_ref();
    let invoice_id = invoice
        .map(|invoice| invoice.id.to_string())
        .or_else(|| payment.invoice_id.as_ref().map(ToString::to_string));
    let invoice_number = invoice.map(|invoice| invoice.number.to_string());
    let failure_code = payment.failure.as_ref().map(|f| f.code.as_str());
    let failure_message = payment.failure.as_ref().map(|f| f.message.as_str());
    let method = payment.card.as_ref().map(|_| "card");
    // The paid attempt, by the id `POST /transactions/{id}/refund` takes.
    let transaction_id = payment.id.transaction().to_string();
    let mut data = Map::new();
    // Commet's refund and dispute events have no paymentContext (their schemas admit no other
    // field).
    let contextless = [
        EventType::PaymentLinkCreated,
        EventType::PaymentLinkCanceled,
        EventType::PaymentRefunded,
        EventType::PaymentDisputed,
        EventType::PaymentDisputeResolved,
    ];
    if !contextless.contains(&event) && version >= ApiVersion::V2026_08_27 {
        data.insert(
            "paymentContext".into(),
            json!({"reason": "one_time_payment", "paymentLinkId": link_id(payment), "recovery": null}),
        );
    }
    let fields = match event {
        EventType::PaymentReceived => json!({
            "invoiceId": invoice_id,
            "invoiceNumber": invoice_number,
            "invoiceTotal": invoice.map_or(json!(payment.amounts.total()), |i| json!(i.total())),
            "customerId": customer_id,
            "subscriptionId": null,
            "paymentTransactionId": transaction_id,
            "provider": payment.provider.as_str(),
            "paymentMethod": method,
            "subPaymentMethod": null,
            "grossAmount": payment.amounts.total(),
            "currency": payment.currency.code(),
            // The sandbox takes no fees; a provider's would be known only from its payout.
            "orgNetAmount": payment.amounts.total(),
            "customerEmail": related.customer.as_ref().map(|c| c.email.as_str()),
            // A payment completed before it recorded when was paid by its last write then.
            "paidAt": payment.paid_at.unwrap_or(payment.updated_at).to_string(),
        }),
        EventType::PaymentRefunded
        | EventType::PaymentDisputed
        | EventType::PaymentDisputeResolved => {
            // The charge the refund or dispute is of, as both name it.
            let mut fields = json!({
                "paymentTransactionId": transaction_id,
                "provider": payment.provider.as_str(),
                "paymentLinkId": link_id(payment),
                "invoiceId": invoice_id,
                "invoiceNumber": invoice_number,
                "customerId": customer_id,
                "subscriptionId": null,
                "currency": payment.currency.code(),
            });
            let dispute = payment.dispute.as_ref();
            if event == EventType::PaymentRefunded {
                fields["refundAmount"] = json!(payment.refunds.map_or(0, |r| r.last));
            } else {
                fields["disputeAmount"] = json!(dispute.map_or(0, |d| d.amount));
                fields["disputeReason"] = json!(dispute.and_then(|d| d.reason.as_deref()));
            }
            if event == EventType::PaymentDisputeResolved {
                fields["outcome"] = json!(dispute.map(|d| d.status.as_str()));
            }
            fields
        }
        EventType::PaymentFailed => json!({
            "invoiceId": invoice_id,
            "invoiceNumber": invoice_number,
            "customerId": customer_id,
            "subscriptionId": null,
            "provider": payment.provider.as_str(),
            "paymentMethod": method,
            "subPaymentMethod": null,
            "failureCode": failure_code,
            "failureMessage": failure_message,
            "recoveryUrl": null,
        }),
        _ => {
            let mut link = json!({
                "paymentId": payment.id.as_str(),
                "status": payment.status.as_str(),
                "amount": payment.amounts.total(),
                "currency": payment.currency.code(),
                "description": payment.description.as_str(),
                "customerId": customer_id,
            });
            let extra = match event {
                EventType::PaymentLinkCompleted => json!({
                    "invoiceId": invoice_id,
                    "invoiceNumber": invoice_number,
                    "paymentTransactionId": transaction_id,
                    "paymentMethod": method,
                    "subPaymentMethod": null,
                }),
                EventType::PaymentLinkFailed => json!({
                    "failureCode": failure_code,
                    "failureMessage": failure_message,
                    "paymentMethod": method,
                    "subPaymentMethod": null,
                }),
                _ => json!({}),
            };
            if let (Some(link), Value::Object(extra)) = (link.as_object_mut(), extra) {
                link.extend(extra);
            }
            link
        }
    };
    if let Value::Object(fields) = fields {
        data.extend(fields);
    }
    Value::Object(data)
}
