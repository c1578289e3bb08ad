//! A payment link's paid attempt recorded: by the hosted page that made it, or by the provider's
//! report of it (Stripe's webhook) when the page's invocation died after the provider charged,
//! or by the reconciler finding an attempt left (`link_checks.rs`). Either way it is ONE
//! completion transaction conditional on the attempt, so the first records it and the others
//! find it done.

use serde_json::Value;

use super::App;
use super::AppError;
use super::charges::Reported;
use crate::domain::card::PaymentMethod;
use crate::domain::customer::{Customer, NewCustomer};
use crate::domain::ids::AccountId;
use crate::domain::invoice::{Invoice, InvoiceStatus};
use crate::domain::payment::{CardSummary, Payment, PaymentStatus, Route};
use crate::domain::text::Email;
use crate::domain::time::Timestamp;
use crate::provider::stripe::ATTEMPT_METADATA;
use crate::provider::{ProviderError, Sandbox, Stripe};
use crate::store::{Attempt, Completion, CompletionOutcome, CustomerChange, StoreError};

/// An attempt the provider took the card for.
pub struct PaidAttempt {
    pub attempt: Attempt,
    pub card: CardSummary,
    /// The card, saved for off-session charges.
    pub method: PaymentMethod,
    /// The payer's address when the link has no customer (the page asks for it).
    pub payer_email: Option<Email>,
    /// The provider's id for the money movement (Stripe's PaymentIntent), if it has one.
    pub reference: Option<String>,
    pub now: Timestamp,
}

/// The e-mail of the payer of a link without a customer (`None` for a link with one), for what
/// records their attempt without the page's form: the one kept with the attempt, else (an
/// attempt begun before it was kept) the one on the Stripe customer the card is saved on, read
/// at Stripe only then.
pub async fn payer_email(
    stripe: &Stripe<'_>,
    attempt: &Attempt,
    card: &PaymentMethod,
) -> Result<Option<Email>, ProviderError> {
    if attempt.payment.customer_id.is_some() {
        return Ok(None);
    }
    if let Some(kept) = &attempt.payer_email {
        return Ok(Some(kept.clone()));
    }
    let at_stripe = match &card.provider_customer {
        Some(customer) => stripe.customer_email(customer).await?,
        None => None,
    };
    at_stripe
        .and_then(|text| Email::parse(&text).ok())
        .map(Some)
        .ok_or_else(|| {
            ProviderError("neither the attempt nor its Stripe customer has an e-mail".into())
        })
}

#[derive(Debug)]
pub enum LinkCompleted {
    Paid {
        payment: Box<Payment>,
        invoice: Box<Invoice>,
    },
    /// Another attempt, or another recording of this one, came first: nothing written.
    Superseded,
}

impl App {
    /// One transaction settles the link: paid, its numbered invoice, the card vaulted on the
    /// customer (created from the payer's e-mail if the link had none), the receipt to send.
    pub async fn complete_link(
        &self,
        account: &AccountId,
        paid: PaidAttempt,
    ) -> Result<LinkCompleted, StoreError> {
        let PaidAttempt {
            attempt,
            card,
            method,
            payer_email,
            reference,
            now,
        } = paid;
        let mut payment = attempt.payment;
        let (customer_id, new_customer, receipt_to) = match payment.customer_id.clone() {
            Some(id) => match self.store.get_customer_by_id(account, &id).await? {
                Some(customer) => (id, None, customer.email.as_str().to_owned()),
                None => return Err(StoreError::corrupt("a link's customer disappeared")),
            },
            None => {
                let email = payer_email.ok_or_else(|| {
                    StoreError::Internal("a link without a customer paid without an e-mail".into())
                })?;
                let receipt_to = email.as_str().to_owned();
                let mut customer =
                    Customer::create(NewCustomer::with_email(email), now, payment.livemode);
                customer.payment_method = Some(method.clone());
                customer.provider_customer = method.provider_customer.clone();
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
        payment.provider_reference = reference;
        payment.dispute = Sandbox::dispute_of(&method, &payment);
        payment.paid_at = Some(now);
        payment.updated_at = now;
        let invoice = Invoice::for_payment(&payment, customer_id.clone(), InvoiceStatus::Paid, now);
        payment.invoice_id = Some(invoice.id.clone());
        let completion = Completion {
            payment: &payment,
            attempt_version: attempt.version,
            customer: customer_change,
            invoice,
            receipt_to: Some(&receipt_to),
            now,
            key_completion: None,
        };
        Ok(
            match self.store.complete_payment(account, completion).await? {
                CompletionOutcome::AttemptSuperseded => LinkCompleted::Superseded,
                CompletionOutcome::Completed(invoice) => LinkCompleted::Paid {
                    payment: Box::new(payment),
                    invoice,
                },
            },
        )
    }

    /// Stripe reported the link's PaymentIntent `intent` succeeded (`attempt`: the link as just
    /// read, with its current attempt): records the attempt it belongs to if nobody has (its
    /// page died after Stripe charged), with the card Stripe saved.
    pub(super) async fn record_reported_link(
        &self,
        account: &AccountId,
        attempt: Attempt,
        intent: &Value,
    ) -> Result<Reported, AppError> {
        if intent["status"] != "succeeded" {
            // A declined attempt is ended by its page, or taken over once stale.
            return Ok(Reported::Ignored);
        }
        let reported_attempt = intent["metadata"][ATTEMPT_METADATA]
            .as_str()
            .and_then(|text| text.parse::<u64>().ok());
        if attempt.payment.status != PaymentStatus::Processing
            || reported_attempt != Some(attempt.version)
        {
            return Ok(Reported::AlreadyRecorded(attempt.payment));
        }
        let stripe = self
            .stripe_on(&Route::of(&attempt.payment))
            .await?
            .ok_or_else(|| ProviderError("no Stripe here to read the paid card from".into()))?;
        self.record_paid_link(&stripe, account, attempt, intent)
            .await
    }

    /// Records `attempt` paid by the PaymentIntent `intent` (succeeded), read at `stripe` (the
    /// payment's), with the card Stripe saved, unless another recording of it or another
    /// attempt came first.
    pub(super) async fn record_paid_link(
        &self,
        stripe: &Stripe<'_>,
        account: &AccountId,
        attempt: Attempt,
        intent: &Value,
    ) -> Result<Reported, AppError> {
        let link = attempt.payment.id.clone();
        let method = stripe.paid_card(intent).await?;
        let payer_email = payer_email(stripe, &attempt, &method).await?;
        let card = CardSummary {
            brand: method.brand.clone(),
            last4: method.last4.clone(),
        };
        let paid = PaidAttempt {
            attempt,
            card,
            method,
            payer_email,
            reference: intent["id"].as_str().map(str::to_owned),
            now: Timestamp::now(),
        };
        Ok(match self.complete_link(account, paid).await? {
            LinkCompleted::Paid { payment, .. } => Reported::Recorded(*payment),
            LinkCompleted::Superseded => {
                let current = self.store.get_payment(account, &link).await?;
                Reported::AlreadyRecorded(
                    current.ok_or_else(|| StoreError::corrupt("a recorded link disappeared"))?,
                )
            }
        })
    }
}
