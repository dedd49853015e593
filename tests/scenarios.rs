//! Every scenario in `scenarios/` runs, meets its stated expectations, gives the same digest
//! twice, and its summary matches the reviewed snapshot in `snapshots/`.

use crucible::engine::world::RunOptions;
use crucible::report::report;
use crucible::runner::{run_digest_only, run_in_memory};
use crucible::scenario::load_file;
use std::path::{Path, PathBuf};

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn check(stem: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{stem}.yaml"));
    let sc = load_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let (result, collected) = run_in_memory(&sc, sc.seed, RunOptions::default()).expect("runs");
    let mut rep = report(&sc, &result, None);
    // Snapshots name the scenario by its path relative to the repository.
    rep.repro = format!("crucible run scenarios/{stem}.yaml --seed {}", sc.seed);
    assert!(
        rep.passed(),
        "scenario {stem} did not meet its expectations:\n{}",
        rep.to_yaml()
    );
    assert_eq!(collected.records.len() as u64, result.records);
    let again = run_digest_only(&sc, sc.seed, RunOptions::default()).expect("runs");
    assert_eq!(
        again.digest, result.digest,
        "{stem}: two runs gave different digests"
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(stem.to_string(), rep.deterministic().to_yaml()));
}

macro_rules! scenarios {
    ($($name:ident => $stem:literal),* $(,)?) => {
        $(#[test] fn $name() { check($stem); })*

        #[test]
        fn every_scenario_file_is_tested() {
            let listed = [$($stem),*];
            for f in scenario_files() {
                let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
                assert!(listed.contains(&stem.as_str()), "scenarios/{stem}.yaml has no test: add it to tests/scenarios.rs");
            }
        }
    };
}

scenarios! {
    quickstart => "quickstart",
    token_counterfeit => "token-counterfeit",
    tbtc_idle_heartbeats => "tbtc-idle-heartbeats",
    tbtc_idle_leader => "tbtc-idle-leader",
    tbtc_mistaken_leader => "tbtc-mistaken-leader",
    tbtc_impersonator => "tbtc-impersonator",
    tbtc_equivocation => "tbtc-equivocation",
    tbtc_censoring_leader => "tbtc-censoring-leader",
    tbtc_redemptions => "tbtc-redemptions",
    tbtc_partitioned_follower => "tbtc-partitioned-follower",
    tbtc_inactivity => "tbtc-inactivity",
}
