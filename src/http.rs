//! A small HTTP(S) client for talking to services by JSON: notification targets and Alertmanager.
//! hyper's pooled client over rustls (the settings of [`crate::tls`]: the ring provider and the
//! system's roots, as every client), every request bounded in time and every answer in size.
//!
//! URLs often carry tokens (a Slack webhook's path, DingTalk's `access_token`, a password), so
//! nothing here ever puts a whole URL in an error: errors name the host only, see [`shown_url`].

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub use crate::redact::shown_url;
pub use hyper::Method;

/// The largest answer read; the rest is an error rather than memory.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Credentials sent with every request to one service.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    Basic { user: String, password: String },
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Basic { user, .. } => write!(f, "Basic({user}:***)"),
            Auth::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

impl Auth {
    fn header(&self) -> Result<HeaderValue, HttpError> {
        use base64::Engine as _;
        let value = match self {
            Auth::Basic { user, password } => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            ),
            Auth::Bearer(token) => format!("Bearer {token}"),
        };
        let mut header = HeaderValue::from_str(&value)
            .map_err(|_| HttpError("credentials are not a valid header value".into()))?;
        header.set_sensitive(true);
        Ok(header)
    }
}

/// What went wrong, in words fit for the screen and the log: never the whole URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Bytes,
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A client with its connection pool; cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    inner: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl HttpClient {
    /// A client whose every request, answer included, must finish within `timeout`, and that
    /// trusts the system's CAs.
    pub fn new(timeout: Duration) -> Result<Self, HttpError> {
        let tls = crate::tls::verified(crate::tls::Trust::System).map_err(HttpError)?;
        Ok(Self::with_tls(timeout, tls))
    }

    /// [`HttpClient::new`] checking servers with `tls` (see [`crate::tls`]).
    pub fn with_tls(timeout: Duration, tls: rustls::ClientConfig) -> Self {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        let inner = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(2)
            .build(connector);
        Self { inner, timeout }
    }

    /// Sends `body` as JSON (or nothing) and reads the whole answer.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        auth: Option<&Auth>,
        json: Option<Vec<u8>>,
    ) -> Result<HttpResponse, HttpError> {
        let uri: hyper::Uri = url
            .parse()
            .map_err(|_| HttpError(format!("not a valid URL: {}", shown_url(url))))?;
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(uri)
            .header(USER_AGENT, concat!("watchdeck/", env!("CARGO_PKG_VERSION")));
        if json.is_some() {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        if let Some(auth) = auth {
            request = request.header(AUTHORIZATION, auth.header()?);
        }
        let request = request
            .body(Full::new(Bytes::from(json.unwrap_or_default())))
            .map_err(|_| HttpError(format!("cannot build a request to {}", shown_url(url))))?;
        let exchange = async {
            let response = self
                .inner
                .request(request)
                .await
                .map_err(|error| HttpError(connect_reason(&error)))?;
            let status = response.status().as_u16();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|_| HttpError("the answer broke off or was too large".into()))?
                .to_bytes();
            Ok(HttpResponse { status, body })
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => {
                result.map_err(|HttpError(why)| HttpError(format!("{}: {why}", shown_url(url))))
            }
            Err(_) => Err(HttpError(format!(
                "{}: no answer within {}",
                shown_url(url),
                humantime::format_duration(self.timeout)
            ))),
        }
    }
}

/// Why a request could not be made, from the innermost cause: `connection refused`, a TLS
/// error. The legacy client's own message names no address.
fn connect_reason(error: &hyper_util::client::legacy::Error) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    let mut reason = error.to_string();
    while let Some(cause) = source {
        reason = cause.to_string();
        source = cause.source();
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_print() {
        let basic = Auth::Basic {
            user: "ops".into(),
            password: "s3cr3t".into(),
        };
        assert_eq!(format!("{basic:?}"), "Basic(ops:***)");
        assert_eq!(
            format!("{:?}", Auth::Bearer("s3cr3t".into())),
            "Bearer(***)"
        );
        assert_eq!(
            basic.header().map(|h| h.is_sensitive()),
            Ok(true),
            "a sensitive header is left out of hyper's debug output"
        );
    }

    #[tokio::test]
    async fn a_refused_connection_is_an_error_that_names_the_host_only() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let client = HttpClient::new(Duration::from_secs(2)).expect("client");
        let url = format!("http://127.0.0.1:{port}/hook?token=s3cr3t");
        let error = client
            .send(Method::POST, &url, None, Some(b"{}".to_vec()))
            .await
            .expect_err("nothing listens");
        assert!(error.0.contains(&format!("127.0.0.1:{port}")), "{error}");
        assert!(error.0.contains("refused"), "{error}");
        assert!(!error.0.contains("s3cr3t"), "{error}");
    }

    #[tokio::test]
    async fn an_answer_is_read_with_its_status() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut request = vec![0; 4096];
            let read = socket.read(&mut request).await.expect("read");
            socket
                .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\nok")
                .await
                .expect("write");
            String::from_utf8_lossy(&request[..read]).into_owned()
        });
        let client = HttpClient::new(Duration::from_secs(2)).expect("client");
        let auth = Auth::Bearer("t0ken".into());
        let response = client
            .send(
                Method::POST,
                &format!("http://127.0.0.1:{port}/x"),
                Some(&auth),
                Some(br#"{"a":1}"#.to_vec()),
            )
            .await
            .expect("answer");
        assert_eq!(response.status, 202);
        assert_eq!(&response.body[..], b"ok");
        let request = server.await.expect("server");
        assert!(request.starts_with("POST /x HTTP/1.1"), "{request}");
        assert!(request.contains("authorization: Bearer t0ken"), "{request}");
        assert!(
            request.contains("content-type: application/json"),
            "{request}"
        );
    }
}
