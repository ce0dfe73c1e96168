//! The series rules may name. The engine lists none of its own: whoever publishes series into
//! the metric store registers them where the app is wired (the tabs and the shell, see
//! `tabs::published_series`), and a config's rules are checked against them when it is loaded.

/// The series registered as published, in the order they were registered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesCatalogue {
    names: Vec<String>,
}

impl SeriesCatalogue {
    /// Adds `name`; a series registered twice is listed once.
    pub fn register(&mut self, name: &str) {
        if !self.contains(name) {
            self.names.push(name.to_string());
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.names.iter().any(|known| known == name)
    }

    /// Why a rule cannot watch `series`, when nothing registered publishes it.
    pub fn unknown(&self, series: &str) -> Option<String> {
        (!self.contains(series)).then(|| {
            format!(
                "unknown series `{series}`: expected one of {}",
                self.names.join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_is_known_once_registered_and_listed_once() {
        let mut catalogue = SeriesCatalogue::default();
        assert_eq!(
            catalogue.unknown("system_cpu_percent").as_deref(),
            Some("unknown series `system_cpu_percent`: expected one of ")
        );
        for name in ["system_cpu_percent", "source_up", "system_cpu_percent"] {
            catalogue.register(name);
        }
        assert!(catalogue.contains("system_cpu_percent"));
        assert_eq!(catalogue.unknown("source_up"), None);
        assert_eq!(
            catalogue.unknown("system_cpu").as_deref(),
            Some("unknown series `system_cpu`: expected one of system_cpu_percent, source_up")
        );
    }
}
