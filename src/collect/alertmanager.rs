//! Alertmanager through its v2 API: the source that lists an Alertmanager's alerts (with the
//! silences that hold them back) every interval, pushing the console's own alerts first when
//! asked to; and the client the executor creates and expires silences with.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::collect::{CollectError, Collector};
use crate::config::AlertmanagerConfig;
use crate::http::{Auth, HttpClient, Method, shown_url};
use crate::model::alertmanager::{
    AlertmanagerAlert, AlertmanagerSilence, AlertmanagerSnapshot, PushedAlert,
};
use crate::model::matcher::{LabelMatcher, MatchOp};

/// How much of an error answer is shown: Alertmanager says why in a line.
const SHOWN_ANSWER: usize = 200;

/// An alert as `GET /api/v2/alerts` lists it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GettableAlert {
    fingerprint: String,
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    starts_at: DateTime<Utc>,
    status: AlertStatus,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AlertStatus {
    #[serde(default)]
    silenced_by: Vec<String>,
    #[serde(default)]
    inhibited_by: Vec<String>,
}

/// A silence as `GET /api/v2/silences` lists it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GettableSilence {
    id: String,
    created_by: String,
    #[serde(default)]
    comment: String,
    ends_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Matcher<'a> {
    name: &'a str,
    value: &'a str,
    is_regex: bool,
    is_equal: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PostableSilence<'a> {
    matchers: Vec<Matcher<'a>>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    created_by: &'a str,
    comment: &'a str,
}

#[derive(Debug, Deserialize)]
struct SilenceCreated {
    #[serde(rename = "silenceID")]
    silence_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PostableAlert<'a> {
    labels: &'a BTreeMap<String, String>,
    annotations: &'a BTreeMap<String, String>,
    starts_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ends_at: Option<DateTime<Utc>>,
}

/// One Alertmanager's API, with its credentials; cheap to clone.
#[derive(Clone)]
pub struct AlertmanagerClient {
    http: HttpClient,
    base: String,
    auth: Option<Auth>,
}

impl AlertmanagerClient {
    /// A client of `config`'s Alertmanager signing in with `auth` (see
    /// [`AlertmanagerConfig::auth`]), every request bounded by its `timeout`.
    pub fn new(config: &AlertmanagerConfig, auth: Option<Auth>) -> Result<Self, String> {
        let http = HttpClient::with_tls(config.timeout(), config.tls()?);
        Ok(Self {
            http,
            base: config.url.trim_end_matches('/').to_string(),
            auth,
        })
    }

    /// Every alert Alertmanager holds (silenced and inhibited ones too), with the silences that
    /// hold any back.
    pub async fn snapshot(&self) -> Result<AlertmanagerSnapshot, String> {
        let alerts: Vec<GettableAlert> = self.get("/api/v2/alerts").await?;
        let silences: Vec<GettableSilence> =
            if alerts.iter().any(|a| !a.status.silenced_by.is_empty()) {
                self.get("/api/v2/silences").await?
            } else {
                Vec::new()
            };
        Ok(to_snapshot(alerts, silences))
    }

    /// Silences the alerts with these labels (an equal matcher for each) that `matchers` match
    /// too, until `until`; returns the new silence's id.
    pub async fn create_silence(
        &self,
        labels: &BTreeMap<String, String>,
        matchers: &[LabelMatcher],
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        created_by: &str,
        comment: &str,
    ) -> Result<String, String> {
        let mut silence = silence_of_exactly(labels, now, until, created_by, comment);
        silence.matchers.extend(matchers.iter().map(|m| Matcher {
            name: &m.name,
            value: &m.value,
            is_regex: matches!(m.op, MatchOp::Regex | MatchOp::NotRegex),
            is_equal: matches!(m.op, MatchOp::Equal | MatchOp::Regex),
        }));
        let body = self
            .call(Method::POST, "/api/v2/silences", Some(to_json(&silence)?))
            .await?;
        serde_json::from_slice::<SilenceCreated>(&body)
            .map(|created| created.silence_id)
            .map_err(|e| format!("{}: unexpected answer: {e}", shown_url(&self.base)))
    }

    /// Expires the silence `id`.
    pub async fn expire_silence(&self, id: &str) -> Result<(), String> {
        // Ids are UUIDs: anything else would change the path.
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("{id:?} is not a silence id"));
        }
        self.call(Method::DELETE, &format!("/api/v2/silence/{id}"), None)
            .await
            .map(|_| ())
    }

    /// Sends the console's own alerts; Alertmanager resolves a firing one nobody sends again
    /// within its `resolve_timeout`.
    pub async fn push(&self, alerts: &[PushedAlert]) -> Result<(), String> {
        let postable: Vec<PostableAlert> = alerts
            .iter()
            .map(|alert| PostableAlert {
                labels: &alert.labels,
                annotations: &alert.annotations,
                starts_at: alert.starts_at,
                ends_at: alert.ends_at,
            })
            .collect();
        self.call(Method::POST, "/api/v2/alerts", Some(to_json(&postable)?))
            .await
            .map(|_| ())
    }

    async fn get<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Result<T, String> {
        let body = self.call(Method::GET, path, None).await?;
        serde_json::from_slice(&body).map_err(|e| {
            format!(
                "{}: unexpected answer to {path}: {e}",
                shown_url(&self.base)
            )
        })
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        json: Option<Vec<u8>>,
    ) -> Result<Bytes, String> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .send(method, &url, self.auth.as_ref(), json)
            .await
            .map_err(|e| e.0)?;
        if response.is_success() {
            return Ok(response.body);
        }
        let answer: String = String::from_utf8_lossy(&response.body)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(SHOWN_ANSWER)
            .collect();
        let error = format!(
            "{} answered {} to {path}: {}",
            shown_url(&self.base),
            response.status,
            crate::redact::redact_secrets(answer.trim_matches('"'))
        );
        Err(self.without_credentials(error))
    }

    /// `text` with the credentials masked: a proxy in front of Alertmanager may quote the
    /// request's headers back in its answer.
    fn without_credentials(&self, text: String) -> String {
        use base64::Engine as _;
        let secrets = match &self.auth {
            None => Vec::new(),
            Some(Auth::Bearer(token)) => vec![token.clone()],
            Some(Auth::Basic { user, password }) => vec![
                password.clone(),
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")),
            ],
        };
        secrets
            .iter()
            .filter(|secret| !secret.is_empty())
            .fold(text, |text, secret| text.replace(secret.as_str(), "***"))
    }
}

/// A silence of exactly the alert with these labels: an equal matcher for each.
fn silence_of_exactly<'a>(
    labels: &'a BTreeMap<String, String>,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    created_by: &'a str,
    comment: &'a str,
) -> PostableSilence<'a> {
    PostableSilence {
        matchers: labels
            .iter()
            .map(|(name, value)| Matcher {
                name,
                value,
                is_regex: false,
                is_equal: true,
            })
            .collect(),
        starts_at: now,
        ends_at: until,
        created_by,
        comment,
    }
}

fn to_json(value: &impl Serialize) -> Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| e.to_string())
}

/// The alerts with their silences and inhibitors named. A silence id not listed (expired and
/// collected between the two requests) is left out: the next poll has the truth.
fn to_snapshot(alerts: Vec<GettableAlert>, silences: Vec<GettableSilence>) -> AlertmanagerSnapshot {
    let silences: HashMap<String, AlertmanagerSilence> = silences
        .into_iter()
        .map(|s| {
            let silence = AlertmanagerSilence {
                id: s.id.clone(),
                created_by: s.created_by,
                comment: s.comment,
                ends_at: s.ends_at,
            };
            (s.id, silence)
        })
        .collect();
    let names: HashMap<String, String> = alerts
        .iter()
        .filter_map(|a| Some((a.fingerprint.clone(), a.labels.get("alertname")?.clone())))
        .collect();
    AlertmanagerSnapshot {
        alerts: alerts
            .into_iter()
            .map(|alert| AlertmanagerAlert {
                silenced_by: alert
                    .status
                    .silenced_by
                    .iter()
                    .filter_map(|id| silences.get(id).cloned())
                    .collect(),
                inhibited_by: alert
                    .status
                    .inhibited_by
                    .iter()
                    .map(|fingerprint| names.get(fingerprint).unwrap_or(fingerprint).clone())
                    .collect(),
                fingerprint: alert.fingerprint,
                labels: alert.labels,
                annotations: alert.annotations,
                starts_at: alert.starts_at,
            })
            .collect(),
    }
}

/// The source of one `[[alertmanager]]`.
pub struct AlertmanagerSource {
    config: AlertmanagerConfig,
    client: Option<AlertmanagerClient>,
    /// The console's own alerts, pushed before every poll when `push` is on.
    pushed: Option<watch::Receiver<Vec<PushedAlert>>>,
}

impl AlertmanagerSource {
    pub fn new(config: &AlertmanagerConfig) -> Self {
        Self {
            config: config.clone(),
            client: None,
            pushed: None,
        }
    }

    /// Pushes what `alerts` holds on every poll.
    pub fn pushing(mut self, alerts: watch::Receiver<Vec<PushedAlert>>) -> Self {
        self.pushed = Some(alerts);
        self
    }
}

impl Collector for AlertmanagerSource {
    type Snapshot = AlertmanagerSnapshot;

    async fn poll(&mut self) -> Result<AlertmanagerSnapshot, CollectError> {
        let client = match &self.client {
            Some(client) => client.clone(),
            None => {
                let client = AlertmanagerClient::new(&self.config, self.config.auth())
                    .map_err(CollectError::new)?;
                self.client = Some(client.clone());
                client
            }
        };
        if let Some(pushed) = &self.pushed {
            let alerts = pushed.borrow().clone();
            if !alerts.is_empty() {
                client
                    .push(&alerts)
                    .await
                    .map_err(|e| CollectError::new(format!("push: {e}")))?;
            }
        }
        client.snapshot().await.map_err(CollectError::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Alertmanager 0.25 answered, trimmed: one alert silenced, one inhibited by it.
    const ALERTS: &str = r#"[
      {"annotations":{"summary":"Always firing test alert"},"endsAt":"2026-11-25T15:13:54.573Z",
       "fingerprint":"32a2ddd10fadf757","receivers":[{"name":"default"}],
       "startsAt":"2026-11-25T15:08:06.573Z",
       "status":{"inhibitedBy":[],"silencedBy":["7d0c5a5e-1d52-4a39-9d45-3b6c1f0e2a11"],"state":"suppressed"},
       "updatedAt":"2026-11-25T15:13:46.575Z","labels":{"alertname":"AlwaysFiring","severity":"info"}},
      {"annotations":{},"endsAt":"2026-11-25T15:13:54.573Z","fingerprint":"0123456789abcdef",
       "receivers":[{"name":"default"}],"startsAt":"2026-11-25T15:09:00Z",
       "status":{"inhibitedBy":["32a2ddd10fadf757","ffffffffffffffff"],"silencedBy":[],"state":"suppressed"},
       "updatedAt":"2026-11-25T15:13:46.575Z","labels":{"alertname":"Minor"}}
    ]"#;

    const SILENCES: &str = r#"[
      {"id":"7d0c5a5e-1d52-4a39-9d45-3b6c1f0e2a11","status":{"state":"active"},"updatedAt":"2026-11-25T15:10:00Z",
       "comment":"disk swap","createdBy":"bob","endsAt":"2026-11-25T17:10:00Z","startsAt":"2026-11-25T15:10:00Z",
       "matchers":[{"isEqual":true,"isRegex":false,"name":"alertname","value":"AlwaysFiring"}]}
    ]"#;

    #[test]
    fn alerts_come_with_their_silences_and_inhibitors_named() {
        let alerts: Vec<GettableAlert> =
            serde_json::from_str(ALERTS).unwrap_or_else(|e| panic!("{e}"));
        let silences: Vec<GettableSilence> =
            serde_json::from_str(SILENCES).unwrap_or_else(|e| panic!("{e}"));
        let snapshot = to_snapshot(alerts, silences);
        let [silenced, inhibited] = snapshot.alerts.as_slice() else {
            panic!("{snapshot:?}");
        };
        assert_eq!(silenced.labels["alertname"], "AlwaysFiring");
        assert_eq!(silenced.annotations["summary"], "Always firing test alert");
        assert_eq!(
            silenced.starts_at.to_rfc3339(),
            "2026-11-25T15:08:06.573+00:00"
        );
        assert_eq!(
            silenced.silenced_by,
            [AlertmanagerSilence {
                id: "7d0c5a5e-1d52-4a39-9d45-3b6c1f0e2a11".into(),
                created_by: "bob".into(),
                comment: "disk swap".into(),
                ends_at: "2026-11-25T17:10:00Z".parse().unwrap_or_default(),
            }]
        );
        assert!(silenced.inhibited_by.is_empty());
        assert!(inhibited.silenced_by.is_empty());
        assert_eq!(inhibited.inhibited_by, ["AlwaysFiring", "ffffffffffffffff"]);
    }

    #[test]
    fn a_silence_has_an_equal_matcher_for_every_label() {
        let labels = BTreeMap::from([
            ("alertname".to_string(), "HighLatency".to_string()),
            ("job".to_string(), "api".to_string()),
        ]);
        let at: DateTime<Utc> = "2026-11-25T15:00:00Z".parse().unwrap_or_default();
        let silence = silence_of_exactly(
            &labels,
            at,
            at + chrono::Duration::hours(2),
            "alice",
            "on it",
        );
        let json: serde_json::Value =
            serde_json::from_slice(&to_json(&silence).unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({
                "matchers": [
                    {"name": "alertname", "value": "HighLatency", "isRegex": false, "isEqual": true},
                    {"name": "job", "value": "api", "isRegex": false, "isEqual": true}
                ],
                "startsAt": "2026-11-25T15:00:00Z",
                "endsAt": "2026-11-25T17:00:00Z",
                "createdBy": "alice",
                "comment": "on it"
            })
        );
    }
}
