//! Reads of a few items in one BatchGetItem (`Store::get_consistent_all`): a key DynamoDB
//! leaves unprocessed, as it does when a table throttles, is read again on its own, never taken
//! for an item that is not there. DynamoDB Local processes every key, so an interceptor on the
//! container's client moves the first key of each batch's answer into its unprocessed keys.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use aws_smithy_runtime_api::box_error::BoxError;
use commet_payments::domain::account::Mode;
use serde_json::{Value, json};

use crate::helpers::{Observed, TestApp, event, names, operation_name};
use crate::receipts::send_invoice;

/// Leaves the first key of every BatchGetItem unprocessed, observing every call.
#[derive(Debug, Clone, Default)]
struct FirstKeyUnprocessed {
    observed: Observed,
    /// The body of the BatchGetItem on the wire.
    batch_request: Arc<Mutex<Option<Value>>>,
}

/// The first key a BatchGetItem's body asks for (this table's keys are strings).
fn first_key(request: &Value) -> Option<HashMap<String, AttributeValue>> {
    let (_, wanted) = request["RequestItems"].as_object()?.iter().next()?;
    let key = wanted["Keys"][0].as_object()?;
    key.iter()
        .map(|(name, value)| Some((name.clone(), AttributeValue::S(value["S"].as_str()?.into()))))
        .collect()
}

/// `answer` as if DynamoDB had left `key` unprocessed.
fn leave_unprocessed(answer: &mut BatchGetItemOutput, key: HashMap<String, AttributeValue>) {
    let Some((table, items)) = answer.responses.as_mut().and_then(|t| t.iter_mut().next()) else {
        return;
    };
    items.retain(|item| {
        !key.iter()
            .all(|(name, value)| item.get(name) == Some(value))
    });
    let left = KeysAndAttributes::builder()
        .keys(key)
        .consistent_read(true)
        .build()
        .unwrap();
    answer.unprocessed_keys = Some(HashMap::from([(table.clone(), left)]));
}

impl Intercept for FirstKeyUnprocessed {
    fn name(&self) -> &'static str {
        "FirstKeyUnprocessed"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if operation_name(cfg) == "BatchGetItem" {
            let body = context.request().body().bytes().unwrap_or_default();
            *self.batch_request.lock().unwrap() = Some(serde_json::from_slice(body)?);
        }
        self.observed.read_before_transmit(context, components, cfg)
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.observed.read_after_transmit(context, components, cfg)
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if operation_name(cfg) != "BatchGetItem" {
            return Ok(());
        }
        let request = self.batch_request.lock().unwrap().take();
        let Some(key) = request.as_ref().and_then(first_key) else {
            return Ok(());
        };
        if let Some(Ok(output)) = context.output_or_error_mut()
            && let Some(answer) = output.downcast_mut::<BatchGetItemOutput>()
        {
            leave_unprocessed(answer, key);
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_key_left_unprocessed_is_read_again_on_its_own() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let payment = t
        .create(
            "/api/v1/payments",
            &key,
            json!({ "amount": 1250, "currency": "usd", "description": "throttled" }),
        )
        .await;

    // A read with an unseen key: the payment (the batch's first key) left unprocessed and
    // read again; the key's item came with the batch.
    let interceptor = FirstKeyUnprocessed::default();
    let observed = interceptor.observed.clone();
    let cold = t.another_container_observed_by(interceptor);
    let path = format!("/api/v1/payments/{payment}");
    // The version the account is pinned to, named: the read does not run again in its shape.
    let request = event("GET", &path)
        .key(&key)
        .header("Commet-Version", "2026-07-11");
    let read = cold.send(request.build()).await;
    assert_eq!(read.status, 200, "{:#}", read.body);
    assert_eq!(read.data()["id"], payment.as_str());
    assert_eq!(observed.operations(), names(&["BatchGetItem", "GetItem"]));

    // A mail: the invoice and the customer (each batch's first key) read again, their paces
    // taken from the batches.
    let customer = t
        .create(
            "/api/v1/customers",
            &key,
            json!({ "email": "throttled@example.com" }),
        )
        .await;
    let invoice = t
        .create(
            "/api/v1/invoices",
            &key,
            json!({ "customerId": customer, "amount": 1000, "description": "Throttled" }),
        )
        .await;
    let sent = send_invoice(&cold, &key, &invoice, &[]).await;
    assert_eq!(sent.status, 200, "{:#}", sent.body);
    assert_eq!(sent.data()["sent"], true);
    assert_eq!(
        observed.operations(),
        names(&[
            "BatchGetItem",
            "GetItem",
            "BatchGetItem",
            "GetItem",
            "BatchGetItem",
            "GetItem",
            "TransactWriteItems"
        ])
    );
}
