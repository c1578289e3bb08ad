//! Payment providers. Today only the built-in sandbox provider (`commet`) exists; live accounts
//! need a real provider, which is refused with `provider_unsupported` until one is configured.

use crate::domain::account::Mode;
use crate::domain::payment::Provider;

/// The provider that serves an account's payments, if any can.
pub fn for_mode(mode: Mode) -> Option<Provider> {
    match mode {
        Mode::Sandbox => Some(Provider::Commet),
        Mode::Live => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_uses_the_built_in_provider_and_live_has_none_yet() {
        assert_eq!(for_mode(Mode::Sandbox), Some(Provider::Commet));
        assert_eq!(for_mode(Mode::Live), None);
    }
}
