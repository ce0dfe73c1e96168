//! The Databases tab's reducer: moving between databases and sessions, the session actions and
//! the big-keys scan, and the databases' reports.

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::command::{DatabaseAction, DatabaseCommand, OperatorCommand};
use crate::effect::Effect;
use crate::model::databases::{BigKeysReport, DatabaseDetail, DatabaseKind, DatabaseSnapshot};
use crate::model::source::{SourceId, SourceReport};
use crate::reduce::{ask, refused, source_answered, toast};
use crate::state::databases::{BigKeysView, DatabaseState, DatabasesState, session_seconds};
use crate::state::list::PAGE;
use crate::state::{AppState, ConfirmDialog, ToastKind};
use crate::tabs::databases::record;
use crate::words::count;

/// How many sessions terminate-idle names in its dialog before "and N more".
const NAMED_IN_DIALOG: usize = 8;

pub fn apply_action(state: &mut AppState, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    let databases = &mut state.databases;
    match action {
        Action::SelectNext => databases.apply_move(1),
        Action::SelectPrev => databases.apply_move(-1),
        Action::PageDown => databases.apply_move(PAGE),
        Action::PageUp => databases.apply_move(-PAGE),
        Action::SelectFirst => databases.apply_select_edge(false),
        Action::SelectLast => databases.apply_select_edge(true),
        Action::NextDatabase => databases.apply_select_database(1),
        Action::PrevDatabase => databases.apply_select_database(-1),
        Action::CancelQuery => return ask_session(state, true, now),
        Action::TerminateSession => return ask_session(state, false, now),
        Action::TerminateIdle => return ask_terminate_idle(state, now),
        Action::ScanBigKeys => return scan_big_keys(state, now),
        _ => {}
    }
    Vec::new()
}

/// Selects the database `name` another tab named.
pub fn focus(state: &mut AppState, name: &str) {
    let databases = &mut state.databases;
    if let Some(index) = databases.databases.iter().position(|d| d.name == name) {
        databases.apply_select_database(index as isize - databases.selected as isize);
    }
}

/// Esc closes the big-keys result, stopping the scan if it still runs.
pub fn cancel(state: &mut AppState) -> Vec<Effect> {
    match state.databases.big_keys.take() {
        Some(view) if view.result.is_none() => vec![Effect::StopBigKeys],
        _ => Vec::new(),
    }
}

pub fn apply_report(
    state: &mut AppState,
    database: &str,
    report: SourceReport<DatabaseSnapshot>,
    now: DateTime<Utc>,
) {
    let source = SourceId::database(database).name;
    let Some(index) = state
        .databases
        .databases
        .iter()
        .position(|d| d.name == database)
    else {
        return;
    };
    let (kind, slow) = {
        let db = &state.databases.databases[index];
        (db.kind, db.slow_query_seconds)
    };
    match source_answered(state, &source, report) {
        Some((at, mut snapshot)) => {
            record::record(&mut state.metrics, at, database, kind, slow, &snapshot);
            let db = &mut state.databases.databases[index];
            if let DatabaseDetail::Postgres(pg) = &mut snapshot.detail
                && let Some(sizes) = pg.sizes.take()
            {
                db.sizes = Some(sizes);
            }
            crate::state::databases::order(&mut snapshot);
            db.latest = Some(snapshot);
            if index == state.databases.selected {
                state.databases.refresh_rows();
            }
        }
        None => record::record_down(&mut state.metrics, now, database, kind),
    }
    crate::tabs::alerts::update::evaluate(state, now);
}

pub fn apply_big_keys(
    state: &mut AppState,
    database: String,
    result: Result<BigKeysReport, String>,
) {
    if let Some(view) = state
        .databases
        .big_keys
        .as_mut()
        .filter(|v| v.database == database)
    {
        view.result = Some(result);
    }
}

fn selected_postgres(state: &mut AppState, now: DateTime<Utc>) -> Option<(String, String)> {
    let database = state.databases.selected_database()?;
    if database.kind != DatabaseKind::Postgres {
        let text = format!(
            "{} is {}: terminate-idle is for PostgreSQL",
            database.name,
            database.kind.label()
        );
        toast(state, ToastKind::Info, text, now);
        return None;
    }
    Some((database.name.clone(), database.address.clone()))
}

/// Cancel the selected session's query (`cancel`) or end the session: `pg_cancel_backend` and
/// `pg_terminate_backend` on PostgreSQL, `KILL QUERY` and `KILL` on MySQL.
fn ask_session(state: &mut AppState, cancel: bool, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(database) = state.databases.selected_database() else {
        return Vec::new();
    };
    let asked = match database.kind {
        DatabaseKind::Postgres => postgres_session(database, &state.databases, cancel),
        DatabaseKind::Mysql => mysql_connection(database, &state.databases, cancel),
        DatabaseKind::Redis => {
            let text = format!(
                "{} is redis: session actions are for PostgreSQL and MySQL",
                database.name
            );
            toast(state, ToastKind::Info, text, now);
            return Vec::new();
        }
    };
    let Some(SessionAsk {
        command,
        own_connection,
        title,
        lines,
    }) = asked
    else {
        toast(state, ToastKind::Info, "select a session first".into(), now);
        return Vec::new();
    };
    if own_connection {
        let reason = "it is the console's own monitoring connection".to_string();
        refused(state, &command.action(), &command.target(), &reason, now);
        return vec![Effect::RecordRefusal { command, reason }];
    }
    ask(
        state,
        ConfirmDialog {
            title,
            lines,
            command,
            then: None,
            typed: None,
        },
        now,
    )
}

/// A session action to confirm: its command, whether it would touch the console's own
/// monitoring connection, and its dialog's title and lines.
struct SessionAsk {
    command: OperatorCommand,
    own_connection: bool,
    title: String,
    lines: Vec<String>,
}

fn postgres_session(
    database: &DatabaseState,
    databases: &DatabasesState,
    cancel: bool,
) -> Option<SessionAsk> {
    let session = databases.selected_session()?;
    let pid = session.pid;
    let action = if cancel {
        DatabaseAction::CancelQuery { pid }
    } else {
        DatabaseAction::TerminateSession { pid }
    };
    let name = &database.name;
    let (title, question) = if cancel {
        (
            "Cancel query",
            format!("Cancel the query of session {pid} on {name}?"),
        )
    } else {
        (
            "Terminate session",
            format!("Terminate session {pid} on {name}?"),
        )
    };
    Some(SessionAsk {
        command: database_command(database, action),
        own_connection: database.postgres().is_some_and(|pg| pg.own_pid == pid),
        title: format!("{title} {pid}"),
        lines: vec![
            question,
            format!(
                "{} · {} · {} · {} for {}",
                session.user,
                session.application,
                session.client,
                session.state.label(),
                whole_seconds(session_seconds(session))
            ),
            session.query.chars().take(200).collect(),
        ],
    })
}

fn mysql_connection(
    database: &DatabaseState,
    databases: &DatabasesState,
    kill_query: bool,
) -> Option<SessionAsk> {
    let process = databases.selected_process()?;
    let monitor = database.mysql().map_or(0, |detail| detail.own_id);
    let id = process.id;
    let action = if kill_query {
        DatabaseAction::KillQuery { id, monitor }
    } else {
        DatabaseAction::KillConnection { id, monitor }
    };
    let name = &database.name;
    let (title, question) = if kill_query {
        (
            "Kill query",
            format!("Kill the statement of connection {id} on {name} (KILL QUERY {id})?"),
        )
    } else {
        (
            "Kill connection",
            format!("Close connection {id} on {name} (KILL {id})?"),
        )
    };
    Some(SessionAsk {
        command: database_command(database, action),
        own_connection: id == monitor,
        title: format!("{title} {id}"),
        lines: vec![
            question,
            format!(
                "{} · {} · {} · {} for {}",
                process.user,
                process.host,
                process.command,
                process.state,
                whole_seconds(process.seconds as f64)
            ),
            process.info.chars().take(200).collect(),
        ],
    })
}

fn database_command(database: &DatabaseState, action: DatabaseAction) -> OperatorCommand {
    OperatorCommand::Database(DatabaseCommand {
        database: database.name.clone(),
        address: database.address.clone(),
        action,
    })
}

/// Shows how many sessions are idle past the limit, and which, before ending them.
fn ask_terminate_idle(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let Some((database, address)) = selected_postgres(state, now) else {
        return Vec::new();
    };
    let Some(minutes) = state.databases.selected_database().map(|d| d.idle_minutes) else {
        return Vec::new();
    };
    let idle: Vec<_> = state.databases.long_idle().into_iter().cloned().collect();
    if idle.is_empty() {
        let text = format!(
            "no session on {database} has been idle for {}",
            count(minutes, "minute")
        );
        toast(state, ToastKind::Info, text, now);
        return Vec::new();
    }
    let command = OperatorCommand::Database(DatabaseCommand {
        database: database.clone(),
        address,
        action: DatabaseAction::TerminateIdle {
            minutes,
            pids: idle.iter().map(|s| s.pid).collect(),
        },
    });
    let mut lines = vec![format!(
        "Terminate {} idle for {} or more on {database}?",
        count(idle.len(), "session"),
        count(minutes, "minute")
    )];
    lines.extend(idle.iter().take(NAMED_IN_DIALOG).map(|s| {
        format!(
            "{} {} {} {} for {}",
            s.pid,
            s.user,
            s.application,
            s.state.label(),
            whole_seconds(s.state_seconds)
        )
    }));
    if idle.len() > NAMED_IN_DIALOG {
        lines.push(format!("and {} more", idle.len() - NAMED_IN_DIALOG));
    }
    ask(
        state,
        ConfirmDialog {
            title: "Terminate idle sessions".into(),
            lines,
            command,
            then: None,
            typed: None,
        },
        now,
    )
}

/// Starts the bounded big-keys scan of the selected Redis database.
fn scan_big_keys(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(database) = state.databases.selected_database() else {
        return Vec::new();
    };
    if database.kind != DatabaseKind::Redis {
        let text = format!(
            "{} is not Redis: the big-keys scan is for Redis",
            database.name
        );
        toast(state, ToastKind::Info, text, now);
        return Vec::new();
    }
    let name = database.name.clone();
    state.databases.big_keys = Some(BigKeysView {
        database: name.clone(),
        result: None,
    });
    vec![Effect::ScanBigKeys { database: name }]
}

/// `754.2` seconds as `12m 34s`, for dialog lines.
fn whole_seconds(seconds: f64) -> String {
    humantime::format_duration(std::time::Duration::from_secs(seconds.max(0.0) as u64)).to_string()
}
