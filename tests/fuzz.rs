//! Invariant fuzzing in CI: the stored regressions replay first, then a bounded campaign runs
//! over every protocol with a fuzz space; a planted bug is found and shrunk; campaigns do not
//! depend on the number of workers.

use crucible::engine::world::RunOptions;
use crucible::fuzz::campaign::{self, Campaign, CampaignReport, Stop};
use crucible::fuzz::regress::{self, Origin};
use crucible::fuzz::Limits;
use crucible::report::report;
use crucible::runner::run_digest_only;
use crucible::scenario::load_file;
use std::path::Path;

/// Campaign seed of the CI run. Changing it is fine; it just picks other cases.
const CI_SEED: u64 = 2026;
/// Cases per protocol in CI (each a few simulated hours in a debug build).
const CI_CASES: u64 = 12;

fn ci_limits() -> Limits {
    Limits {
        max_duration: crucible::engine::time::Dur::hours(2),
        max_actors: 5,
        planted: false,
    }
}

/// Replays `tests/regressions/<protocol>/*.yaml`: each must show what its `expect` states (open:
/// the invariant is still violated; fixed: the invariants hold). Returns how many ran.
fn replay_regressions() -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let files = regress::corpus(&dir).expect("tests/regressions is readable");
    let mut failed = Vec::new();
    for f in &files {
        let sc = load_file(f)
            .unwrap_or_else(|e| panic!("regression {} does not load: {e}", f.display()));
        let result = run_digest_only(&sc, sc.seed, RunOptions::default()).expect("runs");
        let rep = report(&sc, &result, None);
        if !rep.passed() {
            failed.push(format!(
                "{}:\n  {}\n  (an open regression that now passes means its bug is fixed: flip its \
                 `expect` to the invariants that must hold)",
                f.display(),
                rep.answer.join("\n  ")
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "regressions failed:\n{}",
        failed.join("\n")
    );
    files.len()
}

/// Prints every failure with its shrunk scenario.
fn describe(rep: &CampaignReport, limits: &Limits) -> String {
    let mut out = String::new();
    for f in &rep.failures {
        let command = campaign::case_command(&f.protocol, rep.seed, f.index, limits);
        out.push_str(&format!(
            "{} violated in {} case {} ({}): {}\n",
            f.violation.invariant, f.protocol, f.index, command, f.violation.detail
        ));
        if let Some(s) = &f.shrunk {
            out.push_str(&regress::regression_yaml(
                s,
                &Origin { command },
                &format!(
                    "tests/regressions/{}/{}",
                    f.protocol,
                    regress::file_name(&s.case, &s.violation.invariant)
                ),
            ));
        }
    }
    for (p, i, msg) in &rep.invalid {
        out.push_str(&format!("invalid generated case {p} #{i}: {msg}\n"));
    }
    for name in rep.coverage.never_reached() {
        out.push_str(&format!(
            "sometimes property {name} never reached in the campaign\n"
        ));
    }
    out
}

#[test]
fn regressions_then_bounded_campaign() {
    let stored = replay_regressions();
    let targets = campaign::targets(None);
    assert!(!targets.is_empty(), "no protocol has a fuzz space");
    let limits = ci_limits();
    let c = Campaign {
        seed: CI_SEED,
        stop: Stop::Cases(CI_CASES),
        jobs: 2,
        limits: limits.clone(),
        shrink_runs: 120,
    };
    let rep = campaign::run(&c, &targets, &mut |_| {});
    eprintln!(
        "replayed {stored} regressions; fuzzed {} cases of {}; coverage {:?}",
        rep.cases,
        rep.protocols.join(", "),
        rep.coverage.counts
    );
    assert_eq!(rep.cases, CI_CASES);
    assert!(
        rep.clean(),
        "the fuzz campaign found problems (store each shrunk scenario under tests/regressions/):\n{}",
        describe(&rep, &limits)
    );
}

/// A campaign with the planted bugs switched on, over one protocol, under the CI limits.
fn planted_campaign(
    protocol: &str,
    cases: u64,
    jobs: usize,
    shrink_runs: usize,
) -> (Campaign, CampaignReport) {
    let c = Campaign {
        seed: 1,
        stop: Stop::Cases(cases),
        jobs,
        limits: Limits {
            planted: true,
            ..ci_limits()
        },
        shrink_runs,
    };
    let rep = campaign::run(&c, &campaign::targets(Some(protocol)), &mut |_| {});
    (c, rep)
}

#[test]
fn planted_rogue_minter_is_found_and_shrunk() {
    let (c, rep) = planted_campaign("token", 2, 2, 100);
    let f = rep
        .failures
        .iter()
        .find(|f| f.violation.invariant == "token.conservation")
        .expect("the rogue minter breaks token.conservation");
    let s = f.shrunk.as_ref().expect("the first failure is shrunk");
    assert_eq!(s.violation.invariant, "token.conservation");
    // Shrunk to the minter alone, no faults, the shortest run, the smallest mint.
    let size = s.case.size();
    assert_eq!(size.actors, 1, "shrunk to {size}");
    assert_eq!(size.faults, 0, "shrunk to {size}");
    assert_eq!(size.duration_ms, 60_000, "shrunk to {size}");
    assert_eq!(s.case.body.actors[0].kind, "token.minter");
    assert!(
        s.original.actors > size.actors,
        "original {} vs shrunk {size}",
        s.original
    );

    // Written as a regression, it loads and shows the violation it states.
    let dir = tempfile::tempdir().expect("tempdir");
    let origin = Origin {
        command: campaign::case_command("token", 1, f.index, &c.limits),
    };
    let path = regress::write(dir.path(), s, &origin).expect("written");
    let text = std::fs::read_to_string(&path).expect("readable");
    assert!(text.contains("# Regression found by `crucible fuzz`: token.conservation violated."));
    assert!(text.contains("# reproduce: crucible run "));
    assert!(text.contains("shrunk: 1 actors, 0 faults, 1m"), "{text}");
    let sc = load_file(&path).expect("the regression loads");
    let result = run_digest_only(&sc, sc.seed, RunOptions::default()).expect("runs");
    let rep = report(&sc, &result, None);
    assert!(rep.passed(), "{}", rep.to_yaml());
}

/// tBTC: coordination windows open at block 900 (3 h at 12 s blocks), so the space's minimum
/// case duration overrides the CI limits; the planted node that draws the heartbeat from the
/// leader shuffle's generator is found and shrunk, and the shrunk case stays above the minimum.
#[test]
fn planted_reused_generator_is_found_in_tbtc() {
    let (_, rep) = planted_campaign("tbtc", 2, 2, 12);
    let f = rep
        .failures
        .iter()
        .find(|f| {
            f.violation.invariant == "tbtc.heartbeat_matches_predictor"
                || f.violation.invariant == "tbtc.leader_agreement"
        })
        .unwrap_or_else(|| panic!("the planted node is found: {:?}", rep.failures));
    assert!(
        f.case.duration_ms >= 4 * 3_600_000,
        "cases last at least the space's minimum"
    );
    let s = f.shrunk.as_ref().expect("the first failure is shrunk");
    assert_eq!(s.violation.invariant, f.violation.invariant);
    assert!(
        s.case.duration_ms >= 4 * 3_600_000,
        "shrunk to {}",
        s.case.size()
    );
    assert!(
        s.case
            .body
            .actors
            .iter()
            .any(|a| a.name == crucible::protocols::tbtc::fuzz::PLANTED_NODE),
        "the planted node stays in the shrunk case"
    );
    assert!(s.case.size().actors <= s.original.actors);
}

#[test]
fn campaign_result_does_not_depend_on_jobs() {
    let targets = campaign::targets(None);
    let run = |jobs| {
        let c = Campaign {
            seed: 99,
            stop: Stop::Cases(3),
            jobs,
            limits: Limits {
                max_duration: crucible::engine::time::Dur::mins(40),
                ..ci_limits()
            },
            shrink_runs: 0,
        };
        let rep = campaign::run(&c, &targets, &mut |_| {});
        (
            rep.cases,
            rep.coverage.counts.clone(),
            rep.failures
                .iter()
                .map(|f| (f.index, f.violation.clone()))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn cli_exit_codes_report_and_written_regression() {
    let bin = env!("CARGO_BIN_EXE_crucible");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(bin)
        .args(["fuzz", "--protocol", "token", "--cases", "1", "--planted"])
        .args([
            "--max-duration",
            "20m",
            "--shrink-runs",
            "40",
            "--jobs",
            "1",
        ])
        .arg("--regressions")
        .arg(dir.path())
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAILURE token.conservation in token case 0"),
        "{stdout}"
    );
    assert!(stdout.contains("repeat exactly: crucible fuzz --protocol token --seed 0 --cases 1"));
    assert!(stdout.contains("regenerate: crucible fuzz --protocol token --seed 0 --case 0"));
    assert!(stdout.contains("reproduce: crucible run "), "{stdout}");
    assert_eq!(
        regress::corpus(dir.path()).expect("readable").len(),
        1,
        "{stdout}"
    );

    let bad = std::process::Command::new(bin)
        .args(["fuzz", "--protocol", "nope"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    let bad = std::process::Command::new(bin)
        .args(["fuzz", "--time", "10 parsecs"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_time_boxed_campaign_repeats_as_a_counted_one() {
    let targets = campaign::targets(None);
    let limits = Limits {
        max_duration: crucible::engine::time::Dur::mins(30),
        ..ci_limits()
    };
    let c = Campaign {
        seed: 11,
        stop: Stop::Time(std::time::Duration::from_millis(1)),
        jobs: 2,
        limits,
        shrink_runs: 0,
    };
    let timed = campaign::run(&c, &targets, &mut |_| {});
    assert!(timed.cases >= 1, "at least one round starts");
    let counted = campaign::run(
        &Campaign {
            stop: Stop::Cases(timed.cases),
            ..c.clone()
        },
        &targets,
        &mut |_| {},
    );
    assert_eq!(counted.cases, timed.cases);
    assert_eq!(counted.coverage, timed.coverage);
    assert_eq!(counted.failures.len(), timed.failures.len());
}

#[test]
fn planted_avs_replica_off_by_one_is_found_and_shrunk() {
    let (_, rep) = planted_campaign("avs", 1, 1, 30);
    let f = rep
        .failures
        .iter()
        .find(|f| f.violation.invariant == "avs.replica_consistency")
        .expect("the planted off-by-one replica breaks avs.replica_consistency");
    let s = f.shrunk.as_ref().expect("the first failure is shrunk");
    assert_eq!(s.violation.invariant, "avs.replica_consistency");
    // Shrunk to an operator and the keeper whose snapshot the replica mangles, without faults.
    let size = s.case.size();
    assert_eq!(size.faults, 0, "shrunk to {size}");
    assert_eq!(size.actors, 2, "shrunk to {size}");
    let mut kinds: Vec<&str> = s.case.body.actors.iter().map(|a| a.kind.as_str()).collect();
    kinds.sort();
    assert_eq!(kinds, ["avs.keeper", "avs.operator"]);
    assert!(s.original.actors > size.actors, "original {}", s.original);
}

/// The token generator as a proptest strategy: proptest's own runner finds the rogue minter and,
/// through the value tree, shrinks it with the campaign's shrinker to the same minimal scenario
/// the campaign reaches (the minter alone, no faults, one minute).
#[test]
fn proptest_runner_finds_and_shrinks_the_rogue_minter() {
    use crucible::fuzz::{run_case, SameViolation, ScenarioStrategy};
    use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};

    let limits = Limits {
        planted: true,
        ..ci_limits()
    };
    let strategy = ScenarioStrategy::protocol("token", limits)
        .expect("token has a fuzz space")
        .max_shrink_runs(100);
    let config = Config {
        cases: 4,
        max_shrink_iters: 100,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let property = SameViolation::new();
    let err = runner
        .run(&strategy, |case| property.check(&case))
        .expect_err("the rogue minter breaks token.conservation");
    let TestError::Fail(reason, shrunk) = err else {
        panic!("the run fails, it does not abort: {err}")
    };
    assert_eq!(property.invariant().as_deref(), Some("token.conservation"));
    assert!(reason.message().contains("token.conservation"), "{reason}");
    let size = shrunk.size();
    assert_eq!(size.actors, 1, "shrunk to {size}");
    assert_eq!(size.faults, 0, "shrunk to {size}");
    assert_eq!(size.duration_ms, 60_000, "shrunk to {size}");
    assert_eq!(shrunk.body.actors[0].kind, "token.minter");
    // What proptest reports is a failing case, not a candidate left untried.
    let again = run_case(&shrunk).expect("loads");
    assert_eq!(
        again.violation.map(|v| v.invariant).as_deref(),
        Some("token.conservation")
    );
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: 2,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })]

    /// `proptest!` over generated token scenarios: every invariant holds in honest cases.
    #[test]
    fn generated_token_scenarios_hold_every_invariant(
        case in crucible::fuzz::ScenarioStrategy::protocol("token", ci_limits()).expect("token space")
    ) {
        crucible::fuzz::SameViolation::new().check(&case)?;
    }
}

/// Payouts: the planted payer that also pays held rows at once is found by a bounded campaign
/// and shrunk to the payer, one issuer and the denied payee, without faults, in a one-minute run.
#[test]
fn planted_payouts_pay_held_is_found_and_shrunk() {
    let (_, rep) = planted_campaign("payouts", 2, 2, 60);
    let f = rep
        .failures
        .iter()
        .find(|f| f.violation.invariant == "payouts.no_double_payment")
        .unwrap_or_else(|| panic!("the planted payer is found: {:?}", rep.failures));
    let s = f.shrunk.as_ref().expect("the first failure is shrunk");
    assert_eq!(s.violation.invariant, "payouts.no_double_payment");
    let size = s.case.size();
    eprintln!(
        "payouts planted: original {} shrunk {size} in {} runs",
        s.original, s.runs
    );
    assert_eq!(size.faults, 0, "shrunk to {size}");
    assert_eq!(size.actors, 3, "shrunk to {size}");
    // The period closes in the quiet period, so the run itself shrinks to the shortest.
    assert_eq!(size.duration_ms, 60_000, "shrunk to {size}");
    assert!(s.original.actors > size.actors, "original {}", s.original);
    let mut kinds: Vec<&str> = s.case.body.actors.iter().map(|a| a.kind.as_str()).collect();
    kinds.sort();
    assert_eq!(kinds, ["payouts.issuer", "payouts.payee", "payouts.payer"]);
}

/// Raiden: the planted contract defect (settlement ignores the transferred amounts) is found by
/// a bounded campaign as `raiden.honest_outcome` and shrunk to fewer actors and faults.
#[test]
fn planted_raiden_ignores_transfers_is_found_and_shrunk() {
    let (_, rep) = planted_campaign("raiden", 2, 2, 60);
    let f = rep
        .failures
        .iter()
        .find(|f| f.violation.invariant == "raiden.honest_outcome")
        .unwrap_or_else(|| panic!("the planted defect is found: {:?}", rep.failures));
    let s = f.shrunk.as_ref().expect("the first failure is shrunk");
    assert_eq!(s.violation.invariant, "raiden.honest_outcome");
    let size = s.case.size();
    eprintln!(
        "raiden planted: original {} shrunk {size} in {} runs",
        s.original, s.runs
    );
    // Seed 1: from 5 actors, 6 faults and 1h14m to 4 actors, 1 fault and under 15 minutes (a
    // longer shrink budget finds nothing smaller).
    assert_eq!((size.actors, size.faults), (4, 1), "shrunk to {size}");
    assert!(size.duration_ms < 15 * 60_000, "shrunk to {size}");
    assert!(s.original.actors > size.actors, "original {}", s.original);
    assert!(s.original.faults > size.faults, "original {}", s.original);
}

/// BOLD: the planted honest strategy that never refunds its mini-stakes is found by a bounded
/// campaign as `bold.liveness` and shrunk to fewer actors without faults.
#[test]
fn planted_bold_skip_refund_is_found_and_shrunk() {
    let (_, rep) = planted_campaign("bold", 2, 2, 40);
    let f = rep
        .failures
        .iter()
        .find(|f| f.violation.invariant == "bold.liveness")
        .unwrap_or_else(|| panic!("the planted defender is found: {:?}", rep.failures));
    let s = f.shrunk.as_ref().expect("the first failure is shrunk");
    assert_eq!(s.violation.invariant, "bold.liveness");
    let size = s.case.size();
    eprintln!(
        "bold planted: original {} shrunk {size} in {} runs",
        s.original, s.runs
    );
    // Seed 1: from 5 actors, 5 faults and 20 minutes to 3 actors, no faults and one minute
    // (the game plays out in the quiet period).
    assert_eq!((size.actors, size.faults), (3, 0), "shrunk to {size}");
    assert_eq!(size.duration_ms, 60_000, "shrunk to {size}");
    assert!(s.original.actors > size.actors, "original {}", s.original);
}
