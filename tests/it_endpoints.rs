#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing
//! The endpoint prober against real servers: the test nginx (200, 503, 404, a JSON health body,
//! HTTPS from a test CA, a certificate that expires in 2 days and one that has expired), servers
//! the tests start that answer slowly or never, and a closed and an open TCP port. Under
//! `CI=true` a missing service fails; run alone without them, each test says what to start.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::services::service;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use watchdeck::collect::endpoints::{ProbeTriggers, poll_all_once, run};
use watchdeck::config::EndpointConfig;
use watchdeck::model::endpoints::{ProbeFailure, ProbeResult};
use watchdeck::model::source::SourceReport;

/// The test nginx's HTTPS address and the CA that signed its certificate.
fn https_service() -> Option<(String, String)> {
    Some((
        service("WATCHDECK_TEST_HTTPS_URL")?,
        service("WATCHDECK_TEST_CA_CERT")?,
    ))
}

fn endpoint(toml_text: &str) -> EndpointConfig {
    toml::from_str(toml_text).unwrap_or_else(|e| panic!("{toml_text}: {e}"))
}

async fn poll(config: EndpointConfig) -> ProbeResult {
    let mut batch = poll_all_once(&[config]).await;
    batch.results.remove(0)
}

#[tokio::test]
async fn nginx_statuses_and_body_assertions() {
    let Some(base) = service("WATCHDECK_TEST_HTTP_URL") else {
        return;
    };
    let health = poll(endpoint(&format!(
        "name = \"health\"\nurl = \"{base}/health\"\njson = {{ pointer = \"/status\", equals = \"healthy\" }}"
    )))
    .await;
    assert_eq!((health.status, &health.failure), (Some(200), &None));
    assert!(
        health.body_head.contains("watchdeck-test-nginx"),
        "{health:?}"
    );
    assert!(
        health
            .headers
            .iter()
            .any(|(name, value)| name == "content-type" && value == "application/json"),
        "{:?}",
        health.headers
    );

    let down = poll(endpoint(&format!("name = \"down\"\nurl = \"{base}/down\""))).await;
    assert_eq!(down.failure, Some(ProbeFailure::Status(503)));
    let missing = poll(endpoint(&format!(
        "name = \"m\"\nurl = \"{base}/nothing-here\""
    )))
    .await;
    assert_eq!(missing.failure, Some(ProbeFailure::Status(404)));
    let accepted = poll(endpoint(&format!(
        "name = \"m\"\nurl = \"{base}/nothing-here\"\nexpect_status = [\"400-404\"]"
    )))
    .await;
    assert_eq!(accepted.failure, None);

    let wrong_json = poll(endpoint(&format!(
        "name = \"j\"\nurl = \"{base}/health\"\njson = {{ pointer = \"/status\", equals = \"ok\" }}"
    )))
    .await;
    assert_eq!(
        wrong_json.failure,
        Some(ProbeFailure::Assertion(
            "/status is \"healthy\", expected \"ok\"".into()
        ))
    );
    let regex = poll(endpoint(&format!(
        "name = \"r\"\nurl = \"{base}/health\"\nbody_regex = \"service\\\":\\\"watchdeck-[a-z-]+\""
    )))
    .await;
    assert_eq!(regex.failure, None, "{regex:?}");
    let contains = poll(endpoint(&format!(
        "name = \"c\"\nurl = \"{base}/health\"\nbody_contains = \"degraded\""
    )))
    .await;
    assert!(
        matches!(contains.failure, Some(ProbeFailure::Assertion(ref m)) if m.contains("degraded")),
        "{contains:?}"
    );
}

#[tokio::test]
async fn a_header_from_the_environment_is_read_at_load_and_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = vec![0; 4096];
        let read = socket.read(&mut request).await.unwrap();
        socket
            .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        String::from_utf8_lossy(&request[..read]).into_owned()
    });
    let text = format!(
        "[[endpoint]]\nname = \"h\"\nurl = \"http://127.0.0.1:{port}/health\"\n\
         headers = {{ Authorization = \"env:WD_TEST_TOKEN\" }}\n"
    );
    let env = |name: &str| (name == "WD_TEST_TOKEN").then(|| "Bearer t0ken".to_string());
    let config = watchdeck::config::Config::parse_with_env("c.toml", &text, &env)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!format!("{config:?}").contains("t0ken"));
    let result = poll(config.endpoint[0].clone()).await;
    assert_eq!(result.failure, None, "{result:?}");
    let request = server.await.unwrap();
    assert!(request.contains("authorization: Bearer t0ken"), "{request}");
    let unset = |_: &str| None;
    let error = watchdeck::config::Config::parse_with_env("c.toml", &text, &unset)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.starts_with(
            "c.toml:4:1: key `endpoint.headers`: header Authorization: $WD_TEST_TOKEN is not set"
        ),
        "{error}"
    );
}

#[tokio::test]
async fn https_from_the_test_ca_reports_the_certificate() {
    let Some((base, ca)) = https_service() else {
        return;
    };
    let trusted = poll(endpoint(&format!(
        "name = \"tls\"\nurl = \"{base}/health\"\nca_file = \"{ca}\""
    )))
    .await;
    assert_eq!(trusted.failure, None, "{trusted:?}");
    let cert = trusted.cert.expect("the certificate is read");
    let days = cert.days_left(chrono::Utc::now());
    assert!((0..=30).contains(&days), "{days}");
    assert!(cert.subject.contains("localhost"), "{cert:?}");
    assert!(cert.issuer.contains("watchdeck test CA"), "{cert:?}");

    let untrusted = poll(endpoint(&format!("name = \"u\"\nurl = \"{base}/health\""))).await;
    assert!(
        matches!(untrusted.failure, Some(ProbeFailure::Tls(ref m)) if m.contains("UnknownIssuer")),
        "{untrusted:?}"
    );
    assert!(
        untrusted.cert.is_some(),
        "a refused certificate is still read"
    );
    let insecure = poll(endpoint(&format!(
        "name = \"i\"\nurl = \"{base}/health\"\ninsecure_tls = true"
    )))
    .await;
    assert_eq!(insecure.failure, None, "{insecure:?}");
}

#[tokio::test]
async fn a_certificate_that_expires_in_two_days_and_one_that_expired() {
    let (Some(soon), Some(expired), Some(ca)) = (
        service("WATCHDECK_TEST_HTTPS_SOON_URL"),
        service("WATCHDECK_TEST_HTTPS_EXPIRED_URL"),
        service("WATCHDECK_TEST_CA_CERT"),
    ) else {
        return;
    };
    let now = chrono::Utc::now();
    let soon = poll(endpoint(&format!(
        "name = \"soon\"\nurl = \"{soon}/health\"\nca_file = \"{ca}\""
    )))
    .await;
    assert_eq!(soon.failure, None, "{soon:?}");
    let days = soon.cert.expect("read").days_left(now);
    assert!((1..=2).contains(&days), "{days}");

    let expired = poll(endpoint(&format!(
        "name = \"expired\"\nurl = \"{expired}/health\"\nca_file = \"{ca}\""
    )))
    .await;
    assert!(
        matches!(expired.failure, Some(ProbeFailure::Tls(ref m)) if m.to_lowercase().contains("expired")),
        "{expired:?}"
    );
    assert!(expired.cert.expect("read").days_left(now) < 0);
}

#[tokio::test]
async fn a_closed_port_is_refused_and_an_open_one_is_up() {
    let Some(base) = service("WATCHDECK_TEST_HTTP_URL") else {
        return;
    };
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let refused = poll(endpoint(&format!(
        "name = \"closed\"\nurl = \"tcp://127.0.0.1:{port}\""
    )))
    .await;
    assert_eq!(refused.failure, Some(ProbeFailure::Refused));
    let open = base.replace("http://", "tcp://");
    let up = poll(endpoint(&format!("name = \"open\"\nurl = \"{open}\""))).await;
    assert_eq!((up.failure, up.status), (None, None));
}

/// A server that accepts connections and never answers.
async fn silent_server() -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    (format!("http://{address}"), task)
}

/// A keep-alive HTTP server that answers every request after `delay`, counting connections.
async fn counting_server(delay: Duration) -> (String, Arc<AtomicUsize>) {
    counting_server_that(delay, AfterAnswer::KeepsOpen).await
}

/// What a counting server does with a connection once it answered.
#[derive(Clone, Copy, PartialEq)]
enum AfterAnswer {
    KeepsOpen,
    /// Closes it without saying so in the answer, as a server's idle timeout does.
    HangsUp,
    /// Keeps it open, then closes it without answering when the next request comes.
    ClosesOnTheNextRequest,
}

async fn counting_server_that(delay: Duration, after: AfterAnswer) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut chunk = [0u8; 1024];
                let mut answered = false;
                loop {
                    let Ok(n) = stream.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&chunk[..n]);
                    if request.windows(4).any(|w| w == b"\r\n\r\n") {
                        request.clear();
                        if answered && after == AfterAnswer::ClosesOnTheNextRequest {
                            return;
                        }
                        answered = true;
                        tokio::time::sleep(delay).await;
                        let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                        if stream.write_all(answer).await.is_err() || after == AfterAnswer::HangsUp
                        {
                            return;
                        }
                    }
                }
            });
        }
    });
    (format!("http://{address}"), connections)
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let (url, _server) = silent_server().await;
    let started = std::time::Instant::now();
    let result = poll(endpoint(&format!(
        "name = \"silent\"\nurl = \"{url}/\"\ntimeout = \"500ms\""
    )))
    .await;
    assert_eq!(result.failure, Some(ProbeFailure::TimedOut));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(2),
        "{took:?}"
    );
}

/// The prober running in the test's runtime.
struct Prober {
    batches: mpsc::Receiver<SourceReport<watchdeck::model::endpoints::ProbeBatch>>,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Prober {
    fn start(endpoints: Vec<EndpointConfig>, triggers: ProbeTriggers) -> Self {
        let (sender, batches) = mpsc::channel(64);
        let cancel = CancellationToken::new();
        let task = tokio::spawn(run(
            endpoints,
            triggers,
            Duration::from_millis(100),
            sender,
            |report| report,
            cancel.clone(),
        ));
        Self {
            batches,
            cancel,
            task,
        }
    }

    /// Every result sent until `until` results of `endpoint` arrived.
    async fn results_until(&mut self, endpoint: &str, until: usize) -> Vec<ProbeResult> {
        let mut all = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while all
            .iter()
            .filter(|r: &&ProbeResult| r.endpoint == endpoint)
            .count()
            < until
        {
            let report = tokio::time::timeout_at(deadline, self.batches.recv())
                .await
                .expect("results in time")
                .expect("prober alive");
            all.extend(report.result.expect("batches are never errors").results);
        }
        all
    }

    async fn stop(self) {
        self.cancel.cancel();
        self.task.await.unwrap();
    }
}

/// The first `count` polls of `endpoint`, the only one probed.
async fn polls_of(endpoint: EndpointConfig, count: usize) -> Vec<ProbeResult> {
    let name = endpoint.name.clone();
    let mut prober = Prober::start(vec![endpoint], ProbeTriggers::default());
    let results = prober.results_until(&name, count).await;
    prober.stop().await;
    results
}

#[tokio::test]
async fn hanging_and_slow_endpoints_delay_only_themselves_and_connections_are_reused() {
    let (silent, _server) = silent_server().await;
    let (slow, _) = counting_server(Duration::from_millis(700)).await;
    let (fast, fast_connections) = counting_server(Duration::ZERO).await;
    let endpoints = vec![
        endpoint(&format!(
            "name = \"silent\"\nurl = \"{silent}/\"\ninterval = \"1s\"\ntimeout = \"1s\""
        )),
        endpoint(&format!(
            "name = \"slow\"\nurl = \"{slow}/\"\ninterval = \"1s\"\ntimeout = \"1s\""
        )),
        endpoint(&format!(
            "name = \"fast\"\nurl = \"{fast}/\"\ninterval = \"1s\""
        )),
    ];
    let mut prober = Prober::start(endpoints, ProbeTriggers::default());
    let results = prober.results_until("fast", 5).await;
    prober.stop().await;
    let fast: Vec<&ProbeResult> = results.iter().filter(|r| r.endpoint == "fast").collect();
    assert!(fast.iter().all(|r| r.is_up()), "{fast:?}");
    for result in &fast {
        assert!(result.lag < Duration::from_millis(100), "late: {result:?}");
    }
    let gaps: Vec<i64> = fast
        .windows(2)
        .map(|pair| (pair[1].started - pair[0].started).num_milliseconds())
        .collect();
    assert!(
        gaps.iter().all(|gap| (900..=1100).contains(gap)),
        "{gaps:?}"
    );
    assert_eq!(
        fast_connections.load(Ordering::SeqCst),
        1,
        "one kept connection"
    );
    // The hanging endpoint timed out each time, the slow one answered late; neither one's polls
    // overlapped.
    for (name, expected) in [("silent", Some(ProbeFailure::TimedOut)), ("slow", None)] {
        let polls: Vec<&ProbeResult> = results.iter().filter(|r| r.endpoint == name).collect();
        assert!(!polls.is_empty(), "{name} was polled");
        assert!(polls.iter().all(|r| r.failure == expected), "{polls:?}");
        for pair in polls.windows(2) {
            let end_of_first =
                pair[0].started + chrono::Duration::from_std(pair[0].latency).unwrap();
            assert!(pair[1].started >= end_of_first, "overlap: {pair:?}");
        }
    }
}

#[tokio::test]
async fn a_kept_https_connection_carries_the_next_polls() {
    let Some((base, ca)) = https_service() else {
        return;
    };
    let tls = endpoint(&format!(
        "name = \"tls\"\nurl = \"{base}/health\"\nca_file = \"{ca}\"\ninterval = \"1s\""
    ));
    let polls = polls_of(tls, 3).await;
    assert!(polls.iter().all(ProbeResult::is_up), "{polls:?}");
    // A certificate is read when a connection is made: on the first poll only.
    let connected: Vec<bool> = polls.iter().map(|r| r.cert.is_some()).collect();
    assert_eq!(connected, [true, false, false], "{polls:?}");
    let kept: Vec<bool> = polls.iter().map(|r| r.kept_connection).collect();
    assert_eq!(kept, [false, true, true], "{polls:?}");
}

#[tokio::test]
async fn a_connection_the_server_hung_up_on_is_replaced_without_a_failed_poll() {
    let (url, connections) = counting_server_that(Duration::ZERO, AfterAnswer::HangsUp).await;
    let hung_up = endpoint(&format!(
        "name = \"hung-up\"\nurl = \"{url}/\"\ninterval = \"1s\""
    ));
    let polls = polls_of(hung_up, 3).await;
    assert!(polls.iter().all(ProbeResult::is_up), "{polls:?}");
    assert!(polls.iter().all(|r| !r.kept_connection), "{polls:?}");
    assert_eq!(connections.load(Ordering::SeqCst), 3, "a connection a poll");
}

#[tokio::test]
async fn a_request_the_server_closed_on_goes_again_only_when_that_does_no_harm() {
    let (url, connections) =
        counting_server_that(Duration::ZERO, AfterAnswer::ClosesOnTheNextRequest).await;
    let get = endpoint(&format!(
        "name = \"get\"\nurl = \"{url}/\"\ninterval = \"1s\""
    ));
    let polls = polls_of(get, 3).await;
    assert!(polls.iter().all(ProbeResult::is_up), "{polls:?}");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        3,
        "each later poll went again on a new connection"
    );

    let (url, _) = counting_server_that(Duration::ZERO, AfterAnswer::ClosesOnTheNextRequest).await;
    let post = endpoint(&format!(
        "name = \"post\"\nurl = \"{url}/\"\ninterval = \"1s\"\nmethod = \"POST\""
    ));
    let polls = polls_of(post, 2).await;
    let failed: Vec<bool> = polls.iter().map(|r| r.failure.is_some()).collect();
    assert_eq!(failed, [false, true], "a POST is not sent twice: {polls:?}");
}

#[tokio::test]
async fn poll_now_polls_out_of_schedule() {
    let (fast, _) = counting_server(Duration::ZERO).await;
    let endpoints = vec![endpoint(&format!(
        "name = \"fast\"\nurl = \"{fast}/\"\ninterval = \"1h\""
    ))];
    let triggers = ProbeTriggers::new(["fast"]);
    let mut prober = Prober::start(endpoints, triggers.clone());
    prober.results_until("fast", 1).await;
    triggers.poll_now("fast");
    let second = tokio::time::timeout(Duration::from_secs(5), prober.results_until("fast", 1))
        .await
        .expect("polled at once, not after an hour");
    assert!(second[0].is_up());
    prober.stop().await;
}

#[test]
fn check_reports_each_endpoint_that_is_down() {
    let Some(base) = service("WATCHDECK_TEST_HTTP_URL") else {
        return;
    };
    let env = support::TestEnv::new();
    let config = env.write(
        "config.toml",
        &format!(
            "[[endpoint]]\nname = \"api\"\nurl = \"{base}/health\"\n\
             [[endpoint]]\nname = \"billing\"\nurl = \"{base}/down\"\n"
        ),
    );
    let run = env.run([
        "--config",
        config.to_str().unwrap(),
        "check",
        "--format",
        "text",
    ]);
    assert!(
        run.stdout
            .contains("✖ CRIT  endpoints    P1 EndpointDown: endpoint billing is down"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("endpoint api"), "{}", run.stdout);
    assert!(
        run.stdout.contains("2 endpoints, 1 up, 1 down"),
        "{}",
        run.stdout
    );
    assert_ne!(run.code, Some(0));
}
