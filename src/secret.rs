//! Where credentials come from: the environment (`*_env`) or a file only its owner reads
//! (`*_file`), read when the config is loaded so a missing one is a config error with its file
//! and line, never from the config file itself. A credential is held as a [`Secret`], which
//! prints as `***`; what may be shown of an address is [`crate::redact`]'s.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A credential: its Debug and Display print `***`, so a config or a connection printed for a
/// log or a test never holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The value itself: for the request or the handshake only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The environment as the config loader reads it: the process's, or a table in tests.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Whether `var` can name an environment variable.
pub fn check_var_name(var: &str) -> Result<(), String> {
    if var.is_empty() || var.contains(['=', '\0']) {
        return Err(format!("{var:?} is not a variable name"));
    }
    Ok(())
}

/// The value of the variable `var`; unset or empty is an error that names it.
pub fn from_env(var: &str, env: Env<'_>) -> Result<Secret, String> {
    check_var_name(var)?;
    env(var)
        .filter(|value| !value.is_empty())
        .map(Secret)
        .ok_or_else(|| format!("${var} is not set"))
}

/// Whether only the owner of `path` can read it, as a file holding a secret must be.
pub fn owner_only(path: &Path) -> Result<(), String> {
    let shown = path.display();
    let metadata = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "{shown} can be read by others (mode {mode:o}): run chmod 600 on it"
        ));
    }
    Ok(())
}

/// The first line of `path`, which must be readable by its owner only; errors name the file.
pub fn from_file(path: &Path) -> Result<Secret, String> {
    owner_only(path)?;
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    let value = text.trim_end_matches(['\n', '\r']);
    if value.is_empty() {
        return Err(format!("{shown} is empty"));
    }
    Ok(Secret(value.to_string()))
}

/// Whether a request header called `name` carries a credential: `Authorization`,
/// `Proxy-Authorization`, `Cookie`, `X-Auth-Token`, `X-Api-Key`…
pub fn is_credential_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace('-', "_");
    name.contains("auth") || name.contains("cookie") || crate::redact::is_credential_param(&name)
}

/// Whether `url` carries a credential: a password in its user part or a credential in its query
/// (see [`crate::redact::is_credential_param`]).
pub fn has_inline_credential(url: &str) -> bool {
    crate::redact::redact_secrets(url) != url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints() {
        let secret = Secret::new("s3cr3t".into());
        assert_eq!(format!("{secret:?} {secret}"), "*** ***");
        assert_eq!(secret.expose(), "s3cr3t");
    }

    #[test]
    fn a_variable_must_be_set_and_not_empty() {
        let env = |name: &str| match name {
            "SET" => Some("v".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        assert_eq!(from_env("SET", &env).map(|s| s.0), Ok("v".into()));
        assert_eq!(from_env("EMPTY", &env), Err("$EMPTY is not set".into()));
        assert_eq!(from_env("UNSET", &env), Err("$UNSET is not set".into()));
        assert_eq!(
            from_env("A=B", &env),
            Err("\"A=B\" is not a variable name".into())
        );
    }

    #[test]
    fn credential_headers_are_known_by_name() {
        for name in [
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "X-Auth-Token",
            "X-Api-Key",
            "PRIVATE-TOKEN",
        ] {
            assert!(is_credential_header(name), "{name}");
        }
        for name in ["Accept", "User-Agent", "X-Request-Id", "Host"] {
            assert!(!is_credential_header(name), "{name}");
        }
    }

    #[test]
    fn a_file_must_be_its_owners_alone_and_hold_something() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cr3t\n").unwrap_or_else(|e| panic!("{e}"));
        let chmod = |mode| {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                .unwrap_or_else(|e| panic!("{e}"));
        };
        chmod(0o644);
        let refused = from_file(&path).err().unwrap_or_default();
        assert!(
            refused.ends_with("(mode 644): run chmod 600 on it"),
            "{refused}"
        );
        chmod(0o600);
        assert_eq!(from_file(&path).map(|s| s.0), Ok("s3cr3t".into()));
        std::fs::write(&path, "\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(from_file(&path).is_err_and(|e| e.ends_with("is empty")));
        let missing = from_file(&dir.path().join("none"))
            .err()
            .unwrap_or_default();
        assert!(missing.contains("No such file"), "{missing}");
    }
}
