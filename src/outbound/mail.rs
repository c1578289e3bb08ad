//! E-mail through Amazon SES v2 (`SendEmail`, simple content: HTML and text). Locally
//! `SES_ENDPOINT` points it at aws-ses-v2-local, with fixed local credentials.

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use super::aws;
use super::from_header::from_header;

/// Where mail goes out: the sender address and the SES client.
#[derive(Debug, Clone)]
pub struct Mailer {
    client: Client,
    sender: String,
}

/// Why a mail did not go, and whether it surely did not: SES answered with an error, or the
/// message could not be built. Otherwise (a timeout, a lost answer) SES may have taken it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSent {
    pub reason: String,
    pub surely: bool,
}

impl NotSent {
    fn surely(reason: String) -> Self {
        Self {
            reason,
            surely: true,
        }
    }
}

/// One message: to whom, in whose name, and what it says in HTML and in plain text.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    /// Shown as who the mail is from, beside the sender's address (the merchant's name).
    pub sender_name: String,
    pub subject: String,
    pub html: String,
    pub text: String,
}

impl Mailer {
    /// `sender` must be an identity verified in SES (its ARN bounds the function's permission).
    /// `endpoint` is for aws-ses-v2-local; unset means SES in the function's region.
    pub fn new(sender: String, endpoint: Option<&str>) -> Self {
        Self {
            client: Client::new(&aws::sdk_config(endpoint, aws::timeouts())),
            sender,
        }
    }

    /// Sends `mail`; SES's message id, or why it was not accepted.
    pub async fn send(&self, mail: &Mail) -> Result<String, NotSent> {
        let text = |data: &str| {
            Content::builder()
                .data(data)
                .charset("UTF-8")
                .build()
                .map_err(|e| NotSent::surely(e.to_string()))
        };
        let message = Message::builder()
            .subject(text(&mail.subject)?)
            .body(
                Body::builder()
                    .html(text(&mail.html)?)
                    .text(text(&mail.text)?)
                    .build(),
            )
            .build();
        let sent = self
            .client
            .send_email()
            .from_email_address(from_header(&self.sender, &mail.sender_name))
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|error| match error.as_service_error() {
                Some(refusal) => NotSent::surely(refusal.to_string()),
                None => NotSent {
                    reason: format!("{error}"),
                    surely: false,
                },
            })?;
        Ok(sent.message_id().unwrap_or_default().to_owned())
    }
}
