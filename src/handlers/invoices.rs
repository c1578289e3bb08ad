use crate::app::App;
use crate::domain::Invalid;
use crate::domain::account::Account;
use crate::domain::customer::{Customer, CustomerRef};
use crate::domain::download::{DownloadLink, DownloadToken};
use crate::domain::ids::{AccountId, InvoiceId, ReceiptId};
use crate::domain::invoice::{
    AdjustmentAmount, Invoice, InvoiceSettlement, InvoiceStatus, NewAdjustment,
};
use crate::domain::money::Currency;
use crate::domain::page::Listing;
use crate::domain::send_pace::{MailPaces, SendPace, mail_allowance};
use crate::domain::text::{Description, ScalarMetadata};
use crate::domain::time::Timestamp;
use crate::http::fields::{integer, object_map, string};
use crate::http::invoice_pdf::{BilledTo, InvoiceFile, invoice_pdf};
use crate::http::views;
use crate::http::{ApiError, ApiRequest, ApiResponse, Resource};
use crate::store::{InvoiceMail, SetInvoiceStatus};

use super::payments::customer_not_found;
use super::{CustomerFilter, answer, completing, completing_with, page_request};

fn invoice_id(request: &ApiRequest) -> Result<InvoiceId, ApiError> {
    InvoiceId::parse(request.param("id")).map_err(|_| ApiError::not_found(Resource::Invoice))
}

/// `GET /invoices/{id}`: one GetItem.
pub async fn get(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let id = invoice_id(&request)?;
    let invoice = app
        .store
        .get_invoice(&request.principal.account_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(Resource::Invoice))?;
    views::invoice(request.version, &invoice)
}

/// `GET /invoices`: newest first, by customer and/or status. One Query (a status filter may read
/// past the page; a customer named by externalId costs one GetItem more).
pub async fn list(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let mut query = request.query();
    let customer = query.optional("customerId", |text| {
        CustomerRef::parse(text).map(|reference| (reference, text.to_owned()))
    });
    let status = query.optional("status", InvoiceStatus::parse);
    let subscription = query.optional("subscriptionId", subscription_id);
    let mut filter: Vec<(&str, &str)> = Vec::new();
    if let Some((_, text)) = &customer {
        filter.push(("customerId", text));
    }
    if let Some(status) = &status {
        filter.push(("status", status.as_str()));
    }
    let listing = Listing::new("invoices", InvoiceId::PREFIX, &filter);
    let page = page_request(&mut query, &listing);
    query.finish()?;
    if subscription.is_some() {
        // There are no subscriptions here, so no invoice is of one: nothing to read.
        return views::invoices(request.version, &[], None);
    }

    let account = &request.principal.account_id;
    let reference = customer.map(|(reference, _)| reference);
    let customer_id = match CustomerFilter::resolve(app, account, reference).await? {
        CustomerFilter::All => None,
        CustomerFilter::Customer(id) => Some(id),
        CustomerFilter::NoSuchCustomer => return views::invoices(request.version, &[], None),
    };
    let found = app
        .store
        .list_invoices(account, customer_id.as_ref(), status, &page)
        .await?;
    let cursor = found.next.as_ref().map(|next| listing.cursor(next));
    views::invoices(request.version, &found.items, cursor.as_deref())
}

/// A `subscriptionId` filter as Commet's SDKs send it (an empty one is absent): checked for
/// length only, since this service has no subscriptions.
fn subscription_id(text: &str) -> Result<(), Invalid> {
    if text.len() > 255 {
        return Err(Invalid::new("must be at most 255 characters"));
    }
    Ok(())
}

/// `POST /invoices` (Commet's `invoices.createAdjustment`): an `adjustment` invoice for one
/// customer, `outstanding` until settled by hand; a negative amount is a credit. Its currency
/// is the request's `currency` (this service's own field), else that of the customer's newest
/// invoice (what they are billed in), else USD. One Query for that currency (none when it is
/// given; a customer named by externalId costs one GetItem more), then ONE transaction that
/// numbers the invoice, checks the customer and completes the Idempotency-Key.
pub async fn create_adjustment(
    app: &'static App,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let mut fields = request.body_fields()?;
    let customer = fields.required("customerId", |v| string(v).and_then(CustomerRef::parse));
    let amount = fields.required("amount", |v| integer(v).and_then(AdjustmentAmount::new));
    let description = fields.required("description", |v| string(v).and_then(Description::parse));
    let metadata = fields.optional("metadata", |v| object_map(v).and_then(ScalarMetadata::new));
    let currency = fields.optional("currency", |v| string(v).and_then(Currency::parse));
    let (customer, amount, description) = fields.finish((customer, amount, description))?;

    let account = &request.principal.account_id;
    let customer_id = match customer {
        CustomerRef::Id(id) => id,
        CustomerRef::External(external) => app
            .store
            .resolve_external_id(account, &external)
            .await?
            .ok_or_else(customer_not_found)?,
    };
    let currency = match currency {
        Some(currency) => currency,
        None => app
            .store
            .newest_invoice_currency(account, &customer_id)
            .await?
            .unwrap_or(Currency::USD),
    };
    let mut invoice = Invoice::adjustment(
        NewAdjustment {
            customer_id,
            amount,
            currency,
            description,
            metadata,
        },
        Timestamp::now(),
        request.principal.livemode(),
    );
    // With an Idempotency-Key, the answer (the numbered invoice) is stored by the same write.
    let version = request.version;
    let render = move |invoice: &Invoice| answer(views::created_invoice(version, invoice));
    let completion = completing_with(&request, &render);
    if app
        .store
        .insert_adjustment_invoice(account, &mut invoice, completion.as_ref())
        .await?
    {
        views::created_invoice(request.version, &invoice)
    } else {
        Err(customer_not_found())
    }
}

/// `PATCH` (or, before 2026-07-24, `PUT`) `/invoices/{id}/status`: `outstanding` → `paid` or `void`, ONE conditional UpdateItem.
/// Records an outside settlement or a write-off; moves no money.
pub async fn update_status(
    app: &'static App,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let mut fields = request.body_fields()?;
    let settlement = fields.required("status", |v| string(v).and_then(InvoiceSettlement::parse));
    let (settlement,) = fields.finish((settlement,))?;
    let id = invoice_id(&request)?;
    let account = &request.principal.account_id;
    let now = Timestamp::now();
    // With an Idempotency-Key, the answer is stored by the update's own transaction.
    let version = request.version;
    let render = move |invoice: &Invoice| answer(views::invoice_status_changed(version, invoice));
    let completion = completing_with(&request, &render);
    let outcome = app
        .store
        .set_invoice_status(account, &id, settlement, now, completion.as_ref())
        .await?;
    match outcome {
        SetInvoiceStatus::Updated(invoice) => {
            views::invoice_status_changed(request.version, &invoice)
        }
        SetInvoiceStatus::NotOutstanding(invoice) => Err(ApiError::InvoiceNotOutstanding {
            status: invoice.status.as_str(),
        }),
        SetInvoiceStatus::NotFound => Err(ApiError::not_found(Resource::Invoice)),
    }
}

/// `POST /invoices/{id}/send`: e-mails an outstanding or paid invoice to its customer (a bill,
/// or its receipt again) through the receipts' outbox, at most as often as the invoice's and
/// the customer's mail paces allow (else 429 with when it may go). The invoice and its pace
/// in one BatchGetItem, then its customer (the address, as it is now) and the customer's pace
/// in another, then ONE transaction that checks the invoice is still sendable and neither pace
/// moved since it was read, moves both on and records the mail, with the idempotency record's
/// answer if there is a key. The stream sends it within seconds and the receipt schedule
/// retries it.
pub async fn send(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    // The body is optional; if sent it must be an empty object.
    if request.body.is_some() {
        request.body_fields()?.finish(())?;
    }
    let id = invoice_id(&request)?;
    let account = &request.principal.account_id;
    let (invoice, invoice_pace) = app.store.invoice_with_mail_pace(account, &id).await?;
    let invoice = invoice.ok_or_else(|| ApiError::not_found(Resource::Invoice))?;
    // Under a key: the mail of the key's first run, so that a run again is the same write.
    let (mail, at) = match &request.claim {
        Some(claim) => claim.derive_id(|first, parts| (ReceiptId::derive(first, parts), first)),
        None => (ReceiptId::generate(), Timestamp::now()),
    };
    // Paced by the clock, not by `at`: a key's run again after a 429 is a new request to mail.
    // Refused before the customer is read if the invoice itself may not go.
    let unread = SendPace::default();
    may_send(
        &invoice,
        MailPaces {
            invoice: invoice_pace,
            customer: unread,
        },
        Timestamp::now(),
    )?;
    let (customer, customer_pace) = app
        .store
        .customer_with_mail_pace(account, &invoice.customer_id)
        .await?;
    let customer = customer.ok_or_else(|| ApiError::internal("an invoice's customer is gone"))?;
    let seen = MailPaces {
        invoice: invoice_pace,
        customer: customer_pace,
    };
    let next = may_send(&invoice, seen, Timestamp::now())?;
    let response = views::invoice_sent(request.version, at, invoice.livemode)?;
    let completion = completing(&request, &response);
    let mail = InvoiceMail {
        id: mail,
        to: customer.email.as_str(),
        at,
    };
    let queued = app
        .store
        .queue_invoice_mail(account, &invoice, seen, next, mail, completion.as_ref())
        .await?;
    if queued {
        return Ok(response);
    }
    // Voided or mailed since it was read: say why not now, or to retry (a send raced this one).
    let (current, paces) = app
        .store
        .invoice_with_mail_paces(account, &id, &invoice.customer_id)
        .await?;
    let current = current.ok_or_else(|| ApiError::not_found(Resource::Invoice))?;
    may_send(&current, paces, Timestamp::now())?;
    Err(ApiError::Unavailable(
        "the invoice changed while its mail was recorded".into(),
    ))
}

/// Until when the paces of `invoice`'s mails and of its customer's are busy if it is sent
/// `now`, after `seen`; why it may not be, if not.
fn may_send(
    invoice: &Invoice,
    seen: MailPaces<SendPace>,
    now: Timestamp,
) -> Result<MailPaces<Timestamp>, ApiError> {
    if !invoice.is_sendable() {
        return Err(ApiError::InvoiceNotSendable {
            status: invoice.status.as_str(),
        });
    }
    mail_allowance(seen, now).map_err(|held| ApiError::InvoiceSendsPaced {
        paced: held.paced,
        // Whole seconds, rounded up: a retry at that moment is allowed.
        retry_after_seconds: u64::try_from(held.wait.as_millis().div_ceil(1000))
            .unwrap_or(u64::MAX),
    })
}

/// `POST /invoices/{id}/download-links` (as versions from 2026-07-24 ask) or `GET
/// /invoices/{id}/download` (up to 2026-07-11; both in every version): a URL that serves the
/// invoice as a PDF to whoever holds it, for seven days, without an API key. One GetItem of
/// the invoice, one PutItem of the link (with an Idempotency-Key, a transaction with its
/// record, so a repeat answers the same URL).
pub async fn download_link(
    app: &'static App,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    // The body is optional; if sent it must be an empty object.
    if request.body.is_some() {
        request.body_fields()?.finish(())?;
    }
    let id = invoice_id(&request)?;
    let account = &request.principal.account_id;
    let invoice = app
        .store
        .get_invoice(account, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(Resource::Invoice))?;
    let now = Timestamp::now();
    let token = DownloadToken::generate().map_err(ApiError::internal)?;
    let link = DownloadLink::new(invoice.id, invoice.customer_id, now);
    let url = format!(
        "{}/files/invoices/{}",
        request.public_base_url.trim_end_matches('/'),
        token.expose()
    );
    let response =
        views::invoice_download(request.version, &url, link.expires_at, invoice.livemode)?;
    let completion = completing(&request, &response);
    app.store
        .insert_download_link(account, &token, &link, now, completion.as_ref())
        .await?;
    Ok(response)
}

/// `GET /files/invoices/{token}` (public: the token is the credential): the invoice of a link
/// that still serves, as a PDF. One GetItem for the link, then the invoice, its customer (who it
/// is billed to) and the merchant in one BatchGetItem (no merchant when it is cached); a link
/// made before links named the customer reads the customer after the invoice. A token
/// unknown, malformed or expired, and an invoice gone, are all 404 alike.
pub async fn file(app: &'static App, token: String) -> Result<InvoiceFile, ApiError> {
    let not_found = || ApiError::not_found(Resource::Invoice);
    let token = DownloadToken::parse(&token).ok_or_else(not_found)?;
    let (account, link) = app
        .store
        .download_link(&token)
        .await?
        .ok_or_else(not_found)?;
    if !link.serves_at(Timestamp::now()) {
        return Err(not_found());
    }
    let ((invoice, customer), merchant) = invoice_of_link(app, &account, &link).await?;
    let invoice = invoice.ok_or_else(not_found)?;
    let merchant = merchant.ok_or_else(not_found)?;
    // An invoice's customer never changes: the link names the one the invoice does.
    let customer = customer
        .filter(|customer| customer.id == invoice.customer_id)
        .ok_or_else(|| ApiError::internal("an invoice's customer is gone, or not its link's"))?;
    let billed_to = BilledTo {
        email: customer.email.as_str(),
        name: customer.full_name.as_ref().map(|name| name.as_str()),
    };
    let pdf = invoice_pdf(&merchant.name, &billed_to, &invoice)
        .map_err(|error| ApiError::internal(format!("the invoice PDF's font: {error}")))?;
    Ok(InvoiceFile {
        filename: format!("{}.pdf", invoice.number),
        pdf,
    })
}

/// The link's invoice, its customer and the merchant, in one BatchGetItem; for a link made
/// before links named the customer (the last expires 2026-12-13), the customer after the
/// invoice.
async fn invoice_of_link(
    app: &'static App,
    account: &AccountId,
    link: &DownloadLink,
) -> Result<((Option<Invoice>, Option<Customer>), Option<Account>), ApiError> {
    if let Some(customer) = &link.customer_id {
        return Ok(app
            .invoice_customer_and_merchant(account, &link.invoice_id, customer)
            .await?);
    }
    let (invoice, merchant) = app.invoice_and_merchant(account, &link.invoice_id).await?;
    let customer = match &invoice {
        Some(invoice) => {
            app.store
                .get_customer_by_id(account, &invoice.customer_id)
                .await?
        }
        None => None,
    };
    Ok(((invoice, customer), merchant))
}
