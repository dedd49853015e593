//! Shrinking a failing case to a small one that fails the same way.
//!
//! Greedy and deterministic: the candidates of the current case are tried in a fixed order
//! (no faults at all, a shorter run, one fault fewer, one actor fewer, a shorter quiet period, a
//! milder fault, a smaller parameter); the first that still violates the *same* invariant becomes the current case and
//! the search starts over. It stops when no candidate fails that way or the run budget is spent.
//! Every candidate is strictly smaller than the case it came from, so the search terminates.

use super::case::{Case, Size};
use super::run::{case_yaml, run_case, Violation};
use super::space::{Knob, Params};

/// The result of shrinking.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub case: Case,
    /// The shrunk case's violation (same invariant as the original's).
    pub violation: Violation,
    pub original: Size,
    /// Candidate runs spent.
    pub runs: usize,
    /// Candidates accepted (each made the case smaller).
    pub steps: usize,
}

/// Shrinks `case`, which fails with `violation`, spending at most `max_runs` runs.
pub fn shrink(case: &Case, violation: &Violation, max_runs: usize) -> Shrunk {
    let invariant = violation.invariant.as_str();
    let original = case.size();
    let mut walk = Shrinker::new(case.clone());
    let mut last = violation.clone();
    let mut runs = 0;
    while runs < max_runs {
        let Some(cand) = walk.candidate() else {
            break;
        };
        runs += 1;
        let found = match run_case(cand) {
            Ok(o) => o.violation.filter(|v| v.invariant == invariant),
            Err(_) => None,
        };
        match found {
            Some(v) => {
                last = v;
                walk.accept();
            }
            None => walk.reject(),
        }
    }
    Shrunk {
        steps: walk.steps(),
        case: walk.into_case(),
        violation: last,
        original,
        runs,
    }
}

/// The greedy search as a state machine, without running anything: it offers one candidate at
/// a time, and whoever runs it says whether it still fails ([`Shrinker::accept`]) or not
/// ([`Shrinker::reject`]). [`shrink`] drives it with [`run_case`]; the proptest value tree of
/// [`super::strategy`] drives it from proptest's runner, so both shrink the same way.
#[derive(Clone, Debug)]
pub struct Shrinker {
    /// The smallest case known to fail.
    current: Case,
    /// Its YAML (candidates rendering the same are skipped without a run).
    here: String,
    /// Its candidates, most aggressive first.
    cands: Vec<Case>,
    /// Index of the candidate on offer.
    next: usize,
    /// Candidates accepted.
    steps: usize,
}

impl Shrinker {
    /// Starts from `case`, which is known to fail.
    pub fn new(case: Case) -> Self {
        Shrinker {
            here: case_yaml(&case),
            cands: candidates(&case),
            current: case,
            next: 0,
            steps: 0,
        }
    }

    /// The candidate to try next, or `None` when no candidate of the current case is left
    /// (the search is over).
    pub fn candidate(&mut self) -> Option<&Case> {
        while self.next < self.cands.len() && case_yaml(&self.cands[self.next]) == self.here {
            self.next += 1;
        }
        self.cands.get(self.next)
    }

    /// The candidate [`Shrinker::candidate`] last returned, without looking further.
    pub fn offered(&self) -> Option<&Case> {
        self.cands.get(self.next)
    }

    /// The candidate on offer still fails the same way: it becomes the current case and the
    /// search starts over from its own candidates.
    pub fn accept(&mut self) {
        if self.candidate().is_none() {
            return;
        }
        let case = self.cands.swap_remove(self.next);
        *self = Shrinker {
            steps: self.steps + 1,
            ..Shrinker::new(case)
        };
    }

    /// The candidate on offer does not fail that way: move on to the next one.
    pub fn reject(&mut self) {
        if self.candidate().is_some() {
            self.next += 1;
        }
    }

    /// The smallest case known to fail.
    pub fn case(&self) -> &Case {
        &self.current
    }

    /// Candidates accepted so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    pub fn into_case(self) -> Case {
        self.current
    }
}

/// Smaller variants of `c`, most aggressive first.
pub fn candidates(c: &Case) -> Vec<Case> {
    let mut out = Vec::new();
    // No faults at all.
    if c.faults.len() > 1 {
        out.push(Case {
            faults: Vec::new(),
            ..c.clone()
        });
    }
    // A shorter run (faults clipped to it), never below the space's minimum.
    let shortest = shortest_run(&c.protocol);
    for d in super::space::halvings(c.duration_ms as u128, shortest as u128) {
        let d = d as u64 / 1_000 * 1_000;
        if d < shortest || d >= c.duration_ms {
            continue;
        }
        let mut n = c.clone();
        n.duration_ms = d;
        n.faults = n.faults.iter().filter_map(|f| f.clipped(d)).collect();
        out.push(n);
    }
    // One fault fewer.
    for i in 0..c.faults.len() {
        let mut n = c.clone();
        n.faults.remove(i);
        out.push(n);
    }
    // One actor fewer (with the faults that named it).
    for i in 0..c.body.actors.len() {
        let mut n = c.clone();
        let gone = n.body.actors.remove(i).name;
        n.faults = n
            .faults
            .iter()
            .filter_map(|f| f.without_actor(&gone))
            .collect();
        out.push(n);
    }
    // A shorter quiet period.
    for q in super::space::halvings(c.quiet_ms as u128, 0) {
        out.push(Case {
            quiet_ms: q as u64 / 1_000 * 1_000,
            ..c.clone()
        });
    }
    // Milder faults.
    for (i, f) in c.faults.iter().enumerate() {
        for m in f.milder() {
            let mut n = c.clone();
            n.faults[i] = m;
            out.push(n);
        }
    }
    // Smaller parameters: the protocol's, then each actor's.
    for p in smaller_params(&c.body.params) {
        let mut n = c.clone();
        n.body.params = p;
        out.push(n);
    }
    for (i, a) in c.body.actors.iter().enumerate() {
        for p in smaller_params(&a.params) {
            let mut n = c.clone();
            n.body.actors[i].params = p;
            out.push(n);
        }
    }
    out
}

/// The shortest duration a shrunk case of `protocol` may have: one minute, or the protocol's
/// fuzz space's minimum if it has one.
fn shortest_run(protocol: &str) -> u64 {
    crate::protocols::registry()
        .iter()
        .find(|p| p.name() == protocol)
        .and_then(|p| p.fuzz_space())
        .and_then(|s| s.min_duration())
        .map_or(60_000, |m| m.as_ms().max(60_000))
}

/// Each variant of `params` with one knob made smaller.
fn smaller_params(params: &Params) -> Vec<Params> {
    let mut out = Vec::new();
    for (i, (_, knob)) in params.iter().enumerate() {
        for k in Knob::smaller(knob) {
            let mut p = params.clone();
            p[i].1 = k;
            out.push(p);
        }
    }
    out
}
