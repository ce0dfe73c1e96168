//! Docker engines through bollard: connection, the container list, events, stats, logs, actions.
