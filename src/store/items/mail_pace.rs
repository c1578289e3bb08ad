use serde::Deserialize;

use super::{StoreError, stored};
use crate::domain::send_pace::SendPace;
use crate::domain::time::Timestamp;

/// A customer's mail pace (`keys::customer_mail_pace`), written only by the conditional update
/// of `rules::pace_customer_mail`, which also sets its `ttl`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerMailPaceItem {
    pub busy_until: String,
}

impl CustomerMailPaceItem {
    pub fn into_domain(self) -> Result<SendPace, StoreError> {
        let busy_until = stored("busyUntil", Timestamp::parse(&self.busy_until))?;
        Ok(SendPace::new(Some(busy_until)))
    }
}
