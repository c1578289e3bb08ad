//! A container's DynamoDB calls, observed: which operations it sent and how many were on the
//! wire at once, for tests of how many round trips a request costs.

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
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.operations.lock().unwrap().push(operation_name(cfg));
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
