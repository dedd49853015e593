//! Malformed scenarios: every case gives an error with file, line and column, what was
//! expected, and a hint where one helps — never a panic.

use crucible::scenario::load_str;

const BASE: &str = "name: x
question: y
duration: 1d
chains:
  l1: { block_time: 12s }
protocols:
  token: { chain: l1 }
actors:
  - { kind: token.payer, name: alice }
";

/// (what the case is, how to make it from BASE, line, column, message part, hint part)
type Case = (
    &'static str,
    fn(&str) -> String,
    u32,
    u32,
    &'static str,
    &'static str,
);

fn replace(from: &'static str, to: &'static str) -> impl Fn(&str) -> String {
    move |s: &str| {
        assert!(s.contains(from), "test case does not apply: {from}");
        s.replacen(from, to, 1)
    }
}

fn cases() -> Vec<Case> {
    vec![
        (
            "misspelled top-level key",
            |s| replace("duration:", "duratoin:")(s),
            3,
            1,
            "unknown field `duratoin`",
            "did you mean `duration`?",
        ),
        (
            "duration without unit",
            |s| replace("duration: 1d", "duration: 5")(s),
            3,
            11,
            "has no unit",
            "add a unit",
        ),
        (
            "duration with unknown unit",
            |s| replace("duration: 1d", "duration: 3 days")(s),
            3,
            11,
            "unknown unit `days`",
            "e.g.",
        ),
        (
            "misspelled actor kind",
            |s| replace("token.payer", "token.payr")(s),
            9,
            13,
            "unknown actor kind `token.payr`",
            "did you mean `token.payer`?",
        ),
        (
            "dangling chain reference",
            |s| replace("chain: l1", "chain: l2")(s),
            7,
            19,
            "unknown chain `l2`",
            "`l1`",
        ),
        (
            "dangling actor reference",
            |s| format!("{s}faults:\n  offline: [{{ actor: alcie, from: 1h, to: 2h }}]\n"),
            11,
            22,
            "unknown actor `alcie`",
            "alice",
        ),
        (
            "wrong type",
            |s| replace("duration: 1d", "duration: 1d\nseed: abc")(s),
            4,
            7,
            "expected u64",
            "",
        ),
        (
            "negative amount",
            |s| replace("name: alice }", "name: alice, max_amount: \"-5 ether\" }")(s),
            9,
            51,
            "cannot be negative",
            "ether",
        ),
        (
            "misspelled actor parameter",
            |s| replace("name: alice }", "name: alice, evrey: 1m }")(s),
            9,
            39,
            "unknown field `evrey`",
            "`every`",
        ),
        (
            "misspelled common actor key",
            |s| replace("name: alice }", "name: alice, cout: 3 }")(s),
            9,
            39,
            "unknown field `cout`",
            "did you mean `count`?",
        ),
        (
            "window ending before it starts",
            |s| format!("{s}faults:\n  offline: [{{ actor: alice, from: 2h, to: 1h }}]\n"),
            11,
            43,
            "must end after it starts",
            "from: 1h, to: 2h",
        ),
        (
            "unknown protocol",
            |s| replace("protocols:\n", "protocols:\n  tokn: {}\n")(s),
            7,
            3,
            "unknown protocol `tokn`",
            "did you mean `token`?",
        ),
        (
            "YAML syntax error",
            |s| replace("name: alice }", "name: alice")(s),
            9,
            5,
            "unclosed bracket",
            "",
        ),
        (
            "duplicate key",
            |s| {
                replace(
                    "  l1: { block_time: 12s }\n",
                    "  l1: { block_time: 12s }\n  l1: { block_time: 2s }\n",
                )(s)
            },
            6,
            3,
            "duplicate key `l1`",
            "",
        ),
        (
            "unknown invariant in expectations",
            |s| format!("{s}expect:\n  violations: [token.conservaton]\n"),
            11,
            16,
            "unknown invariant `token.conservaton`",
            "did you mean `token.conservation`?",
        ),
        (
            "duplicate actor name",
            |s| format!("{s}  - {{ kind: token.payer, name: alice }}\n"),
            10,
            32,
            "duplicate actor name `alice`",
            "unique",
        ),
        (
            "actor without kind",
            |s| replace("kind: token.payer, ", "")(s),
            9,
            5,
            "needs a `kind`",
            "token.payer",
        ),
        (
            "empty document",
            |_| String::new(),
            1,
            1,
            "a scenario is a map",
            "name:",
        ),
        (
            "latency range backwards",
            |s| format!("{s}faults:\n  network: {{ latency: 2s..200ms }}\n"),
            11,
            23,
            "is empty",
            "200ms..2s",
        ),
        (
            "probability above one",
            |s| format!("{s}faults:\n  network: {{ drop: 1.5 }}\n"),
            11,
            20,
            "not between 0 and 1",
            "1/16",
        ),
        (
            "unknown fault field",
            |s| {
                format!("{s}faults:\n  censor: [{{ chain: l1, senders: [alice], from: 1h, to: 2h, by: 5m }}]\n")
            },
            11,
            61,
            "unknown field `by`",
            "`senders`",
        ),
        (
            "zero block time",
            |s| replace("block_time: 12s", "block_time: 0s")(s),
            5,
            7,
            "must be positive",
            "12s",
        ),
        (
            "recipient that is not an actor",
            |s| replace("name: alice }", "name: alice, to: [bbo] }")(s),
            9,
            44,
            "unknown actor `bbo`",
            "alice",
        ),
        (
            "number where a name is expected",
            |s| replace("name: alice }", "name: alice, to: [0x12] }")(s),
            9,
            44,
            "expected a string",
            "quote",
        ),
        (
            "actor kind whose protocol is missing",
            |s| replace("protocols:\n  token: { chain: l1 }\n", "")(s),
            7,
            13,
            "needs protocol `token`",
            "protocols",
        ),
        (
            "chains is not a map",
            |s| replace("chains:\n  l1: { block_time: 12s }\n", "chains: [l1]\n")(s),
            4,
            9,
            "`chains` is a map",
            "block_time",
        ),
        (
            "actors is not a list",
            |s| {
                replace(
                    "actors:\n  - { kind: token.payer, name: alice }\n",
                    "actors: alice\n",
                )(s)
            },
            8,
            9,
            "`actors` is a list",
            "",
        ),
        (
            "missing required field",
            |s| replace("question: y\n", "")(s),
            1,
            1,
            "missing field `question`",
            "",
        ),
        (
            "count of zero",
            |s| replace("name: alice }", "name: alice, count: 0 }")(s),
            9,
            46,
            "between 1 and 100000",
            "",
        ),
        (
            "BOLD excluded proposer that is no actor",
            |_| {
                "name: x\nquestion: y\nduration: 1d\nchains:\n  l1: { block_time: 12s }\n\
                 protocols:\n  bold:\n    chain: l1\n\
                 \x20   reimbursement: { excluded_proposers: [alice, bob] }\n\
                 actors:\n  - { kind: bold.proposer, name: alice }\n"
                    .to_string()
            },
            9,
            50,
            "unknown actor `bob`",
            "",
        ),
        (
            "nesting too deep",
            |s| format!("{s}faults: {}{}\n", "[".repeat(40), "]".repeat(40)),
            10,
            0,
            "deeper",
            "",
        ),
    ]
}

#[test]
fn malformed_scenarios_give_located_errors() {
    let mut failures = Vec::new();
    for (what, make, line, col, message, hint) in cases() {
        let text = make(BASE);
        let err = match load_str(&text, "case.yaml") {
            Ok(_) => {
                failures.push(format!("{what}: loaded without error"));
                continue;
            }
            Err(e) => e,
        };
        let loc = err.loc.unwrap_or_default();
        let rendered = err.to_string();
        let hint_text = err.hint.clone().unwrap_or_default();
        if err.file != "case.yaml"
            || loc.line != line
            || (col != 0 && loc.col != col)
            || !err.message.contains(message)
            || !hint_text.contains(hint)
        {
            failures.push(format!(
                "{what}: expected {line}:{col} `{message}` / hint `{hint}`, got {}:{} `{}` / hint `{}`",
                loc.line, loc.col, err.message, hint_text
            ));
        }
        assert!(rendered.starts_with("case.yaml:"), "{rendered}");
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_line_of_a_valid_scenario_truncated_is_an_error_or_ok_never_a_panic() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/quickstart.yaml"
    ))
    .unwrap();
    for cut in 0..text.len() {
        if text.is_char_boundary(cut) {
            let _ = load_str(&text[..cut], "cut.yaml");
        }
    }
}
