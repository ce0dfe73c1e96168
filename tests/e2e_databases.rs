//! End to end on the Databases tab: the real binary in tmux (`support::tmux`) watching the shared
//! test PostgreSQL (`WATCHDECK_TEST_PG_URL`), a query cancelled from the keyboard. The session
//! to cancel is a `psql` the test starts, and what happened is read back with `psql`, not with
//! the code under test.

// Helpers outside `#[test]` functions panic on purpose: a failed expectation fails the test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::process::{Child, Command, Stdio};

use support::TestEnv;
use support::tmux::{Session, audit_entries, tmux_available};

/// The shared test PostgreSQL, or `None` (with a note) outside CI without the services.
fn pg_url() -> Option<String> {
    support::services::service("WATCHDECK_TEST_PG_URL")
}

/// `sql` through `psql` on `url`, unaligned; the output.
fn psql(url: &str, sql: &str) -> String {
    let output = Command::new("psql")
        .args([url, "-X", "-Atc", sql])
        .stdin(Stdio::null())
        .output()
        .expect("run psql");
    assert!(
        output.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A `psql` running `pg_sleep(300)` under an application name of its own; killed when dropped.
struct Sleeping {
    child: Child,
    application: String,
}

impl Sleeping {
    fn start(url: &str) -> Self {
        let application = format!("wde2e-{}", std::process::id());
        // The marker leads the query, so the cut query column still shows it.
        let sql = format!("/* {application} */ select pg_sleep(300)");
        let child = Command::new("psql")
            .args([url, "-X", "-c", &sql])
            .env("PGAPPNAME", &application)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start psql");
        Self { child, application }
    }
}

impl Drop for Sleeping {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_long_query_is_cancelled_from_the_keyboard_and_audited_with_the_masked_address() {
    if !tmux_available() {
        return;
    }
    let Some(url) = pg_url() else { return };
    let mut sleeping = Sleeping::start(&url);
    let env = TestEnv::new();
    // The server trusts the test's connections: the password is there to be masked.
    let secret = format!("e2e-secret-{}", std::process::id());
    let password = env.write("pg-password", &secret);
    std::fs::set_permissions(
        &password,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .expect("chmod the password file");
    let config = env.write(
        "ops.toml",
        &format!(
            "[[database]]\nname = \"pg\"\nkind = \"postgres\"\nurl = \"{url}\"\n\
             password_file = \"{}\"\ninterval = \"1s\"\ntimeout = \"1s\"\n",
            password.display()
        ),
    );
    let pid_sql = format!(
        "select pid from pg_stat_activity where application_name = '{}' and state = 'active'",
        sleeping.application
    );
    let session = Session::start_with(
        env,
        &[
            "--config".into(),
            config.into_os_string(),
            "--tab".into(),
            "databases".into(),
        ],
    );
    let pid = session.poll("the pg_sleep session in pg_stat_activity", || {
        psql(&url, &pid_sql).parse::<i32>().ok()
    });
    session.wait_for_screen("the pg_sleep session on the Databases tab", |screen| {
        screen
            .lines()
            .any(|line| line.contains(&pid.to_string()) && line.contains(&sleeping.application))
    });

    // The sessions are listed longest first, beside whatever else uses the shared server: go
    // down the list until `c` asks about this session.
    let question = format!("Cancel the query of session {pid} on pg?");
    let mut asked = false;
    for _ in 0..100 {
        session.keys(&["c"]);
        let screen = session.wait_for("Cancel the query of session ");
        if screen.contains(&question) {
            asked = true;
            break;
        }
        session.keys(&["Escape"]);
        session.wait_until_gone("Cancel the query of session ");
        session.keys(&["j"]);
    }
    assert!(asked, "no row of the list is session {pid}");
    session.keys(&["y"]);
    session.wait_for(&format!("query cancelled: session {pid} on pg"));

    // The server cancelled it: psql reports it, and pg_stat_activity no longer runs it.
    let status = session.poll("psql to end", || sleeping.child.try_wait().ok().flatten());
    let mut stderr = String::new();
    std::io::Read::read_to_string(sleeping.child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("canceling statement due to user request"),
        "{stderr}"
    );
    session.poll("the query to leave pg_stat_activity", || {
        psql(&url, &pid_sql).is_empty().then_some(())
    });

    let shown = format!(
        "postgres://postgres:***@{}",
        url.strip_prefix("postgres://postgres@")
            .expect("the test URL names the postgres user")
    );
    let entry = session.poll("the cancel in the audit log", || {
        audit_entries(&session.env)
            .into_iter()
            .find(|e| e["action"] == "database cancel query" && e["outcome"] == "ok")
    });
    assert_eq!(
        entry["target"],
        format!("session {pid} on pg ({shown})").as_str(),
        "{entry}"
    );
    let audit = session.env.audit_lines().join("\n");
    assert!(!audit.contains(&secret), "{audit}");
}
