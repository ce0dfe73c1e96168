//! A Prometheus through its HTTP API: every poll asks the same fixed number of instant queries
//! whatever the number of hosts (each aggregated by `instance` in PromQL), one per
//! `[[prometheus.import]]`, and `/api/v1/alerts`, all at once. A query that fails leaves its
//! measure out and is named in the snapshot's `missing`; only a poll where every request failed
//! is a failure of the source.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use serde::Deserialize;

use crate::collect::{CollectError, Collector};
use crate::config::PrometheusConfig;
use crate::http::{Auth, HttpClient, Method, shown_url};
use crate::model::prometheus::{
    HostHistory, HostMeasure, ImportedSample, Points, PrometheusAlert, PrometheusAlertState,
    PrometheusSnapshot, RemoteHost,
};
use crate::model::resources::{DiskUsage, HostKey, NetRate, Usage};

/// How much of an error answer is shown.
const SHOWN_ANSWER: usize = 200;

/// File systems that hold no disk worth watching.
const PSEUDO_FS: &str =
    "tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|autofs|proc|sysfs|cgroup2?|fuse\\\\..*";
/// Interfaces left out of a host's traffic: loopback and the bridges containers' traffic crosses
/// twice.
const VIRTUAL_IFACES: &str = "lo|veth.*|docker.*|br-.*|virbr.*";

/// What each host query measures; its answer is parsed by [`assemble`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    Up,
    Cpu,
    Cores,
    Memory,
    Disks,
    Load,
    NetRx,
    NetTx,
    Uptime,
}

impl Measure {
    const ALL: [Measure; 9] = [
        Measure::Up,
        Measure::Cpu,
        Measure::Cores,
        Measure::Memory,
        Measure::Disks,
        Measure::Load,
        Measure::NetRx,
        Measure::NetTx,
        Measure::Uptime,
    ];

    fn name(self) -> &'static str {
        match self {
            Measure::Up => "up",
            Measure::Cpu => "cpu",
            Measure::Cores => "cores",
            Measure::Memory => "memory",
            Measure::Disks => "disks",
            Measure::Load => "load",
            Measure::NetRx => "network in",
            Measure::NetTx => "network out",
            Measure::Uptime => "uptime",
        }
    }

    /// The PromQL of this measure over the targets `matchers` select, rates over `window`.
    fn query(self, matchers: &str, window: &str) -> String {
        let with = |extra: &str| {
            let all: Vec<&str> = [matchers, extra]
                .into_iter()
                .filter(|m| !m.is_empty())
                .collect();
            format!("{{{}}}", all.join(","))
        };
        match self {
            Measure::Up => format!("up{}", with("")),
            Measure::Cpu => format!(
                "100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{}[{window}])))",
                with("mode=\"idle\"")
            ),
            Measure::Cores => format!(
                "count by (instance) (node_cpu_seconds_total{})",
                with("mode=\"idle\"")
            ),
            Measure::Memory => {
                with("__name__=~\"node_memory_(MemTotal|MemAvailable|SwapTotal|SwapFree)_bytes\"")
            }
            Measure::Disks => with(&format!(
                "__name__=~\"node_filesystem_(size|avail)_bytes\",fstype!~\"{PSEUDO_FS}\""
            )),
            Measure::Load => with("__name__=~\"node_load(1|5|15)\""),
            Measure::NetRx | Measure::NetTx => {
                let direction = if self == Measure::NetRx {
                    "receive"
                } else {
                    "transmit"
                };
                format!(
                    "sum by (instance, device) (rate(node_network_{direction}_bytes_total{}[{window}]))",
                    with(&format!("device!~\"{VIRTUAL_IFACES}\""))
                )
            }
            Measure::Uptime => format!("time() - node_boot_time_seconds{}", with("")),
        }
    }
}

/// The window rates are taken over: four of the polls, at least a minute, so that a rate has
/// two scrapes in it at any usual scrape interval.
fn rate_window(interval: Duration) -> String {
    format!("{}s", (interval.as_secs() * 4).max(60))
}

/// One series of an instant query's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

#[derive(Debug, Deserialize)]
struct Answer<T> {
    status: String,
    data: Option<T>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryData {
    result_type: String,
    result: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct VectorItem {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    value: (f64, String),
}

#[derive(Debug, Deserialize)]
struct AlertsData {
    alerts: Vec<AlertItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AlertItem {
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    state: String,
    active_at: DateTime<Utc>,
    #[serde(default)]
    value: Option<String>,
}

/// The data of an answer, or Prometheus's error in its words.
fn data_of<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, String> {
    let answer: Answer<T> =
        serde_json::from_slice(body).map_err(|e| format!("unexpected answer: {e}"))?;
    match (answer.status.as_str(), answer.data) {
        ("success", Some(data)) => Ok(data),
        _ => Err(answer
            .error
            .unwrap_or_else(|| format!("status {}", answer.status))),
    }
}

/// The series of an instant query's answer (a vector, or a scalar as one series with no label).
pub fn parse_query(body: &[u8]) -> Result<Vec<Sample>, String> {
    let data: QueryData = data_of(body)?;
    let number = |text: &str| {
        text.parse::<f64>()
            .map_err(|_| format!("{text:?} is not a number"))
    };
    match data.result_type.as_str() {
        "vector" => {
            let items: Vec<VectorItem> = serde_json::from_value(data.result)
                .map_err(|e| format!("unexpected answer: {e}"))?;
            items
                .into_iter()
                .map(|item| {
                    Ok(Sample {
                        labels: item.metric,
                        value: number(&item.value.1)?,
                    })
                })
                .collect()
        }
        "scalar" => {
            let (_, value): (f64, String) = serde_json::from_value(data.result)
                .map_err(|e| format!("unexpected answer: {e}"))?;
            Ok(vec![Sample {
                labels: BTreeMap::new(),
                value: number(&value)?,
            }])
        }
        other => Err(format!(
            "answered a {other}: expected an instant vector or a scalar"
        )),
    }
}

/// Prometheus's pending and firing alerts.
pub fn parse_alerts(body: &[u8]) -> Result<Vec<PrometheusAlert>, String> {
    let data: AlertsData = data_of(body)?;
    Ok(data
        .alerts
        .into_iter()
        .filter_map(|alert| {
            let state = match alert.state.as_str() {
                "pending" => PrometheusAlertState::Pending,
                "firing" => PrometheusAlertState::Firing,
                _ => return None,
            };
            Some(PrometheusAlert {
                labels: alert.labels,
                annotations: alert.annotations,
                state,
                active_at: alert.active_at,
                value: alert.value.and_then(|v| v.parse().ok()),
            })
        })
        .collect())
}

/// The host an `instance` names: without its port (`web-1:9100` → `web-1`, `[::1]:9100` →
/// `[::1]`), so that it reads as the machine's name; whole when another instance would then
/// share it (two exporters on one machine).
fn host_names<'a>(instances: impl Iterator<Item = &'a str>) -> HashMap<String, HostKey> {
    let instances: Vec<&str> = instances.collect();
    let short: Vec<&str> = instances.iter().map(|i| without_port(i)).collect();
    instances
        .iter()
        .zip(&short)
        .map(|(instance, name)| {
            let shared = short.iter().filter(|other| *other == name).count() > 1;
            let name = if shared { instance } else { name };
            (instance.to_string(), HostKey::new(*name))
        })
        .collect()
}

fn without_port(instance: &str) -> &str {
    if let Some(end) = instance.strip_prefix('[').and_then(|rest| rest.find(']')) {
        return &instance[..end + 2];
    }
    match instance.rsplit_once(':') {
        Some((host, port))
            if !host.contains(':')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            host
        }
        _ => instance,
    }
}

/// Every host the answers name, each with what they say of it, by host name. An answer that
/// failed is `Err` and leaves its measure out.
fn assemble(answers: &[(Measure, Result<Vec<Sample>, String>)]) -> Vec<RemoteHost> {
    let instance_of = |s: &Sample| s.labels.get("instance").cloned().unwrap_or_default();
    let ok = |measure: Measure| {
        answers
            .iter()
            .filter(move |(m, _)| *m == measure)
            .filter_map(|(_, answer)| answer.as_ref().ok())
            .flatten()
    };
    let mut instances: Vec<String> = answers
        .iter()
        .filter_map(|(_, answer)| answer.as_ref().ok())
        .flatten()
        .map(instance_of)
        .filter(|i| !i.is_empty())
        .collect();
    instances.sort();
    instances.dedup();
    let names = host_names(instances.iter().map(String::as_str));
    let mut hosts: BTreeMap<String, RemoteHost> = instances
        .iter()
        .map(|i| {
            let name = names.get(i).cloned().unwrap_or_else(|| HostKey::new(i));
            (i.clone(), RemoteHost::new(name, i.clone()))
        })
        .collect();
    let label = |s: &Sample, name: &str| s.labels.get(name).cloned().unwrap_or_default();
    for measure in Measure::ALL {
        for sample in ok(measure) {
            let Some(host) = hosts.get_mut(&instance_of(sample)) else {
                continue;
            };
            let value = sample.value;
            match measure {
                Measure::Up => host.up = Some(value >= 1.0),
                Measure::Cpu if value.is_finite() => {
                    host.cpu_percent = Some(value.clamp(0.0, 100.0))
                }
                Measure::Cores => host.cores = Some(value as u32),
                Measure::Uptime => host.uptime_seconds = Some(value.max(0.0) as u64),
                Measure::Load => {
                    let slot = match label(sample, "__name__").as_str() {
                        "node_load1" => 0,
                        "node_load5" => 1,
                        "node_load15" => 2,
                        _ => continue,
                    };
                    host.load.get_or_insert([0.0; 3])[slot] = value;
                }
                Measure::Memory => {
                    let bytes = value.max(0.0) as u64;
                    match label(sample, "__name__").as_str() {
                        "node_memory_MemTotal_bytes" => {
                            host.memory.get_or_insert_with(Usage::default).total = bytes;
                        }
                        // Used until the total is known: then total minus available.
                        "node_memory_MemAvailable_bytes" => {
                            host.memory.get_or_insert_with(Usage::default).used = bytes;
                        }
                        "node_memory_SwapTotal_bytes" => {
                            host.swap.get_or_insert_with(Usage::default).total = bytes;
                        }
                        "node_memory_SwapFree_bytes" => {
                            host.swap.get_or_insert_with(Usage::default).used = bytes;
                        }
                        _ => {}
                    }
                }
                Measure::Disks => {
                    let mount = label(sample, "mountpoint");
                    let disk = match host.disks.iter_mut().find(|d| d.mount == mount) {
                        Some(disk) => disk,
                        None => {
                            host.disks.push(DiskUsage {
                                mount: mount.clone(),
                                device: label(sample, "device"),
                                file_system: label(sample, "fstype"),
                                space: Usage::default(),
                            });
                            let last = host.disks.len() - 1;
                            &mut host.disks[last]
                        }
                    };
                    let bytes = value.max(0.0) as u64;
                    match label(sample, "__name__").as_str() {
                        "node_filesystem_size_bytes" => disk.space.total = bytes,
                        // Available until the size is known, as for memory.
                        "node_filesystem_avail_bytes" => disk.space.used = bytes,
                        _ => {}
                    }
                }
                Measure::NetRx | Measure::NetTx => {
                    let iface = label(sample, "device");
                    let net = match host.networks.iter_mut().find(|n| n.iface == iface) {
                        Some(net) => net,
                        None => {
                            host.networks.push(NetRate {
                                iface,
                                rx_bytes_per_second: 0.0,
                                tx_bytes_per_second: 0.0,
                            });
                            let last = host.networks.len() - 1;
                            &mut host.networks[last]
                        }
                    };
                    if measure == Measure::NetRx {
                        net.rx_bytes_per_second = value;
                    } else {
                        net.tx_bytes_per_second = value;
                    }
                }
                Measure::Cpu => {}
            }
        }
    }
    let mut hosts: Vec<RemoteHost> = hosts
        .into_values()
        .map(|mut host| {
            // What was read as available becomes used, now that the totals are known; a total
            // never read leaves the measure out.
            host.memory = host.memory.filter(|m| m.total > 0).map(used_of_available);
            host.swap = host.swap.map(used_of_available);
            host.disks.retain(|d| d.space.total > 0);
            for disk in &mut host.disks {
                disk.space = used_of_available(disk.space);
            }
            host.disks.sort_by(|a, b| a.mount.cmp(&b.mount));
            host.networks.sort_by(|a, b| a.iface.cmp(&b.iface));
            host
        })
        .collect();
    hosts.sort_by(|a, b| a.host.cmp(&b.host));
    hosts
}

/// A usage whose `used` holds what is available.
fn used_of_available(usage: Usage) -> Usage {
    Usage {
        used: usage.total.saturating_sub(usage.used),
        total: usage.total,
    }
}

/// The series of an import's answer, under its name.
fn imported(name: &str, samples: Vec<Sample>) -> Vec<ImportedSample> {
    samples
        .into_iter()
        .map(|sample| ImportedSample {
            name: name.to_string(),
            labels: sample
                .labels
                .into_iter()
                .filter(|(key, _)| key != "__name__")
                .collect(),
            value: sample.value,
        })
        .collect()
}

#[derive(Debug, Deserialize)]
struct MatrixItem {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    values: Vec<(f64, String)>,
}

type Labels = BTreeMap<String, String>;

/// The series of a range query's answer, each with its points.
fn parse_range(body: &[u8]) -> Result<Vec<(Labels, Points)>, String> {
    let data: QueryData = data_of(body)?;
    if data.result_type != "matrix" {
        return Err(format!("answered a {}: expected a range", data.result_type));
    }
    let items: Vec<MatrixItem> =
        serde_json::from_value(data.result).map_err(|e| format!("unexpected answer: {e}"))?;
    Ok(items
        .into_iter()
        .map(|item| {
            let points = item
                .values
                .into_iter()
                .filter_map(|(at, value)| {
                    let at = DateTime::from_timestamp_millis((at * 1000.0) as i64)?;
                    Some((at, value.parse().ok()?))
                })
                .collect();
            (item.metric, points)
        })
        .collect())
}

/// `value` as a PromQL string literal's content: backslash, double quote and line breaks
/// escaped, so that any label value matches itself.
fn promql_string(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// The range queries of the host at `instance` for its panels, for that host alone: CPU,
/// memory, each disk, each interface's in and out, and each core.
fn history_queries(matchers: &str, instance: &str, rate: &str) -> [String; 6] {
    let instance_matcher = format!("instance=\"{}\"", promql_string(instance));
    let matchers = [matchers, instance_matcher.as_str()]
        .into_iter()
        .filter(|m| !m.is_empty())
        .collect::<Vec<_>>()
        .join(",");
    let with = |extra: &str| format!("{{{matchers},{extra}}}");
    [
        format!(
            "100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{}[{rate}])))",
            with("mode=\"idle\"")
        ),
        format!(
            "100 * (1 - sum by (instance) (node_memory_MemAvailable_bytes{m}) / sum by (instance) (node_memory_MemTotal_bytes{m}))",
            m = format!("{{{matchers}}}")
        ),
        format!(
            "100 * (1 - max by (mountpoint) (node_filesystem_avail_bytes{f}) / max by (mountpoint) (node_filesystem_size_bytes{f}))",
            f = with(&format!("fstype!~\"{PSEUDO_FS}\""))
        ),
        Measure::NetRx.query(&matchers, rate),
        Measure::NetTx.query(&matchers, rate),
        format!(
            "100 * (1 - avg by (cpu) (rate(node_cpu_seconds_total{}[{rate}])))",
            with("mode=\"idle\"")
        ),
    ]
}

/// The history of the host at `instance` over `window` up to `end`, for its panels: a range
/// query each of [`history_queries`].
pub async fn host_history(
    config: &PrometheusConfig,
    instance: &str,
    host: HostKey,
    end: DateTime<Utc>,
    window: Duration,
) -> Result<HostHistory, String> {
    let client = PrometheusClient::new(config)?;
    let queries = history_queries(config.matchers(), instance, &rate_window(config.interval));
    // About 300 points over the window, at least one a second.
    let step = (window.as_secs() / 300).max(1);
    let start = end - chrono::Duration::from_std(window).unwrap_or_default();
    let answers = join_all(queries.iter().map(|query| {
        let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
        let path = format!(
            "/api/v1/query_range?query={encoded}&start={}&end={}&step={step}",
            start.timestamp(),
            end.timestamp()
        );
        let client = client.clone();
        async move {
            let body = client.get(&path, "/api/v1/query_range").await?;
            off_the_loop(move || parse_range(&body)).await
        }
    }))
    .await;
    let mut series = Vec::new();
    let mut failed = Vec::new();
    for (index, answer) in answers.into_iter().enumerate() {
        let answer = match answer {
            Ok(answer) => answer,
            Err(why) => {
                failed.push(why);
                continue;
            }
        };
        for (labels, points) in answer {
            let label = |name: &str| labels.get(name).cloned().unwrap_or_default();
            let measure = match index {
                0 => HostMeasure::Cpu,
                1 => HostMeasure::Memory,
                2 => HostMeasure::Disk(label("mountpoint")),
                3 => HostMeasure::NetRx(label("device")),
                4 => HostMeasure::NetTx(label("device")),
                _ => HostMeasure::CpuCore(label("cpu")),
            };
            series.push((measure, points));
        }
    }
    if failed.len() == queries.len() {
        return Err(failed.swap_remove(0));
    }
    Ok(HostHistory { host, series })
}

/// Runs `work` on the blocking pool. The console has one thread, which also reads keys and
/// draws; an answer about 1,000 hosts is 1.5 MB of JSON, and reading it there held keys for
/// tens of milliseconds.
async fn off_the_loop<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| format!("reading the answer failed: {e}"))?
}

/// One Prometheus's API, with its credentials; cheap to clone.
#[derive(Clone)]
pub struct PrometheusClient {
    http: HttpClient,
    base: String,
    auth: Option<Auth>,
}

impl PrometheusClient {
    pub fn new(config: &PrometheusConfig) -> Result<Self, String> {
        Ok(Self {
            http: HttpClient::with_tls(config.timeout(), config.tls()?),
            base: config.url.trim_end_matches('/').to_string(),
            auth: config.auth(),
        })
    }

    /// An instant query's series.
    pub async fn query(&self, promql: &str) -> Result<Vec<Sample>, String> {
        let encoded: String = url::form_urlencoded::byte_serialize(promql.as_bytes()).collect();
        let body = self
            .get(&format!("/api/v1/query?query={encoded}"), "/api/v1/query")
            .await?;
        off_the_loop(move || parse_query(&body)).await
    }

    /// Prometheus's pending and firing alerts.
    pub async fn alerts(&self) -> Result<Vec<PrometheusAlert>, String> {
        let body = self.get("/api/v1/alerts", "/api/v1/alerts").await?;
        off_the_loop(move || parse_alerts(&body)).await
    }

    /// The answer's body; errors name the host and the API path (`shown`), never the query's
    /// text, which may be long.
    async fn get(&self, path: &str, shown: &str) -> Result<bytes::Bytes, String> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .send(Method::GET, &url, self.auth.as_ref(), None)
            .await
            .map_err(|e| e.0)?;
        if response.is_success() {
            return Ok(response.body);
        }
        // Prometheus says why in its JSON error (a bad query is a 400 with one).
        let why = data_of::<serde_json::Value>(&response.body)
            .err()
            .unwrap_or_default();
        let why: String = crate::redact::redact_secrets(&why)
            .chars()
            .take(SHOWN_ANSWER)
            .collect();
        Err(format!(
            "{} answered {} to {shown}: {why}",
            shown_url(&self.base),
            response.status
        ))
    }
}

/// The source of one `[[prometheus]]`.
pub struct PrometheusSource {
    config: PrometheusConfig,
    client: Option<PrometheusClient>,
}

impl PrometheusSource {
    pub fn new(config: &PrometheusConfig) -> Self {
        Self {
            config: config.clone(),
            client: None,
        }
    }
}

impl Collector for PrometheusSource {
    type Snapshot = PrometheusSnapshot;

    async fn poll(&mut self) -> Result<PrometheusSnapshot, CollectError> {
        let client = match &self.client {
            Some(client) => client.clone(),
            None => {
                let client = PrometheusClient::new(&self.config).map_err(CollectError::new)?;
                self.client = Some(client.clone());
                client
            }
        };
        let window = rate_window(self.config.interval);
        let matchers = self.config.matchers();
        let host_queries: Vec<(Measure, String)> = Measure::ALL
            .iter()
            .map(|m| (*m, m.query(matchers, &window)))
            .collect();
        let imports = &self.config.import;
        let (hosts, imports, alerts) = tokio::join!(
            join_all(host_queries.iter().map(|(_, q)| client.query(q))),
            join_all(imports.iter().map(|i| client.query(&i.query))),
            client.alerts(),
        );
        let mut missing = Vec::new();
        let mut failures = 0;
        let mut note = |what: &str, answer: Result<(), &String>| {
            if let Err(why) = answer {
                missing.push(format!("{what}: {why}"));
                failures += 1;
            }
        };
        let answers: Vec<(Measure, Result<Vec<Sample>, String>)> =
            host_queries.iter().map(|(m, _)| *m).zip(hosts).collect();
        for (measure, answer) in &answers {
            note(measure.name(), answer.as_ref().map(|_| ()));
        }
        let mut samples = Vec::new();
        for (import, answer) in self.config.import.iter().zip(imports) {
            note(&import.name, answer.as_ref().map(|_| ()));
            samples.extend(
                answer
                    .map(|s| imported(&import.name, s))
                    .unwrap_or_default(),
            );
        }
        note("alerts", alerts.as_ref().map(|_| ()));
        let requests = answers.len() + self.config.import.len() + 1;
        if failures == requests {
            // Nothing answered: the source is down, with the first reason.
            let first = missing.first().cloned().unwrap_or_default();
            let why = first
                .split_once(": ")
                .map_or(first.as_str(), |(_, why)| why);
            return Err(CollectError::new(why.to_string()));
        }
        let hosts = off_the_loop(move || Ok(assemble(&answers)))
            .await
            .map_err(CollectError::new)?;
        Ok(PrometheusSnapshot {
            hosts,
            imported: samples,
            alerts: alerts.unwrap_or_default(),
            missing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(items: &str) -> Vec<Sample> {
        let body = format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{items}]}}}}"#
        );
        parse_query(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    #[test]
    fn an_answer_is_its_series_or_prometheus_s_own_words() {
        let samples = vector(
            r#"{"metric":{"__name__":"up","instance":"127.0.0.1:9100","job":"node"},"value":[1796643818.785,"1"]}"#,
        );
        assert_eq!(samples[0].labels["instance"], "127.0.0.1:9100");
        assert_eq!(samples[0].value, 1.0);
        let scalar = parse_query(
            br#"{"status":"success","data":{"resultType":"scalar","result":[1796643818.785,"42"]}}"#,
        );
        assert_eq!(scalar.map(|s| s[0].value), Ok(42.0));
        let error = parse_query(
            br#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error"}"#,
        );
        assert_eq!(
            error,
            Err("invalid parameter \"query\": 1:5: parse error".into())
        );
        let matrix =
            parse_query(br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#);
        assert!(matrix.is_err_and(|e| e.contains("matrix")));
        assert!(parse_query(b"<html>").is_err_and(|e| e.starts_with("unexpected answer")));
    }

    #[test]
    fn a_range_answer_is_each_series_with_its_points() {
        let series = parse_range(
            br#"{"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"mountpoint":"/"},"values":[[1796645449,"8.5"],[1796645451.5,"9"],[1796645453,"NaN?"]]}]}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let [(labels, points)] = series.as_slice() else {
            panic!("{series:?}");
        };
        assert_eq!(labels["mountpoint"], "/");
        let seconds: Vec<(i64, f64)> = points
            .iter()
            .map(|(at, v)| (at.timestamp_millis(), *v))
            .collect();
        assert_eq!(
            seconds,
            [(1_796_645_449_000, 8.5), (1_796_645_451_500, 9.0)]
        );
        assert!(
            parse_range(br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
                .is_err_and(|e| e.contains("expected a range"))
        );
    }

    #[test]
    fn alerts_are_the_pending_and_firing_ones() {
        let alerts = parse_alerts(
            br#"{"status":"success","data":{"alerts":[
              {"labels":{"alertname":"AlwaysFiring","severity":"info"},"annotations":{"summary":"Always firing test alert"},
               "state":"firing","activeAt":"2026-12-07T11:41:51.839366438Z","value":"1e+00"},
              {"labels":{"alertname":"Soon"},"state":"pending","activeAt":"2026-12-07T11:42:00Z"},
              {"labels":{"alertname":"Odd"},"state":"inactive","activeAt":"2026-12-07T11:42:00Z"}]}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(alerts.len(), 2);
        assert_eq!(alerts[0].labels["alertname"], "AlwaysFiring");
        assert_eq!(alerts[0].annotations["summary"], "Always firing test alert");
        assert_eq!(
            (alerts[0].state, alerts[0].value),
            (PrometheusAlertState::Firing, Some(1.0))
        );
        assert_eq!(
            (alerts[1].state, alerts[1].value),
            (PrometheusAlertState::Pending, None)
        );
    }

    #[test]
    fn a_host_is_its_instance_without_the_port_unless_two_would_share_it() {
        let names = host_names(
            [
                "web-1:9100",
                "db:9100",
                "db:9200",
                "[::1]:9100",
                "plain",
                "fe80::1",
            ]
            .into_iter(),
        );
        let name = |i: &str| names[i].as_str().to_string();
        assert_eq!(name("web-1:9100"), "web-1");
        assert_eq!(name("db:9100"), "db:9100");
        assert_eq!(name("db:9200"), "db:9200");
        assert_eq!(name("[::1]:9100"), "[::1]");
        assert_eq!(name("plain"), "plain");
        assert_eq!(name("fe80::1"), "fe80::1");
    }

    #[test]
    fn the_answers_make_one_row_per_host_and_a_failed_query_leaves_its_measure_out() {
        let item = |name: &str, instance: &str, extra: &str, value: &str| {
            format!(
                r#"{{"metric":{{"__name__":"{name}","instance":"{instance}"{extra}}},"value":[1,"{value}"]}}"#
            )
        };
        let answers = vec![
            (
                Measure::Up,
                Ok(vector(&format!(
                    "{},{}",
                    item("up", "web-1:9100", "", "1"),
                    item("up", "web-2:9100", "", "0")
                ))),
            ),
            (
                Measure::Cpu,
                Ok(vector(&item("", "web-1:9100", "", "37.5"))),
            ),
            (Measure::Cores, Ok(vector(&item("", "web-1:9100", "", "4")))),
            (
                Measure::Load,
                Ok(vector(&format!(
                    "{},{},{}",
                    item("node_load1", "web-1:9100", "", "2"),
                    item("node_load5", "web-1:9100", "", "1.5"),
                    item("node_load15", "web-1:9100", "", "1")
                ))),
            ),
            (
                Measure::Memory,
                Ok(vector(&format!(
                    "{},{},{},{}",
                    item("node_memory_MemTotal_bytes", "web-1:9100", "", "1000"),
                    item("node_memory_MemAvailable_bytes", "web-1:9100", "", "250"),
                    item("node_memory_SwapTotal_bytes", "web-1:9100", "", "0"),
                    item("node_memory_SwapFree_bytes", "web-1:9100", "", "0")
                ))),
            ),
            (
                Measure::Disks,
                Ok(vector(&format!(
                    "{},{},{},{}",
                    item(
                        "node_filesystem_size_bytes",
                        "web-1:9100",
                        r#","mountpoint":"/","device":"/dev/vda","fstype":"ext4""#,
                        "100"
                    ),
                    item(
                        "node_filesystem_avail_bytes",
                        "web-1:9100",
                        r#","mountpoint":"/","device":"/dev/vda","fstype":"ext4""#,
                        "5"
                    ),
                    item(
                        "node_filesystem_size_bytes",
                        "web-1:9100",
                        r#","mountpoint":"/var","device":"/dev/vdb","fstype":"xfs""#,
                        "200"
                    ),
                    item(
                        "node_filesystem_avail_bytes",
                        "web-1:9100",
                        r#","mountpoint":"/var","device":"/dev/vdb","fstype":"xfs""#,
                        "100"
                    )
                ))),
            ),
            (
                Measure::NetRx,
                Ok(vector(&item(
                    "",
                    "web-1:9100",
                    r#","device":"eth0""#,
                    "1000",
                ))),
            ),
            (Measure::NetTx, Err("timed out".into())),
            (
                Measure::Uptime,
                Ok(vector(&item("", "web-1:9100", "", "3600.7"))),
            ),
        ];
        let hosts = assemble(&answers);
        let [web1, web2] = hosts.as_slice() else {
            panic!("{hosts:?}");
        };
        assert_eq!(
            (web1.host.as_str(), web1.instance.as_str(), web1.up),
            ("web-1", "web-1:9100", Some(true))
        );
        assert_eq!(web1.cpu_percent, Some(37.5));
        assert_eq!(web1.load, Some([2.0, 1.5, 1.0]));
        assert_eq!(web1.load_per_core(), Some(0.5));
        assert_eq!(web1.memory.map(|m| m.percent()), Some(75.0));
        assert_eq!(web1.swap.map(|s| s.percent()), Some(0.0));
        let disks: Vec<(&str, f64)> = web1
            .disks
            .iter()
            .map(|d| (d.mount.as_str(), d.space.percent()))
            .collect();
        assert_eq!(disks, [("/", 95.0), ("/var", 50.0)]);
        assert_eq!(web1.fullest_disk_percent(), Some(95.0));
        // Out failed: in is kept, out reads 0 for want of an answer.
        assert_eq!(web1.net_rates(), Some((1000.0, 0.0)));
        assert_eq!(web1.uptime_seconds, Some(3600));
        // A target that is down has no node_exporter series: only `up` says anything.
        assert_eq!(
            (web2.host.as_str(), web2.up, web2.cpu_percent, web2.memory),
            ("web-2", Some(false), None, None)
        );
    }

    /// The value of the `instance` matcher of `up{instance="…"}` as Prometheus reads it.
    fn read_back(quoted: &str) -> String {
        let query = format!("up{{instance=\"{quoted}\"}}");
        match promql_parser::parser::parse(&query) {
            Ok(promql_parser::parser::Expr::VectorSelector(selector)) => selector
                .matchers
                .matchers
                .iter()
                .find(|m| m.name == "instance")
                .map(|m| m.value.clone())
                .unwrap_or_else(|| panic!("no instance matcher: {query}")),
            other => panic!("{query}: {other:?}"),
        }
    }

    #[test]
    fn an_instance_matches_itself_whatever_it_holds() {
        for instance in [
            "web-1:9100",
            r#"odd"name:9100"#,
            r"C:\exporter",
            "two\nlines\r",
            r#"\"both"\"#,
        ] {
            assert_eq!(read_back(&promql_string(instance)), instance);
        }
    }

    #[test]
    fn a_selected_host_s_history_is_asked_for_it_alone_and_for_each_core() {
        let instance = "we\"ird\n:9100";
        let queries = history_queries(r#"job=~".*node.*""#, instance, "60s");
        let matcher = format!("instance=\"{}\"", promql_string(instance));
        for query in &queries {
            assert!(
                promql_parser::parser::parse(query).is_ok(),
                "not PromQL: {query}"
            );
            assert!(
                query.contains(&matcher) && query.contains(r#"job=~".*node.*""#),
                "{query}"
            );
        }
        assert_eq!(
            queries[5],
            format!(
                r#"100 * (1 - avg by (cpu) (rate(node_cpu_seconds_total{{job=~".*node.*",{matcher},mode="idle"}}[60s])))"#
            )
        );
        // Without a selector the instance alone scopes them.
        let bare = history_queries("", "web-1:9100", "60s");
        assert!(
            bare[5].contains(r#"{instance="web-1:9100",mode="idle"}"#),
            "{}",
            bare[5]
        );
    }

    #[test]
    fn every_poll_asks_the_same_queries_scoped_by_the_selector() {
        let queries: Vec<String> = Measure::ALL
            .iter()
            .map(|m| m.query(r#"job=~".*node.*""#, "60s"))
            .collect();
        assert_eq!(queries.len(), 9);
        assert_eq!(queries[0], r#"up{job=~".*node.*"}"#);
        assert_eq!(
            queries[1],
            r#"100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{job=~".*node.*",mode="idle"}[60s])))"#
        );
        for query in &queries {
            assert!(
                promql_parser::parser::parse(query).is_ok(),
                "not PromQL: {query}"
            );
        }
        assert_eq!(Measure::Up.query("", "60s"), "up{}");
        assert_eq!(rate_window(Duration::from_secs(15)), "60s");
        assert_eq!(rate_window(Duration::from_secs(30)), "120s");
    }
}
