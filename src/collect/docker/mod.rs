//! Docker engines through bollard: connecting and naming what failed. The supervised source is in
//! [`source`], the pure readers of the engine's answers in [`parse`], log following in [`logs`] and
//! the operator's container actions in [`actions`].

mod actions;
mod logs;
mod parse;
mod source;
mod ssh;

pub use actions::run_action;
pub use logs::{FollowOptions, LOG_GIVE_UP_AFTER, MAX_LOG_LINE_BYTES, follow_logs};
pub use parse::parse_time;
pub use source::{DockerCounters, DockerSource, RESYNC_EVERY};

use std::time::Duration;

use bollard::Docker;

use crate::collect::CollectError;
use crate::config::DockerTls;

/// Where Docker listens when neither the config nor `DOCKER_HOST` says otherwise.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// Bounds one inspect or stats call, so one wedged container cannot stall the whole poll.
pub(crate) const PER_CONTAINER_TIMEOUT: Duration = Duration::from_secs(5);

/// bollard's own bound on a request until its response headers; a restart waits up to the 10 s
/// stop timeout and then starts the container, so this stays well above that. Streams (events,
/// logs) are not bounded by it once their headers arrived.
const REQUEST_TIMEOUT_SECONDS: u64 = 60;

/// Bounds the first answers of a poll (ping, version): an engine that takes longer to say it is
/// there is reported down at once, rather than after the whole poll's budget, which stays long
/// for a first inspect of hundreds of containers.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(3);

/// Bounds the plain connect that tells a mute engine from one that does not accept connections.
const CONNECT_PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// The configured host, else `DOCKER_HOST`, else the default socket (empty values count as unset).
pub fn resolve_host(configured: Option<&str>, docker_host_env: Option<&str>) -> String {
    configured
        .filter(|h| !h.trim().is_empty())
        .or_else(|| docker_host_env.filter(|h| !h.trim().is_empty()))
        .unwrap_or(DEFAULT_HOST)
        .trim()
        .to_string()
}

/// A bollard client for `host`, over TLS with `tls`'s files for a `tcp://` host. Nothing is
/// sent yet: an engine that is down shows up on the first request (`ping`), except a missing
/// unix socket, which bollard reports at once.
pub fn connect(host: &str, tls: Option<&DockerTls>) -> Result<Docker, CollectError> {
    let scheme = host.split("://").next().unwrap_or_default();
    match (scheme, tls) {
        ("unix", None) if host.len() > "unix://".len() => {
            Docker::connect_with_unix(host, REQUEST_TIMEOUT_SECONDS, bollard::API_DEFAULT_VERSION)
                .map_err(|e| cannot_reach(host, &e))
        }
        ("tcp" | "http", None) => {
            Docker::connect_with_http(host, REQUEST_TIMEOUT_SECONDS, bollard::API_DEFAULT_VERSION)
                .map_err(|e| cannot_reach(host, &e))
        }
        ("tcp", Some(tls)) => Docker::connect_with_ssl(
            host,
            &tls.key,
            &tls.cert,
            &tls.ca,
            REQUEST_TIMEOUT_SECONDS,
            bollard::API_DEFAULT_VERSION,
        )
        .map_err(|e| cannot_reach(host, &e)),
        ("ssh", None) => {
            let target = ssh::Target::parse(host).map_err(CollectError::new)?;
            ssh::connect(target, REQUEST_TIMEOUT_SECONDS).map_err(|e| cannot_reach(host, &e))
        }
        (_, Some(_)) => Err(CollectError::new(format!(
            "{host}: TLS certificates are only used with a tcp:// host"
        ))),
        _ => Err(CollectError::new(format!(
            "{host:?} is not a Docker address: expected unix:///path/to/docker.sock, \
             tcp://host:port or ssh://user@host"
        ))),
    }
}

fn cannot_reach(host: &str, error: &bollard::errors::Error) -> CollectError {
    CollectError::new(format!(
        "cannot reach Docker at {host}: {}",
        describe(error)
    ))
}

/// `request` bounded by [`ANSWER_TIMEOUT`]; a timeout says whether the engine took the
/// connection and kept quiet, or never took it.
async fn answer_within<T>(
    host: &str,
    request: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<T, CollectError> {
    match tokio::time::timeout(ANSWER_TIMEOUT, request).await {
        Ok(answer) => answer.map_err(|e| cannot_reach(host, &e)),
        Err(_) if accepts_connections(host).await => Err(CollectError::new(format!(
            "Docker at {host} accepted the connection but did not answer within {}",
            humantime::format_duration(ANSWER_TIMEOUT)
        ))),
        Err(_) => Err(CollectError::new(format!(
            "cannot reach Docker at {host}: no connection within {}",
            humantime::format_duration(ANSWER_TIMEOUT)
        ))),
    }
}

/// Whether something at `host` (`unix://`, `tcp://`/`http://`, or the sshd of `ssh://`)
/// accepts a connection.
async fn accepts_connections(host: &str) -> bool {
    let connect = async {
        match host.split_once("://") {
            Some(("unix", path)) => tokio::net::UnixStream::connect(path).await.is_ok(),
            Some(("ssh", _)) => match ssh::Target::parse(host) {
                Ok(target) => tokio::net::TcpStream::connect(target.address())
                    .await
                    .is_ok(),
                Err(_) => false,
            },
            Some((_, address)) => tokio::net::TcpStream::connect(address.trim_end_matches('/'))
                .await
                .is_ok(),
            None => false,
        }
    };
    tokio::time::timeout(CONNECT_PROBE_TIMEOUT, connect)
        .await
        .unwrap_or(false)
}

/// The engine's own message, or the innermost cause of a transport error, without the Debug
/// noise an operator cannot act on.
pub fn describe(error: &bollard::errors::Error) -> String {
    use bollard::errors::Error;
    match error {
        // bollard checks that the socket file exists before any request: that is ENOENT.
        Error::SocketNotFoundError(_) => "No such file or directory".into(),
        Error::DockerResponseServerError {
            status_code,
            message,
        } => {
            let message = message.trim();
            if message.is_empty() {
                format!("the engine answered HTTP {status_code}")
            } else {
                message.to_string()
            }
        }
        Error::RequestTimeoutError => {
            format!("no answer within {REQUEST_TIMEOUT_SECONDS}s")
        }
        other => {
            // An I/O error is transparent: its own source would skip it.
            let mut innermost: &(dyn std::error::Error + 'static) = match other {
                Error::IOError { err } => err,
                other => other,
            };
            loop {
                if let Some(words) = tls_refusal(innermost) {
                    return words;
                }
                match innermost.source() {
                    Some(source) => innermost = source,
                    None => break,
                }
            }
            strip_os_error(&innermost.to_string()).to_string()
        }
    }
}

/// A TLS handshake that failed, said as who refused what rather than as rustls's variant.
fn tls_refusal(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    use rustls::{AlertDescription as Alert, CertificateError, Error as Tls};
    // An I/O error carries the TLS error inside it rather than as its source.
    let tls = error.downcast_ref::<Tls>().or_else(|| {
        error
            .downcast_ref::<std::io::Error>()?
            .get_ref()?
            .downcast_ref::<Tls>()
    })?;
    Some(match tls {
        Tls::AlertReceived(
            alert @ (Alert::BadCertificate
            | Alert::UnknownCA
            | Alert::CertificateRequired
            | Alert::CertificateUnknown
            | Alert::CertificateExpired
            | Alert::CertificateRevoked
            | Alert::UnsupportedCertificate
            | Alert::AccessDenied),
        ) => format!("the engine refused the client certificate (TLS alert {alert:?})"),
        Tls::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "the engine's certificate is not signed by the CA of tls_ca".into()
        }
        Tls::InvalidCertificate(CertificateError::NotValidForName)
        | Tls::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => {
            "the engine's certificate is not made out to this host name".into()
        }
        other => format!("TLS: {other}"),
    })
}

/// `No such file or directory (os error 2)` → `No such file or directory`.
fn strip_os_error(message: &str) -> &str {
    match message.rfind(" (os error ") {
        Some(at) if message.ends_with(')') => &message[..at],
        _ => message,
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::containers::{ContainerAction, LogEvent};
    use tokio::sync::mpsc;
    use tokio_util::sync::CancellationToken;

    #[test]
    fn host_comes_from_config_then_env_then_default() {
        assert_eq!(
            resolve_host(Some("tcp://a:2375"), Some("unix:///b.sock")),
            "tcp://a:2375"
        );
        assert_eq!(resolve_host(None, Some("unix:///b.sock")), "unix:///b.sock");
        assert_eq!(resolve_host(Some(" "), Some("")), DEFAULT_HOST);
        assert_eq!(resolve_host(None, None), "unix:///var/run/docker.sock");
    }

    #[test]
    fn ssh_connects_lazily_and_anything_else_is_not_an_address() {
        assert!(connect("ssh://ops@db1:2222", None).is_ok());
        let error = connect("ssh://ops@db1/path", None)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(error.contains("expected ssh://user@host[:port]"), "{error}");
        for host in ["ftp://x", "https://docker.example:2376"] {
            let error = connect(host, None)
                .err()
                .map(|e| e.message)
                .unwrap_or_default();
            assert!(error.contains("not a Docker address"), "{error}");
        }
        let tls = DockerTls::in_dir(std::path::Path::new("/certs"));
        let error = connect("ssh://ops@db1", Some(&tls))
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(error.contains("only used with a tcp:// host"), "{error}");
    }

    #[test]
    fn a_missing_socket_names_the_host_and_the_cause() {
        let error = connect("unix:///nonexistent/wd.sock", None)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert_eq!(
            error,
            "cannot reach Docker at unix:///nonexistent/wd.sock: No such file or directory"
        );
    }

    #[test]
    fn tcp_connects_lazily() {
        assert!(connect("tcp://127.0.0.1:2375", None).is_ok());
        assert!(connect("http://127.0.0.1:2375", None).is_ok());
    }

    #[test]
    fn engine_errors_keep_only_the_message() {
        let error = bollard::errors::Error::DockerResponseServerError {
            status_code: 409,
            message: "Container abc is not paused".into(),
        };
        assert_eq!(describe(&error), "Container abc is not paused");
        let io = bollard::errors::Error::IOError {
            err: std::io::Error::from_raw_os_error(111),
        };
        assert_eq!(describe(&io), "Connection refused");
        let refused = bollard::errors::Error::IOError {
            err: std::io::Error::other(rustls::Error::AlertReceived(
                rustls::AlertDescription::BadCertificate,
            )),
        };
        assert_eq!(
            describe(&refused),
            "the engine refused the client certificate (TLS alert BadCertificate)"
        );
        assert_eq!(strip_os_error("odd (os error"), "odd (os error");
    }

    #[test]
    fn futures_the_app_spawns_are_send() {
        fn is_send<T: Send>(_: &T) {}
        let docker = connect("tcp://127.0.0.1:1", None).ok();
        if let Some(docker) = docker {
            let (sender, _receiver) = mpsc::channel::<LogEvent>(1);
            let options = FollowOptions {
                tail: 10,
                give_up_after: LOG_GIVE_UP_AFTER,
            };
            let follow = follow_logs(
                docker.clone(),
                "x".into(),
                options,
                sender,
                |event| event,
                CancellationToken::new(),
            );
            is_send(&follow);
            is_send(&run_action(&docker, "x", ContainerAction::Stop));
        }
    }
}
