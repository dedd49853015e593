//! Run reports: the summary a researcher reads (`summary.yaml`), the metric time series
//! (`metrics.csv`), and the verdict on the scenario's expectations.

use crate::check::{CheckOutcome, CheckStatus};
use crate::engine::time::SimTime;
use crate::engine::world::{RunResult, TxTotals};
use crate::scenario::Scenario;
use crate::trace::Value;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One stated expectation and whether the run met it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expectation {
    pub what: String,
    pub ok: bool,
    pub detail: String,
}

/// Wall-clock figures: useful to a reader, never part of a trace or a snapshot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Wall {
    pub wall_ms: u64,
    pub events_per_sec: u64,
    pub sim_speedup: u64,
}

/// The summary of one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub scenario: String,
    pub question: String,
    /// `pass` when every expectation held.
    pub outcome: String,
    /// The scenario's answer: the verdict, then one line per expectation.
    pub answer: Vec<String>,
    pub seed: u64,
    pub simulated: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    pub events: u64,
    pub records: u64,
    pub blocks: BTreeMap<String, u64>,
    pub transactions: TxTotals,
    pub invariants: Vec<CheckOutcome>,
    pub expectations: Vec<Expectation>,
    pub metrics: BTreeMap<String, serde_json::Value>,
    pub digest: String,
    pub repro: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall: Option<Wall>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.outcome == "pass"
    }

    /// YAML text of the summary.
    pub fn to_yaml(&self) -> String {
        serde_saphyr::to_string(self).unwrap_or_else(|e| format!("# cannot render summary: {e}\n"))
    }

    /// The summary without wall-clock figures (what snapshots hold).
    pub fn deterministic(&self) -> Report {
        Report {
            wall: None,
            ..self.clone()
        }
    }
}

fn metric_json(v: Value) -> serde_json::Value {
    match v {
        Value::Int(i) => match i64::try_from(i) {
            Ok(i) => serde_json::Value::from(i),
            Err(_) => serde_json::Value::from(i.to_string()),
        },
        Value::Real(r) => serde_json::Number::from_f64(r)
            .map(serde_json::Value::Number)
            .unwrap_or_else(|| serde_json::Value::from(r.to_string())),
    }
}

/// Judges a run against the scenario's expectations.
pub fn evaluate(sc: &Scenario, r: &RunResult) -> Vec<Expectation> {
    let mut out = Vec::new();
    for c in &r.checks {
        let expected_violation = sc.expect.violated.contains(&c.name);
        let required = match &sc.expect.hold {
            None => true,
            Some(names) => names.contains(&c.name),
        };
        let at =
            c.at.map(|t| format!(" at {}", SimTime(t)))
                .unwrap_or_default();
        if expected_violation {
            let ok = c.status.is_failure();
            out.push(Expectation {
                what: format!("invariant {} is violated", c.name),
                ok,
                detail: if ok {
                    format!("violated{at}: {}", c.detail.clone().unwrap_or_default())
                } else {
                    status_word(c.status).to_string()
                },
            });
        } else if required {
            let ok = !c.status.is_failure();
            out.push(Expectation {
                what: format!("invariant {} holds", c.name),
                ok,
                detail: if ok {
                    status_word(c.status).to_string()
                } else {
                    format!(
                        "{}{at}: {}",
                        status_word(c.status),
                        c.detail.clone().unwrap_or_default()
                    )
                },
            });
        }
    }
    for b in &sc.expect.metrics {
        let value = r
            .metrics
            .iter()
            .find(|(n, _)| *n == b.name)
            .map(|(_, v)| v.as_f64());
        let range = format!(
            "[{}, {}]",
            b.min
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-inf".into()),
            b.max.map(|v| v.to_string()).unwrap_or_else(|| "inf".into())
        );
        let (ok, detail) = match value {
            None => (false, "metric was not produced by the run".to_string()),
            Some(v) => {
                let ok = b.min.is_none_or(|m| v >= m) && b.max.is_none_or(|m| v <= m);
                (ok, format!("{v}"))
            }
        };
        out.push(Expectation {
            what: format!("metric {} in {range}", b.name),
            ok,
            detail,
        });
    }
    if let Some(e) = &r.sink_error {
        out.push(Expectation {
            what: "the trace is complete".into(),
            ok: false,
            detail: e.to_string(),
        });
    }
    out
}

fn status_word(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Held => "held",
        CheckStatus::Violated => "violated",
        CheckStatus::Reached => "reached",
        CheckStatus::NeverReached => "never reached",
        CheckStatus::Undecided => "undecided (the run stopped first)",
    }
}

/// Builds the report of a run. `wall_ms` is the measured wall time, if any.
pub fn report(sc: &Scenario, r: &RunResult, wall_ms: Option<u64>) -> Report {
    let expectations = evaluate(sc, r);
    let failed = expectations.iter().filter(|e| !e.ok).count();
    let mut answer = vec![if failed == 0 {
        format!("yes: all {} expectations met", expectations.len())
    } else {
        format!("no: {failed} of {} expectations failed", expectations.len())
    }];
    for e in &expectations {
        answer.push(format!(
            "{} {} ({})",
            if e.ok { "ok" } else { "FAILED" },
            e.what,
            e.detail
        ));
    }
    let wall = wall_ms.map(|ms| {
        let ms = ms.max(1);
        Wall {
            wall_ms: ms,
            events_per_sec: r.events * 1000 / ms,
            sim_speedup: r.end.ms() / ms,
        }
    });
    Report {
        scenario: sc.name.clone(),
        question: sc.question.clone(),
        outcome: if failed == 0 { "pass" } else { "fail" }.into(),
        answer,
        seed: r.seed,
        simulated: format!("{}", r.end),
        stopped: r.stopped.clone(),
        events: r.events,
        records: r.records,
        blocks: r.blocks.iter().cloned().collect(),
        transactions: r.txs.clone(),
        invariants: r.checks.clone(),
        expectations,
        metrics: r
            .metrics
            .iter()
            .map(|(n, v)| (n.clone(), metric_json(*v)))
            .collect(),
        digest: format!("{}", r.digest),
        repro: repro_command(&sc.path, r.seed),
        wall,
    }
}

/// The one-line command that reproduces a run.
pub fn repro_command(path: &str, seed: u64) -> String {
    format!("crucible run {path} --seed {seed}")
}

/// `metrics.csv`: one row per sample, `t_ms,metric,value`.
pub fn metrics_csv(r: &RunResult) -> String {
    let mut out = String::from("t_ms,metric,value\n");
    for (t, name, value) in &r.samples {
        let _ = writeln!(out, "{t},{name},{value}");
    }
    out
}
