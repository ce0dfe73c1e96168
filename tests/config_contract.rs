//! Contracts of the shipped data files: every theme and keymap parses and is complete, and every
//! action a user can take has a default key.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use strum::IntoEnumIterator;
use watchdeck::action::Action;
use watchdeck::config::keymap::{Context, SHIPPED as KEYMAPS};
use watchdeck::config::theme::{SHIPPED as THEMES, parse};
use watchdeck::config::{Config, DEFAULT_CONFIG, Keymap, Theme};

#[test]
fn every_action_has_a_default_binding() {
    let keymap = Keymap::load("default", None).expect("default keymap");
    let unbound: Vec<&str> = Action::iter()
        .filter(|action| Context::iter().all(|context| keymap.keys(context, *action).is_empty()))
        .map(Action::name)
        .collect();
    assert!(
        unbound.is_empty(),
        "actions without a default key: {unbound:?}"
    );
}

#[test]
fn every_shipped_keymap_binds_what_default_binds() {
    let default = Keymap::load("default", None).expect("default keymap");
    for (name, _) in KEYMAPS {
        let keymap = Keymap::load(name, None).unwrap_or_else(|e| panic!("{e}"));
        for context in Context::iter() {
            for binding in default.bindings(context) {
                assert!(
                    !keymap.keys(context, binding.action).is_empty(),
                    "keymap {name} leaves [{}] {} unbound",
                    context.name(),
                    binding.action.name()
                );
            }
        }
    }
}

#[test]
fn every_footer_priority_of_a_shipped_keymap_has_a_key_and_a_hint() {
    for (name, _) in KEYMAPS {
        let keymap = Keymap::load(name, None).unwrap_or_else(|e| panic!("{e}"));
        for context in Context::iter() {
            for action in keymap.footer(context) {
                let bound = !keymap.keys(context, *action).is_empty()
                    || context != Context::Dialog
                        && !keymap.keys(Context::Global, *action).is_empty();
                assert!(
                    bound && action.hint().is_some(),
                    "keymap {name}: [{}] footer names {}, which has no key or no hint there",
                    context.name(),
                    action.name()
                );
            }
        }
    }
}

#[test]
fn every_shipped_theme_is_complete() {
    for (name, text) in THEMES {
        let file = parse(name, text).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            file.missing_fields().is_empty(),
            "theme {name} misses {:?}",
            file.missing_fields()
        );
        Theme::load(name, None).unwrap_or_else(|e| panic!("{e}"));
    }
    let names: Vec<&str> = THEMES.iter().map(|(n, _)| *n).collect();
    for required in ["default", "light", "high-contrast", "mono"] {
        assert!(names.contains(&required), "{required} theme is shipped");
    }
}

#[test]
fn embedded_config_is_the_default_and_its_examples_parse() {
    assert_eq!(
        Config::parse("default", DEFAULT_CONFIG).expect("embedded config"),
        Config::default()
    );
    // The commented examples at the end must be valid config when uncommented.
    let examples: String = DEFAULT_CONFIG
        .lines()
        .skip_while(|l| !l.starts_with("# [[docker]]"))
        .map(|l| {
            l.trim_start_matches("# ")
                .split(" # ")
                .next()
                .unwrap_or_default()
                .trim_end()
                .to_string()
                + "\n"
        })
        .collect();
    // The examples read their secrets from the environment, at load.
    let env = |name: &str| match name {
        "WATCHDECK_SLACK_URL" => Some("https://hooks.slack.com/services/T0/B0/x".into()),
        "WATCHDECK_DB_PASSWORD" | "ALERTMANAGER_TOKEN" | "API_TOKEN" | "PROMETHEUS_TOKEN" => {
            Some("s3cr3t".into())
        }
        _ => None,
    };
    let config = Config::parse_with_env("examples", &examples, &env)
        .unwrap_or_else(|e| panic!("{e}\n{examples}"));
    assert_eq!(
        (
            config.docker.len(),
            config.endpoint.len(),
            config.database.len(),
            config.rule.len(),
            config.notify.len()
        ),
        (1, 1, 1, 2, 1)
    );
    // The RabbitMQ and Kafka series a Prometheus imports, and a rule over one of them.
    let imports: Vec<&str> = config.prometheus[0]
        .import
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(
        imports,
        [
            "rabbitmq_queue_ready",
            "rabbitmq_queue_unacked",
            "kafka_consumer_lag",
            "kafka_topic_messages_per_second"
        ]
    );
    config
        .check_series("examples", &examples, &watchdeck::tabs::published_series())
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn themes_and_keymaps_are_embedded_from_the_repository_files() {
    for (name, text) in KEYMAPS {
        let on_disk = std::fs::read_to_string(format!("keymaps/{name}.toml")).expect("keymap file");
        assert_eq!(*text, on_disk);
    }
    for (name, text) in THEMES {
        let on_disk = std::fs::read_to_string(format!("themes/{name}.toml")).expect("theme file");
        assert_eq!(*text, on_disk);
    }
    let listed = std::fs::read_dir("themes").expect("themes dir").count();
    assert_eq!(listed, THEMES.len(), "every file in themes/ is shipped");
}

/// Rules may name the series their publishers registered, and only those: one registered at
/// load (as a Prometheus import's will be) is accepted without the engine listing it, and one
/// nobody registered is blamed on its rule's line.
#[test]
fn rules_name_the_series_registered_by_their_publishers() {
    let text = "[[rule]]\nname = \"busy\"\nexpr = 'system_cpu_percent > 90'\nseverity = \"P3\"\n\
                [[rule]]\nname = \"loaded\"\nexpr = 'node_load1 > 8'\nseverity = \"P3\"\n";
    let config = Config::parse("c.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let mut published = watchdeck::tabs::published_series();
    let error = config
        .check_series("c.toml", text, &published)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.starts_with("c.toml:7:1: key `rule.expr`: unknown series `node_load1`: expected one of system_cpu_percent, "),
        "{error}"
    );
    published.register("node_load1");
    assert!(config.check_series("c.toml", text, &published).is_ok());
    // A Prometheus import publishes its series, but not over one the console records.
    let text = "[[prometheus]]\nname = \"fleet\"\nurl = \"http://prom:9090\"\n\
                [[prometheus.import]]\nname = \"queue_ready\"\nquery = 'sum(rabbitmq_queue_messages_ready)'\n\
                [[prometheus.import]]\nname = \"system_cpu_percent\"\nquery = 'up'\n";
    let config = Config::parse("c.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let error = config
        .check_series("c.toml", text, &watchdeck::tabs::published_series())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.starts_with(
            "c.toml:8:1: key `prometheus.import.name`: \"system_cpu_percent\" is a series the console records itself"
        ),
        "{error}"
    );
}

/// The shipped rules parse, have unique names, and watch series the console publishes.
#[test]
fn the_shipped_rules_are_the_manuals_table_on_published_series() {
    let rules = watchdeck::config::default_rules().unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "HighCPUUsage",
            "CriticalCPUUsage",
            "HighMemoryUsage",
            "DiskSpaceLow",
            "HostDown",
            "ContainerUnhealthy",
            "ContainerRestartLoop",
            "ContainerExited",
            "SourceDown",
            "DatabaseDown",
            "DatabaseConnectionHigh",
            "DatabaseConnectionCritical",
            "SlowQueryHigh",
            "ReplicationLag",
            "ReplicationLagCritical",
            "RedisMemoryHigh",
            "RedisEvicting",
            "EndpointDown",
            "HighAPILatency",
            "HighAPILatencyCritical",
            "HighErrorRate",
            "ElevatedErrorRate",
            "CertificateExpiring",
            "CertificateExpiringSoon"
        ]
    );
    let published = watchdeck::tabs::published_series();
    for rule in &rules {
        assert!(
            published.contains(&rule.expr.series),
            "{} watches {}, which nothing publishes",
            rule.name,
            rule.expr.series
        );
        assert!(
            rule.summary.is_some() && rule.runbook.is_some(),
            "{}",
            rule.name
        );
    }
    let config = Config::parse("c.toml", "[alerts]\ndisabled = [\"HighCPUUsage\"]\n[[rule]]\nname = \"DiskSpaceLow\"\nexpr = 'system_disk_used_percent > 80'\nseverity = \"P2\"\n[[rule]]\nname = \"mine\"\nexpr = 'system_load_1m > 8'\nseverity = \"P3\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let evaluated: Vec<(String, String)> = config
        .alert_rules()
        .iter()
        .map(|r| (r.name.clone(), r.condition.to_string()))
        .collect();
    assert_eq!(evaluated.len(), 24, "{evaluated:?}");
    assert!(!evaluated.iter().any(|(name, _)| name == "HighCPUUsage"));
    assert!(evaluated.contains(&(
        "DiskSpaceLow".into(),
        "system_disk_used_percent > 80".into()
    )));
    assert_eq!(evaluated.last().map(|(n, _)| n.as_str()), Some("mine"));
}
