//! Every invariant can fail: runs with a deliberately broken contract rule (a `defects` entry)
//! show the matching check catching it, and the same run without the defect shows it holding.

use crate::check::{CheckOutcome, CheckStatus};
use crate::engine::world::RunOptions;
use crate::runner::run_in_memory;
use crate::scenario::load_str;

/// The offline-victim scenario with extra protocol lines, extra actor fields and extra actors.
fn scenario(protocol: &str, alice: &str, bob: &str, services: &str) -> String {
    format!(
        r#"
name: raiden-defect
question: does the check catch the defect?
seed: 1
duration: 30m
quiet: 5m
chains:
  l1: {{ block_time: 12s, base_fee_gwei: 1 }}
protocols:
  raiden:
    chain: l1
    channels:
      - {{ a: alice, b: bob }}
{protocol}
actors:
  - {{ kind: raiden.participant, name: alice, offline: [{{ from: 10m, to: 30m }}] {alice} }}
  - {{ kind: raiden.stale_closer, name: bob, pays: alice, amount: "10 ether", payments: 5, close_at: 12m, close_with: 0 {bob} }}
{services}
"#
    )
}

fn checks(text: &str) -> Vec<CheckOutcome> {
    let sc = load_str(text, "defect.yaml").unwrap_or_else(|e| panic!("{e}"));
    let (result, _) = run_in_memory(
        &sc,
        sc.seed,
        RunOptions {
            stop_on_violation: false,
        },
    )
    .expect("runs");
    result.checks
}

fn status(checks: &[CheckOutcome], name: &str) -> CheckStatus {
    checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name}"))
        .status
}

const MS: &str = "  - { kind: raiden.monitoring_service, name: ms }";

#[test]
fn ignoring_transfers_breaks_honest_outcome() {
    let broken = checks(&scenario("    defects: [ignores_transfers]", "", "", MS));
    assert_eq!(
        status(&broken, "raiden.honest_outcome"),
        CheckStatus::Violated
    );
    let fine = checks(&scenario("", "", "", MS));
    assert_eq!(status(&fine, "raiden.honest_outcome"), CheckStatus::Held);
}

#[test]
fn overpaying_breaks_both_conservation_checks() {
    // A second channel's deposits are in the token network to pay the excess from.
    let protocol = "      - { a: carol, b: dave }\n    defects: [overpays]";
    let extra = "  - { kind: raiden.participant, name: carol }\n  - { kind: raiden.participant, name: dave }\n";
    let broken = checks(&scenario(protocol, "", "", &format!("{extra}{MS}")));
    assert_eq!(
        status(&broken, "raiden.token_conservation"),
        CheckStatus::Violated
    );
    assert_eq!(
        status(&broken, "raiden.settlement_conservation"),
        CheckStatus::Violated
    );
}

#[test]
fn storing_any_nonce_breaks_monotone_nonces() {
    // A withholding client's update lands before the service's older proof, which a broken
    // store rule then accepts.
    let text = |defects: &str| {
        scenario(defects, "", "", MS).replace(
            "kind: raiden.participant, name: alice, offline: [{ from: 10m, to: 30m }] ",
            "kind: raiden.griefing_client, name: alice, grief: withhold_newest ",
        )
    };
    let broken = checks(&text("    defects: [nonce_any]"));
    assert_eq!(
        status(&broken, "raiden.monotone_nonces"),
        CheckStatus::Violated
    );
    let fine = checks(&text(""));
    assert_eq!(status(&fine, "raiden.monotone_nonces"), CheckStatus::Held);
}

#[test]
fn settling_early_breaks_access_windows_and_refusal_breaks_liveness() {
    let bob = ", race_settle: false, settle_after: 30s";
    let alice = ", settle: false";
    let broken = checks(&scenario("    defects: [settle_early]", alice, bob, MS));
    assert_eq!(
        status(&broken, "raiden.access_windows"),
        CheckStatus::Violated
    );
    // With the rule in place the early settle reverts; Alice does not settle either, so the
    // liveness check reports the channel left closed.
    let fine = checks(&scenario("", alice, bob, MS));
    assert_eq!(status(&fine, "raiden.access_windows"), CheckStatus::Held);
    assert_eq!(
        status(&fine, "raiden.channels_settle"),
        CheckStatus::Violated
    );
}

#[test]
fn refusing_ordered_settles_breaks_liveness() {
    // Bob paid Alice, so the honest order (Alice's side first) has unequal transfers, which the
    // broken rule refuses: nobody can settle, and the liveness check reports it.
    let broken = checks(&scenario("    defects: [unordered_settle]", "", "", MS));
    assert_eq!(
        status(&broken, "raiden.channels_settle"),
        CheckStatus::Violated
    );
    let fine = checks(&scenario("", "", "", MS));
    assert_eq!(status(&fine, "raiden.channels_settle"), CheckStatus::Held);
}

#[test]
fn keeping_the_reward_record_breaks_reward_accounting() {
    let greedy = "  - { kind: raiden.monitoring_service, name: ms, claim_twice: true }";
    let broken = checks(&scenario(
        "    defects: [claim_keeps_record]",
        "",
        "",
        greedy,
    ));
    assert_eq!(
        status(&broken, "raiden.reward_accounting"),
        CheckStatus::Violated
    );
    let fine = checks(&scenario("", "", "", greedy));
    assert_eq!(status(&fine, "raiden.reward_accounting"), CheckStatus::Held);
}

#[test]
fn accepting_type_two_for_close_breaks_no_replay() {
    let rogue = "  - { kind: raiden.monitoring_service, name: ms, replay_close_at: 11m }";
    let broken = checks(&scenario("    defects: [type_ignored]", "", "", rogue));
    assert_eq!(status(&broken, "raiden.no_replay"), CheckStatus::Violated);
    let fine = checks(&scenario("", "", "", rogue));
    assert_eq!(status(&fine, "raiden.no_replay"), CheckStatus::Held);
}

#[test]
fn unchecked_reward_proofs_break_reward_accounting() {
    let rogue = "  - { kind: raiden.monitoring_service, name: ms, forge_reward: \"50 ether\" }";
    let broken = checks(&scenario("    defects: [reward_unchecked]", "", "", rogue));
    assert_eq!(
        status(&broken, "raiden.reward_accounting"),
        CheckStatus::Violated
    );
    // With the check in place the forged request never lands: Alice goes unprotected instead.
    let fine = checks(&scenario("", "", "", rogue));
    assert_eq!(status(&fine, "raiden.reward_accounting"), CheckStatus::Held);
}

#[test]
fn skipping_the_slot_check_breaks_access_windows() {
    let eager = "  - { kind: raiden.monitoring_service, name: ms, eager: true }";
    let broken = checks(&scenario("    defects: [no_slot]", "", "", eager));
    assert_eq!(
        status(&broken, "raiden.access_windows"),
        CheckStatus::Violated
    );
    let fine = checks(&scenario("", "", "", eager));
    assert_eq!(status(&fine, "raiden.access_windows"), CheckStatus::Held);
}
