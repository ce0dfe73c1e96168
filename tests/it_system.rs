//! The host collector against the real machine: what it reports is what `ps` and the kernel see.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use std::process::Command;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use watchdeck::collect::system::SystemCollector;
use watchdeck::collect::system::SystemSource;
use watchdeck::collect::{Schedule, supervise};

#[test]
fn a_sample_sees_this_process_a_child_and_the_machine() {
    let mut child = Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("spawn sleep");
    let mut collector = SystemCollector::new().expect("collector");
    collector.sample(&[]);
    std::thread::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
    let snapshot = collector.sample(&[]);
    child.kill().expect("kill sleep");
    child.wait().expect("reap sleep");

    let me = snapshot
        .processes
        .iter()
        .find(|p| p.pid == std::process::id())
        .expect("this test process");
    assert!(me.memory_bytes > 0);
    let sleeper = snapshot
        .processes
        .iter()
        .find(|p| p.pid == child.id())
        .expect("the child");
    assert_eq!(sleeper.name, "sleep");
    assert_eq!(sleeper.command, "sleep 30");
    assert!(snapshot.memory.total > 0 && snapshot.memory.used <= snapshot.memory.total);
    assert_eq!(
        snapshot.cores.len(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    assert!(snapshot.cores.iter().all(|c| (0.0..=100.0).contains(c)));
    assert!(!snapshot.disks.is_empty(), "at least the root file system");
    assert!(snapshot.disks.iter().all(|d| d.space.used <= d.space.total));
    assert!(snapshot.networks.iter().any(|n| n.iface == "lo"));
    assert!(snapshot.uptime_seconds > 0);
}

#[test]
fn ignored_mounts_are_left_out() {
    let mut collector = SystemCollector::new().expect("collector");
    let all = collector.sample(&[]);
    let first = all.disks.first().expect("a disk").mount.clone();
    let without = collector.sample(std::slice::from_ref(&first));
    assert!(without.disks.iter().all(|d| d.mount != first));
}

#[tokio::test]
async fn the_supervised_source_reports_a_sample_each_refresh() {
    let (sender, mut receiver) = mpsc::channel(4);
    let cancel = CancellationToken::new();
    let schedule = Schedule {
        every: Duration::from_millis(300),
        timeout: Duration::from_secs(5),
        max_backoff: Duration::from_secs(5),
    };
    tokio::spawn(supervise(
        SystemSource::new(&[]),
        schedule,
        sender,
        |r| r,
        cancel.clone(),
    ));
    for _ in 0..2 {
        let report = tokio::time::timeout(Duration::from_secs(10), receiver.recv())
            .await
            .expect("a report in time")
            .expect("open");
        let snapshot = report.result.expect("a sample");
        assert!(!snapshot.processes.is_empty());
    }
    cancel.cancel();
}
