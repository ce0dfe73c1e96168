//! Where the shell's parts go; shared by drawing and mouse hit-testing so they cannot disagree.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::command::Mode;
use crate::tab::Tab;
use strum::IntoEnumIterator;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    pub header: Rect,
    pub tabs: Rect,
    pub body: Rect,
    pub footer: Rect,
}

pub fn screen(area: Rect, mode: Mode) -> Screen {
    let header_height = if mode == Mode::Watch { 3 } else { 1 };
    let [header, tabs, body, footer] = Layout::vertical([
        Constraint::Length(header_height),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    Screen {
        header,
        tabs,
        body,
        footer,
    }
}

/// The label of a tab in the tab bar: ` 1 Resources ` when the bar is wide enough for padded
/// labels, `1 Resources` when not (80 columns).
pub fn tab_label(tab: Tab, padded: bool) -> String {
    if padded {
        format!(" {} {} ", tab.number(), tab.title())
    } else {
        format!("{} {}", tab.number(), tab.title())
    }
}

/// Width of a tab's marker slot (a severity symbol and a space).
pub const MARKER_WIDTH: u16 = 2;

fn bar_width(padded: bool) -> u16 {
    Tab::iter()
        .map(|tab| tab_label(tab, padded).chars().count() as u16 + MARKER_WIDTH)
        .sum()
}

/// Whether the tab bar fits padded labels in this width.
pub fn padded_tabs(width: u16) -> bool {
    bar_width(true) <= width
}

/// The column ranges of each tab in the tab bar, left to right.
pub fn tab_spans(tabs_area: Rect) -> Vec<(Tab, u16, u16)> {
    let padded = padded_tabs(tabs_area.width);
    let mut x = tabs_area.x + u16::from(!padded);
    Tab::iter()
        .map(|tab| {
            let width = tab_label(tab, padded).chars().count() as u16 + MARKER_WIDTH;
            let span = (tab, x, x + width);
            x += width;
            span
        })
        .collect()
}

/// The tab under a mouse click, if any.
pub fn tab_at(area: Rect, mode: Mode, column: u16, row: u16) -> Option<Tab> {
    let tabs = screen(area, mode).tabs;
    if row != tabs.y {
        return None;
    }
    tab_spans(tabs)
        .into_iter()
        .find(|(_, start, end)| (*start..*end).contains(&column))
        .map(|(tab, _, _)| tab)
}

/// A rectangle of at most `width` x `height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clicks_on_the_tab_bar_pick_tabs() {
        let area = Rect::new(0, 0, 120, 40);
        assert_eq!(tab_at(area, Mode::Interactive, 0, 1), Some(Tab::Resources));
        let spans = tab_spans(screen(area, Mode::Interactive).tabs);
        let (_, start, _) = spans[2];
        assert_eq!(tab_at(area, Mode::Interactive, start, 1), Some(Tab::Alerts));
        assert_eq!(
            tab_at(area, Mode::Interactive, start, 0),
            None,
            "the header is not the tab bar"
        );
        assert_eq!(
            tab_at(area, Mode::Watch, start, 3),
            Some(Tab::Alerts),
            "watch mode has a taller header"
        );
        assert_eq!(tab_at(area, Mode::Interactive, 119, 1), None);
    }

    #[test]
    fn every_tab_fits_in_80_columns() {
        let spans = tab_spans(Rect::new(0, 1, 80, 1));
        assert!(!padded_tabs(80));
        assert!(spans.iter().all(|(_, _, end)| *end <= 80), "{spans:?}");
    }
}
