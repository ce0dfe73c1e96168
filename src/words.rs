//! Counts in words, as the screens, dialogs and reports write them.

/// `1 day`, `2 days`, `0 days`: the noun agrees with the count.
pub fn count<N: std::fmt::Display + PartialEq + From<u8>>(n: N, noun: &str) -> String {
    if n == N::from(1) {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A word with its first letter in capitals, for dialog titles.
pub fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_the_rest_plural() {
        assert_eq!(count(1u32, "day"), "1 day");
        assert_eq!(count(0usize, "day"), "0 days");
        assert_eq!(count(2i64, "alert"), "2 alerts");
        assert_eq!(count(u64::MAX, "session"), format!("{} sessions", u64::MAX));
    }
}
