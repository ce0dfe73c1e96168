//! Engines at `ssh://user@host[:port]`, reached as the docker CLI reaches them: each connection
//! is `ssh … -- host docker system dial-stdio` through the system's ssh client, so its config,
//! keys, agent and known hosts apply. `BatchMode` keeps ssh from prompting over the console;
//! what ssh says when it fails (a refused login, an unknown host key) becomes the error of the
//! request that needed the connection.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bollard::{BollardRequest, Docker};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::process::{ChildStdin, ChildStdout, Command};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// Requests waiting for their answer at once: each needs a connection of its own, which is an
/// ssh process and a login on the remote host.
const CONCURRENT_REQUESTS: usize = 8;

/// How long ssh may take to connect, as its `ConnectTimeout`.
const CONNECT_TIMEOUT_SECONDS: u32 = 10;

/// What ssh writes on stderr that is kept for the error (its last lines matter).
const STDERR_LIMIT: u64 = 8 * 1024;

/// Where an `ssh://` engine is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Target {
    user: Option<String>,
    host: String,
    port: Option<u16>,
}

impl Target {
    /// `ssh://[user@]host[:port]`; anything else in the address is refused rather than ignored.
    pub(super) fn parse(address: &str) -> Result<Self, String> {
        let url = url::Url::parse(address).map_err(|e| format!("{address:?}: {e}"))?;
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| format!("{address:?} names no host"))?;
        if url.password().is_some()
            || !matches!(url.path(), "" | "/")
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(format!(
                "{address:?}: expected ssh://user@host[:port] and nothing more"
            ));
        }
        Ok(Self {
            user: Some(url.username())
                .filter(|user| !user.is_empty())
                .map(str::to_string),
            host: host.to_string(),
            port: url.port(),
        })
    }

    /// The address a plain TCP connect tries, to tell an sshd that is down from a mute engine.
    pub(super) fn address(&self) -> String {
        format!("{}:{}", self.host, self.port.unwrap_or(22))
    }

    /// The arguments of `ssh`, as the docker CLI passes them, plus `BatchMode`.
    fn ssh_args(&self) -> Vec<String> {
        let mut args = vec![
            "-o".to_string(),
            "BatchMode=yes".to_string(),
            "-o".to_string(),
            format!("ConnectTimeout={CONNECT_TIMEOUT_SECONDS}"),
            "-T".to_string(),
        ];
        if let Some(user) = &self.user {
            args.extend(["-l".to_string(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".to_string(), port.to_string()]);
        }
        args.extend(
            ["--", &self.host, "docker", "system", "dial-stdio"]
                .into_iter()
                .map(str::to_string),
        );
        args
    }
}

/// A bollard client whose connections are ssh processes to `target`.
pub(super) fn connect(
    target: Target,
    timeout_seconds: u64,
) -> Result<Docker, bollard::errors::Error> {
    let client = Arc::new(Client::builder(TokioExecutor::new()).build(Connector {
        target: Arc::new(target),
    }));
    let limit = Arc::new(Semaphore::new(CONCURRENT_REQUESTS));
    Docker::connect_with_custom_transport(
        move |request: BollardRequest| {
            let client = client.clone();
            let limit = limit.clone();
            async move {
                let _permit = limit.acquire().await;
                client
                    .request(request)
                    .await
                    .map_err(bollard::errors::Error::from)
            }
        },
        // The remote `docker` CLI picks the engine; this only names the requests.
        Some("http://localhost"),
        timeout_seconds,
        bollard::API_DEFAULT_VERSION,
    )
}

#[derive(Clone)]
struct Connector {
    target: Arc<Target>,
}

impl tower_service::Service<hyper::Uri> for Connector {
    type Response = TokioIo<SshStream>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let spawned = SshStream::spawn(&self.target).map(TokioIo::new);
        Box::pin(async move { spawned })
    }
}

/// One `ssh … docker system dial-stdio`: HTTP goes to its stdin and comes from its stdout.
struct SshStream {
    stdin: ChildStdin,
    stdout: ChildStdout,
    /// Waits for ssh to end, with what it said if it failed; aborting it kills ssh.
    exit: Option<JoinHandle<Option<String>>>,
    failure: Option<String>,
}

impl SshStream {
    fn spawn(target: &Target) -> io::Result<Self> {
        let mut child = Command::new("ssh")
            .args(target.ssh_args())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| match error.kind() {
                io::ErrorKind::NotFound => io::Error::other("no ssh client: `ssh` is not on PATH"),
                _ => io::Error::other(format!("cannot start ssh: {error}")),
            })?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(io::Error::other("ssh started without its pipes"));
        };
        let exit = tokio::spawn(async move {
            let mut said = Vec::new();
            // Read to the end, so ssh never blocks on a full pipe; only the first part is kept.
            let mut stderr = stderr;
            let _ = (&mut stderr)
                .take(STDERR_LIMIT)
                .read_to_end(&mut said)
                .await;
            let _ = tokio::io::copy(&mut stderr, &mut tokio::io::sink()).await;
            let status = child.wait().await.ok()?;
            (!status.success()).then(|| failure(&String::from_utf8_lossy(&said), status))
        });
        Ok(Self {
            stdin,
            stdout,
            exit: Some(exit),
            failure: None,
        })
    }

    /// Once ssh has ended: why it failed, if it did.
    fn poll_failure(&mut self, cx: &mut Context<'_>) -> Poll<Option<&str>> {
        if let Some(exit) = &mut self.exit {
            let ended = ready!(Pin::new(exit).poll(cx));
            self.exit = None;
            self.failure = ended.ok().flatten();
        }
        Poll::Ready(self.failure.as_deref())
    }
}

impl Drop for SshStream {
    fn drop(&mut self) {
        if let Some(exit) = &self.exit {
            exit.abort();
        }
    }
}

/// What ssh's stderr and exit status say, in a line: 255 is ssh's own failure (the login, the
/// host key, the connection); anything else is the remote `docker` command's.
fn failure(stderr: &str, status: ExitStatus) -> String {
    let said = stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let said = if said.is_empty() {
        "it said nothing".to_string()
    } else {
        said
    };
    match status.code() {
        Some(255) if said.contains("Permission denied") => {
            format!("the ssh login was refused: {said}")
        }
        Some(255) => format!("ssh failed: {said}"),
        Some(code) => {
            format!("`docker system dial-stdio` failed on the remote host (exit {code}): {said}")
        }
        None => format!("ssh was killed ({status}): {said}"),
    }
}

impl AsyncRead for SshStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stdout).poll_read(cx, buf))?;
        if buf.filled().len() > before || buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        // The end of ssh's output: a failed ssh says why instead of a bare end of stream.
        match ready!(this.poll_failure(cx)) {
            Some(failure) => Poll::Ready(Err(io::Error::other(failure.to_string()))),
            None => Poll::Ready(Ok(())),
        }
    }
}

impl AsyncWrite for SshStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match ready!(Pin::new(&mut this.stdin).poll_write(cx, buf)) {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                match ready!(this.poll_failure(cx)) {
                    Some(failure) => Poll::Ready(Err(io::Error::other(failure.to_string()))),
                    None => Poll::Ready(Err(error)),
                }
            }
            written => Poll::Ready(written),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stdin).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stdin).poll_shutdown(cx)
    }
}

impl Connection for SshStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn an_address_gives_user_host_and_port_to_ssh_as_options() {
        let target = Target::parse("ssh://ops@db1.example:2222").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            target.ssh_args().join(" "),
            "-o BatchMode=yes -o ConnectTimeout=10 -T -l ops -p 2222 -- db1.example docker system dial-stdio"
        );
        assert_eq!(target.address(), "db1.example:2222");
        let bare = Target::parse("ssh://db1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            bare.ssh_args().join(" "),
            "-o BatchMode=yes -o ConnectTimeout=10 -T -- db1 docker system dial-stdio"
        );
        assert_eq!(bare.address(), "db1:22");
        for wrong in [
            "ssh://",
            "ssh://ops@db1/var/run/docker.sock",
            "ssh://ops:pw@db1",
        ] {
            assert!(Target::parse(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn what_ssh_says_becomes_one_line_naming_who_failed() {
        let exit = |code: i32| ExitStatus::from_raw(code << 8);
        assert_eq!(
            failure("ops@db1: Permission denied (publickey).\r\n", exit(255)),
            "the ssh login was refused: ops@db1: Permission denied (publickey)."
        );
        assert_eq!(
            failure(
                "No ED25519 host key is known for db1.\nHost key verification failed.\n",
                exit(255)
            ),
            "ssh failed: No ED25519 host key is known for db1. Host key verification failed."
        );
        assert_eq!(
            failure("bash: line 1: docker: command not found\n", exit(127)),
            "`docker system dial-stdio` failed on the remote host (exit 127): bash: line 1: docker: command not found"
        );
        assert_eq!(failure("", exit(255)), "ssh failed: it said nothing");
    }
}
