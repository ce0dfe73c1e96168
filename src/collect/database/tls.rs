//! TLS for the database connections, with the settings of [`crate::tls`]. `prefer` and
//! `require` encrypt without checking the certificate (as libpq and the MySQL client do);
//! `verify-full` checks it and the host name against `ca_file` alone, or the system's CAs.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::ClientConfig;
use rustls::pki_types::{CertificateDer, ServerName};
use sha2::Digest;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

use crate::config::DatabaseConfig;
use crate::config::database::TlsMode;
use crate::tls::{self, Trust};

/// The rustls client settings for `mode`: the certificate checked only in `verify-full`.
pub fn client_config(config: &DatabaseConfig, mode: TlsMode) -> Result<Arc<ClientConfig>, String> {
    let client = match mode {
        TlsMode::VerifyFull => tls::verified(trust(config))?,
        TlsMode::Disable | TlsMode::Prefer | TlsMode::Require => tls::unverified()?,
    };
    Ok(Arc::new(client))
}

/// The CAs `verify-full` trusts: those of `ca_file` alone, or else the system's.
pub fn trusted_certificates(
    config: &DatabaseConfig,
) -> Result<Vec<CertificateDer<'static>>, String> {
    trust(config).certificates()
}

fn trust(config: &DatabaseConfig) -> Trust<'_> {
    config.ca_file.as_deref().map_or(Trust::System, Trust::Only)
}

/// tokio-postgres' TLS over rustls; whether it is used at all is the connection's `sslmode`.
#[derive(Clone)]
pub struct PostgresTls(pub Arc<ClientConfig>);

impl<S> MakeTlsConnect<S> for PostgresTls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = PostgresTlsStream<S>;
    type TlsConnect = PostgresTlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> io::Result<PostgresTlsConnect> {
        let name = ServerName::try_from(domain.to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(PostgresTlsConnect {
            name,
            connector: tokio_rustls::TlsConnector::from(Arc::clone(&self.0)),
        })
    }
}

pub struct PostgresTlsConnect {
    name: ServerName<'static>,
    connector: tokio_rustls::TlsConnector,
}

type Handshake<S> = Pin<Box<dyn Future<Output = io::Result<PostgresTlsStream<S>>> + Send>>;

impl<S> TlsConnect<S> for PostgresTlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = PostgresTlsStream<S>;
    type Error = io::Error;
    type Future = Handshake<S>;

    fn connect(self, stream: S) -> Handshake<S> {
        Box::pin(async move {
            let stream = self.connector.connect(self.name, stream).await?;
            Ok(PostgresTlsStream(stream))
        })
    }
}

pub struct PostgresTlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for PostgresTlsStream<S> {
    /// `tls-server-end-point` (RFC 5929): the certificate's hash, so that SCRAM with
    /// `channel_binding=require` detects a man in the middle even when the certificate is not
    /// checked.
    fn channel_binding(&self) -> ChannelBinding {
        let (_, session) = self.0.get_ref();
        session
            .peer_certificates()
            .and_then(<[CertificateDer<'_>]>::first)
            .and_then(|leaf| end_point_hash(leaf))
            .map_or_else(ChannelBinding::none, ChannelBinding::tls_server_end_point)
    }
}

/// The certificate hashed with its signature's hash (SHA-256 for MD5 and SHA-1); none for a
/// signature without one (Ed25519).
fn end_point_hash(certificate: &[u8]) -> Option<Vec<u8>> {
    use x509_parser::oid_registry as oid;
    let (_, parsed) = x509_parser::parse_x509_certificate(certificate).ok()?;
    let algorithm = &parsed.signature_algorithm.algorithm;
    let is = |known: &[&oid::Oid<'_>]| known.contains(&algorithm);
    if is(&[
        &oid::OID_PKCS1_SHA256WITHRSA,
        &oid::OID_SIG_ECDSA_WITH_SHA256,
        &oid::OID_PKCS1_SHA1WITHRSA,
        &oid::OID_PKCS1_MD5WITHRSAENC,
        &oid::OID_SIG_DSA_WITH_SHA1,
    ]) {
        Some(sha2::Sha256::digest(certificate).to_vec())
    } else if is(&[
        &oid::OID_PKCS1_SHA384WITHRSA,
        &oid::OID_SIG_ECDSA_WITH_SHA384,
    ]) {
        Some(sha2::Sha384::digest(certificate).to_vec())
    } else if is(&[
        &oid::OID_PKCS1_SHA512WITHRSA,
        &oid::OID_SIG_ECDSA_WITH_SHA512,
    ]) {
        Some(sha2::Sha512::digest(certificate).to_vec())
    } else {
        None
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for PostgresTlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for PostgresTlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
