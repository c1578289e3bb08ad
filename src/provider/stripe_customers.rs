//! Stripe customers: made for a payer when their card is first saved, and kept naming them as
//! we do (e-mail, name, address, our customer's id) when our customer is created with one or
//! changes.

use serde_json::Value;
use sha2::{Digest, Sha256};
use url::form_urlencoded::Serializer;

use super::ProviderError;
use super::stripe::{ACCOUNT_ID_METADATA, CUSTOMER_ID_METADATA, Stripe, object_path, unexpected};
use crate::domain::customer::ProviderProfile;

/// Who a Stripe customer is made for: their e-mail (none when Stripe would not take it) and
/// name (when we know one), our account, and our customer if they are one (a link's payer
/// without a customer becomes one when the link is paid).
#[derive(Debug, Clone, Copy)]
pub struct StripePayer<'a> {
    pub email: Option<&'a str>,
    pub name: Option<&'a str>,
    pub account_id: &'a str,
    pub customer_id: Option<&'a str>,
}

/// What became of telling a Stripe customer our customer's profile. Each is final: asking
/// again would come to the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileSync {
    Updated,
    /// Stripe refused the e-mail address (its error code): the Stripe customer was updated
    /// with none instead, so that it keeps no address that is no longer the customer's.
    UpdatedWithoutEmail(String),
    /// Stripe has no such customer here (deleted at Stripe, or saved on another Stripe account
    /// or mode than the account's now): nothing to keep in step.
    Missing,
    /// Stripe refused the profile itself (a 400 not about the e-mail); its error code and the
    /// parameter it named (not its message, which may quote what was sent). The Stripe
    /// customer keeps what it had.
    Refused(String),
}

/// The idempotency key of the Stripe customer made for `payer` on link `link_id` when they are
/// not our customer: a payer who tries another card after a decline is given the Stripe
/// customer made for them before, not one more each time (for as long as Stripe keeps a key: at
/// least 24 hours). The key is a digest of what is sent: Stripe refuses a key given again with
/// other parameters (a payer's other spelling of their address, or a form this code sends
/// differently after a deploy), and its request logs show keys, so the address is not in it.
pub fn link_payer_key(link_id: &str, payer: &StripePayer<'_>) -> String {
    let digest = Sha256::digest(creation_form(payer).as_bytes());
    format!("{link_id}-payer-{}", hex::encode(&digest[..16]))
}

/// The idempotency key of the Stripe customer made for our customer `customer_id`: a retry
/// after a lost answer gets the same one.
pub fn our_customer_key(customer_id: &str) -> String {
    format!("{customer_id}-stripe-customer")
}

/// The idempotency key of the Stripe customer made in place of `gone`, which was made under
/// `key`: Stripe would answer `key` with `gone` again (for 24 hours).
pub fn replacement_key(key: &str, gone: &str) -> String {
    format!("{key}-after-{gone}")
}

impl Stripe<'_> {
    /// Whether Stripe no longer has customer `customer`: deleted there (Stripe still answers
    /// it, marked deleted), or unknown to the account and mode the key is of.
    pub async fn customer_gone(&self, customer: &str) -> Result<bool, ProviderError> {
        let path = object_path("customers", customer);
        let (status, found) = self.call("GET", &path, None, None).await?;
        gone(status, &found)
    }

    /// A Stripe customer for a payer, tagged with our account (and our customer, when the payer
    /// is one), created under `idempotency_key`. An e-mail address Stripe refuses (it checks
    /// their shape more narrowly than we do) does not keep the payer from paying: the customer
    /// is made without it, under a key of its own (Stripe holds a key to one set of parameters).
    /// Receipts are ours and go to the address we hold.
    pub async fn create_customer(
        &self,
        payer: StripePayer<'_>,
        idempotency_key: &str,
    ) -> Result<String, ProviderError> {
        match self.create(&payer, idempotency_key).await? {
            Creation::Made(id) => Ok(id),
            Creation::EmailRefused(reason) => {
                tracing::warn!(
                    account = payer.account_id,
                    customer = payer.customer_id,
                    reason,
                    "Stripe refused the payer's e-mail: their Stripe customer is made without one"
                );
                let without_email = StripePayer {
                    email: None,
                    ..payer
                };
                let key = format!("{idempotency_key}-without-email");
                match self.create(&without_email, &key).await? {
                    Creation::Made(id) => Ok(id),
                    Creation::EmailRefused(reason) => Err(ProviderError(format!(
                        "Stripe refused a customer without an e-mail: {reason}"
                    ))),
                }
            }
        }
    }

    /// The e-mail of Stripe customer `customer`, if it has one.
    pub async fn customer_email(&self, customer: &str) -> Result<Option<String>, ProviderError> {
        let path = object_path("customers", customer);
        let (status, found) = self.call("GET", &path, None, None).await?;
        if status != 200 {
            return Err(unexpected(status, &found));
        }
        Ok(found["email"].as_str().map(str::to_owned))
    }

    async fn create(
        &self,
        payer: &StripePayer<'_>,
        idempotency_key: &str,
    ) -> Result<Creation, ProviderError> {
        let (status, answer) = self
            .call(
                "POST",
                "/v1/customers",
                Some(creation_form(payer)),
                Some(idempotency_key),
            )
            .await?;
        creation(status, &answer)
    }

    /// Sets the Stripe customer's e-mail, name and address to our customer's, and tags it with our
    /// customer's id, under `idempotency_key` (one per write of ours, so that a write told
    /// twice is one update at Stripe). An e-mail Stripe refuses is unset there instead (under
    /// a key of its own), with the rest of the profile.
    pub async fn update_customer(
        &self,
        profile: &ProviderProfile<'_>,
        idempotency_key: &str,
    ) -> Result<ProfileSync, ProviderError> {
        let email = profile.email.as_str();
        let (status, answer) = self.update(profile, email, idempotency_key).await?;
        let Some(reason) = email_refused(status, &answer) else {
            return profile_sync(status, &answer);
        };
        let key = format!("{idempotency_key}-without-email");
        // An empty e-mail is how Stripe's API unsets one.
        let (status, answer) = self.update(profile, "", &key).await?;
        match profile_sync(status, &answer)? {
            ProfileSync::Updated => Ok(ProfileSync::UpdatedWithoutEmail(reason)),
            other => Ok(other),
        }
    }

    async fn update(
        &self,
        profile: &ProviderProfile<'_>,
        email: &str,
        idempotency_key: &str,
    ) -> Result<(u16, Value), ProviderError> {
        let path = object_path("customers", profile.provider_customer);
        self.call(
            "POST",
            &path,
            Some(profile_form(profile, email)),
            Some(idempotency_key),
        )
        .await
    }
}

/// Stripe's refusal of the e-mail address given (a 400 naming `email`, such as
/// `email_invalid`): its error code, not its message, which quotes the address.
fn email_refused(status: u16, answer: &Value) -> Option<String> {
    let error = &answer["error"];
    (status == 400 && error["param"] == "email")
        .then(|| error["code"].as_str().unwrap_or("no error code").to_owned())
}

/// Stripe's answer to a profile update. Only an answer that would change if asked again (an
/// outage, a rate limit, a key or permission to mend, a concurrent update: 401, 403, 409, 429,
/// 5xx) is an error, for the stream to read the change again; a refusal of the request itself
/// (400) would hold the customers after it back for nothing.
fn profile_sync(status: u16, answer: &Value) -> Result<ProfileSync, ProviderError> {
    match status {
        200 => Ok(ProfileSync::Updated),
        404 => Ok(ProfileSync::Missing),
        400 => Ok(ProfileSync::Refused(format!(
            "{} on {}",
            answer["error"]["code"].as_str().unwrap_or("no error code"),
            answer["error"]["param"].as_str().unwrap_or("no parameter")
        ))),
        _ => Err(unexpected(status, answer)),
    }
}

/// Stripe's answer to a customer create.
#[derive(Debug, PartialEq, Eq)]
enum Creation {
    Made(String),
    /// Stripe refused the e-mail address (`email_refused`).
    EmailRefused(String),
}

fn creation(status: u16, answer: &Value) -> Result<Creation, ProviderError> {
    if let Some(reason) = email_refused(status, answer) {
        return Ok(Creation::EmailRefused(reason));
    }
    match (status, answer["id"].as_str()) {
        (200, Some(id)) => Ok(Creation::Made(id.to_owned())),
        _ => Err(unexpected(status, answer)),
    }
}

fn creation_form(payer: &StripePayer<'_>) -> String {
    let mut form = Serializer::new(String::new());
    if let Some(email) = payer.email {
        form.append_pair("email", email);
    }
    if let Some(name) = payer.name {
        form.append_pair("name", name);
    }
    form.append_pair(
        &format!("metadata[{ACCOUNT_ID_METADATA}]"),
        payer.account_id,
    );
    if let Some(customer) = payer.customer_id {
        form.append_pair(&format!("metadata[{CUSTOMER_ID_METADATA}]"), customer);
    }
    form.finish()
}

/// The profile with `email` (empty: unset). An empty `name` is how Stripe's API unsets one, and
/// an empty `address` the whole address. An address is sent whole, an empty string for each
/// part we do not hold, so that none of an earlier one's is left at Stripe. Metadata given is
/// merged into Stripe's.
fn profile_form(profile: &ProviderProfile<'_>, email: &str) -> String {
    let mut form = Serializer::new(String::new());
    form.append_pair("email", email).append_pair(
        "name",
        profile.full_name.map(|name| name.as_str()).unwrap_or(""),
    );
    match profile.address {
        Some(address) => {
            let parts = [
                ("line1", &address.line1),
                ("line2", &address.line2),
                ("city", &address.city),
                ("state", &address.state),
                ("postal_code", &address.postal_code),
            ];
            for (part, value) in parts {
                form.append_pair(&format!("address[{part}]"), value.as_deref().unwrap_or(""));
            }
            form.append_pair("address[country]", &address.country.as_str());
        }
        None => {
            form.append_pair("address", "");
        }
    }
    form.append_pair(
        &format!("metadata[{CUSTOMER_ID_METADATA}]"),
        profile.customer_id.as_str(),
    )
    .finish()
}

fn gone(status: u16, found: &Value) -> Result<bool, ProviderError> {
    match status {
        200 => Ok(found["deleted"] == true),
        404 => Ok(true),
        _ => Err(unexpected(status, found)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::address::{Address, CountryCode};
    use crate::domain::ids::CustomerId;
    use crate::domain::text::{Email, FullName};

    /// Stripe's answers as its API reference documents them (recorded responses), and
    /// localstripe's (it forgets a deleted customer).
    #[test]
    fn a_customer_is_gone_when_stripe_marks_it_deleted_or_has_none() {
        use serde_json::json;
        let deleted = json!({"id": "cus_1", "object": "customer", "deleted": true});
        assert!(gone(200, &deleted).unwrap());
        let missing = json!({"error": {"type": "invalid_request_error", "code": "resource_missing",
            "message": "No such customer: 'cus_2'", "param": "id"}});
        assert!(gone(404, &missing).unwrap());
        let localstripe =
            json!({"error": {"type": "invalid_request_error", "message": "Not Found"}});
        assert!(gone(404, &localstripe).unwrap());
        let there = json!({"id": "cus_3", "object": "customer", "email": null});
        assert!(!gone(200, &there).unwrap());
        let down = json!({"error": {"type": "api_error"}});
        assert!(gone(500, &down).is_err(), "unknown: not taken as gone");
        let bad_key = json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}});
        assert!(gone(401, &bad_key).is_err());
    }

    fn pairs(form: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(form.as_bytes())
            .into_owned()
            .collect()
    }

    #[test]
    fn a_profile_sets_email_name_and_address_and_a_missing_one_unsets_it() {
        let email = Email::parse("grace+new@example.com").unwrap();
        let name = FullName::parse("Grace Hopper").unwrap();
        let ours = CustomerId::parse("cus_01KEVENTSCVST0MER000000000").unwrap();
        let address = Address {
            line1: Some("Calle Mayor 1".into()),
            line2: None,
            city: Some("Madrid".into()),
            state: None,
            postal_code: Some("28013".into()),
            country: CountryCode::parse("es").unwrap(),
        };
        let mut profile = ProviderProfile {
            provider_customer: "cus_1",
            customer_id: &ours,
            email: &email,
            full_name: Some(&name),
            address: Some(&address),
        };
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            pairs(&profile_form(&profile, email.as_str())),
            [
                pair("email", "grace+new@example.com"),
                pair("name", "Grace Hopper"),
                pair("address[line1]", "Calle Mayor 1"),
                pair("address[line2]", ""),
                pair("address[city]", "Madrid"),
                pair("address[state]", ""),
                pair("address[postal_code]", "28013"),
                pair("address[country]", "ES"),
                pair("metadata[commet_customer_id]", ours.as_str()),
            ]
        );
        profile.full_name = None;
        profile.address = None;
        assert_eq!(
            pairs(&profile_form(&profile, email.as_str())),
            [
                pair("email", "grace+new@example.com"),
                pair("name", ""),
                pair("address", ""),
                pair("metadata[commet_customer_id]", ours.as_str()),
            ]
        );
    }

    /// Stripe's refusal of an e-mail address, as its API reference documents it.
    fn invalid_email() -> Value {
        serde_json::json!({"error": {
            "code": "email_invalid",
            "doc_url": "https://stripe.com/docs/error-codes/email-invalid",
            "message": "Invalid email address: ada@exa_mple.com",
            "param": "email",
            "type": "invalid_request_error"
        }})
    }

    /// Stripe's answers as its API reference documents them (recorded responses): localstripe
    /// takes any e-mail and any name, so it never refuses one.
    #[test]
    fn a_refused_profile_is_final_and_an_outage_is_asked_again() {
        use serde_json::json;
        let invalid_email = invalid_email();
        assert_eq!(
            email_refused(400, &invalid_email).as_deref(),
            Some("email_invalid")
        );
        let too_long = json!({"error": {
            "code": "parameter_invalid_string_too_long",
            "message": "Invalid string: Ada Lovelace...; must be at most 256 characters",
            "param": "name",
            "type": "invalid_request_error"
        }});
        assert_eq!(email_refused(400, &too_long), None);
        let Ok(ProfileSync::Refused(reason)) = profile_sync(400, &too_long) else {
            panic!("a 400 is not asked again");
        };
        assert_eq!(reason, "parameter_invalid_string_too_long on name");
        let no_such = json!({"error": {
            "code": "resource_missing",
            "message": "No such customer: 'cus_gone'",
            "param": "id",
            "type": "invalid_request_error"
        }});
        assert!(matches!(
            profile_sync(404, &no_such),
            Ok(ProfileSync::Missing)
        ));
        let updated = json!({"id": "cus_1", "object": "customer"});
        assert!(matches!(
            profile_sync(200, &updated),
            Ok(ProfileSync::Updated)
        ));
        let invalid =
            |message: &str| json!({"error": {"type": "invalid_request_error", "message": message}});
        let again = [
            (401, invalid("Invalid API Key provided: sk_live_****")),
            (
                403,
                invalid("The provided key does not have the required permissions"),
            ),
            (
                409,
                json!({"error": {"type": "invalid_request_error", "code": "lock_timeout"}}),
            ),
            (
                429,
                json!({"error": {"type": "invalid_request_error", "code": "rate_limit"}}),
            ),
            (500, json!({"error": {"type": "api_error"}})),
            (503, json!({})),
        ];
        for (status, answer) in again {
            assert!(
                profile_sync(status, &answer).is_err(),
                "{status} is asked again"
            );
        }
    }

    #[test]
    fn a_new_customer_is_tagged_with_our_ids_and_named_when_we_know_the_name() {
        let payer = StripePayer {
            email: Some("pat@example.com"),
            name: None,
            account_id: "acct_1",
            customer_id: None,
        };
        let form = pairs(&creation_form(&payer));
        assert!(form.iter().all(|(key, _)| key != "name"));
        assert!(form.contains(&("metadata[commet_account_id]".into(), "acct_1".into())));
        let named = StripePayer {
            name: Some("Pat Payer"),
            customer_id: Some("cus_ours"),
            ..payer
        };
        let form = pairs(&creation_form(&named));
        assert!(form.contains(&("name".into(), "Pat Payer".into())));
        assert!(form.contains(&("metadata[commet_customer_id]".into(), "cus_ours".into())));
        assert!(form.contains(&("email".into(), "pat@example.com".into())));
        let without_email = pairs(&creation_form(&StripePayer {
            email: None,
            ..named
        }));
        assert!(without_email.iter().all(|(key, _)| key != "email"));
        assert!(without_email.contains(&("name".into(), "Pat Payer".into())));
    }

    #[test]
    fn a_links_payer_is_keyed_by_link_and_what_is_sent_for_them() {
        let payer = StripePayer {
            email: Some("pat@example.com"),
            name: None,
            account_id: "acct_1",
            customer_id: None,
        };
        let key = link_payer_key("pay_1", &payer);
        assert_eq!(key, link_payer_key("pay_1", &payer.clone()));
        assert!(key.starts_with("pay_1-payer-"), "{key}");
        assert!(!key.contains("pat"), "{key}");
        let other_spelling = StripePayer {
            email: Some("Pat@example.com"),
            ..payer
        };
        let another_payer = StripePayer {
            email: Some("pat+2@example.com"),
            ..payer
        };
        for other in [
            link_payer_key("pay_2", &payer),
            link_payer_key("pay_1", &other_spelling),
            link_payer_key("pay_1", &another_payer),
        ] {
            assert_ne!(key, other);
        }
        // Stripe takes keys of up to 255 characters, the `-without-email` suffix included.
        let longest = StripePayer {
            email: Some(&"e".repeat(254)),
            ..payer
        };
        assert!(link_payer_key(&"p".repeat(30), &longest).len() < 100);
    }

    /// Recorded as Stripe's API reference documents them; localstripe makes a customer of any
    /// e-mail.
    #[test]
    fn a_refused_email_is_told_apart_from_other_refusals_of_a_new_customer() {
        use serde_json::json;
        let made = json!({"id": "cus_NffrFeUfNV2Hib", "object": "customer", "email": null});
        assert_eq!(
            creation(200, &made).unwrap(),
            Creation::Made("cus_NffrFeUfNV2Hib".into())
        );
        let invalid_email = invalid_email();
        assert_eq!(
            creation(400, &invalid_email).unwrap(),
            Creation::EmailRefused("email_invalid".into())
        );
        let other_param = json!({"error": {
            "code": "parameter_invalid_string_empty",
            "message": "You passed an empty string for 'name'.",
            "param": "name",
            "type": "invalid_request_error"
        }});
        for (status, answer) in [
            (400, other_param),
            (401, json!({"error": {"type": "invalid_request_error"}})),
            (500, json!({"error": {"type": "api_error"}})),
            (200, json!({"object": "customer"})),
        ] {
            assert!(creation(status, &answer).is_err(), "{status} {answer}");
        }
    }
}
