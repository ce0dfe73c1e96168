//! Remote Docker engines from `scripts/services-remote-docker.sh`: one at tcp:// that asks for a
//! client certificate (`--tlsverify`), and the same engine behind an sshd on loopback. Fixture
//! containers are made with the `docker` CLI, independently of the code under test; the ssh
//! tests run the binary with the services' `ssh` first on its PATH (it holds the test key), so
//! the user's own ~/.ssh is never used. The restart over ssh from the keyboard is in
//! `tests/e2e_tmux.rs`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::ffi::OsString;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use support::TestEnv;
use watchdeck::collect::Collector;
use watchdeck::collect::docker::DockerSource;
use watchdeck::config::DockerTls;

static CONTAINERS: AtomicUsize = AtomicUsize::new(0);

/// The TLS engine's address and the dir of a client certificate it accepts.
fn tls_engine() -> Option<(String, String)> {
    let host = support::services::service("WATCHDECK_TEST_DOCKER_TLS_HOST")?;
    let certs = support::services::service("WATCHDECK_TEST_DOCKER_CERT_PATH")?;
    Some((host, certs))
}

/// The ssh:// address of that engine and the PATH whose `ssh` logs in with the test key.
fn ssh_engine() -> Option<(String, OsString)> {
    let url = support::services::service("WATCHDECK_TEST_DOCKER_SSH_URL")?;
    let ssh_dir = support::services::service("WATCHDECK_TEST_SSH_PATH")?;
    let mut path = OsString::from(ssh_dir);
    if let Some(rest) = std::env::var_os("PATH") {
        path.push(":");
        path.push(rest);
    }
    Some((url, path))
}

/// A container on the TLS engine, made and removed with the docker CLI.
struct TestContainer {
    host: String,
    certs: String,
    name: String,
}

impl TestContainer {
    fn start(host: &str, certs: &str) -> Self {
        let container = Self {
            host: host.to_string(),
            certs: certs.to_string(),
            name: format!(
                "wdremote-{}-{}",
                std::process::id(),
                CONTAINERS.fetch_add(1, Ordering::Relaxed)
            ),
        };
        let output = container
            .docker()
            .args(["run", "-d", "--name", &container.name, "--network", "none"])
            .args(["local/busybox:test", "sh", "-c"])
            .arg("trap 'exit 0' TERM; while :; do sleep 1; done")
            .output()
            .expect("run docker");
        assert!(
            output.status.success(),
            "docker run: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        container
    }

    fn docker(&self) -> Command {
        let mut command = Command::new("docker");
        command
            .env("DOCKER_HOST", &self.host)
            .env("DOCKER_TLS_VERIFY", "1")
            .env("DOCKER_CERT_PATH", &self.certs);
        command
    }
}

impl Drop for TestContainer {
    fn drop(&mut self) {
        let _ = self.docker().args(["rm", "-f", &self.name]).output();
    }
}

#[tokio::test]
async fn a_tls_engine_with_a_client_certificate_lists_its_containers() {
    let Some((host, certs)) = tls_engine() else {
        return;
    };
    let container = TestContainer::start(&host, &certs);
    let tls = DockerTls::in_dir(std::path::Path::new(&certs));
    let mut source = DockerSource::new("tls", &host).with_tls(Some(tls));
    let snapshot = source.poll().await.expect("a poll over TLS");
    let listed = snapshot
        .containers
        .iter()
        .find(|c| c.name == container.name)
        .unwrap_or_else(|| panic!("{} is not listed: {snapshot:?}", container.name));
    assert!(listed.state.is_running(), "{listed:?}");
}

#[tokio::test]
async fn a_client_certificate_the_engine_refuses_is_said_in_words() {
    let Some((host, _)) = tls_engine() else {
        return;
    };
    let Some(wrong) = support::services::service("WATCHDECK_TEST_DOCKER_WRONG_CERT_PATH") else {
        return;
    };
    let tls = DockerTls::in_dir(std::path::Path::new(&wrong));
    let mut source = DockerSource::new("tls", &host).with_tls(Some(tls));
    let error = source
        .poll()
        .await
        .expect_err("the engine refuses a stranger");
    assert_eq!(
        error.message,
        format!(
            "cannot reach Docker at {host}: the engine refused the client certificate \
             (TLS alert BadCertificate)"
        )
    );
}

/// The report of `watchdeck check --format json` in `env`.
fn check(env: &TestEnv) -> Value {
    let output = env
        .command()
        .args(["check", "--format", "json"])
        .output()
        .expect("run watchdeck check");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "invalid JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn local_engine(report: &Value) -> &Value {
    report["sources"]
        .as_array()
        .and_then(|sources| sources.iter().find(|s| s["name"] == "docker:local"))
        .unwrap_or_else(|| panic!("no docker:local source: {report:#}"))
}

#[test]
fn docker_tls_verify_and_docker_cert_path_reach_the_engine_as_the_docker_cli_does() {
    let Some((host, certs)) = tls_engine() else {
        return;
    };
    let env = TestEnv::new()
        .with_docker_host(&host)
        .with_var("DOCKER_TLS_VERIFY", "1")
        .with_var("DOCKER_CERT_PATH", certs);
    let report = check(&env);
    assert_eq!(local_engine(&report)["ok"], true, "{report:#}");
}

#[test]
fn an_ssh_engine_answers_through_the_system_ssh_client() {
    let Some((url, path)) = ssh_engine() else {
        return;
    };
    let report = check(&TestEnv::new().with_docker_host(&url).with_var("PATH", path));
    assert_eq!(local_engine(&report)["ok"], true, "{report:#}");
}

#[test]
fn an_ssh_login_the_host_refuses_is_said_in_words() {
    let Some((url, path)) = ssh_engine() else {
        return;
    };
    // The test sshd lets root in only.
    let stranger = url.replacen("ssh://root@", "ssh://nobody@", 1);
    let report = check(
        &TestEnv::new()
            .with_docker_host(&stranger)
            .with_var("PATH", path),
    );
    let engine = local_engine(&report);
    assert_eq!(engine["ok"], false, "{report:#}");
    let error = engine.to_string();
    assert!(
        error.contains(
            "the ssh login was refused: nobody@127.0.0.1: Permission denied (publickey)."
        ),
        "{report:#}"
    );
}
