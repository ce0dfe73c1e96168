//! The `docker` CLI for fixture containers, independently of the code under test.

use std::process::{Command, Stdio};

/// The busybox image the test services import into every engine.
pub const IMAGE: &str = "local/busybox:test";

/// Runs `docker ARGS` against `host`; its standard output, trimmed. A failure fails the test.
pub fn docker(host: &str, args: &[&str]) -> String {
    let output = Command::new("docker")
        .args(args)
        .env("DOCKER_HOST", host)
        .stdin(Stdio::null())
        .output()
        .expect("run the docker CLI");
    assert!(
        output.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Removes the container when the test ends, passed or failed.
pub struct Removed<'a> {
    pub host: &'a str,
    pub name: String,
}

impl Drop for Removed<'_> {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rm", "-f", &self.name])
            .env("DOCKER_HOST", self.host)
            .stdin(Stdio::null())
            .output();
    }
}
