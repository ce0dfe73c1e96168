//! Colours as data: `themes/*.toml` give each meaning (ok, warn, crit, muted …) a style, resolved
//! once into a [`Theme`] of ratatui styles. Views ask for meanings, never for colours.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use super::error::LoadError;

/// Shipped themes, embedded at build time.
pub const SHIPPED: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// The theme used when colour is off (`NO_COLOR`, or a terminal without colour).
pub const MONO: &str = "mono";

/// How a meaning looks, as written in a theme file: `ok = { fg = "green", bold = true }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleSpec {
    pub fg: Option<String>,
    pub bg: Option<String>,
    #[serde(default)]
    pub bold: bool,
    #[serde(default)]
    pub dim: bool,
    #[serde(default)]
    pub italic: bool,
    #[serde(default)]
    pub underlined: bool,
    #[serde(default)]
    pub reversed: bool,
}

macro_rules! theme_fields {
    ($($field:ident: $doc:literal,)*) => {
        /// A theme file: every field optional so a user file can patch single meanings.
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct ThemeFile {
            $(#[doc = $doc] pub $field: Option<StyleSpec>,)*
        }

        /// A resolved theme: one ratatui style per meaning.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            pub name: String,
            $(#[doc = $doc] pub $field: Style,)*
        }

        impl ThemeFile {
            /// Fields this file leaves out; a shipped theme must leave out none.
            pub fn missing_fields(&self) -> Vec<&'static str> {
                let mut missing = Vec::new();
                $(if self.$field.is_none() { missing.push(stringify!($field)); })*
                missing
            }

            fn patch(&mut self, over: ThemeFile) {
                $(if over.$field.is_some() { self.$field = over.$field; })*
            }

            fn resolve(&self, name: &str, file: &str, text: &str) -> Result<Theme, LoadError> {
                Ok(Theme {
                    name: name.to_string(),
                    $($field: resolve_style(self.$field.as_ref(), stringify!($field), file, text)?,)*
                })
            }
        }
    };
}

theme_fields! {
    text: "ordinary text",
    muted: "secondary text: units, labels, empty states",
    accent: "highlighted values and key names in hints",
    title: "panel titles",
    border: "panel borders",
    header: "the top status bar",
    tab_active: "the active tab in the tab bar",
    tab_inactive: "the other tabs",
    selected: "the selected table row",
    table_header: "table column headings",
    ok: "healthy state",
    warn: "warning state",
    crit: "critical state",
    info: "informational state",
    stale: "last known values of a source that stopped answering",
    graph_cpu: "CPU history graphs and bars",
    graph_memory: "memory history and gauge",
    graph_swap: "swap history and gauge",
    graph_rx: "network receive rates",
    graph_tx: "network transmit rates",
    gauge_empty: "the unfilled part of bars",
    dialog: "dialogs and overlays",
    dialog_danger: "the border and title of destructive confirmations",
    toast_ok: "success toasts",
    toast_error: "error toasts",
    filter: "the filter input",
}

impl Theme {
    /// The shipped theme `name`, patched by the user's file when one is given as (path, text).
    /// A user file with a new name patches `default`.
    pub fn load(name: &str, user: Option<(&str, &str)>) -> Result<Self, LoadError> {
        let (base_name, base_text) = super::shipped_base("theme", SHIPPED, name, user.is_some())?;
        let base_file = format!("themes/{base_name}.toml (embedded)");
        let mut merged = parse(&base_file, base_text)?;
        // Resolve the base first so a colour error is blamed on the file that holds it.
        merged.resolve(name, &base_file, base_text)?;
        match user {
            Some((path, text)) => {
                let patch = parse(path, text)?;
                patch.resolve(name, path, text)?;
                merged.patch(patch);
                merged.resolve(name, path, text)
            }
            None => merged.resolve(name, &base_file, base_text),
        }
    }
}

/// Parses one theme file without resolving it.
pub fn parse(file: &str, text: &str) -> Result<ThemeFile, LoadError> {
    toml::from_str(text).map_err(|e| LoadError::from_toml(file, text, &e))
}

fn resolve_style(
    spec: Option<&StyleSpec>,
    field: &str,
    file: &str,
    text: &str,
) -> Result<Style, LoadError> {
    let Some(spec) = spec else {
        return Ok(Style::default());
    };
    let color = |name: &Option<String>, which: &str| -> Result<Option<Color>, LoadError> {
        name.as_deref()
            .map(|value| {
                Color::from_str(value).map_err(|_| {
                    LoadError::at_key(
                        file,
                        text,
                        None,
                        field,
                        format!("{which} = {value:?} is not a colour: use a name (red, darkgray, reset …), \"#rrggbb\" or an index 0-255"),
                    )
                })
            })
            .transpose()
    };
    let mut style = Style::default();
    if let Some(fg) = color(&spec.fg, "fg")? {
        style = style.fg(fg);
    }
    if let Some(bg) = color(&spec.bg, "bg")? {
        style = style.bg(bg);
    }
    for (on, modifier) in [
        (spec.bold, Modifier::BOLD),
        (spec.dim, Modifier::DIM),
        (spec.italic, Modifier::ITALIC),
        (spec.underlined, Modifier::UNDERLINED),
        (spec.reversed, Modifier::REVERSED),
    ] {
        if on {
            style = style.add_modifier(modifier);
        }
    }
    Ok(style)
}

/// True when colour must be off: `NO_COLOR` is set and not empty, or the terminal has no colour.
pub fn colour_disabled(no_color: Option<&str>, term: Option<&str>) -> bool {
    no_color.is_some_and(|v| !v.is_empty()) || matches!(term, Some("dumb") | Some("") | None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_is_complete_and_resolves() {
        for (name, text) in SHIPPED {
            let file = parse(name, text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                file.missing_fields(),
                Vec::<&str>::new(),
                "theme {name} is incomplete"
            );
            Theme::load(name, None).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn mono_uses_no_colour() {
        let mono = Theme::load(MONO, None).unwrap_or_else(|e| panic!("{e}"));
        let text = format!("{mono:?}");
        for colour in [
            "Red", "Green", "Yellow", "Blue", "Cyan", "Magenta", "Rgb", "Indexed", "Gray", "White",
            "Black",
        ] {
            assert!(!text.contains(colour), "mono theme uses {colour}");
        }
    }

    #[test]
    fn user_file_patches_one_field() {
        let base = Theme::load("default", None).unwrap_or_else(|e| panic!("{e}"));
        let patched = Theme::load("default", Some(("u.toml", "ok = { fg = \"#00ff00\" }\n")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(patched.ok, Style::default().fg(Color::Rgb(0, 255, 0)));
        assert_eq!(patched.crit, base.crit);
    }

    #[test]
    fn bad_colour_and_unknown_field_name_the_line() {
        let colour = Theme::load(
            "default",
            Some(("u.toml", "\nok = { fg = \"greenish\" }\n")),
        )
        .err();
        let colour = colour.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            colour.starts_with("u.toml:2:1: key `ok`: fg = \"greenish\" is not a colour"),
            "{colour}"
        );
        let field = Theme::load("default", Some(("u.toml", "okay = { fg = \"red\" }\n"))).err();
        let field = field.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            field.starts_with("u.toml:1:1") && field.contains("unknown field `okay`"),
            "{field}"
        );
    }

    #[test]
    fn no_color_and_dumb_terminals_disable_colour() {
        assert!(colour_disabled(Some("1"), Some("xterm-256color")));
        assert!(!colour_disabled(Some(""), Some("xterm-256color")));
        assert!(colour_disabled(None, Some("dumb")));
        assert!(!colour_disabled(None, Some("screen")));
    }
}
