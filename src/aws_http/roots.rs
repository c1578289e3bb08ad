//! The roots an AWS client trusts: AWS's own, compiled in, plus whatever `SSL_CERT_FILE` names,
//! parsed once per process.

use std::error::Error;
use std::path::Path;
use std::sync::OnceLock;

use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::tls;

/// The roots AWS endpoints chain to (see certs/README.md).
const AWS_TRUST_ROOTS: &str = include_str!("../../certs/aws-trust-roots.pem");

/// The roots in the PEM file `SSL_CERT_FILE` names, if it is set, readable and holds only
/// usable roots; otherwise none, and AWS's alone are trusted.
fn extra_roots() -> Option<RootCertStore> {
    roots_of_file(Path::new(&std::env::var_os("SSL_CERT_FILE")?))
}

pub(super) fn roots_of_file(path: &Path) -> Option<RootCertStore> {
    match std::fs::read(path) {
        Ok(pem) => match roots_in(&pem) {
            Ok(roots) => Some(roots),
            Err(error) => {
                tracing::warn!(?path, %error, "SSL_CERT_FILE is not PEM roots; ignored");
                None
            }
        },
        Err(error) => {
            tracing::warn!(?path, %error, "SSL_CERT_FILE is unreadable; ignored");
            None
        }
    }
}

/// Every certificate in `pem`, as roots; an error if any of them cannot be one.
fn roots_in(pem: &[u8]) -> Result<RootCertStore, Box<dyn Error>> {
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(pem) {
        roots.add(certificate?)?;
    }
    Ok(roots)
}

/// Built once per process, however many clients it has (a charge's DynamoDB and Secrets
/// Manager): parsing the roots is the costly part of a connector, and a configuration holds no
/// runtime's state, unlike the pool.
pub(super) fn shared_tls_config() -> rustls::ClientConfig {
    static CONFIG: OnceLock<rustls::ClientConfig> = OnceLock::new();
    CONFIG.get_or_init(|| tls_config(extra_roots())).clone()
}

pub(super) fn tls_config(extra_roots: Option<RootCertStore>) -> rustls::ClientConfig {
    let mut roots = roots_in(AWS_TRUST_ROOTS.as_bytes())
        .expect("the compiled-in roots are usable (a unit test parses them)");
    if let Some(extra) = extra_roots {
        roots.roots.extend(extra.roots);
    }
    tls::client_config(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BAD_ROOT: &[u8] = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

    #[test]
    fn the_compiled_in_roots_are_usable_and_a_bad_root_is_refused() {
        assert!(roots_in(AWS_TRUST_ROOTS.as_bytes()).unwrap().len() >= 4);
        assert!(roots_in(BAD_ROOT).is_err());
        let good_then_bad = [AWS_TRUST_ROOTS.as_bytes(), BAD_ROOT].concat();
        assert!(roots_in(&good_then_bad).is_err(), "a bad root was skipped");
    }

    #[test]
    fn a_bad_or_missing_ssl_cert_file_adds_no_roots() {
        let file = std::env::temp_dir().join(format!("bad-roots-{}.pem", std::process::id()));
        std::fs::write(&file, [AWS_TRUST_ROOTS.as_bytes(), BAD_ROOT].concat()).unwrap();
        assert!(roots_of_file(&file).is_none());
        std::fs::remove_file(&file).unwrap();
        assert!(roots_of_file(&file).is_none());
    }
}
