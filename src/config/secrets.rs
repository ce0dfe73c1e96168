//! The credentials a config names, read once when it is loaded: a missing variable or an unusable
//! password file is a config error at the key that names it, not an outage at the first poll.

use super::{Config, EndpointConfig, LoadError};
use crate::secret::{self, Env};

/// Reads every `*_env` and checks every `*_file` of `config`, through `env`.
pub(super) fn resolve(
    config: &mut Config,
    file: &str,
    text: &str,
    env: Env<'_>,
) -> Result<(), LoadError> {
    let at = |section: &str, entry: usize, (key, message): (&str, String)| {
        LoadError::at_entry_key(file, text, Some(section), entry, key, message)
    };
    for (entry, database) in config.database.iter_mut().enumerate() {
        database
            .resolve(env)
            .map_err(|e| at("database", entry, e))?;
    }
    for (entry, alertmanager) in config.alertmanager.iter_mut().enumerate() {
        alertmanager
            .resolve(env)
            .map_err(|e| at("alertmanager", entry, e))?;
    }
    for (entry, prometheus) in config.prometheus.iter_mut().enumerate() {
        prometheus
            .resolve(env)
            .map_err(|e| at("prometheus", entry, e))?;
    }
    for (entry, endpoint) in config.endpoint.iter_mut().enumerate() {
        endpoint
            .resolve(env)
            .map_err(|e| at("endpoint", entry, e))?;
    }
    Ok(())
}

impl EndpointConfig {
    /// Reads the headers whose value is `env:NAME`; a credential written inline is refused,
    /// as a password in a URL is.
    fn resolve(&mut self, env: Env<'_>) -> Result<(), (&'static str, String)> {
        for (name, value) in &self.headers {
            match value.strip_prefix("env:") {
                Some(var) => {
                    let value = secret::from_env(var, env)
                        .map_err(|e| ("headers", format!("header {name}: {e}")))?;
                    self.header_secrets.insert(name.clone(), value);
                }
                None if secret::is_credential_header(name) => {
                    return Err((
                        "headers",
                        format!(
                            "header {name}: a credential is written in the config: give \
                             \"env:NAME\", the environment variable holding it"
                        ),
                    ));
                }
                None => {}
            }
        }
        Ok(())
    }

    /// The value a request sends for the header `name` written as `value`: its variable's, read
    /// at load, for `env:NAME`.
    pub fn header_value<'a>(&'a self, name: &str, value: &'a str) -> Result<&'a str, String> {
        match value.strip_prefix("env:") {
            Some(var) => self
                .header_secrets
                .get(name)
                .map(secret::Secret::expose)
                .ok_or_else(|| format!("header {name}: ${var} was not read with the config")),
            None => Ok(value),
        }
    }
}
