//! Key bindings as data: `keymaps/*.toml`, one table per context mapping an action to its keys.
//!
//! The shipped keymap is embedded; a user file of the same name in the config dir patches single
//! actions over it (an empty list unbinds). Unknown contexts or actions, unparsable keys and two
//! actions on one key in one context are load errors that name the file and line.

use std::collections::BTreeMap;
use std::str::FromStr;

use strum::{EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};
use toml::Spanned;

use super::error::LoadError;
use super::key::KeyChord;
use crate::action::Action;
use crate::tab::Tab;

/// Shipped keymaps, embedded at build time.
pub const SHIPPED: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

/// Where a key is looked up: the open dialog first, else the active tab, then `global`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, EnumString, IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
pub enum Context {
    Global,
    Resources,
    Containers,
    Alerts,
    Databases,
    Endpoints,
    Runbook,
    /// A container's log view, over the Containers tab.
    Logs,
    Dialog,
}

impl Context {
    pub fn name(self) -> &'static str {
        self.into()
    }
}

impl From<Tab> for Context {
    fn from(tab: Tab) -> Self {
        match tab {
            Tab::Resources => Context::Resources,
            Tab::Containers => Context::Containers,
            Tab::Alerts => Context::Alerts,
            Tab::Databases => Context::Databases,
            Tab::Endpoints => Context::Endpoints,
            Tab::Runbook => Context::Runbook,
        }
    }
}

/// One action's keys in one context, with the file and line that set them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub action: Action,
    pub keys: Vec<KeyChord>,
    origin: (String, usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    pub name: String,
    contexts: BTreeMap<Context, Vec<Binding>>,
    /// Per context, the actions whose hints the footer keeps first when it is short of room.
    footer: BTreeMap<Context, Vec<Action>>,
}

/// The key in a context's table that lists its footer priorities instead of binding an action.
const FOOTER_KEY: &str = "footer";

type KeymapFile = BTreeMap<String, BTreeMap<String, Spanned<Vec<Spanned<String>>>>>;

impl Keymap {
    /// The shipped keymap `name`, patched by the user's file when one is given as (path, text).
    pub fn load(name: &str, user: Option<(&str, &str)>) -> Result<Self, LoadError> {
        let (base_name, base_text) = super::shipped_base("keymap", SHIPPED, name, user.is_some())?;
        let mut keymap = Self {
            name: name.to_string(),
            contexts: BTreeMap::new(),
            footer: BTreeMap::new(),
        };
        keymap.apply(&format!("keymaps/{base_name}.toml (embedded)"), base_text)?;
        if let Some((path, text)) = user {
            keymap.apply(path, text)?;
        }
        Ok(keymap)
    }

    /// Patches this keymap with one file: every action it names gets exactly the keys it lists.
    fn apply(&mut self, file: &str, text: &str) -> Result<(), LoadError> {
        let parsed: KeymapFile =
            toml::from_str(text).map_err(|e| LoadError::from_toml(file, text, &e))?;
        for (context_name, actions) in parsed {
            let context = Context::from_str(&context_name).map_err(|_| {
                let span = find_table(text, &context_name).map(|s| s..s + context_name.len());
                let known: Vec<_> = Context::iter().map(Context::name).collect();
                LoadError::at_span(
                    file,
                    text,
                    span,
                    format!(
                        "unknown context [{context_name}]: expected one of {}",
                        known.join(", ")
                    ),
                )
            })?;
            let bindings = self.contexts.entry(context).or_default();
            for (action_name, keys) in actions {
                let unknown = |name: &str| {
                    format!(
                        "unknown action {name:?}: expected one of {}",
                        Action::iter()
                            .map(Action::name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                if action_name == FOOTER_KEY {
                    let footer = keys
                        .get_ref()
                        .iter()
                        .map(|name| {
                            Action::from_str(name.get_ref()).map_err(|_| {
                                LoadError::at_span(
                                    file,
                                    text,
                                    Some(name.span()),
                                    unknown(name.get_ref()),
                                )
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    self.footer.insert(context, footer);
                    continue;
                }
                let action = Action::from_str(&action_name).map_err(|_| {
                    LoadError::at_key(
                        file,
                        text,
                        Some(&context_name),
                        &action_name,
                        unknown(&action_name),
                    )
                })?;
                let chords = keys
                    .get_ref()
                    .iter()
                    .map(|key| {
                        key.get_ref().parse::<KeyChord>().map_err(|e| {
                            LoadError::at_span(file, text, Some(key.span()), e.to_string())
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let line = super::error::line_and_column(text, keys.span().start).0;
                bindings.retain(|b| b.action != action);
                if !chords.is_empty() {
                    bindings.push(Binding {
                        action,
                        keys: chords,
                        origin: (file.to_string(), line),
                    });
                }
            }
            bindings.sort_by_key(|b| b.action);
        }
        self.check_conflicts(file, text)
    }

    /// Two actions of one context on one key. The error is blamed on the file being applied when
    /// either binding comes from it: that is the file the operator just wrote.
    fn check_conflicts(&self, file: &str, text: &str) -> Result<(), LoadError> {
        for (context, bindings) in &self.contexts {
            let mut seen: BTreeMap<String, &Binding> = BTreeMap::new();
            for binding in bindings {
                for key in &binding.keys {
                    let Some(other) = seen.insert(key.to_string(), binding) else {
                        continue;
                    };
                    let message = format!(
                        "key {:?} is bound to both `{}` and `{}` in [{}]",
                        key.to_string(),
                        other.action.name(),
                        binding.action.name(),
                        context.name()
                    );
                    let blamed = if other.origin.0 == file {
                        other
                    } else {
                        binding
                    };
                    let (origin_file, line) = &blamed.origin;
                    if origin_file == file {
                        return Err(LoadError::at_key(
                            file,
                            text,
                            Some(context.name()),
                            blamed.action.name(),
                            message,
                        ));
                    }
                    let mut error = LoadError::file(origin_file.clone(), message);
                    error.location.line = Some(*line);
                    return Err(error);
                }
            }
        }
        Ok(())
    }

    /// The action a key means in `context`, falling back to `global` for tab contexts.
    pub fn action_for(&self, context: Context, key: KeyChord) -> Option<Action> {
        let find = |context: Context| {
            self.contexts
                .get(&context)?
                .iter()
                .find(|b| b.keys.contains(&key))
                .map(|b| b.action)
        };
        match context {
            Context::Dialog | Context::Global => find(context),
            Context::Logs => find(Context::Logs).or_else(|| find(Context::Global)),
            tab => find(tab).or_else(|| find(Context::Global)),
        }
    }

    /// The bindings of one context, in the order of the `Action` enum.
    pub fn bindings(&self, context: Context) -> &[Binding] {
        self.contexts.get(&context).map_or(&[], Vec::as_slice)
    }

    /// The actions of a context whose footer hints are kept first, most important first.
    pub fn footer(&self, context: Context) -> &[Action] {
        self.footer.get(&context).map_or(&[], Vec::as_slice)
    }

    /// The keys bound to an action in a context (empty when unbound).
    pub fn keys(&self, context: Context, action: Action) -> &[KeyChord] {
        self.bindings(context)
            .iter()
            .find(|b| b.action == action)
            .map_or(&[], |b| b.keys.as_slice())
    }
}

fn find_table(text: &str, name: &str) -> Option<usize> {
    let header = format!("[{name}]");
    text.find(&header).map(|offset| offset + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn key(text: &str) -> KeyChord {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn default_keymap() -> Keymap {
        Keymap::load("default", None).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn default_binds_quit_and_tab_keys() {
        let keymap = default_keymap();
        assert_eq!(
            keymap.action_for(Context::Global, key("q")),
            Some(Action::Quit)
        );
        assert_eq!(
            keymap.action_for(Context::Resources, key("ctrl-c")),
            Some(Action::Quit)
        );
        assert_eq!(
            keymap.action_for(Context::Resources, key("1")),
            Some(Action::GotoResources)
        );
        assert_eq!(
            keymap.action_for(Context::Dialog, key("q")),
            None,
            "dialogs do not fall back to global"
        );
    }

    #[test]
    fn user_file_patches_single_actions_and_unbinds() {
        let user = "[global]\nquit = [\"x\"]\nhelp = []\n";
        let keymap =
            Keymap::load("default", Some(("user.toml", user))).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            keymap.action_for(Context::Global, key("x")),
            Some(Action::Quit)
        );
        assert_eq!(keymap.action_for(Context::Global, key("q")), None);
        assert!(keymap.keys(Context::Global, Action::Help).is_empty());
        assert_eq!(
            keymap.action_for(Context::Global, key("tab")),
            Some(Action::NextTab),
            "untouched actions stay"
        );
    }

    #[test]
    fn unknown_action_names_file_and_line() {
        let user = "[global]\n\nlaunch_rockets = [\"l\"]\n";
        let error = Keymap::load("default", Some(("my.toml", user)))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.starts_with("my.toml:3:1: key `global.launch_rockets`: unknown action"),
            "{error}"
        );
    }

    #[test]
    fn bad_key_and_unknown_context_are_errors() {
        let bad_key = Keymap::load(
            "default",
            Some(("k.toml", "[global]\nquit = [\"ctrl-\"]\n")),
        )
        .err();
        assert_eq!(bad_key.and_then(|e| e.location.line), Some(2));
        let context =
            Keymap::load("default", Some(("k.toml", "[nowhere]\nquit = [\"q\"]\n"))).err();
        let context = context.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            context.starts_with("k.toml:1:2") && context.contains("unknown context [nowhere]"),
            "{context}"
        );
    }

    #[test]
    fn conflicting_keys_in_one_context_are_rejected() {
        let user = "[global]\nhelp = [\"q\"]\n";
        let error = Keymap::load("default", Some(("c.toml", user)))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("c.toml:2:1") && error.contains("bound to both `quit` and `help`"),
            "{error}"
        );
    }

    #[test]
    fn a_conflict_is_blamed_on_the_users_file_even_when_its_action_sorts_first() {
        // `quit` sorts before `help`, whose default key `?` the user takes here.
        let user = "# mine\n[global]\nquit = [\"?\"]\n";
        let error = Keymap::load("default", Some(("/home/me/keymaps/default.toml", user)))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.starts_with("/home/me/keymaps/default.toml:3:")
                && error.contains("bound to both `quit` and `help`"),
            "{error}"
        );
    }

    #[test]
    fn a_tab_binding_shadows_global() {
        let user = "[resources]\nsort_by_cpu = [\"q\"]\n";
        let keymap =
            Keymap::load("default", Some(("s.toml", user))).unwrap_or_else(|e| panic!("{e}"));
        let q = KeyChord::new(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(
            keymap.action_for(Context::Resources, q),
            Some(Action::SortByCpu)
        );
        assert_eq!(keymap.action_for(Context::Alerts, q), Some(Action::Quit));
    }

    #[test]
    fn footer_priorities_are_data_a_user_file_replaces() {
        let keymap = default_keymap();
        assert_eq!(
            keymap.footer(Context::Global),
            [
                Action::Quit,
                Action::Help,
                Action::Filter,
                Action::ToggleRotation
            ]
        );
        let user = "[containers]\nfooter = [\"open_logs\"]\n";
        let keymap =
            Keymap::load("default", Some(("f.toml", user))).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(keymap.footer(Context::Containers), [Action::OpenLogs]);
        assert_eq!(
            keymap.keys(Context::Containers, Action::OpenLogs).len(),
            1,
            "footer binds no key"
        );
        let error = Keymap::load(
            "default",
            Some(("f.toml", "[logs]\nfooter = [\"cancel\", \"fly\"]\n")),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            error.starts_with("f.toml:2:21") && error.contains("unknown action \"fly\""),
            "{error}"
        );
    }

    #[test]
    fn unknown_keymap_name_is_an_error() {
        assert!(Keymap::load("emacs", None).is_err());
        let custom = Keymap::load("mine", Some(("mine.toml", "[global]\nquit = [\"Q\"]\n")));
        assert!(
            custom.is_ok(),
            "a user keymap with a new name patches default"
        );
    }
}
