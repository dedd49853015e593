//! `crucible fuzz [--protocol P] [--cases N | --time 10m] [--seed S] [--jobs J] [--case I]`
//!
//! Runs a fuzz campaign, shows a progress bar (cases, failures, `sometimes` coverage), shrinks
//! the first failure of each invariant, writes it as a regression scenario, and prints a report.
//! Exit codes: 0 nothing found, 1 a failure, an invalid generated case or a `sometimes` property
//! never reached, 2 bad input.

use super::{diag, BAD_INPUT, FAILED};
use crucible::engine::time::Dur;
use crucible::fuzz::campaign::{self, case_command, case_of, Campaign, Failure, Stop};
use crucible::fuzz::regress::{self, Origin};
use crucible::fuzz::run::{case_yaml, run_case};
use crucible::fuzz::Limits;
use crucible::scenario::units::parse_dur;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Fuzz only this protocol (default: every protocol with a fuzz space).
    #[arg(long)]
    protocol: Option<String>,
    /// Cases per protocol (default 100).
    #[arg(long, conflicts_with = "time")]
    cases: Option<u64>,
    /// Wall-clock budget, e.g. `60s` or `10m`: whole rounds of cases start until it is spent.
    #[arg(long)]
    time: Option<String>,
    /// Campaign seed: every case seed derives from it.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Worker threads (default: the number of cores). The result does not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    /// Run only case I of the campaign (with --protocol) and print its scenario.
    #[arg(long, requires = "protocol", conflicts_with_all = ["cases", "time"])]
    case: Option<u64>,
    /// Longest simulated duration of a generated case.
    #[arg(long, default_value = "4h")]
    max_duration: String,
    /// Most actors in a generated case.
    #[arg(long, default_value_t = 6)]
    max_actors: usize,
    /// Include planted bugs (adversaries that break invariants by design) to see them found.
    #[arg(long)]
    planted: bool,
    /// Candidate runs the shrinker may spend per failure.
    #[arg(long, default_value_t = 300)]
    shrink_runs: usize,
    /// Where shrunk failures are written (as <dir>/<protocol>/<invariant>-<seed>.yaml).
    #[arg(long, default_value = "tests/regressions")]
    regressions: PathBuf,
    /// Print nothing but the report.
    #[arg(short, long)]
    quiet: bool,
}

fn dur_arg(name: &str, text: &str) -> Result<Dur, ()> {
    parse_dur(text).map_err(|e| diag::error(format!("--{name}: {e}")))
}

pub fn main(args: Args) -> i32 {
    let Ok(max_duration) = dur_arg("max-duration", &args.max_duration) else {
        return BAD_INPUT;
    };
    let stop = match (&args.time, args.cases) {
        (Some(t), _) => match dur_arg("time", t) {
            Ok(d) if d.as_ms() > 0 => Stop::Time(Duration::from_millis(d.as_ms())),
            Ok(_) => {
                diag::error("--time must be positive");
                return BAD_INPUT;
            }
            Err(()) => return BAD_INPUT,
        },
        (None, Some(n)) => Stop::Cases(n),
        (None, None) => Stop::Cases(100),
    };
    let targets = campaign::targets(args.protocol.as_deref());
    if targets.is_empty() {
        let known: Vec<&str> = campaign::targets(None).iter().map(|t| t.name).collect();
        match &args.protocol {
            Some(p) => diag::error(format!(
                "no fuzzable protocol `{p}` (fuzzable: {})",
                known.join(", ")
            )),
            None => diag::error("no protocol has a fuzz space"),
        }
        return BAD_INPUT;
    }
    let limits = Limits {
        max_duration,
        max_actors: args.max_actors.max(1),
        planted: args.planted,
    };
    if let Some(index) = args.case {
        return one_case(&targets[0], args.seed, index, &limits);
    }
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let c = Campaign {
        seed: args.seed,
        stop,
        jobs,
        limits: limits.clone(),
        shrink_runs: args.shrink_runs,
    };
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let (bar, template) = match stop {
            Stop::Cases(n) => (
                ProgressBar::new(n * targets.len() as u64),
                "{spinner} [{bar:30}] {pos}/{len} cases, {msg} ({elapsed})",
            ),
            Stop::Time(_) => (
                ProgressBar::new_spinner(),
                "{spinner} {pos} cases, {msg} ({elapsed})",
            ),
        };
        bar.set_style(
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message("0 failures");
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    });
    let report = campaign::run(&c, &targets, &mut |p| {
        if let Some(b) = &bar {
            b.set_position(p.cases);
            let shrinking = p
                .shrinking
                .map(|n| format!(", shrinking {n}"))
                .unwrap_or_default();
            b.set_message(format!(
                "{} failures, sometimes {}/{} reached{shrinking}",
                p.failures, p.covered, p.properties
            ));
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }

    let only = args
        .protocol
        .as_ref()
        .map(|p| format!(" --protocol {p}"))
        .unwrap_or_default();
    println!(
        "fuzz campaign: seed {}, {} cases per protocol ({}), {} jobs",
        report.seed,
        report.cases,
        report.protocols.join(", "),
        jobs
    );
    println!(
        "  repeat exactly: crucible fuzz{only} --seed {} --cases {}{}",
        report.seed,
        report.cases,
        limits_flags(&limits)
    );
    println!("sometimes coverage (cases that reached the property):");
    for (name, (reached, checked)) in &report.coverage.counts {
        let flag = if *reached == 0 {
            "  <- never reached: finding"
        } else {
            ""
        };
        println!("  {name}: {reached}/{checked}{flag}");
    }
    for (protocol, index, msg) in &report.invalid {
        println!("INVALID generated case {protocol} #{index}: {msg}");
        println!(
            "  regenerate: {}",
            case_command(protocol, report.seed, *index, &limits)
        );
    }
    let mut write_failed = false;
    for f in &report.failures {
        if let Some(s) = &f.shrunk {
            let origin = Origin {
                command: case_command(&f.protocol, report.seed, f.index, &limits),
            };
            print_failure(f, &origin.command);
            println!(
                "  shrunk: {} -> {} ({} steps, {} runs)",
                s.original,
                s.case.size(),
                s.steps,
                s.runs
            );
            match regress::write(&args.regressions, s, &origin) {
                Ok(path) => {
                    println!("  written: {}", path.display());
                    println!("  reproduce: crucible run {}", path.display());
                    println!("  shrunk scenario:");
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    for line in text.lines().filter(|l| !l.starts_with('#')) {
                        println!("    {line}");
                    }
                }
                Err(e) => {
                    write_failed = true;
                    diag::error(format!(
                        "cannot write the regression under {}: {e}",
                        args.regressions.display()
                    ));
                }
            }
        } else {
            println!(
                "also {} in {} case {} (seed {:#018x}): {}",
                f.violation.invariant,
                f.protocol,
                f.index,
                f.case.seed,
                case_command(&f.protocol, report.seed, f.index, &limits)
            );
        }
    }
    println!(
        "result: {} failures, {} invalid cases, {} of {} sometimes properties never reached",
        report.failures.len(),
        report.invalid.len(),
        report.coverage.never_reached().len(),
        report.coverage.counts.len()
    );
    if write_failed {
        BAD_INPUT
    } else if report.clean() {
        0
    } else {
        FAILED
    }
}

fn limits_flags(l: &Limits) -> String {
    // `case_command` knows the non-default flags; reuse its tail.
    let cmd = case_command("p", 0, 0, l);
    cmd.split_once("--case 0")
        .map(|(_, tail)| tail.to_string())
        .unwrap_or_default()
}

fn print_failure(f: &Failure, command: &str) {
    println!(
        "FAILURE {} in {} case {} (seed {:#018x}) at {}: {}",
        f.violation.invariant,
        f.protocol,
        f.index,
        f.case.seed,
        crucible::engine::SimTime(f.violation.at),
        f.violation.detail
    );
    println!("  swarm: {}", f.case.swarm);
    println!("  regenerate: {command}");
}

/// `--case I`: generate, print and run one case.
fn one_case(t: &campaign::Target, seed: u64, index: u64, limits: &Limits) -> i32 {
    let case = case_of(t, seed, index, limits);
    println!(
        "# {} case {index} of campaign seed {seed}: case seed {:#018x}",
        t.name, case.seed
    );
    println!("# swarm: {}", case.swarm);
    print!("{}", case_yaml(&case));
    match run_case(&case) {
        Ok(o) => {
            for (name, reached) in &o.sometimes {
                println!(
                    "# sometimes {name}: {}",
                    if *reached { "reached" } else { "not reached" }
                );
            }
            println!("# digest: {}", o.digest);
            match o.violation {
                None => {
                    println!("# result: no invariant violated");
                    0
                }
                Some(v) => {
                    println!(
                        "# result: {} violated at {}: {}",
                        v.invariant,
                        crucible::engine::SimTime(v.at),
                        v.detail
                    );
                    FAILED
                }
            }
        }
        Err(e) => {
            diag::error(e);
            FAILED
        }
    }
}
