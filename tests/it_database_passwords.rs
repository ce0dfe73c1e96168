//! A database password never reaches the screen, the log, the audit log or a source error,
//! whichever way it is given (`password_env`, `password_file`, the whole URL in `url_env`, with
//! the password in its user part or, for PostgreSQL, in its query), and each way connects. Real servers with a user made here: the shared MariaDB and PostgreSQL, and a
//! private redis-server with `requirepass`.
//!
//! A test may not set environment variables in its own process (`set_var` is unsafe, and unsafe
//! code is forbidden), so each case runs [`child_process_of_the_password_tests`] in a child
//! process of this test binary with the variables set.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

#[allow(dead_code)] // draw and text are all this file needs
mod render_support;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mysql_async::prelude::Queryable;
use render_support::{draw, text};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::prelude::*;
use watchdeck::action::Action;
use watchdeck::collect::database::DatabaseSource;
use watchdeck::collect::{Schedule, supervise};
use watchdeck::command::Mode;
use watchdeck::config::Config;
use watchdeck::effect::{Effect, Executor};
use watchdeck::fixtures::now;
use watchdeck::msg::{Msg, SourceUpdate};
use watchdeck::persist::audit::{AuditLog, Operator};
use watchdeck::state::AppState;
use watchdeck::tab::Tab;
use watchdeck::update::update;

const WAYS: [&str; 3] = ["password_env", "password_file", "url_env"];
/// libpq's and tokio-postgres' other place for a password: `?password=` (MySQL URLs have none).
const QUERY_WAY: &str = "url_env_query";
const CHILD: &str = "child_process_of_the_password_tests";

/// A password no output could contain by chance.
fn password() -> String {
    format!("Wd{}", uuid::Uuid::now_v7().simple())
}

/// One server to run the three ways against: the URL without a password, and where the
/// password goes in a whole URL.
struct Case<'a> {
    kind: &'a str,
    /// `scheme://user@host:port/db`
    url: String,
    password: &'a str,
    /// Whether the server checks the password (the test PostgreSQL trusts local connections).
    enforced: bool,
}

impl Case<'_> {
    fn url_with(&self, password: &str) -> String {
        let (scheme, rest) = self.url.split_once("://").unwrap();
        match rest.split_once('@') {
            Some((user, host)) => format!("{scheme}://{user}:{password}@{host}"),
            None => format!("{scheme}://:{password}@{rest}"),
        }
    }

    /// Runs the child once per way; every way must pass and print neither password.
    fn run_every_way(&self) -> Vec<String> {
        let wrong = password();
        let query_way = (self.kind == "postgres").then_some(&QUERY_WAY);
        WAYS.iter()
            .chain(query_way)
            .filter_map(|way| {
                let output = std::process::Command::new(std::env::current_exe().unwrap())
                    .args(["--exact", CHILD, "--nocapture", "--test-threads=1"])
                    .env("WD_LEAK_WAY", way)
                    .env("WD_LEAK_KIND", self.kind)
                    .env("WD_LEAK_ENFORCED", self.enforced.to_string())
                    .env("WD_LEAK_BASE_URL", &self.url)
                    .env("WD_LEAK_PASSWORD", self.password)
                    .env("WD_LEAK_WRONG_PASSWORD", &wrong)
                    .env("WD_LEAK_URL", self.url_with(self.password))
                    .env("WD_LEAK_WRONG_URL", self.url_with(&wrong))
                    .env(
                        "WD_LEAK_QUERY_URL",
                        format!("{}?password={}", self.url, self.password),
                    )
                    .env(
                        "WD_LEAK_WRONG_QUERY_URL",
                        format!("{}?password={wrong}", self.url),
                    )
                    .output()
                    .unwrap();
                let printed = format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
                let ran = printed.contains("1 passed");
                let leaked = printed.contains(self.password) || printed.contains(&wrong);
                (!output.status.success() || !ran || leaked).then(|| {
                    format!(
                        "{} {way}: status {}, ran {ran}, leaked {leaked}:\n{printed}",
                        self.kind, output.status
                    )
                })
            })
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mysql_password_never_shows_whichever_way_it_is_given() {
    let url = std::env::var("WATCHDECK_TEST_MYSQL_URL").expect("eval /tmp/services.env");
    let opts = mysql_async::Opts::from_url(&url).unwrap();
    let address = format!("{}:{}", opts.ip_or_hostname(), opts.tcp_port());
    let mut root =
        mysql_async::Conn::new(mysql_async::OptsBuilder::from_opts(opts).prefer_socket(false))
            .await
            .unwrap();
    let user = format!("wd_leak_{}", std::process::id());
    let secret = password();
    root.query_drop(format!(
        "CREATE USER IF NOT EXISTS '{user}'@'127.0.0.1' IDENTIFIED BY '{secret}'"
    ))
    .await
    .unwrap();
    let failures = Case {
        kind: "mysql",
        url: format!("mysql://{user}@{address}"),
        password: &secret,
        enforced: true,
    }
    .run_every_way();
    root.query_drop(format!("DROP USER '{user}'@'127.0.0.1'"))
        .await
        .unwrap();
    root.disconnect().await.unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_password_never_shows_whichever_way_it_is_given() {
    let url = std::env::var("WATCHDECK_TEST_PG_URL").expect("eval /tmp/services.env");
    let (root, driver) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(driver);
    let user = format!("wd_leak_{}", std::process::id());
    let secret = password();
    root.batch_execute(&format!(
        "drop role if exists {user}; create role {user} login password '{secret}'"
    ))
    .await
    .unwrap();
    let address = url
        .split_once('@')
        .map(|(_, rest)| rest.to_string())
        .unwrap();
    let failures = Case {
        kind: "postgres",
        url: format!("postgres://{user}@{address}"),
        password: &secret,
        enforced: false,
    }
    .run_every_way();
    // Its sessions end with the children; the role goes once they have.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while let Err(error) = root.batch_execute(&format!("drop role {user}")).await {
        assert!(std::time::Instant::now() < deadline, "{error}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_password_never_shows_whichever_way_it_is_given() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let secret = password();
    let dir = tempfile::tempdir().unwrap();
    let mut server = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--appendonly", "no", "--requirepass", &secret])
        .args(["--dir", dir.path().to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let failures = Case {
        kind: "redis",
        url: format!("redis://127.0.0.1:{port}"),
        password: &secret,
        enforced: true,
    }
    .run_every_way();
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A log buffer the tracing layer writes to.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} (set by the parent test)"))
}

/// The keys of one `[[database]]` for `way`, with the right or the wrong password.
fn secret_keys(way: &str, wrong: bool, dir: &std::path::Path) -> String {
    let prefix = if wrong { "WD_LEAK_WRONG_" } else { "WD_LEAK_" };
    match way {
        "password_env" => format!(
            "url = \"{}\"\npassword_env = \"{prefix}PASSWORD\"\n",
            env("WD_LEAK_BASE_URL")
        ),
        "password_file" => {
            let path = dir.join(if wrong { "wrong" } else { "right" });
            std::fs::write(&path, format!("{}\n", env(&format!("{prefix}PASSWORD")))).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            format!(
                "url = \"{}\"\npassword_file = \"{}\"\n",
                env("WD_LEAK_BASE_URL"),
                path.display()
            )
        }
        "url_env" => format!("url_env = \"{prefix}URL\"\n"),
        QUERY_WAY => format!("url_env = \"{prefix}QUERY_URL\"\n"),
        other => panic!("no way {other}"),
    }
}

/// How the address shows the password is there, masked.
fn masked(way: &str) -> &'static str {
    if way == QUERY_WAY {
        "?password=***"
    } else {
        ":***@"
    }
}

/// Polls one database through the supervisor (which logs its failures) and returns its first
/// report as the app would receive it.
async fn first_report(config: &watchdeck::config::DatabaseConfig) -> Msg {
    let (sender, mut receiver) = mpsc::channel(4);
    let cancel = CancellationToken::new();
    let name = config.name.clone();
    let task = tokio::spawn(supervise(
        DatabaseSource::new(config),
        Schedule {
            every: Duration::from_secs(1),
            timeout: Duration::from_secs(5),
            max_backoff: Duration::from_secs(1),
        },
        sender,
        move |report| {
            Msg::Source(SourceUpdate::Database {
                database: name.clone(),
                report,
            })
        },
        cancel.clone(),
    ));
    let report = tokio::time::timeout(Duration::from_secs(10), receiver.recv())
        .await
        .unwrap()
        .unwrap();
    cancel.cancel();
    task.await.unwrap();
    report
}

/// A second session of the test user, for the console to act on.
async fn victim(kind: &str) -> Option<Box<dyn std::any::Any>> {
    let url = env("WD_LEAK_URL");
    match kind {
        "mysql" => {
            let opts = mysql_async::Opts::from_url(&url).unwrap();
            let conn = mysql_async::Conn::new(
                mysql_async::OptsBuilder::from_opts(opts).prefer_socket(false),
            )
            .await
            .unwrap();
            Some(Box::new(conn))
        }
        "postgres" => {
            let (client, driver) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(driver);
            Some(Box::new(client))
        }
        _ => None,
    }
}

/// Runs in a child process only (see the module's comment); without the parent's variables it
/// does nothing.
#[tokio::test]
async fn child_process_of_the_password_tests() {
    let Ok(way) = std::env::var("WD_LEAK_WAY") else {
        return;
    };
    let kind = env("WD_LEAK_KIND");
    let enforced = env("WD_LEAK_ENFORCED") == "true";
    let secrets = [env("WD_LEAK_PASSWORD"), env("WD_LEAK_WRONG_PASSWORD")];
    let log = Log::default();
    let _logging = tracing::subscriber::set_default(tracing_subscriber::registry().with(
        watchdeck::logging::layer(Some("trace"), {
            let log = log.clone();
            move || log.clone()
        }),
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut toml = format!(
        "[[database]]\nname = \"good\"\nkind = \"{kind}\"\n{}",
        secret_keys(&way, false, dir.path())
    );
    if enforced {
        toml.push_str(&format!(
            "[[database]]\nname = \"bad\"\nkind = \"{kind}\"\n{}",
            secret_keys(&way, true, dir.path())
        ));
    }
    let config = Config::parse("c.toml", &toml).unwrap_or_else(|e| panic!("{e}"));
    let mut state = AppState::new(&config, &[], Mode::Interactive, "h".into(), now());
    state.tab = Tab::Databases;
    let _victim = victim(&kind).await;

    let mut seen = Vec::new();
    for database in &config.database {
        let report = first_report(database).await;
        let Msg::Source(SourceUpdate::Database { report: r, .. }) = &report else {
            unreachable!()
        };
        let wanted_up = database.name == "good";
        assert_eq!(
            r.result.is_ok(),
            wanted_up,
            "{}: {:?}",
            database.name,
            r.result
        );
        if let Err(failure) = &r.result {
            seen.push(failure.error.clone());
        }
        update(&mut state, report, now());
    }

    let audit_file = dir.path().join("audit.jsonl");
    if kind != "redis" {
        let (sender, mut results) = mpsc::channel(4);
        let executor = Executor::new(
            sender,
            AuditLog::new(audit_file.clone()),
            Operator::new(1000, Some("alice".into()), |_| None),
            Mode::Interactive,
            Default::default(),
            dir.path().join("alerts.json"),
        )
        .with_databases(&config.database);
        update(&mut state, Msg::Action(Action::CancelQuery), now());
        let effects = update(&mut state, Msg::Action(Action::Confirm), now());
        let [Effect::Execute(command)] = &effects[..] else {
            panic!("no command: {effects:?} {:?}", state.toasts)
        };
        executor.spawn(Effect::Execute(command.clone()));
        let finished = tokio::time::timeout(Duration::from_secs(20), results.recv())
            .await
            .unwrap()
            .unwrap();
        update(&mut state, finished, now());
        let audit = std::fs::read_to_string(&audit_file).unwrap();
        assert_eq!(audit.lines().count(), 2, "{audit}");
        assert!(
            audit.contains(masked(&way)),
            "the address is in the audit: {audit}"
        );
        seen.push(audit);
    }

    let frame = text(&draw(&state, 200, 50));
    assert!(
        frame.contains(masked(&way)),
        "the masked address is shown: {frame}"
    );
    seen.push(frame);
    if enforced {
        update(&mut state, Msg::Action(Action::NextDatabase), now());
        seen.push(text(&draw(&state, 200, 50)));
    }
    seen.extend(state.toasts.iter().map(|t| t.text.clone()));
    seen.push(format!("{config:?}"));
    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    if enforced {
        assert!(logged.contains("source poll failed"), "{logged}");
    }
    seen.push(logged);

    for (index, text) in seen.iter().enumerate() {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a password shows in output {index} of {kind} {way}"
            );
        }
    }
}
