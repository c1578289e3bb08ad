//! A container's DynamoDB calls, observed: which operations it sent, how many items each
//! BatchGetItem asked for, and how many calls were on the wire at once, for tests of how many
//! round trips a request costs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

/// Every DynamoDB call a container makes: which operation, and how many were on the wire at
/// once at most.
#[derive(Debug, Clone, Default)]
pub struct Observed(Arc<Calls>);

#[derive(Debug, Default)]
struct Calls {
    operations: Mutex<Vec<String>>,
    batch_sizes: Mutex<Vec<usize>>,
    on_the_wire: AtomicUsize,
    most_on_the_wire: AtomicUsize,
}

impl Observed {
    /// The operations sent so far, in name order (concurrent calls have no order).
    pub fn operations(&self) -> Vec<String> {
        let mut operations = self.0.operations.lock().unwrap().clone();
        operations.sort();
        operations
    }

    /// How many items each BatchGetItem asked for, in the order they were sent.
    pub fn batch_sizes(&self) -> Vec<usize> {
        self.0.batch_sizes.lock().unwrap().clone()
    }

    pub fn most_at_once(&self) -> usize {
        self.0.most_on_the_wire.load(Ordering::SeqCst)
    }
}

impl Intercept for Observed {
    fn name(&self) -> &'static str {
        "Observed"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = operation_name(cfg);
        if operation == "BatchGetItem" {
            let body = context.request().body().bytes().unwrap_or_default();
            let request: serde_json::Value = serde_json::from_slice(body)?;
            let keys = request["RequestItems"]
                .as_object()
                .into_iter()
                .flat_map(|tables| tables.values())
                .map(|table| table["Keys"].as_array().map_or(0, Vec::len))
                .sum();
            self.0.batch_sizes.lock().unwrap().push(keys);
        }
        self.0.operations.lock().unwrap().push(operation);
        let now = self.0.on_the_wire.fetch_add(1, Ordering::SeqCst) + 1;
        self.0.most_on_the_wire.fetch_max(now, Ordering::SeqCst);
        Ok(())
    }

    fn read_after_transmit(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.on_the_wire.fetch_sub(1, Ordering::SeqCst);
        Ok(())
    }
}

/// The DynamoDB operation a call's configuration is for (`GetItem`, ...).
pub fn operation_name(cfg: &ConfigBag) -> String {
    cfg.load::<Metadata>()
        .map(|metadata| metadata.name().to_owned())
        .unwrap_or_default()
}

/// Operation names, in name order (as `Observed::operations` gives them).
pub fn names(operations: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = operations.iter().map(|name| (*name).to_owned()).collect();
    names.sort();
    names
}
