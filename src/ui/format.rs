//! Human-readable numbers for narrow columns.

use std::time::Duration;

/// Bytes in binary units with at most one decimal: `512 B`, `1.5 KiB`, `7.7 GiB`.
pub fn bytes(value: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = value.max(0.0);
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

pub fn rate(bytes_per_second: f64) -> String {
    format!("{}/s", bytes(bytes_per_second))
}

/// A coarse duration: `45s`, `12m`, `3h 5m`, `2d 4h`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86400, s % 86400 / 3600),
    }
}

/// A horizontal bar of `width` cells, `percent` full, using eighth blocks for the edge.
pub fn bar(percent: f64, width: usize) -> (String, String) {
    const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let eighths = ((percent.clamp(0.0, 100.0) / 100.0) * (width * 8) as f64).round() as usize;
    let full = eighths / 8;
    let mut filled = "█".repeat(full);
    let mut used = full;
    if full < width && !eighths.is_multiple_of(8) {
        filled.push(EIGHTHS[eighths % 8]);
        used += 1;
    }
    (filled, "░".repeat(width - used))
}

/// The width of a column sized to its content: its widest cell or its title, at most `max`.
pub fn content_width<'a>(title: &str, cells: impl Iterator<Item = &'a str>, max: usize) -> usize {
    cells
        .map(|cell| cell.chars().count())
        .fold(title.chars().count(), usize::max)
        .min(max)
}

/// Cuts `text` to `width` characters, ending with `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    if width > 0 {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_use_binary_units() {
        assert_eq!(bytes(0.0), "0 B");
        assert_eq!(bytes(1023.0), "1023 B");
        assert_eq!(bytes(1536.0), "1.5 KiB");
        assert_eq!(bytes(8.0 * 1024.0 * 1024.0 * 1024.0), "8.0 GiB");
        assert_eq!(bytes(200.0 * 1024.0 * 1024.0), "200 MiB");
    }

    #[test]
    fn durations_are_coarse() {
        assert_eq!(duration(Duration::from_secs(59)), "59s");
        assert_eq!(duration(Duration::from_secs(61)), "1m");
        assert_eq!(duration(Duration::from_secs(3 * 3600 + 300)), "3h 5m");
        assert_eq!(duration(Duration::from_secs(2 * 86400 + 4 * 3600)), "2d 4h");
    }

    #[test]
    fn bars_fill_proportionally() {
        assert_eq!(bar(0.0, 4), (String::new(), "░░░░".into()));
        assert_eq!(bar(50.0, 4), ("██".into(), "░░".into()));
        assert_eq!(bar(100.0, 4), ("████".into(), String::new()));
        let (filled, empty) = bar(33.0, 10);
        assert_eq!(filled.chars().count() + empty.chars().count(), 10);
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("nginx", 10), "nginx");
        assert_eq!(truncate("postgres: writer", 8), "postgre…");
    }
}
