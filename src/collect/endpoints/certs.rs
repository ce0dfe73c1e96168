//! Trust and certificates of the probes: the trust stores (the system's, and one per
//! `ca_file`), and a verifier that keeps the leaf certificate a handshake saw, so an expired or
//! untrusted one is still reported with its dates.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::DateTime;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::EndpointConfig;
use crate::model::endpoints::CertInfo;
use crate::tls;

/// The trust stores of the probes: the system's, and one per `ca_file` (shared by every endpoint
/// naming it: a store of the system's ~150 roots weighs about 100 KiB).
pub(super) struct TrustStores {
    system: Arc<RootCertStore>,
    with_ca: HashMap<std::path::PathBuf, Arc<RootCertStore>>,
}

impl TrustStores {
    pub(super) fn new() -> Self {
        Self {
            system: Arc::new(system_roots()),
            with_ca: HashMap::new(),
        }
    }

    pub(super) fn for_endpoint(&mut self, config: &EndpointConfig) -> Arc<RootCertStore> {
        match &config.ca_file {
            Some(path) => Arc::clone(
                self.with_ca
                    .entry(path.clone())
                    .or_insert_with(|| Arc::new(with_ca_file(&self.system, path))),
            ),
            None => Arc::clone(&self.system),
        }
    }
}

fn system_roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(tls::system_certificates());
    tracing::debug!(added, ignored, "system CA certificates");
    roots
}

/// The system's roots and a `ca_file`'s (checked when the config was loaded).
fn with_ca_file(system: &RootCertStore, path: &std::path::Path) -> RootCertStore {
    let mut roots = system.clone();
    match tls::read_certificates(path) {
        Ok(certificates) => {
            roots.add_parsable_certificates(certificates);
        }
        Err(error) => tracing::warn!(%error, "reading ca_file"),
    }
    roots
}

pub(super) fn host_name(url: &url::Url) -> Option<ServerName<'static>> {
    match url.host()? {
        url::Host::Domain(domain) => ServerName::try_from(domain.to_string()).ok(),
        url::Host::Ipv4(ip) => Some(ServerName::IpAddress(std::net::IpAddr::V4(ip).into())),
        url::Host::Ipv6(ip) => Some(ServerName::IpAddress(std::net::IpAddr::V6(ip).into())),
    }
}

/// The reason of a failed handshake, without the layers of wrapping.
pub(super) fn tls_reason(error: &std::io::Error) -> String {
    error
        .get_ref()
        .map_or_else(|| error.to_string(), ToString::to_string)
}

/// Subject, issuer and expiry of a DER certificate.
pub(super) fn cert_info(der: &[u8]) -> Option<CertInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_after: DateTime::from_timestamp(cert.validity().not_after.timestamp(), 0)?,
    })
}

/// Verifies with its inner verifier ([`tls::verifier`]: the web PKI's, or none with
/// `insecure_tls`), keeping the leaf certificate so an expired or untrusted one is still reported
/// with its dates.
#[derive(Debug)]
pub(super) struct RecordingVerifier {
    pub(super) inner: Arc<dyn ServerCertVerifier>,
    pub(super) leaf: Arc<Mutex<Option<CertificateDer<'static>>>>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut leaf) = self.leaf.lock() {
            *leaf = Some(end_entity.clone().into_owned());
        }
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
