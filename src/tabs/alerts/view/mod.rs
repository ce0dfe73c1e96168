//! The Alerts tab: a list and the selected item's detail below, for each of its views (alerts,
//! silences, history, rules); `v` goes round them, and every list's frame names them all.

mod alerts;
mod history;
mod rules;
mod silences;
mod status;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap,
};

use crate::alerts::engine::AlertKey;
use crate::model::resources::HostKey;
use crate::state::AppState;
use crate::state::alerts::{AlertsState, AlertsView};
use crate::state::list::Window;
use crate::tabs::resources::record::shows_label;
use crate::ui::{RenderCtx, list};

/// Draws the tab; gives back how many rows the list of the view shown showed.
pub fn render(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) -> Option<usize> {
    let area = status::render_notify_status(buffer, area, state, ctx);
    let banners = Paragraph::new(alerts::down_banners(state, ctx)).wrap(Wrap { trim: false });
    let banner_height = (banners.line_count(area.width) as u16).min(area.height / 3);
    let [banner_area, area] =
        Layout::vertical([Constraint::Length(banner_height), Constraint::Min(0)]).areas(area);
    banners.render(banner_area, buffer);
    let detail_height = 5.min(area.height / 3);
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(detail_height)]).areas(area);
    let (in_view, detail) = match state.alerts.view {
        AlertsView::Alerts => (
            alerts::render_list(buffer, list_area, state, ctx),
            alerts::detail(state, ctx),
        ),
        AlertsView::Silences => (
            silences::render_list(buffer, list_area, &state.alerts, ctx),
            silences::detail(&state.alerts, ctx),
        ),
        AlertsView::History => (
            history::render_list(
                buffer,
                list_area,
                &state.alerts,
                state.resources.implicit_host(),
                ctx,
            ),
            history::detail(&state.alerts, ctx),
        ),
        AlertsView::Rules => (
            rules::render_list(buffer, list_area, &state.alerts, ctx),
            rules::detail(&state.alerts, ctx),
        ),
    };
    render_detail(buffer, detail_area, detail, ctx);
    Some(in_view)
}

/// The frame of a view's list: its heading on the left, every view on the right with the one
/// shown marked and the others' sizes, so the operator sees there is more behind `v`.
fn frame<'a>(heading: Line<'a>, alerts: &AlertsState, ctx: &RenderCtx) -> Block<'a> {
    let mut views = Vec::new();
    for view in AlertsView::ALL {
        let count = match view {
            AlertsView::Alerts => None,
            AlertsView::Silences => Some(alerts.silence_count()),
            AlertsView::History => Some(alerts.history.len()),
            AlertsView::Rules => Some(alerts.catalogue.len()),
        };
        let text = match count {
            Some(count) => format!(" {} {count} ", view.label()),
            None => format!(" {} ", view.label()),
        };
        let style = if view == alerts.view {
            ctx.theme.tab_active
        } else {
            ctx.theme.tab_inactive
        };
        views.push(Span::styled(text, style));
    }
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(heading)
        .title_top(Line::from(views).right_aligned())
}

/// One view's list as a table: its rows under their titles, the selected one kept on the page.
struct ViewTable<'a> {
    heading: Line<'a>,
    titles: Vec<&'a str>,
    widths: Vec<Constraint>,
    rows: Vec<Row<'a>>,
    window: Window,
    /// Written inside the table when it has no rows.
    empty: Option<String>,
}

impl ViewTable<'_> {
    /// Draws the table; gives back how many rows it showed.
    fn render(
        self,
        buffer: &mut Buffer,
        area: Rect,
        alerts: &AlertsState,
        ctx: &RenderCtx,
    ) -> usize {
        let page = area.height.saturating_sub(3) as usize;
        let offset = self.window.offset_in(page);
        let table = Table::new(self.rows, self.widths)
            .header(Row::new(self.titles).style(ctx.theme.table_header))
            .block(frame(self.heading, alerts, ctx))
            .row_highlight_style(ctx.theme.selected)
            .column_spacing(1);
        let mut table_state = TableState::default()
            .with_offset(offset)
            .with_selected(self.window.selected);
        StatefulWidget::render(table, area, buffer, &mut table_state);
        if let Some(note) = self.empty {
            list::render_empty_note(buffer, area, &note, ctx);
        }
        page
    }
}

fn render_detail(buffer: &mut Buffer, area: Rect, lines: Vec<Line<'static>>, ctx: &RenderCtx) {
    if area.height == 0 {
        return;
    }
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(Span::styled(" Selected ", ctx.theme.title));
    let lines = if lines.is_empty() {
        vec![Line::styled("nothing selected", ctx.theme.muted)]
    } else {
        lines
    };
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: true })
        .render(area, buffer);
}

/// Labels that say which thing an Alertmanager's alert is about, shown first in this order.
const IDENTIFYING: [&str; 8] = [
    "instance",
    "job",
    "host",
    "service",
    "container",
    "pod",
    "namespace",
    "device",
];

/// What an alert is about, as the lists show it. The console's own rules have known labels, so
/// their values suffice (`shop-api-1 local`), leaving out the host while the console watches
/// only its own (`implicit`); an Alertmanager's alert names where it comes from and its labels
/// as `name=value`, the identifying ones first (`am:prod instance=db-3:9100 job=node`; its
/// severity is in SEV already), since bare values of unknown labels say little.
fn on_text(key: &AlertKey, implicit: Option<&HostKey>) -> String {
    let Some(server) = key.fleet_source() else {
        let values: Vec<&str> = key
            .labels
            .iter()
            .filter(|(label, value)| shows_label(label, value, implicit))
            .map(|(_, value)| value.as_str())
            .collect();
        return values.join(" ");
    };
    let mut labels: Vec<&(String, String)> = key
        .labels
        .iter()
        .filter(|(label, _)| label != "severity")
        .collect();
    labels.sort_by_key(|(label, _)| {
        IDENTIFYING
            .iter()
            .position(|l| l == label)
            .unwrap_or(IDENTIFYING.len())
    });
    let mut on = vec![server.name];
    on.extend(
        labels
            .iter()
            .map(|(label, value)| format!("{label}={value}")),
    );
    on.join(" ")
}

/// A key's labels as `name=value, …`.
fn labels_text(labels: &[(String, String)]) -> String {
    let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    labels.join(", ")
}
