//! Unit tests of generation, rendering and shrink candidates (no runs).

use super::case::Fault;
use super::generate::{case_seed, generate, Limits};
use super::run::case_yaml;
use super::shrink::candidates;
use super::space::{halvings, Knob};
use crate::protocols::token::fuzz::TOKEN_SPACE;
use crate::scenario::load_str;

#[test]
fn halvings_are_strictly_smaller_and_bounded() {
    assert_eq!(halvings(10, 0), vec![0, 5, 7]);
    assert_eq!(halvings(2, 1), vec![1]);
    assert!(halvings(3, 3).is_empty());
    for v in 1..200u128 {
        for c in halvings(v, 1.min(v)) {
            assert!(c < v && c >= 1.min(v));
        }
    }
    assert!(Knob::Bool(false).smaller().is_empty());
    assert_eq!(Knob::Bool(true).smaller(), vec![Knob::Bool(false)]);
    assert!(Knob::text("l1").smaller().is_empty());
}

#[test]
fn a_case_depends_only_on_its_seed() {
    let limits = Limits::default();
    let s = case_seed(5, "token", 3);
    assert_eq!(s, case_seed(5, "token", 3));
    assert_ne!(s, case_seed(5, "token", 4));
    assert_ne!(s, case_seed(6, "token", 3));
    assert_eq!(
        generate("token", &TOKEN_SPACE, s, &limits),
        generate("token", &TOKEN_SPACE, s, &limits)
    );
}

#[test]
fn generated_cases_load_and_respect_limits() {
    for planted in [false, true] {
        let limits = Limits {
            max_actors: 4,
            planted,
            ..Limits::default()
        };
        for i in 0..60 {
            let case = generate("token", &TOKEN_SPACE, case_seed(1, "token", i), &limits);
            assert!(case.body.actors.len() <= 4);
            assert!(case.duration_ms <= limits.max_duration.as_ms());
            let sc = load_str(&case_yaml(&case), "case.yaml")
                .unwrap_or_else(|e| panic!("case {i} does not load: {e}\n{}", case_yaml(&case)));
            assert_eq!(sc.actors.len(), case.body.actors.len());
            assert_eq!(
                planted,
                case.body.actors.iter().any(|a| a.kind == "token.minter")
            );
        }
    }
}

#[test]
fn shrink_candidates_load_unless_they_drop_a_named_actor() {
    let limits = Limits {
        planted: true,
        ..Limits::default()
    };
    let case = generate("token", &TOKEN_SPACE, case_seed(2, "token", 0), &limits);
    let cands = candidates(&case);
    assert!(!cands.is_empty());
    for c in cands {
        assert_ne!(c, case);
        let keeps_minter = c.body.actors.iter().any(|a| a.name == "mallory");
        let loaded = load_str(&case_yaml(&c), "c.yaml");
        assert_eq!(loaded.is_ok(), keeps_minter, "{}", case_yaml(&c));
    }
}

#[test]
fn faults_follow_removed_actors_and_shorter_runs() {
    let p = Fault::Partition {
        from: 0,
        to: 10_000,
        groups: vec![vec!["a".into()], vec!["b".into(), "c".into()]],
    };
    assert_eq!(p.without_actor("a"), None);
    assert!(p.without_actor("b").is_some());
    let o = Fault::Offline {
        actor: "a".into(),
        from: 5_000,
        to: 90_000,
    };
    assert_eq!(o.clipped(5_000), None);
    assert_eq!(
        o.clipped(60_000),
        Some(Fault::Offline {
            actor: "a".into(),
            from: 5_000,
            to: 60_000
        })
    );
    for m in o.milder() {
        let Fault::Offline { from, to, .. } = m else {
            panic!("an offline window stays one")
        };
        assert!(from == 5_000 && to > from && to < 90_000);
    }
}
