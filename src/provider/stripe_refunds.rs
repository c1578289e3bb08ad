//! Refunds asked of Stripe: one `POST /v1/refunds` of a PaymentIntent without an amount, so that
//! Stripe refunds what remains of its charge, under an idempotency key of our payment's, so that
//! asking again never refunds twice within Stripe's 24 hours of keys. Later asks find the charge
//! refunded (`charge_already_refunded`), which is the same answer.

use serde_json::Value;
use url::form_urlencoded::Serializer;

use super::ProviderError;
use super::stripe::{Stripe, tagged, unexpected};
use crate::domain::payment::Failure;
use crate::domain::refund::RefundStatus;

/// A refund of what remains of one of our payments' PaymentIntent.
#[derive(Debug, Clone, Copy)]
pub struct RefundRequest<'a> {
    /// The PaymentIntent that paid it (`pi_…`).
    pub intent: &'a str,
    pub payment_id: &'a str,
    pub account_id: &'a str,
}

/// What Stripe did with a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundAnswer {
    /// A refund, in the status Stripe gives it, of the charge named.
    Refunded {
        status: RefundStatus,
        charge: Option<String>,
    },
    /// Nothing remained to refund: the charge is refunded in full already.
    AlreadyRefunded,
    /// Stripe will not refund it (the charge disputed, say), and why.
    Refused(Failure),
}

impl Stripe<'_> {
    pub async fn refund(&self, request: RefundRequest<'_>) -> Result<RefundAnswer, ProviderError> {
        let key = format!("refund_{}", request.payment_id);
        let (status, answer) = self
            .call(
                "POST",
                "/v1/refunds",
                Some(refund_form(&request)),
                Some(&key),
            )
            .await?;
        refund_answer(status, &answer)
    }
}

fn refund_form(request: &RefundRequest<'_>) -> String {
    let mut form = Serializer::new(String::new());
    form.append_pair("payment_intent", request.intent);
    tagged(&mut form, request.payment_id, request.account_id).finish()
}

/// Stripe's answer to the refund's creation.
pub fn refund_answer(status: u16, answer: &Value) -> Result<RefundAnswer, ProviderError> {
    let error = &answer["error"];
    match status {
        200 => {
            let status = answer["status"]
                .as_str()
                .and_then(|status| RefundStatus::parse(status).ok())
                .ok_or_else(|| ProviderError("Stripe's refund has no status we know".into()))?;
            Ok(RefundAnswer::Refunded {
                status,
                charge: answer["charge"].as_str().map(str::to_owned),
            })
        }
        400 if error["code"] == "charge_already_refunded" => Ok(RefundAnswer::AlreadyRefunded),
        400 | 402 | 404 if error["type"] == "invalid_request_error" => {
            Ok(RefundAnswer::Refused(Failure {
                code: error["code"]
                    .as_str()
                    .unwrap_or("refund_refused")
                    .to_owned(),
                message: error["message"]
                    .as_str()
                    .unwrap_or("The payment provider refused the refund.")
                    .to_owned(),
            }))
        }
        _ => Err(unexpected(status, answer)),
    }
}

#[cfg(test)]
mod tests {
    //! Stripe's answers as its API reference documents them (recorded responses: localstripe
    //! refunds whatever it is asked, so it never answers `charge_already_refunded` or
    //! `charge_disputed`, and its refunds are always `succeeded`).
    use super::*;
    use serde_json::json;

    #[test]
    fn a_refund_is_its_status_and_charge() {
        let refund = json!({
            "id": "re_1Nispe2eZvKYlo2Cd31jOCgZ", "object": "refund", "amount": 1000,
            "charge": "ch_1NirD82eZvKYlo2CIvbtLWuY", "currency": "usd",
            "payment_intent": "pi_1", "status": "pending", "reason": null
        });
        assert_eq!(
            refund_answer(200, &refund).unwrap(),
            RefundAnswer::Refunded {
                status: RefundStatus::Pending,
                charge: Some("ch_1NirD82eZvKYlo2CIvbtLWuY".into()),
            }
        );
        assert!(refund_answer(200, &json!({"status": "reversed"})).is_err());
    }

    #[test]
    fn a_charge_refunded_already_is_said_so_and_a_refusal_says_why() {
        let already = json!({"error": {"type": "invalid_request_error",
            "code": "charge_already_refunded",
            "message": "Charge ch_1 has already been refunded."}});
        assert_eq!(
            refund_answer(400, &already).unwrap(),
            RefundAnswer::AlreadyRefunded
        );
        let disputed = json!({"error": {"type": "invalid_request_error",
            "code": "charge_disputed", "message": "Charge ch_1 has been charged back."}});
        assert_eq!(
            refund_answer(400, &disputed).unwrap(),
            RefundAnswer::Refused(Failure {
                code: "charge_disputed".into(),
                message: "Charge ch_1 has been charged back.".into(),
            })
        );
        let outage = json!({"error": {"type": "api_error", "message": "try again"}});
        assert!(refund_answer(500, &outage).is_err());
        let unauthorized = json!({"error": {"type": "invalid_request_error"}});
        assert!(refund_answer(401, &unauthorized).is_err());
    }

    #[test]
    fn the_refund_names_the_payment_intent_and_our_payment_but_no_amount() {
        let form = refund_form(&RefundRequest {
            intent: "pi_1",
            payment_id: "pay_1",
            account_id: "acct_1",
        });
        assert_eq!(
            form,
            "payment_intent=pi_1&metadata%5Bcommet_payment_id%5D=pay_1\
             &metadata%5Bcommet_account_id%5D=acct_1"
        );
    }
}
