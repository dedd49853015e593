//! Running a sweep (or one shard of it) into a result directory.
//!
//! The directory holds `sweep.json` (which sweep and shard it belongs to), `runs.csv` and,
//! for a whole sweep, `points.csv`. While the sweep runs, each finished run is appended to
//! `runs.csv` as one line with a single write and synced, so a killed process loses at most the
//! runs in progress; `--resume` keeps every complete, valid line, drops a torn last line and
//! runs only what is missing. At the end `runs.csv` is rewritten sorted by (point, run) through
//! a temporary file and a rename, which makes the final files independent of the number of
//! jobs, the order runs finished in, and how often the sweep was interrupted.

use super::error::SweepError;
use super::exec::execute;
use super::run_seed;
use super::shard::Shard;
use super::spec::{StopRule, Sweep};
use super::stats::half_width;
use super::table::{points_csv, read_rows, runs_csv, Layout, Row};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Name of the manifest in a result directory.
pub const MANIFEST: &str = "sweep.json";
/// Name of the per-run table.
pub const RUNS: &str = "runs.csv";
/// Name of the per-point table.
pub const POINTS: &str = "points.csv";

/// What a result directory belongs to. Shards of one sweep differ only in `shard`; a merged
/// directory has the same manifest as a single-machine run (`shard: null`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub name: String,
    pub fingerprint: String,
    pub points: usize,
    pub runs: u32,
    pub stop: Option<StopRule>,
    pub shard: Option<Shard>,
    pub columns: Vec<String>,
}

impl Manifest {
    pub fn of(sweep: &Sweep, shard: Shard) -> Manifest {
        Manifest {
            format: 1,
            name: sweep.name.clone(),
            fingerprint: sweep.fingerprint.clone(),
            points: sweep.points.len(),
            runs: sweep.runs,
            stop: sweep.stop.clone(),
            shard: (!shard.is_all()).then_some(shard),
            columns: Layout::of(sweep).columns,
        }
    }

    pub fn text(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The layout its columns describe (checked by [`Manifest::read`]).
    pub fn layout(&self) -> Layout {
        Layout::parse(&super::table::join(&self.columns)).unwrap_or(Layout {
            columns: self.columns.clone(),
            params: 0,
        })
    }

    /// Reads `dir/sweep.json`.
    pub fn read(dir: &Path) -> Result<Manifest, SweepError> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            SweepError::results_hint(
                format!("{} is not a sweep result directory: {e}", dir.display()),
                format!("it has no readable {MANIFEST}"),
            )
        })?;
        let damaged =
            |why: String| SweepError::results(format!("{} is damaged: {why}", path.display()));
        let m: Manifest = serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
        if Layout::parse(&super::table::join(&m.columns)).is_none() {
            return Err(damaged("its columns are not those of a sweep".into()));
        }
        if let Some(s) = m.shard {
            if s.count == 0 || s.index >= s.count {
                return Err(damaged(format!("shard {s} is not a valid shard")));
            }
        }
        Ok(m)
    }
}

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Worker threads (each run is single-threaded).
    pub jobs: usize,
    pub out: PathBuf,
    /// Continue the sweep already in `out`.
    pub resume: bool,
    pub shard: Shard,
}

/// Counters reported after each finished run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// Runs finished in this process.
    pub done: u64,
    /// Runs this process expects to finish (shrinks when a stop rule ends points early).
    pub planned: u64,
    /// Finished runs with a failed invariant or an error.
    pub failed: u64,
}

/// What a sweep did.
#[derive(Clone, Debug, Default)]
pub struct SweepOutcome {
    /// Runs found finished in the directory (with `--resume`).
    pub resumed: usize,
    /// Lines of an earlier `runs.csv` that were not complete rows (dropped and re-run).
    pub dropped: usize,
    /// Runs carried out now.
    pub ran: usize,
    /// Rows in the final `runs.csv`.
    pub rows: usize,
    /// Rows with a failed invariant or an error.
    pub failed: usize,
    /// Rows with an error (the run could not complete).
    pub errors: usize,
    /// Metrics no run of this process produced.
    pub missing_metrics: Vec<String>,
    /// Every metric name the runs of this process produced (for suggestions).
    pub produced: Vec<String>,
    /// Whether `points.csv` was written (whole sweeps only; shards are merged first).
    pub points_written: bool,
}

/// Where a point stands: complete after `n` runs, or needing these runs next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PointState {
    Complete(u32),
    Need(Vec<u32>),
}

/// The state of one point given its finished runs (by run index). Without a stop rule a point
/// is complete when all `runs` are there. With one, runs go in order: after `min_runs` and after
/// each further run the rule is judged on the runs so far; the first count that meets it ends
/// the point, so the result depends only on the runs' values.
pub fn point_state(
    runs: u32,
    stop: Option<(&StopRule, usize)>,
    done: &BTreeMap<u32, &Row>,
) -> PointState {
    let Some((rule, col)) = stop else {
        let missing: Vec<u32> = (0..runs).filter(|r| !done.contains_key(r)).collect();
        return if missing.is_empty() {
            PointState::Complete(runs)
        } else {
            PointState::Need(missing)
        };
    };
    let prefix = (0..runs).take_while(|r| done.contains_key(r)).count() as u32;
    if prefix < rule.min_runs {
        return PointState::Need(
            (prefix..rule.min_runs)
                .filter(|r| !done.contains_key(r))
                .collect(),
        );
    }
    let values: Vec<Option<f64>> = (0..prefix)
        .map(|r| {
            done.get(&r)
                .and_then(|row| row.cells.get(col)?.parse().ok())
        })
        .collect();
    for n in rule.min_runs..=prefix {
        let v: Vec<f64> = values[..n as usize].iter().flatten().copied().collect();
        if half_width(&v).is_some_and(|h| h <= rule.half_width) {
            return PointState::Complete(n);
        }
    }
    if prefix == runs {
        PointState::Complete(runs)
    } else {
        PointState::Need(vec![prefix])
    }
}

/// The rows a finished shard (or sweep) keeps, or a description of what is missing.
pub fn select_rows(
    manifest: &Manifest,
    shard: Shard,
    rows: Vec<Row>,
) -> Result<Vec<Row>, (usize, u64)> {
    let layout = manifest.layout();
    let stop = manifest
        .stop
        .as_ref()
        .and_then(|s| Some((s, layout.columns.iter().position(|c| *c == s.metric)?)));
    let mut by_point: BTreeMap<usize, BTreeMap<u32, &Row>> = BTreeMap::new();
    for r in &rows {
        by_point.entry(r.point).or_default().insert(r.run, r);
    }
    let empty = BTreeMap::new();
    let mut keep: BTreeSet<(usize, u32)> = BTreeSet::new();
    let mut missing = 0u64;
    for p in 0..manifest.points {
        let done = by_point.get(&p).unwrap_or(&empty);
        if stop.is_some() {
            if !shard.owns(p, 0, manifest.runs, true) {
                continue;
            }
            match point_state(manifest.runs, stop, done) {
                PointState::Complete(n) => keep.extend((0..n).map(|r| (p, r))),
                PointState::Need(v) => missing += v.len() as u64,
            }
        } else {
            for r in 0..manifest.runs {
                if shard.owns(p, r, manifest.runs, false) {
                    if done.contains_key(&r) {
                        keep.insert((p, r));
                    } else {
                        missing += 1;
                    }
                }
            }
        }
    }
    if missing > 0 {
        return Err((keep.len(), missing));
    }
    Ok(rows
        .into_iter()
        .filter(|r| keep.contains(&(r.point, r.run)))
        .collect())
}

/// Writes `text` to `path` through a synced temporary file and a rename.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), SweepError> {
    let tmp = path.with_extension("tmp");
    let mut f = File::create(&tmp).map_err(SweepError::io("write", &tmp))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(SweepError::io("write", &tmp))?;
    std::fs::rename(&tmp, path).map_err(SweepError::io("write", path))
}

/// Rows of an existing `runs.csv` that belong to this sweep and shard (torn or foreign lines
/// are counted as dropped).
fn existing_rows(
    sweep: &Sweep,
    shard: Shard,
    layout: &Layout,
    path: &Path,
) -> Result<(Vec<Row>, usize), SweepError> {
    let text = std::fs::read_to_string(path).map_err(SweepError::io("read", path))?;
    let header = layout.header();
    if !text.starts_with(&header) {
        return Err(SweepError::results_hint(
            format!("{} does not have the columns of this sweep", path.display()),
            "it belongs to another sweep; choose another --out",
        ));
    }
    let read = read_rows(&text, layout);
    let by_point = sweep.stop.is_some();
    let mut dropped = read.dropped;
    let mut rows = Vec::new();
    for r in read.rows {
        let ok = r.point < sweep.points.len()
            && r.run < sweep.runs
            && shard.owns(r.point, r.run, sweep.runs, by_point)
            && r.cells.get(2 + layout.params)
                == Some(&run_seed(sweep.seed, r.point, r.run).to_string());
        if ok {
            rows.push(r);
        } else {
            dropped += 1;
        }
    }
    Ok((rows, dropped))
}

struct Stream {
    file: File,
    progress: Progress,
    produced: BTreeSet<String>,
    error: Option<SweepError>,
    rows: Vec<Row>,
}

/// Runs `sweep` (or `opts.shard` of it) into `opts.out`, calling `on_progress` after each run.
pub fn run_sweep(
    sweep: &Sweep,
    opts: &SweepOptions,
    on_progress: &(dyn Fn(Progress) + Sync),
) -> Result<SweepOutcome, SweepError> {
    let out = &opts.out;
    let shard = opts.shard;
    let layout = Layout::of(sweep);
    let manifest = Manifest::of(sweep, shard);
    let runs_path = out.join(RUNS);
    let manifest_path = out.join(MANIFEST);
    std::fs::create_dir_all(out).map_err(SweepError::io("create", out))?;

    let mut outcome = SweepOutcome::default();
    let mut done: Vec<Row> = Vec::new();
    if runs_path.exists() {
        if !opts.resume {
            return Err(SweepError::results_hint(
                format!("{} already holds sweep results", out.display()),
                "add --resume to continue that sweep, or choose another --out",
            ));
        }
        let found = Manifest::read(out)?;
        if found.fingerprint != manifest.fingerprint {
            return Err(SweepError::results_hint(
                format!(
                    "{} holds results of a different sweep (or of an earlier version of this one)",
                    out.display()
                ),
                "the sweep file or its base scenario changed; choose another --out",
            ));
        }
        if found.shard != manifest.shard {
            let shown = |s: Option<Shard>| {
                s.map_or("the whole sweep".to_string(), |s| format!("shard {s}"))
            };
            return Err(SweepError::results_hint(
                format!(
                    "{} holds {}, not {}",
                    out.display(),
                    shown(found.shard),
                    shown(manifest.shard)
                ),
                "resume with the same --shard, or choose another --out",
            ));
        }
        let (rows, dropped) = existing_rows(sweep, shard, &layout, &runs_path)?;
        outcome.resumed = rows.len();
        outcome.dropped = dropped;
        // Start appending at a clean line boundary.
        let mut text = layout.header();
        for r in &rows {
            text.push_str(&r.line());
        }
        write_atomic(&runs_path, &text)?;
        done = rows;
    } else {
        write_atomic(&manifest_path, &manifest.text())?;
        write_atomic(&runs_path, &layout.header())?;
    }

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .stack_size(16 << 20)
        .thread_name(|i| format!("sweep-{i}"))
        .build()
        .map_err(|e| SweepError::results(format!("cannot start worker threads: {e}")))?;
    let file = OpenOptions::new()
        .append(true)
        .open(&runs_path)
        .map_err(SweepError::io("open", &runs_path))?;
    let state = Mutex::new(Stream {
        file,
        progress: Progress::default(),
        produced: BTreeSet::new(),
        error: None,
        rows: Vec::new(),
    });
    let stop_col = sweep
        .stop
        .as_ref()
        .and_then(|s| Some((s, layout.columns.iter().position(|c| *c == s.metric)?)));

    loop {
        let (tasks, planned) = plan(sweep, shard, stop_col, &done);
        {
            let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
            st.progress.planned = st.progress.done + planned;
        }
        if tasks.is_empty() {
            break;
        }
        pool.install(|| {
            tasks.par_iter().with_max_len(1).for_each(|&(point, run)| {
                if state.lock().map(|s| s.error.is_some()).unwrap_or(true) {
                    return;
                }
                let finished = execute(sweep, point, run);
                let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
                let line = finished.row.line();
                let written = st
                    .file
                    .write_all(line.as_bytes())
                    .and_then(|_| st.file.sync_data());
                if let Err(e) = written {
                    st.error.get_or_insert(SweepError::Io {
                        action: "append to",
                        path: runs_path.clone(),
                        source: e,
                    });
                    return;
                }
                st.progress.done += 1;
                if finished.failed {
                    st.progress.failed += 1;
                }
                st.produced.extend(finished.produced);
                st.rows.push(finished.row);
                on_progress(st.progress);
            })
        });
        let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = st.error.take() {
            return Err(e);
        }
        let new = std::mem::take(&mut st.rows);
        outcome.ran += new.len();
        done.extend(new);
    }
    let st = state.into_inner().unwrap_or_else(|p| p.into_inner());
    if outcome.ran > 0 {
        outcome.missing_metrics = sweep
            .metrics
            .iter()
            .filter(|m| !st.produced.contains(*m))
            .cloned()
            .collect();
        outcome.produced = st.produced.iter().cloned().collect();
    }

    let mut rows = select_rows(&manifest, shard, done).map_err(|(have, missing)| {
        SweepError::results(format!(
            "internal: {missing} runs still missing after {have}"
        ))
    })?;
    outcome.rows = rows.len();
    outcome.failed = rows
        .iter()
        .filter(|r| {
            !r.cells[layout.violated_col()].is_empty() || !r.cells[layout.error_col()].is_empty()
        })
        .count();
    outcome.errors = rows
        .iter()
        .filter(|r| !r.cells[layout.error_col()].is_empty())
        .count();
    let text = runs_csv(&layout, &mut rows);
    write_atomic(&runs_path, &text)?;
    if shard.is_all() {
        let points = points_csv(&layout, &rows);
        write_atomic(&out.join(POINTS), &points)?;
        super::plot::write_plots(out, &layout, &points)?;
        outcome.points_written = true;
    }
    write_atomic(&manifest_path, &manifest.text())?;
    Ok(outcome)
}

/// The runs to do next and how many runs remain at most.
fn plan(
    sweep: &Sweep,
    shard: Shard,
    stop: Option<(&StopRule, usize)>,
    done: &[Row],
) -> (Vec<(usize, u32)>, u64) {
    let mut by_point: BTreeMap<usize, BTreeMap<u32, &Row>> = BTreeMap::new();
    for r in done {
        by_point.entry(r.point).or_default().insert(r.run, r);
    }
    let empty = BTreeMap::new();
    let mut tasks = Vec::new();
    let mut remaining = 0u64;
    for p in 0..sweep.points.len() {
        let d = by_point.get(&p).unwrap_or(&empty);
        match stop {
            Some(_) => {
                if !shard.owns(p, 0, sweep.runs, true) {
                    continue;
                }
                if let PointState::Need(next) = point_state(sweep.runs, stop, d) {
                    let have = d.len() as u64;
                    remaining += u64::from(sweep.runs).saturating_sub(have);
                    tasks.extend(next.into_iter().map(|r| (p, r)));
                }
            }
            None => {
                for r in 0..sweep.runs {
                    if shard.owns(p, r, sweep.runs, false) && !d.contains_key(&r) {
                        tasks.push((p, r));
                        remaining += 1;
                    }
                }
            }
        }
    }
    (tasks, remaining)
}
