//! Faults a test arms at a named point of a request, to prove what survives a crash. Only with
//! the `fault-injection` feature, which the test command turns on and no deployed build has:
//! without it every point is an empty inline function.

#[cfg(feature = "fault-injection")]
use std::sync::Mutex;

use crate::store::StoreError;

/// What happens at an armed point, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The next store write fails (the client gets a 503).
    FailWrite,
    /// The invocation dies there: nothing after it runs, not even the answer.
    Crash,
}

#[derive(Debug, Default)]
pub struct Faults {
    #[cfg(feature = "fault-injection")]
    charge_recording: Mutex<Option<Fault>>,
    #[cfg(feature = "fault-injection")]
    intent_recording: Mutex<Option<Fault>>,
}

impl Faults {
    /// Arms `fault` for the next charge (or live link attempt), between the provider's answer
    /// and the write that records it.
    #[cfg(feature = "fault-injection")]
    pub fn arm_charge_recording(&self, fault: Fault) {
        arm(&self.charge_recording, fault);
    }

    /// Arms `fault` for the next live link attempt, at the write that records its
    /// PaymentIntent before it is confirmed.
    #[cfg(feature = "fault-injection")]
    pub fn arm_intent_recording(&self, fault: Fault) {
        arm(&self.intent_recording, fault);
    }

    /// The point between a charge's provider answer and the write that records it.
    #[cfg(feature = "fault-injection")]
    pub(crate) async fn charge_recording(&self) -> Result<(), StoreError> {
        strike(&self.charge_recording).await
    }

    /// The point before a live link attempt records its PaymentIntent.
    #[cfg(feature = "fault-injection")]
    pub(crate) async fn intent_recording(&self) -> Result<(), StoreError> {
        strike(&self.intent_recording).await
    }

    #[cfg(not(feature = "fault-injection"))]
    #[inline(always)]
    pub(crate) async fn charge_recording(&self) -> Result<(), StoreError> {
        Ok(())
    }

    #[cfg(not(feature = "fault-injection"))]
    #[inline(always)]
    pub(crate) async fn intent_recording(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(feature = "fault-injection")]
fn arm(point: &Mutex<Option<Fault>>, fault: Fault) {
    *point
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(fault);
}

/// What the fault armed at `point`, if any, does there (once).
#[cfg(feature = "fault-injection")]
async fn strike(point: &Mutex<Option<Fault>>) -> Result<(), StoreError> {
    let armed = point
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    match armed {
        None => Ok(()),
        Some(Fault::FailWrite) => Err(StoreError::Unavailable("injected write failure".into())),
        Some(Fault::Crash) => std::future::pending().await,
    }
}
