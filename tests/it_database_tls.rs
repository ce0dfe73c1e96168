//! TLS to the databases against real servers: a private PostgreSQL, MariaDB and redis-server
//! started here on free ports with the test CA's certificate (`$WATCHDECK_SERVICES_DIR/tls`, made
//! by scripts/services-up.sh, for 127.0.0.1 and localhost), each refusing plain connections, and
//! the shared plain servers for what a server without TLS does to each mode.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use watchdeck::collect::Collector;
use watchdeck::collect::database::DatabaseSource;
use watchdeck::config::{Config, DatabaseConfig};
use watchdeck::model::databases::{DatabaseDetail, DatabaseSnapshot};

/// The test CA's directory, or `None` (with a note) where the private servers cannot be started:
/// outside the services, or not as root (PostgreSQL runs as `postgres` through `runuser`).
fn tls_dir() -> Option<PathBuf> {
    let dir = std::env::var("WATCHDECK_SERVICES_DIR")
        .ok()
        .map(|dir| Path::new(&dir).join("tls"))
        .filter(|dir| dir.join("server.key").exists());
    let root = nix::unistd::Uid::effective().is_root();
    match dir {
        Some(dir) if root => Some(dir),
        _ => support::services::skip_unless_ci(
            "the TLS tests need the services' test CA ($WATCHDECK_SERVICES_DIR/tls) and root",
        ),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run(command: &mut Command) {
    let output = command.stdin(Stdio::null()).output().expect("run");
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn database(kind: &str, url: &str, keys: &str) -> DatabaseConfig {
    let toml = format!(
        "[[database]]\nname = \"tls\"\nkind = \"{kind}\"\nurl = \"{url}\"\ntimeout = \"5s\"\n{keys}"
    );
    let config = Config::parse("test.toml", &toml).unwrap_or_else(|e| panic!("{e}\n{toml}"));
    config.database[0].clone()
}

async fn poll(config: &DatabaseConfig) -> Result<DatabaseSnapshot, String> {
    DatabaseSource::new(config)
        .poll()
        .await
        .map_err(|e| e.message)
}

#[track_caller]
fn assert_refused(result: Result<DatabaseSnapshot, String>, wanted: &[&str]) -> String {
    let error = result.expect_err("connected");
    for part in wanted {
        assert!(error.contains(part), "{error:?} lacks {part:?}");
    }
    error
}

/// A private PostgreSQL accepting TCP only over TLS (`hostssl`, SCRAM), on 127.0.0.1 and
/// 127.0.0.2 (a loopback address the certificate does not name); trusted on its socket, for the
/// test's own look. Stopped and removed when dropped.
struct PrivatePostgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    password: String,
}

impl PrivatePostgres {
    fn start(tls: &Path) -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL under /usr/lib/postgresql")
            .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
            .filter(|bin| bin.join("pg_ctl").exists())
            .max()
            .expect("pg_ctl");
        let dir = tempfile::Builder::new()
            .prefix("watchdeck-pgtls-")
            .tempdir()
            .unwrap();
        let postgres = nix::unistd::User::from_name("postgres")
            .unwrap()
            .expect("a postgres user");
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        std::os::unix::fs::chown(dir.path(), Some(postgres.uid.as_raw()), None).unwrap();
        let data = dir.path().join("data");
        run(Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]));
        for file in ["server.pem", "server.key"] {
            let copy = data.join(file);
            std::fs::copy(tls.join(file), &copy).unwrap();
            std::os::unix::fs::chown(&copy, Some(postgres.uid.as_raw()), None).unwrap();
            std::fs::set_permissions(&copy, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .unwrap();
        }
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.0/8 scram-sha-256\n",
        )
        .unwrap();
        let port = free_port();
        let log = dir.path().join("log");
        run(Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "30", "-o"])
            .arg(format!(
                "-p {port} -k {} -c listen_addresses='127.0.0.1,127.0.0.2' -c ssl=on \
                 -c ssl_cert_file=server.pem -c ssl_key_file=server.key -c fsync=off \
                 -c shared_buffers=16MB",
                dir.path().display()
            ))
            .arg("start"));
        wait_for_port(port, "the private PostgreSQL", &log);
        let server = Self {
            bin,
            dir,
            port,
            password: format!("pw-{}-{port}", std::process::id()),
        };
        server.psql(&format!(
            "alter user postgres password '{}'",
            server.password
        ));
        server
    }

    /// Runs `sql` on the trusted socket; returns the output, unaligned.
    fn psql(&self, sql: &str) -> String {
        let output = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("psql"))
            .arg("-h")
            .arg(self.dir.path())
            .args(["-p", &self.port.to_string(), "-U", "postgres", "-Atc", sql])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    fn url(&self, host: &str, query: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres{query}", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A file only its owner reads, holding `password`, as `password_file` wants.
fn password_file(dir: &Path, password: &str) -> PathBuf {
    let path = dir.join("password");
    std::fs::write(&path, password).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls_verified_unverified_and_refused() {
    let Some(tls) = tls_dir() else { return };
    let server = PrivatePostgres::start(&tls);
    let ca = tls.join("ca.pem").display().to_string();
    let secrets = tempfile::tempdir().unwrap();
    let password = password_file(secrets.path(), &server.password);
    let with = |url: &str, keys: &str| {
        database(
            "postgres",
            url,
            &format!("password_file = \"{}\"\n{keys}", password.display()),
        )
    };
    let local = server.url("127.0.0.1", "");

    // verify-full with the CA that signed the server's certificate: the session is encrypted.
    let mut source = DatabaseSource::new(&with(
        &local,
        &format!("tls = \"verify-full\"\nca_file = \"{ca}\"\n"),
    ));
    let verified = source.poll().await.unwrap_or_else(|e| panic!("{e}"));
    let DatabaseDetail::Postgres(detail) = &verified.detail else {
        panic!("not postgres")
    };
    assert!(verified.version.starts_with("1"), "{verified:?}");
    assert_eq!(
        server.psql(&format!(
            "select ssl from pg_stat_ssl where pid = {}",
            detail.own_pid
        )),
        "t"
    );
    drop(source);

    // The default (prefer) takes the TLS the server offers, as libpq does.
    poll(&with(&local, ""))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // require encrypts without checking: an address the certificate does not name is fine,
    // and channel binding (the certificate's hash) is sent when the URL requires it.
    poll(&with(
        &server.url("127.0.0.2", "?channel_binding=require"),
        "tls = \"require\"\n",
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));

    // verify-full checks the name, and the issuer against ca_file (else the system's CAs).
    let error = assert_refused(
        poll(&with(
            &server.url("127.0.0.2", ""),
            &format!("tls = \"verify-full\"\nca_file = \"{ca}\"\n"),
        ))
        .await,
        &["error performing TLS handshake", "not valid for name"],
    );
    assert!(
        error.starts_with(&format!(
            "postgres://postgres:***@127.0.0.2:{}/",
            server.port
        )),
        "{error}"
    );
    assert_refused(
        poll(&with(&local, "tls = \"verify-full\"\n")).await,
        &["error performing TLS handshake", "UnknownIssuer"],
    );

    // The server asks for TLS: disable is turned away, with the server's own reason.
    assert_refused(
        poll(&with(&local, "tls = \"disable\"\n")).await,
        &["no pg_hba.conf entry", "no encryption"],
    );
    assert!(!error.contains(&server.password), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_against_a_server_without_tls_says_so_and_disable_works() {
    let Some(url) = support::services::service("WATCHDECK_TEST_PG_URL") else {
        return;
    };
    assert_refused(
        poll(&database("postgres", &url, "tls = \"require\"\n")).await,
        &[
            "error performing TLS handshake",
            "server does not support TLS",
        ],
    );
    poll(&database("postgres", &url, "tls = \"disable\"\n"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mysql = std::env::var("WATCHDECK_TEST_MYSQL_URL").expect("WATCHDECK_TEST_MYSQL_URL");
    assert_refused(
        poll(&database("mysql", &mysql, "tls = \"require\"\n")).await,
        &["server does not have this capability"],
    );
    // prefer, the default, falls back to a plain connection, as the MySQL client's PREFERRED.
    poll(&database("mysql", &mysql, ""))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A private redis-server listening only over TLS, stopped when dropped.
struct PrivateTlsRedis {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl PrivateTlsRedis {
    fn start(tls: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = dir.path().join("log");
        let child = Command::new("redis-server")
            .args(["--port", "0", "--tls-port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--tls-cert-file")
            .arg(tls.join("server.pem"))
            .arg("--tls-key-file")
            .arg(tls.join("server.key"))
            .arg("--tls-ca-cert-file")
            .arg(tls.join("ca.pem"))
            .args(["--tls-auth-clients", "no", "--logfile"])
            .arg(&log)
            .arg("--dir")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server");
        wait_for_port(port, "the private redis-server", &log);
        Self {
            child,
            port,
            _dir: dir,
        }
    }
}

impl Drop for PrivateTlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_is_verified_against_ca_file_or_only_encrypted_with_require() {
    let Some(tls) = tls_dir() else { return };
    let server = PrivateTlsRedis::start(&tls);
    let url = format!("rediss://127.0.0.1:{}", server.port);
    let ca = tls.join("ca.pem").display().to_string();
    let snapshot = poll(&database("redis", &url, &format!("ca_file = \"{ca}\"\n")))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(snapshot.detail, DatabaseDetail::Redis(_)));
    poll(&database("redis", &url, "tls = \"require\"\n"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_refused(
        poll(&database("redis", &url, "")).await,
        &["TLS: invalid peer certificate: UnknownIssuer"],
    );
    // The same server spoken to in plain text does not answer as Redis.
    let plain = format!("redis://127.0.0.1:{}", server.port);
    assert!(poll(&database("redis", &plain, "")).await.is_err());
}

/// A private MariaDB requiring TLS of every connection, stopped and removed when dropped.
struct PrivateMariadb {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl PrivateMariadb {
    fn start(tls: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        run(Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args([
                "--user=root",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ]));
        let port = free_port();
        let log = dir.path().join("err.log");
        let child = Command::new("mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.path().join("sock").display()))
            .arg(format!("--pid-file={}", dir.path().join("pid").display()))
            .arg(format!("--port={port}"))
            .args([
                "--bind-address=127.0.0.1",
                "--user=root",
                "--skip-name-resolve",
                "--innodb-buffer-pool-size=16M",
                "--require-secure-transport=ON",
            ])
            .arg(format!("--ssl-cert={}", tls.join("server.pem").display()))
            .arg(format!("--ssl-key={}", tls.join("server.key").display()))
            .arg(format!("--log-error={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mariadbd");
        wait_for_port(port, "the private MariaDB", &log);
        Self {
            child,
            port,
            _dir: dir,
        }
    }
}

impl Drop for PrivateMariadb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_over_tls_verified_or_preferred_and_plain_refused() {
    let Some(tls) = tls_dir() else { return };
    let server = PrivateMariadb::start(&tls);
    let url = format!("mysql://root@127.0.0.1:{}", server.port);
    let ca = tls.join("ca.pem").display().to_string();
    let verified = database(
        "mysql",
        &url,
        &format!("tls = \"verify-full\"\nca_file = \"{ca}\"\n"),
    );
    poll(&verified).await.unwrap_or_else(|e| panic!("{e}"));
    // The connection the source opens is encrypted: the server says so of it.
    let mut conn = watchdeck::collect::database::mysql::connect(&verified)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message));
    let cipher: Option<(String, String)> = conn
        .query_first("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        .await
        .unwrap();
    assert!(
        cipher.is_some_and(|(_, cipher)| !cipher.is_empty()),
        "not encrypted"
    );
    conn.disconnect().await.unwrap();
    poll(&database("mysql", &url, ""))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_refused(
        poll(&database("mysql", &url, "tls = \"verify-full\"\n")).await,
        &["UnknownIssuer"],
    );
    // The server refuses a plain connection (MariaDB says it as access denied).
    let refused = poll(&database("mysql", &url, "tls = \"disable\"\n"))
        .await
        .expect_err("a plain connection accepted");
    assert!(
        refused.contains("Access denied") || refused.contains("insecure transport"),
        "{refused}"
    );
}
