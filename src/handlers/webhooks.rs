//! `/webhooks`: where an account's events are delivered (docs/contract.md §5). Every URL is
//! checked against the addresses its host resolves to before it is saved, and again by every
//! delivery, which connects only to an address it checked.

use crate::app::App;
use crate::domain::delivery::Delivery;
use crate::domain::ids::{EventId, WebhookId};
use crate::domain::page::Listing;
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;
use crate::domain::webhook::{
    EventSelection, NewWebhook, WebhookChanges, WebhookEndpoint, WebhookSecret, WebhookUrl,
};
use crate::http::fields::{Fields, boolean, string, string_list};
use crate::http::views;
use crate::http::{ApiError, ApiRequest, ApiResponse, Resource};
use crate::outbound::{Audience, check_destination, test_event_body};
use crate::store::InsertWebhookOutcome;

use super::page_request;

fn webhook_id(request: &ApiRequest) -> Result<WebhookId, ApiError> {
    WebhookId::parse(request.param("id")).map_err(|_| ApiError::not_found(Resource::Webhook))
}

/// The `url` field; plain http only for sandbox accounts, and for a local stack's loopback
/// receivers (`allow_loopback`).
fn url_field(
    fields: &mut Fields<'_>,
    livemode: bool,
    allow_loopback: bool,
    required: bool,
) -> Option<WebhookUrl> {
    let parse = |v: &serde_json::Value| {
        string(v).and_then(|text| WebhookUrl::parse_for(text, livemode, allow_loopback))
    };
    if required {
        fields.required("url", parse)
    } else {
        fields.optional("url", parse)
    }
}

fn events_field(value: &serde_json::Value) -> Result<EventSelection, crate::domain::Invalid> {
    string_list(value).and_then(EventSelection::parse)
}

/// Refuses a URL whose host is, or resolves to, an address this service may not reach.
async fn check_url(app: &App, url: &WebhookUrl) -> Result<(), ApiError> {
    check_destination(url, app.config.webhooks_allow_loopback)
        .await
        .map(|_| ())
        .map_err(|refused| ApiError::validation("url", refused.to_string()))
}

/// `POST /webhooks`: one transaction (the endpoint, and the account's endpoint count).
pub async fn create(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let livemode = request.principal.livemode();
    let mut fields = request.body_fields()?;
    let url = url_field(
        &mut fields,
        livemode,
        app.config.webhooks_allow_loopback,
        true,
    );
    let events = fields.required("events", events_field);
    let description = fields.optional("description", |v| {
        string(v).and_then(WebhookEndpoint::parse_description)
    });
    let api_version = fields.optional("apiVersion", |v| string(v).and_then(ApiVersion::parse));
    let (url, events) = fields.finish((url, events))?;
    check_url(app, &url).await?;
    let secret = WebhookSecret::generate().map_err(ApiError::internal)?;
    let webhook = NewWebhook {
        url,
        events,
        description,
        api_version,
    }
    .create(secret, Timestamp::now(), livemode);
    let response = views::created_webhook(request.version, &webhook)?;
    match app
        .store
        .insert_webhook(&request.principal.account_id, &webhook)
        .await?
    {
        InsertWebhookOutcome::Inserted => Ok(response),
        InsertWebhookOutcome::LimitReached => Err(ApiError::WebhookLimitReached {
            limit: WebhookEndpoint::MAX_PER_ACCOUNT,
        }),
    }
}

/// `GET /webhooks`: newest first, one Query.
pub async fn list(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let mut query = request.query();
    let listing = Listing::new("webhooks", WebhookId::PREFIX, &[]);
    let page = page_request(&mut query, &listing);
    query.finish()?;
    let found = app
        .store
        .list_webhooks(&request.principal.account_id, &page)
        .await?;
    let cursor = found.next.as_ref().map(|next| listing.cursor(next));
    views::webhooks(request.version, &found.items, cursor.as_deref())
}

/// `GET /webhooks/{id}`: one GetItem.
pub async fn get(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let id = webhook_id(&request)?;
    let webhook = app
        .store
        .get_webhook(&request.principal.account_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(Resource::Webhook))?;
    views::webhook(request.version, &webhook)
}

/// `PATCH` (or, up to 2026-07-11, `PUT`) `/webhooks/{id}`: only the fields given change, in
/// ONE conditional UpdateItem; a new URL is checked like a new endpoint's.
pub async fn update(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let livemode = request.principal.livemode();
    let mut fields = request.body_fields()?;
    let url = url_field(
        &mut fields,
        livemode,
        app.config.webhooks_allow_loopback,
        false,
    );
    let events = fields.optional("events", events_field);
    let description = fields.nullable("description", |v| {
        string(v).and_then(WebhookEndpoint::parse_description)
    });
    let is_active = fields.optional("isActive", boolean);
    let api_version = fields.optional("apiVersion", |v| string(v).and_then(ApiVersion::parse));
    fields.finish(())?;
    let id = webhook_id(&request)?;
    let changes = WebhookChanges {
        url,
        events,
        description,
        is_active,
        api_version,
    };
    if let Some(url) = &changes.url {
        check_url(app, url).await?;
    }
    let account = &request.principal.account_id;
    let updated = if changes.is_empty() {
        app.store.get_webhook(account, &id).await?
    } else {
        app.store
            .update_webhook(account, &id, &changes, Timestamp::now())
            .await?
    };
    let webhook = updated.ok_or_else(|| ApiError::not_found(Resource::Webhook))?;
    views::webhook(request.version, &webhook)
}

/// `DELETE /webhooks/{id}`: one transaction (the endpoint, and the count).
pub async fn delete(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let id = webhook_id(&request)?;
    if !app
        .store
        .delete_webhook(&request.principal.account_id, &id)
        .await?
    {
        return Err(ApiError::not_found(Resource::Webhook));
    }
    views::deleted_webhook(request.version, id.as_str(), request.principal.livemode())
}

/// `POST /webhooks/{id}/test`: a signed `webhook.test` event delivered now (one GetItem, the
/// delivery opened, the attempt, 10 s at most, then recorded). `success` says whether the
/// receiver answered 2xx.
pub async fn test(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    if request.body.is_some() {
        request.body_fields()?.finish(())?;
    }
    let id = webhook_id(&request)?;
    let principal = &request.principal;
    let webhook = app
        .store
        .get_webhook(&principal.account_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(Resource::Webhook))?;
    let version = webhook
        .api_version
        .or(principal.api_version)
        .unwrap_or(ApiVersion::CURRENT);
    let event = EventId::generate();
    let at = Timestamp::now();
    let audience = Audience {
        account: &principal.account_id,
        mode: principal.mode,
        version,
    };
    let body = test_event_body(&event, audience, id.as_str(), at);
    // A test is a delivery like any other (listed with the endpoint's deliveries), but never
    // retried.
    let delivery = Delivery::open(
        id.clone(),
        event,
        "webhook.test",
        String::from_utf8(body).map_err(ApiError::internal)?,
        at,
        principal.livemode(),
    );
    app.store
        .open_delivery(&principal.account_id, &delivery)
        .await?;
    let attempt = app
        .attempt_now(&principal.account_id, &delivery, &webhook, None)
        .await?;
    views::webhook_test(
        request.version,
        attempt.result.delivered(),
        delivery.id.as_str(),
        &attempt.attempted_at.to_string(),
        principal.livemode(),
    )
}
