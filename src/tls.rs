//! TLS for every client (endpoint probes, databases, Alertmanager and notification targets): one
//! place that says which CAs are trusted (the system's, a `ca_file` besides or instead of them)
//! and builds rustls settings and verifiers, all with the ring provider.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// The crypto every client uses: ring, which builds with `cc` alone.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Which CAs a client trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust<'a> {
    /// The system's.
    System,
    /// The system's and those of a `ca_file` (endpoints).
    SystemAnd(&'a Path),
    /// Those of a `ca_file` alone (databases, as libpq's `sslrootcert`).
    Only(&'a Path),
}

impl Trust<'_> {
    /// The trusted certificates; an error when a `ca_file` cannot be read or holds none.
    pub fn certificates(self) -> Result<Vec<CertificateDer<'static>>, String> {
        match self {
            Trust::System => Ok(system_certificates()),
            Trust::SystemAnd(path) => {
                let mut certificates = system_certificates();
                certificates.extend(read_certificates(path)?);
                Ok(certificates)
            }
            Trust::Only(path) => read_certificates(path),
        }
    }

    /// The certificates as a rustls store; an error when there are none to verify with.
    pub fn roots(self) -> Result<RootCertStore, String> {
        let mut roots = RootCertStore::empty();
        let (added, ignored) = roots.add_parsable_certificates(self.certificates()?);
        tracing::debug!(added, ignored, trust = ?self, "CA certificates");
        if roots.is_empty() {
            return Err("TLS: no CA certificate to verify the server with".into());
        }
        Ok(roots)
    }
}

/// The system's CA certificates, read each time: callers keep what they build from them.
pub fn system_certificates() -> Vec<CertificateDer<'static>> {
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::warn!(%error, "reading the system's CA certificates");
    }
    found.certs
}

/// The PEM certificates in `path`; an error when it cannot be read or holds none.
pub fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    let shown = path.display();
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{shown}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{shown}: {e}"))?;
    if certificates.is_empty() {
        return Err(format!("{shown}: no PEM certificate in it"));
    }
    Ok(certificates)
}

/// Whether `path` holds a PEM private key that only its owner can read (a client's key).
pub fn check_private_key(path: &Path) -> Result<(), String> {
    use rustls::pki_types::PrivateKeyDer;
    use rustls::pki_types::pem::{self, PemObject};
    crate::secret::owner_only(path)?;
    let shown = path.display();
    match PrivateKeyDer::from_pem_file(path) {
        Ok(_) => Ok(()),
        Err(pem::Error::NoItemsFound) => Err(format!("{shown}: no PEM private key in it")),
        Err(error) => Err(format!("{shown}: {error}")),
    }
}

/// The verifier of a client: the web PKI's over `roots` (the certificate and the host name
/// checked), or, `insecure`, one that accepts any certificate.
pub fn verifier(
    roots: Arc<RootCertStore>,
    insecure: bool,
) -> Result<Arc<dyn ServerCertVerifier>, String> {
    if insecure {
        return Ok(Arc::new(Unverified(provider())));
    }
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider())
        .build()
        .map_err(|error| format!("no trusted CA certificates: {error}"))?;
    Ok(verifier)
}

/// Client settings that check the server with `verifier`.
pub fn client_config(verifier: Arc<dyn ServerCertVerifier>) -> Result<ClientConfig, String> {
    Ok(ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// An HTTPS client's settings as its config entry gives them: the system's CAs and `ca_file`'s,
/// or no check at all with `insecure_tls`.
pub fn https_client(ca_file: Option<&Path>, insecure_tls: bool) -> Result<ClientConfig, String> {
    if insecure_tls {
        return unverified();
    }
    verified(ca_file.map_or(Trust::System, Trust::SystemAnd))
}

/// What is wrong with an HTTPS client's `insecure_tls` and `ca_file` for an address of `scheme`:
/// the key at fault and why.
pub fn https_keys_problem(
    scheme: &str,
    ca_file: Option<&Path>,
    insecure_tls: bool,
) -> Option<(&'static str, String)> {
    for (key, set) in [
        ("insecure_tls", insecure_tls),
        ("ca_file", ca_file.is_some()),
    ] {
        if set && scheme != "https" {
            return Some((key, "only applies to an https:// address".into()));
        }
    }
    match ca_file.map(read_certificates) {
        Some(Err(problem)) => Some(("ca_file", problem)),
        _ => None,
    }
}

/// Client settings that check the server's certificate and name against `trust`.
pub fn verified(trust: Trust<'_>) -> Result<ClientConfig, String> {
    client_config(verifier(Arc::new(trust.roots()?), false)?)
}

/// Client settings that encrypt without checking the certificate.
pub fn unverified() -> Result<ClientConfig, String> {
    client_config(Arc::new(Unverified(provider())))
}

/// Accepts any certificate, but still checks that the server holds its key.
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_must_hold_a_certificate() {
        let passwd = Path::new("/etc/passwd");
        assert_eq!(
            Trust::Only(passwd).certificates().err(),
            Some("/etc/passwd: no PEM certificate in it".into())
        );
        assert!(Trust::SystemAnd(passwd).roots().is_err());
        let missing = Trust::Only(Path::new("/nonexistent/ca.pem")).roots();
        assert!(
            missing.is_err_and(|e| e.starts_with("/nonexistent/ca.pem: ")),
            "an unreadable file names itself"
        );
    }

    #[test]
    fn a_private_key_must_be_one_and_its_owners_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let key = dir.path().join("key.pem");
        let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIMmHNMvnmXRaMbrwwEm+eT5Xu4vNOwdsm9Ok7bpHfOfw\n-----END PRIVATE KEY-----\n";
        std::fs::write(&key, pem).unwrap_or_else(|e| panic!("{e}"));
        let chmod = |mode| {
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode))
                .unwrap_or_else(|e| panic!("{e}"));
        };
        chmod(0o644);
        let refused = check_private_key(&key).err().unwrap_or_default();
        assert!(
            refused.ends_with("(mode 644): run chmod 600 on it"),
            "{refused}"
        );
        chmod(0o600);
        assert_eq!(check_private_key(&key), Ok(()));
        std::fs::write(&key, "not a key\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            check_private_key(&key),
            Err(format!("{}: no PEM private key in it", key.display()))
        );
    }
}
