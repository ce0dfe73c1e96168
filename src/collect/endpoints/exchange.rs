//! One HTTP/1 exchange on a plain or TLS stream: the request out, the answer in with at most the
//! endpoint's `body_limit` of its body, and the stream back when it can carry the next poll.

use std::net::SocketAddr;

use bytes::Bytes;
use futures_util::FutureExt;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_util::either::Either;

use crate::model::endpoints::ProbeFailure;

/// The bytes of the body kept for the detail pane.
const BODY_SHOWN: usize = 1024;
const HEADERS_SHOWN: usize = 32;
const HEADER_VALUE_SHOWN: usize = 200;
/// Response headers whose values are credentials.
const SECRET_HEADERS: [&str; 3] = ["set-cookie", "authorization", "proxy-authorization"];

/// A connection's stream, plain or TLS, as one type so that hyper's client is built once.
pub(super) type Stream = Either<TcpStream, Box<tokio_rustls::client::TlsStream<TcpStream>>>;

/// A response with its body read (at most the endpoint's `body_limit` bytes of it).
pub(super) struct Answer {
    pub(super) head: hyper::http::response::Parts,
    pub(super) body: Vec<u8>,
    /// False when the body was longer than what was read.
    pub(super) complete: bool,
}

/// Why an exchange gave no answer.
pub(super) enum ExchangeError {
    /// The request found the connection closed: a kept one may be replaced and the request sent
    /// again.
    Unsent(ProbeFailure),
    Failed(ProbeFailure),
}

impl ExchangeError {
    pub(super) fn failure(self) -> ProbeFailure {
        match self {
            ExchangeError::Unsent(failure) | ExchangeError::Failed(failure) => failure,
        }
    }
}

/// Resolves the URL's host and connects to the first address that answers.
pub(super) async fn connect(url: &url::Url) -> Result<TcpStream, ProbeFailure> {
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
pub(super) async fn exchange(
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

pub(super) fn shown_headers(headers: &hyper::HeaderMap) -> Vec<(String, String)> {
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

pub(super) fn shown_body(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(BODY_SHOWN)])
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
