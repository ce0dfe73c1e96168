//! The endpoint prober: one task per endpoint polls it on its own schedule (polls of one endpoint
//! never overlap, and a slow one only delays itself), the endpoints' first polls are spread over
//! their interval, one semaphore bounds the polls in flight, and HTTP connections are kept and
//! reused between polls. Results are batched and sent to the app once per refresh, so 500
//! endpoints cost one message and at most one frame a second.
//!
//! The stack is hyper's HTTP/1 client over tokio-rustls (ring provider: it builds with `cc`
//! alone), driven by hand rather than through a pooled client, so each connection's TLS session
//! is at hand: its leaf certificate is read with x509-parser, and a kept connection is replaced
//! after an hour so the certificate is checked at least hourly.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::tls;
use tokio::net::TcpStream;
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::either::Either;
use tokio_util::sync::CancellationToken;

use crate::config::EndpointConfig;
use crate::model::endpoints::{CertInfo, ProbeBatch, ProbeFailure, ProbeResult};
use crate::model::source::SourceReport;

/// Polls in flight at once, over every endpoint.
pub const MAX_CONCURRENT_POLLS: usize = 64;
/// The bytes of the body kept for the detail pane.
const BODY_SHOWN: usize = 1024;
const HEADERS_SHOWN: usize = 32;
const HEADER_VALUE_SHOWN: usize = 200;
const MAX_REDIRECTS: usize = 5;
/// A kept connection is replaced after this long, so its certificate is read again.
const CERT_RECHECK: Duration = Duration::from_secs(3600);
/// Response headers whose values are credentials.
const SECRET_HEADERS: [&str; 3] = ["set-cookie", "authorization", "proxy-authorization"];

/// "Poll now" for each endpoint, shared by the executor and the prober's tasks.
#[derive(Debug, Clone, Default)]
pub struct ProbeTriggers {
    by_name: Arc<HashMap<String, Arc<Notify>>>,
}

impl ProbeTriggers {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            by_name: Arc::new(
                names
                    .into_iter()
                    .map(|name| (name.to_string(), Arc::new(Notify::new())))
                    .collect(),
            ),
        }
    }

    /// Asks for a poll of `endpoint` as soon as its current one (if any) ends.
    pub fn poll_now(&self, endpoint: &str) {
        if let Some(notify) = self.by_name.get(endpoint) {
            notify.notify_one();
        }
    }

    fn of(&self, endpoint: &str) -> Arc<Notify> {
        self.by_name.get(endpoint).cloned().unwrap_or_default()
    }
}

/// The grid the first polls are placed on. Polls that share a step start together and their
/// answers are read in one wakeup of the prober's thread: with 500 endpoints every 10 s that
/// halved its CPU. A tenth of a second still spreads them over the interval.
pub const SPREAD_STEP: Duration = Duration::from_millis(100);

/// When each endpoint polls first, after the start: endpoint `i` of `n` waits `i/n` of its own
/// interval, rounded down to a [`SPREAD_STEP`], so polls are spread evenly instead of fired
/// together.
pub fn spread_offsets(intervals: &[Duration]) -> Vec<Duration> {
    let n = intervals.len().max(1) as u128;
    let step = SPREAD_STEP.as_nanos();
    intervals
        .iter()
        .zip(0u128..)
        .map(|(interval, i)| {
            let offset = interval.as_nanos() * i / n;
            Duration::from_nanos(u64::try_from(offset / step * step).unwrap_or(u64::MAX))
        })
        .collect()
}

/// The next slot on an endpoint's grid after `now`: a poll that overran skips slots instead of
/// bunching the next ones up.
pub fn next_slot(next: Instant, now: Instant, interval: Duration) -> Instant {
    if next > now {
        return next;
    }
    let behind = (now - next).as_nanos();
    let slots = behind / interval.as_nanos().max(1) + 1;
    next + interval.mul_f64(slots as f64)
}

/// Runs every probe until `cancel` fires or the app hangs up, sending one batch every `flush`.
///
/// The probes run on a thread of their own with a single-threaded runtime: their 50 polls a
/// second (500 endpoints every 10 s) then wake only that thread, not the app's workers, which
/// hear from the prober once per batch. It cost a third of the prober's CPU on 2 cores.
pub async fn run<M: Send + 'static>(
    endpoints: Vec<EndpointConfig>,
    triggers: ProbeTriggers,
    flush: Duration,
    sender: mpsc::Sender<M>,
    wrap: impl Fn(SourceReport<ProbeBatch>) -> M + Send + 'static,
    cancel: CancellationToken,
) {
    // Stops the probes when this future ends or is dropped (the source task aborted).
    let stop = CancellationToken::new();
    let _stop_on_drop = stop.clone().drop_guard();
    let (finished, ended) = tokio::sync::oneshot::channel::<()>();
    let probes = probe_and_batch(endpoints, triggers, flush, sender, wrap, stop);
    let spawned = std::thread::Builder::new()
        .name("endpoint-probes".into())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(probes),
                Err(error) => tracing::error!(%error, "starting the endpoint probes' runtime"),
            }
            drop(finished);
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "starting the endpoint probes' thread");
        return;
    }
    tokio::select! {
        _ = cancel.cancelled() => {}
        _ = ended => {}
    }
}

async fn probe_and_batch<M: Send + 'static>(
    endpoints: Vec<EndpointConfig>,
    triggers: ProbeTriggers,
    flush: Duration,
    sender: mpsc::Sender<M>,
    wrap: impl Fn(SourceReport<ProbeBatch>) -> M + Send,
    cancel: CancellationToken,
) {
    let mut roots = TrustStores::new();
    let limit = Arc::new(Semaphore::new(MAX_CONCURRENT_POLLS));
    let (results_sender, mut results) = mpsc::channel(1024);
    let mut tasks = JoinSet::new();
    let start = Instant::now();
    let offsets = spread_offsets(&endpoints.iter().map(|e| e.interval).collect::<Vec<_>>());
    for (endpoint, offset) in endpoints.into_iter().zip(offsets) {
        let trigger = triggers.of(&endpoint.name);
        tasks.spawn(poll_on_schedule(
            Probe::new(roots.for_endpoint(&endpoint), endpoint),
            start + offset,
            Arc::clone(&limit),
            results_sender.clone(),
            trigger,
        ));
    }
    drop(results_sender);
    let mut ticks = tokio::time::interval_at(super::next_second(Duration::ZERO), flush);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut batch = Vec::new();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            Some(result) = results.recv() => batch.push(result),
            _ = ticks.tick() => {
                let report = SourceReport {
                    at: Utc::now(),
                    result: Ok(ProbeBatch { results: std::mem::take(&mut batch) }),
                };
                if sender.send(wrap(report)).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn poll_on_schedule(
    mut probe: Probe,
    first: Instant,
    limit: Arc<Semaphore>,
    results: mpsc::Sender<ProbeResult>,
    trigger: Arc<Notify>,
) {
    let mut next = first;
    loop {
        let scheduled = tokio::select! {
            _ = tokio::time::sleep_until(next) => next,
            _ = trigger.notified() => Instant::now(),
        };
        let Ok(permit) = limit.acquire().await else {
            return;
        };
        let lag = scheduled.elapsed();
        tracing::debug!(endpoint = %probe.config.name, lag_us = lag.as_micros() as u64, "poll started");
        // Boxed: a poll's future (hyper, TLS) is 6 KiB, and inline it would stay resident in
        // every endpoint's task between polls (3 MiB for 500).
        let result = Box::pin(probe.poll(lag)).await;
        drop(permit);
        if results.send(result).await.is_err() {
            return;
        }
        next = next_slot(next, Instant::now(), probe.config.interval);
    }
}

/// Polls every endpoint once, at once (within the concurrency limit): `watchdeck check`.
pub async fn poll_all_once(endpoints: &[EndpointConfig]) -> ProbeBatch {
    let mut roots = TrustStores::new();
    let limit = Arc::new(Semaphore::new(MAX_CONCURRENT_POLLS));
    let mut tasks = JoinSet::new();
    for (index, endpoint) in endpoints.iter().enumerate() {
        let mut probe = Probe::new(roots.for_endpoint(endpoint), endpoint.clone());
        let limit = Arc::clone(&limit);
        tasks.spawn(async move {
            let _permit = limit.acquire().await.ok();
            (index, probe.poll(Duration::ZERO).await)
        });
    }
    let mut results: Vec<(usize, ProbeResult)> = tasks.join_all().await;
    results.sort_by_key(|(index, _)| *index);
    ProbeBatch {
        results: results.into_iter().map(|(_, result)| result).collect(),
    }
}

/// The trust stores of the probes: the system's, and one per `ca_file` (shared by every endpoint
/// naming it: a store of the system's ~150 roots weighs about 100 KiB).
struct TrustStores {
    system: Arc<RootCertStore>,
    with_ca: HashMap<std::path::PathBuf, Arc<RootCertStore>>,
}

impl TrustStores {
    fn new() -> Self {
        Self {
            system: Arc::new(system_roots()),
            with_ca: HashMap::new(),
        }
    }

    fn for_endpoint(&mut self, config: &EndpointConfig) -> Arc<RootCertStore> {
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

/// What a body must contain.
#[derive(Debug)]
enum Assertion {
    Contains(String),
    Regex(regex::Regex),
    Json {
        pointer: String,
        equals: serde_json::Value,
    },
}

impl Assertion {
    fn of(config: &EndpointConfig) -> Option<Self> {
        if let Some(text) = &config.body_contains {
            return Some(Assertion::Contains(text.clone()));
        }
        if let Some(pattern) = &config.body_regex {
            return regex::Regex::new(pattern).ok().map(Assertion::Regex);
        }
        config.json.as_ref().map(|json| Assertion::Json {
            pointer: json.pointer.clone(),
            equals: serde_json::to_value(&json.equals).unwrap_or_default(),
        })
    }

    /// Checks a body, `complete` unless it was cut at the endpoint's `body_limit`; the error
    /// says what was expected and what was found.
    fn check(&self, body: &[u8], complete: bool) -> Result<(), String> {
        let text = String::from_utf8_lossy(body);
        let cut = || {
            format!(
                "the body was cut at body_limit ({} bytes): raise it to read the whole body",
                body.len()
            )
        };
        match self {
            Assertion::Contains(needle) if text.contains(needle.as_str()) => Ok(()),
            Assertion::Contains(needle) if !complete => {
                Err(format!("no {needle:?} in the body read; {}", cut()))
            }
            Assertion::Contains(needle) => Err(format!("body does not contain {needle:?}")),
            Assertion::Regex(regex) if regex.is_match(&text) => Ok(()),
            Assertion::Regex(regex) if !complete => Err(format!(
                "no match of /{}/ in the body read; {}",
                regex.as_str(),
                cut()
            )),
            Assertion::Regex(regex) => Err(format!("body does not match /{}/", regex.as_str())),
            // A cut document is never JSON: its parse error would only blame the cut.
            Assertion::Json { .. } if !complete => Err(cut()),
            Assertion::Json { pointer, equals } => {
                let document: serde_json::Value = serde_json::from_slice(body)
                    .map_err(|error| format!("body is not JSON: {error}"))?;
                match document.pointer(pointer) {
                    Some(found) if json_equal(found, equals) => Ok(()),
                    Some(found) => Err(format!("{pointer} is {found}, expected {equals}")),
                    None => Err(format!("{pointer} is missing, expected {equals}")),
                }
            }
        }
    }
}

/// Equality where 1 and 1.0 are the same number (TOML tells them apart, JSON does not).
fn json_equal(found: &serde_json::Value, expected: &serde_json::Value) -> bool {
    match (found.as_f64(), expected.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => found == expected,
    }
}

/// Checks a body against an endpoint's assertion, if it has one.
pub fn check_body(config: &EndpointConfig, body: &[u8]) -> Result<(), String> {
    Assertion::of(config).map_or(Ok(()), |assertion| assertion.check(body, true))
}

/// Whether `status` is one of the accepted ones.
pub fn status_expected(expected: &[RangeInclusive<u16>], status: u16) -> bool {
    expected.iter().any(|range| range.contains(&status))
}

/// A connection's stream, plain or TLS, as one type so that hyper's client is built once.
type Stream = Either<TcpStream, Box<tokio_rustls::client::TlsStream<TcpStream>>>;

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

/// A response with its body read (at most the endpoint's `body_limit` bytes of it).
struct Answer {
    head: hyper::http::response::Parts,
    body: Vec<u8>,
    /// False when the body was longer than what was read.
    complete: bool,
}

/// Why an exchange gave no answer.
enum ExchangeError {
    /// The request found the connection closed: a kept one may be replaced and the request sent
    /// again.
    Unsent(ProbeFailure),
    Failed(ProbeFailure),
}

impl ExchangeError {
    fn failure(self) -> ProbeFailure {
        match self {
            ExchangeError::Unsent(failure) | ExchangeError::Failed(failure) => failure,
        }
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

struct Probe {
    config: EndpointConfig,
    url: Option<url::Url>,
    expected: Vec<RangeInclusive<u16>>,
    assertion: Option<Assertion>,
    roots: Arc<RootCertStore>,
    connection: Option<Connection>,
}

impl Probe {
    fn new(roots: Arc<RootCertStore>, config: EndpointConfig) -> Self {
        Self {
            url: url::Url::parse(&config.url).ok(),
            expected: config.expected_statuses(),
            assertion: Assertion::of(&config),
            roots,
            connection: None,
            config,
        }
    }

    async fn poll(&mut self, lag: Duration) -> ProbeResult {
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

fn host_name(url: &url::Url) -> Option<ServerName<'static>> {
    match url.host()? {
        url::Host::Domain(domain) => ServerName::try_from(domain.to_string()).ok(),
        url::Host::Ipv4(ip) => Some(ServerName::IpAddress(std::net::IpAddr::V4(ip).into())),
        url::Host::Ipv6(ip) => Some(ServerName::IpAddress(std::net::IpAddr::V6(ip).into())),
    }
}

/// The reason of a failed handshake, without the layers of wrapping.
fn tls_reason(error: &std::io::Error) -> String {
    error
        .get_ref()
        .map_or_else(|| error.to_string(), ToString::to_string)
}

/// Resolves the URL's host and connects to the first address that answers.
async fn connect(url: &url::Url) -> Result<TcpStream, ProbeFailure> {
    let port = url
        .port_or_known_default()
        .ok_or_else(|| ProbeFailure::Other("no port".into()))?;
    let addresses: Vec<SocketAddr> = match url.host() {
        Some(url::Host::Domain(domain)) => tokio::net::lookup_host((domain, port))
            .await
            .map_err(|error| ProbeFailure::Dns(error.to_string()))?
            .collect(),
        Some(url::Host::Ipv4(ip)) => vec![SocketAddr::from((ip, port))],
        Some(url::Host::Ipv6(ip)) => vec![SocketAddr::from((ip, port))],
        None => return Err(ProbeFailure::Other("no host".into())),
    };
    let mut last = ProbeFailure::Dns("no address".into());
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => {
                stream.set_nodelay(true).ok();
                return Ok(stream);
            }
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = ProbeFailure::Refused;
            }
            Err(error) => last = ProbeFailure::Other(format!("connect: {error}")),
        }
    }
    Err(last)
}

/// Sends one request on `stream` and reads its answer, and gives the stream back when the
/// connection can carry the next poll's request: the whole body was read and the server means
/// to keep the connection open.
async fn exchange(
    stream: Stream,
    request: hyper::Request<Empty<Bytes>>,
    body_limit: usize,
) -> Result<(Answer, Option<Stream>), ExchangeError> {
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| ExchangeError::Failed(ProbeFailure::Other(format!("HTTP: {error}"))))?;
    let mut connection = std::pin::pin!(connection.without_shutdown());
    // Owns the sender, so that once the answer is read the connection sees no more requests
    // coming and hands its stream back.
    let answer = async move {
        let response = sender.send_request(request).await.map_err(|error| {
            // An answer that does not parse was an answer: the request reached the server.
            if error.is_parse() {
                ExchangeError::Failed(ProbeFailure::Malformed(error.to_string()))
            } else {
                ExchangeError::Unsent(ProbeFailure::Other(format!("HTTP: {error}")))
            }
        })?;
        let (head, body) = response.into_parts();
        let (body, complete) = read_body(body, body_limit)
            .await
            .map_err(ExchangeError::Failed)?;
        Ok(Answer {
            head,
            body,
            complete,
        })
    };
    let mut answer = std::pin::pin!(answer);
    // The connection runs alongside: it writes the request and reads the answer. It ends first
    // when the server closed it, which may be right after answering: the answer is then read
    // from what arrived, and the connection is not kept.
    let (answer, open) = tokio::select! {
        answer = &mut answer => (answer?, true),
        _ = &mut connection => (answer.await?, false),
    };
    let kept = (open && answer.complete && keeps_alive(&answer.head))
        .then(|| connection.now_or_never())
        .flatten()
        .and_then(Result::ok)
        .filter(|parts| parts.read_buf.is_empty())
        .map(|parts| parts.io.into_inner());
    Ok((answer, kept))
}

/// Whether the server leaves the connection open after this response (HTTP/1.1 unless it says
/// `close`, HTTP/1.0 only when it says `keep-alive`).
fn keeps_alive(head: &hyper::http::response::Parts) -> bool {
    let says = |token: &str| {
        head.headers
            .get_all(hyper::header::CONNECTION)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|word| word.trim().eq_ignore_ascii_case(token))
    };
    match head.version {
        hyper::Version::HTTP_11 => !says("close"),
        hyper::Version::HTTP_10 => says("keep-alive"),
        _ => false,
    }
}

/// Reads at most `limit` bytes; false when the body was longer.
async fn read_body(
    mut body: hyper::body::Incoming,
    limit: usize,
) -> Result<(Vec<u8>, bool), ProbeFailure> {
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| ProbeFailure::Other(format!("reading body: {error}")))?;
        if let Ok(data) = frame.into_data() {
            let room = limit.saturating_sub(bytes.len());
            bytes.extend_from_slice(&data[..data.len().min(room)]);
            if bytes.len() >= limit {
                return Ok((bytes, false));
            }
        }
    }
    Ok((bytes, true))
}

fn shown_headers(headers: &hyper::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .take(HEADERS_SHOWN)
        .map(|(name, value)| {
            let value = if SECRET_HEADERS.contains(&name.as_str()) {
                "(hidden)".to_string()
            } else {
                String::from_utf8_lossy(value.as_bytes())
                    .chars()
                    .take(HEADER_VALUE_SHOWN)
                    .collect()
            };
            (name.to_string(), value)
        })
        .collect()
}

fn shown_body(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(BODY_SHOWN)])
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

/// Subject, issuer and expiry of a DER certificate.
pub fn cert_info(der: &[u8]) -> Option<CertInfo> {
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
struct RecordingVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    leaf: Arc<Mutex<Option<CertificateDer<'static>>>>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> EndpointConfig {
        toml::from_str(&format!("name = \"e\"\nurl = \"http://e\"\n{extra}"))
            .unwrap_or_else(|error| panic!("{error}"))
    }

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

    /// Serves `answer` to every connection on a loopback port; the endpoint config for it.
    async fn answering(answer: Vec<u8>, extra: &str) -> EndpointConfig {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut request = [0u8; 1024];
                    let _ = tokio::io::AsyncReadExt::read(&mut stream, &mut request).await;
                    let _ = tokio::io::AsyncWriteExt::write_all(&mut stream, &answer).await;
                });
            }
        });
        toml::from_str(&format!(
            "name = \"e\"\nurl = \"http://127.0.0.1:{port}/\"\n{extra}"
        ))
        .unwrap()
    }

    async fn failure_of(config: EndpointConfig) -> String {
        let mut batch = poll_all_once(&[config]).await;
        let result = batch.results.remove(0);
        result.failure.map(|f| f.full()).unwrap_or_default()
    }

    #[tokio::test]
    async fn a_body_cut_at_its_limit_is_said_to_be_cut_not_to_be_bad_json() {
        let document = format!("{{\"status\":\"ok\",\"pad\":\"{}\"}}", "x".repeat(200_000));
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{document}",
            document.len()
        );
        let json = "json = { pointer = \"/status\", equals = \"ok\" }";
        let cut = failure_of(answering(answer.clone().into_bytes(), json).await).await;
        assert_eq!(
            cut,
            "assertion failed: the body was cut at body_limit (65536 bytes): raise it to read the whole body"
        );
        let whole = answering(
            answer.into_bytes(),
            &format!("{json}\nbody_limit = 1048576"),
        )
        .await;
        assert_eq!(failure_of(whole).await, "");
    }

    #[tokio::test]
    async fn an_answer_with_a_malformed_header_says_what_was_wrong() {
        let answer = b"HTTP/1.1 200 OK\r\nbad header line\r\ncontent-length: 0\r\n\r\n".to_vec();
        let failure = failure_of(answering(answer, "").await).await;
        assert_eq!(
            failure,
            "the answer is not valid HTTP: invalid HTTP header parsed"
        );
    }

    #[tokio::test]
    async fn a_connection_is_replaced_once_its_certificate_is_due_a_check() {
        let opened = Instant::now();
        let (connection, _server) = kept_connection(opened).await;
        assert!(connection.reusable(opened + CERT_RECHECK - Duration::from_secs(1)));
        assert!(!connection.reusable(opened + CERT_RECHECK));
    }

    #[test]
    fn a_connection_is_kept_unless_the_server_says_it_closes_it() {
        use hyper::Version;
        let head = |version, connection: Option<&str>| {
            let mut response = hyper::Response::builder().version(version);
            if let Some(value) = connection {
                response = response.header(hyper::header::CONNECTION, value);
            }
            response.body(()).unwrap().into_parts().0
        };
        assert!(keeps_alive(&head(Version::HTTP_11, None)));
        assert!(keeps_alive(&head(Version::HTTP_11, Some("keep-alive"))));
        assert!(!keeps_alive(&head(Version::HTTP_11, Some("Close"))));
        assert!(!keeps_alive(&head(
            Version::HTTP_11,
            Some("upgrade, close")
        )));
        assert!(!keeps_alive(&head(Version::HTTP_10, None)));
        assert!(keeps_alive(&head(Version::HTTP_10, Some("Keep-Alive"))));
    }

    #[test]
    fn first_polls_are_spread_over_each_interval() {
        let ten = Duration::from_secs(10);
        let offsets = spread_offsets(&[ten; 4]);
        assert_eq!(
            offsets,
            [0, 2500, 5000, 7500].map(Duration::from_millis).to_vec()
        );
        let mixed = spread_offsets(&[ten, Duration::from_secs(60)]);
        assert_eq!(mixed, [Duration::ZERO, Duration::from_secs(30)]);
        assert!(spread_offsets(&[]).is_empty());
        // 500 every 10 s: five to a step of the grid, every step of the interval used.
        let offsets = spread_offsets(&[ten; 500]);
        assert!(offsets.iter().all(|o| o.as_millis() % 100 == 0));
        let steps: std::collections::BTreeMap<u128, usize> =
            offsets.iter().fold(Default::default(), |mut steps, o| {
                *steps.entry(o.as_millis()).or_default() += 1;
                steps
            });
        assert_eq!(steps.len(), 100);
        assert!(steps.values().all(|&count| count == 5));
        assert_eq!(offsets.last(), Some(&Duration::from_millis(9900)));
    }

    /// 500 endpoints hold 500 of these between polls: a poll's own future (6.6 KiB with hyper
    /// and TLS) must not be part of it.
    #[test]
    fn an_endpoint_task_is_small_between_polls() {
        let probe = Probe::new(Arc::new(RootCertStore::empty()), config(""));
        let (results, _) = mpsc::channel(1);
        let task = poll_on_schedule(
            probe,
            Instant::now(),
            Arc::new(Semaphore::new(1)),
            results,
            Arc::default(),
        );
        let size = std::mem::size_of_val(&task);
        assert!(size < 2048, "{size} bytes");
    }

    #[test]
    fn an_overrun_skips_slots_instead_of_bunching_polls() {
        let start = Instant::now();
        let second = Duration::from_secs(1);
        assert_eq!(next_slot(start + second, start, second), start + second);
        // The poll of slot 0 ended at 2.5s: the next is at 3s, not 1s and 2s at once.
        let ended = start + Duration::from_millis(2500);
        assert_eq!(next_slot(start, ended, second), start + 3 * second);
        assert_eq!(next_slot(start, start, second), start + second);
    }

    #[test]
    fn statuses_and_body_assertions() {
        let ranges = config("expect_status = [204, \"300-302\"]").expected_statuses();
        assert!(status_expected(&ranges, 204) && status_expected(&ranges, 301));
        assert!(!status_expected(&ranges, 200) && !status_expected(&ranges, 303));
        let default = config("").expected_statuses();
        assert!(status_expected(&default, 399) && !status_expected(&default, 400));

        let body = br#"{"status":"healthy","checks":{"db":1}}"#;
        assert_eq!(check_body(&config(""), body), Ok(()));
        assert_eq!(
            check_body(&config("body_contains = \"healthy\""), body),
            Ok(())
        );
        assert_eq!(
            check_body(&config("body_contains = \"ok\""), b"nope"),
            Err("body does not contain \"ok\"".into())
        );
        assert_eq!(
            check_body(&config("body_regex = \"db\\\":\\\\d\""), body),
            Ok(())
        );
        let json = |pointer: &str, equals: &str| {
            config(&format!(
                "json = {{ pointer = \"{pointer}\", equals = {equals} }}"
            ))
        };
        assert_eq!(check_body(&json("/checks/db", "1.0"), body), Ok(()));
        assert_eq!(
            check_body(&json("/status", "\"down\""), body),
            Err("/status is \"healthy\", expected \"down\"".into())
        );
        assert_eq!(
            check_body(&json("/missing", "true"), body),
            Err("/missing is missing, expected true".into())
        );
        assert!(
            check_body(&json("/status", "\"x\""), b"<html>")
                .is_err_and(|e| e.starts_with("body is not JSON"))
        );
    }

    #[test]
    fn secret_response_headers_are_hidden() {
        let mut headers = hyper::HeaderMap::new();
        headers.insert(
            "set-cookie",
            hyper::header::HeaderValue::from_static("session=s3cret"),
        );
        headers.insert("server", hyper::header::HeaderValue::from_static("nginx"));
        let shown = shown_headers(&headers);
        assert!(shown.contains(&("set-cookie".into(), "(hidden)".into())));
        assert!(shown.contains(&("server".into(), "nginx".into())));
    }
}
