//! Load errors that point at a file, a line, a column and a key, so a typo is fixed in one look.

use std::fmt;
use std::ops::Range;

/// Where a problem is: the file as the user knows it, and, when known, the line, column and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub key: Option<String>,
    /// The `[[table]]` entry it is in, as `[[endpoint]] "web"`, when it has a name.
    pub entry: Option<String>,
}

/// Keys whose values may be secrets whole: a webhook's URL carries its token in its path, a
/// request header its credential. Their lines are never shown under an error.
const SECRET_VALUED: &[&str] = &["notify.url", "endpoint.headers"];

/// A config, theme or keymap file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// Boxed to keep `Result<_, LoadError>` small.
    pub location: Box<Location>,
    pub message: String,
    /// The offending source line, shown under the message, any password in it masked.
    pub snippet: Option<String>,
}

impl LoadError {
    /// An error about a whole file (missing, unreadable, unknown name).
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            location: Box::new(Location {
                file: file.into(),
                line: None,
                column: None,
                key: None,
                entry: None,
            }),
            message: message.into(),
            snippet: None,
        }
    }

    /// An error at a byte span of a file's text.
    pub fn at_span(
        file: &str,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let Some(span) = span else {
            return Self::file(file, message);
        };
        let (line, column) = line_and_column(text, span.start);
        let key = key_path_at(text, span.start);
        // A password written inline (the mistake the error may be about) is not echoed, nor a
        // line whose whole value may be a secret.
        let secret_line = key
            .as_deref()
            .is_some_and(|key| SECRET_VALUED.contains(&key));
        Self {
            location: Box::new(Location {
                file: file.to_string(),
                line: Some(line),
                column: Some(column),
                key,
                entry: entry_at(text, span.start),
            }),
            message: message.into(),
            snippet: text
                .lines()
                .nth(line - 1)
                .filter(|_| !secret_line)
                .map(|line| crate::redact::redact_secrets(line).into_owned()),
        }
    }

    /// Wraps a TOML deserialisation error, keeping its position and plain message.
    pub fn from_toml(file: &str, text: &str, error: &toml::de::Error) -> Self {
        Self::at_span(file, text, error.span(), error.message().trim().to_string())
    }

    /// An error about a key that was parsed fine but holds an unusable value.
    pub fn at_key(
        file: &str,
        text: &str,
        section: Option<&str>,
        key: &str,
        message: impl Into<String>,
    ) -> Self {
        Self::at_entry_key(file, text, section, 0, key, message)
    }

    /// Like [`LoadError::at_key`], in the `entry`-th (0-based) table of an array of tables.
    pub fn at_entry_key(
        file: &str,
        text: &str,
        section: Option<&str>,
        entry: usize,
        key: &str,
        message: impl Into<String>,
    ) -> Self {
        // A key left to its default is not in the file: its entry's header stands for it.
        let span = find_key(text, section, entry, key)
            .map(|start| start..start + key.len())
            .or_else(|| {
                section
                    .and_then(|section| find_entry(text, section, entry))
                    .map(|start| start..start + 1)
            });
        let mut error = Self::at_span(file, text, span, message);
        let full_key = match section {
            Some(section) => format!("{section}.{key}"),
            None => key.to_string(),
        };
        error.location.key = Some(full_key);
        error
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Location {
            file,
            line,
            column,
            key,
            entry,
        } = self.location.as_ref();
        write!(f, "{file}")?;
        if let Some(line) = line {
            write!(f, ":{line}")?;
            if let Some(column) = column {
                write!(f, ":{column}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(key) = key {
            write!(f, "key `{key}`: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(entry) = entry {
            write!(f, " (in {entry})")?;
        }
        if let (Some(line), Some(snippet)) = (line, &self.snippet) {
            write!(f, "\n  {line:>4} | {snippet}")?;
        }
        Ok(())
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The dotted key a byte offset belongs to: the innermost `[table]` header above it plus the key
/// on its own line, when that line is a `key = value` line.
fn key_path_at(text: &str, offset: usize) -> Option<String> {
    let offset = text.floor_char_boundary(offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[line_start..line_end];
    let section = text[..line_start].lines().rev().find_map(table_header);
    let key = match line.split_once('=') {
        Some((key, _)) if !line.trim_start().starts_with('[') => {
            key.trim().trim_matches('"').to_string()
        }
        _ => return table_header(line).or(section),
    };
    Some(match section {
        Some(section) => format!("{section}.{key}"),
        None => key,
    })
}

/// The named `[[table]]` entry a byte offset is in, as `[[endpoint]] "web"`.
fn entry_at(text: &str, offset: usize) -> Option<String> {
    let offset = text.floor_char_boundary(offset.min(text.len()));
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let mut header = None;
    let mut name = None;
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if let Some(found) = table_header(line) {
            if start > line_end {
                break;
            }
            let array = line.trim_start().starts_with("[[");
            header = array.then_some(found);
            name = None;
        } else if let Some((key, value)) = line.split_once('=')
            && key.trim().trim_matches('"') == "name"
            && name.is_none()
        {
            let value = value.trim();
            // A quoted name ends at its closing quote, whatever comment follows it.
            let quoted = value
                .strip_prefix('"')
                .and_then(|rest| rest.find('"'))
                .map(|end| &value[..end + 2]);
            name = Some(quoted.unwrap_or(value).to_string());
        }
        start += line.len();
    }
    Some(format!("[[{}]] {}", header?, name?))
}

/// Byte offset of the `[[section]]` header of the `entry`-th (0-based) such table.
fn find_entry(text: &str, section: &str, entry: usize) -> Option<usize> {
    let mut seen = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("[[") && table_header(line).as_deref() == Some(section) {
            if seen == entry {
                return Some(offset + line.find('[').unwrap_or(0));
            }
            seen += 1;
        }
        offset += line.len();
    }
    None
}

fn table_header(line: &str) -> Option<String> {
    let trimmed = line.trim();
    let inner = trimmed
        .strip_prefix("[[")
        .and_then(|l| l.strip_suffix("]]"));
    let inner = inner.or_else(|| trimmed.strip_prefix('[').and_then(|l| l.strip_suffix(']')))?;
    Some(inner.trim().to_string())
}

/// Byte offset of `key = …` inside the `entry`-th `[section]` or `[[section]]` table (or before
/// any table when `section` is `None`).
pub fn find_key(text: &str, section: Option<&str>, entry: usize, key: &str) -> Option<usize> {
    let mut current: Option<String> = None;
    let mut seen = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(header) = table_header(line) {
            if Some(header.as_str()) == section {
                seen += 1;
            }
            current = Some(header);
        } else if current.as_deref() == section
            && seen == entry + usize::from(section.is_some())
            && let Some((name, _)) = line.split_once('=')
            && name.trim().trim_matches('"') == key
        {
            return Some(offset + line.find(name.trim()).unwrap_or(0));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "refresh = \"1s\"\n\n[resources]\ndisk_warn_percent = 80\n";

    #[test]
    fn positions_are_one_based() {
        assert_eq!(line_and_column(TEXT, 0), (1, 1));
        let offset = TEXT.find("disk").unwrap_or_default();
        assert_eq!(line_and_column(TEXT, offset), (4, 1));
    }

    #[test]
    fn key_path_includes_the_table() {
        let offset = TEXT.find("80").unwrap_or_default();
        assert_eq!(
            key_path_at(TEXT, offset).as_deref(),
            Some("resources.disk_warn_percent")
        );
        assert_eq!(key_path_at(TEXT, 3).as_deref(), Some("refresh"));
    }

    #[test]
    fn finds_keys_in_sections() {
        assert_eq!(find_key(TEXT, None, 0, "refresh"), Some(0));
        assert!(find_key(TEXT, Some("resources"), 0, "disk_warn_percent").is_some());
        assert_eq!(find_key(TEXT, None, 0, "disk_warn_percent"), None);
        let entries = "[[e]]\nurl = 1\n[[e]]\nurl = 2\n";
        assert_eq!(find_key(entries, Some("e"), 1, "url"), entries.rfind("url"));
    }

    #[test]
    fn an_entry_error_names_the_entry_and_points_at_it_when_the_key_is_not_written() {
        let text = "refresh = \"1s\"\n[[endpoint]]\nname = \"api\"\n\n[[endpoint]]\nurl = \"x\"\nname = \"web\" # the site\n";
        let error = LoadError::at_entry_key("c.toml", text, Some("endpoint"), 1, "url", "bad");
        assert!(
            error
                .to_string()
                .starts_with("c.toml:6:1: key `endpoint.url`: bad (in [[endpoint]] \"web\")"),
            "{error}"
        );
        let error = LoadError::at_entry_key("c.toml", text, Some("endpoint"), 0, "timeout", "bad");
        assert!(
            error
                .to_string()
                .starts_with("c.toml:2:1: key `endpoint.timeout`: bad (in [[endpoint]] \"api\")"),
            "{error}"
        );
        let top = LoadError::at_key("c.toml", text, None, "refresh", "bad");
        assert_eq!(top.location.entry, None);
    }

    #[test]
    fn display_names_file_line_and_key() {
        let error = LoadError::at_key(
            "c.toml",
            TEXT,
            Some("resources"),
            "disk_warn_percent",
            "too high",
        );
        let shown = error.to_string();
        assert!(
            shown.starts_with("c.toml:4:1: key `resources.disk_warn_percent`: too high"),
            "{shown}"
        );
    }
}
