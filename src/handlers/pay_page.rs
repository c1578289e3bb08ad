//! The hosted payment page flow: show a link, take a card, settle the attempt.
//!
//! `GET /pay/{id}` shows the link; `POST /pay/{id}` runs one attempt: a conditional write moves
//! the link to `processing` (so a concurrent cancel or second attempt loses), the provider
//! decides, and the outcome is written conditionally on the attempt still being current. On
//! success one transaction marks the link paid, writes its numbered invoice, vaults the card on
//! the customer (creating the customer from the payer's e-mail if the link had none) and records
//! the receipt to send.

use crate::app::App;
use crate::domain::card::{CardDetails, CardNumber, Cvc, Expiry};
use crate::domain::customer::{Customer, NewCustomer};
use crate::domain::ids::{AccountId, PaymentId};
use crate::domain::invoice::{Invoice, InvoiceStatus};
use crate::domain::money::format_amount;
use crate::domain::payment::{CardSummary, Failure, Payment, PaymentStatus};
use crate::domain::text::Email;
use crate::domain::time::Timestamp;
use crate::http::page::{
    CSRF_FIELD, Page, PageRequest, escape_attr as attr, escape_text as text, new_csrf_token,
    unavailable,
};
use crate::provider::{self, Amount, CardOutcome, PaymentProvider};
use crate::store::{
    Attempt, BeginAttempt, Completion, CompletionOutcome, CustomerChange, StoreError, Unpaid,
};

fn not_found() -> Page {
    Page::notice(
        404,
        "Payment link not found",
        "This payment link does not exist. Check the address you were given.",
    )
}

fn outage(error: StoreError) -> Page {
    tracing::error!(detail = %error, "page could not reach the datastore");
    unavailable()
}

async fn find(app: &App, id: &str) -> Result<(AccountId, Payment), Page> {
    let id = PaymentId::parse(id).map_err(|_| not_found())?;
    app.store
        .find_link(&id)
        .await
        .map_err(outage)?
        .ok_or_else(not_found)
}

/// `GET /pay/{id}`.
pub async fn show(app: &'static App, request: PageRequest) -> Page {
    match find(app, &request.id).await {
        Err(page) => page,
        Ok((_, payment)) if !payment.accepts_attempt() => settled(&payment),
        Ok((_, payment)) => form(&payment, &FormState::fresh(payment.failure.as_ref())),
    }
}

/// `POST /pay/{id}`.
pub async fn submit(app: &'static App, request: PageRequest) -> Page {
    let (account, payment) = match find(app, &request.id).await {
        Err(page) => return page,
        Ok(found) => found,
    };
    let token_ok = matches!(
        (request.csrf_cookie.as_deref(), request.field(CSRF_FIELD)),
        (Some(cookie), Some(field)) if !cookie.is_empty() && cookie == field
    );
    if !token_ok {
        return Page::notice(
            403,
            "Please try again",
            "This form has expired or did not come from this page. Reload the page and submit \
             it again.",
        );
    }
    if !payment.accepts_attempt() {
        return settled(&payment);
    }
    let now = Timestamp::now();
    let entry = match read_entry(&request, &payment, now) {
        Ok(entry) => entry,
        Err(state) => return form(&payment, &state),
    };
    let Some(provider) = provider::for_mode(if payment.livemode {
        crate::domain::account::Mode::Live
    } else {
        crate::domain::account::Mode::Sandbox
    }) else {
        return Page::notice(
            409,
            "Payments are not available",
            "This merchant cannot take card payments yet.",
        );
    };

    let (payment, version) = match app.store.begin_attempt(&account, &payment.id, now).await {
        Err(error) => return outage(error),
        Ok(BeginAttempt::NotFound) => return not_found(),
        Ok(BeginAttempt::Refused(current)) => return settled(&current),
        Ok(BeginAttempt::Started(attempt)) => (attempt.payment, attempt.version),
    };
    let card = CardSummary {
        brand: entry.card.number.brand().as_str().to_owned(),
        last4: entry.card.number.last4(),
    };
    let amount = Amount {
        minor_units: payment.amounts.total(),
        currency: payment.currency,
    };
    // One provider key per attempt: a retried call within an attempt is the same payment.
    let key = format!("{}-{version}", payment.id);
    let outcome = match provider.pay_with_card(&entry.card, amount, &key).await {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::error!(detail = %error, "provider unavailable");
            return unavailable();
        }
    };
    match outcome {
        CardOutcome::Succeeded(method) => {
            complete(
                app,
                &account,
                payment,
                version,
                card,
                method,
                entry.email,
                now,
            )
            .await
        }
        CardOutcome::Declined(failure) => {
            unpaid(
                app,
                &account,
                &payment,
                version,
                PaymentStatus::Failed,
                failure,
                card,
                now,
            )
            .await
        }
        CardOutcome::RequiresAction(failure) => {
            unpaid(
                app,
                &account,
                &payment,
                version,
                PaymentStatus::RequiresAction,
                failure,
                card,
                now,
            )
            .await
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn complete(
    app: &App,
    account: &AccountId,
    mut payment: Payment,
    version: u64,
    card: CardSummary,
    method: crate::domain::card::PaymentMethod,
    payer_email: Option<Email>,
    now: Timestamp,
) -> Page {
    // The customer to vault the card on: the link's, or a new one from the payer's e-mail.
    let (customer_id, new_customer, receipt_to) = match payment.customer_id.clone() {
        Some(id) => match app.store.get_customer_by_id(account, &id).await {
            Ok(Some(customer)) => (id, None, customer.email.as_str().to_owned()),
            Ok(None) => return unavailable(),
            Err(error) => return outage(error),
        },
        None => {
            let Some(email) = payer_email else {
                return unavailable();
            };
            let receipt_to = email.as_str().to_owned();
            let mut customer = Customer::create(
                NewCustomer {
                    email,
                    external_id: None,
                    full_name: None,
                    address: None,
                    timezone: None,
                    metadata: None,
                },
                now,
                payment.livemode,
            );
            customer.payment_method = Some(method.clone());
            (customer.id.clone(), Some(customer), receipt_to)
        }
    };
    let customer_change = match &new_customer {
        Some(customer) => CustomerChange::Create(customer),
        None => CustomerChange::Vault {
            id: &customer_id,
            method: &method,
        },
    };
    payment.customer_id = Some(customer_id.clone());
    payment.status = PaymentStatus::Succeeded;
    payment.failure = None;
    payment.card = Some(card);
    payment.updated_at = now;
    let invoice = Invoice::for_payment(&payment, customer_id.clone(), InvoiceStatus::Paid, now);
    payment.invoice_id = Some(invoice.id.clone());
    let completion = Completion {
        payment: &payment,
        attempt_version: version,
        customer: customer_change,
        invoice,
        receipt_to: Some(&receipt_to),
        now,
        key_completion: None,
    };
    match app.store.complete_payment(account, completion).await {
        Err(error) => outage(error),
        Ok(CompletionOutcome::AttemptSuperseded) => Page::notice(
            409,
            "Payment in progress",
            "Another attempt on this payment link is in progress. Reload the page in a moment.",
        ),
        Ok(CompletionOutcome::Completed(invoice)) => paid_page(&payment, Some(&invoice)),
    }
}

#[allow(clippy::too_many_arguments)]
async fn unpaid(
    app: &App,
    account: &AccountId,
    payment: &Payment,
    version: u64,
    status: PaymentStatus,
    failure: Failure,
    card: CardSummary,
    now: Timestamp,
) -> Page {
    match app
        .store
        .end_attempt_unpaid(
            account,
            &Attempt {
                payment: payment.clone(),
                version,
            },
            Unpaid {
                status,
                failure: &failure,
                card: &card,
            },
            now,
        )
        .await
    {
        Err(error) => outage(error),
        Ok(None) => Page::notice(
            409,
            "Payment in progress",
            "Another attempt on this payment link is in progress. Reload the page in a moment.",
        ),
        Ok(Some(updated)) => {
            let mut page = form(&updated, &FormState::fresh(Some(&failure)));
            page.status = 402;
            page
        }
    }
}

/// What the payer typed, validated.
struct Entry {
    email: Option<Email>,
    card: CardDetails,
}

/// The form's messages and the values to show again (never the card number or CVC).
#[derive(Default)]
struct FormState {
    error: Option<String>,
    field_errors: Vec<(&'static str, String)>,
    email: String,
    expiry: String,
}

impl FormState {
    fn fresh(failure: Option<&Failure>) -> Self {
        Self {
            error: failure.map(|f| f.message.clone()),
            ..Self::default()
        }
    }

    fn field_error(&self, name: &str) -> String {
        self.field_errors
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, message)| format!("<p class=\"field-error\">{}</p>", text(message)))
            .unwrap_or_default()
    }
}

fn read_entry(
    request: &PageRequest,
    payment: &Payment,
    now: Timestamp,
) -> Result<Entry, FormState> {
    let mut state = FormState {
        email: request.field("email").unwrap_or_default().to_owned(),
        expiry: request.field("expiry").unwrap_or_default().to_owned(),
        ..FormState::default()
    };
    let email = if payment.customer_id.is_none() {
        match Email::parse(&state.email) {
            Ok(email) => Some(email),
            Err(invalid) => {
                state
                    .field_errors
                    .push(("email", format!("E-mail {invalid}")));
                None
            }
        }
    } else {
        None
    };
    let number =
        CardNumber::parse(request.field("card_number").unwrap_or_default()).map_err(|invalid| {
            state
                .field_errors
                .push(("card_number", format!("Card number {invalid}")))
        });
    let expiry = Expiry::parse(&state.expiry, now).map_err(|invalid| {
        state
            .field_errors
            .push(("expiry", format!("Expiry {invalid}")))
    });
    let cvc = Cvc::parse(request.field("cvc").unwrap_or_default())
        .map_err(|invalid| state.field_errors.push(("cvc", format!("CVC {invalid}"))));
    match (number, expiry, cvc) {
        (Ok(number), Ok(expiry), Ok(cvc)) if state.field_errors.is_empty() => Ok(Entry {
            email,
            card: CardDetails {
                number,
                expiry,
                cvc,
            },
        }),
        _ => {
            state.error = Some("Please correct the fields below.".to_owned());
            Err(state)
        }
    }
}

fn summary(payment: &Payment) -> String {
    let money = |amount| text(&format_amount(amount, &payment.currency)).to_string();
    format!(
        "<section class=\"summary\"><p>{}</p><dl>\
         <dt>Amount</dt><dd>{}</dd><dt>Tax</dt><dd>{}</dd>\
         <dt class=\"total\">Total</dt><dd class=\"total\">{}</dd></dl></section>",
        text(payment.description.as_str()),
        money(payment.amounts.subtotal),
        money(payment.amounts.tax),
        money(payment.amounts.total()),
    )
}

fn form(payment: &Payment, state: &FormState) -> Page {
    let token = new_csrf_token().unwrap_or_default();
    let email = if payment.customer_id.is_none() {
        format!(
            "<label for=\"email\">E-mail for your receipt</label>\
             <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required \
             value=\"{}\">{}",
            attr(&state.email),
            state.field_error("email")
        )
    } else {
        String::new()
    };
    let error = state
        .error
        .as_deref()
        .map(|message| format!("<p class=\"error\" role=\"alert\">{}</p>", text(message)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Pay {total}</h1>{summary}{error}\
         <form method=\"post\" action=\"/pay/{id}\" autocomplete=\"on\">\
         <input type=\"hidden\" name=\"{CSRF_FIELD}\" value=\"{token}\">{email}\
         <label for=\"card_number\">Card number</label>\
         <input id=\"card_number\" name=\"card_number\" inputmode=\"numeric\" \
         autocomplete=\"cc-number\" required placeholder=\"4242 4242 4242 4242\">{card_error}\
         <div class=\"row\"><div><label for=\"expiry\">Expiry (MM/YY)</label>\
         <input id=\"expiry\" name=\"expiry\" autocomplete=\"cc-exp\" required placeholder=\"12/34\" \
         value=\"{expiry}\">{expiry_error}</div>\
         <div><label for=\"cvc\">CVC</label>\
         <input id=\"cvc\" name=\"cvc\" inputmode=\"numeric\" autocomplete=\"cc-csc\" required \
         placeholder=\"123\">{cvc_error}</div></div>\
         <button type=\"submit\">Pay {total}</button></form>{sandbox}",
        total = text(&format_amount(payment.amounts.total(), &payment.currency)),
        summary = summary(payment),
        id = attr(payment.id.as_str()),
        token = attr(&token),
        card_error = state.field_error("card_number"),
        expiry = attr(&state.expiry),
        expiry_error = state.field_error("expiry"),
        cvc_error = state.field_error("cvc"),
        sandbox = if payment.livemode {
            ""
        } else {
            "<p class=\"muted\">Sandbox: no money moves. Use 4242 4242 4242 4242, any future \
             expiry and any CVC.</p>"
        },
    );
    let mut page = Page::new(400, "Pay", body);
    page.status = if state.field_errors.is_empty() {
        200
    } else {
        400
    };
    page.new_csrf = Some(token);
    page
}

/// A link that takes no attempt now: paid, canceled, or an attempt running.
fn settled(payment: &Payment) -> Page {
    match payment.status {
        PaymentStatus::Succeeded => paid_page(payment, None),
        PaymentStatus::Canceled => Page::notice(
            410,
            "Payment link canceled",
            "This payment link was canceled by the merchant and can no longer be paid.",
        ),
        PaymentStatus::Processing => Page::notice(
            409,
            "Payment in progress",
            "A payment on this link is being processed. Reload the page in a moment.",
        ),
        _ => Page::notice(
            409,
            "Payment not available",
            "This payment link cannot be paid.",
        ),
    }
}

fn paid_page(payment: &Payment, invoice: Option<&Invoice>) -> Page {
    let invoice_line = invoice
        .map(|invoice| format!("<p>Invoice {}.</p>", text(&invoice.number.to_string())))
        .unwrap_or_default();
    let onward = payment
        .success_url
        .as_ref()
        .map(|url| {
            format!(
                "<p><a href=\"{}\">Return to the merchant</a></p>",
                attr(url.as_str())
            )
        })
        .unwrap_or_default();
    Page::new(
        200,
        "Paid",
        format!(
            "<h1>Paid</h1>{}<p>Thank you: this payment is complete. A receipt is on its way.</p>\
             {invoice_line}{onward}",
            summary(payment)
        ),
    )
}
