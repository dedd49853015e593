//! `crucible run SCENARIO [--seed N] [--out DIR] [-q] [--check-determinism] [--keep-going]`

use super::{diag, BAD_INPUT, FAILED};
use crucible::engine::world::RunOptions;
use crucible::runner::{run_digest_only, run_to_dir};
use crucible::scenario::load_file;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (YAML).
    scenario: PathBuf,
    /// Seed of the run (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Output directory (default: out/<scenario file name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
    /// Run a second time and compare the digests.
    #[arg(long)]
    check_determinism: bool,
    /// Keep running after an invariant violation (default: stop at the first).
    #[arg(long)]
    keep_going: bool,
}

pub fn main(args: Args) -> i32 {
    let sc = match load_file(&args.scenario) {
        Ok(sc) => sc,
        Err(e) => {
            diag::scenario_error(e, None);
            return BAD_INPUT;
        }
    };
    let seed = args.seed.unwrap_or(sc.seed);
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .scenario
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into());
        PathBuf::from("out").join(stem)
    });
    let opts = RunOptions {
        stop_on_violation: !args.keep_going,
    };
    let total = sc.duration.as_ms() + sc.quiet.as_ms();
    let bar = if !args.quiet && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} simulated {msg} [{bar:30}] {percent}% ({elapsed})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let mut tick = |t: crucible::engine::SimTime, _events: u64| {
        if let Some(b) = &bar {
            b.set_position(t.ms().min(total));
            b.set_message(format!("{t}"));
        }
    };
    let (report, result) = match run_to_dir(&sc, seed, &out, opts.clone(), &mut tick) {
        Ok(r) => r,
        Err(e) => {
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            diag::error(e);
            return BAD_INPUT;
        }
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if !args.quiet {
        println!("scenario: {}", report.scenario);
        println!("question: {}", report.question);
        for line in &report.answer {
            println!("  {line}");
        }
        if let Some(s) = &report.stopped {
            println!("stopped:  {s}");
        }
        println!("digest:   {}", report.digest);
        if let Some(w) = &report.wall {
            println!(
                "speed:    {} events in {} ms ({} events/s, {}x real time)",
                report.events, w.wall_ms, w.events_per_sec, w.sim_speedup
            );
        }
        println!("output:   {}", out.display());
        if !report.passed() {
            println!("repro:    {}", report.repro);
        }
    }
    if args.check_determinism {
        match run_digest_only(&sc, seed, opts) {
            Ok(second) if second.digest == result.digest => {
                if !args.quiet {
                    println!("determinism: ok, a second run gave the same digest");
                }
            }
            Ok(second) => {
                diag::error(format!(
                    "determinism check failed: first run {} , second run {}",
                    result.digest, second.digest
                ));
                return FAILED;
            }
            Err(e) => {
                diag::error(e);
                return BAD_INPUT;
            }
        }
    }
    if report.passed() {
        0
    } else {
        FAILED
    }
}
