//! Secrets in text that is about to be shown or logged: a password in a URL (a DSN, a Docker host,
//! an Alertmanager address), in its user part or in its query (`?password=…`), never leaves the
//! process; a URL that is a secret whole (a webhook's) is shown as its host alone.

use std::borrow::Cow;

/// What a masked secret is shown as.
const MASK: &str = "***";

/// Whether a query parameter called `name` carries a credential, whatever its case: a word of it
/// is `pass`, `pwd`, ends in `password`, `token` or `secret` (`sslpassword`, `access_token`), or
/// it names a key (`api_key`). `bypass_cache` and `tokenizer` do not.
pub fn is_credential_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let words: Vec<&str> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    words.iter().any(|word| {
        ["pass", "passwd", "pwd", "apikey", "signature", "credential"].contains(word)
            || ["password", "token", "secret"]
                .iter()
                .any(|end| word.ends_with(end))
    }) || words
        .windows(2)
        .any(|pair| matches!(pair, ["api" | "access" | "secret", "key"]))
}

/// Hides the password of every `scheme://user:password@host` in `text`, keeping the user and the
/// host, which an operator needs to tell what failed, and the value of every credential in a
/// URL's query (`?password=***`).
pub fn redact_secrets(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut rest = text;
    let mut changed = false;
    while let Some(scheme_end) = rest.find("://") {
        let start = scheme_end + 3;
        let len = rest[start..]
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(rest.len() - start);
        let after_scheme = &rest[start..start + len];
        out.push_str(&rest[..start]);
        match mask_after_scheme(after_scheme) {
            Cow::Owned(masked) => {
                out.push_str(&masked);
                changed = true;
            }
            Cow::Borrowed(same) => out.push_str(same),
        }
        rest = &rest[start + len..];
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `user:password@host/path?query#fragment` with the password and the credentials of the query
/// masked.
fn mask_after_scheme(url: &str) -> Cow<'_, str> {
    let authority_len = url.find(['/', '?', '#']).unwrap_or(url.len());
    let (authority, tail) = url.split_at(authority_len);
    let password = authority.rfind('@').and_then(|at| {
        let colon = authority[..at].find(':')?;
        (colon + 1 < at && &authority[colon + 1..at] != MASK).then_some((colon + 1, at))
    });
    let mut out = String::new();
    let mut changed = false;
    match password {
        Some((from, to)) => {
            out.push_str(&authority[..from]);
            out.push_str(MASK);
            out.push_str(&authority[to..]);
            changed = true;
        }
        None => out.push_str(authority),
    }
    let (before_query, query) = match tail.find(['?', '#']) {
        Some(at) if tail[at..].starts_with('?') => tail.split_at(at + 1),
        _ => (tail, ""),
    };
    out.push_str(before_query);
    let (query, fragment) = query.split_at(query.find('#').unwrap_or(query.len()));
    for (index, pair) in query.split('&').enumerate() {
        if index > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            // Already masked, or masked and followed by the `:` of a message.
            Some((name, value))
                if is_credential_param(name) && value != MASK && value != "***:" =>
            {
                out.push_str(name);
                out.push('=');
                out.push_str(MASK);
                changed = true;
            }
            _ => out.push_str(pair),
        }
    }
    out.push_str(fragment);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(url)
    }
}

/// A URL as it may be shown: scheme, host and port only, since the path, the query and the
/// user part may all hold tokens (`https://hooks.slack.com/…`).
pub fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => {
            let host = parsed.host_str().unwrap_or("?");
            let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
            let rest = if parsed.path() == "/" && parsed.query().is_none() {
                ""
            } else {
                "/…"
            };
            format!("{}://{host}{port}{rest}", parsed.scheme())
        }
        Err(_) => "an unparsable URL".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_urls_keep_no_token() {
        assert_eq!(
            shown_url("https://hooks.slack.com/services/T0/B0/s3cr3t"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            shown_url("https://oapi.dingtalk.com/robot/send?access_token=s3cr3t"),
            "https://oapi.dingtalk.com/…"
        );
        assert_eq!(
            shown_url("http://ops:s3cr3t@127.0.0.1:9093"),
            "http://127.0.0.1:9093"
        );
        assert_eq!(shown_url("not a url s3cr3t"), "an unparsable URL");
    }

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
        let plain = "unix:///var/run/docker.sock and http://user@host/?sslmode=require#password=x \
                     and mailto:a@b";
        assert!(matches!(redact_secrets(plain), Cow::Borrowed(_)));
        assert_eq!(redact_secrets("ends with scheme://"), "ends with scheme://");
    }

    #[test]
    fn credentials_in_a_query_are_hidden_whatever_their_case() {
        assert_eq!(
            redact_secrets("down: postgres://u@h:5432/db?password=Hunter3Secret: refused"),
            "down: postgres://u@h:5432/db?password=*** refused",
            "the value runs to the end of the URL: a `:` in it may be the password's"
        );
        assert_eq!(
            redact_secrets("down: postgres://u@h:5432/db?password=***: refused"),
            "down: postgres://u@h:5432/db?password=***: refused"
        );
        assert_eq!(
            redact_secrets(
                "mysql://u@h/db?ssl-mode=REQUIRED&PassWord=Hunter3Secret&SSLPASSWORD=k#top"
            ),
            "mysql://u@h/db?ssl-mode=REQUIRED&PassWord=***&SSLPASSWORD=***#top"
        );
        assert_eq!(
            redact_secrets("http://h/x?pass=a&token=b&access_token=c&x=d"),
            "http://h/x?pass=***&token=***&access_token=***&x=d"
        );
        let plain = "http://h/x?bypass_cache=1&tokenizer=icu&passage=2";
        assert!(matches!(redact_secrets(plain), Cow::Borrowed(_)));
        assert_eq!(
            redact_secrets("http://h/?X-Api-Key=a&client_secret=b&dbPassword=c"),
            "http://h/?X-Api-Key=***&client_secret=***&dbPassword=***"
        );
        let masked = "postgres://u:***@h/db?password=***";
        assert!(matches!(redact_secrets(masked), Cow::Borrowed(_)));
    }
}
