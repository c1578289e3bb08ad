//! The hosted page's view of a link: finding it by its public id, and the conditional steps of
//! an attempt (`pending`/`failed`/`requires_action` → `processing` → outcome).

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::error::is_condition_failure;
use super::items::{LinkItem, from_item, string_key};
use super::payments::payment_from;
use super::{Store, StoreError, keys};
use crate::domain::ids::{AccountId, PaymentId};
use crate::domain::payment::{CardSummary, Failure, Payment, PaymentKind, PaymentStatus};
use crate::domain::time::Timestamp;

/// How long an attempt may sit in `processing` before the payer may try again: an invocation
/// that crashed mid-attempt must not lock the link forever.
pub const STALE_ATTEMPT_SECONDS: i64 = 120;

#[derive(Debug)]
pub enum BeginAttempt {
    /// The link is now `processing` for this attempt; `version` identifies the attempt.
    Started {
        payment: Payment,
        version: u64,
    },
    /// The link cannot be paid now (paid, canceled, or another attempt is running).
    Refused(Payment),
    NotFound,
}

impl Store {
    /// The account and the link behind a public page id: two consistent GetItems.
    pub async fn find_link(
        &self,
        id: &PaymentId,
    ) -> Result<Option<(AccountId, Payment)>, StoreError> {
        let item = self
            .get_consistent(string_key(keys::link(id), keys::LINK_SK))
            .await?;
        let Some(item) = item else {
            return Ok(None);
        };
        let link: LinkItem = from_item(item)?;
        let account = AccountId::parse(&link.account_id).map_err(StoreError::corrupt)?;
        Ok(self
            .get_payment(&account, id)
            .await?
            .filter(|payment| payment.kind == PaymentKind::Link)
            .map(|payment| (account, payment)))
    }

    /// Moves a link to `processing` in one conditional UpdateItem, only from a state that accepts
    /// an attempt (`Payment::accepts_attempt`) or from an attempt gone stale. A cancel racing
    /// with this write conditions on `pending`, so exactly one of the two wins.
    pub async fn begin_attempt(
        &self,
        account: &AccountId,
        id: &PaymentId,
        now: Timestamp,
    ) -> Result<BeginAttempt, StoreError> {
        let stale = Timestamp::from_unix_millis(
            (now.datetime().unix_timestamp() - STALE_ATTEMPT_SECONDS) * 1000,
        )
        .map_err(StoreError::corrupt)?;
        let status = |s: PaymentStatus| AttributeValue::S(s.as_str().to_owned());
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(string_key(
                keys::payment(account, id),
                keys::PAYMENT_SK,
            )))
            .update_expression(
                "SET #status = :processing, attemptStartedAt = :now, updatedAt = :now \
                 ADD #version :one",
            )
            .condition_expression(
                "attribute_exists(pk) AND #kind = :link AND (#status IN (:pending, :failed, \
                 :requires_action) OR (#status = :processing AND attemptStartedAt < :stale))",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#kind", "kind")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":processing", status(PaymentStatus::Processing))
            .expression_attribute_values(":pending", status(PaymentStatus::Pending))
            .expression_attribute_values(":failed", status(PaymentStatus::Failed))
            .expression_attribute_values(":requires_action", status(PaymentStatus::RequiresAction))
            .expression_attribute_values(
                ":link",
                AttributeValue::S(PaymentKind::Link.as_str().into()),
            )
            .expression_attribute_values(":now", AttributeValue::S(now.to_string()))
            .expression_attribute_values(":stale", AttributeValue::S(stale.to_string()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => {
                let item = output
                    .attributes
                    .ok_or_else(|| StoreError::Internal("attempt returned no item".into()))?;
                let version = match item.get("version") {
                    Some(AttributeValue::N(n)) => n.parse().map_err(StoreError::corrupt)?,
                    _ => return Err(StoreError::corrupt("payment without version")),
                };
                Ok(BeginAttempt::Started {
                    payment: payment_from(item)?,
                    version,
                })
            }
            Err(error) => match error.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    match failed.item().cloned() {
                        Some(old) => Ok(BeginAttempt::Refused(payment_from(old)?)),
                        None => Ok(BeginAttempt::NotFound),
                    }
                }
                _ => Err(StoreError::from_sdk(error)),
            },
        }
    }

    /// Ends an attempt that did not pay: `processing` → `failed` or `requires_action`, with the
    /// reason, conditional on the attempt (`version`) still being the current one.
    #[allow(clippy::too_many_arguments)]
    pub async fn end_attempt_unpaid(
        &self,
        account: &AccountId,
        id: &PaymentId,
        version: u64,
        status: PaymentStatus,
        failure: &Failure,
        card: &CardSummary,
        now: Timestamp,
    ) -> Result<Option<Payment>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(string_key(
                keys::payment(account, id),
                keys::PAYMENT_SK,
            )))
            .update_expression(
                "SET #status = :status, failureCode = :code, failureMessage = :message, \
                 cardBrand = :brand, cardLast4 = :last4, updatedAt = :now \
                 REMOVE attemptStartedAt ADD #version :one",
            )
            .condition_expression("#status = :processing AND #version = :version")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":version", AttributeValue::N(version.to_string()))
            .expression_attribute_values(":status", AttributeValue::S(status.as_str().into()))
            .expression_attribute_values(
                ":processing",
                AttributeValue::S(PaymentStatus::Processing.as_str().into()),
            )
            .expression_attribute_values(":code", AttributeValue::S(failure.code.clone()))
            .expression_attribute_values(":message", AttributeValue::S(failure.message.clone()))
            .expression_attribute_values(":brand", AttributeValue::S(card.brand.clone()))
            .expression_attribute_values(":last4", AttributeValue::S(card.last4.clone()))
            .expression_attribute_values(":now", AttributeValue::S(now.to_string()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => output.attributes.map(payment_from).transpose(),
            Err(error) if is_condition_failure(&error) => Ok(None),
            Err(error) => Err(StoreError::from_sdk(error)),
        }
    }
}
