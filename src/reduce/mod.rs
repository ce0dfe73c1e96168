//! The steps every reducer shares, below the tabs and the shell: the one gate of operator
//! commands, toasts, and a source's answer reaching its health. The tabs' reducers call them;
//! nothing here knows a tab.

mod gate;
mod sources;
mod toast;

pub(crate) use gate::{ask, in_flight_refusal, refused};
pub(crate) use sources::{record_source_up, source_answered, unknown_source};
pub(crate) use toast::toast;
