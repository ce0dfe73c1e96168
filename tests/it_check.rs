#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing
//! `watchdeck check` and the host sampler beside a real Docker engine: check must report what the
//! console would mark, and the containers' own mounts are not host disks.
//! The fixture container is made with the `docker` CLI, independently of the code under test.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::TestEnv;
use support::docker::{IMAGE, Removed, docker};

/// The test engine, or `None` (with a note) when the services are not started outside CI.
fn engine_host() -> Option<String> {
    support::services::service("WATCHDECK_TEST_DOCKER_HOST")
}

#[test]
fn check_reports_an_unhealthy_container_on_a_configured_engine_as_critical() {
    let Some(host) = engine_host() else { return };
    let name = format!("wdcheck-{}-unhealthy", std::process::id());
    let guard = Removed {
        host: &host,
        name: name.clone(),
    };
    docker(
        &host,
        &[
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            &name,
            "--health-cmd",
            "exit 1",
            "--health-interval",
            "1s",
            "--health-retries",
            "1",
            IMAGE,
            "sleep",
            "300",
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while docker(&host, &["inspect", "-f", "{{.State.Health.Status}}", &name]) != "unhealthy" {
        assert!(
            Instant::now() < deadline,
            "the engine never marked {name} unhealthy"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let env = TestEnv::new();
    let config = env.write(
        "ops.toml",
        &format!(
            "[alerts]\ndisabled = [\"HighCPUUsage\", \"CriticalCPUUsage\"]\n\
             [[docker]]\nname = \"test\"\nhost = \"{host}\"\n"
        ),
    );
    let run = env.run([
        "--config".as_ref(),
        config.as_os_str(),
        "check".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let value: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}\n{}", run.stdout, run.stderr));
    run.assert_code(2);
    assert_eq!(value["status"], "critical", "{value:#}");
    let findings = value["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|f| f["severity"] == "critical"
            && f["source"] == "docker:test"
            && f["message"]
                == format!("P1 ContainerUnhealthy: container {name} on test is unhealthy")),
        "no critical finding for {name}: {value:#}"
    );
    let sources = value["sources"].as_array().expect("sources");
    assert!(
        sources
            .iter()
            .any(|s| s["name"] == "docker:test" && s["ok"] == true),
        "{value:#}"
    );
    drop(guard);
}

/// The overlay mounts of `host`'s engine that the kernel shows right now.
fn overlay_mounts() -> Vec<String> {
    std::fs::read_to_string("/proc/self/mounts")
        .expect("read /proc/self/mounts")
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let mount = fields.nth(1)?;
            (fields.next()? == "overlay").then(|| mount.to_string())
        })
        .collect()
}

#[test]
fn host_disks_leave_out_the_layers_of_running_containers() {
    let Some(host) = engine_host() else { return };
    let name = format!("wdcheck-{}-layers", std::process::id());
    let _guard = Removed {
        host: &host,
        name: name.clone(),
    };
    docker(
        &host,
        &[
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            &name,
            IMAGE,
            "sleep",
            "300",
        ],
    );
    let overlays = overlay_mounts();
    assert!(
        !overlays.is_empty(),
        "a running container should have an overlay mount"
    );
    let mut collector = watchdeck::collect::system::SystemCollector::new().expect("collector");
    let disks: Vec<String> = collector
        .sample(&[])
        .disks
        .into_iter()
        .map(|d| format!("{} ({})", d.mount, d.file_system))
        .collect();
    assert!(!disks.is_empty(), "the host has at least one disk");
    for overlay in &overlays {
        assert!(
            !disks.iter().any(|d| d.starts_with(&format!("{overlay} "))),
            "{overlay} is listed as a host disk: {disks:?}"
        );
    }
}

/// The shared test servers' addresses, or `None` (with a note) outside CI without the services.
fn database_urls() -> Option<[String; 3]> {
    let urls = [
        "WATCHDECK_TEST_PG_URL",
        "WATCHDECK_TEST_MYSQL_URL",
        "WATCHDECK_TEST_REDIS_URL",
    ]
    .map(|name| std::env::var(name).unwrap_or_default());
    if urls.iter().all(|url| !url.is_empty()) {
        return Some(urls);
    }
    support::services::skip_unless_ci("the database URLs are not set")
}

#[test]
fn check_summarises_every_database_and_one_that_is_down_is_p0() {
    let Some([pg, mysql, redis]) = database_urls() else {
        return;
    };
    // A port nothing listens on: bound, then released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port();
    let env = TestEnv::new();
    let config = env.write(
        "ops.toml",
        &format!(
            "[alerts]\ndisabled = [\"HighCPUUsage\", \"CriticalCPUUsage\", \"HighMemoryUsage\", \
             \"DiskSpaceLow\"]\n[containers]\nlocal = false\n\
             [[database]]\nname = \"pg\"\nkind = \"postgres\"\nurl = \"{pg}\"\n\
             [[database]]\nname = \"maria\"\nkind = \"mysql\"\nurl = \"{mysql}\"\n\
             [[database]]\nname = \"cache\"\nkind = \"redis\"\nurl = \"{redis}\"\n\
             [[database]]\nname = \"gone\"\nkind = \"postgres\"\n\
             url = \"postgres://watchdeck@127.0.0.1:{closed}/app\"\ntimeout = \"2s\"\n"
        ),
    );
    let run = env.run([
        "--config".as_ref(),
        config.as_os_str(),
        "check".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let value: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}\n{}", run.stdout, run.stderr));
    run.assert_code(2);
    let source = |name: &str| {
        value["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no source {name}: {value:#}"))
            .clone()
    };
    let summary = |name: &str| {
        let source = source(name);
        assert_eq!(source["ok"], true, "{source:#}");
        source["summary"].as_str().expect("summary").to_string()
    };
    let pg = summary("db:pg");
    assert!(
        pg.starts_with("postgres 1") && pg.contains(" connections · ") && pg.contains(" long quer"),
        "{pg}"
    );
    let maria = summary("db:maria");
    assert!(
        maria.starts_with("MariaDB 1") && maria.contains(" connections · "),
        "{maria}"
    );
    let cache = summary("db:cache");
    assert!(
        cache.starts_with("redis ") && cache.contains(" clients · memory "),
        "{cache}"
    );
    let gone = source("db:gone");
    assert_eq!(gone["ok"], false, "{gone:#}");
    let down = gone["summary"].as_str().expect("summary");
    assert!(
        down.starts_with(&format!(
            "down: postgres://watchdeck@127.0.0.1:{closed}/app: "
        )) && down.contains("refused"),
        "{down}"
    );
    let alerts = value["alerts"].as_array().expect("alerts");
    assert!(
        alerts.iter().any(|a| a["rule"] == "DatabaseDown"
            && a["priority"] == "P0"
            && a["labels"]["database"] == "gone"),
        "no P0 DatabaseDown for the closed port: {value:#}"
    );
    assert!(
        !alerts
            .iter()
            .any(|a| a["rule"] == "DatabaseDown" && a["labels"]["database"] != "gone"),
        "{value:#}"
    );
}

/// A port nothing listens on: bound, then released.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

#[test]
fn check_never_shows_a_password_in_the_query_of_a_url_from_the_environment() {
    let closed = closed_port();
    let env = TestEnv::new();
    let config = env.write(
        "ops.toml",
        "[alerts]\ndisabled = [\"HighCPUUsage\", \"CriticalCPUUsage\", \"HighMemoryUsage\", \
         \"DiskSpaceLow\"]\n[containers]\nlocal = false\n\
         [[database]]\nname = \"pg\"\nkind = \"postgres\"\nurl_env = \"WD_PG_URL\"\ntimeout = \"2s\"\n\
         [[database]]\nname = \"maria\"\nkind = \"mysql\"\nurl_env = \"WD_MYSQL_URL\"\ntimeout = \"2s\"\n",
    );
    for format in ["text", "json"] {
        let mut command = env.command();
        command
            .env(
                "WD_PG_URL",
                format!("postgres://u@127.0.0.1:{closed}/db?password=Hunter3Secret"),
            )
            .env(
                "WD_MYSQL_URL",
                format!("mysql://u@127.0.0.1:{closed}/db?PASSWORD=Hunter3Secret"),
            )
            .args(["--config".as_ref(), config.as_os_str()])
            .args(["check", "--format", format]);
        let output = command.output().expect("run watchdeck");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
        assert!(
            stdout.contains(&format!("postgres://u@127.0.0.1:{closed}/db?password=***")),
            "{format}: the address is shown, masked: {stdout}"
        );
        assert!(
            !stdout.contains("Hunter3Secret") && !stderr.contains("Hunter3Secret"),
            "{format}: {stdout}\n{stderr}"
        );
    }
}
