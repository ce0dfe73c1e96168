//! Secrets in text that is about to be shown or logged: a password in a URL (a DSN, a Docker host,
//! an Alertmanager address) never leaves the process.

use std::borrow::Cow;

/// Hides the password of every `scheme://user:password@host` in `text`, keeping the user and the
/// host, which an operator needs to tell what failed.
pub fn redact_secrets(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut rest = text;
    let mut changed = false;
    while let Some(scheme_end) = rest.find("://") {
        let authority_start = scheme_end + 3;
        let authority_len = rest[authority_start..]
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"')
            .unwrap_or(rest.len() - authority_start);
        let authority = &rest[authority_start..authority_start + authority_len];
        let password = authority.rfind('@').and_then(|at| {
            let colon = authority[..at].find(':')?;
            Some((colon + 1, at))
        });
        match password {
            Some((from, to)) if from < to => {
                out.push_str(&rest[..authority_start + from]);
                out.push_str("***");
                out.push_str(&rest[authority_start + to..authority_start + authority_len]);
                changed = true;
            }
            _ => out.push_str(&rest[..authority_start + authority_len]),
        }
        rest = &rest[authority_start + authority_len..];
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_hidden_and_the_rest_kept() {
        assert_eq!(
            redact_secrets("cannot reach tcp://ops:s3cr3t@db-1:5432/app?x=1 (refused)"),
            "cannot reach tcp://ops:***@db-1:5432/app?x=1 (refused)"
        );
        assert_eq!(
            redact_secrets("a postgres://u:p@h/d and redis://:tok@r:6379 \"http://x:y@z\""),
            "a postgres://u:***@h/d and redis://:***@r:6379 \"http://x:***@z\""
        );
        let plain = "unix:///var/run/docker.sock and http://user@host/ and mailto:a@b";
        assert!(matches!(redact_secrets(plain), Cow::Borrowed(_)));
        assert_eq!(redact_secrets("ends with scheme://"), "ends with scheme://");
    }
}
