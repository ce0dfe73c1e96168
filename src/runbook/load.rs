//! Reading the user's runbooks from the config dir's `runbooks/`, and loading every runbook with
//! the config it is checked against, before the terminal is touched.

use std::path::Path;

use super::catalogue::{Known, RunbookText, Runbooks, check_rule_runbooks, load_runbooks};
use super::model::Origin;
use crate::alerts::series::SeriesCatalogue;
use crate::config::{DEFAULT_CONFIG, DEFAULT_RULES, LoadError, Loaded, Paths, default_rules};

/// The `*.toml` files of `dir`, by file name; none when the directory does not exist.
pub fn read_user_runbooks(dir: &Path) -> Result<Vec<RunbookText>, LoadError> {
    let shown = dir.display().to_string();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(LoadError::file(&shown, format!("cannot read: {error}"))),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| LoadError::file(&shown, format!("cannot read: {e}")))?
            .path();
        if path.extension().is_some_and(|e| e == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let file = path.display().to_string();
            let text = std::fs::read_to_string(&path)
                .map_err(|e| LoadError::file(&file, format!("cannot read: {e}")))?;
            Ok(RunbookText {
                origin: Origin::User(file.clone()),
                file,
                text,
            })
        })
        .collect()
}

/// The shipped runbooks and the user's, checked against `loaded`'s config, and every rule's
/// `runbook` checked against them (the user's rules at their line of the config file).
pub fn load(
    paths: &Paths,
    loaded: &Loaded,
    published: &SeriesCatalogue,
) -> Result<Runbooks, LoadError> {
    let user = read_user_runbooks(&paths.user_runbooks())?;
    let shipped_rules = default_rules()?;
    let known = Known::of(&loaded.config, &shipped_rules, published);
    let runbooks = load_runbooks(&RunbookText::shipped(), &user, &known)?;
    let config_text = if Path::new(&loaded.config_source).is_file() {
        std::fs::read_to_string(&loaded.config_source)
            .map_err(|e| LoadError::file(&loaded.config_source, format!("cannot read: {e}")))?
    } else {
        DEFAULT_CONFIG.to_string()
    };
    check_rule_runbooks(
        &runbooks,
        (
            "assets/rules.default.toml (embedded)",
            DEFAULT_RULES,
            &shipped_rules,
        ),
        (&loaded.config_source, &config_text, &loaded.config.rule),
    )?;
    Ok(runbooks)
}
