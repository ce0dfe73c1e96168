//! A runbook file, `assets/runbooks/*.toml` or the config dir's `runbooks/*.toml`, parsed into a
//! [`Runbook`]; errors name the file, the line and the key, as the config's do.

use std::ops::RangeInclusive;
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;

use super::model::{Cadence, Check, Kind, Origin, Runbook, Step, StepAction, Subject};
use crate::alerts::rule::Condition;
use crate::config::LoadError;
use crate::duration;
use crate::model::containers::ContainerAction;

/// How long a step's command may run.
pub const COMMAND_TIMEOUT: RangeInclusive<Duration> =
    Duration::from_millis(100)..=Duration::from_secs(3600);
/// How many log lines a `logs` check may read from each container.
const LOG_TAIL: RangeInclusive<usize> = 1..=10_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunbookFile {
    name: String,
    title: String,
    kind: KindWord,
    #[serde(default)]
    cadence: Option<Cadence>,
    #[serde(default)]
    step: Vec<StepFile>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindWord {
    Checklist,
    Procedure,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    #[serde(default)]
    id: Option<String>,
    title: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    check: Option<CheckFile>,
    #[serde(default)]
    action: Option<ActionFile>,
    #[serde(default)]
    auto: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum CheckFile {
    Expr(Condition),
    NoAlerts(Vec<String>),
    Endpoint(String),
    Database(String),
    Container(String),
    Logs(LogsFile),
    Command(CommandFile),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogsFile {
    containers: String,
    #[serde(default = "default_tail")]
    tail: usize,
    pattern: String,
}

fn default_tail() -> usize {
    100
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandFile {
    argv: Vec<String>,
    #[serde(with = "humantime_serde", default = "default_command_timeout")]
    timeout: Duration,
}

fn default_command_timeout() -> Duration {
    Duration::from_secs(30)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum ActionFile {
    Container(ContainerActionFile),
    TerminateIdle(TerminateIdleFile),
    Silence(SilenceFile),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContainerActionFile {
    #[serde(default)]
    name: Option<String>,
    action: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TerminateIdleFile {
    #[serde(default)]
    database: Option<String>,
    minutes: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SilenceFile {
    #[serde(default)]
    rule: Option<String>,
    #[serde(rename = "for", with = "humantime_serde")]
    duration: Duration,
}

const CONTAINER_ACTIONS: [ContainerAction; 6] = [
    ContainerAction::Restart,
    ContainerAction::Stop,
    ContainerAction::Start,
    ContainerAction::Pause,
    ContainerAction::Unpause,
    ContainerAction::Kill,
];

/// Parses one runbook file; `file` is how errors name it. References to rules, endpoints and
/// databases are checked apart ([`super::catalogue::Known::check`]), once the files a user
/// replaces are known.
pub fn parse_runbook(file: &str, text: &str, origin: Origin) -> Result<Runbook, LoadError> {
    let parsed: RunbookFile =
        toml::from_str(text).map_err(|e| LoadError::from_toml(file, text, &e))?;
    let at = |key: &str, message: String| LoadError::at_key(file, text, None, key, message);
    if !valid_name(&parsed.name) {
        return Err(at(
            "name",
            format!(
                "{:?} is not a runbook name: expected lowercase letters, digits and `-`, as rules \
                 name it (`runbook = \"disk-full\"`)",
                parsed.name
            ),
        ));
    }
    let kind = match (parsed.kind, parsed.cadence) {
        (KindWord::Checklist, Some(cadence)) => Kind::Checklist { cadence },
        (KindWord::Checklist, None) => {
            return Err(at(
                "kind",
                "a checklist needs a `cadence`: daily, weekly, monthly or quarterly".into(),
            ));
        }
        (KindWord::Procedure, None) => Kind::Procedure,
        (KindWord::Procedure, Some(_)) => {
            return Err(at(
                "cadence",
                "a procedure has no cadence: it is followed when its fault happens".into(),
            ));
        }
    };
    if parsed.step.is_empty() {
        return Err(LoadError::file(
            file,
            "a runbook needs at least one [[step]]",
        ));
    }
    let mut steps: Vec<Step> = Vec::with_capacity(parsed.step.len());
    for (entry, step) in parsed.step.into_iter().enumerate() {
        let at_step = |key: &str, message: String| {
            LoadError::at_entry_key(file, text, Some("step"), entry, key, message)
        };
        let step = parse_step(step, &origin).map_err(|(key, message)| at_step(key, message))?;
        if steps.iter().any(|s| s.id == step.id) {
            let key = if step.id == slug(&step.title) {
                "title"
            } else {
                "id"
            };
            return Err(at_step(
                key,
                format!(
                    "a second step with id {:?}: give one of them its own `id`",
                    step.id
                ),
            ));
        }
        steps.push(step);
    }
    Ok(Runbook {
        name: parsed.name,
        title: parsed.title,
        kind,
        steps,
        origin,
    })
}

fn parse_step(step: StepFile, origin: &Origin) -> Result<Step, (&'static str, String)> {
    let id = match step.id {
        Some(id) if !valid_name(&id) => {
            return Err((
                "id",
                format!("{id:?} is not a step id: expected lowercase letters, digits and `-`"),
            ));
        }
        Some(id) => id,
        None => slug(&step.title),
    };
    if id.is_empty() {
        return Err(("title", "a step needs a title".into()));
    }
    let check = step.check.map(|c| parse_check(c, origin)).transpose()?;
    if step.auto && check.is_none() {
        return Err(("auto", "`auto = true` needs a `check` to run".into()));
    }
    let action = step.action.map(parse_action).transpose()?;
    Ok(Step {
        id,
        title: step.title,
        details: step.details.trim_end().to_string(),
        check,
        action,
        auto: step.auto,
    })
}

fn parse_check(check: CheckFile, origin: &Origin) -> Result<Check, (&'static str, String)> {
    let up = |kind: Subject, name: String| {
        if name.is_empty() {
            Err(("check", format!("name the {} (a glob: `*`)", kind.label())))
        } else {
            Ok(Check::Up { kind, name })
        }
    };
    match check {
        CheckFile::Expr(condition) => Ok(Check::Expr(condition)),
        CheckFile::NoAlerts(rules) if rules.is_empty() => {
            Err(("check", "`no_alerts` needs at least one rule name".into()))
        }
        CheckFile::NoAlerts(rules) => Ok(Check::NoAlerts(rules)),
        CheckFile::Endpoint(name) => up(Subject::Endpoint, name),
        CheckFile::Database(name) => up(Subject::Database, name),
        CheckFile::Container(name) => up(Subject::Container, name),
        CheckFile::Logs(logs) => {
            if !LOG_TAIL.contains(&logs.tail) {
                return Err((
                    "check",
                    format!(
                        "tail {} is out of range: expected {} to {} lines",
                        logs.tail,
                        LOG_TAIL.start(),
                        LOG_TAIL.end()
                    ),
                ));
            }
            let pattern = Regex::new(&logs.pattern)
                .map_err(|e| ("check", format!("pattern {:?}: {e}", logs.pattern)))?;
            Ok(Check::Logs {
                containers: logs.containers,
                tail: logs.tail,
                pattern,
            })
        }
        CheckFile::Command(command) => {
            if *origin == Origin::Shipped {
                return Err((
                    "check",
                    "a shipped runbook may not run commands: commands come only from the \
                     operator's own files in the config dir's runbooks/"
                        .into(),
                ));
            }
            if command.argv.first().is_none_or(String::is_empty) {
                return Err((
                    "check",
                    "`argv` needs the program first: [\"systemctl\", \"is-active\", \"nginx\"]"
                        .into(),
                ));
            }
            let timeout = duration::within(command.timeout, &COMMAND_TIMEOUT)
                .map_err(|why| ("check", format!("timeout {why}")))?;
            Ok(Check::Command {
                argv: command.argv,
                timeout,
            })
        }
    }
}

fn parse_action(action: ActionFile) -> Result<StepAction, (&'static str, String)> {
    match action {
        ActionFile::Container(container) => {
            let known = CONTAINER_ACTIONS
                .iter()
                .find(|a| a.verb() == container.action)
                .ok_or_else(|| {
                    let verbs: Vec<&str> = CONTAINER_ACTIONS.iter().map(|a| a.verb()).collect();
                    (
                        "action",
                        format!(
                            "no container action {:?}: expected one of {}",
                            container.action,
                            verbs.join(", ")
                        ),
                    )
                })?;
            Ok(StepAction::Container {
                container: container.name,
                action: *known,
            })
        }
        ActionFile::TerminateIdle(idle) if idle.minutes == 0 => Err((
            "action",
            "`minutes` must be at least 1: every session is idle for 0 minutes".into(),
        )),
        ActionFile::TerminateIdle(idle) => Ok(StepAction::TerminateIdleSessions {
            database: idle.database,
            minutes: idle.minutes,
        }),
        ActionFile::Silence(silence) => {
            let duration = duration::within(silence.duration, &duration::SILENCE)
                .map_err(|why| ("action", format!("silence {why}")))?;
            Ok(StepAction::SilenceRule {
                rule: silence.rule,
                duration,
            })
        }
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `Check disk space (/ and /var)` → `check-disk-space-and-var`.
pub fn slug(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "runbooks/mine.toml";

    fn user() -> Origin {
        Origin::User(USER.into())
    }

    fn error(text: &str, origin: Origin) -> String {
        match parse_runbook(USER, text, origin) {
            Ok(runbook) => panic!("parsed: {runbook:?}"),
            Err(error) => error.to_string(),
        }
    }

    const HEAD: &str = "name = \"mine\"\ntitle = \"Mine\"\nkind = \"procedure\"\n";

    #[test]
    fn a_procedure_parses_with_every_kind_of_check_and_action() {
        let text = format!(
            "{HEAD}
[[step]]
title = \"Disk below 80%\"
check = {{ expr = 'system_disk_used_percent{{mount=\"/\"}} < 80' }}
auto = true
[[step]]
title = \"Quiet\"
check = {{ no_alerts = [\"DiskSpaceLow\"] }}
action = {{ silence = {{ rule = \"DiskSpaceLow\", for = \"2h\" }} }}
[[step]]
id = \"api\"
title = \"API up\"
check = {{ endpoint = \"api-*\" }}
[[step]]
title = \"Logs\"
check = {{ logs = {{ containers = \"web*\", pattern = \"(?i)error\" }} }}
action = {{ container = {{ action = \"restart\" }} }}
[[step]]
title = \"Service active\"
details = \"systemctl is-active nginx\\n\"
check = {{ command = {{ argv = [\"systemctl\", \"is-active\", \"nginx\"], timeout = \"5s\" }} }}
action = {{ terminate_idle = {{ database = \"main\", minutes = 30 }} }}
"
        );
        let runbook = parse_runbook(USER, &text, user()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(runbook.kind, Kind::Procedure);
        let ids: Vec<&str> = runbook.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            ["disk-below-80", "quiet", "api", "logs", "service-active"]
        );
        let Some(Check::Expr(condition)) = &runbook.steps[0].check else {
            panic!("{:?}", runbook.steps[0].check)
        };
        assert_eq!(condition.threshold, 80.0);
        assert!(runbook.steps[0].auto);
        assert!(matches!(
            &runbook.steps[2].check,
            Some(Check::Up { kind: Subject::Endpoint, name }) if name == "api-*"
        ));
        let Some(Check::Logs { tail, pattern, .. }) = &runbook.steps[3].check else {
            panic!("{:?}", runbook.steps[3].check)
        };
        assert_eq!(*tail, 100, "the manual's tail by default");
        assert!(pattern.is_match("an ERROR here"));
        assert_eq!(
            runbook.steps[3].action,
            Some(StepAction::Container {
                container: None,
                action: ContainerAction::Restart
            })
        );
        assert!(matches!(
            &runbook.steps[4].check,
            Some(Check::Command { argv, timeout }) if argv[0] == "systemctl" && *timeout == Duration::from_secs(5)
        ));
        assert_eq!(runbook.steps[4].details, "systemctl is-active nginx");
        assert_eq!(
            runbook.steps[1].action,
            Some(StepAction::SilenceRule {
                rule: Some("DiskSpaceLow".into()),
                duration: Duration::from_secs(7200)
            })
        );
    }

    #[test]
    fn a_shipped_runbook_may_not_run_a_command() {
        let text = format!(
            "{HEAD}\n[[step]]\ntitle = \"a\"\n\n[[step]]\ntitle = \"b\"\ncheck = {{ command = {{ argv = [\"true\"] }} }}\n"
        );
        let shown = error(&text, Origin::Shipped);
        assert!(
            shown.starts_with(&format!(
                "{USER}:10:1: key `step.check`: a shipped runbook may not run commands"
            )),
            "{shown}"
        );
        assert!(parse_runbook(USER, &text, user()).is_ok());
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_key() {
        let cases = [
            (
                format!("{HEAD}[[step]]\ntitle = \"x\"\ncheck = {{ expr = \"not promql (\" }}\n"),
                ":6:",
                "key `step.check`",
                "not PromQL",
            ),
            (
                format!("{HEAD}[[step]]\ntitle = \"x\"\naction = {{ container = {{ action = \"reboot\" }} }}\n"),
                ":6:1:",
                "key `step.action`",
                "no container action \"reboot\": expected one of restart, stop, start, pause, unpause, kill",
            ),
            (
                format!("{HEAD}[[step]]\ntitle = \"x\"\n[[step]]\ntitle = \"X\"\n"),
                ":7:1:",
                "key `step.title`",
                "a second step with id \"x\"",
            ),
            (
                "name = \"daily\"\ntitle = \"D\"\nkind = \"checklist\"\n[[step]]\ntitle = \"x\"\n".to_string(),
                ":3:1:",
                "key `kind`",
                "a checklist needs a `cadence`",
            ),
            (
                format!("{HEAD}[[step]]\ntitle = \"x\"\nauto = true\n"),
                ":6:1:",
                "key `step.auto`",
                "needs a `check`",
            ),
            (
                format!("{HEAD}[[step]]\ntitle = \"x\"\ncheck = {{ logs = {{ containers = \"*\", pattern = \"(\" }} }}\n"),
                ":6:1:",
                "key `step.check`",
                "pattern \"(\"",
            ),
            (
                format!("{HEAD}[[step]]\ntitle = \"x\"\ncheck = {{ command = {{ argv = [\"sleep\"], timeout = \"2h\" }} }}\n"),
                ":6:1:",
                "key `step.check`",
                "timeout 2h is out of range",
            ),
            (
                format!("{HEAD}[[step]]\ntitle = \"x\"\nchek = {{ endpoint = \"a\" }}\n"),
                ":6:1:",
                "",
                "unknown field `chek`",
            ),
            (
                "name = \"Disk Full\"\ntitle = \"D\"\nkind = \"procedure\"\n[[step]]\ntitle = \"x\"\n".to_string(),
                ":1:1:",
                "key `name`",
                "is not a runbook name",
            ),
        ];
        for (text, line, key, message) in cases {
            let shown = error(&text, user());
            assert!(shown.starts_with(&format!("{USER}{line}")), "{shown}");
            assert!(shown.contains(key), "{shown}");
            assert!(shown.contains(message), "{shown}");
        }
    }

    #[test]
    fn titles_become_step_ids() {
        assert_eq!(
            slug("Check disk space (/ and /var)"),
            "check-disk-space-and-var"
        );
        assert_eq!(slug("  "), "");
    }
}
