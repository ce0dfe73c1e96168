//! A minimal Redis client (RESP2): the console sends a handful of commands (AUTH, INFO, CONFIG
//! GET, SCAN, MEMORY USAGE), which does not justify a client crate and its compile time.

use std::sync::Arc;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::config::database::REDIS_TLS_SCHEME;

/// A reply, as far as the console reads replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Status(String),
    Error(String),
    Integer(i64),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Reply>),
}

impl Reply {
    pub fn into_text(self) -> Option<String> {
        match self {
            Reply::Status(text) => Some(text),
            Reply::Bulk(Some(bytes)) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            _ => None,
        }
    }
}

/// A plain or TLS connection.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> Stream for S {}

pub struct RespConnection {
    stream: BufReader<Box<dyn Stream>>,
}

/// Where a `redis://[user[:password]@]host[:port][/db]` URL (or `rediss://`, over TLS) points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisAddress {
    pub tls: bool,
    /// The host, as the server's certificate names it.
    pub host: String,
    pub host_port: String,
    pub user: Option<String>,
    pub password: Option<String>,
    pub db: Option<String>,
}

pub fn parse_url(url: &str) -> Result<RedisAddress, String> {
    let (tls, rest) = match (
        url.strip_prefix("redis://"),
        url.strip_prefix(REDIS_TLS_SCHEME),
    ) {
        (Some(rest), _) => (false, rest),
        (None, Some(rest)) => (true, rest),
        (None, None) => return Err("expected a redis:// or rediss:// address".to_string()),
    };
    let (authority, db) = match rest.split_once('/') {
        Some((authority, db)) => (authority, (!db.is_empty()).then(|| db.to_string())),
        None => (rest, None),
    };
    let (credentials, host) = match authority.rsplit_once('@') {
        Some((credentials, host)) => (Some(credentials), host),
        None => (None, authority),
    };
    let (user, password) = match credentials.map(|c| c.split_once(':').unwrap_or((c, ""))) {
        Some((user, password)) => (
            (!user.is_empty()).then(|| user.to_string()),
            (!password.is_empty()).then(|| password.to_string()),
        ),
        None => (None, None),
    };
    let host_port = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:6379")
    };
    let name = host_port
        .rsplit_once(':')
        .map_or(host_port.as_str(), |(name, _)| name);
    Ok(RedisAddress {
        tls,
        host: name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        host_port,
        user,
        password,
        db,
    })
}

impl RespConnection {
    /// Connects to `address`, over TLS with `tls` when it is a `rediss://` one.
    pub async fn connect(
        address: &RedisAddress,
        tls: Option<Arc<rustls::ClientConfig>>,
    ) -> std::io::Result<Self> {
        let stream = TcpStream::connect(&address.host_port).await?;
        stream.set_nodelay(true)?;
        let stream: Box<dyn Stream> = match tls {
            Some(config) => {
                let name = ServerName::try_from(address.host.clone())
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
                let connector = tokio_rustls::TlsConnector::from(config);
                Box::new(connector.connect(name, stream).await.map_err(|e| {
                    // The handshake's reason, without the layers of wrapping.
                    let reason = e
                        .get_ref()
                        .map_or_else(|| e.to_string(), ToString::to_string);
                    std::io::Error::new(e.kind(), format!("TLS: {reason}"))
                })?)
            }
            None => Box::new(stream),
        };
        Ok(Self {
            stream: BufReader::new(stream),
        })
    }

    /// Sends one command and reads its reply; a server error is an `Err` with its text.
    pub async fn command(&mut self, args: &[&[u8]]) -> Result<Reply, String> {
        let mut request = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            request.extend_from_slice(arg);
            request.extend_from_slice(b"\r\n");
        }
        self.stream
            .get_mut()
            .write_all(&request)
            .await
            .map_err(|e| e.to_string())?;
        match self.read_reply().await.map_err(|e| e.to_string())? {
            Reply::Error(text) => Err(text),
            reply => Ok(reply),
        }
    }

    async fn read_reply(&mut self) -> std::io::Result<Reply> {
        let mut pending: Vec<(Vec<Reply>, usize)> = Vec::new();
        loop {
            let mut line = Vec::new();
            if self.stream.read_until(b'\n', &mut line).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\r', '\n']);
            let (kind, rest) = text.split_at(text.len().min(1));
            let number = || {
                rest.parse::<i64>()
                    .map_err(|_| std::io::Error::other(format!("bad reply: {text}")))
            };
            let mut reply = match kind {
                "+" => Reply::Status(rest.to_string()),
                "-" => Reply::Error(rest.to_string()),
                ":" => Reply::Integer(number()?),
                "$" => match usize::try_from(number()?) {
                    Ok(length) => {
                        let mut bytes = vec![0; length + 2];
                        self.stream.read_exact(&mut bytes).await?;
                        bytes.truncate(length);
                        Reply::Bulk(Some(bytes))
                    }
                    Err(_) => Reply::Bulk(None),
                },
                "*" => match usize::try_from(number()?) {
                    Ok(0) | Err(_) => Reply::Array(Vec::new()),
                    Ok(length) => {
                        pending.push((Vec::with_capacity(length), length));
                        continue;
                    }
                },
                _ => return Err(std::io::Error::other(format!("bad reply: {text}"))),
            };
            loop {
                let Some((items, length)) = pending.last_mut() else {
                    return Ok(reply);
                };
                items.push(reply);
                if items.len() < *length {
                    break;
                }
                let Some((items, _)) = pending.pop() else {
                    return Err(std::io::Error::other("unbalanced reply"));
                };
                reply = Reply::Array(items);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_host_user_password_and_db() {
        assert_eq!(
            parse_url("redis://ops:s3cret@cache:6380/2"),
            Ok(RedisAddress {
                tls: false,
                host: "cache".into(),
                host_port: "cache:6380".into(),
                user: Some("ops".into()),
                password: Some("s3cret".into()),
                db: Some("2".into()),
            })
        );
        assert_eq!(
            parse_url("redis://127.0.0.1"),
            Ok(RedisAddress {
                tls: false,
                host: "127.0.0.1".into(),
                host_port: "127.0.0.1:6379".into(),
                user: None,
                password: None,
                db: None,
            })
        );
        assert_eq!(
            parse_url("rediss://[::1]:6380"),
            Ok(RedisAddress {
                tls: true,
                host: "::1".into(),
                host_port: "[::1]:6380".into(),
                user: None,
                password: None,
                db: None,
            })
        );
    }
}
