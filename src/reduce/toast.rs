//! Toasts: short-lived messages over the body, errors kept longer.

use chrono::{DateTime, Utc};

use crate::state::{AppState, Toast, ToastKind};

const TOAST_SECONDS: i64 = 5;
const ERROR_TOAST_SECONDS: i64 = 10;
const MAX_TOASTS: usize = 4;

/// Shows `text` for a few seconds; the oldest goes when too many are up.
pub(crate) fn toast(state: &mut AppState, kind: ToastKind, text: String, now: DateTime<Utc>) {
    let seconds = if kind == ToastKind::Error {
        ERROR_TOAST_SECONDS
    } else {
        TOAST_SECONDS
    };
    state.toasts.push(Toast {
        kind,
        text,
        expires_at: now + chrono::Duration::seconds(seconds),
    });
    if state.toasts.len() > MAX_TOASTS {
        state.toasts.remove(0);
    }
}
