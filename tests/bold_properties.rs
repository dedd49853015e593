//! Property test of the BOLD model: for any divergence point (block, machine step) and either
//! position of the evil assertion, one honest defender wins and every safety invariant holds
//! after every block — among them the timer-cache properties S7 and S8 (caches never decrease,
//! never exceed the true recursive timer, rivals have no own time).

use crucible::engine::world::RunOptions;
use crucible::report::report;
use crucible::runner::run_digest_only;
use crucible::scenario::load_str;
use proptest::prelude::*;

fn scenario(block: u64, step: u64, first: bool, seed: u64) -> String {
    format!(
        r#"
name: bold-property
question: does the honest party win from any divergence?
seed: {seed}
duration: 18m
quiet: 3m
chains:
  l1: {{ block_time: 12s, base_fee_gwei: 1 }}
protocols:
  bold: {{ chain: l1, profile: tiny }}
actors:
  - {{ kind: bold.proposer, name: proposer, assertions: 1 }}
  - {{ kind: bold.defender, name: defender }}
  - {{ kind: bold.evil_proposer, name: mallory, block: {block}, step: {step}, position: {pos} }}
expect:
  invariants: all
  metrics:
    bold.assertions_confirmed: 2
"#,
        pos = if first { "first" } else { "second" }
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 6,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x0b01d),
        ..ProptestConfig::default()
    })]

    #[test]
    fn honest_wins_from_any_divergence(block in 1u64..=4, step in 0u64..16, first: bool, seed in 0u64..1000) {
        let text = scenario(block, step, first, seed);
        let sc = load_str(&text, "bold-property.yaml").expect("valid scenario");
        let result = run_digest_only(&sc, sc.seed, RunOptions::default()).expect("runs");
        let rep = report(&sc, &result, None);
        prop_assert!(rep.passed(), "block {} step {} first {}:\n{}", block, step, first, rep.to_yaml());
    }
}
