//! A fuzz campaign: many generated cases per protocol, run in parallel, with `sometimes`
//! coverage counted across all of them, and the first failure of each invariant shrunk.
//!
//! Determinism: case `i` of protocol `p` is drawn from `case_seed(seed, p, i)` alone, each case
//! runs single-threaded inside its own world (built in the worker that runs it), and results are
//! folded in case order. So a campaign of `--cases N` gives the same report for any `--jobs`.
//! A campaign bounded by `--time` runs whole rounds (one case per protocol) until the wall-clock
//! budget is spent: the wall clock only decides *how many* rounds run, never what happens inside
//! a run, and the report names the count, so `--cases <count>` repeats it exactly.

use super::case::Case;
use super::generate::{case_seed, generate, Limits};
use super::run::{run_case, CaseOutcome, InvalidCase, Violation};
use super::shrink::{shrink, Shrunk};
use super::space::FuzzSpace;
use crate::protocols::Protocol;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// When a campaign stops generating cases.
#[derive(Clone, Copy, Debug)]
pub enum Stop {
    /// This many cases per protocol.
    Cases(u64),
    /// Whole rounds until this much wall-clock time has passed (at least one batch).
    Time(Duration),
}

/// Settings of a campaign.
#[derive(Clone, Debug)]
pub struct Campaign {
    pub seed: u64,
    pub stop: Stop,
    /// Worker threads (does not change the result).
    pub jobs: usize,
    pub limits: Limits,
    /// Candidate runs the shrinker may spend per failure.
    pub shrink_runs: usize,
}

/// One protocol under fuzz.
#[derive(Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    pub space: &'static dyn FuzzSpace,
}

/// The protocols in the registry that have a fuzz space, optionally only `only`.
pub fn targets(only: Option<&str>) -> Vec<Target> {
    crate::protocols::registry()
        .iter()
        .filter(|p| only.is_none_or(|o| o == p.name()))
        .filter_map(|p: &&'static dyn Protocol| {
            p.fuzz_space().map(|space| Target {
                name: p.name(),
                space,
            })
        })
        .collect()
}

/// A failing case.
#[derive(Clone, Debug)]
pub struct Failure {
    pub protocol: String,
    pub index: u64,
    pub case: Case,
    pub violation: Violation,
    /// The shrunk case (only the first failure of each invariant is shrunk).
    pub shrunk: Option<Shrunk>,
}

/// How often each `sometimes` property was reached.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Coverage {
    /// Property → (cases that reached it, cases that checked it).
    pub counts: BTreeMap<String, (u64, u64)>,
}

impl Coverage {
    fn add(&mut self, o: &CaseOutcome) {
        for (name, reached) in &o.sometimes {
            let e = self.counts.entry(name.clone()).or_insert((0, 0));
            e.1 += 1;
            if *reached {
                e.0 += 1;
            }
        }
    }
    /// Properties reached in at least one case.
    pub fn reached(&self) -> usize {
        self.counts.values().filter(|(r, _)| *r > 0).count()
    }
    /// Properties never reached: each is a finding (the adversary never got there).
    pub fn never_reached(&self) -> Vec<&str> {
        self.counts
            .iter()
            .filter(|(_, (r, _))| *r == 0)
            .map(|(n, _)| n.as_str())
            .collect()
    }
}

/// Progress of a running campaign.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    pub cases: u64,
    pub failures: u64,
    pub covered: usize,
    pub properties: usize,
    /// `Some(n)` while the n-th failure is shrinking.
    pub shrinking: Option<usize>,
}

/// What a campaign found.
#[derive(Clone, Debug, Default)]
pub struct CampaignReport {
    pub seed: u64,
    /// Cases run per protocol (every protocol runs the same number: whole rounds).
    pub cases: u64,
    pub protocols: Vec<String>,
    pub coverage: Coverage,
    pub failures: Vec<Failure>,
    /// Cases whose generated scenario did not load (bugs of a fuzz space).
    pub invalid: Vec<(String, u64, String)>,
}

impl CampaignReport {
    /// True when nothing needs attention: no failure, no invalid case, every `sometimes` reached.
    pub fn clean(&self) -> bool {
        self.failures.is_empty()
            && self.invalid.is_empty()
            && self.coverage.never_reached().is_empty()
    }
}

/// The command that regenerates case `index` of `protocol` in a campaign with `seed`.
pub fn case_command(protocol: &str, seed: u64, index: u64, limits: &Limits) -> String {
    let mut cmd = format!("crucible fuzz --protocol {protocol} --seed {seed} --case {index}");
    let default = Limits::default();
    if limits.max_duration != default.max_duration {
        cmd.push_str(&format!(" --max-duration {}", limits.max_duration));
    }
    if limits.max_actors != default.max_actors {
        cmd.push_str(&format!(" --max-actors {}", limits.max_actors));
    }
    if limits.planted {
        cmd.push_str(" --planted");
    }
    cmd
}

/// Draws case `index` of target `t`.
pub fn case_of(t: &Target, seed: u64, index: u64, limits: &Limits) -> Case {
    generate(t.name, t.space, case_seed(seed, t.name, index), limits)
}

type Ran = (usize, u64, Case, Result<CaseOutcome, InvalidCase>);

/// Runs a campaign over `targets`, calling `progress` after every batch.
pub fn run(
    c: &Campaign,
    targets: &[Target],
    progress: &mut dyn FnMut(&Progress),
) -> CampaignReport {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(c.jobs.max(1))
        .build()
        .expect("a thread pool");
    let started = Instant::now();
    let mut report = CampaignReport {
        seed: c.seed,
        protocols: targets.iter().map(|t| t.name.to_string()).collect(),
        ..Default::default()
    };
    let mut p = Progress::default();
    // Rounds per batch: enough to keep every worker busy.
    let per_batch = (c.jobs.max(1) as u64 * 2).div_ceil(targets.len().max(1) as u64);
    let mut next = 0u64;
    loop {
        let rounds = match c.stop {
            Stop::Cases(n) => per_batch.min(n.saturating_sub(next)),
            // The first batch always runs, however small the budget: a time-boxed campaign
            // that ran nothing would report nothing (and under load even a few instructions
            // can outlast a tiny budget).
            Stop::Time(budget) if next > 0 && started.elapsed() >= budget => 0,
            Stop::Time(_) => per_batch,
        };
        if rounds == 0 || targets.is_empty() {
            break;
        }
        let jobs: Vec<(usize, u64)> = (next..next + rounds)
            .flat_map(|i| (0..targets.len()).map(move |t| (t, i)))
            .collect();
        let ran: Vec<Ran> = pool.install(|| {
            jobs.par_iter()
                .map(|&(t, i)| {
                    let case = case_of(&targets[t], c.seed, i, &c.limits);
                    let outcome = run_case(&case);
                    (t, i, case, outcome)
                })
                .collect()
        });
        for (t, i, case, outcome) in ran {
            let name = targets[t].name.to_string();
            match outcome {
                Ok(o) => {
                    report.coverage.add(&o);
                    if let Some(v) = o.violation {
                        report.failures.push(Failure {
                            protocol: name,
                            index: i,
                            case,
                            violation: v,
                            shrunk: None,
                        });
                    }
                }
                Err(InvalidCase(msg)) => report.invalid.push((name, i, msg)),
            }
        }
        next += rounds;
        p.cases = next * targets.len() as u64;
        p.failures = report.failures.len() as u64;
        p.covered = report.coverage.reached();
        p.properties = report.coverage.counts.len();
        progress(&p);
    }
    report.cases = next;

    // Shrink the first failure of each (protocol, invariant), in parallel, in a fixed order.
    let mut firsts: Vec<usize> = Vec::new();
    for (k, f) in report.failures.iter().enumerate() {
        let seen = firsts.iter().any(|&j| {
            let g = &report.failures[j];
            g.protocol == f.protocol && g.violation.invariant == f.violation.invariant
        });
        if !seen {
            firsts.push(k);
        }
    }
    if !firsts.is_empty() {
        p.shrinking = Some(firsts.len());
        progress(&p);
        let shrunk: Vec<Shrunk> = pool.install(|| {
            firsts
                .par_iter()
                .map(|&k| {
                    let f = &report.failures[k];
                    shrink(&f.case, &f.violation, c.shrink_runs)
                })
                .collect()
        });
        for (k, s) in firsts.into_iter().zip(shrunk) {
            report.failures[k].shrunk = Some(s);
        }
    }
    report
}
