//! The real services that `scripts/services-up.sh` starts answer on loopback. Under `CI=true` a
//! missing service fails; run alone without them, each test says what to start and passes.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use support::services::service;

const TIMEOUT: Duration = Duration::from_secs(5);

fn host_port(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let rest = rest.rsplit('@').next().unwrap_or(rest);
    rest.split('/').next().unwrap_or(rest).to_string()
}

fn exchange(mut stream: impl Read + Write, request: &[u8]) -> String {
    stream.write_all(request).expect("send");
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = stream.read(&mut chunk) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8_lossy(&answer).into_owned()
}

fn tcp(url: &str) -> TcpStream {
    let address = host_port(url);
    assert!(
        address.starts_with("127.0.0.1:"),
        "test services stay on loopback: {address}"
    );
    let stream = TcpStream::connect(&address).unwrap_or_else(|e| panic!("{address}: {e}"));
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    stream
}

fn http_get(url: &str, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n", host_port(url));
    exchange(tcp(url), request.as_bytes())
}

#[test]
fn prometheus_is_ready_and_scrapes_node_exporter() {
    let Some(url) = service("WATCHDECK_TEST_PROMETHEUS_URL") else {
        return;
    };
    assert!(http_get(&url, "/-/ready").starts_with("HTTP/1.0 200"));
    let answer = http_get(&url, "/api/v1/query?query=up%7Bjob%3D%22node%22%7D");
    assert!(
        answer.contains("\"status\":\"success\"") && answer.contains("\"node\""),
        "{answer}"
    );
}

#[test]
fn alertmanager_node_exporter_and_nginx_answer() {
    if let Some(url) = service("WATCHDECK_TEST_ALERTMANAGER_URL") {
        assert!(http_get(&url, "/api/v2/status").contains("\"cluster\""));
    }
    if let Some(url) = service("WATCHDECK_TEST_NODE_EXPORTER_URL") {
        assert!(http_get(&url, "/metrics").contains("node_load1"));
    }
    if let Some(url) = service("WATCHDECK_TEST_HTTP_URL") {
        assert!(http_get(&url, "/health.json").starts_with("HTTP/1.1 200"));
        assert!(http_get(&url, "/down").starts_with("HTTP/1.1 503"));
    }
}

#[test]
fn redis_answers_ping() {
    let Some(url) = service("WATCHDECK_TEST_REDIS_URL") else {
        return;
    };
    let stream = tcp(&url);
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    assert!(exchange(stream, b"PING\r\nQUIT\r\n").starts_with("+PONG"));
}

#[test]
fn postgres_and_mariadb_accept_connections() {
    if let Some(url) = service("WATCHDECK_TEST_PG_URL") {
        // An SSLRequest gets a one-byte answer ('N' or 'S') from a real PostgreSQL server.
        let mut stream = tcp(&url);
        stream
            .write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])
            .expect("send");
        let mut answer = [0u8; 1];
        stream.read_exact(&mut answer).expect("answer");
        assert!(matches!(answer[0], b'N' | b'S'), "{answer:?}");
    }
    if let Some(url) = service("WATCHDECK_TEST_MYSQL_URL") {
        // MariaDB speaks first: its handshake names the server version.
        let mut stream = tcp(&url);
        let mut greeting = [0u8; 128];
        let n = stream.read(&mut greeting).expect("greeting");
        assert!(String::from_utf8_lossy(&greeting[..n]).contains("MariaDB"));
    }
}

#[test]
fn docker_engine_answers_ping_and_has_the_test_image() {
    let Some(host) = service("WATCHDECK_TEST_DOCKER_HOST") else {
        return;
    };
    let socket = host.strip_prefix("unix://").expect("a unix socket");
    let connect = || {
        let stream = UnixStream::connect(socket).unwrap_or_else(|e| panic!("{socket}: {e}"));
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        stream
    };
    assert!(exchange(connect(), b"GET /_ping HTTP/1.0\r\n\r\n").contains("OK"));
    let images = exchange(connect(), b"GET /images/json HTTP/1.0\r\n\r\n");
    assert!(images.contains("local/busybox:test"), "{images}");
}
