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
}

impl Faults {
    /// Arms `fault` for the next charge (or live link attempt), between the provider's answer
    /// and the write that records it.
    #[cfg(feature = "fault-injection")]
    pub fn arm_charge_recording(&self, fault: Fault) {
        *self
            .charge_recording
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(fault);
    }

    /// The point between a charge's provider answer and the write that records it.
    #[cfg(feature = "fault-injection")]
    pub(crate) async fn charge_recording(&self) -> Result<(), StoreError> {
        let armed = self
            .charge_recording
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        match armed {
            None => Ok(()),
            Some(Fault::FailWrite) => Err(StoreError::Unavailable("injected write failure".into())),
            Some(Fault::Crash) => std::future::pending().await,
        }
    }

    #[cfg(not(feature = "fault-injection"))]
    #[inline(always)]
    pub(crate) async fn charge_recording(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
