//! Boundary search: where, along one parameter, an invariant starts to fail.
//!
//! Both ends of the range are probed first: one must hold on every seed and the other fail on
//! at least one. Then bisection: each probe runs the same fixed seeds at the midpoint and moves
//! the end whose outcome it shares. The failing seeds at the closest failing value are written
//! as regression scenarios that expect the violation.

use super::design::Range;
use super::error::SweepError;
use super::run_seed;
use super::spec::{read_range, resolve};
use crate::engine::time::Dur;
use crate::engine::world::RunOptions;
use crate::runner::run_digest_only;
use crate::scenario::suggest::closest;
use crate::scenario::yaml::{emit, parse, Key, Loc, Node, NodeKind};
use crate::scenario::{from_tree, ScenarioError};
use rayon::prelude::*;

/// What to search.
#[derive(Clone, Debug)]
pub struct BoundarySpec {
    /// Parameter path into the scenario (sequence items by index or `name`).
    pub param: String,
    /// Ends of the range, as YAML scalars: integers, reals or durations.
    pub from: String,
    pub to: String,
    pub invariant: String,
    /// Seeds per probe (the same seeds at every probe).
    pub seeds: u32,
    /// Bisection steps after the two ends.
    pub probes: u32,
    pub jobs: usize,
}

/// One probe: the value and the seeds on which the invariant failed.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    pub value: String,
    pub failing: Vec<u64>,
}

/// The result: the closest holding and failing values, every probe in order, and the
/// regression scenarios (file name, YAML text) for the failing seeds at the failing value.
#[derive(Clone, Debug)]
pub struct Boundary {
    pub holds: String,
    pub fails: String,
    pub probes: Vec<Probe>,
    pub regressions: Vec<(String, String)>,
}

fn bad(file: &str, message: impl Into<String>) -> SweepError {
    SweepError::Spec(ScenarioError::new(message).with_file(file))
}

/// Searches the scenario `base` (loaded from `file`).
pub fn search(base: &Node, file: &str, spec: &BoundarySpec) -> Result<Boundary, SweepError> {
    let sc = from_tree(base, file)?;
    let known: Vec<&str> = sc
        .protocols
        .iter()
        .flat_map(|p| p.invariants.iter().map(String::as_str))
        .collect();
    if !known.contains(&spec.invariant.as_str()) {
        let hint = closest(&spec.invariant, known.iter().copied())
            .map(|c| format!("did you mean `{c}`?"))
            .unwrap_or_else(|| format!("the scenario checks: {}", known.join(", ")));
        return Err(SweepError::Spec(
            ScenarioError::new(format!("unknown invariant `{}`", spec.invariant))
                .with_file(file)
                .with_hint(hint),
        ));
    }
    if spec.seeds == 0 {
        return Err(bad(file, "--seeds must be at least 1"));
    }
    let path = resolve(base, &spec.param, Loc::default(), file)?;
    let scalar = |t: &str| parse(t).map_err(|e| e.with_file(file));
    let range_node = Node::new(NodeKind::Map(vec![
        (key("min"), scalar(&spec.from)?),
        (key("max"), scalar(&spec.to)?),
    ]));
    let range = read_range(&range_node, &spec.param, file).or_else(|_| {
        // `from` above `to` is allowed: search downwards.
        let swapped = Node::new(NodeKind::Map(vec![
            (key("min"), scalar(&spec.to)?),
            (key("max"), scalar(&spec.from)?),
        ]));
        read_range(&swapped, &spec.param, file)
            .map(|r| flip(&r))
            .map_err(SweepError::Spec)
    })?;
    let (mut a, mut b) = ends(&range);
    let master = sc.seed;
    let seeds: Vec<u64> = (0..spec.seeds).map(|i| run_seed(master, 0, i)).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(spec.jobs.max(1))
        .stack_size(16 << 20)
        .build()
        .map_err(|e| SweepError::results(format!("cannot start worker threads: {e}")))?;
    let tree_at = |v: f64| -> Result<Node, SweepError> {
        let mut t = base.clone();
        t.set_path(&path, value(&range, v))
            .map_err(|m| bad(file, m))?;
        Ok(t)
    };
    let probe = |v: f64| -> Result<Probe, SweepError> {
        let tree = tree_at(v)?;
        let sc = from_tree(&tree, file)?;
        drop(sc);
        let failing: Vec<Option<u64>> = pool.install(|| {
            seeds
                .par_iter()
                .map(|&seed| {
                    let sc = from_tree(&tree, file).ok()?;
                    let r = run_digest_only(
                        &sc,
                        seed,
                        RunOptions {
                            stop_on_violation: false,
                        },
                    )
                    .ok()?;
                    r.checks
                        .iter()
                        .any(|c| c.name == spec.invariant && c.status.is_failure())
                        .then_some(seed)
                })
                .collect()
        });
        Ok(Probe {
            value: text(&range, v),
            failing: failing.into_iter().flatten().collect(),
        })
    };
    let mut probes = Vec::new();
    let pa = probe(a)?;
    let pb = probe(b)?;
    let (a_fails, b_fails) = (!pa.failing.is_empty(), !pb.failing.is_empty());
    probes.push(pa.clone());
    probes.push(pb.clone());
    if a_fails == b_fails {
        let state = if a_fails { "fails" } else { "holds" };
        return Err(SweepError::results_hint(
            format!(
                "`{}` {state} at both ends ({} and {}): no boundary to search",
                spec.invariant, pa.value, pb.value
            ),
            "widen the range so that the invariant holds at one end and fails at the other",
        ));
    }
    // Keep `a` on the holding side and `b` on the failing side.
    let mut fail_probe = if b_fails { pb } else { pa };
    if a_fails {
        std::mem::swap(&mut a, &mut b);
    }
    for _ in 0..spec.probes {
        let Some(mid) = midpoint(&range, a, b) else {
            break;
        };
        let p = probe(mid)?;
        if p.failing.is_empty() {
            a = mid;
        } else {
            b = mid;
            fail_probe = p.clone();
        }
        probes.push(p);
    }
    let mut regressions = Vec::new();
    for seed in &fail_probe.failing {
        let mut t = tree_at(b)?;
        let _ = t.set_path("seed", Node::from(*seed));
        let _ = t.set_path(
            "expect",
            Node::new(NodeKind::Map(vec![
                (key("invariants"), Node::from("none")),
                (
                    key("violations"),
                    Node::new(NodeKind::Seq(vec![Node::from(spec.invariant.as_str())])),
                ),
            ])),
        );
        let name = format!("boundary-{}-{}.yaml", sanitize(&spec.param), seed);
        regressions.push((name, emit(&t)));
    }
    Ok(Boundary {
        holds: text(&range, a),
        fails: text(&range, b),
        probes,
        regressions,
    })
}

fn key(name: &str) -> Key {
    Key {
        name: name.into(),
        loc: Loc::default(),
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A range searched downwards is stored with its ends exchanged.
fn flip(r: &Range) -> Range {
    match *r {
        Range::Int(a, b) => Range::Int(b, a),
        Range::Real(a, b) => Range::Real(b, a),
        Range::Dur(a, b) => Range::Dur(b, a),
    }
}

fn ends(r: &Range) -> (f64, f64) {
    match *r {
        Range::Int(a, b) => (a as f64, b as f64),
        Range::Real(a, b) => (a, b),
        Range::Dur(a, b) => (a as f64, b as f64),
    }
}

/// The midpoint, or `None` when integers (or milliseconds) leave nothing between the ends.
fn midpoint(r: &Range, a: f64, b: f64) -> Option<f64> {
    match r {
        Range::Real(..) => Some(a + (b - a) / 2.0),
        _ => {
            let m = ((a + b) / 2.0).floor();
            (m != a && m != b).then_some(m)
        }
    }
}

fn value(r: &Range, v: f64) -> Node {
    match r {
        Range::Int(..) => Node::from(v as i128),
        Range::Real(..) => Node::from(v),
        Range::Dur(..) => Node::from(Dur(v as u64).to_string()),
    }
}

fn text(r: &Range, v: f64) -> String {
    super::spec::inline(&value(r, v))
}
