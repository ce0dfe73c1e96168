//! The real test services that `scripts/services-up.sh` starts. Run alone without them a test
//! says what to start and passes; under CI (`CI=true` or `CI=1`) a missing service fails it.

/// True under CI, where nothing a test needs may be missing.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// `None` with a note saying `what` is missing, outside CI; a failed test under CI.
pub fn skip_unless_ci<T>(what: &str) -> Option<T> {
    assert!(
        !in_ci(),
        "{what}: CI must run scripts/test.sh, which starts the services"
    );
    eprintln!("skipping: {what}; run `eval \"$(scripts/services-up.sh)\"` first");
    None
}

/// The value of the services' variable `variable` (an address, a path), or `skip_unless_ci`.
pub fn service(variable: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(value) if !value.is_empty() => Some(value),
        _ => skip_unless_ci(&format!("{variable} is not set")),
    }
}
