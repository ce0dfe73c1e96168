//! One endpoint's probe: the connection it keeps between polls, the request with its redirects,
//! and what a poll saw, kept even when it timed out.

use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use http_body_util::Empty;
use rustls::RootCertStore;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_util::either::Either;

use super::assertions::{Assertion, status_expected};
use super::certs::{RecordingVerifier, cert_info, host_name, tls_reason};
use super::exchange::{
    Answer, ExchangeError, Stream, connect, exchange, shown_body, shown_headers,
};
use crate::config::EndpointConfig;
use crate::model::endpoints::{CertInfo, ProbeFailure, ProbeResult};
use crate::tls;

const MAX_REDIRECTS: usize = 5;
/// A kept connection is replaced after this long, so its certificate is read again.
const CERT_RECHECK: Duration = Duration::from_secs(3600);

/// A connection kept between polls: its stream alone. hyper's buffers and request channel, about
/// 24 KiB a connection, live only while a poll runs, so kept connections cost their sockets and
/// TLS sessions (400 of them took 10 MiB more when hyper's side was kept too).
struct Connection {
    stream: Stream,
    opened: Instant,
}

impl Connection {
    /// Whether the next request can go out on it: it is young enough that its certificate need
    /// not be read again, and quiet. A server that closed it, or sent anything unasked, made it
    /// readable.
    fn reusable(&self, now: Instant) -> bool {
        let socket = match &self.stream {
            Either::Left(plain) => plain,
            Either::Right(tls) => tls.get_ref().0,
        };
        let mut byte = [0u8; 1];
        let mut peeked = tokio::io::ReadBuf::new(&mut byte);
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        now.duration_since(self.opened) < CERT_RECHECK
            && socket.poll_peek(&mut context, &mut peeked).is_pending()
    }
}

/// What one poll saw, filled in as it goes so a timeout keeps what came before.
#[derive(Default)]
struct Seen {
    status: Option<u16>,
    headers: Vec<(String, String)>,
    body_head: String,
    cert: Option<CertInfo>,
    kept_connection: bool,
}

pub(super) struct Probe {
    pub(super) config: EndpointConfig,
    url: Option<url::Url>,
    expected: Vec<RangeInclusive<u16>>,
    assertion: Option<Assertion>,
    roots: Arc<RootCertStore>,
    connection: Option<Connection>,
}

impl Probe {
    pub(super) fn new(roots: Arc<RootCertStore>, config: EndpointConfig) -> Self {
        Self {
            url: url::Url::parse(&config.url).ok(),
            expected: config.expected_statuses(),
            assertion: Assertion::of(&config),
            roots,
            connection: None,
            config,
        }
    }

    pub(super) async fn poll(&mut self, lag: Duration) -> ProbeResult {
        let started = Utc::now();
        let clock = Instant::now();
        let mut seen = Seen::default();
        let failure =
            match tokio::time::timeout(self.config.timeout(), self.attempt(&mut seen)).await {
                Ok(Ok(())) => None,
                Ok(Err(failure)) => Some(failure),
                Err(_) => Some(ProbeFailure::TimedOut),
            };
        if failure.is_some() {
            self.connection = None;
        }
        ProbeResult {
            endpoint: self.config.name.clone(),
            started,
            lag,
            latency: clock.elapsed(),
            status: seen.status,
            failure,
            headers: seen.headers,
            body_head: seen.body_head,
            cert: seen.cert,
            kept_connection: seen.kept_connection,
        }
    }

    async fn attempt(&mut self, seen: &mut Seen) -> Result<(), ProbeFailure> {
        let Some(url) = self.url.clone() else {
            return Err(ProbeFailure::Other("not a URL".into()));
        };
        if url.scheme() == "tcp" {
            connect(&url).await.map(drop)
        } else {
            self.http(url, seen).await
        }
    }

    async fn http(&mut self, mut url: url::Url, seen: &mut Seen) -> Result<(), ProbeFailure> {
        for hop in 0..=MAX_REDIRECTS {
            let Answer {
                head,
                body,
                complete,
            } = self.request(&url, hop == 0, seen).await?;
            let status = head.status;
            seen.status = Some(status.as_u16());
            seen.headers = shown_headers(&head.headers);
            let location = head
                .headers
                .get(hyper::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok());
            seen.body_head = shown_body(&body);
            if self.config.follow_redirects
                && status.is_redirection()
                && let Some(next) = location
            {
                url = next;
                continue;
            }
            if !status_expected(&self.expected, status.as_u16()) {
                return Err(ProbeFailure::Status(status.as_u16()));
            }
            if let Some(assertion) = &self.assertion {
                assertion
                    .check(&body, complete)
                    .map_err(ProbeFailure::Assertion)?;
            }
            return Ok(());
        }
        Err(ProbeFailure::Other(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }

    /// Sends the request on the kept connection when it is the first hop's and still reusable,
    /// else (or when the server closed it as an idempotent request went out) on a new one. Only
    /// the first hop's connection is kept: a redirect's target is connected to anew on every poll.
    async fn request(
        &mut self,
        url: &url::Url,
        first_hop: bool,
        seen: &mut Seen,
    ) -> Result<Answer, ProbeFailure> {
        let kept = if first_hop {
            let kept = self.connection.take();
            kept.filter(|kept| kept.reusable(Instant::now()))
        } else {
            None
        };
        if let Some(Connection { stream, opened }) = kept {
            match exchange(stream, self.build(url)?, self.config.body_limit).await {
                Ok((answer, stream)) => {
                    self.connection = stream.map(|stream| Connection { stream, opened });
                    seen.kept_connection = true;
                    return Ok(answer);
                }
                // The request may have reached the server: it goes again only when a second
                // one does no harm (RFC 9110, 9.2.2).
                Err(ExchangeError::Unsent(failure)) if !self.idempotent() => return Err(failure),
                Err(ExchangeError::Unsent(_)) => {}
                Err(ExchangeError::Failed(failure)) => return Err(failure),
            }
        }
        let Connection { stream, opened } = self.open(url, seen).await?;
        let (answer, stream) = exchange(stream, self.build(url)?, self.config.body_limit)
            .await
            .map_err(ExchangeError::failure)?;
        if first_hop {
            self.connection = stream.map(|stream| Connection { stream, opened });
        }
        Ok(answer)
    }

    fn idempotent(&self) -> bool {
        hyper::Method::from_bytes(self.config.method.as_bytes())
            .is_ok_and(|method| method.is_idempotent())
    }

    fn build(&self, url: &url::Url) -> Result<hyper::Request<Empty<Bytes>>, ProbeFailure> {
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let mut request = hyper::Request::builder()
            .method(self.config.method.as_str())
            .uri(path)
            .header(hyper::header::HOST, host)
            .header(hyper::header::USER_AGENT, "watchdeck");
        for (name, value) in &self.config.headers {
            let value = self
                .config
                .header_value(name, value)
                .map_err(ProbeFailure::Other)?;
            request = request.header(name.as_str(), value);
        }
        request
            .body(Empty::new())
            .map_err(|error| ProbeFailure::Other(format!("request: {error}")))
    }

    async fn open(&self, url: &url::Url, seen: &mut Seen) -> Result<Connection, ProbeFailure> {
        let plain = connect(url).await?;
        let stream = if url.scheme() == "https" {
            let (tls, cert) = self.tls(url, plain).await;
            if let Some(cert) = cert {
                seen.cert = Some(cert);
            }
            Either::Right(Box::new(tls?))
        } else {
            Either::Left(plain)
        };
        Ok(Connection {
            stream,
            opened: Instant::now(),
        })
    }

    /// The TLS session, and the leaf certificate seen even when it was refused.
    async fn tls(
        &self,
        url: &url::Url,
        stream: TcpStream,
    ) -> (
        Result<tokio_rustls::client::TlsStream<TcpStream>, ProbeFailure>,
        Option<CertInfo>,
    ) {
        let leaf = Arc::new(Mutex::new(None));
        let config = tls::verifier(Arc::clone(&self.roots), self.config.insecure_tls)
            .map(|inner| RecordingVerifier {
                inner,
                leaf: Arc::clone(&leaf),
            })
            .and_then(|verifier| tls::client_config(Arc::new(verifier)));
        let config = match config {
            // The config lives as long as its one connection, so its session cache could only
            // hold the tickets the server sends (each with the server's certificates) for
            // nothing: 0.1-0.4 MiB for the 200 kept HTTPS connections of perf-endpoints.sh.
            Ok(mut config) => {
                config.resumption = rustls::client::Resumption::disabled();
                config
            }
            Err(error) => return (Err(ProbeFailure::Tls(error)), None),
        };
        let name = match host_name(url) {
            Some(name) => name,
            None => return (Err(ProbeFailure::Tls("no server name".into())), None),
        };
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let session = connector
            .connect(name, stream)
            .await
            .map_err(|error| ProbeFailure::Tls(tls_reason(&error)));
        let cert = leaf
            .lock()
            .ok()
            .and_then(|leaf| leaf.as_ref().and_then(|der| cert_info(der)));
        (session, cert)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client connection to a loopback listener, as a kept connection, and the server's side.
    async fn kept_connection(opened: Instant) -> (Connection, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let connection = Connection {
            stream: Either::Left(client),
            opened,
        };
        (connection, server)
    }

    /// Waits (at most 5 s) for the client's side to see what the server did.
    async fn until_not_reusable(connection: &Connection) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while connection.reusable(Instant::now()) {
            assert!(Instant::now() < deadline, "still reusable");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn a_kept_connection_is_reused_until_the_server_closes_it_or_speaks_unasked() {
        let (connection, server) = kept_connection(Instant::now()).await;
        assert!(connection.reusable(Instant::now()), "a quiet connection");
        drop(server);
        until_not_reusable(&connection).await;

        let (connection, mut server) = kept_connection(Instant::now()).await;
        tokio::io::AsyncWriteExt::write_all(&mut server, b"HTTP/1.1 408 Request Timeout\r\n")
            .await
            .unwrap();
        until_not_reusable(&connection).await;
        drop(server);
    }

    #[tokio::test]
    async fn a_connection_is_replaced_once_its_certificate_is_due_a_check() {
        let opened = Instant::now();
        let (connection, _server) = kept_connection(opened).await;
        assert!(connection.reusable(opened + CERT_RECHECK - Duration::from_secs(1)));
        assert!(!connection.reusable(opened + CERT_RECHECK));
    }
}
