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

/// A column of a table: the width it wants (its content's, see [`content_width`]), the width it
/// may give way to when the row is narrow, whether it is left out then (`rank` > 0, the lowest
/// first) and whether it takes the room the others leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub width: usize,
    pub min: usize,
    pub rank: u8,
    pub grow: bool,
}

impl Column {
    /// A column always `width` wide (figures, which must not be cut).
    pub const fn fixed(width: usize) -> Self {
        Self {
            width,
            min: width,
            rank: 0,
            grow: false,
        }
    }

    /// A column as wide as its title or widest cell, at most `max`; it gives way down to its
    /// title's width (or `max`, if less), its cells then ending with `…`.
    pub fn content<'a>(title: &str, cells: impl Iterator<Item = &'a str>, max: usize) -> Self {
        let width = content_width(title, cells, max);
        Self {
            width,
            min: title.chars().count().min(width),
            rank: 0,
            grow: false,
        }
    }

    /// Left out when the row is too narrow even at every column's narrowest, the lowest rank
    /// first.
    pub const fn rank(self, rank: u8) -> Self {
        Self { rank, ..self }
    }

    /// Never narrower than `min`.
    pub const fn at_least(self, min: usize) -> Self {
        Self {
            min,
            width: if self.width > min { self.width } else { min },
            ..self
        }
    }

    /// Takes the room the other columns leave.
    pub const fn grow(self) -> Self {
        Self { grow: true, ..self }
    }
}

/// The widths of `columns` in a row `room` cells wide with `spacing` between columns (`None`: left
/// out). Each gets the width it wants; when they do not fit, ranked columns are left out while
/// the rest do not fit at their narrowest, then the widest give way first, down to their
/// narrowest. What is left goes to the growing columns, shared evenly.
pub fn column_widths(columns: &[Column], room: usize, spacing: usize) -> Vec<Option<usize>> {
    let mut widths: Vec<Option<usize>> = columns.iter().map(|c| Some(c.width)).collect();
    let total = |widths: &[Option<usize>], of: fn(&Column) -> usize| -> usize {
        let kept: Vec<&Column> = columns
            .iter()
            .zip(widths)
            .filter(|(_, w)| w.is_some())
            .map(|(c, _)| c)
            .collect();
        kept.iter().map(|c| of(c)).sum::<usize>() + spacing * kept.len().saturating_sub(1)
    };
    while total(&widths, |c| c.min) > room {
        let lowest = columns
            .iter()
            .enumerate()
            .filter(|(i, c)| c.rank > 0 && widths[*i].is_some())
            .min_by_key(|(_, c)| c.rank)
            .map(|(i, _)| i);
        let Some(drop) = lowest else { break };
        widths[drop] = None;
    }
    let used = |widths: &[Option<usize>]| {
        let kept = widths.iter().flatten().count();
        widths.iter().flatten().sum::<usize>() + spacing * kept.saturating_sub(1)
    };
    // Down to their narrowest first; past it only when the row cannot hold them otherwise, so
    // the widths never add up to more than the row.
    let mut excess = used(&widths).saturating_sub(room);
    for floor in [|c: &Column| c.min, |_: &Column| 1] {
        while excess > 0 {
            let widest = columns
                .iter()
                .zip(&widths)
                .enumerate()
                .filter_map(|(i, (c, w))| w.filter(|w| *w > floor(c)).map(|w| (i, w)))
                .max_by_key(|(i, w)| (*w, std::cmp::Reverse(*i)));
            let Some((i, _)) = widest else { break };
            if let Some(w) = widths[i].as_mut() {
                *w -= 1;
            }
            excess -= 1;
        }
    }
    let growing: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].grow && widths[i].is_some())
        .collect();
    let left = room.saturating_sub(used(&widths));
    for (n, &i) in growing.iter().enumerate() {
        let share = left / growing.len() + usize::from(n < left % growing.len());
        if let Some(w) = widths[i].as_mut() {
            *w += share;
        }
    }
    widths
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
    fn columns_take_their_content_then_give_way_widest_first() {
        let name = Column::content("NAME", ["redirect-to-login"].into_iter(), 30).grow();
        let state = Column::content("STATE", ["down: connection refused"].into_iter(), 12);
        let code = Column::fixed(4);
        // Room for all: each its content, the name the rest.
        assert_eq!(
            column_widths(&[state, name, code], 50, 1),
            [Some(12), Some(32), Some(4)]
        );
        // Narrow: the widest gives way first, never under its title.
        assert_eq!(
            column_widths(&[state, name, code], 30, 1),
            [Some(12), Some(12), Some(4)]
        );
        assert_eq!(
            column_widths(&[state, name, code], 15, 1),
            [Some(5), Some(4), Some(4)]
        );
        // Narrower than their narrowest: still never more than the row.
        assert_eq!(
            column_widths(&[state, name, code], 10, 1),
            [Some(2), Some(3), Some(3)]
        );
    }

    #[test]
    fn ranked_columns_go_when_the_rest_cannot_fit() {
        let columns = [
            Column::fixed(8),
            Column::fixed(10).rank(2),
            Column::fixed(10).rank(1),
            Column::fixed(6).at_least(6).grow(),
        ];
        assert_eq!(
            column_widths(&columns, 40, 1),
            [Some(8), Some(10), Some(10), Some(9)]
        );
        assert_eq!(
            column_widths(&columns, 30, 1),
            [Some(8), Some(10), None, Some(10)]
        );
        assert_eq!(
            column_widths(&columns, 16, 1),
            [Some(8), None, None, Some(7)]
        );
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("nginx", 10), "nginx");
        assert_eq!(truncate("postgres: writer", 8), "postgre…");
    }
}
