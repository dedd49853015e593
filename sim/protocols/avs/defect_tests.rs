//! Invariants that no faithful quirk breaks are shown to fail on test-only defects (a check
//! that cannot fail proves nothing): each run pairs a defect with the adversary that exposes
//! it, and the same run without the defect holds the invariant.

use crate::check::CheckStatus;
use crate::engine::world::RunOptions;
use crate::runner::run_digest_only;
use crate::scenario::load_str;
use crate::trace::Value;

/// A small world: four operators, owner, keeper, writer, aggregator, with `extra` actors and
/// `flags` (a YAML flow mapping) on the intended profile.
pub(super) fn scenario(name: &str, minutes: u32, flags: &str, extra: &str) -> String {
    format!(
        r#"name: {name}
question: does the invariant notice the defect?
seed: 5
duration: {minutes}m
chains:
  l1: {{ block_time: 12s, base_fee_gwei: 1, chain_id: 1 }}
  r1: {{ block_time: 2s, base_fee_gwei: 1, chain_id: 10 }}
protocols:
  avs: {{ main: l1, remotes: [r1], bridge_latency: 2s..20s, flags: {flags} }}
actors:
  - {{ kind: avs.operator, name: op1 }}
  - {{ kind: avs.operator, name: op2 }}
  - {{ kind: avs.operator, name: op3 }}
  - {{ kind: avs.operator, name: op4, deregister_at: 426s }}
  - {{ kind: avs.owner, name: owner }}
  - {{ kind: avs.keeper, name: keeper }}
  - {{ kind: avs.writer, name: writer, every: 30s }}
  - {{ kind: avs.aggregator, name: aggregator, every: 45s }}
{extra}"#
    )
}

pub(super) fn metric(metrics: &[(String, Value)], name: &str) -> Option<Value> {
    metrics.iter().find(|m| m.0 == name).map(|m| m.1)
}

/// Runs the scenario and returns the status of `invariant` and its failure detail.
fn outcome(text: &str, invariant: &str) -> (CheckStatus, Option<String>) {
    let (status, detail, _) = run(text, invariant);
    (status, detail)
}

/// [`outcome`] and the run's end-of-run metrics.
pub(super) fn run(
    text: &str,
    invariant: &str,
) -> (CheckStatus, Option<String>, Vec<(String, Value)>) {
    let sc = load_str(text, "defect.yaml").unwrap_or_else(|e| panic!("{e}"));
    let result = run_digest_only(&sc, sc.seed, RunOptions::default()).expect("runs");
    let c = result
        .checks
        .iter()
        .find(|c| c.name == invariant)
        .expect("the invariant is checked");
    (c.status, c.detail.clone(), result.metrics)
}

/// `avs.epoch_immutability`: op4 deregisters in the grace period of epoch 0 (block 36). With an
/// epoch manager that ignores the grace period, the removal lands in the sealed epoch 1.
#[test]
fn epoch_immutability_fires_when_grace_is_ignored() {
    let inv = "avs.epoch_immutability";
    let (held, _, metrics) = run(&scenario("grace", 9, "{}", ""), inv);
    assert_eq!(held, CheckStatus::Held);
    // The control's deregistration took effect, in epoch 2.
    assert_eq!(metric(&metrics, "avs.weight.op4.e1"), Some(Value::Int(100)));
    assert_eq!(metric(&metrics, "avs.weight.op4.e2"), Some(Value::Int(0)));
    let (status, detail) = outcome(
        &scenario("no-grace", 9, "{ planted_no_grace: true }", ""),
        inv,
    );
    assert_eq!(status, CheckStatus::Violated);
    let detail = detail.unwrap();
    assert!(detail.contains("epoch 1 changed"), "{detail}");
}

/// `avs.message_integrity`, first clause: the bridge delivers every snapshot twice. The
/// receiver rejects the copy (`MessageAlreadyProcessed`); one that does not check processed
/// guids applies it again.
#[test]
fn message_integrity_fires_on_a_replayed_guid() {
    let inv = "avs.message_integrity";
    let twice =
        "  - { kind: avs.bridge_adversary, name: echo, routes: [avs/r1], duplicate: 1.0 }\n";
    let (held, _, metrics) = run(&scenario("echo", 9, "{}", twice), inv);
    assert_eq!(held, CheckStatus::Held);
    // The control's bridge did deliver copies.
    let count = |name| match metric(&metrics, name) {
        Some(Value::Int(n)) => n,
        other => panic!("{name}: {other:?}"),
    };
    assert!(count("bridge.delivery_submitted") > count("bridge.sent"));
    let (status, detail) = outcome(
        &scenario("replay", 9, "{ planted_guid_replay: true }", twice),
        inv,
    );
    assert_eq!(status, CheckStatus::Violated);
    let detail = detail.unwrap();
    assert!(detail.contains("applied twice"), "{detail}");
}

/// `avs.message_integrity`, second clause: a coalition's wrong proof is challenged, and the
/// challenger's verification report reaches the main-chain verifier. A verifier that registers
/// bridges instead of remote verifiers takes it from an unregistered sender.
#[test]
fn message_integrity_fires_on_an_unregistered_reporter() {
    let inv = "avs.message_integrity";
    let challenge = "  - { kind: avs.coalition, name: coalition, members: [op1, op2, op3], proofs: 1 }\n  - { kind: avs.challenger, name: challenger, every: 15s }\n";
    let (status, detail) = outcome(
        &scenario(
            "reporter",
            14,
            "{ planted_reporter_by_bridge: true }",
            challenge,
        ),
        inv,
    );
    assert_eq!(status, CheckStatus::Violated);
    let detail = detail.unwrap();
    assert!(detail.contains("unregistered"), "{detail}");
    let (held, _, metrics) = run(&scenario("reporter-ok", 14, "{}", challenge), inv);
    assert_eq!(held, CheckStatus::Held);
    // The control run did deliver a report: its challenge resolved.
    assert_eq!(
        metric(&metrics, "avs.challenges_resolved"),
        Some(Value::Int(1))
    );
}
