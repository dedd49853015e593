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
    bold_censor => "bold-censor",
    bold_censor_beyond_bound => "bold-censor-beyond-bound",
    bold_copycat => "bold-copycat",
    bold_crash_restart => "bold-crash-restart",
    bold_five_evil => "bold-five-evil",
    bold_lazy_defender => "bold-lazy-defender",
    bold_multi_honest => "bold-multi-honest",
    bold_one_evil_tiny => "bold-one-evil-tiny",
    bold_payments_tiny => "bold-payments-tiny",
    bold_snipe => "bold-snipe",
    bold_staller => "bold-staller",
    bold_sybil => "bold-sybil",
    bold_sybil_siblings => "bold-sybil-siblings",
    bold_timer_batching => "bold-timer-batching",
    bold_timer_frontrun => "bold-timer-frontrun",
    bold_timer_grief => "bold-timer-grief",
    bold_two_evil => "bold-two-evil",
    bold_two_levels_evil_first => "bold-two-levels-evil-first",
    quickstart => "quickstart",
    avs_replica_flow => "avs-replica-flow",
    avs_replica_reorder => "avs-replica-reorder",
    avs_replica_reorder_intended => "avs-replica-reorder-intended",
    avs_bridge_delay => "avs-bridge-delay",
    avs_challenge_deadline => "avs-challenge-deadline",
    avs_challenge_deadline_intended => "avs-challenge-deadline-intended",
    avs_challenge_faithful => "avs-challenge-faithful",
    avs_challenge_slash => "avs-challenge-slash",
    avs_coalition_below => "avs-coalition-below",
    avs_consumer_staleness => "avs-consumer-staleness",
    avs_deregistration_grace => "avs-deregistration-grace",
    avs_early_snapshot => "avs-early-snapshot",
    avs_forgotten_threshold => "avs-forgotten-threshold",
    avs_forgotten_threshold_intended => "avs-forgotten-threshold-intended",
    avs_griefing_lazy => "avs-griefing-lazy",
    avs_key_thief => "avs-key-thief",
    avs_key_thief_intended => "avs-key-thief-intended",
    avs_late_challenge => "avs-late-challenge",
    avs_late_challenge_intended => "avs-late-challenge-intended",
    avs_m2_double_count => "avs-m2-double-count",
    avs_m2_double_count_intended => "avs-m2-double-count-intended",
    avs_partial_snapshot => "avs-partial-snapshot",
    avs_partial_snapshot_intended => "avs-partial-snapshot-intended",
    avs_remote_challenge => "avs-remote-challenge",
    avs_stale_epoch => "avs-stale-epoch",
    avs_stale_epoch_bounded => "avs-stale-epoch-bounded",
    avs_suspension => "avs-suspension",
    avs_relayer_retry => "avs-relayer-retry",
    avs_relayer_no_retry => "avs-relayer-no-retry",
    avs_guid_collision => "avs-guid-collision",
    avs_guid_collision_intended => "avs-guid-collision-intended",
    avs_challenge_id_squat => "avs-challenge-id-squat",
    avs_challenge_id_squat_intended => "avs-challenge-id-squat-intended",
    avs_resolver_race => "avs-resolver-race",
    avs_resolver_race_intended => "avs-resolver-race-intended",
    avs_slash_failure => "avs-slash-failure",
    avs_slash_failure_intended => "avs-slash-failure-intended",
    avs_mid_block_verify => "avs-mid-block-verify",
    avs_mid_block_verify_intended => "avs-mid-block-verify-intended",
    raiden_offline_victim => "raiden-offline-victim",
    raiden_partly_stale => "raiden-partly-stale",
    raiden_blocks_mode => "raiden-blocks-mode",
    raiden_lazy_services => "raiden-lazy-services",
    raiden_grief_dodge => "raiden-grief-dodge",
    raiden_grief_escape => "raiden-grief-escape",
    raiden_grief_late => "raiden-grief-late",
    raiden_grief_low_reward => "raiden-grief-low-reward",
    raiden_grief_overcommit => "raiden-grief-overcommit",
    raiden_grief_withhold => "raiden-grief-withhold",
    raiden_grinding => "raiden-grinding",
    raiden_ms_race => "raiden-ms-race",
    raiden_ms_race_watch => "raiden-ms-race-watch",
    raiden_no_service => "raiden-no-service",
    raiden_short_timeout => "raiden-short-timeout",
    token_counterfeit => "token-counterfeit",
    payouts_three_nodes_zksync => "payouts-three-nodes-zksync",
    payouts_deny_cleared => "payouts-deny-cleared",
    payouts_cost_10 => "payouts-cost-10",
    payouts_cost_100 => "payouts-cost-100",
    payouts_cost_1000 => "payouts-cost-1000",
    payouts_bold_reimbursement => "payouts-bold-reimbursement",
    payouts_three_nodes_raiden => "payouts-three-nodes-raiden",
    payouts_raiden_offline_ms => "payouts-raiden-offline-ms",
    payouts_raiden_offline_no_ms => "payouts-raiden-offline-no-ms",
    tbtc_idle_heartbeats => "tbtc-idle-heartbeats",
    tbtc_idle_leader => "tbtc-idle-leader",
    tbtc_mistaken_leader => "tbtc-mistaken-leader",
    tbtc_impersonator => "tbtc-impersonator",
    tbtc_equivocation => "tbtc-equivocation",
    tbtc_censoring_leader => "tbtc-censoring-leader",
    tbtc_redemptions => "tbtc-redemptions",
    tbtc_partitioned_follower => "tbtc-partitioned-follower",
    tbtc_inactivity => "tbtc-inactivity",
    tbtc_deposits => "tbtc-deposits",
    tbtc_moving_funds => "tbtc-moving-funds",
}
