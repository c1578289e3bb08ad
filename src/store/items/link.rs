use serde::{Deserialize, Serialize};

/// Which account a hosted page `/pay/{id}` belongs to; written with the link.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LinkItem {
    pub pk: String,
    pub sk: String,
    pub account_id: String,
}
