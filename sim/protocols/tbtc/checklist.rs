//! The actions checklist (spec section 6): which actions the leader must try, in priority order.

use super::gorand::GoRand;
use super::window;
use super::Action;

/// Current heartbeat probability `p` (historically 0.125).
pub const DEFAULT_HEARTBEAT_PROBABILITY: f64 = 0.0625;
/// Current sweep and moving-funds frequency `F`, in windows (historically 16).
pub const DEFAULT_SWEEP_EVERY: u64 = 4;

/// The knobs of the checklist that changed over the client's history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChecklistParams {
    /// Heartbeat probability `p`, in `[0, 1]`.
    pub heartbeat_probability: f64,
    /// `F`: deposit sweep, moved-funds sweep and moving funds are checked when `index % F == 0`.
    /// Must be at least 1.
    pub sweep_every: u64,
}

impl Default for ChecklistParams {
    fn default() -> Self {
        ChecklistParams {
            heartbeat_probability: DEFAULT_HEARTBEAT_PROBABILITY,
            sweep_every: DEFAULT_SWEEP_EVERY,
        }
    }
}

impl ChecklistParams {
    /// Checks that `p` is in `[0, 1]` (not NaN) and `F >= 1`.
    pub fn validate(&self) -> Result<(), String> {
        let p = self.heartbeat_probability;
        if !(0.0..=1.0).contains(&p) {
            return Err(format!("heartbeat probability {p} is not in [0, 1]"));
        }
        if self.sweep_every == 0 {
            return Err("sweep frequency must be at least 1 window".into());
        }
        Ok(())
    }
}

/// The heartbeat draw: the first `float64()` of a *fresh* generator `GoRand::new(s)`, separate
/// from the leader shuffle's generator (the client builds one per use).
pub fn heartbeat_draw(s: i64) -> f64 {
    GoRand::new(s).float64()
}

/// The checklist of window block `w` for the Go seed `s`: empty unless `w` is a valid window
/// (index ≥ 1); then `Redemption`; then `DepositSweep`, `MovedFundsSweep`, `MovingFunds` when
/// `index % F == 0`; then `Heartbeat` when [`heartbeat_draw`] is below `p`. Highest priority
/// first. The draw happens in every valid window.
pub fn checklist(w: u64, s: i64, params: &ChecklistParams) -> Vec<Action> {
    checklist_for_draw(w, heartbeat_draw(s), params)
}

/// [`checklist`] with the heartbeat draw already made (`draw` must be [`heartbeat_draw`] of the
/// window's Go seed).
pub fn checklist_for_draw(w: u64, draw: f64, params: &ChecklistParams) -> Vec<Action> {
    let index = window::index(w);
    if index == 0 {
        return Vec::new();
    }
    let mut list = vec![Action::Redemption];
    if index % params.sweep_every == 0 {
        list.extend([
            Action::DepositSweep,
            Action::MovedFundsSweep,
            Action::MovingFunds,
        ]);
    }
    if draw < params.heartbeat_probability {
        list.push(Action::Heartbeat);
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    /// First draws of Go seeds (0: Go's own regression golden; 1: 5577006791947779410 / 2^63).
    const DRAW_SEED_0: f64 = 0.9451961492941164;

    #[test]
    fn draw_is_first_float_of_fresh_generator() {
        assert_eq!(heartbeat_draw(0), DRAW_SEED_0);
        assert_eq!(heartbeat_draw(1), 5577006791947779410f64 / 2f64.powi(63));
        // Independent of anything drawn before (no shared generator).
        let mut g = GoRand::new(0);
        g.shuffle(&mut [1, 2, 3, 4]);
        assert_eq!(heartbeat_draw(0), DRAW_SEED_0);
    }

    fn find_seed(pred: impl Fn(f64) -> bool) -> i64 {
        (0..10_000).find(|&s| pred(heartbeat_draw(s))).unwrap()
    }

    #[test]
    fn checklist_per_window() {
        let p = ChecklistParams::default();
        let no_hb = find_seed(|d| d >= 0.0625);
        let hb = find_seed(|d| d < 0.0625);
        assert!(heartbeat_draw(hb) < 0.0625);
        assert_eq!(checklist(0, hb, &p), []);
        assert_eq!(checklist(899, hb, &p), []);
        assert_eq!(checklist(901, hb, &p), []);
        assert_eq!(checklist(900, no_hb, &p), [Redemption]);
        assert_eq!(checklist(900, hb, &p), [Redemption, Heartbeat]);
        assert_eq!(checklist(2700, no_hb, &p), [Redemption]);
        let sweeps = [Redemption, DepositSweep, MovedFundsSweep, MovingFunds];
        assert_eq!(checklist(3600, no_hb, &p), sweeps);
        assert_eq!(
            checklist(7200, hb, &p),
            [
                Redemption,
                DepositSweep,
                MovedFundsSweep,
                MovingFunds,
                Heartbeat
            ]
        );
        let hist = ChecklistParams {
            heartbeat_probability: 0.125,
            sweep_every: 16,
        };
        assert_eq!(
            checklist(3600, find_seed(|d| d >= 0.125), &hist),
            [Redemption]
        );
        assert_eq!(
            checklist(16 * 900, find_seed(|d| d >= 0.125), &hist),
            sweeps
        );
        // The boundary: p equal to the draw is not below it; p = 1 always, p = 0 never.
        let at = ChecklistParams {
            heartbeat_probability: DRAW_SEED_0,
            sweep_every: 4,
        };
        assert_eq!(checklist(900, 0, &at), [Redemption]);
        let always = ChecklistParams {
            heartbeat_probability: 1.0,
            sweep_every: 4,
        };
        assert_eq!(checklist(900, 0, &always), [Redemption, Heartbeat]);
        let never = ChecklistParams {
            heartbeat_probability: 0.0,
            sweep_every: 1,
        };
        assert_eq!(checklist(900, hb, &never), sweeps);
    }

    #[test]
    fn params_validation() {
        assert!(ChecklistParams::default().validate().is_ok());
        for p in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
            let bad = ChecklistParams {
                heartbeat_probability: p,
                sweep_every: 4,
            };
            assert!(bad.validate().is_err(), "{p}");
        }
        let bad = ChecklistParams {
            sweep_every: 0,
            ..Default::default()
        };
        assert!(bad.validate().is_err());
    }
}
