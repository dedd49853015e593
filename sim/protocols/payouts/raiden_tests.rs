//! The `raiden` payout method end to end: payouts land off-chain once each and the derived
//! receipts name their channel and nonce; an offline payee is protected by a monitoring service
//! when the payer closes, and loses the payouts without one; misconfigurations are refused.

use crate::derived::{derive, RunTrace};
use crate::engine::world::RunOptions;
use crate::runner::run_in_memory;
use crate::scenario::load_str;
use crate::trace::{Record, Value};

fn metric(metrics: &[(String, Value)], name: &str) -> Option<f64> {
    metrics
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| match v {
            Value::Int(i) => *i as f64,
            Value::Real(r) => *r,
        })
}

/// Alice's wallet runs a Raiden node; the issuer owes her 5 tokens a minute for two 5-minute
/// periods; `extra` is appended to the payouts parameters, `alice` to alice's actor entry,
/// `actors` to the actor list.
fn scenario(extra: &str, alice: &str, actors: &str) -> String {
    format!(
        r#"
name: raiden-payouts
question: are raiden payouts paid once, off-chain, and protected?
seed: 11
duration: 25m
quiet: 5m
chains:
  l1: {{ block_time: 12s, base_fee_gwei: 1 }}
protocols:
  raiden: {{ chain: l1, settle_timeout: 240s }}
  payouts:
    chain: l1
    period: 5m
    periods: 2
    prefer: [raiden]
    payees:
      - {{ payee: alice, features: raiden }}
{extra}
actors:
  - {{ kind: raiden.participant, name: alice, payments: 0{alice} }}
  - {{ kind: payouts.issuer, name: issuer, every: 1m, until: 9m30s, amount: "5 ether", to: [alice] }}
  - {{ kind: payouts.payer, name: payer }}
{actors}
"#
    )
}

struct Outcome {
    metrics: Vec<(String, Value)>,
    receipts: String,
    proofs_sent: usize,
}

fn run(text: &str) -> Outcome {
    let sc = load_str(text, "raiden-payouts.yaml").unwrap_or_else(|e| panic!("{e}"));
    let (result, collected) = run_in_memory(&sc, sc.seed, RunOptions::default()).expect("runs");
    let failed: Vec<_> = result
        .checks
        .iter()
        .filter(|c| c.status.is_failure())
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    let run = RunTrace::from_collected(&collected).expect("trace");
    let files = derive(&run, Some("payouts")).expect("derives");
    let receipts = files
        .iter()
        .find(|f| f.path == "receipts.csv")
        .map(|f| String::from_utf8(f.bytes.clone()).unwrap())
        .expect("receipts.csv");
    let proofs_sent = collected
        .records
        .iter()
        .filter(|r| {
            matches!(r, Record::MsgSent { topic, .. } if topic == crate::protocols::raiden::BALANCE_PROOF_TOPIC)
        })
        .count();
    Outcome {
        metrics: result.metrics,
        receipts,
        proofs_sent,
    }
}

#[test]
fn raiden_payouts_land_off_chain_once_each_over_one_channel() {
    let o = run(&scenario("", "", ""));
    let m = |n: &str| metric(&o.metrics, n).unwrap_or_else(|| panic!("no metric {n}"));
    // Period 1 owes 20 tokens (fees at 1..4 min), period 2 owes 25 (5..9 min).
    assert_eq!(m("payouts.raiden.p1.payees"), 1.0);
    assert_eq!(m("payouts.raiden.p1.amount_tokens"), 20.0);
    assert_eq!(m("payouts.raiden.p2.amount_tokens"), 25.0);
    assert_eq!(m("payouts.paid_tokens"), 45.0);
    assert_eq!(m("payouts.raiden.held_by_payees_tokens"), 45.0);
    // One channel opened and funded (4 × 20 tokens) in period 1; period 2 fits the deposit and
    // needs no transaction, so its funds are available within the network latency.
    assert_eq!(m("payouts.raiden.channels_opened"), 1.0);
    assert_eq!(m("payouts.raiden.p1.txs"), 2.0);
    assert_eq!(metric(&o.metrics, "payouts.raiden.p2.txs"), Some(0.0));
    assert!(m("payouts.raiden.p1.funds_delay_s") >= 12.0);
    assert!(m("payouts.raiden.p2.funds_delay_s") < 1.0);
    assert_eq!(o.proofs_sent, 2);
    let alice_rows: Vec<&str> = o.receipts.lines().skip(1).collect();
    assert_eq!(alice_rows.len(), 2, "{}", o.receipts);
    assert!(
        alice_rows[0].starts_with("1,")
            && alice_rows[0].ends_with(",raiden,20000000000000000000,raiden:1:1"),
        "{}",
        o.receipts
    );
    assert!(
        alice_rows[1].starts_with("2,")
            && alice_rows[1].ends_with(",raiden,25000000000000000000,raiden:1:2"),
        "{}",
        o.receipts
    );
}

#[test]
fn an_offline_payee_keeps_its_payouts_only_with_a_monitoring_service() {
    let close = "    raiden: { close_at: 12m }";
    let offline = ", offline: [{ from: 11m, to: 25m }]";
    let with_ms = run(&scenario(
        close,
        offline,
        "  - { kind: raiden.monitoring_service, name: ms }",
    ));
    let without = run(&scenario(close, offline, ""));
    for o in [&with_ms, &without] {
        // Both periods were paid off-chain before alice went offline.
        assert_eq!(metric(&o.metrics, "payouts.paid_tokens"), Some(45.0));
        assert_eq!(
            metric(&o.metrics, "payouts.raiden.settled_channels"),
            Some(1.0)
        );
        assert_eq!(
            metric(&o.metrics, "payouts.raiden.close_settle_txs"),
            Some(2.0)
        );
    }
    // The service put the payer's newest proof (45 tokens) on chain: alice loses nothing.
    assert_eq!(metric(&with_ms.metrics, "raiden.updates"), Some(1.0));
    assert_eq!(
        metric(&with_ms.metrics, "payouts.raiden.settled_tokens"),
        Some(45.0)
    );
    assert_eq!(
        metric(&with_ms.metrics, "payouts.raiden.lost_tokens"),
        Some(0.0)
    );
    // Nobody did: the payer settled with its own slot empty and kept the 45 tokens.
    assert_eq!(metric(&without.metrics, "raiden.updates"), Some(0.0));
    assert_eq!(
        metric(&without.metrics, "payouts.raiden.settled_tokens"),
        Some(0.0)
    );
    assert_eq!(
        metric(&without.metrics, "payouts.raiden.lost_tokens"),
        Some(45.0)
    );
}

#[test]
fn raiden_needs_the_raiden_module_and_a_node_in_the_wallet() {
    let no_module =
        scenario("", "", "").replace("  raiden: { chain: l1, settle_timeout: 240s }\n", "");
    // Without the module, alice is no actor kind anyone knows: make her a plain payee.
    let no_module = no_module.replace(
        "raiden.participant, name: alice, payments: 0",
        "payouts.payee, name: alice",
    );
    let sc = load_str(&no_module, "x.yaml").unwrap_or_else(|e| panic!("{e}"));
    let Err(err) = run_in_memory(&sc, sc.seed, RunOptions::default()) else {
        panic!("must be refused");
    };
    assert!(
        err.to_string().contains("needs `protocols.raiden`"),
        "{err}"
    );

    let no_node = scenario("", "", "  - { kind: payouts.payee, name: bob }").replace(
        "      - { payee: alice, features: raiden }",
        "      - { payee: alice, features: raiden }\n      - { payee: bob, features: raiden }",
    );
    let sc = load_str(&no_node, "x.yaml").unwrap_or_else(|e| panic!("{e}"));
    let Err(err) = run_in_memory(&sc, sc.seed, RunOptions::default()) else {
        panic!("must be refused");
    };
    assert!(
        err.to_string().contains("payee `bob`") && err.to_string().contains("no Raiden node"),
        "{err}"
    );
}
