//! Lays out the release binary so that the code run at start-up and at rest sits together.
//!
//! The kernel maps a binary's code in blocks (64 or 128 KiB) around each page a process touches,
//! so a few thousand hot functions scattered over 6 MB of code keep most of it resident: 5.8–6.0
//! MiB of code at rest before this layout, 2.1 MiB with it. `link/hot-code.txt`, made by
//! `scripts/order-file.sh`, lists those functions; lld places them first. Only release builds for
//! x86_64 Linux, where rustc links with lld. A function the list names that the binary lacks
//! (another rustc, an updated dependency) is skipped: the layout then saves less memory, nothing
//! else changes. `WATCHDECK_NO_CODE_LAYOUT=1` turns it off, e.g. for a linker without
//! `--symbol-ordering-file`.

use std::{env, fs, path::Path, process::Command};

const HOT_CODE: &str = "link/hot-code.txt";
const RUSTC_LINE: &str = "# made with ";

fn main() {
    println!("cargo:rerun-if-changed={HOT_CODE}");
    println!("cargo:rerun-if-env-changed=WATCHDECK_NO_CODE_LAYOUT");
    let release = env::var("PROFILE").is_ok_and(|profile| profile == "release");
    let lld_target = env::var("TARGET").is_ok_and(|target| target == "x86_64-unknown-linux-gnu");
    if !release || !lld_target || env::var_os("WATCHDECK_NO_CODE_LAYOUT").is_some() {
        return;
    }
    let Some(manifest_dir) = env::var_os("CARGO_MANIFEST_DIR") else {
        return;
    };
    let hot_code = Path::new(&manifest_dir).join(HOT_CODE);
    let Ok(list) = fs::read_to_string(&hot_code) else {
        println!(
            "cargo:warning={HOT_CODE} is missing: the release binary keeps more code resident"
        );
        return;
    };
    warn_when_made_by_another_rustc(&list);
    println!(
        "cargo:rustc-link-arg-bin=watchdeck=-Wl,--symbol-ordering-file={}",
        hot_code.display()
    );
    println!("cargo:rustc-link-arg-bin=watchdeck=-Wl,--no-warn-symbol-ordering");
}

/// Symbol names carry a hash of the compiler and the dependencies, so a list made by another
/// rustc matches nothing; say so rather than let the memory at rest grow unnoticed.
fn warn_when_made_by_another_rustc(list: &str) {
    let made_with = list.lines().find_map(|line| line.strip_prefix(RUSTC_LINE));
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let this_rustc = Command::new(rustc)
        .arg("-V")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok());
    if let (Some(made_with), Some(this_rustc)) = (made_with, this_rustc)
        && made_with.trim() != this_rustc.trim()
    {
        println!(
            "cargo:warning={HOT_CODE} was made with {}, this is {}: run scripts/order-file.sh \
             to keep the release binary's code at rest small",
            made_with.trim(),
            this_rustc.trim()
        );
    }
}
