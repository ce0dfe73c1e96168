use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{CommandFactory, Parser};
use watchdeck::app::{App, Exit};
use watchdeck::check;
use watchdeck::cli::{Cli, Command, ConfigCommand, Format};
use watchdeck::collect::resources::{SystemCollector, host_name};
use watchdeck::config::{self, DEFAULT_CONFIG, LoadError, Loaded, Paths};
use watchdeck::effect::Executor;
use watchdeck::persist::atomic::create_atomically;
use watchdeck::persist::audit::{AuditLog, Operator};
use watchdeck::persist::private;
use watchdeck::state::{AppState, Mode};

/// Exit status when the config, a theme or a keymap cannot be used.
const CONFIG_ERROR: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Some(Command::Config(ConfigCommand::Path)) => print_paths(&paths, cli.config.as_deref()),
        Some(Command::Config(ConfigCommand::Init)) => init_config(&paths),
        Some(Command::Config(ConfigCommand::Check { file })) => {
            // The configured theme is checked even where colour is off.
            match load(
                &paths,
                file.as_deref().or(cli.config.as_deref()),
                cli.theme.as_deref(),
            ) {
                Ok(loaded) => {
                    println!(
                        "{}: ok (theme {}, keymap {})",
                        loaded.config_source, loaded.theme.name, loaded.keymap.name
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(code) => Ok(code),
            }
        }
        Some(Command::Check { format }) => {
            match load(&paths, cli.config.as_deref(), display_theme(&cli)) {
                Ok(loaded) => run_check(&loaded, *format),
                Err(code) => Ok(code),
            }
        }
        None => match load(&paths, cli.config.as_deref(), display_theme(&cli)) {
            Ok(loaded) => run_console(&cli, &paths, loaded),
            Err(code) => Ok(code),
        },
    };
    result.unwrap_or_else(|error| {
        eprintln!("watchdeck: {error:#}");
        ExitCode::FAILURE
    })
}

/// Loads config, theme and keymap, printing any error before the terminal is touched.
fn load(paths: &Paths, explicit: Option<&Path>, theme: Option<&str>) -> Result<Loaded, ExitCode> {
    config::load(paths, explicit, theme).map_err(|error: LoadError| {
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
    println!("state:    {}", paths.state_dir.display());
    println!("log:      {}", paths.log_file().display());
    println!("audit:    {}", paths.audit_log().display());
    Ok(ExitCode::SUCCESS)
}

fn init_config(paths: &Paths) -> anyhow::Result<ExitCode> {
    let path = paths.config_file();
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

fn run_check(loaded: &Loaded, format: Format) -> anyhow::Result<ExitCode> {
    let mut collector = SystemCollector::new().context("cannot read the local host")?;
    let ignore = &loaded.config.resources.ignore_mounts;
    // CPU and network rates are deltas: two samples at least sysinfo's minimum interval apart.
    collector.sample(ignore);
    std::thread::sleep(
        sysinfo::MINIMUM_CPU_UPDATE_INTERVAL.max(std::time::Duration::from_millis(250)),
    );
    let snapshot = collector.sample(ignore);
    let report = check::build_report(&host_name(), chrono::Utc::now(), &loaded.config, &snapshot);
    let text = match format {
        Format::Text => check::render_text(&report),
        Format::Json => check::render_json(&report) + "\n",
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(ExitCode::from(report.status.exit_code() as u8))
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
    let filter = tracing_subscriber::EnvFilter::try_from_env("WATCHDECK_LOG")
        .unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .init();
    Ok(())
}

fn run_console(cli: &Cli, paths: &Paths, mut loaded: Loaded) -> anyhow::Result<ExitCode> {
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mouse = loaded.config.mouse;
    let docker_host = std::env::var("DOCKER_HOST").ok();
    let engines = loaded
        .config
        .docker_engines(docker_host.as_deref(), Path::new("/var/run/docker.sock"));
    let mut state = AppState::new(
        &loaded.config,
        &engines,
        mode,
        host_name(),
        chrono::Utc::now(),
    );
    if let Some(tab) = cli.tab {
        state.tab = tab;
    }
    let operator = Operator::of_this_process();
    let audit = AuditLog::new(paths.audit_log());
    let mut terminal = watchdeck::tui::enter(mouse).context("cannot start the terminal UI")?;
    let exit = runtime.block_on(async {
        let hosts = engines
            .iter()
            .map(|e| (e.name.clone(), e.host.clone()))
            .collect();
        let app = App::new(state, loaded, |sender| {
            Executor::new(sender, audit, operator, mode, hosts)
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
