//! Reimbursement tests over real runs: the files are byte-identical across runs and under
//! `verify`, a changed byte is named, the online watcher (Run A) and the trace (Run B) must
//! agree, and the spec's reimbursement checks (payees, first copy only, merge sniper, the
//! first-child miss) hold in spec and pr649-compat mode.

use super::canonical::TimerCall;
use super::{run_offline, spec_payments, Mode, PaymentKind, DIR};
use crate::derived::{compare, derive, write_all, DerivedFile, Mismatch, RunTrace};
use crate::engine::world::RunOptions;
use crate::runner::run_in_memory;
use crate::scenario::load_str;
use crate::trace::Record;
use alloy_primitives::{Address, B256};
use std::collections::BTreeSet;
use std::path::Path;

fn scenario_text(stem: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{stem}.yaml"));
    std::fs::read_to_string(path).expect("scenario exists")
}

/// Runs a scenario text in memory; returns the trace as Run B reads it.
fn run(text: &str) -> RunTrace {
    let sc = load_str(text, "test.yaml").unwrap_or_else(|e| panic!("{e}"));
    let (_, collected) = run_in_memory(&sc, sc.seed, RunOptions::default()).expect("runs");
    RunTrace::from_collected(&collected).expect("header")
}

fn addr_of(run: &RunTrace, name: &str) -> Address {
    run.header
        .actors
        .iter()
        .find(|a| a.name == name)
        .expect("actor")
        .address
}

fn json(f: &DerivedFile) -> serde_json::Value {
    serde_json::from_slice(&f.bytes).expect("valid JSON")
}

#[test]
fn files_are_reproducible_verified_and_a_changed_byte_is_named() {
    let text = scenario_text("bold-payments-tiny");
    let a = run(&text);
    let files = derive(&a, Some("bold")).expect("Run A and Run B agree");
    let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert!(names
        .iter()
        .any(|n| n.starts_with("payments/spec_gas_0000000004_")));
    assert!(names.iter().any(|n| n.starts_with("payments/spec_fee_")));
    assert!(names
        .iter()
        .any(|n| n.starts_with("payments/pending_gas_payment_")
            && n.contains("_confirmed_claimed_assertion_0x")));
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("payments/pending_srv_fee_payment_")
                && n.contains("_assertion_0x"))
    );
    assert!(names.contains(&"payments/index.json"));
    // Encoding: compact, sorted keys, one trailing newline, integers as plain numbers.
    for f in &files {
        let s = std::str::from_utf8(&f.bytes).expect("UTF-8");
        assert!(s.ends_with("}\n") || s.ends_with("]\n"), "{}", f.path);
        assert_eq!(s.matches('\n').count(), 1, "{}", f.path);
        assert!(!s.contains(' '), "{}: no insignificant whitespace", f.path);
        if let serde_json::Value::Object(m) = json(f) {
            let keys: Vec<&String> = m.keys().collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted, "{}", f.path);
        }
    }
    // Gas amounts: gasUsed × min(effectiveGasPrice, cap), the cap twice the base fee.
    for f in files
        .iter()
        .filter(|f| f.path.starts_with("payments/spec_gas_"))
    {
        let j = json(f);
        let n = |k: &str| j[k].as_u64().unwrap_or_else(|| panic!("{k} in {}", f.path)) as u128;
        let price = n("effective_gas_price_wei").min(n("gas_price_cap_wei"));
        assert_eq!(n("amount_wei"), n("gas_used") * price, "{}", f.path);
        assert_eq!(j["mode"], "spec");
    }
    // The service fee: T(A) from creation to the honest successor, M = floor(T·B·R/(1e4·θ)),
    // and the paid intervals [created, successor) are pairwise disjoint (R2).
    let mut intervals = Vec::new();
    for f in files
        .iter()
        .filter(|f| f.path.starts_with("payments/spec_fee_"))
    {
        let j = json(f);
        let n = |k: &str| j[k].as_u64().unwrap_or_else(|| panic!("{k} in {}", f.path));
        let t = n("t_blocks");
        assert_eq!(t, n("successor_created_at_block") - n("created_at_block"));
        assert_eq!(
            n("amount_wei"),
            t * n("bond_wei") * n("apy_bps") / (10_000 * n("blocks_per_year"))
        );
        intervals.push((n("created_at_block"), n("successor_created_at_block")));
    }
    assert!(!intervals.is_empty());
    intervals.sort();
    assert!(intervals.windows(2).all(|w| w[0].1 <= w[1].0));
    // A second run gives the same bytes.
    let b = run(&text);
    assert_eq!(derive(&b, Some("bold")).expect("derives"), files);
    // verify: match, then a changed byte and a missing file are named.
    let dir = std::env::temp_dir().join(format!("crucible-bold-pay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write_all(&dir, &files).expect("writes");
    assert!(compare(&dir, &files).is_empty());
    let victim = &files[0].path;
    let mut bytes = std::fs::read(dir.join(victim)).unwrap();
    bytes[3] ^= 1;
    std::fs::write(dir.join(victim), &bytes).unwrap();
    std::fs::remove_file(dir.join(&files[1].path)).unwrap();
    std::fs::write(dir.join("payments/stray.json"), b"{}\n").unwrap();
    let found = compare(&dir, &files);
    assert_eq!(found.len(), 3);
    assert!(matches!(&found[2], Mismatch::Extra { path } if path == "payments/stray.json"));
    assert!(matches!(&found[0], Mismatch::Differs { path, offset: 3, .. } if path == victim));
    assert!(matches!(&found[1], Mismatch::Missing { path } if *path == files[1].path));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn online_watcher_and_trace_must_agree() {
    let mut run_b = run(&scenario_text("bold-payments-tiny"));
    let watcher = run_b
        .header
        .actors
        .iter()
        .position(|a| a.kind == "bold.watcher")
        .expect("watcher") as u32;
    let noted = |r: &RunTrace| {
        r.records
            .iter()
            .filter(|r| matches!(r, Record::Note { actor, text, .. } if *actor == watcher && text.starts_with(super::NOTE_PREFIX)))
            .count()
    };
    assert!(noted(&run_b) > 10, "the watcher notes its files online");
    // A different keccak in one note: the run fails naming the file.
    let mut tampered = RunTrace {
        header: run_b.header.clone(),
        scenario: load_str(&run_b.header.scenario, "t.yaml").unwrap(),
        records: run_b.records.clone(),
    };
    let mut name = String::new();
    for r in tampered.records.iter_mut() {
        if let Record::Note { actor, text, .. } = r {
            if *actor == watcher && text.starts_with(super::NOTE_PREFIX) {
                let path = text[super::NOTE_PREFIX.len()..]
                    .split(' ')
                    .next()
                    .unwrap()
                    .to_string();
                *text = format!("{}{path} {}", super::NOTE_PREFIX, B256::repeat_byte(7));
                name = path;
                break;
            }
        }
    }
    let err = derive(&tampered, Some("bold")).unwrap_err().to_string();
    assert!(
        err.contains(&name) && err.contains("online keccak"),
        "{err}"
    );
    // A file the watcher never wrote: the run fails too.
    let i = run_b
        .records
        .iter()
        .position(|r| matches!(r, Record::Note { actor, text, .. } if *actor == watcher && text.starts_with(super::NOTE_PREFIX)))
        .unwrap();
    run_b.records.remove(i);
    let err = derive(&run_b, Some("bold")).unwrap_err().to_string();
    assert!(err.contains("never written online"), "{err}");
}

#[test]
fn spec_mode_pays_honest_senders_and_only_the_first_copy() {
    // Three uncoordinated defenders race for every move; duplicates revert.
    let r = run(&scenario_text("bold-multi-honest"));
    let honest: BTreeSet<Address> = r
        .header
        .actors
        .iter()
        .filter(|a| a.kind == "bold.defender" || a.kind == "bold.proposer")
        .map(|a| a.address)
        .collect();
    let reverted = r
        .records
        .iter()
        .filter(|x| {
            matches!(
                x,
                Record::TxIncluded {
                    outcome: crate::trace::Outcome::Reverted { .. },
                    ..
                }
            )
        })
        .count();
    assert!(reverted > 0, "the race produced reverted duplicates");
    let pays = spec_payments(&r).expect("computes");
    let gas: Vec<_> = pays.iter().filter(|p| p.kind == PaymentKind::Gas).collect();
    assert!(
        gas.len() >= 10,
        "the whole honest game is paid: {}",
        gas.len()
    );
    assert!(gas.iter().all(|p| honest.contains(&p.payee)));
    let files = derive(&r, Some("bold")).unwrap();
    let mut classes = BTreeSet::new();
    for f in files
        .iter()
        .filter(|f| f.path.starts_with(&format!("{DIR}/spec_gas_")))
    {
        let j = json(f);
        let action = j["action"].as_str().unwrap().to_string();
        assert!([
            "CreateRoot",
            "Bisect",
            "Refine",
            "OneStepProve",
            "UpdateTimers"
        ]
        .contains(&action.as_str()));
        if action != "UpdateTimers" {
            assert!(
                classes.insert((action, j["edge_id"].as_str().unwrap().to_string())),
                "{}: an action paid twice",
                f.path
            );
        }
    }
    let kinds: BTreeSet<&str> = classes.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        kinds.len(),
        4,
        "create, bisect, refine and prove are all paid: {kinds:?}"
    );
}

#[test]
fn merge_sniper_is_paid_by_compat_d7_and_never_by_spec_mode() {
    let text = scenario_text("bold-snipe");
    let r = run(&text);
    let sniper = addr_of(&r, "sniper");
    let cfg = super::params_of(&r).unwrap();
    let all = run_offline(&r, &cfg).unwrap().payments;
    let to_sniper = |mode| {
        all.iter()
            .filter(|p| p.mode == mode && p.payee == sniper)
            .count()
    };
    assert!(to_sniper(Mode::Compat) > 0, "D7 pays the sniper");
    assert_eq!(to_sniper(Mode::Spec), 0);
    assert!(spec_payments(&r).unwrap().iter().all(|p| p.payee != sniper));
    // D7 off (intended): bisections are charged to the bisector of the honest edge.
    let mut intended = cfg.clone();
    intended.reimb.pr649.bisect_const_per_child = false;
    let all = run_offline(&r, &intended).unwrap().payments;
    assert!(all
        .iter()
        .filter(|p| p.mode == Mode::Compat)
        .all(|p| p.payee != sniper));
}

#[test]
fn first_child_miss_hides_the_honest_first_child_from_compat() {
    // The honest assertion is the first child; its rival lands blocks later (D4).
    let r = run(&scenario_text("bold-one-evil-tiny"));
    let cfg = super::params_of(&r).unwrap();
    let compat_gas = |c: &crate::protocols::bold::Params| {
        run_offline(&r, c)
            .unwrap()
            .payments
            .iter()
            .filter(|p| p.mode == Mode::Compat && p.kind == PaymentKind::Gas)
            .count()
    };
    assert_eq!(compat_gas(&cfg), 0, "never watched, never paid");
    let mut intended = cfg.clone();
    intended.reimb.pr649.first_child_miss = false;
    assert!(compat_gas(&intended) > 0);
    // Spec mode pays the honest game regardless.
    assert!(!spec_payments(&r).unwrap().is_empty());
}

/// The `bold.reimbursement` obligation source of the payouts pipeline sees exactly the spec-mode
/// payments Run B recomputes from the same trace (non-zero ones, one wei to one base unit), and
/// the payouts files derived from that trace invoice and pay them to the honest defender.
#[test]
fn payouts_source_sees_the_spec_payments() {
    use crate::protocols::payouts::obligations::{self, LogView, BASE_UNITS_PER_WEI};
    use alloy_primitives::U256;

    let run = run(&scenario_text("payouts-bold-reimbursement"));
    let contract = |name: &str| {
        run.header
            .contracts
            .iter()
            .find(|c| c.name == name)
            .map(|c| (c.chain, c.address))
    };
    let bound = obligations::bind(contract);
    assert!(bound
        .iter()
        .any(|b| b.source.name() == "bold.reimbursement"));
    let mut seen: Vec<(Address, U256)> = Vec::new();
    for r in &run.records {
        if let Record::Log {
            chain,
            address,
            topics,
            data,
            ..
        } = r
        {
            let view = LogView {
                address: *address,
                topics,
                data,
            };
            for o in obligations::from_log(&bound, *chain, &view) {
                if o.source == "bold.reimbursement" {
                    assert_eq!(o.role, "validator");
                    seen.push((o.payee, o.owed));
                }
            }
        }
    }
    let expected: Vec<(Address, U256)> = spec_payments(&run)
        .expect("spec payments")
        .into_iter()
        .filter(|p| !p.amount.is_zero())
        .map(|p| (p.payee, p.amount * U256::from(BASE_UNITS_PER_WEI)))
        .collect();
    assert!(!expected.is_empty(), "the game produced spec-mode payments");
    assert_eq!(seen, expected);
    let defender = addr_of(&run, "defender");
    assert!(expected.iter().all(|(p, _)| *p == defender));
    let total: U256 = expected.iter().map(|(_, a)| *a).sum();

    // The derived payouts files: one invoice row, one l1 payout, one receipt, for that total.
    let files = derive(&run, Some("payouts")).expect("payouts files derive");
    let file = |path: &str| {
        let f = files
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("{path} derived"));
        String::from_utf8(f.bytes.clone()).expect("UTF-8")
    };
    assert_eq!(
        file("invoices.csv"),
        format!(
            "period,payee,role,wallet,wallet-features,source,owed\n\
             1,defender,validator,{defender:#x},,bold.reimbursement,{total}\n"
        )
    );
    assert_eq!(
        file("payouts/1/payouts-l1.csv"),
        format!("addr,amnt\n{defender:#x},{total}\n")
    );
    let receipts = file("receipts.csv");
    let rows: Vec<&str> = receipts.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{receipts}");
    assert!(
        rows[0].starts_with(&format!("1,{defender:#x},l1,{total},l1:0x")),
        "{receipts}"
    );
    // `verify`: the files written for the run match a fresh derivation byte for byte.
    let dir = std::env::temp_dir().join(format!("crucible-bold-payouts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write_all(&dir, &files).expect("writes");
    let again = derive(&run, None).expect("bold and payouts files derive");
    let payouts_again: Vec<DerivedFile> = again
        .into_iter()
        .filter(|f| !f.path.starts_with(DIR))
        .collect();
    assert!(compare(&dir, &payouts_again).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn posting_to_the_ledger_needs_one_watcher() {
    let text = scenario_text("payouts-bold-reimbursement")
        .replace("  - { kind: bold.watcher, name: watcher }\n", "");
    let sc = load_str(&text, "test.yaml").unwrap_or_else(|e| panic!("{e}"));
    let err = match run_in_memory(&sc, sc.seed, RunOptions::default()) {
        Ok(_) => panic!("runs without a watcher"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains(
            "`reimbursement.post_to_ledger` needs exactly one `bold.watcher` actor, found 0"
        ),
        "{err}"
    );
}

/// The pr649-compat files of a run under `cfg` with `flip` applied to its flags: name → JSON.
fn compat_files(
    r: &RunTrace,
    cfg: &crate::protocols::bold::Params,
    flip: impl Fn(&mut super::compat::Pr649),
) -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut c = cfg.clone();
    flip(&mut c.reimb.pr649);
    run_offline(r, &c)
        .unwrap()
        .files()
        .iter()
        .filter(|f| f.path.starts_with("payments/pending_"))
        .map(|f| (f.path.clone(), json(f)))
        .collect()
}

/// `payee → (confirmation, creation)` of the one compat gas file.
fn gas_file(
    files: &std::collections::BTreeMap<String, serde_json::Value>,
) -> std::collections::BTreeMap<String, (u64, u64)> {
    let gas: Vec<_> = files
        .iter()
        .filter(|(n, _)| n.starts_with("payments/pending_gas_payment_"))
        .collect();
    assert_eq!(gas.len(), 1, "{:?}", files.keys());
    gas[0].1["payable_addresses"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(a, v)| {
            let n = |k: &str| v[k].as_u64().unwrap();
            (
                a.clone(),
                (
                    n("confirmation_total_cost_gwei"),
                    n("creation_total_cost_gwei"),
                ),
            )
        })
        .collect()
}

/// A transaction's gas and effective price, and its block's base fee, from the trace records.
fn receipt_of(r: &RunTrace, tx: B256) -> (u128, u128, u128) {
    let mut fees = std::collections::BTreeMap::new();
    for rec in &r.records {
        match rec {
            Record::Block {
                number, base_fee, ..
            } => {
                fees.insert(*number, *base_fee);
            }
            Record::TxIncluded {
                block,
                tx: h,
                gas_used,
                effective_gas_price,
                ..
            } if *h == tx => return (*gas_used as u128, *effective_gas_price, fees[block]),
            _ => {}
        }
    }
    panic!("{tx} never included")
}

#[test]
fn d8_payee_tx_sender_pays_the_sniper_and_the_stakers_rule_does_not() {
    // The sniper's bisections created shared lower children of the honest path (bold-snipe).
    let r = run(&scenario_text("bold-snipe"));
    let cfg = super::params_of(&r).unwrap();
    let sniper = format!("{:#x}", addr_of(&r, "sniper"));
    let defender = format!("{:#x}", addr_of(&r, "defender"));
    let faithful = gas_file(&compat_files(&r, &cfg, |_| {}));
    assert!(
        faithful.contains_key(&sniper),
        "the tx sender is paid: {faithful:?}"
    );
    let intended = gas_file(&compat_files(&r, &cfg, |p| p.payee_tx_sender = false));
    // Every edge of the honest root's paths is paid to the root's staker, the defender; the
    // amounts only move between payees.
    assert_eq!(intended.keys().collect::<Vec<_>>(), vec![&defender]);
    let total = |m: &std::collections::BTreeMap<String, (u64, u64)>| {
        m.values().map(|(a, b)| a + b).sum::<u64>()
    };
    assert_eq!(total(&faithful), total(&intended));
}

#[test]
fn d9_unpaid_actions_leaves_out_timer_updates_and_the_assertions_own_transactions() {
    let r = run(&scenario_text("bold-payments-tiny"));
    let cfg = super::params_of(&r).unwrap();
    let files = compat_files(&r, &cfg, |_| {});
    let fee = files
        .iter()
        .find(|(n, _)| n.contains("pending_srv_fee_payment_"))
        .expect("a service-fee file")
        .1;
    let tx = |k: &str| fee[k].as_str().unwrap().parse::<B256>().unwrap();
    let staker = fee["staker"].as_str().unwrap().to_string();
    let faithful = gas_file(&files);
    let intended = gas_file(&compat_files(&r, &cfg, |p| p.unpaid_actions = false));
    // The assertion's creation, priced like the estimates (gas × base fee, gwei), goes to its
    // creator on top of the path edges.
    let (gas, _, base) = receipt_of(&r, tx("staked_item_creation_tx_hash"));
    assert_eq!(
        intended[&staker].1 - faithful[&staker].1,
        (gas * base / 1_000_000_000) as u64
    );
    // Its confirmAssertion goes to that transaction's sender, the proposer here.
    let confirm = tx("staked_item_confirmation_tx_hash");
    let (gas, _, base) = receipt_of(&r, confirm);
    let proposer = format!("{:#x}", addr_of(&r, "proposer"));
    assert!(!faithful.contains_key(&proposer));
    assert_eq!(
        intended[&proposer],
        ((gas * base / 1_000_000_000) as u64, 0)
    );
    // And the defender's timer updates raise its confirmation column.
    assert!(intended[&staker].0 > faithful[&staker].0);
}

#[test]
fn d10_service_fee_rule_runs_to_the_first_child_and_pays_edges() {
    // D1 off so that refinements are processed and their fees written at all.
    let r = run(&scenario_text("bold-payments-tiny"));
    let cfg = super::params_of(&r).unwrap();
    let fees = |files: std::collections::BTreeMap<String, serde_json::Value>| {
        files
            .into_iter()
            .filter(|(n, _)| n.contains("pending_srv_fee_payment_"))
            .collect::<Vec<_>>()
    };
    let faithful = fees(compat_files(&r, &cfg, |p| p.graph_never_stored = false));
    assert!(
        faithful.iter().any(|(n, _)| n.contains("_edge_")),
        "edges earn a fee: {faithful:?}"
    );
    let intended = fees(compat_files(&r, &cfg, |p| {
        p.graph_never_stored = false;
        p.service_fee_rule = false;
    }));
    assert!(intended.iter().all(|(n, _)| n.contains("_assertion_")));
    assert!(!intended.is_empty());
    // Each assertion fee runs from its creation to its confirmed child's creation and is
    // written when that child's confirmation is scanned.
    let st = run_offline(&r, &cfg).unwrap().state;
    for (name, j) in &intended {
        let item: B256 = j["staked_item_hash"].as_str().unwrap().parse().unwrap();
        let child = st
            .assertions
            .values()
            .find(|a| a.parent == item && a.confirmed.is_some())
            .expect("a confirmed successor");
        let parent = &st.assertions[&item];
        assert_eq!(
            j["num_blocks_payable"].as_u64().unwrap(),
            child.created - parent.created
        );
        let trigger = child.confirmed.unwrap().0;
        assert!(
            name.starts_with(&format!("payments/pending_srv_fee_payment_{trigger:010}_")),
            "{name}"
        );
    }
}

#[test]
fn d12_estimated_gas_ignores_the_receipts() {
    // D6 off: each edge once, so the block-level confirmation is the root's alone.
    let r = run(&scenario_text("bold-payments-tiny"));
    let cfg = super::params_of(&r).unwrap();
    let defender = format!("{:#x}", addr_of(&r, "defender"));
    let st = run_offline(&r, &cfg).unwrap().state;
    let root = st
        .edges
        .values()
        .find(|e| e.level == 0 && e.layer_zero && e.honest)
        .expect("the honest root");
    let (_, confirm_tx) = root.confirmed.expect("confirmed");
    let (gas, price, base) = receipt_of(&r, confirm_tx);
    let faithful = gas_file(&compat_files(&r, &cfg, |p| p.per_path_sum = false));
    assert_eq!(
        faithful[&defender].0,
        (base * 113_097 / 1_000_000_000) as u64,
        "the PoC's confirmation-by-time constant × base fee"
    );
    let intended = gas_file(&compat_files(&r, &cfg, |p| {
        p.per_path_sum = false;
        p.estimated_gas = false;
    }));
    assert_eq!(
        intended[&defender].0,
        (gas * price / 1_000_000_000) as u64,
        "the receipt's gasUsed × effectiveGasPrice"
    );
    assert_ne!(intended[&defender].1, faithful[&defender].1);
}

/// The calldata of every submitted transaction, from the trace.
fn inputs(r: &RunTrace) -> std::collections::BTreeMap<B256, alloy_primitives::Bytes> {
    r.records
        .iter()
        .filter_map(|x| match x {
            Record::TxSubmitted { tx, input, .. } => Some((*tx, input.clone())),
            _ => None,
        })
        .collect()
}

/// Spec-mode gas files of timer updates: (tx hash, decoded call).
fn paid_timer_calls(r: &RunTrace) -> Vec<(B256, TimerCall)> {
    let calls = inputs(r);
    derive(r, Some("bold"))
        .expect("Run A and Run B agree (payments verify)")
        .iter()
        .filter(|f| f.path.starts_with(&format!("{DIR}/spec_gas_")))
        .map(json)
        .filter(|j| j["action"] == "UpdateTimers")
        .map(|j| {
            let tx: B256 = j["tx_hash"].as_str().unwrap().parse().unwrap();
            let call = TimerCall::decode(&calls[&tx]).expect("a paid timer update decodes");
            (tx, call)
        })
        .collect()
}

#[test]
fn spec_mode_pays_only_canonically_batched_timer_updates_and_compat_pays_both() {
    let per_edge_text = scenario_text("bold-timer-batching");
    let canonical_text = per_edge_text.replace(", timer_batching: per_edge", "");
    assert_ne!(per_edge_text, canonical_text);
    let canonical = run(&canonical_text);
    let per_edge = run(&per_edge_text);

    // The canonical defender: its timer updates are paid, all of them canonical forms, and
    // nothing is left unpaid for its calldata.
    let paid = paid_timer_calls(&canonical);
    assert!(
        paid.iter()
            .any(|(_, c)| matches!(c, TimerCall::MultiByChildren { .. })),
        "batched run updates are paid: {paid:?}"
    );
    let cfg = super::params_of(&canonical).unwrap();
    let r = run_offline(&canonical, &cfg).unwrap();
    assert!(r.spec_skipped().is_empty(), "{:?}", r.spec_skipped());

    // The per-edge defender: the same caches, raised by updateTimerCacheByChildren calls that
    // succeed and are refused one by one; only the level-boundary claim updates are paid.
    let cfg = super::params_of(&per_edge).unwrap();
    let r = run_offline(&per_edge, &cfg).unwrap();
    let skipped = r.spec_skipped();
    assert!(!skipped.is_empty());
    let calls = inputs(&per_edge);
    for s in skipped {
        assert!(matches!(
            TimerCall::decode(&calls[&s.tx]),
            Some(TimerCall::ByChildren { .. })
        ));
        assert!(s.reason.contains("not a canonical form"), "{}", s.reason);
    }
    let paid = paid_timer_calls(&per_edge);
    assert!(
        paid.iter()
            .all(|(_, c)| matches!(c, TimerCall::ByClaim { .. })),
        "only the claim updates are paid: {paid:?}"
    );
    let spec_total = |r: &RunTrace| -> alloy_primitives::U256 {
        spec_payments(r)
            .unwrap()
            .iter()
            .filter(|p| p.kind == PaymentKind::Gas && p.action == "UpdateTimers")
            .map(|p| p.amount)
            .sum()
    };
    assert!(spec_total(&per_edge) < spec_total(&canonical));
    // The online watcher noted each refusal with its reason.
    let noted = per_edge
        .records
        .iter()
        .filter(|x| matches!(x, Record::Note { text, .. } if text.starts_with(super::SKIP_PREFIX)))
        .count();
    assert_eq!(noted, skipped.len());

    // pr649-compat with D9 off pays the defender's timer updates in both runs: its
    // confirmation column grows over the D9-on files whatever the batching.
    for run in [&canonical, &per_edge] {
        let cfg = super::params_of(run).unwrap();
        let defender = format!("{:#x}", addr_of(run, "defender"));
        let faithful = gas_file(&compat_files(run, &cfg, |p| p.unpaid_actions = true));
        let intended = gas_file(&compat_files(run, &cfg, |p| p.unpaid_actions = false));
        assert!(intended[&defender].0 > faithful[&defender].0);
    }
}

#[test]
fn timer_calls_decode_only_from_their_standard_encoding() {
    let call = TimerCall::MultiByChildren {
        ids: vec![B256::repeat_byte(1), B256::repeat_byte(2)],
        max: alloy_primitives::U256::from(42u64),
    };
    let bytes = call.encode();
    assert_eq!(TimerCall::decode(&bytes), Some(call.clone()));
    // Trailing bytes or another function: not a timer-cache update as sent canonically.
    let mut longer = bytes.clone();
    longer.extend([0u8; 32]);
    assert_eq!(TimerCall::decode(&longer), None);
    assert_eq!(TimerCall::decode(&bytes[..3]), None);
    let claim = TimerCall::ByClaim {
        id: B256::repeat_byte(3),
        claiming: B256::repeat_byte(4),
        max: alloy_primitives::U256::MAX,
    };
    assert_eq!(TimerCall::decode(&claim.encode()), Some(claim));
    let mut other = bytes;
    other[0] ^= 0xff;
    assert_eq!(TimerCall::decode(&other), None);
}

/// The same chain effects under other calldata: a canonical batch with its gate moved by one,
/// or its edges in another order, is no longer paid (checked on the trace, by rewriting the
/// recorded calldata of one paid update and recomputing).
#[test]
fn a_paid_batch_with_another_gate_or_order_is_not_paid() {
    let mut r = run(&scenario_text("bold-payments-tiny"));
    let cfg = super::params_of(&r).unwrap();
    let original = r.records.clone();
    let (tx, call) = paid_timer_calls(&r)
        .into_iter()
        .find(|(_, c)| matches!(c, TimerCall::MultiByChildren { ids, .. } if ids.len() >= 2))
        .expect("a paid batch of two or more edges");
    let TimerCall::MultiByChildren { ids, max } = call else {
        unreachable!()
    };
    let variants = [
        TimerCall::MultiByChildren {
            ids: ids.clone(),
            max: max + alloy_primitives::U256::from(1u8),
        },
        TimerCall::MultiByChildren {
            ids: ids.iter().rev().copied().collect(),
            max,
        },
    ];
    for v in variants {
        r.records = original.clone();
        for x in r.records.iter_mut() {
            if let Record::TxSubmitted { tx: h, input, .. } = x {
                if *h == tx {
                    *input = v.encode().into();
                }
            }
        }
        let out = run_offline(&r, &cfg).unwrap();
        let skip = out
            .spec_skipped()
            .iter()
            .find(|s| s.tx == tx)
            .unwrap_or_else(|| panic!("{v:?} was paid"));
        assert!(
            skip.reason.contains("not batched or gated"),
            "{}",
            skip.reason
        );
        assert_eq!(out.spec_skipped().len(), 1);
    }
}
