//! A year of tBTC wallet coordination for 100 wallets (scenarios/studies/tbtc-year-100-wallets.yaml),
//! timed end to end: `cargo bench --bench tbtc_year`. Runs once per sample (`TBTC_YEAR_SAMPLES`,
//! default 3; a run is 3.3–3.8 s of CPU in a release build on the shared 2-core machine, see the
//! README's Benchmarks); prints the wall time of each run and the run's digest.

use crucible::engine::world::RunOptions;
use crucible::runner::run_digest_only;
use crucible::scenario::load_file;
use std::path::Path;
use std::time::Instant;

/// The binary's allocator, so the figure is what `crucible run` takes.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/studies/tbtc-year-100-wallets.yaml");
    let sc = load_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let samples: usize = std::env::var("TBTC_YEAR_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    for i in 0..samples {
        let t0 = Instant::now();
        let r = run_digest_only(&sc, sc.seed, RunOptions::default()).expect("runs");
        let wall = t0.elapsed();
        let blocks: u64 = r.blocks.iter().map(|(_, n)| *n).sum();
        println!(
            "tbtc_year run {i}: {:.2} s wall, {blocks} blocks, {} events, {} records, digest {}",
            wall.as_secs_f64(),
            r.events,
            r.records,
            r.digest
        );
        assert!(r.stopped.is_none(), "stopped: {:?}", r.stopped);
        assert!(
            r.checks.iter().all(|c| !c.status.is_failure()),
            "{:?}",
            r.checks
        );
    }
}
