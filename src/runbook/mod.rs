//! Runbooks: the operations manual's checklists by cadence and its fault procedures as data
//! (`assets/runbooks/`, replaced or added to by the config dir's `runbooks/`), the periods a
//! checklist is done in, the log of ticks and notes, and the automatic checks. All pure but
//! `load` (the user's files), `store` (the shared log file) and `run` (a step's command).

pub mod catalogue;
pub mod check;
pub mod load;
pub mod log;
pub mod model;
pub mod parse;
pub mod period;
pub mod report;
pub mod run;
pub mod status;
pub mod store;
pub mod toward;
