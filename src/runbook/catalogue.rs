//! Every runbook the console knows: the shipped ones, each replaced by a user file of the same
//! name, then the user's own; checked against what the config names, and every rule's
//! `runbook` checked against the procedures.

use super::model::{Check, Kind, Origin, Runbook, StepAction, Subject};
use super::parse::parse_runbook;
use crate::alerts::series::SeriesCatalogue;
use crate::config::{Config, LoadError, RuleConfig};

/// The shipped runbooks, embedded: (name of the file, its text).
/// The shipped runbook `name`: its file's name and text.
macro_rules! shipped {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../assets/runbooks/", $name, ".toml")),
        )
    };
}

/// The shipped runbooks, embedded: (name of the file, its text).
pub const SHIPPED: &[(&str, &str)] = &[
    shipped!("daily"),
    shipped!("weekly"),
    shipped!("monthly"),
    shipped!("certificate-renewal"),
    shipped!("connection-pool-exhausted"),
    shipped!("container-exited"),
    shipped!("container-restart-loop"),
    shipped!("container-unhealthy"),
    shipped!("database-down"),
    shipped!("disk-full"),
    shipped!("endpoint-down"),
    shipped!("high-cpu"),
    shipped!("high-error-rate"),
    shipped!("high-latency"),
    shipped!("host-down"),
    shipped!("memory-pressure"),
    shipped!("redis-out-of-memory"),
    shipped!("replication-lag"),
    shipped!("service-will-not-start"),
    shipped!("slow-queries"),
    shipped!("source-down"),
];

/// A runbook file's text and how errors name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunbookText {
    pub file: String,
    pub text: String,
    pub origin: Origin,
}

impl RunbookText {
    pub fn shipped() -> Vec<RunbookText> {
        SHIPPED
            .iter()
            .map(|(name, text)| RunbookText {
                file: format!("assets/runbooks/{name}.toml (embedded)"),
                text: (*text).to_string(),
                origin: Origin::Shipped,
            })
            .collect()
    }
}

/// The runbooks in force, shipped ones first in their order.
#[derive(Debug, Clone, Default)]
pub struct Runbooks {
    list: Vec<Runbook>,
}

impl Runbooks {
    pub fn get(&self, name: &str) -> Option<&Runbook> {
        self.list.iter().find(|r| r.name == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Runbook> {
        self.list.iter()
    }

    /// The procedure called `name`, as an alert's `runbook` names it; an Alertmanager's
    /// `runbook_url` names it by its last path part (`…/runbooks/disk-full.md`).
    pub fn procedure(&self, name_or_url: &str) -> Option<&Runbook> {
        let last = name_or_url
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(name_or_url);
        let name = last.split(['.', '#', '?']).next().unwrap_or(last);
        self.get(name).filter(|r| r.kind == Kind::Procedure)
    }

    pub fn checklists(&self) -> impl Iterator<Item = &Runbook> {
        self.list.iter().filter(|r| r.cadence().is_some())
    }
}

/// What runbooks may name: the rules (shipped and the user's), the endpoints and databases of
/// the config, and the series the console publishes.
pub struct Known<'a> {
    pub rules: Vec<&'a str>,
    pub endpoints: Vec<&'a str>,
    pub databases: Vec<&'a str>,
    pub series: &'a SeriesCatalogue,
}

impl<'a> Known<'a> {
    pub fn of(
        config: &'a Config,
        shipped_rules: &'a [RuleConfig],
        series: &'a SeriesCatalogue,
    ) -> Self {
        let mut rules: Vec<&str> = shipped_rules.iter().map(|r| r.name.as_str()).collect();
        rules.extend(config.rule.iter().map(|r| r.name.as_str()));
        Self {
            rules,
            endpoints: config.endpoint.iter().map(|e| e.name.as_str()).collect(),
            databases: config.database.iter().map(|d| d.name.as_str()).collect(),
            series,
        }
    }

    /// The first reference of `runbook` to something that does not exist, at its step's line.
    pub fn check(&self, runbook: &Runbook, source: &RunbookText) -> Result<(), LoadError> {
        for (entry, step) in runbook.steps.iter().enumerate() {
            let at = |key: &str, message: String| {
                LoadError::at_entry_key(
                    &source.file,
                    &source.text,
                    Some("step"),
                    entry,
                    key,
                    message,
                )
            };
            if let Some(problem) = step.check.as_ref().and_then(|c| self.check_problem(c)) {
                return Err(at("check", problem));
            }
            if let Some(StepAction::SilenceRule {
                rule: Some(rule), ..
            }) = &step.action
                && !self.rules.contains(&rule.as_str())
            {
                return Err(at("action", unknown("rule", rule, &self.rules)));
            }
            if let Some(StepAction::TerminateIdleSessions {
                database: Some(database),
                ..
            }) = &step.action
                && !self.databases.contains(&database.as_str())
            {
                return Err(at("action", unknown("database", database, &self.databases)));
            }
        }
        Ok(())
    }

    fn check_problem(&self, check: &Check) -> Option<String> {
        match check {
            Check::Expr(condition) => self.series.unknown(&condition.series),
            Check::NoAlerts(rules) => rules
                .iter()
                .find(|rule| !self.rules.contains(&rule.as_str()))
                .map(|rule| unknown("rule", rule, &self.rules)),
            // A glob may match nothing yet (no endpoint configured); a plain name must exist.
            Check::Up { kind, name } if !is_glob(name) => {
                let names = match kind {
                    Subject::Endpoint => &self.endpoints,
                    Subject::Database => &self.databases,
                    Subject::Container => return None,
                };
                (!names.contains(&name.as_str())).then(|| unknown(kind.label(), name, names))
            }
            Check::Up { .. } | Check::Logs { .. } | Check::Command { .. } => None,
        }
    }
}

fn is_glob(name: &str) -> bool {
    name.contains(['*', '?'])
}

fn unknown(what: &str, name: &str, known: &[&str]) -> String {
    if known.is_empty() {
        format!("no {what} {name:?}: none is configured")
    } else {
        format!("no {what} {name:?}: expected one of {}", known.join(", "))
    }
}

/// Parses the shipped and the user's runbook files, a user file replacing the shipped runbook
/// of its name, and checks every reference of the runbooks in force.
pub fn load_runbooks(
    shipped: &[RunbookText],
    user: &[RunbookText],
    known: &Known<'_>,
) -> Result<Runbooks, LoadError> {
    let mut list: Vec<(Runbook, &RunbookText)> = Vec::new();
    for source in shipped.iter().chain(user) {
        let runbook = parse_runbook(&source.file, &source.text, source.origin.clone())?;
        match list.iter_mut().find(|(r, _)| r.name == runbook.name) {
            Some(slot) if slot.0.origin == Origin::Shipped && runbook.origin != Origin::Shipped => {
                *slot = (runbook, source);
            }
            Some((_, first)) => {
                return Err(LoadError::at_key(
                    &source.file,
                    &source.text,
                    None,
                    "name",
                    format!(
                        "runbook {:?} is already defined in {}",
                        runbook.name, first.file
                    ),
                ));
            }
            None => list.push((runbook, source)),
        }
    }
    for (runbook, source) in &list {
        known.check(runbook, source)?;
    }
    Ok(Runbooks {
        list: list.into_iter().map(|(r, _)| r).collect(),
    })
}

/// Every rule's `runbook` names a procedure of `runbooks`, else an error at the rule's line:
/// the shipped rules' in `assets/rules.default.toml`, the user's in the config file.
pub fn check_rule_runbooks(
    runbooks: &Runbooks,
    shipped_rules: (&str, &str, &[RuleConfig]),
    config_rules: (&str, &str, &[RuleConfig]),
) -> Result<(), LoadError> {
    for (file, text, rules) in [shipped_rules, config_rules] {
        for (entry, rule) in rules.iter().enumerate() {
            let Some(name) = &rule.runbook else { continue };
            if runbooks.procedure(name).is_none() {
                let procedures: Vec<&str> = runbooks
                    .iter()
                    .filter(|r| r.kind == Kind::Procedure)
                    .map(|r| r.name.as_str())
                    .collect();
                let mut message = unknown("procedure", name, &procedures);
                if runbooks.get(name).is_some() {
                    message = format!("{name:?} is a checklist, not a procedure");
                }
                return Err(LoadError::at_entry_key(
                    file,
                    text,
                    Some("rule"),
                    entry,
                    "runbook",
                    message,
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn text(file: &str, text: &str, origin: Origin) -> RunbookText {
        RunbookText {
            file: file.into(),
            text: text.into(),
            origin,
        }
    }

    fn series() -> SeriesCatalogue {
        let mut series = SeriesCatalogue::default();
        series.register("db_up");
        series
    }

    const CONFIG: &str = "[[database]]\nname = \"main\"\nkind = \"postgres\"\nurl = \"postgres://u@127.0.0.1/db\"\n\n[[rule]]\nname = \"MainDown\"\nexpr = \"db_up == 0\"\nseverity = \"P1\"\nrunbook = \"main-down\"\n";

    fn procedure(name: &str, step: &str) -> String {
        format!(
            "name = \"{name}\"\ntitle = \"T\"\nkind = \"procedure\"\n\n[[step]]\ntitle = \"s\"\n{step}"
        )
    }

    #[test]
    fn a_user_file_replaces_the_shipped_runbook_of_its_name_and_adds_others() {
        let config = Config::parse("c.toml", CONFIG).unwrap_or_else(|e| panic!("{e}"));
        let series = series();
        let known = Known::of(&config, &[], &series);
        let shipped = [
            text("s/a.toml", &procedure("a", ""), Origin::Shipped),
            text("s/b.toml", &procedure("b", ""), Origin::Shipped),
        ];
        let user = [
            text(
                "u/b.toml",
                &procedure("b", "check = { database = \"main\" }\n"),
                Origin::User("u/b.toml".into()),
            ),
            text(
                "u/main-down.toml",
                &procedure("main-down", ""),
                Origin::User("u/main-down.toml".into()),
            ),
        ];
        let runbooks = load_runbooks(&shipped, &user, &known).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = runbooks.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "main-down"]);
        assert!(
            runbooks
                .get("b")
                .is_some_and(|r| r.steps[0].check.is_some())
        );
        assert_eq!(
            runbooks
                .procedure("https://wiki/runbooks/main-down.md")
                .map(|r| r.name.as_str()),
            Some("main-down")
        );
        let twice = [
            user[1].clone(),
            text(
                "u/again.toml",
                &procedure("main-down", ""),
                Origin::User("u/again.toml".into()),
            ),
        ];
        let error = load_runbooks(&shipped, &twice, &known)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.starts_with("u/again.toml:1:1: key `name`: runbook \"main-down\" is already defined in u/main-down.toml"), "{error}");
        let rules = config.rule.clone();
        assert_eq!(
            check_rule_runbooks(&runbooks, ("r", "", &[]), ("c.toml", CONFIG, &rules)),
            Ok(())
        );
    }

    #[test]
    fn references_to_what_does_not_exist_are_errors_at_the_step() {
        let config = Config::parse("c.toml", CONFIG).unwrap_or_else(|e| panic!("{e}"));
        let series = series();
        let known = Known::of(&config, &[], &series);
        let cases = [
            (
                "check = { no_alerts = [\"MainDown\", \"Nope\"] }\n",
                "no rule \"Nope\": expected one of MainDown",
            ),
            (
                "check = { database = \"other\" }\n",
                "no database \"other\": expected one of main",
            ),
            (
                "check = { endpoint = \"api\" }\n",
                "no endpoint \"api\": none is configured",
            ),
            (
                "check = { expr = \"nothing_here > 1\" }\n",
                "unknown series `nothing_here`",
            ),
            (
                "action = { silence = { rule = \"Nope\", for = \"1h\" } }\n",
                "no rule \"Nope\"",
            ),
            (
                "action = { terminate_idle = { database = \"other\", minutes = 5 } }\n",
                "no database \"other\"",
            ),
        ];
        for (step, message) in cases {
            let user = [text(
                "u/x.toml",
                &procedure("x", step),
                Origin::User("u/x.toml".into()),
            )];
            let error = load_runbooks(&[], &user, &known)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(error.starts_with("u/x.toml:7:1: key `step."), "{error}");
            assert!(error.contains(message), "{error}");
        }
        let fine = [text(
            "u/x.toml",
            &procedure("x", "check = { endpoint = \"api-*\" }\n"),
            Origin::User("u/x.toml".into()),
        )];
        assert!(
            load_runbooks(&[], &fine, &known).is_ok(),
            "a glob may match nothing yet"
        );
    }

    #[test]
    fn a_rule_naming_no_procedure_is_an_error_at_the_rule() {
        let config = Config::parse("c.toml", CONFIG).unwrap_or_else(|e| panic!("{e}"));
        let series = series();
        let known = Known::of(&config, &[], &series);
        let checklist = "name = \"main-down\"\ntitle = \"T\"\nkind = \"checklist\"\ncadence = \"daily\"\n[[step]]\ntitle = \"s\"\n";
        for (runbook, message) in [
            (
                procedure("other", ""),
                "no procedure \"main-down\": expected one of other",
            ),
            (
                checklist.to_string(),
                "\"main-down\" is a checklist, not a procedure",
            ),
        ] {
            let runbooks = load_runbooks(&[text("s.toml", &runbook, Origin::Shipped)], &[], &known)
                .unwrap_or_else(|e| panic!("{e}"));
            let error =
                check_rule_runbooks(&runbooks, ("r", "", &[]), ("c.toml", CONFIG, &config.rule))
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
            assert!(
                error.starts_with(&format!(
                    "c.toml:10:1: key `rule.runbook`: {message} (in [[rule]] \"MainDown\")"
                )),
                "{error}"
            );
        }
    }
}
