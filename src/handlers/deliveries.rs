//! `/webhooks/{id}/deliveries` (ours): what was sent to an endpoint, attempt by attempt, and one
//! more attempt by hand.

use crate::app::App;
use crate::domain::delivery::DeliveryStatus;
use crate::domain::ids::{AttemptId, DeliveryId, WebhookId};
use crate::domain::page::Listing;
use crate::http::views;
use crate::http::{ApiError, ApiRequest, ApiResponse, Resource};

use super::page_request;

fn webhook_id(request: &ApiRequest) -> Result<WebhookId, ApiError> {
    WebhookId::parse(request.param("id")).map_err(|_| ApiError::not_found(Resource::Webhook))
}

/// `GET /webhooks/{id}/deliveries`: the endpoint's attempts, newest first; the endpoint read
/// and the attempts queried at once (one round trip).
pub async fn list(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let id = webhook_id(&request)?;
    let mut query = request.query();
    let listing = Listing::new("deliveries", AttemptId::PREFIX, &[("webhook", id.as_str())]);
    let page = page_request(&mut query, &listing);
    query.finish()?;
    let account = &request.principal.account_id;
    let (webhook, found) = tokio::join!(
        app.store.get_webhook(account, &id),
        app.store.list_attempts(account, &id, &page)
    );
    webhook?.ok_or_else(|| ApiError::not_found(Resource::Webhook))?;
    let found = found?;
    let cursor = found.next.as_ref().map(|next| listing.cursor(next));
    views::delivery_attempts(request.version, &found.items, cursor.as_deref())
}

/// `POST /webhooks/{id}/deliveries/{deliveryId}/retry`: one more attempt now, recorded like any
/// other (the endpoint and the delivery read in one BatchGetItem). A pending delivery keeps
/// its schedule from here; one that had ended (delivered, or failed for good) changes only if
/// this attempt delivers.
pub async fn retry(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    if request.body.is_some() {
        request.body_fields()?.finish(())?;
    }
    let id = webhook_id(&request)?;
    let delivery_id = DeliveryId::parse(request.param("deliveryId"))
        .map_err(|_| ApiError::not_found(Resource::WebhookDelivery))?;
    let account = &request.principal.account_id;
    let (webhook, delivery) = app
        .store
        .webhook_and_delivery(account, &id, &delivery_id)
        .await?;
    let webhook = webhook.ok_or_else(|| ApiError::not_found(Resource::Webhook))?;
    let delivery = delivery
        .filter(|delivery| delivery.webhook_id == id)
        .ok_or_else(|| ApiError::not_found(Resource::WebhookDelivery))?;
    let retries = delivery
        .next_attempt_at
        .map(|_| app.config.retry_schedule)
        .filter(|_| delivery.status == DeliveryStatus::Pending);
    let attempt = app
        .attempt_now(account, &delivery, &webhook, retries)
        .await?;
    views::webhook_test(
        request.version,
        attempt.result.delivered(),
        delivery.id.as_str(),
        &attempt.attempted_at.to_string(),
        request.principal.livemode(),
    )
}
