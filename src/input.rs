//! Turns terminal input into messages: the open overlay first, then the keymap of the active tab,
//! then `global`. Pure, so routing is tested without a terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use crate::action::Action;
use crate::config::Keymap;
use crate::config::key::KeyChord;
use crate::config::keymap::Context;
use crate::msg::{FilterEdit, Msg};
use crate::state::{AppState, Overlay};
use crate::ui::layout::tab_at;
use crate::update::help_scroll;

pub fn route_key(state: &AppState, keymap: &Keymap, key: KeyEvent) -> Option<Msg> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let chord = KeyChord::from(key);
    match &state.overlay {
        Overlay::Filter => filter_edit(key).map(Msg::FilterEdit),
        // A protected target's name is typed into the dialog; enter and esc still decide.
        Overlay::Confirm(dialog) if dialog.typed.is_some() => match filter_edit(key) {
            Some(FilterEdit::Apply) => Some(Msg::Action(Action::Confirm)),
            Some(FilterEdit::Cancel) => Some(Msg::Action(Action::Cancel)),
            other => other.map(Msg::FilterEdit),
        },
        Overlay::Confirm(_) => keymap.action_for(Context::Dialog, chord).map(Msg::Action),
        Overlay::Help => {
            // The selection keys scroll the help, the help key and quitting do what they say,
            // and any other key closes it.
            let action = keymap.action_for(crate::tabs::key_context(state), chord);
            Some(Msg::Action(match action {
                Some(action @ (Action::Quit | Action::Help)) => action,
                Some(action) if help_scroll(action).is_some() => action,
                _ => Action::Cancel,
            }))
        }
        Overlay::None => keymap
            .action_for(crate::tabs::key_context(state), chord)
            .map(Msg::Action),
    }
}

fn filter_edit(key: KeyEvent) -> Option<FilterEdit> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Esc => FilterEdit::Cancel,
        KeyCode::Enter => FilterEdit::Apply,
        KeyCode::Backspace => FilterEdit::Backspace,
        KeyCode::Char('u') if ctrl => FilterEdit::Clear,
        KeyCode::Char('c') if ctrl => FilterEdit::Cancel,
        KeyCode::Char(c) if !ctrl => FilterEdit::Insert(c),
        _ => return None,
    })
}

pub fn route_mouse(state: &AppState, area: Rect, event: MouseEvent) -> Option<Msg> {
    if state.overlay != Overlay::None {
        return None;
    }
    match event.kind {
        MouseEventKind::Down(_) => {
            tab_at(area, state.mode, event.column, event.row).map(Msg::ClickTab)
        }
        MouseEventKind::ScrollDown => Some(Msg::Action(Action::SelectNext)),
        MouseEventKind::ScrollUp => Some(Msg::Action(Action::SelectPrev)),
        _ => None,
    }
}
