//! A `[[docker]]` engine (the Containers tab), and which engines to watch when none is configured.

use serde::Deserialize;

use super::Config;

/// A Docker engine (the Containers tab).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerConfig {
    pub name: String,
    /// `unix:///path` or `tcp://host:port` (plain HTTP); see the README for SSH and TLS engines.
    pub host: String,
    /// Container names that ask the operator to type the name before any action; a trailing
    /// `*` matches a prefix. The `watchdeck.protected=true` label does the same.
    #[serde(default)]
    pub protected: Vec<String>,
}

impl DockerConfig {
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
        if let Some(scheme) = ["ssh://", "https://"]
            .into_iter()
            .find(|s| self.host.starts_with(s))
        {
            return Some((
                "host",
                format!(
                    "{scheme} is not supported by this build (no SSH or TLS transport): forward \
                     the remote socket, e.g. `ssh -nNT -L /tmp/remote-docker.sock:/var/run/docker.sock \
                     user@host`, then use host = \"unix:///tmp/remote-docker.sock\""
                ),
            ));
        }
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
        if !["unix://", "tcp://", "http://"]
            .iter()
            .any(|s| self.host.starts_with(s))
        {
            return Some((
                "host",
                format!(
                    "{:?} is not a Docker address: expected unix:// or tcp://",
                    self.host
                ),
            ));
        }
        None
    }
}

impl Config {
    /// The Docker engines to watch: the configured ones, else the local engine when
    /// `containers.local` is on and there is one (`DOCKER_HOST` set, or `local_socket` exists).
    pub fn docker_engines(
        &self,
        docker_host_env: Option<&str>,
        local_socket: &std::path::Path,
    ) -> Vec<DockerConfig> {
        if !self.docker.is_empty() || !self.containers.local {
            return self.docker.clone();
        }
        let host = match docker_host_env.filter(|h| !h.is_empty()) {
            Some(host) => host.to_string(),
            None if local_socket.exists() => format!("unix://{}", local_socket.display()),
            None => return Vec::new(),
        };
        vec![DockerConfig {
            name: "local".into(),
            host,
            protected: Vec::new(),
        }]
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn the_local_engine_is_used_only_when_there_is_one() {
        let config = Config::default();
        let missing = std::path::Path::new("/nonexistent/docker.sock");
        assert!(config.docker_engines(None, missing).is_empty());
        let from_env = config.docker_engines(Some("unix:///tmp/d.sock"), missing);
        assert_eq!(
            from_env
                .iter()
                .map(|d| (d.name.as_str(), d.host.as_str()))
                .collect::<Vec<_>>(),
            [("local", "unix:///tmp/d.sock")]
        );
        let configured = Config::parse("c.toml", "[[docker]]\nname = \"prod\"\nhost = \"tcp://10.0.0.1:2375\"\nprotected = [\"db\", \"pay-*\"]\n").unwrap();
        let engines = configured.docker_engines(Some("unix:///tmp/d.sock"), missing);
        assert_eq!(engines.len(), 1);
        assert!(
            engines[0].protects("db")
                && engines[0].protects("pay-api")
                && !engines[0].protects("web")
        );
        let off = Config::parse("c.toml", "[containers]\nlocal = false\n").unwrap();
        assert!(
            off.docker_engines(Some("unix:///tmp/d.sock"), missing)
                .is_empty()
        );
    }
}
