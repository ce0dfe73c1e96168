//! The host collector against the real machine: what it reports is what `ps` and the kernel see.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use std::process::Command;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
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

/// A process that keeps one core busy until killed, returned once it has used some CPU time
/// (sysinfo gives no CPU figure to a process whose first reading was zero).
fn spin() -> std::process::Child {
    let child = Command::new("sh")
        .args(["-c", "while :; do :; done"])
        .spawn()
        .expect("spawn a busy loop");
    let stat = format!("/proc/{}/stat", child.id());
    let used = || {
        let text = std::fs::read_to_string(&stat).expect("the busy loop's stat");
        let fields: Vec<&str> = text.rsplit(") ").next().unwrap().split(' ').collect();
        // utime and stime: fields 14 and 15 of stat(5), counted from after the command name.
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while used() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the busy loop never ran"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

#[test]
fn processes_skipped_while_unwanted_come_back_with_their_cpu_now() {
    let mut busy = spin();
    let mut collector = SystemCollector::new().expect("collector");
    collector.sample(&[]);
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(200));
        let skipped = collector.sample_without_processes(&[]);
        assert!(skipped.processes.is_empty() && !skipped.processes_sampled);
        assert!(skipped.memory.total > 0 && !skipped.cores.is_empty());
    }
    // Busy all the while it was skipped, idle from now on.
    let stopped = Command::new("kill")
        .args(["-STOP", &busy.id().to_string()])
        .status()
        .expect("kill -STOP");
    assert!(stopped.success());
    let back = collector.sample(&[]);
    busy.kill().expect("kill the busy loop");
    busy.wait().expect("reap the busy loop");

    assert!(back.processes_sampled);
    let spinner = back
        .processes
        .iter()
        .find(|p| p.pid == busy.id())
        .expect("the busy loop");
    // Its average over the skipped samples would read about 100 %.
    assert!(
        spinner.cpu_percent < 10.0,
        "stopped busy loop at {}%",
        spinner.cpu_percent
    );
}

#[test]
fn a_busy_loop_reads_one_core_and_kernel_threads_are_left_out() {
    let mut busy = spin();
    let mut collector = SystemCollector::new().expect("collector");
    collector.sample(&[]);
    std::thread::sleep(Duration::from_millis(500));
    let snapshot = collector.sample(&[]);
    busy.kill().expect("kill the busy loop");
    busy.wait().expect("reap the busy loop");
    let spinner = snapshot
        .processes
        .iter()
        .find(|p| p.pid == busy.id())
        .expect("the busy loop");
    // A loaded machine may give it less than a core, never more.
    assert!(
        (20.0..=110.0).contains(&spinner.cpu_percent),
        "busy loop at {}%",
        spinner.cpu_percent
    );
    assert_eq!(spinner.command, "sh -c while :; do :; done");
    let me = nix::unistd::User::from_uid(nix::unistd::geteuid())
        .expect("passwd")
        .map_or_else(|| nix::unistd::geteuid().to_string(), |u| u.name);
    assert_eq!(spinner.user, me);
    // Checked over what is listed, not over /proc: in a container with its own PID namespace no
    // kernel thread is visible at all.
    let kernel_thread = |pid: u32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            let flags = stat.rsplit(") ").next().and_then(|f| f.split(' ').nth(6));
            flags.and_then(|f| f.parse::<u64>().ok()).unwrap_or(0) & 0x0020_0000 != 0
        })
    };
    let listed_kernel_threads: Vec<u32> = snapshot
        .processes
        .iter()
        .map(|p| p.pid)
        .filter(|&pid| kernel_thread(pid))
        .collect();
    assert!(
        listed_kernel_threads.is_empty(),
        "kernel threads are not processes an operator runs: {listed_kernel_threads:?}"
    );
}

#[tokio::test]
async fn the_source_samples_processes_only_while_they_are_wanted() {
    let (sender, mut receiver) = mpsc::channel(4);
    let (wanted, wanted_receiver) = watch::channel(false);
    let cancel = CancellationToken::new();
    let schedule = Schedule {
        every: Duration::from_millis(300),
        timeout: Duration::from_secs(5),
        max_backoff: Duration::from_secs(5),
    };
    tokio::spawn(supervise(
        SystemSource::new(&[]).sampling_processes_while(wanted_receiver),
        schedule,
        sender,
        |r| r,
        cancel.clone(),
    ));
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(10), receiver.recv())
            .await
            .expect("a report in time")
            .expect("open")
            .result
            .expect("a sample")
    };
    let unwanted = next().await;
    assert!(!unwanted.processes_sampled && unwanted.processes.is_empty());
    assert!(unwanted.memory.total > 0);
    wanted.send_replace(true);
    // A poll may have started before the change; the one after it has the processes.
    let mut sampled = next().await;
    if !sampled.processes_sampled {
        sampled = next().await;
    }
    assert!(sampled.processes_sampled);
    assert!(
        sampled
            .processes
            .iter()
            .any(|p| p.pid == std::process::id())
    );
    cancel.cancel();
}
