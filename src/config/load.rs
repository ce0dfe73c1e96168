//! Loading from files: the config (an explicit file, the user's, or the embedded default), then
//! the theme and keymap it names, each with the user's patch.

use super::{Config, DEFAULT_CONFIG, Keymap, LoadError, Paths, Theme, keymap, shipped_base, theme};
use crate::alerts::series::SeriesCatalogue;

/// Everything the console needs from files, loaded and checked before the terminal is touched.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub theme: Theme,
    pub keymap: Keymap,
    /// Where the config came from, for `config path` and the log.
    pub config_source: String,
}

/// Loads the config (an explicit file, else the user's, else the embedded default), its rules
/// watching only `published` series, then the theme and keymap it names with the user's
/// patches. `theme` replaces the config's theme.
pub fn load(
    paths: &Paths,
    explicit: Option<&std::path::Path>,
    theme: Option<&str>,
    published: &SeriesCatalogue,
) -> Result<Loaded, LoadError> {
    let path = explicit.map(std::path::Path::to_path_buf).or_else(|| {
        let user = paths.config_file();
        user.exists().then_some(user)
    });
    let (config_source, text) = match path {
        Some(path) => {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(&path)
                .map_err(|e| LoadError::file(&shown, format!("cannot read: {e}")))?;
            (shown, text)
        }
        None => ("embedded default".to_string(), DEFAULT_CONFIG.to_string()),
    };
    let config = Config::parse(&config_source, &text)?;
    config.check_series(&config_source, &text, published)?;
    // A theme or keymap name that names nothing is blamed on the config line that holds it.
    let known = |kind: &str, name: &str, shipped: &[(&str, &str)], user: &std::path::Path| {
        shipped_base(kind, shipped, name, user.exists())
            .map(|_| ())
            .map_err(|e| LoadError::at_key(&config_source, &text, None, kind, e.message))
    };
    if theme.is_none() {
        known(
            "theme",
            &config.theme,
            theme::SHIPPED,
            &paths.user_theme(&config.theme),
        )?;
    }
    known(
        "keymap",
        &config.keymap,
        keymap::SHIPPED,
        &paths.user_keymap(&config.keymap),
    )?;
    let theme_name = theme.unwrap_or(config.theme.as_str());
    let theme = with_user_file(&paths.user_theme(theme_name), |user| {
        Theme::load(theme_name, user)
    })?;
    let keymap = with_user_file(&paths.user_keymap(&config.keymap), |user| {
        Keymap::load(&config.keymap, user)
    })?;
    Ok(Loaded {
        config,
        theme,
        keymap,
        config_source,
    })
}

fn with_user_file<T>(
    path: &std::path::Path,
    load: impl FnOnce(Option<(&str, &str)>) -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    if !path.exists() {
        return load(None);
    }
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| LoadError::file(&shown, format!("cannot read: {e}")))?;
    load(Some((&shown, &text)))
}
