//! Statistical properties of the coordination mechanism (spec 11), tested with tolerances over
//! many synthetic windows: the heartbeat is drawn at rate `p`, and leadership is shared evenly.
//! They check the mechanism, not expected figures of any study.

use super::{coordination_seed, decide, leader, ChecklistParams};
use crate::engine::seed::SeedTree;

#[test]
fn heartbeat_rate_matches_p_and_leaders_share_evenly() {
    let mut stream = SeedTree::new(99).stream("properties");
    let ops: Vec<[u8; 20]> = (0..8)
        .map(|_| {
            let mut a = [0u8; 20];
            stream.fill(&mut a);
            a
        })
        .collect();
    // 100 seats over 8 operators, not evenly.
    let seats: Vec<[u8; 20]> = (0..100).map(|i| ops[(i * 5 + i / 7) % 8]).collect();
    let strings = leader::operator_strings(&seats);
    let n = 20_000;
    for p in [0.125, 0.0625] {
        let params = ChecklistParams {
            heartbeat_probability: p,
            sweep_every: 4,
        };
        let mut heartbeats = 0u32;
        let mut led = std::collections::BTreeMap::<String, u32>::new();
        for i in 0..n {
            let mut pkh = [0u8; 20];
            let mut hash = [0u8; 32];
            stream.fill(&mut pkh);
            stream.fill(&mut hash);
            let seed = coordination_seed(&pkh, &hash);
            let d = decide(&strings, &seed, 900 * (i + 1), &params).expect("decides");
            heartbeats += d.heartbeat() as u32;
            *led.entry(d.leader.leader).or_default() += 1;
        }
        let rate = heartbeats as f64 / n as f64;
        // Binomial standard deviation at n = 20000 is below 0.0024; allow five.
        assert!((rate - p).abs() < 0.012, "p = {p}: rate {rate}");
        let distinct = led.len();
        assert_eq!(distinct, 8, "every operator leads sometimes");
        for (op, k) in &led {
            let share = *k as f64 / n as f64;
            // Leadership is uniform over distinct operators, whatever their seat counts.
            assert!((share - 0.125).abs() < 0.015, "{op}: share {share}");
        }
    }
}
