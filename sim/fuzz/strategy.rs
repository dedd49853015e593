//! Each protocol's scenario generator as a proptest [`Strategy`], for property tests that want
//! proptest's runner (its case count, its failure report, `proptest!`) over generated scenarios.
//!
//! The strategy draws a case seed from the runner's RNG and generates the case from it with
//! [`generate`], exactly as a campaign does from its own case seeds; its value tree shrinks with
//! the campaign's shrinker ([`Shrinker`]): `simplify` accepts the candidate that just failed and
//! offers the next candidate of the smaller case, `complicate` rejects the candidate that passed
//! and offers its next sibling. So proptest shrinks a scenario the way `crucible fuzz` does,
//! never field by field into a scenario that would not load.
//!
//! The shrinker keeps the *same* violated invariant; proptest only sees pass or fail. A property
//! keeps that rule with [`SameViolation`]: the first invariant it sees violated is the one it
//! reports from then on, and a case violating another one counts as a pass while shrinking.
//!
//! `crucible fuzz` does not go through proptest: its case seeds derive from the campaign seed
//! ([`super::case_seed`]), so a campaign stays independent of any test runner and of `--jobs`.

use super::case::Case;
use super::generate::{generate, Limits};
use super::run::{run_case, Violation};
use super::shrink::Shrinker;
use super::space::FuzzSpace;
use proptest::prelude::Rng;
use proptest::strategy::{NewTree, Strategy, ValueTree};
use proptest::test_runner::{TestCaseError, TestRunner};
use std::fmt;
use std::sync::Mutex;

/// Scenarios of one protocol, drawn from its fuzz space.
#[derive(Clone)]
pub struct ScenarioStrategy {
    protocol: &'static str,
    space: &'static dyn FuzzSpace,
    limits: Limits,
    /// Candidates the value tree offers at most while shrinking one failure.
    max_shrink_runs: usize,
}

impl fmt::Debug for ScenarioStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScenarioStrategy")
            .field("protocol", &self.protocol)
            .field("limits", &self.limits)
            .field("max_shrink_runs", &self.max_shrink_runs)
            .finish()
    }
}

impl ScenarioStrategy {
    /// Scenarios of `protocol` drawn from `space` within `limits`.
    pub fn new(protocol: &'static str, space: &'static dyn FuzzSpace, limits: Limits) -> Self {
        ScenarioStrategy {
            protocol,
            space,
            limits,
            max_shrink_runs: 300,
        }
    }

    /// Scenarios of the registered protocol `name`, if it has a fuzz space.
    pub fn protocol(name: &str, limits: Limits) -> Option<Self> {
        crate::protocols::registry()
            .iter()
            .find(|p| p.name() == name)
            .and_then(|p| p.fuzz_space().map(|s| Self::new(p.name(), s, limits)))
    }

    /// At most `runs` shrink candidates per failure (default 300, as `crucible fuzz`). Set
    /// proptest's `max_shrink_iters` at least this high, or proptest stops first.
    pub fn max_shrink_runs(mut self, runs: usize) -> Self {
        self.max_shrink_runs = runs;
        self
    }

    /// The case of `seed` (what the value tree of that seed starts from).
    pub fn case(&self, seed: u64) -> Case {
        generate(self.protocol, self.space, seed, &self.limits)
    }
}

impl Strategy for ScenarioStrategy {
    type Tree = ScenarioTree;
    type Value = Case;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let seed = runner.rng().next_u64();
        Ok(ScenarioTree {
            walk: Shrinker::new(self.case(seed)),
            testing: false,
            budget: self.max_shrink_runs,
        })
    }
}

/// A generated case and the shrinker's walk from it.
#[derive(Clone, Debug)]
pub struct ScenarioTree {
    walk: Shrinker,
    /// `current()` is the shrinker's candidate on offer (else the smallest failing case).
    testing: bool,
    /// Candidates still allowed.
    budget: usize,
}

impl ScenarioTree {
    /// Offers the shrinker's next candidate, if any is left within the budget.
    fn offer(&mut self) -> bool {
        self.testing = self.budget > 0 && self.walk.candidate().is_some();
        if self.testing {
            self.budget -= 1;
        }
        self.testing
    }
}

impl ValueTree for ScenarioTree {
    type Value = Case;

    fn current(&self) -> Case {
        match self.walk.offered() {
            Some(c) if self.testing => c.clone(),
            _ => self.walk.case().clone(),
        }
    }

    /// `current()` failed: keep it (when it was a candidate) and offer the next candidate.
    fn simplify(&mut self) -> bool {
        if self.testing {
            self.walk.accept();
        }
        self.offer()
    }

    /// `current()` passed: drop the candidate and offer its next sibling.
    fn complicate(&mut self) -> bool {
        if !self.testing {
            return false;
        }
        self.walk.reject();
        self.offer()
    }
}

/// The property "no invariant is violated", pinned to one invariant once a case violates it, as
/// the shrinker needs: while shrinking, a candidate that violates another invariant, or none,
/// passes.
#[derive(Debug, Default)]
pub struct SameViolation {
    pinned: Mutex<Option<String>>,
}

impl SameViolation {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `case`; fails (with the invariant, the time and the detail) when it violates the
    /// pinned invariant, or any invariant while none is pinned. A generated case that does not
    /// load fails too (a bug of the fuzz space); a shrink candidate that does not load (one that
    /// dropped an actor a parameter names) passes, as the shrinker rejects it.
    pub fn check(&self, case: &Case) -> Result<(), TestCaseError> {
        let mut pinned = self.pinned.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = match run_case(case) {
            Ok(o) => o,
            Err(_) if pinned.is_some() => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        let Some(v) = outcome.violation else {
            return Ok(());
        };
        match pinned.as_deref() {
            Some(name) if name != v.invariant => Ok(()),
            _ => {
                *pinned = Some(v.invariant.clone());
                Err(TestCaseError::fail(describe(&v)))
            }
        }
    }

    /// The invariant the property is pinned to, once a case has failed.
    pub fn invariant(&self) -> Option<String> {
        self.pinned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

fn describe(v: &Violation) -> String {
    format!("{} violated at {} ms: {}", v.invariant, v.at, v.detail)
}
