//! Joining the result directories of a sweep's shards into exactly the files one machine
//! would have written.

use super::error::SweepError;
use super::runner::{select_rows, write_atomic, Manifest, MANIFEST, POINTS, RUNS};
use super::shard::Shard;
use super::table::{points_csv, read_rows, runs_csv};
use std::path::{Path, PathBuf};

/// What a merge found.
#[derive(Clone, Debug)]
pub struct Merged {
    pub shards: u32,
    pub rows: usize,
}

/// Merges the shard directories `dirs` into `out` (`sweep.json`, `runs.csv`, `points.csv`).
/// Every shard of the sweep must be present exactly once and complete.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Merged, SweepError> {
    if dirs.is_empty() {
        return Err(SweepError::results(
            "nothing to merge: name the shard directories",
        ));
    }
    let mut shards: Vec<(PathBuf, Manifest)> = Vec::new();
    for d in dirs {
        if same_dir(d, out) {
            return Err(SweepError::results_hint(
                format!("{} is both an input and the output", d.display()),
                "write the merged files to a new --out",
            ));
        }
        shards.push((d.clone(), Manifest::read(d)?));
    }
    let first = shards[0].1.clone();
    let count = first.shard.map_or(1, |s| s.count);
    let mut seen: Vec<Option<&Path>> = vec![None; count as usize];
    for (d, m) in &shards {
        let same_sweep = Manifest {
            shard: None,
            ..m.clone()
        } == Manifest {
            shard: None,
            ..first.clone()
        };
        if !same_sweep {
            return Err(SweepError::results(format!(
                "{} and {} hold results of different sweeps",
                shards[0].0.display(),
                d.display()
            )));
        }
        let s = m.shard.unwrap_or(Shard::ALL);
        if s.count != count {
            return Err(SweepError::results(format!(
                "{} is shard {s}, but {} is one of {count}",
                d.display(),
                shards[0].0.display()
            )));
        }
        match seen[s.index as usize] {
            Some(prev) => {
                return Err(SweepError::results(format!(
                    "shard {s} is given twice: {} and {}",
                    prev.display(),
                    d.display()
                )))
            }
            None => seen[s.index as usize] = Some(d.as_path()),
        }
    }
    let absent: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{i}/{count}"))
        .collect();
    if !absent.is_empty() {
        return Err(SweepError::results_hint(
            format!("shards missing: {}", absent.join(", ")),
            "run them with `crucible sweep FILE --shard K/N`, then merge all shards",
        ));
    }

    let layout = first.layout();
    let mut all = Vec::new();
    for (d, m) in &shards {
        let path = d.join(RUNS);
        let text = std::fs::read_to_string(&path).map_err(SweepError::io("read", &path))?;
        let shard = m.shard.unwrap_or(Shard::ALL);
        let unfinished = |what: String| {
            SweepError::results_hint(
                format!("shard {shard} in {} is unfinished: {what}", d.display()),
                format!(
                    "finish it with `crucible sweep FILE --shard {shard} --out {} --resume`",
                    d.display()
                ),
            )
        };
        if !text.starts_with(&layout.header()) {
            return Err(SweepError::results(format!(
                "{} does not have the columns its {MANIFEST} names",
                path.display()
            )));
        }
        let read = read_rows(&text, &layout);
        if read.dropped > 0 {
            return Err(unfinished(format!(
                "{} incomplete lines in {RUNS}",
                read.dropped
            )));
        }
        let rows = select_rows(m, shard, read.rows)
            .map_err(|(have, missing)| unfinished(format!("{have} runs done, {missing} to go")))?;
        all.extend(rows);
    }
    let merged = Manifest {
        shard: None,
        ..first
    };
    std::fs::create_dir_all(out).map_err(SweepError::io("create", out))?;
    let rows = all.len();
    let text = runs_csv(&layout, &mut all);
    write_atomic(&out.join(RUNS), &text)?;
    let points = points_csv(&layout, &all);
    write_atomic(&out.join(POINTS), &points)?;
    super::plot::write_plots(out, &layout, &points)?;
    write_atomic(&out.join(MANIFEST), &merged.text())?;
    Ok(Merged {
        shards: count,
        rows,
    })
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Redraws the plots of a result directory from its `points.csv`; returns how many.
pub fn replot(dir: &Path) -> Result<usize, SweepError> {
    let manifest = Manifest::read(dir)?;
    let path = dir.join(POINTS);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        SweepError::results_hint(
            format!("cannot read {}: {e}", path.display()),
            "plots are drawn from a whole sweep's points.csv; merge shards first",
        )
    })?;
    super::plot::write_plots(dir, &manifest.layout(), &text)
}
