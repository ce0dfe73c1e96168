//! A `[[docker]]` engine (the Containers tab), and which engines to watch when none is configured.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Config;
use crate::secret::Env;

/// A Docker engine (the Containers tab).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerConfig {
    pub name: String,
    /// `unix:///path`, `tcp://host:port` (plain HTTP, or TLS with the three `tls_*` files) or
    /// `ssh://user@host[:port]` (through the system's ssh client).
    pub host: String,
    /// The CA the engine's certificate is checked against (the docker CLI's `--tlscacert`).
    #[serde(default)]
    pub tls_ca: Option<PathBuf>,
    /// The client certificate the engine asks for (`--tlscert`).
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    /// Its private key (`--tlskey`), readable by its owner only.
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
    /// Container names that ask the operator to type the name before any action; a trailing
    /// `*` matches a prefix. The `watchdeck.protected=true` label does the same.
    #[serde(default)]
    pub protected: Vec<String>,
}

/// The files a TLS engine is reached with: all three, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerTls {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl DockerTls {
    /// `ca.pem`, `cert.pem` and `key.pem` in `dir`, as the docker CLI reads `DOCKER_CERT_PATH`.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }

    /// The first file that cannot be used, as (key, message): unreadable, without a
    /// certificate or a private key, or a key others can read.
    fn problem(&self) -> Option<(&'static str, String)> {
        if let Err(error) = crate::tls::read_certificates(&self.ca) {
            return Some(("tls_ca", error));
        }
        if let Err(error) = crate::tls::read_certificates(&self.cert) {
            return Some(("tls_cert", error));
        }
        crate::tls::check_private_key(&self.key)
            .err()
            .map(|error| ("tls_key", error))
    }
}

impl DockerConfig {
    /// The TLS files of this engine, when all three are given.
    pub fn tls(&self) -> Option<DockerTls> {
        Some(DockerTls {
            ca: self.tls_ca.clone()?,
            cert: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
        })
    }

    pub fn protects(&self, container: &str) -> bool {
        self.protected
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => container.starts_with(prefix),
                None => container == pattern,
            })
    }

    /// The first thing wrong with this engine's address, as (key, message).
    pub(super) fn problem(&self) -> Option<(&'static str, String)> {
        if crate::secret::has_inline_credential(&self.host) {
            return Some((
                "host",
                format!(
                    "a credential is written in the host ({}): a Docker engine takes none \
                     in its address",
                    crate::redact::redact_secrets(&self.host)
                ),
            ));
        }
        if !["unix://", "tcp://", "http://", "ssh://"]
            .iter()
            .any(|s| self.host.starts_with(s))
        {
            return Some((
                "host",
                format!(
                    "{:?} is not a Docker address: expected unix://, tcp:// or ssh://",
                    self.host
                ),
            ));
        }
        let given = [
            ("tls_ca", &self.tls_ca),
            ("tls_cert", &self.tls_cert),
            ("tls_key", &self.tls_key),
        ];
        if let Some((key, _)) = given.iter().find(|(_, file)| file.is_some()) {
            if !self.host.starts_with("tcp://") {
                return Some((
                    key,
                    "only read for a tcp:// host: an engine over TLS listens on TCP".into(),
                ));
            }
            if let Some((missing, _)) = given.iter().find(|(_, file)| file.is_none()) {
                return Some((
                    missing,
                    "is missing: a TLS engine needs tls_ca, tls_cert and tls_key together".into(),
                ));
            }
        }
        self.tls().and_then(|tls| tls.problem())
    }
}

impl Config {
    /// The Docker engines to watch: the configured ones, else the local engine when
    /// `containers.local` is on and there is one (`DOCKER_HOST` set, or `local_socket` exists).
    /// That engine is reached as the docker CLI would: with `DOCKER_TLS_VERIFY` set, over TLS
    /// with the files of `DOCKER_CERT_PATH` (else `~/.docker`).
    pub fn docker_engines(&self, env: Env<'_>, local_socket: &Path) -> Vec<DockerConfig> {
        if !self.docker.is_empty() || !self.containers.local {
            return self.docker.clone();
        }
        let set = |name: &str| env(name).filter(|value| !value.is_empty());
        let host = match set("DOCKER_HOST") {
            Some(host) => host,
            None if local_socket.exists() => format!("unix://{}", local_socket.display()),
            None => return Vec::new(),
        };
        let cert_path = set("DOCKER_CERT_PATH")
            .map(PathBuf::from)
            .or_else(|| set("HOME").map(|home| Path::new(&home).join(".docker")));
        let tls = set("DOCKER_TLS_VERIFY")
            .and(cert_path)
            .filter(|_| host.starts_with("tcp://"))
            .map(|dir| DockerTls::in_dir(&dir));
        vec![DockerConfig {
            name: "local".into(),
            host,
            tls_ca: tls.as_ref().map(|t| t.ca.clone()),
            tls_cert: tls.as_ref().map(|t| t.cert.clone()),
            tls_key: tls.map(|t| t.key),
            protected: Vec::new(),
        }]
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::DockerTls;
    use crate::config::Config;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(var, _)| *var == name)
                .map(|(_, value)| value.to_string())
        }
    }

    #[test]
    fn the_local_engine_is_used_only_when_there_is_one() {
        let config = Config::default();
        let missing = std::path::Path::new("/nonexistent/docker.sock");
        assert!(config.docker_engines(&env(&[]), missing).is_empty());
        let docker_host = [("DOCKER_HOST", "unix:///tmp/d.sock")];
        let from_env = config.docker_engines(&env(&docker_host), missing);
        assert_eq!(
            from_env
                .iter()
                .map(|d| (d.name.as_str(), d.host.as_str(), d.tls()))
                .collect::<Vec<_>>(),
            [("local", "unix:///tmp/d.sock", None)]
        );
        let configured = Config::parse("c.toml", "[[docker]]\nname = \"prod\"\nhost = \"tcp://10.0.0.1:2375\"\nprotected = [\"db\", \"pay-*\"]\n").unwrap();
        let engines = configured.docker_engines(&env(&docker_host), missing);
        assert_eq!(engines.len(), 1);
        assert!(
            engines[0].protects("db")
                && engines[0].protects("pay-api")
                && !engines[0].protects("web")
        );
        let off = Config::parse("c.toml", "[containers]\nlocal = false\n").unwrap();
        assert!(off.docker_engines(&env(&docker_host), missing).is_empty());
    }

    #[test]
    fn the_local_engine_takes_tls_from_the_environment_as_the_docker_cli_does() {
        let config = Config::default();
        let missing = std::path::Path::new("/nonexistent/docker.sock");
        let tls_of = |vars: &[(&str, &str)]| {
            config
                .docker_engines(&env(vars), missing)
                .first()
                .and_then(|engine| engine.tls())
        };
        let tcp = ("DOCKER_HOST", "tcp://10.0.0.1:2376");
        let verify = ("DOCKER_TLS_VERIFY", "1");
        assert_eq!(
            tls_of(&[tcp, verify, ("DOCKER_CERT_PATH", "/certs")]),
            Some(DockerTls::in_dir(std::path::Path::new("/certs")))
        );
        assert_eq!(
            tls_of(&[tcp, verify, ("HOME", "/home/ops")]),
            Some(DockerTls::in_dir(std::path::Path::new("/home/ops/.docker")))
        );
        assert_eq!(tls_of(&[tcp, ("DOCKER_CERT_PATH", "/certs")]), None);
        assert_eq!(
            tls_of(&[tcp, ("DOCKER_TLS_VERIFY", ""), ("HOME", "/h")]),
            None
        );
        assert_eq!(
            tls_of(&[("DOCKER_HOST", "ssh://ops@db1"), verify, ("HOME", "/h")]),
            None
        );
    }

    #[test]
    fn tls_files_are_checked_at_load_with_the_line_that_names_them() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let certs = dir.path().display();
        let ca = "-----BEGIN CERTIFICATE-----\nMIIBsTCCAVegAwIB\n-----END CERTIFICATE-----\n";
        for file in ["ca.pem", "cert.pem"] {
            std::fs::write(dir.path().join(file), ca).unwrap_or_else(|e| panic!("{e}"));
        }
        let key = dir.path().join("key.pem");
        std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIMmHNMvnmXRaMbrwwEm+eT5Xu4vNOwdsm9Ok7bpHfOfw\n-----END PRIVATE KEY-----\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))
            .unwrap_or_else(|e| panic!("{e}"));
        let entry = |host: &str, files: &str| {
            format!("[[docker]]\nname = \"prod\"\nhost = \"{host}\"\n{files}")
        };
        let all = format!(
            "tls_ca = \"{certs}/ca.pem\"\ntls_cert = \"{certs}/cert.pem\"\ntls_key = \"{certs}/key.pem\"\n"
        );
        let parsed = Config::parse("c.toml", &entry("tcp://prod:2376", &all));
        assert_eq!(
            parsed.map(|c| c.docker[0].tls()),
            Ok(Some(DockerTls::in_dir(dir.path())))
        );
        let error_of = |text: String| {
            Config::parse("c.toml", &text)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let missing_ca = all.replace("ca.pem", "none.pem");
        let error = error_of(entry("tcp://prod:2376", &missing_ca));
        assert!(
            error.starts_with(&format!(
                "c.toml:4:1: key `docker.tls_ca`: {certs}/none.pem: "
            )) && error.contains("No such file or directory"),
            "{error}"
        );
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        let error = error_of(entry("tcp://prod:2376", &all));
        assert!(
            error.starts_with("c.toml:6:1: key `docker.tls_key`: ")
                && error.contains("can be read by others (mode 644)"),
            "{error}"
        );
        let two = format!("tls_ca = \"{certs}/ca.pem\"\ntls_cert = \"{certs}/cert.pem\"\n");
        let error = error_of(entry("tcp://prod:2376", &two));
        assert!(
            error.starts_with("c.toml:1:1: key `docker.tls_key`: is missing: a TLS engine needs"),
            "{error}"
        );
        let error = error_of(entry("ssh://ops@prod", &all));
        assert!(
            error.starts_with("c.toml:4:1: key `docker.tls_ca`: only read for a tcp:// host"),
            "{error}"
        );
    }
}
