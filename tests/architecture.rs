//! Layering rules, checked on the syntax tree of every file under `src/` (the project is one
//! crate, so the compiler cannot keep its layers apart). Each file belongs to layers by its path;
//! each rule bans, in one layer, module paths (imported by `use` or named in code, resolved
//! through the module's imports), method calls, macros or `async`. `#[cfg(test)]` modules are not
//! checked: tests may build their fixtures from any layer.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Attribute, Ident, Item, UseTree};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    View,
    /// Plain data and pure functions over it: no I/O, no clock, no drawing.
    State,
    /// The vocabulary every layer shares.
    Model,
    /// The rule engine and what alerts keep: pure, and it knows no tab.
    Alerts,
    /// What travels between layers: messages, actions, commands.
    Message,
    Update,
    /// Keys and clicks to messages, through the keymap.
    Input,
    Collect,
    /// Side effects run off the draw loop, and the state files they write.
    Effect,
    Config,
    Theme,
    /// The clients and secrets every source shares.
    Shared,
    /// The runtime that wires the layers together: the app loop, the terminal, `check`.
    Runtime,
    Entry,
    ResourcesRecord,
}

/// The files of each layer, as globs over the path (`*` within one segment, `**` any number of
/// segments). Every file under `src/` is in at least one (`every_file_is_in_a_layer`): a new file
/// is placed here, so the rules below check it.
const LAYERS: &[(Layer, &[&str])] = &[
    (
        Layer::View,
        &[
            "src/ui/**",
            "src/screen/**",
            "src/tabs/*/view.rs",
            "src/tabs/*/view/**",
        ],
    ),
    (
        Layer::State,
        &[
            "src/state/**",
            "src/model/**",
            "src/tabs/*/judge.rs",
            "src/tabs/*/record.rs",
            "src/tabs/*/mod.rs",
            "src/findings.rs",
            "src/metrics/**",
            "src/alerts/**",
            "src/alert_timeline.rs",
            "src/msg.rs",
            "src/action.rs",
            "src/tab.rs",
            "src/command/**",
            "src/duration.rs",
            "src/words.rs",
            "src/sources/mod.rs",
            "src/runbook/mod.rs",
            "src/runbook/model.rs",
            "src/runbook/parse.rs",
            "src/runbook/catalogue.rs",
            "src/runbook/check.rs",
            "src/runbook/period.rs",
            "src/runbook/log.rs",
            "src/runbook/status.rs",
            "src/runbook/toward.rs",
            "src/runbook/report.rs",
        ],
    ),
    (Layer::Model, &["src/model/**"]),
    (Layer::Alerts, &["src/alerts/**"]),
    (
        Layer::Message,
        &["src/msg.rs", "src/action.rs", "src/command/**"],
    ),
    (
        Layer::Update,
        &[
            "src/update/**",
            "src/reduce/**",
            "src/tabs/*/update.rs",
            "src/tabs/*/update/**",
            "src/tabs/mod.rs",
        ],
    ),
    (Layer::Input, &["src/input.rs"]),
    (Layer::Collect, &["src/collect/**"]),
    (
        Layer::Effect,
        &[
            "src/effect/**",
            "src/persist/**",
            "src/runbook/store.rs",
            "src/runbook/run.rs",
        ],
    ),
    (Layer::Config, &["src/config/**", "src/runbook/load.rs"]),
    (Layer::Theme, &["src/config/theme.rs"]),
    (
        Layer::Shared,
        &[
            "src/http.rs",
            "src/redact.rs",
            "src/secret.rs",
            "src/tls.rs",
        ],
    ),
    (
        Layer::Runtime,
        &[
            "src/lib.rs",
            "src/app.rs",
            "src/tui.rs",
            "src/check/**",
            "src/sources/start.rs",
            "src/cli.rs",
            "src/logging.rs",
            "src/fixtures/**",
        ],
    ),
    (Layer::Entry, &["src/main.rs"]),
    (Layer::ResourcesRecord, &["src/tabs/resources/record.rs"]),
];

enum Ban {
    /// A glob over the first segments of a resolved path: `crate::collect` bans
    /// `crate::collect::docker::Docker`, not `crate::collector`.
    Path(&'static str),
    /// A method call by this name (a glob: `light_*`).
    Method(&'static str),
    /// A macro by this name, whatever its path.
    Macro(&'static str),
    /// `async` (functions, blocks, closures) or `.await`.
    Keyword(&'static str),
    /// Every path into the crate but those under these top-level modules.
    CrateBut(&'static [&'static str]),
    /// A string literal, whole (a glob: `system_*`), in code or in a macro's arguments.
    Literal(&'static str),
}

enum Files {
    In(Layer),
    InAny(&'static [Layer]),
    AllBut(Layer),
}

struct Rule {
    name: &'static str,
    files: Files,
    bans: &'static [Ban],
    why: &'static str,
}

const SIDE_EFFECTS: &[Ban] = &[
    Ban::Path("crate::collect"),
    Ban::Path("crate::effect"),
    Ban::Path("crate::persist"),
];

const IO: &[Ban] = &[
    Ban::Path("std::fs"),
    Ban::Path("std::env"),
    Ban::Path("std::io"),
    Ban::Path("std::thread"),
    Ban::Path("std::net"),
    Ban::Path("std::process"),
    Ban::Path("tokio"),
    Ban::Path("tokio_util"),
    Ban::Path("bollard"),
    Ban::Path("sysinfo"),
    Ban::Path("hyper"),
    Ban::Path("hyper_util"),
    Ban::Path("hyper_rustls"),
    Ban::Path("rustls"),
    Ban::Path("tokio_rustls"),
    Ban::Path("rustls_native_certs"),
    Ban::Path("tokio_postgres"),
    Ban::Path("mysql_async"),
    Ban::Path("crate::http"),
];

/// The clock by any path: `Utc::now` through a glob import (`chrono::prelude::*`) cannot be
/// resolved to its crate, so the type and `now` are enough.
const CLOCK: &[Ban] = &[
    Ban::Path("**::Utc::now"),
    Ban::Path("**::Local::now"),
    Ban::Path("**::Instant::now"),
    Ban::Path("**::SystemTime::now"),
    Ban::Path("std::time::SystemTime"),
];

const DRAWING: &[Ban] = &[Ban::Path("crate::ui"), Ban::Path("ratatui")];

const RULES: &[Rule] = &[
    Rule {
        name: "views never reach sources, effects or persistence",
        files: Files::In(Layer::View),
        bans: SIDE_EFFECTS,
        why: "views are pure functions of state: data comes in through state, side effects go out as Effects from update",
    },
    Rule {
        name: "views do no I/O",
        files: Files::In(Layer::View),
        bans: IO,
        why: "a frame must never wait on the host",
    },
    Rule {
        name: "views read no clock",
        files: Files::In(Layer::View),
        bans: CLOCK,
        why: "`now` comes in RenderCtx, so a frame is a function of its inputs",
    },
    Rule {
        name: "views take colours from the theme",
        files: Files::In(Layer::View),
        bans: &[
            Ban::Method("red"),
            Ban::Method("green"),
            Ban::Method("yellow"),
            Ban::Method("blue"),
            Ban::Method("magenta"),
            Ban::Method("cyan"),
            Ban::Method("gray"),
            Ban::Method("dark_gray"),
            Ban::Method("light_*"),
            Ban::Method("white"),
            Ban::Method("black"),
            Ban::Method("on_*"),
        ],
        why: "a colour method hard-codes a colour the user's theme cannot change",
    },
    Rule {
        name: "views judge nothing",
        files: Files::In(Layer::View),
        bans: &[
            Ban::Path("crate::findings::judge"),
            Ban::Path("crate::findings::*_findings"),
            Ban::Path("crate::tabs::*::judge"),
        ],
        why: "state is judged once, so the tab bar, --watch and `check` agree; views read the judgements from state",
    },
    Rule {
        name: "state never reaches sources, effects, persistence or the ui",
        files: Files::In(Layer::State),
        bans: &[
            Ban::Path("crate::collect"),
            Ban::Path("crate::effect"),
            Ban::Path("crate::persist"),
            Ban::Path("crate::ui"),
            Ban::Path("ratatui"),
        ],
        why: "state is plain data that update changes and views read",
    },
    Rule {
        name: "state does no I/O",
        files: Files::In(Layer::State),
        bans: IO,
        why: "sources and the executor do the I/O; state only holds what they report",
    },
    Rule {
        name: "state reads no clock",
        files: Files::In(Layer::State),
        bans: CLOCK,
        why: "time is passed in as `now`, so every change to state is a repeatable table test",
    },
    Rule {
        name: "the model imports nothing of the crate",
        files: Files::In(Layer::Model),
        bans: &[Ban::CrateBut(&["model"])],
        why: "the model is the vocabulary every layer shares, so it depends on none of them",
    },
    Rule {
        name: "the alerts know no tab",
        files: Files::In(Layer::Alerts),
        bans: &[
            Ban::Path("crate::tabs"),
            Ban::Path("crate::state"),
            Ban::Path("crate::config"),
        ],
        why: "the rule engine judges series whoever publishes them; a tab that names it is the tab's business",
    },
    Rule {
        name: "messages, effects and files know no tab's state",
        files: Files::InAny(&[Layer::Message, Layer::Effect]),
        bans: &[Ban::Path("crate::tabs"), Ban::Path("crate::state")],
        why: "what crosses layers is the model's vocabulary; a tab's state belongs to the tab and the app state",
    },
    Rule {
        name: "effects never draw",
        files: Files::In(Layer::Effect),
        bans: DRAWING,
        why: "an effect reports back as a message; views draw the state it leaves",
    },
    Rule {
        name: "input never reaches sources, effects or persistence",
        files: Files::In(Layer::Input),
        bans: SIDE_EFFECTS,
        why: "a key becomes a message; update decides what follows",
    },
    Rule {
        name: "input does no I/O and reads no clock",
        files: Files::In(Layer::Input),
        bans: &[
            Ban::Path("std::fs"),
            Ban::Path("std::net"),
            Ban::Path("tokio"),
            Ban::Path("crate::http"),
            Ban::Path("**::Utc::now"),
            Ban::Path("**::Instant::now"),
        ],
        why: "keys are mapped on the draw loop, which never waits",
    },
    Rule {
        name: "sources import only the model, the config and the shared clients",
        files: Files::In(Layer::Collect),
        bans: &[Ban::CrateBut(&[
            "collect", "model", "config", "http", "redact", "secret", "tls", "duration",
        ])],
        why: "a source sends what it read as the model's vocabulary; what the app makes of it is not its business",
    },
    Rule {
        name: "update never collects, persists or runs effects",
        files: Files::In(Layer::Update),
        bans: &[
            Ban::Path("crate::collect"),
            Ban::Path("crate::persist"),
            Ban::Path("crate::effect::executor"),
            Ban::Path("crate::effect::Executor"),
        ],
        why: "update returns Effects; the executor runs them off the draw loop",
    },
    Rule {
        name: "update never draws",
        files: Files::In(Layer::Update),
        bans: DRAWING,
        why: "drawing belongs to the views, which read the state update leaves",
    },
    Rule {
        name: "update does no I/O",
        files: Files::In(Layer::Update),
        bans: IO,
        why: "update runs on the draw loop and must return at once",
    },
    Rule {
        name: "update reads no clock",
        files: Files::In(Layer::Update),
        bans: CLOCK,
        why: "`now` is passed in, so every transition is a plain table test",
    },
    Rule {
        name: "update is synchronous",
        files: Files::In(Layer::Update),
        bans: &[Ban::Keyword("async"), Ban::Keyword(".await")],
        why: "update runs on the draw loop and must return at once; waiting is an Effect",
    },
    Rule {
        name: "sources never draw",
        files: Files::In(Layer::Collect),
        bans: DRAWING,
        why: "sources send updates into state; views draw state",
    },
    Rule {
        name: "colours come only from the theme",
        files: Files::AllBut(Layer::Theme),
        bans: &[Ban::Path("**::Color"), Ban::Path("ratatui::style::palette")],
        why: "a colour named outside the theme is one the user's theme cannot change",
    },
    Rule {
        name: "only main prints",
        files: Files::AllBut(Layer::Entry),
        bans: &[
            Ban::Macro("print"),
            Ban::Macro("println"),
            Ban::Macro("eprint"),
            Ban::Macro("eprintln"),
            Ban::Macro("dbg"),
        ],
        why: "the terminal belongs to the UI while it runs; main prints before or after it",
    },
    Rule {
        name: "the Resources tab's series are named only in its record.rs",
        files: Files::AllBut(Layer::ResourcesRecord),
        bans: &[Ban::Literal("system_*")],
        why: "views and judges name a host's series through record.rs's typed accessors, so a series' name and its host label change in one place",
    },
];

// Globs over path segments.

fn segments<'a>(text: &'a str, separator: &str) -> Vec<&'a str> {
    text.split(separator).collect()
}

/// Whether `pattern` matches all of `path`: `*` stands for any text within one segment, `**` for
/// any number of segments.
fn glob_matches(pattern: &[&str], path: &[&str]) -> bool {
    match (pattern.split_first(), path.split_first()) {
        (None, None) => true,
        (Some((&"**", rest)), _) => {
            glob_matches(rest, path) || (!path.is_empty() && glob_matches(pattern, &path[1..]))
        }
        (Some((wanted, rest)), Some((segment, path_rest))) => {
            segment_matches(wanted, segment) && glob_matches(rest, path_rest)
        }
        _ => false,
    }
}

fn segment_matches(pattern: &str, segment: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == segment,
        Some((head, tail)) => {
            segment.len() >= head.len() + tail.len()
                && segment.starts_with(head)
                && segment.ends_with(tail)
        }
    }
}

/// Whether `pattern` matches the first segments of `path`.
fn glob_matches_start(pattern: &[&str], path: &[&str]) -> bool {
    (1..=path.len()).any(|end| glob_matches(pattern, &path[..end]))
}

// Source files, their modules and layers.

struct SourceFile {
    path: String,
    module: Vec<String>,
    syntax: syn::File,
}

impl SourceFile {
    fn parse(path: &str, source: &str) -> Self {
        let syntax = syn::parse_file(source).unwrap_or_else(|e| panic!("{path}: {e}"));
        SourceFile {
            path: path.to_string(),
            module: module_of(path),
            syntax,
        }
    }

    fn layers(&self) -> Vec<Layer> {
        let path = segments(&self.path, "/");
        LAYERS
            .iter()
            .filter(|(_, globs)| globs.iter().any(|g| glob_matches(&segments(g, "/"), &path)))
            .map(|(layer, _)| *layer)
            .collect()
    }
}

/// `src/lib.rs` → `crate`, `src/ui/tabs/mod.rs` → `crate::ui::tabs`, `src/ui/shell.rs` → `crate::ui::shell`.
fn module_of(path: &str) -> Vec<String> {
    let inner = path.strip_prefix("src/").unwrap_or(path);
    let inner = inner.strip_suffix(".rs").unwrap_or(inner);
    let mut module = vec!["crate".to_string()];
    if !matches!(inner, "lib" | "main") {
        let inner = inner.strip_suffix("/mod").unwrap_or(inner);
        module.extend(inner.split('/').map(String::from));
    }
    module
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("source dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn read_tree() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    rust_files(&root.join("src"))
        .iter()
        .map(|file| {
            let relative = file.strip_prefix(root).unwrap().to_string_lossy();
            SourceFile::parse(&relative, &std::fs::read_to_string(file).unwrap())
        })
        .collect()
}

fn is_test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .meta
                .require_list()
                .is_ok_and(|list| list.tokens.to_string() == "test")
    })
}

fn line(span: Span) -> usize {
    span.start().line
}

// `use` trees.

/// One path a `use` item brings in: `name` is what the module calls it, `None` for a glob.
struct UseLeaf {
    path: Vec<String>,
    name: Option<String>,
    line: usize,
}

/// `use crate::{a::b as c, d::{self, *}}` → `crate::a::b` as `c`, `crate::d` as `d`, `crate::d::*`.
fn use_leaves(tree: &UseTree) -> Vec<UseLeaf> {
    let mut leaves = Vec::new();
    collect_use_leaves(tree, &mut Vec::new(), &mut leaves);
    leaves
}

fn collect_use_leaves(tree: &UseTree, prefix: &mut Vec<String>, leaves: &mut Vec<UseLeaf>) {
    match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            collect_use_leaves(&path.tree, prefix, leaves);
            prefix.pop();
        }
        UseTree::Name(name) => leaves.push(named_leaf(prefix, &name.ident, &name.ident)),
        UseTree::Rename(rename) => leaves.push(named_leaf(prefix, &rename.ident, &rename.rename)),
        UseTree::Glob(glob) => leaves.push(UseLeaf {
            path: prefix.clone(),
            name: None,
            line: line(glob.star_token.span),
        }),
        UseTree::Group(group) => {
            for tree in &group.items {
                collect_use_leaves(tree, prefix, leaves);
            }
        }
    }
}

fn named_leaf(prefix: &[String], ident: &Ident, binding: &Ident) -> UseLeaf {
    let mut path = prefix.to_vec();
    if ident != "self" {
        path.push(ident.to_string());
    }
    let name = if binding == "self" {
        path.last().cloned()
    } else {
        Some(binding.to_string())
    };
    UseLeaf {
        path,
        name,
        line: line(ident.span()),
    }
}

// What each module can name, and resolving paths through it.

/// What a module can name without a path: its own items, its imports (name → path as written)
/// and the modules it glob-imports.
#[derive(Default)]
struct Names {
    items: BTreeSet<String>,
    imports: BTreeMap<String, Vec<String>>,
    globs: Vec<Vec<String>>,
}

/// Import chains longer than this are cycles (`use chrono;` names itself).
const MAX_RESOLVE_DEPTH: usize = 8;

/// Every module of the files read (file modules and inline `mod`s) and what it can name.
struct Crate {
    modules: BTreeMap<Vec<String>, Names>,
}

impl Crate {
    fn of(files: &[SourceFile]) -> Self {
        let mut modules = BTreeMap::new();
        for file in files {
            let mut collector = NameCollector {
                modules: &mut modules,
                module: file.module.clone(),
            };
            collector.visit_file(&file.syntax);
        }
        Crate { modules }
    }

    /// The full path of `path` as written in `module`: `super::`, `self::` and a first segment
    /// the module imports or declares are replaced; anything else (`std`, a crate) stays.
    fn resolve(&self, module: &[String], path: &[String]) -> Vec<String> {
        self.resolve_within(module, path, MAX_RESOLVE_DEPTH)
    }

    fn resolve_within(&self, module: &[String], path: &[String], depth: usize) -> Vec<String> {
        let Some((first, rest)) = path.split_first() else {
            return Vec::new();
        };
        match first.as_str() {
            "crate" => path.to_vec(),
            "self" => [module, rest].concat(),
            "super" => {
                let parent = &module[..module.len().saturating_sub(1).max(1)];
                if rest.first().is_some_and(|next| next == "super") {
                    self.resolve_within(parent, rest, depth)
                } else {
                    [parent, rest].concat()
                }
            }
            name => match self.lookup(module, name, depth) {
                Some(base) => [base.as_slice(), rest].concat(),
                None => path.to_vec(),
            },
        }
    }

    /// The full path of a name `module` can use bare: its own item, an import, or an item or
    /// import of a module it glob-imports.
    fn lookup(&self, module: &[String], name: &str, depth: usize) -> Option<Vec<String>> {
        let depth = depth.checked_sub(1)?;
        let names = self.modules.get(module)?;
        if names.items.contains(name) {
            return Some([module, &[name.to_string()]].concat());
        }
        if let Some(path) = names.imports.get(name) {
            return Some(self.resolve_within(module, path, depth));
        }
        names.globs.iter().find_map(|glob| {
            let base = self.resolve_within(module, glob, depth);
            self.lookup(&base, name, depth)
        })
    }

    /// `path` with every segment that its module only imports replaced by what it imports.
    fn canonical(&self, path: &[String]) -> Vec<String> {
        self.canonical_within(path, MAX_RESOLVE_DEPTH)
    }

    fn canonical_within(&self, path: &[String], depth: usize) -> Vec<String> {
        for split in 1..path.len() {
            let (module, rest) = path.split_at(split);
            let Some(names) = self.modules.get(module) else {
                continue;
            };
            if names.items.contains(&rest[0]) {
                continue;
            }
            if let Some(base) = self.lookup(module, &rest[0], depth) {
                return self.canonical_within(&[base.as_slice(), &rest[1..]].concat(), depth - 1);
            }
        }
        path.to_vec()
    }

    fn references(&self, file: &SourceFile) -> Vec<Reference> {
        let mut collector = ReferenceCollector {
            krate: self,
            module: file.module.clone(),
            found: Vec::new(),
        };
        collector.visit_file(&file.syntax);
        collector.found
    }
}

/// Fills `Names` for a file's module and the inline modules in it. A `use` inside a function
/// counts for the whole module: close enough for a layering check.
struct NameCollector<'a> {
    modules: &'a mut BTreeMap<Vec<String>, Names>,
    module: Vec<String>,
}

impl NameCollector<'_> {
    fn names(&mut self) -> &mut Names {
        self.modules.entry(self.module.clone()).or_default()
    }
}

impl<'ast> Visit<'ast> for NameCollector<'_> {
    fn visit_item(&mut self, item: &'ast Item) {
        if let Some(name) = item_name(item) {
            self.names().items.insert(name);
        }
        visit::visit_item(self, item);
    }

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        if is_test_only(&module.attrs) {
            return;
        }
        self.module.push(module.ident.to_string());
        visit::visit_item_mod(self, module);
        self.module.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        for leaf in use_leaves(&item.tree) {
            if let Some(name) = leaf.name {
                self.names().imports.insert(name, leaf.path);
            } else {
                self.names().globs.push(leaf.path);
            }
        }
    }
}

/// The name an item declares in its module (`extern crate` aside: it names a crate, not a module item).
fn item_name(item: &Item) -> Option<String> {
    let ident = match item {
        Item::Const(item) => &item.ident,
        Item::Enum(item) => &item.ident,
        Item::Fn(item) => &item.sig.ident,
        Item::Macro(item) => item.ident.as_ref()?,
        Item::Mod(item) => &item.ident,
        Item::Static(item) => &item.ident,
        Item::Struct(item) => &item.ident,
        Item::Trait(item) => &item.ident,
        Item::TraitAlias(item) => &item.ident,
        Item::Type(item) => &item.ident,
        Item::Union(item) => &item.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

// What a file refers to.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Import,
    Path,
    Macro,
    Method,
    Keyword,
    Literal,
}

/// One thing a file refers to. `path` is the path as written, made absolute; `canonical` also
/// follows imports of the modules on the way (`crate::ui::Utc` → `chrono::Utc` when `crate::ui`
/// has `use chrono::Utc`).
struct Reference {
    kind: Kind,
    path: Vec<String>,
    canonical: Vec<String>,
    line: usize,
}

impl Reference {
    fn written(&self) -> String {
        decorate(self.kind, &self.path)
    }

    fn describe(&self) -> String {
        if self.canonical == self.path {
            self.written()
        } else {
            format!(
                "{} (= {})",
                self.written(),
                decorate(self.kind, &self.canonical)
            )
        }
    }
}

fn decorate(kind: Kind, path: &[String]) -> String {
    let path = path.join("::");
    match kind {
        Kind::Import | Kind::Path | Kind::Keyword => path,
        Kind::Macro => format!("{path}!"),
        Kind::Method => format!(".{path}()"),
        Kind::Literal => format!("{path:?}"),
    }
}

struct ReferenceCollector<'a> {
    krate: &'a Crate,
    module: Vec<String>,
    found: Vec<Reference>,
}

impl ReferenceCollector<'_> {
    fn add(&mut self, kind: Kind, path: Vec<String>, span: Span) {
        self.add_at(kind, path, line(span));
    }

    fn add_at(&mut self, kind: Kind, path: Vec<String>, line: usize) {
        self.found.push(Reference {
            kind,
            canonical: self.krate.canonical(&path),
            path,
            line,
        });
    }

    fn add_resolved(&mut self, kind: Kind, written: &[String], span: Span) {
        let path = self.krate.resolve(&self.module, written);
        self.add(kind, path, span);
    }

    /// Macro bodies are unparsed tokens: find the paths, macro calls, method calls, `async` and
    /// `.await` in them.
    fn scan(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut next = 0;
        while next < tokens.len() {
            next = match &tokens[next] {
                TokenTree::Group(group) => {
                    self.scan(group.stream());
                    next + 1
                }
                TokenTree::Ident(_) => self.scan_path(&tokens, next),
                TokenTree::Literal(literal) => {
                    if let Ok(text) = syn::parse_str::<syn::LitStr>(&literal.to_string()) {
                        self.add(Kind::Literal, vec![text.value()], literal.span());
                    }
                    next + 1
                }
                _ => next + 1,
            };
        }
    }

    /// Records the path `a::b::c` starting at `start`; returns the index after it.
    fn scan_path(&mut self, tokens: &[TokenTree], start: usize) -> usize {
        let mut end = start + 1;
        while is_punct(tokens.get(end), ':')
            && is_punct(tokens.get(end + 1), ':')
            && matches!(tokens.get(end + 2), Some(TokenTree::Ident(_)))
        {
            end += 3;
        }
        let path: Vec<String> = tokens[start..end]
            .iter()
            .step_by(3)
            .map(ToString::to_string)
            .collect();
        let span = tokens[start].span();
        let after_dot = start > 0
            && is_punct(tokens.get(start - 1), '.')
            && !(start > 1 && is_punct(tokens.get(start - 2), '.'));
        if after_dot {
            self.scan_member(&path[0], tokens.get(end), span);
        } else if path == ["async"] {
            self.add(Kind::Keyword, path, span);
        } else if is_punct(tokens.get(end), '!') {
            self.add_resolved(Kind::Macro, &path, span);
        } else {
            self.add_resolved(Kind::Path, &path, span);
        }
        end
    }

    /// `.name` in a macro body: `.await`, a method call, or a field (ignored).
    fn scan_member(&mut self, name: &str, after: Option<&TokenTree>, span: Span) {
        let is_call = is_punct(after, ':')
            || matches!(after, Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
        if name == "await" {
            self.add(Kind::Keyword, vec![".await".to_string()], span);
        } else if is_call {
            self.add(Kind::Method, vec![name.to_string()], span);
        }
    }
}

fn is_punct(token: Option<&TokenTree>, wanted: char) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == wanted)
}

fn path_idents(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

fn path_span(path: &syn::Path) -> Span {
    path.segments
        .first()
        .map_or_else(Span::call_site, |s| s.ident.span())
}

impl<'ast> Visit<'ast> for ReferenceCollector<'_> {
    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        if is_test_only(&module.attrs) {
            return;
        }
        self.module.push(module.ident.to_string());
        visit::visit_item_mod(self, module);
        self.module.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        for leaf in use_leaves(&item.tree) {
            let mut path = self.krate.resolve(&self.module, &leaf.path);
            if leaf.name.is_none() {
                path.push("*".to_string());
            }
            self.add_at(Kind::Import, path, leaf.line);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let written = path_idents(path);
        if written != ["self"] {
            self.add_resolved(Kind::Path, &written, path_span(path));
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.add_resolved(Kind::Macro, &path_idents(&mac.path), path_span(&mac.path));
        self.scan(mac.tokens.clone());
    }

    fn visit_lit_str(&mut self, literal: &'ast syn::LitStr) {
        self.add(Kind::Literal, vec![literal.value()], literal.span());
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.add(
            Kind::Method,
            vec![call.method.to_string()],
            call.method.span(),
        );
        visit::visit_expr_method_call(self, call);
    }

    fn visit_signature(&mut self, signature: &'ast syn::Signature) {
        if let Some(token) = &signature.asyncness {
            self.add(Kind::Keyword, vec!["async".to_string()], token.span);
        }
        visit::visit_signature(self, signature);
    }

    fn visit_expr_async(&mut self, block: &'ast syn::ExprAsync) {
        self.add(
            Kind::Keyword,
            vec!["async".to_string()],
            block.async_token.span,
        );
        visit::visit_expr_async(self, block);
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        if let Some(token) = &closure.asyncness {
            self.add(Kind::Keyword, vec!["async".to_string()], token.span);
        }
        visit::visit_expr_closure(self, closure);
    }

    fn visit_expr_await(&mut self, expr: &'ast syn::ExprAwait) {
        self.add(
            Kind::Keyword,
            vec![".await".to_string()],
            expr.await_token.span,
        );
        visit::visit_expr_await(self, expr);
    }
}

// Applying the rules.

impl Ban {
    fn matches(&self, reference: &Reference) -> bool {
        let path: Vec<&str> = reference.path.iter().map(String::as_str).collect();
        match (self, reference.kind) {
            (Ban::Path(glob), Kind::Import | Kind::Path | Kind::Macro) => {
                let glob = segments(glob, "::");
                let canonical: Vec<&str> = reference.canonical.iter().map(String::as_str).collect();
                glob_matches_start(&glob, &path) || glob_matches_start(&glob, &canonical)
            }
            (Ban::Method(glob), Kind::Method) => segment_matches(glob, path[0]),
            (Ban::Macro(name), Kind::Macro) => path.last() == Some(name),
            (Ban::Keyword(word), Kind::Keyword) => path == [*word],
            (Ban::CrateBut(allowed), Kind::Import | Kind::Path | Kind::Macro) => {
                let outside = |path: &[String]| {
                    path.first().is_some_and(|first| first == "crate")
                        && path
                            .get(1)
                            .is_some_and(|top| !allowed.contains(&top.as_str()))
                };
                outside(&reference.path) && outside(&reference.canonical)
            }
            (Ban::Literal(glob), Kind::Literal) => segment_matches(glob, path[0]),
            _ => false,
        }
    }
}

impl Rule {
    fn covers(&self, layers: &[Layer]) -> bool {
        match self.files {
            Files::In(layer) => layers.contains(&layer),
            Files::InAny(wanted) => wanted.iter().any(|layer| layers.contains(layer)),
            Files::AllBut(layer) => !layers.contains(&layer),
        }
    }

    fn bans(&self, reference: &Reference) -> bool {
        self.bans.iter().any(|ban| ban.matches(reference))
    }
}

struct Violation {
    file: String,
    line: usize,
    described: String,
    rule: &'static Rule,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Violation {
            file,
            line,
            described,
            rule,
            ..
        } = self;
        write!(
            f,
            "{file}:{line}: {described}: {} ({})",
            rule.name, rule.why
        )
    }
}

fn check(files: &[SourceFile], rules: &[&'static Rule]) -> Vec<Violation> {
    let krate = Crate::of(files);
    let mut violations = Vec::new();
    for file in files {
        let references = krate.references(file);
        let layers = file.layers();
        for rule in rules.iter().filter(|rule| rule.covers(&layers)) {
            violations.extend(
                references
                    .iter()
                    .filter(|r| rule.bans(r))
                    .map(|r| Violation {
                        file: file.path.clone(),
                        line: r.line,
                        described: r.describe(),
                        rule,
                    }),
            );
        }
    }
    violations
}

#[test]
fn every_file_is_in_a_layer() {
    let outside: Vec<String> = read_tree()
        .iter()
        .filter(|file| file.layers().is_empty())
        .map(|file| file.path.clone())
        .collect();
    assert!(
        outside.is_empty(),
        "files in no layer, so no rule checks them: place each in LAYERS: {outside:?}"
    );
}

#[test]
fn the_source_tree_keeps_its_layers() {
    let files = read_tree();
    for layer in [Layer::View, Layer::State, Layer::Update, Layer::Theme] {
        assert!(
            files.iter().any(|f| f.layers().contains(&layer)),
            "no file in {layer:?}: the layer patterns no longer match the tree"
        );
    }
    let violations: Vec<String> = check(&files, &RULES.iter().collect::<Vec<_>>())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

// Import cycles between top-level modules.

/// One module naming another: `from` → `to`, first seen at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edge {
    from: String,
    to: String,
    at: String,
}

/// Every pair of top-level modules where the first names the second, with where it first does.
fn module_edges(files: &[SourceFile]) -> Vec<Edge> {
    let krate = Crate::of(files);
    let mut edges: BTreeMap<(String, String), String> = BTreeMap::new();
    for file in files {
        let Some(from) = file.module.get(1) else {
            continue;
        };
        for reference in krate.references(file) {
            if !matches!(reference.kind, Kind::Import | Kind::Path | Kind::Macro) {
                continue;
            }
            let Some(to) = [&reference.canonical, &reference.path]
                .into_iter()
                .find(|path| path.first().is_some_and(|p| p == "crate"))
                .and_then(|path| path.get(1))
                .filter(|to| {
                    *to != from
                        && krate
                            .modules
                            .contains_key(&["crate".to_string(), (*to).clone()][..])
                })
            else {
                continue;
            };
            edges.entry((from.clone(), to.clone())).or_insert_with(|| {
                format!("{}:{} {}", file.path, reference.line, reference.written())
            });
        }
    }
    edges
        .into_iter()
        .map(|((from, to), at)| Edge { from, to, at })
        .collect()
}

/// The edges that lie on a cycle: those inside a strongly connected component (Tarjan).
fn edges_on_cycles(edges: &[Edge]) -> Vec<Edge> {
    let mut nodes: Vec<&str> = edges
        .iter()
        .flat_map(|e| [e.from.as_str(), e.to.as_str()])
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    let position = |name: &str| nodes.binary_search(&name).unwrap();
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for edge in edges {
        next[position(&edge.from)].push(position(&edge.to));
    }
    let component = strongly_connected(&next);
    edges
        .iter()
        .filter(|e| component[position(&e.from)] == component[position(&e.to)])
        .cloned()
        .collect()
}

/// The component of each node of the graph `next` (adjacency lists).
fn strongly_connected(next: &[Vec<usize>]) -> Vec<usize> {
    struct Search<'a> {
        next: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on_stack: Vec<bool>,
        component: Vec<usize>,
        counter: usize,
    }
    impl Search<'_> {
        fn visit(&mut self, node: usize) {
            self.index[node] = Some(self.counter);
            self.low[node] = self.counter;
            self.counter += 1;
            self.stack.push(node);
            self.on_stack[node] = true;
            for &to in &self.next[node] {
                match self.index[to] {
                    None => {
                        self.visit(to);
                        self.low[node] = self.low[node].min(self.low[to]);
                    }
                    Some(index) if self.on_stack[to] => self.low[node] = self.low[node].min(index),
                    Some(_) => {}
                }
            }
            if Some(self.low[node]) == self.index[node] {
                while let Some(member) = self.stack.pop() {
                    self.on_stack[member] = false;
                    self.component[member] = node;
                    if member == node {
                        break;
                    }
                }
            }
        }
    }
    let count = next.len();
    let mut search = Search {
        next,
        index: vec![None; count],
        low: vec![0; count],
        stack: Vec::new(),
        on_stack: vec![false; count],
        component: vec![0; count],
        counter: 0,
    };
    for node in 0..count {
        if search.index[node].is_none() {
            search.visit(node);
        }
    }
    search.component
}

/// No two top-level modules import each other, directly or through others: the state (every
/// tab's data) is below the tabs, the tabs' reducers share `reduce` below them, and `screen`
/// draws the tabs from above `ui`'s widgets. (There were 44 edges on cycles when this check came
/// in.)
#[test]
fn no_import_cycle_between_top_level_modules() {
    let on_cycles: Vec<String> = edges_on_cycles(&module_edges(&read_tree()))
        .iter()
        .map(|e| format!("{} -> {} ({})", e.from, e.to, e.at))
        .collect();
    assert!(
        on_cycles.is_empty(),
        "import cycles between top-level modules: a module on a cycle cannot be understood, \
         tested or moved alone; name the shared piece from a lower module instead:\n{}",
        on_cycles.join("\n")
    );
}

#[test]
fn cycles_are_found_and_chains_are_not() {
    let files = [
        ("src/alerts/mod.rs", "use crate::tabs::X;"),
        ("src/tabs/mod.rs", "use crate::state::Y;\npub struct X;"),
        (
            "src/state/mod.rs",
            "fn f() { crate::alerts::g(); }\npub struct Y;",
        ),
        ("src/model/mod.rs", "pub struct Z;"),
        ("src/ui/mod.rs", "use crate::model::Z;\nuse crate::tabs::X;"),
    ];
    let files: Vec<SourceFile> = files
        .iter()
        .map(|(path, source)| SourceFile::parse(path, source))
        .collect();
    let edges = module_edges(&files);
    assert_eq!(edges.len(), 5, "{edges:?}");
    let cycle: Vec<(String, String)> = edges_on_cycles(&edges)
        .into_iter()
        .map(|e| (e.from, e.to))
        .collect();
    assert_eq!(
        cycle,
        [
            ("alerts".to_string(), "tabs".to_string()),
            ("state".to_string(), "alerts".to_string()),
            ("tabs".to_string(), "state".to_string()),
        ]
    );
}

// Self-tests: each rule on bad and good samples, parsed as if they were the given file.

struct Sample {
    rule: &'static str,
    file: &'static str,
    source: &'static str,
    /// The violations (line, description) the rule must report; none for a good sample.
    expect: &'static [(usize, &'static str)],
}

const SAMPLES: &[Sample] = &[
    Sample {
        rule: "messages, effects and files know no tab's state",
        file: "src/persist/alerts.rs",
        source: "use crate::state::alerts::KeptAlerts;",
        expect: &[(1, "crate::state::alerts::KeptAlerts")],
    },
    Sample {
        rule: "messages, effects and files know no tab's state",
        file: "src/effect/alert.rs",
        source: "use crate::alerts::kept::KeptAlerts;\nuse crate::command::Mode;",
        expect: &[],
    },
    Sample {
        rule: "views never reach sources, effects or persistence",
        file: "src/ui/tabs/containers.rs",
        source: "use crate::collect::docker;",
        expect: &[(1, "crate::collect::docker")],
    },
    Sample {
        rule: "views never reach sources, effects or persistence",
        file: "src/ui/tabs/mod.rs",
        source: "use super::super::collect::X;",
        expect: &[(1, "crate::collect::X")],
    },
    Sample {
        rule: "views never reach sources, effects or persistence",
        file: "src/tabs/containers/view.rs",
        source: "fn f() {\n    crate::effect::Executor::start();\n}",
        expect: &[(2, "crate::effect::Executor::start")],
    },
    Sample {
        rule: "views never reach sources, effects or persistence",
        file: "src/ui/shell.rs",
        source: "use crate::{persist::*, state::AppState};",
        expect: &[(1, "crate::persist::*")],
    },
    Sample {
        rule: "views never reach sources, effects or persistence",
        file: "src/ui/tabs/mod.rs",
        source: "use super::format::truncate;\nuse crate::effects_free::X;\nuse crate::state::AppState;",
        expect: &[],
    },
    Sample {
        rule: "views do no I/O",
        file: "src/ui/widgets.rs",
        source: "fn f() {\n    std::thread::sleep(PAUSE);\n}",
        expect: &[(2, "std::thread::sleep")],
    },
    Sample {
        rule: "views do no I/O",
        file: "src/tabs/resources/view/table.rs",
        source: "use std::fs;\nfn f() {\n    let _ = fs::read(\"x\");\n}",
        expect: &[(1, "std::fs"), (3, "std::fs::read")],
    },
    Sample {
        rule: "views do no I/O",
        file: "src/ui/mod.rs",
        source: "fn f() {\n    tokio::select! {}\n}",
        expect: &[(2, "tokio::select!")],
    },
    Sample {
        rule: "views do no I/O",
        file: "src/ui/mod.rs",
        source: "fn f() -> std::time::Duration {\n    std::time::Duration::from_secs(1)\n}",
        expect: &[],
    },
    Sample {
        rule: "views read no clock",
        file: "src/ui/mod.rs",
        source: "use chrono::Utc;\nfn f() {\n    let _ = Utc::now();\n}",
        expect: &[(3, "chrono::Utc::now")],
    },
    Sample {
        rule: "views read no clock",
        file: "src/ui/format.rs",
        source: "use std::time::Instant as Clock;\nfn f() {\n    Clock::now();\n}",
        expect: &[(3, "std::time::Instant::now")],
    },
    Sample {
        rule: "views read no clock",
        file: "src/ui/mod.rs",
        source: "use chrono::Utc;\nmod clock {\n    use super::Utc;\n    fn f() {\n        Utc::now();\n    }\n}",
        expect: &[(5, "crate::ui::Utc::now (= chrono::Utc::now)")],
    },
    Sample {
        rule: "views read no clock",
        file: "src/tabs/alerts/view.rs",
        source: "fn f() -> std::time::SystemTime {\n    todo!()\n}",
        expect: &[(1, "std::time::SystemTime")],
    },
    Sample {
        rule: "views read no clock",
        file: "src/ui/shell.rs",
        source: "fn f() -> String {\n    format!(\"{}\", chrono::offset::Local::now())\n}",
        expect: &[(2, "chrono::offset::Local::now")],
    },
    Sample {
        rule: "views read no clock",
        file: "src/ui/shell.rs",
        source: "use chrono::{DateTime, Utc};\nfn f(now: DateTime<Utc>) -> String {\n    now.to_rfc3339()\n}",
        expect: &[],
    },
    Sample {
        rule: "views take colours from the theme",
        file: "src/ui/widgets.rs",
        source: "fn f(x: Span) -> Span {\n    x.red()\n}",
        expect: &[(2, ".red()")],
    },
    Sample {
        rule: "views take colours from the theme",
        file: "src/tabs/containers/view.rs",
        source: "fn f(x: Span) -> Span {\n    x.bold().on_light_blue()\n}",
        expect: &[(2, ".on_light_blue()")],
    },
    Sample {
        rule: "views take colours from the theme",
        file: "src/ui/widgets.rs",
        source: "fn f() -> Vec<Span> {\n    vec![Span::raw(\"x\").dark_gray()]\n}",
        expect: &[(2, ".dark_gray()")],
    },
    Sample {
        rule: "views take colours from the theme",
        file: "src/ui/widgets.rs",
        source: "fn f(x: Span, theme: &Theme) -> Span {\n    x.style(theme.red)\n}",
        expect: &[],
    },
    Sample {
        rule: "views judge nothing",
        file: "src/ui/tabs/resources.rs",
        source: "use crate::findings::{Severity, judge};\nfn f() -> Severity {\n    judge(1.0, 2.0, 3.0)\n}",
        expect: &[(1, "crate::findings::judge"), (3, "crate::findings::judge")],
    },
    Sample {
        rule: "views judge nothing",
        file: "src/ui/tabs/containers.rs",
        source: "fn f(state: &AppState) {\n    crate::findings::container_findings(state);\n}",
        expect: &[(2, "crate::findings::container_findings")],
    },
    Sample {
        rule: "views judge nothing",
        file: "src/tabs/containers/view.rs",
        source: "use super::judge::verdict;",
        expect: &[(1, "crate::tabs::containers::judge::verdict")],
    },
    Sample {
        rule: "views judge nothing",
        file: "src/tabs/containers/view.rs",
        source: "use crate::findings::Severity;\nuse super::state::ContainersState;\nfn f(s: Severity) -> Severity {\n    s\n}",
        expect: &[],
    },
    Sample {
        rule: "state never reaches sources, effects, persistence or the ui",
        file: "src/state/containers.rs",
        source: "use crate::collect::containers::ContainerInfo;",
        expect: &[(1, "crate::collect::containers::ContainerInfo")],
    },
    Sample {
        rule: "state never reaches sources, effects, persistence or the ui",
        file: "src/findings.rs",
        source: "fn f(frame: &mut ratatui::Frame) {}",
        expect: &[(1, "ratatui::Frame")],
    },
    Sample {
        rule: "state never reaches sources, effects, persistence or the ui",
        file: "src/tabs/alerts/record.rs",
        source: "use crate::ui::RenderCtx;",
        expect: &[(1, "crate::ui::RenderCtx")],
    },
    Sample {
        rule: "state never reaches sources, effects, persistence or the ui",
        file: "src/state/mod.rs",
        source: "mod containers;\nuse containers::ContainersState;\nuse crate::model::ContainerInfo;",
        expect: &[],
    },
    Sample {
        rule: "state does no I/O",
        file: "src/state/mod.rs",
        source: "fn load() -> String {\n    std::fs::read_to_string(\"x\").unwrap_or_default()\n}",
        expect: &[(2, "std::fs::read_to_string")],
    },
    Sample {
        rule: "state does no I/O",
        file: "src/metrics/store.rs",
        source: "fn f() {\n    let _ = std::env::var(\"HOME\");\n}",
        expect: &[(2, "std::env::var")],
    },
    Sample {
        rule: "state does no I/O",
        file: "src/state/mod.rs",
        source: "use std::collections::BTreeMap;\n#[cfg(test)]\nmod tests {\n    fn f() {\n        std::fs::read(\"x\");\n    }\n}",
        expect: &[],
    },
    Sample {
        rule: "state reads no clock",
        file: "src/tabs/containers/judge.rs",
        source: "fn f() {\n    let _ = chrono::offset::Local::now();\n}",
        expect: &[(2, "chrono::offset::Local::now")],
    },
    Sample {
        rule: "state reads no clock",
        file: "src/model/containers.rs",
        source: "use std::time::Instant;\nfn f() -> Instant {\n    Instant::now()\n}",
        expect: &[(3, "std::time::Instant::now")],
    },
    Sample {
        rule: "state reads no clock",
        file: "src/state/source.rs",
        source: "fn f(now: chrono::DateTime<chrono::Utc>) {}",
        expect: &[],
    },
    Sample {
        rule: "state reads no clock",
        file: "src/state/runbook.rs",
        source: "use chrono::prelude::*;\nfn f() {\n    let _ = Utc::now();\n}",
        expect: &[(3, "Utc::now")],
    },
    Sample {
        rule: "state reads no clock",
        file: "src/alerts/engine.rs",
        source: "use std::time::*;\nfn f() {\n    let _ = SystemTime::now();\n    let _ = Instant::now();\n}",
        expect: &[(3, "SystemTime::now"), (4, "Instant::now")],
    },
    Sample {
        rule: "state does no I/O",
        file: "src/tabs/databases/record.rs",
        source: "use std::io::Write;\nfn f(c: tokio_postgres::Client) {}",
        expect: &[(1, "std::io::Write"), (2, "tokio_postgres::Client")],
    },
    Sample {
        rule: "update does no I/O",
        file: "src/tabs/endpoints/update.rs",
        source: "use crate::http::HttpClient;\nfn f(c: hyper::Request<()>) {}",
        expect: &[(1, "crate::http::HttpClient"), (2, "hyper::Request")],
    },
    Sample {
        rule: "the model imports nothing of the crate",
        file: "src/model/containers.rs",
        source: "use crate::state::AppState;",
        expect: &[(1, "crate::state::AppState")],
    },
    Sample {
        rule: "the model imports nothing of the crate",
        file: "src/model/source.rs",
        source: "fn f(state: &crate::state::containers::ContainersState) {}",
        expect: &[(1, "crate::state::containers::ContainersState")],
    },
    Sample {
        rule: "the model imports nothing of the crate",
        file: "src/model/source.rs",
        source: "use crate::tab::Tab;",
        expect: &[(1, "crate::tab::Tab")],
    },
    Sample {
        rule: "the model imports nothing of the crate",
        file: "src/model/containers.rs",
        source: "use super::engine::EngineId;\nuse crate::model::source::SourceId;\nuse chrono::DateTime;",
        expect: &[],
    },
    Sample {
        rule: "the alerts know no tab",
        file: "src/alerts/engine.rs",
        source: "use crate::tabs::resources::record::SERIES;",
        expect: &[(1, "crate::tabs::resources::record::SERIES")],
    },
    Sample {
        rule: "the alerts know no tab",
        file: "src/alerts/rule.rs",
        source: "fn f() {\n    crate::state::chrono_duration(D);\n}",
        expect: &[(2, "crate::state::chrono_duration")],
    },
    Sample {
        rule: "the alerts know no tab",
        file: "src/alerts/engine.rs",
        source: "use crate::metrics::MetricStore;\nuse crate::findings::Severity;",
        expect: &[],
    },
    Sample {
        rule: "messages, effects and files know no tab's state",
        file: "src/msg.rs",
        source: "use crate::state::alerts::AckSilence;",
        expect: &[(1, "crate::state::alerts::AckSilence")],
    },
    Sample {
        rule: "messages, effects and files know no tab's state",
        file: "src/persist/alerts.rs",
        source: "fn save(kept: &crate::state::alerts::KeptAlerts) {}",
        expect: &[(1, "crate::state::alerts::KeptAlerts")],
    },
    Sample {
        rule: "messages, effects and files know no tab's state",
        file: "src/effect/mod.rs",
        source: "use crate::state::AppState;",
        expect: &[(1, "crate::state::AppState")],
    },
    Sample {
        rule: "messages, effects and files know no tab's state",
        file: "src/persist/alerts.rs",
        source: "use crate::alerts::kept::KeptAlerts;\nuse crate::model::source::SourceId;",
        expect: &[],
    },
    Sample {
        rule: "effects never draw",
        file: "src/effect/executor.rs",
        source: "use ratatui::Frame;",
        expect: &[(1, "ratatui::Frame")],
    },
    Sample {
        rule: "effects never draw",
        file: "src/effect/executor.rs",
        source: "use tokio::sync::mpsc;",
        expect: &[],
    },
    Sample {
        rule: "input never reaches sources, effects or persistence",
        file: "src/input.rs",
        source: "use crate::effect::Effect;",
        expect: &[(1, "crate::effect::Effect")],
    },
    Sample {
        rule: "input never reaches sources, effects or persistence",
        file: "src/input.rs",
        source: "use crate::msg::Msg;\nuse crate::action::Action;",
        expect: &[],
    },
    Sample {
        rule: "input does no I/O and reads no clock",
        file: "src/input.rs",
        source: "use chrono::prelude::*;\nfn f() {\n    Utc::now();\n}",
        expect: &[(3, "Utc::now")],
    },
    Sample {
        rule: "input does no I/O and reads no clock",
        file: "src/input.rs",
        source: "use crossterm::event::KeyEvent;",
        expect: &[],
    },
    Sample {
        rule: "sources import only the model, the config and the shared clients",
        file: "src/collect/docker/source.rs",
        source: "use crate::state::AppState;\nuse crate::state::containers::ContainersState;",
        expect: &[
            (1, "crate::state::AppState"),
            (2, "crate::state::containers::ContainersState"),
        ],
    },
    Sample {
        rule: "sources import only the model, the config and the shared clients",
        file: "src/collect/alertmanager.rs",
        source: "use crate::alerts::engine::AlertKey;",
        expect: &[(1, "crate::alerts::engine::AlertKey")],
    },
    Sample {
        rule: "sources import only the model, the config and the shared clients",
        file: "src/collect/endpoints.rs",
        source: "use super::Schedule;\nuse crate::config::EndpointConfig;\nuse crate::http::HttpClient;\nuse crate::model::endpoints::ProbeResult;",
        expect: &[],
    },
    Sample {
        rule: "update never collects, persists or runs effects",
        file: "src/update/mod.rs",
        source: "use crate::collect::SourceReport;",
        expect: &[(1, "crate::collect::SourceReport")],
    },
    Sample {
        rule: "update never collects, persists or runs effects",
        file: "src/tabs/containers/update.rs",
        source: "use crate::effect::Executor;",
        expect: &[(1, "crate::effect::Executor")],
    },
    Sample {
        rule: "update never collects, persists or runs effects",
        file: "src/update/mod.rs",
        source: "use crate::effect::Effect;\nfn f() -> Vec<Effect> {\n    vec![Effect::Quit]\n}",
        expect: &[],
    },
    Sample {
        rule: "update never draws",
        file: "src/update/mod.rs",
        source: "use ratatui::layout::Rect;",
        expect: &[(1, "ratatui::layout::Rect")],
    },
    Sample {
        rule: "update never draws",
        file: "src/tabs/containers/update.rs",
        source: "use super::state::ContainersState;",
        expect: &[],
    },
    Sample {
        rule: "update does no I/O",
        file: "src/update/mod.rs",
        source: "fn f() {\n    std::thread::sleep(PAUSE);\n}",
        expect: &[(2, "std::thread::sleep")],
    },
    Sample {
        rule: "update does no I/O",
        file: "src/tabs/containers/update.rs",
        source: "fn f() {\n    tokio::spawn(work());\n}",
        expect: &[(2, "tokio::spawn")],
    },
    Sample {
        rule: "update does no I/O",
        file: "src/update/mod.rs",
        source: "use std::time::Duration;",
        expect: &[],
    },
    Sample {
        rule: "update reads no clock",
        file: "src/update/mod.rs",
        source: "use chrono::Utc;\nfn f() {\n    let _ = Utc::now();\n}",
        expect: &[(3, "chrono::Utc::now")],
    },
    Sample {
        rule: "update reads no clock",
        file: "src/update/mod.rs",
        source: "use chrono::{DateTime, Utc};\nfn update(now: DateTime<Utc>) {}",
        expect: &[],
    },
    Sample {
        rule: "update is synchronous",
        file: "src/update/mod.rs",
        source: "async fn update() {}",
        expect: &[(1, "async")],
    },
    Sample {
        rule: "update is synchronous",
        file: "src/tabs/containers/update.rs",
        source: "fn f(x: F) {\n    let _ = async { x.await };\n}",
        expect: &[(2, "async"), (2, ".await")],
    },
    Sample {
        rule: "update is synchronous",
        file: "src/update/mod.rs",
        source: "fn update(state: &mut AppState) -> Vec<Effect> {\n    Vec::new()\n}",
        expect: &[],
    },
    Sample {
        rule: "sources never draw",
        file: "src/collect/docker.rs",
        source: "use ratatui::style::Style;",
        expect: &[(1, "ratatui::style::Style")],
    },
    Sample {
        rule: "sources never draw",
        file: "src/collect/docker.rs",
        source: "use bollard::Docker;",
        expect: &[],
    },
    Sample {
        rule: "colours come only from the theme",
        file: "src/ui/shell.rs",
        source: "use ratatui::style::Color;\nfn f() -> Color {\n    Color::Red\n}",
        expect: &[
            (1, "ratatui::style::Color"),
            (2, "ratatui::style::Color"),
            (3, "ratatui::style::Color::Red"),
        ],
    },
    Sample {
        rule: "colours come only from the theme",
        file: "src/state/mod.rs",
        source: "use ratatui::prelude::*;\nfn f() {\n    let _ = Color::Red;\n}",
        expect: &[(3, "Color::Red")],
    },
    Sample {
        rule: "colours come only from the theme",
        file: "src/check.rs",
        source: "fn f() {\n    let _ = ratatui::style::palette::tailwind::RED.c500;\n}",
        expect: &[(2, "ratatui::style::palette::tailwind::RED")],
    },
    Sample {
        rule: "colours come only from the theme",
        file: "src/config/theme.rs",
        source: "use ratatui::style::Color;\nfn f() -> Color {\n    Color::Red\n}",
        expect: &[],
    },
    Sample {
        rule: "colours come only from the theme",
        file: "src/ui/shell.rs",
        source: "fn f(theme: &Theme) -> Style {\n    Style::new().fg(theme.accent)\n}",
        expect: &[],
    },
    Sample {
        rule: "only main prints",
        file: "src/app.rs",
        source: "fn f() {\n    println!(\"x\");\n}",
        expect: &[(2, "println!")],
    },
    Sample {
        rule: "only main prints",
        file: "src/ui/mod.rs",
        source: "fn f() {\n    let _ = vec![dbg!(1), std::eprintln!()];\n}",
        expect: &[(2, "dbg!"), (2, "std::eprintln!")],
    },
    Sample {
        rule: "only main prints",
        file: "src/main.rs",
        source: "fn main() {\n    println!(\"x\");\n}",
        expect: &[],
    },
    Sample {
        rule: "only main prints",
        file: "src/app.rs",
        source: "fn f(out: &mut String) {\n    let _ = writeln!(out, \"x\");\n}",
        expect: &[],
    },
    Sample {
        rule: "the Resources tab's series are named only in its record.rs",
        file: "src/tabs/resources/view.rs",
        source: "fn f() -> SeriesKey {\n    SeriesKey::new(\"system_cpu_percent\")\n}",
        expect: &[(2, "\"system_cpu_percent\"")],
    },
    Sample {
        rule: "the Resources tab's series are named only in its record.rs",
        file: "src/tabs/alerts/judge.rs",
        source: "fn f(x: &str) -> bool {\n    matches!(x, \"system_load_1m\")\n}",
        expect: &[(2, "\"system_load_1m\"")],
    },
    Sample {
        rule: "the Resources tab's series are named only in its record.rs",
        file: "src/tabs/resources/view.rs",
        source: "/// Draws `system_cpu_percent`.\nfn f() -> Line {\n    Line::raw(\"system busy\")\n}\n#[cfg(test)]\nmod tests {\n    const CPU: &str = \"system_cpu_percent\";\n}",
        expect: &[],
    },
    Sample {
        rule: "the Resources tab's series are named only in its record.rs",
        file: "src/tabs/resources/record.rs",
        source: "const CPU_PERCENT: &str = \"system_cpu_percent\";",
        expect: &[],
    },
];

fn rule_named(name: &str) -> &'static Rule {
    RULES
        .iter()
        .find(|rule| rule.name == name)
        .unwrap_or_else(|| panic!("no rule named {name:?}"))
}

fn sample_result(sample: &Sample) -> Result<(), String> {
    let rule = rule_named(sample.rule);
    let file = SourceFile::parse(sample.file, sample.source);
    let found: Vec<(usize, String)> = check(&[file], &[rule])
        .into_iter()
        .map(|v| (v.line, v.described))
        .collect();
    let expected: Vec<(usize, String)> = sample
        .expect
        .iter()
        .map(|(line, what)| (*line, what.to_string()))
        .collect();
    if found == expected {
        Ok(())
    } else {
        Err(format!("expected {expected:?}, found {found:?}"))
    }
}

#[test]
fn every_rule_reports_its_bad_samples_and_passes_its_good_ones() {
    let failures: Vec<String> = SAMPLES
        .iter()
        .filter_map(|sample| {
            sample_result(sample).err().map(|e| {
                format!(
                    "{} on {}: {:?}: {e}",
                    sample.rule, sample.file, sample.source
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_bad_and_a_good_sample() {
    for rule in RULES {
        let samples: Vec<&Sample> = SAMPLES.iter().filter(|s| s.rule == rule.name).collect();
        assert!(
            samples.iter().any(|s| !s.expect.is_empty()),
            "{}: no bad sample",
            rule.name
        );
        assert!(
            samples.iter().any(
                |s| s.expect.is_empty() && rule.covers(&SourceFile::parse(s.file, "").layers())
            ),
            "{}: no good sample among the files it covers",
            rule.name
        );
    }
}

// Self-tests of the path resolution the rules rely on.

fn described_references(files: &[(&str, &str)], of: &str) -> Vec<String> {
    let files: Vec<SourceFile> = files
        .iter()
        .map(|(path, source)| SourceFile::parse(path, source))
        .collect();
    let file = files.iter().find(|f| f.path == of).unwrap();
    Crate::of(&files)
        .references(file)
        .iter()
        .map(Reference::describe)
        .collect()
}

#[test]
fn use_trees_expand_to_full_paths() {
    let source = "use crate::{collect::{self, docker::Docker as Engine}, state::*};\n\
                  use super::format;\n\
                  fn f() { Engine::new(); collect::run(); format::bytes(); }";
    assert_eq!(
        described_references(&[("src/ui/tabs/mod.rs", source)], "src/ui/tabs/mod.rs"),
        [
            "crate::collect",
            "crate::collect::docker::Docker",
            "crate::state::*",
            "crate::ui::format",
            "crate::collect::docker::Docker::new",
            "crate::collect::run",
            "crate::ui::format::bytes",
        ]
    );
}

#[test]
fn names_resolve_through_local_modules_import_chains_and_inline_modules() {
    let source = "mod containers;\n\
                  use containers::ContainersState;\n\
                  use std::time;\n\
                  use time::Instant;\n\
                  mod inner { use super::Instant; fn f() { Instant::now(); } }";
    assert_eq!(
        described_references(&[("src/state/mod.rs", source)], "src/state/mod.rs"),
        [
            "crate::state::containers::ContainersState",
            "std::time",
            "std::time::Instant",
            "crate::state::Instant (= std::time::Instant)",
            "crate::state::Instant::now (= std::time::Instant::now)",
        ]
    );
}

#[test]
fn a_glob_import_resolves_through_the_module_it_names() {
    let files = [
        ("src/findings.rs", "pub fn resource_findings() {}"),
        (
            "src/ui/tabs/resources.rs",
            "use crate::findings::*;\nfn f() { resource_findings(); }",
        ),
    ];
    assert_eq!(
        described_references(&files, "src/ui/tabs/resources.rs"),
        ["crate::findings::*", "crate::findings::resource_findings"]
    );
}

#[test]
fn files_map_to_their_modules_and_layers() {
    let cases: &[(&str, &str, &[Layer])] = &[
        ("src/lib.rs", "crate", &[Layer::Runtime]),
        (
            "src/tabs/runbook/checks.rs",
            "crate::tabs::runbook::checks",
            &[],
        ),
        (
            "src/alerts/engine.rs",
            "crate::alerts::engine",
            &[Layer::State, Layer::Alerts],
        ),
        ("src/ui/tabs/mod.rs", "crate::ui::tabs", &[Layer::View]),
        (
            "src/tabs/containers/view.rs",
            "crate::tabs::containers::view",
            &[Layer::View],
        ),
        (
            "src/state/containers.rs",
            "crate::state::containers",
            &[Layer::State],
        ),
        (
            "src/tabs/containers/update.rs",
            "crate::tabs::containers::update",
            &[Layer::Update],
        ),
        (
            "src/model/containers.rs",
            "crate::model::containers",
            &[Layer::State, Layer::Model],
        ),
        (
            "src/config/theme.rs",
            "crate::config::theme",
            &[Layer::Config, Layer::Theme],
        ),
    ];
    for (path, module, layers) in cases {
        let file = SourceFile::parse(path, "");
        assert_eq!(file.module.join("::"), *module, "{path}");
        assert_eq!(file.layers(), *layers, "{path}");
    }
}
