//! The payer's form on the hosted page, read into domain values: the HTML-form counterpart of
//! `http::fields`. Every problem is reported next to its field, at once; the card number and
//! CVC are never shown again.

use super::HostedPageRequest;
use crate::domain::card::{CardDetails, CardNumber, Cvc, Expiry};
use crate::domain::payment::Failure;
use crate::domain::text::Email;
use crate::domain::time::Timestamp;

pub const CSRF_FIELD: &str = "csrf";

/// What the payer typed, valid.
pub struct CardEntry {
    /// The address for the receipt, asked only when the link has no customer.
    pub email: Option<Email>,
    pub card: CardDetails,
}

/// What the payer submitted on a page whose card Stripe.js collected.
pub struct SetupEntry {
    pub email: Option<Email>,
    /// The SetupIntent Stripe.js confirmed (its shape checked here; whose it is, at Stripe).
    pub setup_intent: String,
}

/// The form's messages and the values to show again (never the card number or CVC).
#[derive(Debug, Default)]
pub struct FormState {
    pub error: Option<String>,
    field_errors: Vec<(&'static str, String)>,
    pub email: String,
    pub expiry: String,
}

impl FormState {
    /// A blank form, saying why the last attempt failed if it did.
    pub fn fresh(failure: Option<&Failure>) -> Self {
        Self {
            error: failure.map(|f| f.message.clone()),
            ..Self::default()
        }
    }

    /// A blank form saying `message`.
    pub fn with_error(message: &str) -> Self {
        Self {
            error: Some(message.to_owned()),
            ..Self::default()
        }
    }

    /// The problem with `field`, if it has one.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.field_errors
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }

    pub fn has_field_errors(&self) -> bool {
        !self.field_errors.is_empty()
    }
}

/// The fields a payer submitted.
pub struct PaymentForm<'a> {
    fields: &'a [(String, String)],
}

impl<'a> PaymentForm<'a> {
    pub fn of(request: &'a HostedPageRequest) -> Self {
        Self {
            fields: &request.form,
        }
    }

    fn field(&self, name: &str) -> &'a str {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    /// Whether the form carries the anti-forgery token of `cookie` (double submit): another
    /// site can post the form but can neither read nor set the cookie.
    pub fn is_genuine(&self, cookie: Option<&str>) -> bool {
        let token = self.field(CSRF_FIELD);
        cookie.is_some_and(|cookie| !cookie.is_empty() && same_secret(cookie, token))
    }

    /// The PaymentIntent the payer returns from authenticating, if this is that return (a
    /// well-formed id; whose it is is checked at Stripe).
    pub fn returned_intent(&self) -> Option<&'a str> {
        let intent = self.field("payment_intent");
        let well_formed = intent.len() <= 255
            && intent.strip_prefix("pi_").is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
        well_formed.then_some(intent)
    }

    /// The valid entry of a Stripe.js page, or the form to show again.
    pub fn setup_entry(&self, asks_email: bool) -> Result<SetupEntry, FormState> {
        let mut state = FormState {
            email: self.field("email").to_owned(),
            ..FormState::default()
        };
        let email = if asks_email {
            match Email::parse(self.field("email")) {
                Ok(email) => Some(email),
                Err(invalid) => {
                    state
                        .field_errors
                        .push(("email", format!("E-mail {invalid}")));
                    state.error = Some("Please correct the fields below.".to_owned());
                    return Err(state);
                }
            }
        } else {
            None
        };
        let setup_intent = self.field("setup_intent");
        let well_formed = setup_intent.len() <= 255
            && setup_intent.strip_prefix("seti_").is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
        if !well_formed {
            state.error = Some(
                "Your card was not confirmed. This page needs JavaScript: Stripe takes your card \
                 in your browser. Enter it again."
                    .to_owned(),
            );
            return Err(state);
        }
        Ok(SetupEntry {
            email,
            setup_intent: setup_intent.to_owned(),
        })
    }

    /// The valid entry, or the form to show again with each problem next to its field.
    pub fn entry(&self, asks_email: bool, now: Timestamp) -> Result<CardEntry, FormState> {
        let mut state = FormState {
            email: self.field("email").to_owned(),
            expiry: self.field("expiry").to_owned(),
            ..FormState::default()
        };
        let mut problem = |field: &'static str, label: &str, invalid: crate::domain::Invalid| {
            state
                .field_errors
                .push((field, format!("{label} {invalid}")));
        };
        let email = if asks_email {
            Email::parse(self.field("email"))
                .map(Some)
                .map_err(|invalid| problem("email", "E-mail", invalid))
        } else {
            Ok(None)
        };
        let number = CardNumber::parse(self.field("card_number"))
            .map_err(|invalid| problem("card_number", "Card number", invalid));
        let expiry = Expiry::parse(self.field("expiry"), now)
            .map_err(|invalid| problem("expiry", "Expiry", invalid));
        let cvc = Cvc::parse(self.field("cvc")).map_err(|invalid| problem("cvc", "CVC", invalid));
        match (email, number, expiry, cvc) {
            (Ok(email), Ok(number), Ok(expiry), Ok(cvc)) => Ok(CardEntry {
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
}

/// Compares two secrets in time that depends only on their length.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |difference, (x, y)| difference | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(fields: &[(&str, &str)]) -> HostedPageRequest {
        HostedPageRequest {
            id: "pay_1".into(),
            csrf_cookie: None,
            form: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            secure: false,
            request_id: "r".into(),
        }
    }

    #[test]
    fn a_valid_entry_becomes_domain_values() {
        let request = request(&[
            ("email", "payer@example.com"),
            ("card_number", "4242 4242 4242 4242"),
            ("expiry", "12/34"),
            ("cvc", "123"),
        ]);
        let entry = PaymentForm::of(&request)
            .entry(true, Timestamp::now())
            .unwrap();
        assert_eq!(entry.email.unwrap().as_str(), "payer@example.com");
        assert_eq!(entry.card.number.last4(), "4242");
    }

    #[test]
    fn every_problem_sits_next_to_its_field_and_the_card_is_not_kept() {
        let request = request(&[
            ("email", "nope"),
            ("card_number", "4242 4242 4242 4241"),
            ("expiry", "01/20"),
            ("cvc", "1"),
        ]);
        let state = PaymentForm::of(&request)
            .entry(true, Timestamp::now())
            .err()
            .unwrap();
        for field in ["email", "card_number", "expiry", "cvc"] {
            assert!(state.error_for(field).is_some(), "{field}");
        }
        assert_eq!(state.email, "nope");
        assert_eq!(state.expiry, "01/20");
        assert!(!format!("{state:?}").contains("4241"));
    }

    #[test]
    fn the_email_is_asked_only_when_wanted() {
        let request = request(&[
            ("card_number", "4242424242424242"),
            ("expiry", "12/34"),
            ("cvc", "123"),
        ]);
        let entry = PaymentForm::of(&request)
            .entry(false, Timestamp::now())
            .unwrap();
        assert!(entry.email.is_none());
    }

    #[test]
    fn the_form_is_genuine_only_with_the_cookie_s_token() {
        let request = request(&[("csrf", "token-1")]);
        let form = PaymentForm::of(&request);
        assert!(form.is_genuine(Some("token-1")));
        assert!(!form.is_genuine(Some("token-2")));
        assert!(!form.is_genuine(Some("token-10")));
        assert!(!form.is_genuine(None));
        let blank = super::tests::request(&[("csrf", "")]);
        assert!(!PaymentForm::of(&blank).is_genuine(Some("")));
    }
}
