use serde::Deserialize;

use super::{StoreError, stored};
use crate::domain::send_pace::SendPace;
use crate::domain::time::Timestamp;

/// An invoice's or a customer's mail pace (`keys::invoice_mail_pace`,
/// `keys::customer_mail_pace`), written only by the conditional update of `rules::pace_mail`,
/// which also sets its `ttl`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MailPaceItem {
    pub busy_until: String,
}

impl MailPaceItem {
    pub fn into_domain(self) -> Result<SendPace, StoreError> {
        let busy_until = stored("busyUntil", Timestamp::parse(&self.busy_until))?;
        Ok(SendPace::new(Some(busy_until)))
    }
}
