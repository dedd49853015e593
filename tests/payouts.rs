//! The payouts pipeline's derived files: `crucible verify` (and its alias `crucible payouts
//! verify`) recomputes invoices, payout CSVs and receipts from every payouts scenario's trace and
//! finds them identical; one changed byte in any written file is reported with its file and line.

use crucible::derived::{compare, derive, write_all, Mismatch, RunTrace};
use crucible::engine::world::RunOptions;
use crucible::runner::run_in_memory;
use crucible::scenario::load_file;
use std::path::{Path, PathBuf};

fn payouts_scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("payouts-") && n.ends_with(".yaml"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn verify_matches_every_payouts_scenario_and_names_a_changed_byte() {
    let scenarios = payouts_scenarios();
    assert!(scenarios.len() >= 3, "payouts scenarios exist");
    for path in scenarios {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let sc = load_file(&path).unwrap_or_else(|e| panic!("{e}"));
        let (_, collected) = run_in_memory(&sc, sc.seed, RunOptions::default()).expect("runs");
        let run = RunTrace::from_collected(&collected).expect("trace");
        let files = derive(&run, Some("payouts")).expect("derives");
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert!(paths.contains(&"invoices.csv"), "{name}: {paths:?}");
        assert!(paths.contains(&"receipts.csv"), "{name}: {paths:?}");
        assert!(
            paths
                .iter()
                .any(|p| p.starts_with("payouts/") && p.contains("/payouts-")),
            "{name}: no payout CSV in {paths:?}"
        );
        // What the accountant planned is exactly what the chain shows paid: every payout CSV row
        // has one receipt of its period, method, wallet and amount, and nothing else was paid.
        let mut planned = Vec::new();
        let mut paid = Vec::new();
        for f in &files {
            let text = String::from_utf8(f.bytes.clone()).unwrap();
            let parts: Vec<&str> = f.path.split('/').collect();
            if let ["payouts", period, file] = parts.as_slice() {
                if let Some(method) = file
                    .strip_prefix("payouts-")
                    .and_then(|m| m.strip_suffix(".csv"))
                {
                    for line in text.lines().skip(1) {
                        let (addr, amnt) = line.split_once(',').unwrap();
                        planned.push(format!("{period},{addr},{method},{amnt}"));
                    }
                }
            }
            if f.path == "receipts.csv" {
                for line in text.lines().skip(1) {
                    let cols: Vec<&str> = line.split(',').collect();
                    if cols[2] == "raiden" {
                        // `raiden:<channel id>:<nonce>`.
                        let ids: Vec<&str> = cols[4].split(':').collect();
                        assert!(
                            ids.len() == 3
                                && ids[0] == "raiden"
                                && ids[1..]
                                    .iter()
                                    .all(|n| n.parse::<u64>().is_ok_and(|n| n > 0)),
                            "{name}: {line}"
                        );
                    } else {
                        assert!(
                            cols[4].starts_with(&format!("{}:0x", cols[2])),
                            "{name}: {line}"
                        );
                    }
                    paid.push(cols[..4].join(","));
                }
            }
        }
        planned.sort();
        paid.sort();
        assert!(!planned.is_empty(), "{name}");
        assert_eq!(planned, paid, "{name}: planned payouts vs receipts");

        // Derivation is a function of the trace: twice the same bytes.
        assert_eq!(files, derive(&run, Some("payouts")).unwrap(), "{name}");

        let dir = tempfile::tempdir().unwrap();
        write_all(dir.path(), &files).unwrap();
        assert_eq!(
            compare(dir.path(), &files),
            vec![],
            "{name}: verify must match"
        );

        // Change one digit in the last line of receipts.csv (an amount or a hash).
        let receipts = dir.path().join("receipts.csv");
        let mut bytes = std::fs::read(&receipts).unwrap();
        let lines = bytes.iter().filter(|&&b| b == b'\n').count();
        let at = bytes.len() - 2;
        bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
        std::fs::write(&receipts, &bytes).unwrap();
        let found = compare(dir.path(), &files);
        assert_eq!(found.len(), 1, "{name}: {found:?}");
        match &found[0] {
            Mismatch::Differs { path, line, .. } => {
                assert_eq!(path, "receipts.csv", "{name}");
                assert_eq!(*line, lines, "{name}: the last line differs");
                assert!(found[0]
                    .to_string()
                    .contains("receipts.csv: differs at byte"));
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn payouts_verify_alias_reports_the_file_and_line() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/payouts-deny-cleared.yaml");
    let out = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_crucible");
    let run = std::process::Command::new(bin)
        .args(["run", "-q", "--out"])
        .arg(out.path())
        .arg(&path)
        .status()
        .unwrap();
    assert!(run.success());
    let trace = out.path().join("trace.bin");
    let ok = std::process::Command::new(bin)
        .args(["payouts", "verify"])
        .arg(&trace)
        .arg(out.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{text}");
    assert!(text.contains("verify: match"), "{text}");
    // bob's held row of period 1 is reported.
    let held = std::fs::read_to_string(out.path().join("payouts/1/held.csv")).unwrap();
    assert_eq!(held.lines().count(), 2, "{held}");
    // Change one byte on line 2 of period 2's l1 payouts.
    let csv = out.path().join("payouts/2/payouts-l1.csv");
    let mut bytes = std::fs::read(&csv).unwrap();
    let second = bytes.iter().position(|&b| b == b'\n').unwrap() + 3;
    bytes[second] = if bytes[second] == b'a' { b'b' } else { b'a' };
    std::fs::write(&csv, &bytes).unwrap();
    let bad = std::process::Command::new(bin)
        .args(["payouts", "verify"])
        .arg(&trace)
        .arg(out.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{text}");
    assert!(
        text.contains("payouts/2/payouts-l1.csv: differs at byte") && text.contains("(line 2)"),
        "{text}"
    );
}
