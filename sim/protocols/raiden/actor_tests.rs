//! Behaviour of the actors across a crash and restart, and the services' purge of requests
//! whose channel stays unknown.

use super::query::{query, Filter, Query};
use super::TokenNetwork;
use crate::engine::world::RunOptions;
use crate::runner::run_in_memory;
use crate::scenario::load_str;
use crate::trace::{Record, Value};
use alloy_primitives::U256;
use alloy_sol_types::SolEvent;

fn ether(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

fn metric(metrics: &[(String, Value)], name: &str) -> Option<Value> {
    metrics.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
}

#[test]
fn a_restarted_participant_resumes_its_nonces_and_keeps_its_deposit() {
    // Bob crashes after his second payment and restarts a minute later: he must continue at
    // nonce 3 with the amounts he had, not deposit his reward budget again, and Alice must end
    // with all 50 tokens he paid her. The service crashes too and must not register twice.
    let text = r#"
name: raiden-restart
question: does a restarted participant resume where it was?
seed: 1
duration: 20m
quiet: 5m
chains:
  l1: { block_time: 12s, base_fee_gwei: 1 }
protocols:
  raiden:
    chain: l1
    channels:
      - { a: alice, b: bob }
actors:
  - { kind: raiden.participant, name: alice }
  - kind: raiden.participant
    name: bob
    pays: alice
    amount: "10 ether"
    payments: 5
    close_at: 10m
    crash: [{ at: 2m30s, restart_after: 1m }]
  - { kind: raiden.monitoring_service, name: ms, crash: [{ at: 3m, restart_after: 1m }] }
"#;
    let sc = load_str(text, "restart.yaml").unwrap_or_else(|e| panic!("{e}"));
    let (result, collected) = run_in_memory(&sc, sc.seed, RunOptions::default()).expect("runs");
    assert!(
        result.checks.iter().all(|c| !c.status.is_failure()),
        "{:?}",
        result.checks
    );
    assert_eq!(
        metric(&result.metrics, "raiden.payments"),
        Some(Value::Int(5))
    );
    assert_eq!(
        metric(&result.metrics, "raiden.reverts.deposit_not_increasing"),
        None,
        "the reward deposit was sent again"
    );
    // The restarted service kept its registration instead of paying for a second one.
    assert_eq!(
        metric(&result.metrics, "raiden.ms.registration_deposits"),
        Some(Value::Real(1000.0))
    );
    let header = collected.header.expect("header");
    let tn = header
        .contracts
        .iter()
        .find(|c| c.name == "raiden.TokenNetwork")
        .map(|c| c.address)
        .expect("token network");
    let alice = header
        .actors
        .iter()
        .find(|a| a.name == "alice")
        .map(|a| a.address)
        .expect("alice");
    let settled = collected
        .records
        .iter()
        .find_map(|r| match r {
            Record::Log {
                address,
                topics,
                data,
                ..
            } if *address == tn
                && topics.first() == Some(&TokenNetwork::ChannelSettled::SIGNATURE_HASH) =>
            {
                TokenNetwork::ChannelSettled::decode_raw_log(topics.iter().copied(), data).ok()
            }
            _ => None,
        })
        .expect("the channel settles");
    let to_alice = if settled.participant1 == alice {
        settled.participant1_amount
    } else {
        settled.participant2_amount
    };
    assert_eq!(to_alice, ether(150));
}

#[test]
fn requests_for_unknown_channels_are_purged_after_fifteen_minutes() {
    let text = r#"
name: raiden-spam
question: do services forget requests for channels that do not exist?
seed: 1
duration: 25m
quiet: 1m
chains:
  l1: { block_time: 12s, base_fee_gwei: 1 }
protocols:
  raiden:
    chain: l1
    channels:
      - { a: alice, b: bob }
actors:
  - { kind: raiden.griefing_client, name: alice, grief: request_spam, udc_deposit: "20 ether" }
  - { kind: raiden.participant, name: bob, pays: alice, amount: "10 ether", payments: 3, settle: false }
  - { kind: raiden.monitoring_service, name: ms, count: 2 }
"#;
    let sc = load_str(text, "spam.yaml").unwrap_or_else(|e| panic!("{e}"));
    let (result, collected) = run_in_memory(&sc, sc.seed, RunOptions::default()).expect("runs");
    // Three spam requests to each of two services; each keeps the newest per (channel,
    // non-closer), so one per service, and purges it. The genuine ones stay.
    assert_eq!(
        metric(&result.metrics, "raiden.spam_requests"),
        Some(Value::Int(3))
    );
    assert_eq!(
        metric(&result.metrics, "raiden.ms.mr_purged"),
        Some(Value::Int(2))
    );
    let header = collected.header.expect("header");
    let held = query(
        &header,
        &collected.records,
        Query::BalanceProofs,
        &Filter::default(),
    );
    let held = held.as_array().expect("array");
    assert_eq!(held.len(), 2, "{held:?}");
    assert!(held.iter().all(|p| p["channel_identifier"] == 1));
    // Ten minutes in, before any purge, the spam was still held.
    let early = query(
        &header,
        &collected.records,
        Query::BalanceProofs,
        &Filter {
            at_ms: Some(600_000),
            ..Filter::default()
        },
    );
    assert_eq!(early.as_array().expect("array").len(), 4);
}

#[test]
fn a_service_restarted_after_the_close_still_protects_the_offline_victim() {
    // The only service crashes before Bob's stale close and restarts after it: the close event
    // never reached it, yet from its stored requests and the chain it finds the closed channel,
    // submits Bob's newest proof at its slot and claims the reward.
    let text = r#"
name: raiden-ms-restart
question: does a restarted service resume from its stored requests?
seed: 1
duration: 30m
quiet: 5m
chains:
  l1: { block_time: 12s, base_fee_gwei: 1 }
protocols:
  raiden:
    chain: l1
    channels:
      - { a: alice, b: bob }
actors:
  - { kind: raiden.participant, name: alice, offline: [{ from: 8m, to: 30m }] }
  - { kind: raiden.stale_closer, name: bob, pays: alice, amount: "10 ether", payments: 5, close_at: 12m, close_with: 0 }
  - { kind: raiden.monitoring_service, name: ms, crash: [{ at: 11m, restart_after: 90s }] }
"#;
    let sc = load_str(text, "ms-restart.yaml").unwrap_or_else(|e| panic!("{e}"));
    let (result, _) = run_in_memory(&sc, sc.seed, RunOptions::default()).expect("runs");
    assert!(
        result.checks.iter().all(|c| !c.status.is_failure()),
        "{:?}",
        result.checks
    );
    assert_eq!(
        metric(&result.metrics, "raiden.victim_loss"),
        Some(Value::Real(0.0))
    );
    assert_eq!(
        metric(&result.metrics, "raiden.ms.claims"),
        Some(Value::Int(1))
    );
    assert_eq!(
        metric(&result.metrics, "raiden.ms.registration_deposits"),
        Some(Value::Real(1000.0))
    );
}
