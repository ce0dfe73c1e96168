use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{CommandFactory, Parser};
use watchdeck::app::{App, Exit};
use watchdeck::check;
use watchdeck::cli::{AlertsCommand, CheckArgs, Cli, Command, ConfigCommand, Format};
use watchdeck::cli::{ExportFormat, RunbookCommand, StatusFormat};
use watchdeck::collect::system::host_name;
use watchdeck::command::Mode;
use watchdeck::config::{self, DEFAULT_CONFIG, LoadError, Loaded, Paths};
use watchdeck::effect::Executor;
use watchdeck::persist::atomic::{create_atomically, write_atomically};
use watchdeck::persist::audit::{AuditLog, Operator};
use watchdeck::persist::private;
use watchdeck::runbook::catalogue::Runbooks;
use watchdeck::sources::SourceRegistry;
use watchdeck::state::AppState;
use watchdeck::tabs::published_series;

/// Exit status of a usage error, a config, theme or keymap that cannot be used, and a check that
/// cannot run: UNKNOWN in the monitoring-plugin convention `check` follows (0 OK, 1 WARNING,
/// 2 CRITICAL), which a script or a scheduler can tell apart from a finding.
const CONFIG_ERROR: u8 = 3;
/// A check that could not judge (it timed out), as monitoring plugins say UNKNOWN.
const UNKNOWN: u8 = 3;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let shown = error.print();
            return match error.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
                    if shown.is_ok() =>
                {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(CONFIG_ERROR),
            };
        }
    };
    let Some(paths) = Paths::from_platform() else {
        eprintln!(
            "watchdeck: cannot find a home directory for the config and state dirs (is $HOME set?)"
        );
        return ExitCode::from(CONFIG_ERROR);
    };
    let result = match &cli.command {
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "watchdeck",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Alerts(AlertsCommand::Export { since })) => export_alerts(&paths, *since),
        Some(Command::Alerts(AlertsCommand::Timeline { since })) => print_timeline(&paths, *since),
        Some(Command::Runbook(command)) => match load(&paths, cli.config.as_deref(), None) {
            Ok((loaded, runbooks)) => run_runbook(command, &paths, &loaded, &runbooks),
            Err(code) => Ok(code),
        },
        Some(Command::Config(ConfigCommand::Path)) => print_paths(&paths, cli.config.as_deref()),
        Some(Command::Config(ConfigCommand::Init)) => init_config(&paths, cli.config.as_deref()),
        Some(Command::Config(ConfigCommand::Check { file })) => {
            // The configured theme is checked even where colour is off.
            match load(
                &paths,
                file.as_deref().or(cli.config.as_deref()),
                cli.theme.as_deref(),
            ) {
                Ok((loaded, runbooks)) => {
                    println!(
                        "{}: ok (theme {}, keymap {}); {} runbooks",
                        loaded.config_source,
                        loaded.theme.name,
                        loaded.keymap.name,
                        runbooks.iter().count()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(code) => Ok(code),
            }
        }
        Some(Command::Check(args)) => {
            match load(&paths, cli.config.as_deref(), display_theme(&cli)) {
                Ok((loaded, _)) => Ok(run_check(&loaded, args).unwrap_or_else(|error| {
                    eprintln!("watchdeck: check could not run: {error:#}");
                    ExitCode::from(CONFIG_ERROR)
                })),
                Err(code) => Ok(code),
            }
        }
        None => match load(&paths, cli.config.as_deref(), display_theme(&cli)) {
            Ok((loaded, runbooks)) => run_console(&cli, &paths, loaded, runbooks),
            Err(code) => Ok(code),
        },
    };
    result.unwrap_or_else(|error| {
        eprintln!("watchdeck: {error:#}");
        ExitCode::FAILURE
    })
}

/// Loads config, theme, keymap and runbooks, printing any error before the terminal is touched.
fn load(
    paths: &Paths,
    explicit: Option<&Path>,
    theme: Option<&str>,
) -> Result<(Loaded, Runbooks), ExitCode> {
    let published = published_series();
    config::load(paths, explicit, theme, &published)
        .and_then(|loaded| {
            let runbooks = watchdeck::runbook::load::load(paths, &loaded, &published)?;
            Ok((loaded, runbooks))
        })
        .map_err(|error: LoadError| {
            eprintln!("watchdeck: configuration error\n{error}");
            ExitCode::from(CONFIG_ERROR)
        })
}

/// The theme to draw with: `mono` when colour is off, else `--theme` if given.
fn display_theme(cli: &Cli) -> Option<&str> {
    let no_color = std::env::var("NO_COLOR").ok();
    let term = std::env::var("TERM").ok();
    if config::theme::colour_disabled(no_color.as_deref(), term.as_deref()) {
        Some(config::theme::MONO)
    } else {
        cli.theme.as_deref()
    }
}

fn print_paths(paths: &Paths, explicit: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config_file = explicit.map_or_else(|| paths.config_file(), Path::to_path_buf);
    let exists = if config_file.exists() {
        ""
    } else {
        " (absent: the embedded default is used)"
    };
    println!("config:   {}{exists}", config_file.display());
    println!("themes:   {}", paths.config_dir.join("themes").display());
    println!("keymaps:  {}", paths.config_dir.join("keymaps").display());
    println!("runbooks: {}", paths.user_runbooks().display());
    println!("state:    {}", paths.state_dir.display());
    println!("log:      {}", paths.log_file().display());
    println!("audit:    {}", paths.audit_log().display());
    Ok(ExitCode::SUCCESS)
}

/// When the last `stretch` before `now` began; `None` when that is before any time there is
/// (`--since 1000000y`), which means from the start.
fn start_of_last(
    stretch: std::time::Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    now.checked_sub_signed(chrono::Duration::from_std(stretch).ok()?)
}

/// `watchdeck alerts export`: the kept history as JSON lines, oldest first.
fn export_alerts(paths: &Paths, since: Option<std::time::Duration>) -> anyhow::Result<ExitCode> {
    let kept =
        watchdeck::persist::alerts::load(&paths.alerts_file()).map_err(anyhow::Error::msg)?;
    let from = since
        .and_then(|since| start_of_last(since, chrono::Utc::now()))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    let lines = watchdeck::persist::alerts::history_lines(&kept, from);
    std::io::stdout().write_all(lines.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// `watchdeck alerts timeline`: the kept history and the audit log as one Markdown timeline.
fn print_timeline(paths: &Paths, since: Option<std::time::Duration>) -> anyhow::Result<ExitCode> {
    let kept =
        watchdeck::persist::alerts::load(&paths.alerts_file()).map_err(anyhow::Error::msg)?;
    let audit = match std::fs::read_to_string(paths.audit_log()) {
        Ok(text) => watchdeck::alert_timeline::read_audit(&text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(error) => {
            return Err(error)
                .with_context(|| format!("cannot read {}", paths.audit_log().display()));
        }
    };
    let now = chrono::Utc::now();
    let since = since.and_then(|since| start_of_last(since, now));
    let text = watchdeck::alert_timeline::render(&kept.history, &audit, since, now);
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// `watchdeck runbook …`: the log of the console's store (`[runbook] state_dir`), in local time.
fn run_runbook(
    command: &RunbookCommand,
    paths: &Paths,
    loaded: &Loaded,
    runbooks: &Runbooks,
) -> anyhow::Result<ExitCode> {
    use watchdeck::runbook::{period::PeriodId, report, status};
    let store = watchdeck::runbook::store::Store::of(&loaded.config.runbook, paths);
    let log = store.read().map_err(anyhow::Error::msg)?;
    let now = chrono::Utc::now();
    let tz = chrono::Local;
    let week_start = loaded.config.runbook.week_start;
    let checklists = || status::status(runbooks, &log, now, &tz, week_start);
    let text = match command {
        RunbookCommand::Export {
            period,
            format,
            out,
        } => {
            let period = match period {
                Some(text) => match PeriodId::parse(text, week_start) {
                    Some(period) => period,
                    None => {
                        eprintln!(
                            "watchdeck: --period {text:?} is not a period: expected a day \
                             (2026-12-07), a week (2026-W49), a month (2026-12) or a quarter (2026-Q4)"
                        );
                        return Ok(ExitCode::from(CONFIG_ERROR));
                    }
                },
                None => PeriodId::containing(
                    watchdeck::runbook::model::Cadence::Daily,
                    now,
                    &tz,
                    week_start,
                ),
            };
            let (from, to) = period.bounds(&tz);
            let rows = report::maintenance_log(runbooks, &log, from, to, &tz);
            let text = match format {
                ExportFormat::Md => report::render_maintenance_markdown(&period.to_string(), &rows),
                ExportFormat::Json => {
                    let json = serde_json::json!({ "period": period.to_string(), "rows": rows });
                    serde_json::to_string_pretty(&json)? + "\n"
                }
            };
            if let Some(out) = out {
                watchdeck::persist::atomic::write_atomically(out, text.as_bytes())
                    .with_context(|| format!("cannot write {}", out.display()))?;
                return Ok(ExitCode::SUCCESS);
            }
            text
        }
        RunbookCommand::Handover { since } => {
            let alerts = watchdeck::persist::alerts::load(&paths.alerts_file())
                .map_err(anyhow::Error::msg)?;
            let checklists = checklists();
            report::render_handover(&report::Handover {
                runbooks,
                log: &log,
                alerts: &alerts,
                checklists: &checklists,
                since: start_of_last(*since, now)
                    .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC),
                now,
                tz: &tz,
            })
        }
        RunbookCommand::Status { format } => {
            let checklists = checklists();
            let worst = status::worst(&checklists);
            let text = match format {
                StatusFormat::Text => report::render_status_text(runbooks, &log, &checklists),
                StatusFormat::Json => {
                    let json = serde_json::json!({ "status": worst, "checklists": checklists });
                    serde_json::to_string_pretty(&json)? + "\n"
                }
            };
            std::io::stdout().write_all(text.as_bytes())?;
            return Ok(ExitCode::from(worst.exit_code()));
        }
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// `config init`: the default config, written where `--config` says or else in the config dir.
fn init_config(paths: &Paths, explicit: Option<&Path>) -> anyhow::Result<ExitCode> {
    let path = explicit.map_or_else(|| paths.config_file(), Path::to_path_buf);
    match create_atomically(&path, DEFAULT_CONFIG.as_bytes()) {
        Ok(()) => {
            println!("wrote {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "watchdeck: {} already exists; not overwriting it",
                path.display()
            );
            Ok(ExitCode::FAILURE)
        }
        Err(error) => Err(error).with_context(|| format!("cannot write {}", path.display())),
    }
}

fn run_check(loaded: &Loaded, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Text
    } else {
        Format::Plugin
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let sources = watched_sources(loaded).only(&args.only);
    let collect = check::collect(&loaded.config, &sources, host_name());
    let state = runtime.block_on(async {
        match args.timeout {
            Some(limit) => tokio::time::timeout(limit, collect).await.ok(),
            None => Some(collect.await),
        }
    });
    // A source that hangs past the limit is dropped with the runtime, not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    let Some(state) = state else {
        let limit = humantime::format_duration(args.timeout.unwrap_or_default());
        let text = match format {
            Format::Plugin => format!("WATCHDECK UNKNOWN - timed out after {limit}\n"),
            _ => format!("watchdeck check: timed out after {limit}\n"),
        };
        std::io::stdout().write_all(text.as_bytes())?;
        return Ok(ExitCode::from(UNKNOWN));
    };
    let report = check::build_report(chrono::Utc::now(), &state);
    let text = match format {
        Format::Text => check::render_text(&report),
        Format::Plugin => check::render_plugin(&report),
        Format::Json => check::render_json(&report) + "\n",
        Format::Openmetrics => check::render_openmetrics(&state.metrics, &report.alerts),
    };
    match &args.out {
        Some(path) => write_atomically(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::from(report.status.exit_code() as u8))
}

/// The sources the console watches; its Docker engines are the configured ones, else the local
/// engine if any.
fn watched_sources(loaded: &Loaded) -> SourceRegistry {
    let engines = loaded.config.docker_engines(
        &|name| std::env::var(name).ok(),
        Path::new("/var/run/docker.sock"),
    );
    SourceRegistry::from_config(&loaded.config, &engines)
}

/// Starts the log in the state dir, which is made (or restricted to) 0700 first.
fn init_logging(paths: &Paths) -> anyhow::Result<()> {
    private::own_dir(&paths.state_dir).with_context(|| {
        format!(
            "cannot create {} (or restrict it to its owner)",
            paths.state_dir.display()
        )
    })?;
    let log = paths.log_file();
    let file =
        private::open_append(&log).with_context(|| format!("cannot open {}", log.display()))?;
    let spec = std::env::var("WATCHDECK_LOG").ok();
    watchdeck::logging::install(spec.as_deref(), std::sync::Mutex::new(file));
    Ok(())
}

fn run_console(
    cli: &Cli,
    paths: &Paths,
    mut loaded: Loaded,
    runbooks: Runbooks,
) -> anyhow::Result<ExitCode> {
    init_logging(paths)?;
    let mode = if cli.watch {
        Mode::Watch
    } else if cli.read_only {
        Mode::ReadOnly
    } else {
        Mode::Interactive
    };
    if let Some(rotate) = cli.rotate {
        loaded.config.watch.rotate = rotate;
    }
    tracing::info!(config = %loaded.config_source, ?mode, "starting");
    // One thread: the loop and the sources only wait on I/O (sampling /proc runs on the blocking
    // pool), and without the multi-threaded scheduler the binary needs no libm.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mouse = loaded.config.mouse;
    let sources = watched_sources(&loaded);
    let mut state = AppState::with_sources(
        &loaded.config,
        &sources,
        mode,
        host_name(),
        chrono::Utc::now(),
    );
    if let Some(tab) = cli.tab {
        state.tab = tab;
    }
    let operator = Operator::of_this_process();
    state.operator = operator.user.clone();
    state.runbook = state.runbook.clone().with_runbooks(runbooks);
    let runbook_store = watchdeck::runbook::store::Store::of(&loaded.config.runbook, paths);
    // Read before the first frame, so the header's daily progress is right from the start.
    let runbook_log = watchdeck::msg::Msg::RunbookLog {
        log: runbook_store.read(),
        offset: chrono::Offset::fix(chrono::Local::now().offset()),
    };
    watchdeck::update::update(&mut state, runbook_log, chrono::Utc::now());
    let runbook_dir = loaded
        .config
        .runbook
        .state_dir
        .clone()
        .unwrap_or_else(|| paths.state_dir.clone());
    // What a previous run kept; a file that cannot be read is moved aside and said, not fatal:
    // the console is needed most when things are broken.
    let started = chrono::Utc::now();
    match watchdeck::persist::alerts::load_at_start(&paths.alerts_file(), started) {
        Ok(kept) => watchdeck::tabs::alerts::update::restore(&mut state, kept),
        Err(set_aside) => {
            let message = set_aside.message();
            tracing::error!(%message, "alerts kept by the last run");
            let saves = set_aside.may_save();
            watchdeck::tabs::alerts::update::apply_unreadable_file(
                &mut state, message, saves, started,
            );
        }
    }
    let audit = AuditLog::new(paths.audit_log());
    let mut terminal = watchdeck::tui::enter(mouse).context("cannot start the terminal UI")?;
    let exit = runtime.block_on(async {
        let databases = loaded.config.database.clone();
        let notify = loaded.config.notify.clone();
        let alertmanagers = loaded.config.alertmanager.clone();
        let prometheus = loaded.config.prometheus.clone();
        let hosts = sources
            .engines()
            .map(|e| (e.name.clone(), e.clone()))
            .collect();
        let app = App::new(state, loaded, sources, |sender| {
            Executor::new(sender, audit, operator, mode, hosts, paths.alerts_file())
                .with_databases(&databases)
                .with_notify(&notify)
                .with_alertmanagers(&alertmanagers)
                .with_runbook_dir(runbook_dir)
                .with_prometheus(&prometheus)
        });
        app.run(&mut terminal).await
    });
    watchdeck::tui::leave(mouse);
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    let exit = exit?;
    tracing::info!(?exit, "stopped");
    Ok(match exit {
        Exit::Quit | Exit::Signal(_) => ExitCode::SUCCESS,
        Exit::InputClosed => ExitCode::FAILURE,
    })
}
