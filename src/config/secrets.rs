//! The credentials a config names, read once when it is loaded: a missing variable or an unusable
//! password file is a config error at the key that names it, not an outage at the first poll.

use std::path::Path;

use super::{Config, EndpointConfig, LoadError};
use crate::http::Auth;
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

/// The HTTP credentials an `[[alertmanager]]` or a `[[prometheus]]` names, checked already to be
/// basic auth (a user and a password's variable or file) or a bearer token's variable, or none.
pub(super) struct HttpCredentials<'a> {
    pub user: Option<&'a str>,
    pub password_env: Option<&'a str>,
    pub password_file: Option<&'a Path>,
    pub token_env: Option<&'a str>,
}

impl HttpCredentials<'_> {
    /// Reads them: the key at fault and why, naming the variable or the file, never a value.
    pub fn read(&self, env: Env<'_>) -> Result<Option<Auth>, (&'static str, String)> {
        let password = match (self.password_env, self.password_file) {
            (Some(var), _) => Some(secret::from_env(var, env).map_err(|e| ("password_env", e))?),
            (None, Some(path)) => Some(secret::from_file(path).map_err(|e| ("password_file", e))?),
            (None, None) => None,
        };
        Ok(match (self.user, password, self.token_env) {
            (Some(user), Some(password), _) => Some(Auth::Basic {
                user: user.to_string(),
                password: password.expose().to_string(),
            }),
            (_, _, Some(token)) => Some(Auth::Bearer(
                secret::from_env(token, env)
                    .map_err(|e| ("token_env", e))?
                    .expose()
                    .to_string(),
            )),
            _ => None,
        })
    }
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
