//! Label matchers for [`MetricStore::select`](super::MetricStore::select).

/// One condition on a series' labels. As in Prometheus, a label the series does not have reads
/// as the empty string: `Eq("mount", "")` matches the series without a `mount` label, and
/// `NotEq("host", "db-01")` matches the series without a `host` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matcher<'a> {
    Eq(&'a str, &'a str),
    NotEq(&'a str, &'a str),
    /// The whole value matches a pattern where `*` is any run of characters and `?` one
    /// character; `db-*` is a prefix match.
    Glob(&'a str, &'a str),
}

impl Matcher<'_> {
    /// Whether the series whose label values `value_of` gives matches.
    pub(super) fn matches<'v>(&self, value_of: impl Fn(&str) -> Option<&'v str>) -> bool {
        match *self {
            Matcher::Eq(key, wanted) => value_of(key).unwrap_or("") == wanted,
            Matcher::NotEq(key, unwanted) => value_of(key).unwrap_or("") != unwanted,
            Matcher::Glob(key, pattern) => glob(pattern, value_of(key).unwrap_or("")),
        }
    }
}

/// `*` matches any run of characters, `?` exactly one, anything else itself. Greedy with one
/// backtrack point, so a pattern of many stars stays linear in practice and never allocates.
pub(super) fn glob(pattern: &str, text: &str) -> bool {
    let (pattern, bytes) = (pattern.as_bytes(), text.as_bytes());
    let char_len = |at: usize| text[at..].chars().next().map_or(1, char::len_utf8);
    let (mut p, mut t) = (0, 0);
    // After a `*`: where the pattern resumes and where in the text the star's run ends.
    let mut star: Option<(usize, usize)> = None;
    while t < bytes.len() {
        match pattern.get(p) {
            Some(b'*') => {
                p += 1;
                star = Some((p, t));
            }
            Some(b'?') => {
                p += 1;
                t += char_len(t);
            }
            // Literal bytes of a whole character only match the same character: the text is
            // only ever entered at character boundaries.
            Some(&c) if c == bytes[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((resume, run_end)) => {
                    let run_end = run_end + char_len(run_end);
                    star = Some((resume, run_end));
                    p = resume;
                    t = run_end;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_values() {
        let cases = [
            ("db-*", "db-01", true),
            ("db-*", "db-", true),
            ("db-*", "web-01", false),
            ("*-01", "db-01", true),
            ("*-01", "db-011", false),
            ("d?-0?", "db-01", true),
            ("d?-0?", "db-1", false),
            ("*", "", true),
            ("", "", true),
            ("", "x", false),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYbZ", false),
            ("**a", "bba", true),
            ("é?", "éü", true),
            ("?", "ü", true),
            ("??", "ü", false),
            ("*ü", "aü", true),
            ("*x", "üx", true),
            ("exact", "exact", true),
            ("exact", "exactly", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(glob(pattern, text), expected, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn a_missing_label_reads_as_empty() {
        let labels = |key: &str| (key == "host").then_some("db-01");
        assert!(Matcher::Eq("host", "db-01").matches(labels));
        assert!(Matcher::Eq("mount", "").matches(labels));
        assert!(!Matcher::Eq("mount", "/").matches(labels));
        assert!(Matcher::NotEq("mount", "/").matches(labels));
        assert!(!Matcher::NotEq("host", "db-01").matches(labels));
        assert!(Matcher::Glob("host", "db-*").matches(labels));
        assert!(Matcher::Glob("mount", "*").matches(labels));
        assert!(!Matcher::Glob("mount", "?*").matches(labels));
    }
}
