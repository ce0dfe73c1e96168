//! The six tabs, in the order they appear.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    EnumIter,
    EnumString,
    IntoStaticStr,
    Display,
    Serialize,
    Deserialize,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Tab {
    #[default]
    Resources,
    Containers,
    Alerts,
    Databases,
    Endpoints,
    Runbook,
}

impl Tab {
    pub fn title(self) -> &'static str {
        match self {
            Tab::Resources => "Resources",
            Tab::Containers => "Containers",
            Tab::Alerts => "Alerts",
            Tab::Databases => "Databases",
            Tab::Endpoints => "Endpoints",
            Tab::Runbook => "Runbook",
        }
    }

    /// 1-based position, as shown in the tab bar and bound to the number keys.
    pub fn number(self) -> usize {
        Tab::iter().position(|t| t == self).unwrap_or(0) + 1
    }

    pub fn next(self) -> Tab {
        Tab::iter()
            .cycle()
            .skip_while(|t| *t != self)
            .nth(1)
            .unwrap_or_default()
    }

    pub fn prev(self) -> Tab {
        let all: Vec<Tab> = Tab::iter().collect();
        let index = all.iter().position(|t| *t == self).unwrap_or(0);
        all[(index + all.len() - 1) % all.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_wrapping() {
        let titles: Vec<_> = Tab::iter().map(Tab::title).collect();
        assert_eq!(
            titles,
            [
                "Resources",
                "Containers",
                "Alerts",
                "Databases",
                "Endpoints",
                "Runbook"
            ]
        );
        assert_eq!(Tab::Runbook.next(), Tab::Resources);
        assert_eq!(Tab::Resources.prev(), Tab::Runbook);
        assert_eq!(Tab::Alerts.number(), 3);
    }
}
