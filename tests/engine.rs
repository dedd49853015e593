//! World-level behaviour of the engine, observed through the trace: faults (offline, crash and
//! restart, censorship, inclusion delay, partitions, drops, base-fee spikes), the seed tree, and
//! determinism.

use crucible::engine::world::RunOptions;
use crucible::runner::{run_digest_only, run_in_memory};
use crucible::scenario::load_str;
use crucible::trace::{Header, Record};

const MIN: u64 = 60_000;
const HOUR: u64 = 60 * MIN;

fn scenario(actors: &str, faults: &str) -> String {
    format!(
        "name: t\nquestion: q\nseed: 7\nduration: 6h\nquiet: 30m\n\
         chains:\n  l1: {{ block_time: 12s, base_fee_gwei: 10 }}\n\
         protocols:\n  token: {{ chain: l1, slow_inclusion: 30m }}\n\
         actors:\n{actors}\nfaults:\n{faults}\nexpect:\n  invariants: [token.conservation, token.transfers_land]\n"
    )
}

const FOUR: &str = "  - { kind: token.payer, name: alice, every: 5m }\n  - { kind: token.payer, name: bob, every: 5m }\n  - { kind: token.payer, name: carol, every: 5m }\n  - { kind: token.payer, name: dave, every: 5m }";

fn run(text: &str) -> (Header, Vec<Record>, crucible::engine::RunResult) {
    let sc = load_str(text, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
    let (result, c) = run_in_memory(&sc, sc.seed, RunOptions::default()).unwrap();
    (c.header.unwrap(), c.records, result)
}

fn actor(h: &Header, name: &str) -> u32 {
    h.actors.iter().position(|a| a.name == name).unwrap() as u32
}

fn submissions(records: &[Record], who: u32) -> Vec<u64> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::TxSubmitted { t, actor, .. } if *actor == who => Some(*t),
            _ => None,
        })
        .collect()
}

fn faults(records: &[Record]) -> Vec<(u64, String, String, bool)> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Fault {
                t,
                kind,
                target,
                start,
            } => Some((*t, kind.clone(), target.clone(), *start)),
            _ => None,
        })
        .collect()
}

#[test]
fn offline_actor_does_nothing_and_receives_nothing_then_resumes() {
    let (h, recs, r) = run(&scenario(
        FOUR,
        "  offline: [{ actor: bob, from: 1h, to: 3h }]",
    ));
    let bob = actor(&h, "bob");
    let subs = submissions(&recs, bob);
    assert!(subs.iter().all(|t| *t < HOUR || *t >= 3 * HOUR), "{subs:?}");
    assert!(
        subs.iter().any(|t| *t >= 3 * HOUR),
        "bob resumes after the window"
    );
    assert!(subs.iter().any(|t| *t < HOUR));
    // Notices sent to bob while offline are dropped for that reason.
    let sent_to_bob: Vec<u64> = recs
        .iter()
        .filter_map(|x| match x {
            Record::MsgSent { id, to, t, .. }
                if *to == bob && *t >= HOUR && *t < 3 * HOUR - MIN =>
            {
                Some(*id)
            }
            _ => None,
        })
        .collect();
    assert!(!sent_to_bob.is_empty());
    for id in sent_to_bob {
        assert!(recs.iter().any(|x| matches!(x, Record::MsgDropped { id: i, reason, .. } if *i == id && reason == "receiver offline")));
    }
    assert_eq!(
        faults(&recs),
        vec![
            (HOUR, "offline".into(), "bob".into(), true),
            (3 * HOUR, "offline".into(), "bob".into(), false)
        ]
    );
    assert!(
        r.checks
            .iter()
            .filter(|c| c.kind != crucible::trace::CheckKind::Sometimes)
            .all(|c| !c.status.is_failure()),
        "{:?}",
        r.checks
    );
}

#[test]
fn crash_loses_timers_and_restart_starts_afresh() {
    let (h, recs, _) = run(&scenario(
        FOUR,
        "  crash: [{ actor: carol, at: 1h, restart_after: 2h }]",
    ));
    let carol = actor(&h, "carol");
    let timers: Vec<u64> = recs
        .iter()
        .filter_map(|x| match x {
            Record::Timer { t, actor, .. } if *actor == carol => Some(*t),
            _ => None,
        })
        .collect();
    assert!(
        timers.iter().all(|t| *t < HOUR || *t >= 3 * HOUR),
        "{timers:?}"
    );
    // A restarted actor starts again: it sets a fresh timer and keeps paying.
    assert!(timers.iter().any(|t| *t > 3 * HOUR));
    assert!(submissions(&recs, carol).iter().any(|t| *t > 3 * HOUR));
    assert_eq!(faults(&recs).len(), 2);
}

#[test]
fn crash_without_restart_ends_when_faults_stop() {
    let (h, recs, _) = run(&scenario(FOUR, "  crash: [{ actor: carol, at: 1h }]"));
    let carol = actor(&h, "carol");
    let subs = submissions(&recs, carol);
    assert!(subs.iter().all(|t| *t < HOUR || *t >= 6 * HOUR), "{subs:?}");
    assert!(faults(&recs).contains(&(6 * HOUR, "crash".into(), "carol".into(), false)));
}

#[test]
fn censorship_holds_transactions_until_the_window_ends() {
    let (h, recs, r) = run(&scenario(
        FOUR,
        "  censor: [{ chain: l1, senders: [dave], from: 1h, to: 2h }]",
    ));
    let dave = actor(&h, "dave");
    let mine: Vec<_> = recs
        .iter()
        .filter_map(|x| match x {
            Record::TxSubmitted { tx, actor, t, .. } if *actor == dave => Some((*tx, *t)),
            _ => None,
        })
        .collect();
    let mut held = 0;
    for (tx, submitted) in mine {
        let included = recs
            .iter()
            .find_map(|x| match x {
                Record::TxIncluded { tx: i, t, .. } if *i == tx => Some(*t),
                _ => None,
            })
            .expect("every transfer lands");
        assert!(
            !(HOUR..2 * HOUR).contains(&included),
            "included during censorship"
        );
        if (HOUR..2 * HOUR).contains(&submitted) {
            held += 1;
            assert!(included >= 2 * HOUR);
        }
    }
    assert!(held > 0);
    // The censored wait (up to an hour) reaches the `sometimes` property of 30 minutes.
    assert!(
        r.checks.iter().all(|c| !c.status.is_failure()),
        "{:?}",
        r.checks
    );
}

#[test]
fn inclusion_delay_applies_to_transactions_submitted_in_the_window() {
    let (h, recs, _) = run(&scenario(
        FOUR,
        "  delay: [{ chain: l1, senders: [alice], by: 10m, from: 1h, to: 2h }]",
    ));
    let alice = actor(&h, "alice");
    let mut checked = 0;
    for x in &recs {
        if let Record::TxSubmitted { tx, actor, t, .. } = x {
            if *actor != alice {
                continue;
            }
            let inc = recs.iter().find_map(|y| match y {
                Record::TxIncluded { tx: i, t, .. } if i == tx => Some(*t),
                _ => None,
            });
            let inc = inc.expect("lands");
            if (HOUR..2 * HOUR).contains(t) {
                assert!(inc >= t + 10 * MIN, "submitted {t} included {inc}");
                checked += 1;
            } else if *t < HOUR || *t >= 2 * HOUR + 10 * MIN {
                // Later nonces wait behind delayed ones; after that, no delay.
                assert!(inc < t + MIN, "only the window is delayed");
            }
        }
    }
    assert!(checked > 0);
}

#[test]
fn partitions_and_drops_cut_messages() {
    let (h, recs, _) = run(&scenario(
        FOUR,
        "  network:\n    drop: 0.3\n    partitions: [{ from: 0s, to: 6h, groups: [[alice, bob], [carol, dave]] }]",
    ));
    let group = |a: u32| {
        if a == actor(&h, "alice") || a == actor(&h, "bob") {
            0
        } else {
            1
        }
    };
    let (mut lost, mut cut, mut total) = (0, 0, 0);
    for x in &recs {
        if let Record::MsgSent {
            id, from, to, t, ..
        } = x
        {
            total += 1;
            let fate = recs.iter().find_map(|y| match y {
                Record::MsgDropped { id: i, reason, .. } if i == id => Some(reason.clone()),
                Record::MsgDelivered { id: i, .. } if i == id => Some("delivered".into()),
                _ => None,
            });
            let fate = fate.expect("every message has a fate");
            if group(*from) != group(*to) && *t < 6 * HOUR {
                assert_eq!(fate, "partition");
                cut += 1;
            } else if fate == "lost" {
                lost += 1;
            }
        }
    }
    assert!(cut > 0 && total > 20);
    let same_group = total - cut;
    // About 30% of the messages that could pass are lost (before faults stop).
    assert!(
        lost * 10 > same_group && lost * 10 < same_group * 6,
        "{lost} of {same_group}"
    );
}

#[test]
fn base_fee_spike_multiplies_the_charged_fee() {
    let (_, recs, _) = run(&scenario(FOUR, "  base_fee_spike: []"));
    let text = scenario(
        FOUR,
        "  base_fee_spike: [{ chain: l1, from: 2h, to: 3h, multiplier: 50 }]",
    );
    let (_, spiked, _) = run(&text);
    let fee_at = |rs: &[Record], at: u64| {
        rs.iter()
            .find_map(|x| match x {
                Record::Block { t, base_fee, .. } if *t >= at => Some(*base_fee),
                _ => None,
            })
            .unwrap()
    };
    let before = fee_at(&spiked, 2 * HOUR - 12_000);
    let during = fee_at(&spiked, 2 * HOUR + 6 * MIN);
    assert!(during >= before * 20, "before {before}, during {during}");
    assert!(fee_at(&spiked, 3 * HOUR + 30 * MIN) < during / 10);
    // Outside the window the spiked run charges what the plain run does at the start.
    assert_eq!(fee_at(&recs, 30 * MIN), fee_at(&spiked, 30 * MIN));
}

#[test]
fn adding_an_actor_does_not_change_another_actors_draws() {
    let three = "  - { kind: token.payer, name: alice, every: 5m, to: [bob] }\n  - { kind: token.payer, name: bob, every: 5m, to: [alice] }";
    let more = format!("{three}\n  - {{ kind: token.payer, name: zed, every: 1m, to: [zed2] }}\n  - {{ kind: token.payer, name: zed2, every: 1m, to: [zed] }}");
    let (h1, r1, _) = run(&scenario(three, "  offline: []"));
    let (h2, r2, _) = run(&scenario(&more, "  offline: []"));
    let timers = |h: &Header, rs: &[Record]| {
        let a = actor(h, "alice");
        rs.iter()
            .filter_map(|x| match x {
                Record::Timer { t, actor, .. } if *actor == a => Some(*t),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert!(!timers(&h1, &r1).is_empty());
    assert_eq!(timers(&h1, &r1), timers(&h2, &r2));
    assert_eq!(h1.actors[0].address, h2.actors[0].address);
}

#[test]
fn same_seed_same_digest_other_seed_other_digest() {
    let sc = load_str(&scenario(FOUR, "  network: { drop: 0.1 }"), "t.yaml").unwrap();
    let a = run_digest_only(&sc, 1, RunOptions::default()).unwrap();
    let b = run_digest_only(&sc, 1, RunOptions::default()).unwrap();
    let c = run_digest_only(&sc, 2, RunOptions::default()).unwrap();
    assert_eq!(a.digest, b.digest);
    assert_ne!(a.digest, c.digest);
    // Runs on other threads give the same digest (no thread-dependent state).
    let text = scenario(FOUR, "  network: { drop: 0.1 }");
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let text = text.clone();
            std::thread::spawn(move || {
                let sc = load_str(&text, "t.yaml").unwrap();
                run_digest_only(&sc, 1, RunOptions::default())
                    .unwrap()
                    .digest
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), a.digest);
    }
}

#[test]
fn receipts_that_come_while_offline_are_delivered_on_return() {
    // Erin submits at 10m; the transfer is included at 10m12s while she is offline (from 10m05s);
    // she learns of it when she is back at 1h, so nothing is left in flight.
    let text = scenario(
        "  - { kind: token.payer, name: erin, every: 10m, fixed_interval: true, until: 10m }\n  - { kind: token.payer, name: frank, every: 1h, until: 1m }",
        "  offline: [{ actor: erin, from: 10m5s, to: 1h }]",
    );
    let (h, records, result) = run(&text);
    let erin = actor(&h, "erin");
    assert_eq!(submissions(&records, erin), vec![10 * MIN]);
    let included_at = records
        .iter()
        .find_map(|r| match r {
            Record::TxIncluded { t, .. } => Some(*t),
            _ => None,
        })
        .expect("erin's transfer is included");
    assert!(included_at > 10 * MIN + 5_000 && included_at < HOUR);
    let land = result
        .checks
        .iter()
        .find(|c| c.name == "token.transfers_land")
        .unwrap();
    assert_eq!(
        land.status,
        crucible::check::CheckStatus::Held,
        "{:?}",
        land.detail
    );
}
