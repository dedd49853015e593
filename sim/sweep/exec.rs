//! One run of a sweep: the point's scenario, the derived seed, the run, one results row.
//!
//! Everything a run touches is built inside the calling thread (worlds are not `Send`), so
//! workers share only the immutable [`Sweep`].

use super::run_seed;
use super::spec::{inline, Sweep};
use super::table::Row;
use crate::engine::world::RunOptions;
use crate::runner::run_digest_only;
use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A finished run: its row, whether it counts as a failure (an invariant failed or the run
/// could not complete), and the names of every metric it produced.
pub struct Finished {
    pub row: Row,
    pub failed: bool,
    pub produced: BTreeSet<String>,
}

/// Runs run `run` of point `point`.
pub fn execute(sweep: &Sweep, point: usize, run: u32) -> Finished {
    let seed = run_seed(sweep.seed, point, run);
    let mut cells = vec![point.to_string(), run.to_string()];
    if let Some(values) = sweep.points.get(point) {
        cells.extend(values.iter().map(inline));
    }
    cells.push(seed.to_string());
    let opts = RunOptions {
        stop_on_violation: sweep.stop_on_violation,
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let sc = sweep.scenario(point).map_err(|e| e.to_string())?;
        run_digest_only(&sc, seed, opts).map_err(|e| e.to_string())
    }));
    let mut produced = BTreeSet::new();
    let failed;
    match outcome {
        Ok(Ok(result)) => {
            let violated: Vec<&str> = result
                .checks
                .iter()
                .filter(|c| c.status.is_failure())
                .map(|c| c.name.as_str())
                .collect();
            failed = !violated.is_empty();
            cells.push(result.digest.to_string());
            cells.push(violated.join("|"));
            cells.push(String::new());
            for m in &sweep.metrics {
                let v = result
                    .metrics
                    .iter()
                    .find(|(n, _)| n == m)
                    .map(|(_, v)| v.to_string());
                cells.push(v.unwrap_or_default());
            }
            produced.extend(result.metrics.into_iter().map(|(n, _)| n));
        }
        Ok(Err(message)) => {
            failed = true;
            cells.extend([String::new(), String::new(), message]);
            cells.extend(std::iter::repeat_n(String::new(), sweep.metrics.len()));
        }
        Err(panic) => {
            failed = true;
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            cells.extend([
                String::new(),
                String::new(),
                format!("the run panicked: {what}"),
            ]);
            cells.extend(std::iter::repeat_n(String::new(), sweep.metrics.len()));
        }
    }
    Finished {
        row: Row { point, run, cells },
        failed,
        produced,
    }
}
