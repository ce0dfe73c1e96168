//! Layering rules, checked on the source text since the project is one crate:
//! sources and state never draw, views never do I/O, colours only come from themes.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    if dir.is_file() {
        return vec![dir.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("source dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

fn offenders(dir: &str, forbidden: &[&str]) -> Vec<String> {
    rust_files(Path::new(dir))
        .into_iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            forbidden
                .iter()
                .filter(|needle| {
                    text.lines()
                        .any(|l| !l.trim_start().starts_with("//") && l.contains(*needle))
                })
                .map(|needle| format!("{} uses {needle}", path.display()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn sources_and_state_never_import_the_ui() {
    for dir in ["src/collect", "src/state"] {
        let found = offenders(dir, &["ratatui", "crate::ui"]);
        assert!(found.is_empty(), "{found:?}");
    }
}

#[test]
fn views_never_do_io() {
    let found = offenders(
        "src/ui",
        &[
            "tokio",
            "std::fs",
            "std::net",
            "sysinfo",
            "reqwest",
            "bollard",
            "Utc::now",
            "Local::now",
        ],
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn update_is_synchronous_and_reads_no_clock() {
    let found = offenders(
        "src/update.rs",
        &[
            "async ",
            ".await",
            "Utc::now",
            "Local::now",
            "Instant::now",
            "std::fs",
        ],
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn colours_come_only_from_themes() {
    let found: Vec<String> = offenders("src", &["Color::"])
        .into_iter()
        .filter(|o| !o.contains("config/theme.rs"))
        .collect();
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn nothing_prints_to_the_terminal_while_the_ui_runs() {
    let found: Vec<String> = offenders("src", &["println!", "eprintln!", "print!(", "dbg!("])
        .into_iter()
        .filter(|o| !o.starts_with("src/main.rs"))
        .collect();
    assert!(
        found.is_empty(),
        "only main.rs prints, before or after the UI: {found:?}"
    );
}
