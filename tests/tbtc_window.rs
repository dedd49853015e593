//! `crucible tbtc window` as a user runs it: one valid window and bad inputs.

use crucible::protocols::tbtc::{self, checklist::ChecklistParams, gorand, leader};
use std::process::{Command, Output};

const PKH: &str = "aa768412ceed10bd423c025542ca90071f9fb62d";
const SAFE_HASH: &str = "1322996cbcbc38fc924a46f4df5f9064279d3ab43396e58386dac9b87440d64f";
const SEED: &str = "e55c779d6d83183409ddc90c6cd5130567f0593349a9c82494b402048ec2d03d";
const OPS: [&str; 5] = [
    "0x52908400098527886e0f7030069857d2e4169ee7",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
    "0x52908400098527886e0f7030069857d2e4169ee7",
    "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359",
];

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crucible"))
        .arg("tbtc")
        .arg("window")
        .args(args)
        .output()
        .unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().count(), 1, "one JSON object: {out}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn valid_window_from_wallet_and_safe_block_hash() {
    let ops = OPS.join(",");
    let o = run(&[
        "--operators",
        &ops,
        "--wallet-pkh",
        PKH,
        "--safe-block-hash",
        &format!("0x{SAFE_HASH}"),
        "--window-block",
        "3600",
        "--json",
    ]);
    let j = json(&o);
    assert_eq!(j["seed"], format!("0x{SEED}"));
    assert_eq!(j["window_index"], 4);
    assert_eq!(j["safe_block"], 3568);

    // The same decision through the library.
    let seats = leader::normalize_operators(&OPS).unwrap();
    let seed: [u8; 32] = alloy_primitives::hex::decode(SEED)
        .unwrap()
        .try_into()
        .unwrap();
    let s = gorand::seed_i64(&seed);
    let sel = leader::select_leader(&seats, s).unwrap();
    assert_eq!(j["leader"], sel.leader);
    assert!(seats.contains(&sel.leader));
    assert_eq!(j["operators_sorted"].as_array().unwrap().len(), 4);
    let mut expected = vec![
        "Redemption",
        "DepositSweep",
        "MovedFundsSweep",
        "MovingFunds",
    ];
    if tbtc::heartbeat_draw(s) < 0.0625 {
        expected.push("Heartbeat");
    }
    assert_eq!(j["checklist"], serde_json::json!(expected));
    assert_eq!(
        tbtc::checklist(3600, s, &ChecklistParams::default()).len(),
        expected.len()
    );

    // A raw seed gives the same answer; a non-window block an empty checklist.
    let o = run(&[
        "--operators",
        &ops,
        "--seed",
        SEED,
        "--window-block",
        "3600",
        "--json",
    ]);
    let k = json(&o);
    assert_eq!((&k["seed"], &k["leader"]), (&j["seed"], &j["leader"]));
    let o = run(&[
        "--operators",
        &ops,
        "--seed",
        SEED,
        "--window-block",
        "3601",
        "--json",
    ]);
    let k = json(&o);
    assert_eq!(k["window_index"], 0);
    assert_eq!(k["checklist"], serde_json::json!([]));

    // Human form.
    let o = run(&["--operators", &ops, "--seed", SEED, "--window-block", "900"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(&sel.leader) && text.contains("Redemption"),
        "{text}"
    );
}

#[test]
fn verbatim_sorts_strings_as_given() {
    let o = run(&[
        "--operators",
        "pk-b,pk-a,pk-b",
        "--verbatim",
        "--seed",
        SEED,
        "--window-block",
        "900",
        "--json",
    ]);
    let j = json(&o);
    assert_eq!(j["operators_sorted"], serde_json::json!(["pk-a", "pk-b"]));
    let s = gorand::seed_i64(
        &alloy_primitives::hex::decode(SEED).unwrap()[..]
            .try_into()
            .unwrap(),
    );
    assert_eq!(
        j["leader"],
        leader::select_leader(&["pk-b", "pk-a"], s).unwrap().leader
    );
}

#[test]
fn bad_inputs_exit_2() {
    let ops = OPS.join(",");
    let cases: Vec<Vec<&str>> = vec![
        // bad hex, wrong lengths
        vec!["--operators", &ops, "--seed", "zz", "--window-block", "900"],
        vec![
            "--operators",
            &ops,
            "--seed",
            &SEED[..62],
            "--window-block",
            "900",
        ],
        vec![
            "--operators",
            &ops,
            "--wallet-pkh",
            &PKH[..38],
            "--safe-block-hash",
            SAFE_HASH,
            "--window-block",
            "900",
        ],
        vec![
            "--operators",
            &ops,
            "--wallet-pkh",
            PKH,
            "--safe-block-hash",
            "0xg0",
            "--window-block",
            "900",
        ],
        // both seed forms, or half of one
        vec![
            "--operators",
            &ops,
            "--seed",
            SEED,
            "--wallet-pkh",
            PKH,
            "--safe-block-hash",
            SAFE_HASH,
            "--window-block",
            "900",
        ],
        vec![
            "--operators",
            &ops,
            "--wallet-pkh",
            PKH,
            "--window-block",
            "900",
        ],
        // operators
        vec!["--operators", "", "--seed", SEED, "--window-block", "900"],
        vec![
            "--operators",
            "0x1234",
            "--seed",
            SEED,
            "--window-block",
            "900",
        ],
        vec![
            "--operators",
            "alice,bob",
            "--seed",
            SEED,
            "--window-block",
            "900",
        ],
        vec![
            "--verbatim",
            "--operators",
            "a,,b",
            "--seed",
            SEED,
            "--window-block",
            "900",
        ],
        // parameters
        vec![
            "--operators",
            &ops,
            "--seed",
            SEED,
            "--window-block",
            "900",
            "--heartbeat-probability",
            "1.5",
        ],
        vec![
            "--operators",
            &ops,
            "--seed",
            SEED,
            "--window-block",
            "900",
            "--heartbeat-probability",
            "-0.1",
        ],
        vec![
            "--operators",
            &ops,
            "--seed",
            SEED,
            "--window-block",
            "900",
            "--heartbeat-probability",
            "NaN",
        ],
        vec![
            "--operators",
            &ops,
            "--seed",
            SEED,
            "--window-block",
            "900",
            "--sweep-every",
            "0",
        ],
        vec!["--operators", &ops, "--seed", SEED, "--window-block", "-1"],
        vec!["--operators", &ops, "--seed", SEED],
    ];
    for args in cases {
        let o = run(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.trim().is_empty(), "{args:?}");
    }
}
