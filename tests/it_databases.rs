//! The Databases tab's sources and actions against real servers: the shared PostgreSQL
//! (`WATCHDECK_TEST_PG_URL`) and MariaDB (`WATCHDECK_TEST_MYSQL_URL`), and private redis-servers
//! started here on free ports.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use std::time::Duration;

use mysql_async::prelude::Queryable;
use tokio::sync::mpsc;
use watchdeck::collect::Collector;
use watchdeck::collect::database::DatabaseSource;
use watchdeck::command::Mode;
use watchdeck::command::{DatabaseAction, DatabaseCommand, OperatorCommand};
use watchdeck::config::{Config, DatabaseConfig};
use watchdeck::effect::{Effect, Executor};
use watchdeck::model::databases::{
    DatabaseDetail, DatabaseSnapshot, MysqlDetail, PostgresDetail, SessionState,
};
use watchdeck::msg::Msg;
use watchdeck::persist::audit::{AuditLog, Operator};

fn pg_url() -> String {
    std::env::var("WATCHDECK_TEST_PG_URL").expect("WATCHDECK_TEST_PG_URL (eval /tmp/services.env)")
}

fn database(toml: &str) -> DatabaseConfig {
    let config = Config::parse("test.toml", toml).unwrap_or_else(|e| panic!("{e}"));
    config.database[0].clone()
}

async fn client(url: &str) -> tokio_postgres::Client {
    let (client, driver) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(driver);
    client
}

async fn pid(client: &tokio_postgres::Client) -> i32 {
    client
        .query_one("select pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0)
}

fn postgres(snapshot: &DatabaseSnapshot) -> &PostgresDetail {
    match &snapshot.detail {
        DatabaseDetail::Postgres(pg) => pg,
        other => panic!("not postgres: {other:?}"),
    }
}

/// Polls until `done` holds of a snapshot, for at most 20 s.
async fn poll_until(
    source: &mut DatabaseSource,
    done: impl Fn(&DatabaseSnapshot) -> bool,
) -> DatabaseSnapshot {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let polled = source.poll().await;
        if let Ok(snapshot) = &polled
            && done(snapshot)
        {
            return polled.unwrap();
        }
        assert!(tokio::time::Instant::now() < deadline, "never: {polled:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn executor(
    dir: &std::path::Path,
    databases: &[DatabaseConfig],
) -> (Executor, mpsc::Receiver<Msg>) {
    let (sender, receiver) = mpsc::channel(8);
    let audit = AuditLog::new(dir.join("audit.jsonl"));
    let operator = Operator::new(1000, Some("alice".into()), |_| None);
    let executor = Executor::new(
        sender,
        audit,
        operator,
        Mode::Interactive,
        Default::default(),
        dir.join("alerts.json"),
    )
    .with_databases(databases);
    (executor, receiver)
}

async fn run(
    executor: &Executor,
    results: &mut mpsc::Receiver<Msg>,
    database: &str,
    action: DatabaseAction,
) -> Result<String, String> {
    executor.spawn(Effect::Execute(OperatorCommand::Database(
        DatabaseCommand {
            database: database.into(),
            address: "shown".into(),
            action,
        },
    )));
    match tokio::time::timeout(Duration::from_secs(20), results.recv()).await {
        Ok(Some(Msg::CommandFinished(finished))) => finished.result.map_err(|e| e.to_string()),
        other => panic!("no result: {other:?}"),
    }
}

async fn alive(observer: &tokio_postgres::Client, pid: i32) -> Option<String> {
    observer
        .query_opt(
            "select coalesce(state, '') from pg_stat_activity where pid = $1",
            &[&pid],
        )
        .await
        .unwrap()
        .map(|row| row.get(0))
}

/// Polls `pg_stat_activity` until the session's state is `wanted` (`None`: gone), for at most
/// 10 s: a terminated backend leaves a moment after `pg_terminate_backend` returns.
async fn wait_for_state(observer: &tokio_postgres::Client, pid: i32, wanted: Option<&str>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let state = alive(observer, pid).await;
        if state.as_deref() == wanted {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "session {pid} is {state:?}, not {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sessions_blockers_cancel_terminate_and_terminate_idle() {
    let url = pg_url();
    let config = database(&format!(
        "[[database]]\nname = \"pg\"\nkind = \"postgres\"\nurl = \"{url}\"\nslow_query = \"1s\"\n"
    ));
    let table = format!("wd_lock_{}", std::process::id());
    let observer = client(&url).await;
    observer
        .batch_execute(&format!("create table if not exists {table} (id int)"))
        .await
        .unwrap();

    let idle = client(&url).await;
    let idle_pid = pid(&idle).await;
    let in_transaction = client(&url).await;
    let in_transaction_pid = pid(&in_transaction).await;
    in_transaction
        .batch_execute(&format!("begin; lock table {table}"))
        .await
        .unwrap();
    let blocked = client(&url).await;
    let blocked_pid = pid(&blocked).await;
    let blocked_query = format!("select count(*) from {table}");
    let blocked_task = tokio::spawn(async move {
        let result = blocked.query_one(&blocked_query, &[]).await.map(|_| ());
        (blocked, result)
    });
    let sleeper = client(&url).await;
    let sleeper_pid = pid(&sleeper).await;
    let sleeping = tokio::spawn(async move {
        let result = sleeper.batch_execute("select pg_sleep(60)").await;
        (sleeper, result)
    });

    let mut source = DatabaseSource::new(&config);
    let snapshot = poll_until(&mut source, |s| {
        let pg = postgres(s);
        pg.sessions
            .iter()
            .any(|x| x.pid == sleeper_pid && x.query_seconds >= 1.5)
            && pg
                .sessions
                .iter()
                .any(|x| x.pid == blocked_pid && !x.blocked_by.is_empty())
    })
    .await;
    let pg = postgres(&snapshot);
    let session = |pid| pg.sessions.iter().find(|s| s.pid == pid).unwrap();
    assert_eq!(session(idle_pid).state, SessionState::Idle);
    assert_eq!(
        session(in_transaction_pid).state,
        SessionState::IdleInTransaction
    );
    assert_eq!(session(sleeper_pid).state, SessionState::Active);
    assert!(session(sleeper_pid).query.contains("pg_sleep(60)"));
    assert!((1.5..30.0).contains(&session(sleeper_pid).query_seconds));
    assert_eq!(session(blocked_pid).state, SessionState::Waiting);
    assert_eq!(session(blocked_pid).blocked_by, vec![in_transaction_pid]);
    assert!(
        pg.sessions.iter().all(|s| s.pid != pg.own_pid),
        "own session listed"
    );
    assert!(pg.long_queries(1.0) >= 2);
    assert!(pg.cache_hit_percent.is_some());
    assert!(snapshot.max_connections > 0 && snapshot.connections >= 5);

    let dir = tempfile::tempdir().unwrap();
    let (executor, mut results) = executor(dir.path(), std::slice::from_ref(&config));
    let cancelled = run(
        &executor,
        &mut results,
        "pg",
        DatabaseAction::CancelQuery { pid: sleeper_pid },
    )
    .await;
    assert!(cancelled.is_ok(), "{cancelled:?}");
    let (_sleeper, slept) = sleeping.await.unwrap();
    let sleep_error = slept.expect_err("cancelled");
    let message = sleep_error.as_db_error().map(|db| db.message().to_string());
    assert!(
        message.as_deref().is_some_and(|m| m.contains("cancel")),
        "{sleep_error:?}"
    );
    wait_for_state(&observer, sleeper_pid, Some("idle")).await;

    let terminated = run(
        &executor,
        &mut results,
        "pg",
        DatabaseAction::TerminateSession {
            pid: in_transaction_pid,
        },
    )
    .await;
    assert!(terminated.is_ok(), "{terminated:?}");
    wait_for_state(&observer, in_transaction_pid, None).await;
    let (_blocked, unblocked) = blocked_task.await.unwrap();
    unblocked.expect("unblocked once the lock holder is gone");

    // Idle ones go; the active query and the console's own session stay.
    let busy = client(&url).await;
    let busy_pid = pid(&busy).await;
    let busy_task = tokio::spawn(async move { busy.batch_execute("select pg_sleep(3)").await });
    wait_for_state(&observer, busy_pid, Some("active")).await;
    let pids = vec![idle_pid, sleeper_pid, blocked_pid, busy_pid, pg.own_pid];
    let ended = run(
        &executor,
        &mut results,
        "pg",
        DatabaseAction::TerminateIdle { minutes: 0, pids },
    )
    .await;
    let mut gone = [idle_pid, sleeper_pid, blocked_pid];
    gone.sort_unstable();
    let listed = gone.map(|pid| pid.to_string()).join(", ");
    let expected = format!("terminated 3 sessions of 5 idle on pg: {listed}");
    assert_eq!(ended.as_deref(), Ok(expected.as_str()));
    for gone in [idle_pid, sleeper_pid, blocked_pid] {
        wait_for_state(&observer, gone, None).await;
    }
    assert!(alive(&observer, busy_pid).await.is_some());
    assert!(
        alive(&observer, pg.own_pid).await.is_some(),
        "the monitoring connection was ended"
    );
    busy_task.await.unwrap().unwrap();
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert_eq!(audit.lines().count(), 6, "{audit}");
    // The audit line of the terminate-idle names the sessions it ended.
    let last: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(last["outcome"], "ok", "{audit}");
    assert_eq!(last["result"].as_str(), Some(expected.as_str()), "{audit}");
    observer
        .batch_execute(&format!("drop table {table}"))
        .await
        .unwrap();
}

/// A private redis-server on a free port, stopped when dropped.
struct PrivateRedis {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl PrivateRedis {
    fn start_on(port: u16, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .args(["--dir", dir.path().to_str().unwrap()])
            .args(extra)
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
        Self {
            child,
            port,
            _dir: dir,
        }
    }

    fn start(extra: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self::start_on(port, extra)
    }

    fn config(&self) -> DatabaseConfig {
        database(&format!(
            "[[database]]\nname = \"cache\"\nkind = \"redis\"\nurl = \"redis://127.0.0.1:{}\"\ntimeout = \"1s\"\n",
            self.port
        ))
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_past_maxmemory_evicts_and_the_big_keys_scan_finds_the_big_key() {
    let redis = PrivateRedis::start(&["--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru"]);
    let config = redis.config();
    let mut source = DatabaseSource::new(&config);
    source.poll().await.expect("first poll");
    let big = [
        "EVAL",
        "redis.call('SET', KEYS[1], string.rep('x', 500000))",
        "1",
        "big:blob",
    ];
    redis.cli(&big);
    redis.cli(&[
        "EVAL",
        "for i=1,60000 do redis.call('SET', 'filler:'..i, string.rep('y', 100)) end",
        "0",
    ]);
    let snapshot = poll_until(&mut source, |s| match &s.detail {
        DatabaseDetail::Redis(r) => r.evicted_per_minute.is_some_and(|e| e > 0.0),
        _ => false,
    })
    .await;
    let DatabaseDetail::Redis(detail) = &snapshot.detail else {
        panic!()
    };
    assert!(
        detail.memory_percent().is_some_and(|p| p > 50.0),
        "{detail:?}"
    );
    assert_eq!(detail.role, "master");

    redis.cli(&["CONFIG", "SET", "maxmemory", "0"]);
    redis.cli(&big);
    let dir = tempfile::tempdir().unwrap();
    let (executor, mut results) = executor(dir.path(), std::slice::from_ref(&config));
    executor.spawn(Effect::ScanBigKeys {
        database: "cache".into(),
    });
    let Ok(Some(Msg::BigKeys { result, .. })) =
        tokio::time::timeout(Duration::from_secs(30), results.recv()).await
    else {
        panic!("no scan result")
    };
    let report = result.unwrap();
    assert_eq!(report.keys[0].0, "big:blob", "{report:?}");
    assert!(report.keys[0].1 >= 500_000);
    assert!(report.scanned > 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_redis_is_down_and_the_same_source_recovers_when_it_starts() {
    let redis = PrivateRedis::start(&[]);
    let port = redis.port;
    let config = redis.config();
    let mut source = DatabaseSource::new(&config);
    source.poll().await.expect("up");
    drop(redis);
    let error = source.poll().await.expect_err("down");
    assert!(!error.message.is_empty());
    let again = source.poll().await.expect_err("still down");
    assert!(
        again.message.contains(&format!("127.0.0.1:{port}")),
        "{again}"
    );
    let _restarted = PrivateRedis::start_on(port, &[]);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while source.poll().await.is_err() {
        assert!(std::time::Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn mysql_url() -> String {
    std::env::var("WATCHDECK_TEST_MYSQL_URL")
        .expect("WATCHDECK_TEST_MYSQL_URL (eval /tmp/services.env)")
}

fn mysql(snapshot: &DatabaseSnapshot) -> &MysqlDetail {
    match &snapshot.detail {
        DatabaseDetail::Mysql(mysql) => mysql,
        other => panic!("not mysql: {other:?}"),
    }
}

/// A connection over TCP, as the console's own are (not the unix socket a local server names).
async fn mysql_conn(url: &str) -> mysql_async::Conn {
    let opts = mysql_async::Opts::from_url(url).unwrap();
    mysql_async::Conn::new(mysql_async::OptsBuilder::from_opts(opts).prefer_socket(false))
        .await
        .expect("connect to MariaDB")
}

/// The processlist's `COMMAND` of connection `id`, or `None` once it is gone.
async fn mysql_command(observer: &mut mysql_async::Conn, id: u64) -> Option<String> {
    observer
        .exec_first(
            "SELECT COMMAND FROM information_schema.PROCESSLIST WHERE ID = ?",
            (id,),
        )
        .await
        .unwrap()
}

/// Polls the processlist until connection `id`'s command is `wanted` (`None`: gone), for at
/// most 10 s.
async fn wait_for_command(observer: &mut mysql_async::Conn, id: u64, wanted: Option<&str>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let command = mysql_command(observer, id).await;
        if command.as_deref() == wanted {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "connection {id} is {command:?}, not {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_processlist_kill_query_and_kill_connection() {
    let url = mysql_url();
    let config = database(&format!(
        "[[database]]\nname = \"my\"\nkind = \"mysql\"\nurl = \"{url}\"\nslow_query = \"1s\"\n"
    ));
    let mut observer = mysql_conn(&url).await;
    let idle = mysql_conn(&url).await;
    let idle_id = u64::from(idle.id());
    let mut sleeper = mysql_conn(&url).await;
    let sleeper_id = u64::from(sleeper.id());
    let sleeping = tokio::spawn(async move {
        let started = std::time::Instant::now();
        let result: Result<Option<i64>, _> = sleeper.query_first("SELECT SLEEP(60)").await;
        (sleeper, result, started.elapsed())
    });

    let mut source = DatabaseSource::new(&config);
    let snapshot = poll_until(&mut source, |s| {
        let processes = &mysql(s).processes;
        processes
            .iter()
            .any(|p| p.id == sleeper_id && p.seconds >= 2)
            && processes.iter().any(|p| p.id == idle_id)
    })
    .await;
    let detail = mysql(&snapshot);
    let process = |id| detail.processes.iter().find(|p| p.id == id).unwrap();
    let slept = process(sleeper_id);
    assert_eq!(slept.command, "Query");
    assert_eq!(slept.state, "User sleep");
    assert!(slept.info.contains("SLEEP(60)"), "{slept:?}");
    assert!((2..30).contains(&slept.seconds), "{slept:?}");
    assert_eq!(slept.client(), "127.0.0.1");
    assert_eq!(process(idle_id).command, "Sleep");
    assert!(process(idle_id).is_idle());
    assert!(detail.own_id > 0);
    assert!(
        detail.processes.iter().all(|p| p.id != detail.own_id),
        "own connection listed"
    );
    assert!(detail.long_queries(1.0) >= 1);
    assert!(detail.buffer_pool_hit_percent.is_some());
    assert_eq!(detail.flavor, "MariaDB");
    assert_eq!(detail.replica, None, "the test server is no replica");
    assert!(snapshot.max_connections > 0 && snapshot.connections >= 3);
    assert!(snapshot.uptime_seconds > 0);
    let again = source.poll().await.unwrap();
    assert!(mysql(&again).queries_per_minute.is_some());
    assert_eq!(
        mysql(&again).own_id,
        detail.own_id,
        "the connection is reused"
    );

    let dir = tempfile::tempdir().unwrap();
    let (executor, mut results) = executor(dir.path(), std::slice::from_ref(&config));
    let monitor = detail.own_id;
    let killed = run(
        &executor,
        &mut results,
        "my",
        DatabaseAction::KillQuery {
            id: sleeper_id,
            monitor,
        },
    )
    .await;
    assert!(killed.is_ok(), "{killed:?}");
    let (_sleeper, slept, took) = sleeping.await.unwrap();
    assert!(took < Duration::from_secs(30), "{slept:?} after {took:?}");
    wait_for_command(&mut observer, sleeper_id, Some("Sleep")).await;

    let closed = run(
        &executor,
        &mut results,
        "my",
        DatabaseAction::KillConnection {
            id: idle_id,
            monitor,
        },
    )
    .await;
    assert!(closed.is_ok(), "{closed:?}");
    wait_for_command(&mut observer, idle_id, None).await;

    let own = run(
        &executor,
        &mut results,
        "my",
        DatabaseAction::KillConnection {
            id: monitor,
            monitor,
        },
    )
    .await;
    assert!(
        own.as_ref()
            .is_err_and(|e| e.contains("own monitoring connection")),
        "{own:?}"
    );
    assert!(mysql_command(&mut observer, monitor).await.is_some());
    source
        .poll()
        .await
        .expect("the monitoring connection still answers");
    let gone = run(
        &executor,
        &mut results,
        "my",
        DatabaseAction::KillQuery {
            id: idle_id,
            monitor,
        },
    )
    .await;
    assert!(
        gone.as_ref().is_err_and(|e| e.contains("is gone")),
        "{gone:?}"
    );
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert_eq!(audit.lines().count(), 8, "{audit}");
    observer.disconnect().await.unwrap();
}
