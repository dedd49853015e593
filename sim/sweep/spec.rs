//! Sweep files: YAML naming a base scenario, the parameters to vary, a design, the runs per
//! point, the metrics to collect and an optional stop rule. Loading validates everything a run
//! would trip over (including every point's scenario) with located errors.
//!
//! ```yaml
//! name: payer-interval
//! question: How does the payment interval change inclusion delays?
//! scenario: ../scenarios/quickstart.yaml   # a path relative to this file, or an inline map
//! seed: 1                                  # master seed of run seeds and random designs
//! runs: 4                                  # runs per point (the most, with a stop rule)
//! set: { duration: 6h }                    # edits applied to every point
//! design:
//!   grid:                                  # or zip / random / latin_hypercube
//!     actors.alice.every: [5m, 10m, 20m]   # sequence items by index or by `name`
//!     actors.alice.tip_gwei: [1, 5]
//! metrics: [token.transfers, token.max_inclusion_delay_s.alice]
//! stop: { metric: token.transfers, half_width: 5, min_runs: 3 }
//! ```

use super::design::{Axis, Design, ParamRef, Range, Sampled, MAX_POINTS};
use crate::engine::time::Dur;
use crate::scenario::error::ScenarioError;
use crate::scenario::suggest::closest;
use crate::scenario::yaml::{emit, from_node, parse, Loc, Located, Node, NodeKind};
use crate::scenario::{from_tree, Scenario};
use serde::de::IgnoredAny;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Columns every results row has besides parameters and metrics.
pub const FIXED_COLUMNS: &[&str] = &["point", "run", "seed", "digest", "violated", "error"];

/// A swept parameter: its name as written and the index path it resolves to in the scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    /// Dotted path with sequence items by index (what [`Node::set_path`] takes).
    pub path: String,
    pub loc: Loc,
}

/// Stop a point early once the 95% interval of `metric` is at most `half_width` either side of
/// the mean, judged after `min_runs` runs and then after each further run (in run order, so the
/// outcome does not depend on scheduling).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StopRule {
    pub metric: String,
    pub half_width: f64,
    pub min_runs: u32,
}

/// A validated sweep.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The sweep file (for messages).
    pub file: String,
    pub name: String,
    pub question: String,
    /// Master seed of run seeds and random designs.
    pub seed: u64,
    /// Runs per point (the most per point when there is a stop rule).
    pub runs: u32,
    /// The base scenario tree with `set` applied.
    pub base: Node,
    /// Name of the base scenario in messages.
    pub base_file: String,
    pub params: Vec<Param>,
    /// Values per point, in `params` order.
    pub points: Vec<Vec<Node>>,
    pub metrics: Vec<String>,
    pub stop: Option<StopRule>,
    /// Stop each run at its first invariant violation (default: run to the end).
    pub stop_on_violation: bool,
    /// Hash of the sweep and its base scenario: a result directory belongs to one fingerprint.
    pub fingerprint: String,
}

impl Sweep {
    /// The scenario tree of `point`.
    pub fn point_tree(&self, point: usize) -> Node {
        let mut tree = self.base.clone();
        if let Some(values) = self.points.get(point) {
            for (p, v) in self.params.iter().zip(values) {
                // Paths were checked at load time; a failure here cannot happen.
                let _ = tree.set_path(&p.path, v.clone());
            }
        }
        tree
    }

    /// The scenario of `point`, ready to build worlds from.
    pub fn scenario(&self, point: usize) -> Result<Scenario, ScenarioError> {
        from_tree(&self.point_tree(point), &self.base_file)
    }

    /// Total runs at most (points × runs).
    pub fn max_runs(&self) -> u64 {
        self.points.len() as u64 * u64::from(self.runs)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Tree-shaped fields are read from the tree; here they are only checked.
struct Doc {
    name: String,
    #[serde(default)]
    question: Option<String>,
    scenario: IgnoredAny,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    runs: Option<Located<u32>>,
    design: IgnoredAny,
    #[serde(default)]
    set: Option<IgnoredAny>,
    #[serde(default)]
    metrics: Vec<Located<String>>,
    #[serde(default)]
    stop: Option<Located<StopDoc>>,
    #[serde(default)]
    stop_on_violation: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StopDoc {
    metric: Located<String>,
    half_width: Located<f64>,
    #[serde(default)]
    min_runs: Option<Located<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SampledDoc {
    points: Located<usize>,
    parameters: IgnoredAny,
}

const DESIGNS: &[&str] = &["grid", "zip", "random", "latin_hypercube"];

fn at(file: &str, loc: Loc, message: impl Into<String>) -> ScenarioError {
    ScenarioError::at(loc, message).with_file(file)
}

fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    match closest(name, candidates.clone()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => {
            let all: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
            format!("expected one of: {}", all.join(", "))
        }
    }
}

/// Reads and validates a sweep file; a base scenario path is relative to the file's folder.
pub fn load_sweep_file(path: &Path) -> Result<Sweep, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::new(format!("cannot read the sweep file: {e}")).with_file(&file)
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    load_sweep_str(&text, &file, dir)
}

/// Validates sweep text; `file` names it in errors and `dir` anchors a base scenario path.
pub fn load_sweep_str(text: &str, file: &str, dir: &Path) -> Result<Sweep, ScenarioError> {
    let root = parse(text).map_err(|e| e.with_file(file))?;
    if !matches!(root.kind, NodeKind::Map(_)) {
        return Err(at(file, root.loc, "a sweep file is a map")
            .with_hint("start with `name:`, `scenario:`, `design:`, `runs:` and `metrics:`"));
    }
    let doc: Doc = from_node(&root).map_err(|e| e.with_file(file))?;

    // The base scenario: a path or an inline map.
    let scenario_node = root.get("scenario").unwrap_or(&root);
    let (mut base, base_file) = match &scenario_node.kind {
        NodeKind::Str(rel) => {
            let path = dir.join(rel);
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|e| {
                at(
                    file,
                    scenario_node.loc,
                    format!("cannot read the base scenario `{shown}`: {e}"),
                )
                .with_hint("the path is relative to the sweep file's folder")
            })?;
            (parse(&text).map_err(|e| e.with_file(&shown))?, shown)
        }
        NodeKind::Map(_) => (scenario_node.clone(), file.to_string()),
        _ => {
            return Err(at(
                file,
                scenario_node.loc,
                format!(
                    "`scenario` is a path or a map, found {}",
                    scenario_node.type_name()
                ),
            )
            .with_hint("e.g. `scenario: ../scenarios/quickstart.yaml`"))
        }
    };
    from_tree(&base, &base_file)?;

    // Edits applied to every point.
    if let Some(set) = root.get("set") {
        let Some(entries) = set.entries() else {
            return Err(
                at(file, set.loc, "`set` is a map of scenario paths to values")
                    .with_hint("e.g. `set: { duration: 6h }`"),
            );
        };
        let mut edits = Vec::new();
        for (k, v) in entries {
            let path = resolve(&base, &k.name, k.loc, file)?;
            edits.push((
                Param {
                    name: k.name.clone(),
                    path,
                    loc: k.loc,
                },
                v.clone(),
            ));
        }
        let (params, values): (Vec<Param>, Vec<Node>) = edits.into_iter().unzip();
        check_point(&base, &params, &values, file, &base_file, set.loc, None)?;
        for (p, v) in params.iter().zip(values) {
            base.set_path(&p.path, v).map_err(|m| at(file, p.loc, m))?;
        }
    }

    // Design.
    let design_node = root.get("design").unwrap_or(&root);
    let design = read_design(design_node, file)?;
    let refs = design.params();
    if refs.is_empty() {
        return Err(at(file, design_node.loc, "the design has no parameters")
            .with_hint("e.g. `design: { grid: { actors.alice.every: [5m, 10m] } }`"));
    }
    let mut params: Vec<Param> = Vec::new();
    for r in refs {
        if FIXED_COLUMNS.contains(&r.name.as_str()) {
            return Err(at(
                file,
                r.loc,
                format!("`{}` is a results column, not a parameter", r.name),
            )
            .with_hint("a run's seed derives from the sweep's `seed`, the point and the run"));
        }
        let path = resolve(&base, &r.name, r.loc, file)?;
        if let Some(prev) = params.iter().find(|p| p.path == path) {
            return Err(at(
                file,
                r.loc,
                format!("`{}` is the same scenario value as `{}`", r.name, prev.name),
            ));
        }
        params.push(Param {
            name: r.name,
            path,
            loc: r.loc,
        });
    }
    let Some(n) = design.len() else {
        return Err(at(
            file,
            design_node.loc,
            format!("the design has more than {MAX_POINTS} points"),
        ));
    };
    if n == 0 {
        return Err(at(file, design_node.loc, "the design has no points"));
    }
    let seed = doc
        .seed
        .unwrap_or_else(|| from_tree(&base, &base_file).map(|s| s.seed).unwrap_or(0));
    let points = design.expand(seed);
    for (i, values) in points.iter().enumerate() {
        check_point(
            &base,
            &params,
            values,
            file,
            &base_file,
            design_node.loc,
            Some(i),
        )?;
    }

    // Runs, metrics, stop rule.
    let runs = match &doc.runs {
        Some(r) if r.value == 0 => return Err(at(file, r.loc, "`runs` must be at least 1")),
        Some(r) => r.value,
        None => 1,
    };
    let mut metrics: Vec<String> = Vec::new();
    for m in &doc.metrics {
        if m.value.is_empty()
            || m.value
                .contains(|c: char| c.is_whitespace() || c == ',' || c == '"')
        {
            return Err(at(
                file,
                m.loc,
                format!("invalid metric name `{}`", m.value),
            ));
        }
        if metrics.contains(&m.value)
            || FIXED_COLUMNS.contains(&m.value.as_str())
            || params.iter().any(|p| p.name == m.value)
        {
            return Err(
                at(file, m.loc, format!("`{}` is already a column", m.value))
                    .with_hint("list each metric once"),
            );
        }
        metrics.push(m.value.clone());
    }
    let stop = match &doc.stop {
        None => None,
        Some(s) => {
            let s_loc = s.loc;
            let s = &s.value;
            if !metrics.contains(&s.metric.value) {
                let hint = match closest(&s.metric.value, metrics.iter().map(String::as_str)) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => "the stop rule's metric must be listed under `metrics`".to_string(),
                };
                return Err(at(
                    file,
                    s.metric.loc,
                    format!("`{}` is not a collected metric", s.metric.value),
                )
                .with_hint(hint));
            }
            if !(s.half_width.value.is_finite() && s.half_width.value > 0.0) {
                return Err(at(
                    file,
                    s.half_width.loc,
                    "`half_width` must be a positive number",
                ));
            }
            let min_runs = s
                .min_runs
                .as_ref()
                .map(|m| (m.value, m.loc))
                .unwrap_or((runs.min(3), s_loc));
            if min_runs.0 < 2 || min_runs.0 > runs {
                return Err(at(
                    file,
                    min_runs.1,
                    format!("`min_runs` must be between 2 and `runs` ({runs})"),
                )
                .with_hint("an interval needs at least two runs"));
            }
            Some(StopRule {
                metric: s.metric.value.clone(),
                half_width: s.half_width.value,
                min_runs: min_runs.0,
            })
        }
    };

    let mut h = Sha256::new();
    h.update(b"crucible/sweep/v1\0");
    h.update(emit(&root).as_bytes());
    h.update(b"\0");
    h.update(emit(&base).as_bytes());
    let fingerprint = h.finalize().iter().map(|b| format!("{b:02x}")).collect();

    Ok(Sweep {
        file: file.to_string(),
        name: doc.name,
        question: doc.question.unwrap_or_default(),
        seed,
        runs,
        base,
        base_file,
        params,
        points,
        metrics,
        stop,
        stop_on_violation: doc.stop_on_violation,
        fingerprint,
    })
}

/// Resolves a parameter path against the base scenario: sequence items may be named by their
/// `name`; keys missing from the base are created (the scenario loader then validates them).
pub(crate) fn resolve(
    base: &Node,
    name: &str,
    loc: Loc,
    file: &str,
) -> Result<String, ScenarioError> {
    if name.is_empty() || name.split('.').any(str::is_empty) {
        return Err(at(file, loc, format!("invalid parameter path `{name}`"))
            .with_hint("paths are keys and indices joined by dots, e.g. `actors.alice.every`"));
    }
    let mut out: Vec<String> = Vec::new();
    let mut cur = Some(base);
    for seg in name.split('.') {
        let here = if out.is_empty() {
            "the scenario".to_string()
        } else {
            format!("`{}`", out.join("."))
        };
        let next = match cur.map(|n| &n.kind) {
            None | Some(NodeKind::Null) => {
                out.push(seg.to_string());
                None
            }
            Some(NodeKind::Map(_)) => {
                out.push(seg.to_string());
                cur.and_then(|n| n.get(seg))
            }
            Some(NodeKind::Seq(items)) => {
                let idx = match seg.parse::<usize>() {
                    Ok(i) if i < items.len() => i,
                    Ok(i) => {
                        return Err(at(
                            file,
                            loc,
                            format!(
                                "index {i} is out of range for {here} ({} items)",
                                items.len()
                            ),
                        ))
                    }
                    Err(_) => {
                        let names: Vec<&str> = items
                            .iter()
                            .filter_map(|n| n.get("name")?.as_str())
                            .collect();
                        match items
                            .iter()
                            .position(|n| n.get("name").and_then(Node::as_str) == Some(seg))
                        {
                            Some(i) => i,
                            None => {
                                let hint = if names.is_empty() {
                                    format!("address items by index, 0..{}", items.len())
                                } else {
                                    did_you_mean(seg, names.iter().copied())
                                };
                                return Err(at(
                                    file,
                                    loc,
                                    format!("no item named `{seg}` in {here}"),
                                )
                                .with_hint(hint));
                            }
                        }
                    }
                };
                out.push(idx.to_string());
                Some(&items[idx])
            }
            Some(other) => {
                let _ = other;
                let ty = cur.map(Node::type_name).unwrap_or("a value");
                return Err(at(file, loc, format!("{here} is {ty}; it has no `{seg}`")));
            }
        };
        cur = next;
    }
    Ok(out.join("."))
}

/// Loads the scenario of one point; on failure blames the parameter whose value alone breaks
/// it, at that value's place in the sweep file.
fn check_point(
    base: &Node,
    params: &[Param],
    values: &[Node],
    file: &str,
    base_file: &str,
    design_loc: Loc,
    point: Option<usize>,
) -> Result<(), ScenarioError> {
    let apply = |which: &mut dyn Iterator<Item = usize>| -> Result<(), ScenarioError> {
        let mut tree = base.clone();
        for i in which {
            tree.set_path(&params[i].path, values[i].clone())
                .map_err(|m| at(file, params[i].loc, m))?;
        }
        from_tree(&tree, base_file).map(|_| ())
    };
    let Err(all) = apply(&mut (0..params.len())) else {
        return Ok(());
    };
    let at_point = point.map(|p| format!(" (point {p})")).unwrap_or_default();
    for i in 0..params.len() {
        if let Err(e) = apply(&mut std::iter::once(i)) {
            let v = &values[i];
            // A key the base lacks is more likely misspelled than given a bad value.
            let created = base.get_path(&params[i].path).is_none();
            let loc = if v.loc.line > 0 && !created {
                v.loc
            } else {
                params[i].loc
            };
            let mut out = at(
                file,
                loc,
                format!(
                    "`{}` = {}{at_point}: {}",
                    params[i].name,
                    inline(v),
                    e.message
                ),
            );
            out.hint = e.hint;
            return Err(out);
        }
    }
    let mut out = at(
        file,
        design_loc,
        format!(
            "these values together{at_point} make an invalid scenario: {}",
            all.message
        ),
    );
    out.hint = all.hint;
    Err(out)
}

fn read_design(node: &Node, file: &str) -> Result<Design, ScenarioError> {
    let entries = match node.entries() {
        Some(e) if e.len() == 1 => e,
        _ => {
            return Err(at(
                file,
                node.loc,
                "`design` is a map with one of: grid, zip, random, latin_hypercube",
            )
            .with_hint("e.g. `design: { grid: { actors.alice.every: [5m, 10m] } }`"))
        }
    };
    let (key, body) = (&entries[0].0, &entries[0].1);
    match key.name.as_str() {
        "grid" | "zip" => {
            let Some(list) = body.entries() else {
                return Err(at(
                    file,
                    body.loc,
                    format!(
                        "`{}` is a map of parameter paths to lists of values",
                        key.name
                    ),
                )
                .with_hint("e.g. `actors.alice.every: [5m, 10m, 20m]`"));
            };
            let mut axes = Vec::new();
            for (k, v) in list {
                let Some(values) = v.as_seq() else {
                    return Err(at(
                        file,
                        v.loc,
                        format!("the values of `{}` are a list", k.name),
                    )
                    .with_hint(format!("e.g. `{}: [{}]`", k.name, inline(v))));
                };
                if values.is_empty() {
                    return Err(at(file, v.loc, format!("`{}` has no values", k.name)));
                }
                axes.push(Axis {
                    param: ParamRef {
                        name: k.name.clone(),
                        loc: k.loc,
                    },
                    values: values.to_vec(),
                });
            }
            if key.name == "zip" {
                if let Some(first) = axes.first() {
                    let n = first.values.len();
                    for (a, (_, v)) in axes.iter().zip(list) {
                        if a.values.len() != n {
                            return Err(at(
                                file,
                                v.loc,
                                format!(
                                    "zipped lists must have the same length: `{}` has {} values, `{}` has {n}",
                                    a.param.name,
                                    a.values.len(),
                                    first.param.name
                                ),
                            )
                            .with_hint("use `grid` for every combination"));
                        }
                    }
                }
                Ok(Design::Zip(axes))
            } else {
                Ok(Design::Grid(axes))
            }
        }
        "random" | "latin_hypercube" => {
            let doc: SampledDoc = from_node(body).map_err(|e| e.with_file(file))?;
            if doc.points.value == 0 {
                return Err(at(file, doc.points.loc, "`points` must be at least 1"));
            }
            if doc.points.value > MAX_POINTS {
                return Err(at(
                    file,
                    doc.points.loc,
                    format!("`points` must be at most {MAX_POINTS}"),
                ));
            }
            let pnode = body.get("parameters").unwrap_or(body);
            let Some(list) = pnode.entries() else {
                return Err(at(
                    file,
                    pnode.loc,
                    "`parameters` is a map of parameter paths to ranges",
                )
                .with_hint("e.g. `actors.alice.tip_gwei: { min: 1, max: 10 }`"));
            };
            let mut params = Vec::new();
            for (k, v) in list {
                params.push(Sampled {
                    param: ParamRef {
                        name: k.name.clone(),
                        loc: k.loc,
                    },
                    range: read_range(v, &k.name, file)?,
                    loc: v.loc,
                });
            }
            let points = doc.points.value;
            Ok(if key.name == "random" {
                Design::Random { points, params }
            } else {
                Design::LatinHypercube { points, params }
            })
        }
        other => Err(at(file, key.loc, format!("unknown design `{other}`"))
            .with_hint(did_you_mean(other, DESIGNS.iter().copied()))),
    }
}

pub(crate) fn read_range(node: &Node, name: &str, file: &str) -> Result<Range, ScenarioError> {
    let example = || format!("e.g. `{name}: {{ min: 1, max: 10 }}` or `{{ min: 1m, max: 1h }}`");
    let Some(entries) = node.entries() else {
        return Err(
            at(file, node.loc, "a range is a map with `min` and `max`").with_hint(example())
        );
    };
    for (k, _) in entries {
        if k.name != "min" && k.name != "max" {
            return Err(at(file, k.loc, format!("unknown field `{}`", k.name))
                .with_hint(did_you_mean(&k.name, ["min", "max"])));
        }
    }
    let (Some(lo), Some(hi)) = (node.get("min"), node.get("max")) else {
        return Err(at(file, node.loc, "a range needs both `min` and `max`").with_hint(example()));
    };
    let empty = || at(file, hi.loc, "`max` must be above `min`");
    match (&lo.kind, &hi.kind) {
        (NodeKind::Int(a), NodeKind::Int(b)) => {
            if b < a {
                return Err(empty());
            }
            Ok(Range::Int(*a, *b))
        }
        (NodeKind::Str(a), NodeKind::Str(b)) => {
            let dur = |n: &Node, s: &str| {
                s.parse::<Dur>()
                    .map_err(|e| at(file, n.loc, e.to_string()).with_hint(example()))
            };
            let (a, b) = (dur(lo, a)?, dur(hi, b)?);
            if b < a {
                return Err(empty());
            }
            Ok(Range::Dur(a.as_ms(), b.as_ms()))
        }
        _ => match (lo.as_f64(), hi.as_f64()) {
            (Some(a), Some(b)) if a.is_finite() && b.is_finite() => {
                if b <= a {
                    return Err(empty());
                }
                Ok(Range::Real(a, b))
            }
            _ => Err(at(
                file,
                node.loc,
                "`min` and `max` are both numbers or both durations",
            )
            .with_hint(example())),
        },
    }
}

/// A value on one line: scalars as YAML writes them, collections in flow style.
pub fn inline(node: &Node) -> String {
    match &node.kind {
        NodeKind::Seq(items) => {
            let parts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        NodeKind::Map(entries) => {
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", inline(&Node::from(k.name.as_str())), inline(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        _ => emit(node).trim_end().replace(['\n', '\r'], " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BASE: &str =
        "scenario: { name: t, question: q, duration: 10m, chains: { l1: { block_time: 12s } }, \
        protocols: { token: { chain: l1 } }, actors: [{ kind: token.payer, name: alice }] }\n";

    fn load(body: &str) -> Result<Sweep, ScenarioError> {
        load_sweep_str(&format!("name: s\n{BASE}{body}"), "s.yaml", Path::new("."))
    }

    #[test]
    fn paths_resolve_names_to_indices_and_errors_are_located() {
        let s =
            load("design: { zip: { actors.alice.every: [1m, 2m], actors.0.tip_gwei: [1, 2] } }\n")
                .unwrap();
        assert_eq!(s.params[0].path, "actors.0.every");
        assert_eq!(s.params[1].path, "actors.0.tip_gwei");
        assert_eq!(s.points.len(), 2);
        let e =
            load("design: { zip: { actors.alice.every: [1m, 2m], actors.0.every: [1m, 3m] } }\n")
                .unwrap_err();
        assert!(e.message.contains("same scenario value"), "{e}");
        let e = load("design: { grid: { actors.3.every: [1m] } }\n").unwrap_err();
        assert_eq!(e.message, "index 3 is out of range for `actors` (1 items)");
        assert_eq!(e.loc.map(|l| l.line), Some(3));
        let e = load("design: { grid: { duration.x: [1m] } }\n").unwrap_err();
        assert!(
            e.message.contains("`duration` is a string; it has no `x`"),
            "{e}"
        );
        let e = load("design: { grid: { seed: [1, 2] } }\n").unwrap_err();
        assert!(e.message.contains("results column"), "{e}");
        let e = load("design: { random: { points: 2, parameters: { actors.alice.tip_gwei: { min: 1.5, max: 3 } } } }\n")
            .unwrap_err();
        assert!(e.message.contains("`actors.alice.tip_gwei` = 1."), "{e}");
        let e = load("design: { grid: {} }\n").unwrap_err();
        assert_eq!(e.message, "the design has no parameters");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn loading_never_panics(body in "[-:\\[\\]{}#, a-z0-9._\n]{0,80}") {
            let _ = load(&body);
            let _ = load_sweep_str(&body, "s.yaml", Path::new("."));
        }
    }
}
