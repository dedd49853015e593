//! `crucible sweep FILE [--jobs N] [--out DIR] [--resume] [--shard K/N] [--dry-run]` and
//! `crucible sweep merge DIR... --out DIR`.

use super::{diag, BAD_INPUT, FAILED};
use crucible::scenario::suggest::closest;
use crucible::sweep::boundary::{search, BoundarySpec};
use crucible::sweep::merge::merge;
use crucible::sweep::spec::inline;
use crucible::sweep::{load_sweep_file, run_sweep, Progress, Shard, SweepError, SweepOptions};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Sweep file (YAML).
    #[arg(required = true)]
    file: Option<PathBuf>,
    /// Runs in parallel (default: the number of cores).
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Result directory (default: out/<sweep file name>, with a shard suffix for a shard).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue the sweep in the result directory, keeping every finished run.
    #[arg(long)]
    resume: bool,
    /// Run one slice: `K/N` (0-based), or `N` to take K from SLURM_ARRAY_TASK_ID or
    /// JOB_COMPLETION_INDEX.
    #[arg(long)]
    shard: Option<String>,
    /// Validate the sweep file and list its points without running anything.
    #[arg(long)]
    dry_run: bool,
    /// Print the scenario of point P (to reproduce a run: `crucible run` it with the run's
    /// seed and `--keep-going`).
    #[arg(long, value_name = "P")]
    point: Option<usize>,
    /// Print nothing but errors and warnings.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Join shard result directories into the files one machine would have written.
    Merge {
        /// Result directories of the shards.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the merged files.
        #[arg(long)]
        out: PathBuf,
    },
    /// Find where along one parameter an invariant starts to fail (bisection with the same
    /// seeds at every probe); the failing seeds at the boundary become regression scenarios.
    Boundary {
        /// Scenario file (YAML).
        scenario: PathBuf,
        /// Parameter path, e.g. `protocols.token.slow_inclusion`.
        #[arg(long)]
        param: String,
        /// One end of the range (integer, real or duration).
        #[arg(long)]
        from: String,
        /// The other end.
        #[arg(long)]
        to: String,
        /// Invariant whose failure marks the far side of the boundary.
        #[arg(long)]
        invariant: String,
        /// Seeds per probe.
        #[arg(long, default_value_t = 4)]
        seeds: u32,
        /// Bisection steps.
        #[arg(long, default_value_t = 8)]
        probes: u32,
        /// Runs in parallel (default: the number of cores).
        #[arg(short, long)]
        jobs: Option<usize>,
        /// Where to write the regression scenarios (default: out/<scenario name>-boundary).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Redraw the SVG plots of a result directory from its points.csv.
    Plot {
        /// Result directory of a whole (or merged) sweep.
        dir: PathBuf,
    },
}

pub fn main(args: Args) -> i32 {
    match args.command {
        Some(Command::Merge { dirs, out }) => merge_main(&dirs, &out),
        Some(Command::Boundary {
            scenario,
            param,
            from,
            to,
            invariant,
            seeds,
            probes,
            jobs,
            out,
        }) => {
            let spec = BoundarySpec {
                param,
                from,
                to,
                invariant,
                seeds,
                probes,
                jobs: jobs
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            };
            boundary_main(&scenario, &spec, out)
        }
        Some(Command::Plot { dir }) => match crucible::sweep::merge::replot(&dir) {
            Ok(n) => {
                println!("plots:    {n} SVG files in {}", dir.display());
                0
            }
            Err(e) => report(e),
        },
        None => run_main(args.run),
    }
}

fn report(e: SweepError) -> i32 {
    match e {
        SweepError::Spec(e) => diag::scenario_error(e, None),
        SweepError::Results { message, hint } => match hint {
            Some(h) => eprintln!("{:?}", miette::miette!(help = h, "{message}")),
            None => diag::error(message),
        },
        other => diag::error(other),
    }
    BAD_INPUT
}

fn run_main(args: RunArgs) -> i32 {
    let Some(file) = args.file else {
        diag::error("name a sweep file");
        return BAD_INPUT;
    };
    let sweep = match load_sweep_file(&file) {
        Ok(s) => s,
        Err(e) => return report(SweepError::Spec(e)),
    };
    if let Some(p) = args.point {
        if p >= sweep.points.len() {
            diag::error(format!(
                "--point {p}: the sweep has points 0..{}",
                sweep.points.len() - 1
            ));
            return BAD_INPUT;
        }
        print!("{}", crucible::scenario::emit(&sweep.point_tree(p)));
        return 0;
    }
    let shard = match &args.shard {
        None => Shard::ALL,
        Some(text) => match Shard::parse(text, &|k| std::env::var(k).ok()) {
            Ok(s) => s,
            Err(e) => {
                diag::error(format!("--shard: {e}"));
                return BAD_INPUT;
            }
        },
    };
    let by_point = sweep.stop.is_some();
    let owned = (0..sweep.points.len())
        .flat_map(|p| (0..sweep.runs).map(move |r| (p, r)))
        .filter(|&(p, r)| shard.owns(p, r, sweep.runs, by_point))
        .count();
    if !args.quiet {
        println!("sweep:    {}", sweep.name);
        if !sweep.question.is_empty() {
            println!("question: {}", sweep.question);
        }
        let upto = if by_point { "up to " } else { "" };
        println!(
            "design:   {} points × {upto}{} runs = {upto}{} runs",
            sweep.points.len(),
            sweep.runs,
            sweep.max_runs()
        );
        if !shard.is_all() {
            println!("shard:    {shard}: {upto}{owned} runs");
        }
    }
    if args.dry_run {
        let names: Vec<&str> = sweep.params.iter().map(|p| p.name.as_str()).collect();
        println!("point\t{}", names.join("\t"));
        for (i, values) in sweep.points.iter().enumerate() {
            let v: Vec<String> = values.iter().map(inline).collect();
            println!("{i}\t{}", v.join("\t"));
        }
        return 0;
    }
    let out = args.out.unwrap_or_else(|| {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sweep".into());
        let name = if shard.is_all() {
            stem
        } else {
            format!("{stem}.shard-{}-of-{}", shard.index, shard.count)
        };
        PathBuf::from("out").join(name)
    });
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if jobs == 0 {
        diag::error("--jobs must be at least 1");
        return BAD_INPUT;
    }
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(owned as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "[{bar:30}] {pos}/{len} runs  {per_sec}  ETA {eta}  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message("0 failed");
        bar
    });
    let on_progress = |p: Progress| {
        if let Some(b) = &bar {
            b.set_length(p.planned);
            b.set_position(p.done);
            b.set_message(format!("{} failed", p.failed));
        }
    };
    let opts = SweepOptions {
        jobs,
        out: out.clone(),
        resume: args.resume,
        shard,
    };
    let result = run_sweep(&sweep, &opts, &on_progress);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let outcome = match result {
        Ok(o) => o,
        Err(e) => return report(e),
    };
    if !args.quiet {
        if args.resume {
            println!(
                "resumed:  {} finished runs kept, {} incomplete lines dropped",
                outcome.resumed, outcome.dropped
            );
        }
        println!(
            "ran:      {} runs with {jobs} jobs; {} of {} rows with a failed invariant or error",
            outcome.ran, outcome.failed, outcome.rows
        );
        let files = if outcome.points_written {
            "runs.csv, points.csv, plot--*.svg"
        } else {
            "runs.csv (merge the shards for points.csv)"
        };
        println!("output:   {} ({files})", out.display());
    }
    for m in &outcome.missing_metrics {
        let hint = closest(m, outcome.produced.iter().map(String::as_str))
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_default();
        eprintln!(
            "warning: {}: no run produced metric `{m}`{hint}",
            sweep.file
        );
    }
    if outcome.errors > 0 {
        diag::error(format!(
            "{} runs could not complete; their `error` column says why",
            outcome.errors
        ));
        return FAILED;
    }
    0
}

fn boundary_main(scenario: &Path, spec: &BoundarySpec, out: Option<PathBuf>) -> i32 {
    let file = scenario.display().to_string();
    let text = match std::fs::read_to_string(scenario) {
        Ok(t) => t,
        Err(e) => {
            diag::error(format!("cannot read {file}: {e}"));
            return BAD_INPUT;
        }
    };
    let base = match crucible::scenario::parse(&text) {
        Ok(n) => n,
        Err(e) => return report(SweepError::Spec(e.with_file(&file))),
    };
    let found = match search(&base, &file, spec) {
        Ok(b) => b,
        Err(e) => return report(e),
    };
    for p in &found.probes {
        let verdict = if p.failing.is_empty() {
            format!("holds on all {} seeds", spec.seeds)
        } else {
            format!("fails on {} of {} seeds", p.failing.len(), spec.seeds)
        };
        println!("probe:    {} = {}: {verdict}", spec.param, p.value);
    }
    println!(
        "boundary: `{}` holds at {} = {} and fails at {}",
        spec.invariant, spec.param, found.holds, found.fails
    );
    let out = out.unwrap_or_else(|| {
        let stem = scenario
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into());
        PathBuf::from("out").join(format!("{stem}-boundary"))
    });
    if let Err(e) = std::fs::create_dir_all(&out) {
        diag::error(format!("cannot create {}: {e}", out.display()));
        return BAD_INPUT;
    }
    for (name, yaml) in &found.regressions {
        let path = out.join(name);
        if let Err(e) = std::fs::write(&path, yaml) {
            diag::error(format!("cannot write {}: {e}", path.display()));
            return BAD_INPUT;
        }
        println!("regression: {}", path.display());
    }
    0
}

fn merge_main(dirs: &[PathBuf], out: &Path) -> i32 {
    match merge(dirs, out) {
        Ok(m) => {
            println!(
                "merged:   {} shards, {} runs into {} (runs.csv, points.csv, plots)",
                m.shards,
                m.rows,
                out.display()
            );
            0
        }
        Err(e) => report(e),
    }
}
