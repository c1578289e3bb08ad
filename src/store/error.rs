use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// What can go wrong talking to the table, sorted by what the caller should do about it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Throttled, unreachable, timed out or a server-side fault: nothing was written that the
    /// caller can observe, and the same request may be retried.
    #[error("datastore unavailable: {0}")]
    Unavailable(String),
    /// A stored item does not map back to the domain: a bug or a hand-edited item.
    #[error("stored item is malformed: {0}")]
    Corrupt(String),
    /// Anything else (a request the table refused, a bug in an expression).
    #[error("datastore request failed: {0}")]
    Internal(String),
}

const RETRYABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
    "LimitExceededException",
];

/// DynamoDB refuses reads of an index it is still building (one added to a live table, which
/// can take hours), in words rather than a code of its own: the index will answer later.
fn reads_a_backfilling_index(code: &str, message: &str) -> bool {
    code == "ValidationException" && message.contains("backfilling global secondary index")
}

impl StoreError {
    /// Sorts an SDK failure. Connection, timeout and 5xx failures are `Unavailable`.
    pub(crate) fn from_sdk<E, R>(error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        match &error {
            SdkError::TimeoutError(_)
            | SdkError::DispatchFailure(_)
            | SdkError::ResponseError(_) => Self::Unavailable(format!("{error:?}")),
            SdkError::ServiceError(service) => {
                let code = service.err().code().unwrap_or("Unknown");
                let message = service.err().message().unwrap_or_default();
                if RETRYABLE_CODES.contains(&code) || reads_a_backfilling_index(code, message) {
                    Self::Unavailable(format!("{code}: {message}"))
                } else {
                    Self::Internal(format!("{code}: {message}"))
                }
            }
            _ => Self::Internal(format!("{error:?}")),
        }
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt(what.to_string())
    }

    pub(crate) fn build(what: impl std::fmt::Display) -> Self {
        Self::Internal(format!("could not build request: {what}"))
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::error::ErrorMetadata;
    use aws_sdk_dynamodb::operation::query::QueryError;

    use super::*;

    fn refused(code: &str, message: &str) -> StoreError {
        let metadata = ErrorMetadata::builder().code(code).message(message).build();
        StoreError::from_sdk(SdkError::service_error(QueryError::generic(metadata), ()))
    }

    #[test]
    fn an_index_still_being_built_is_unavailable_for_now() {
        // DynamoDB's words when a query names an index CloudFormation is adding.
        let found = refused(
            "ValidationException",
            "Cannot read from backfilling global secondary index: gsi3",
        );
        assert!(matches!(found, StoreError::Unavailable(_)), "{found:?}");
    }

    #[test]
    fn throttling_is_unavailable_and_a_refused_request_is_internal() {
        let throttled = refused("ThrottlingException", "Rate exceeded");
        assert!(
            matches!(throttled, StoreError::Unavailable(_)),
            "{throttled:?}"
        );
        let refused_request = refused(
            "ValidationException",
            "Consistent reads are not supported on global secondary indexes",
        );
        assert!(
            matches!(refused_request, StoreError::Internal(_)),
            "{refused_request:?}"
        );
    }
}
