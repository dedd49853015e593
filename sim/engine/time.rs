//! Simulated time: milliseconds since genesis. Nothing in a run reads a wall clock.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A point in simulated time, in milliseconds since genesis.
#[derive(
    Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimTime(pub u64);

/// A span of simulated time, in milliseconds. Its scenario form (`12s`, `1h30m`, `200ms`) is
/// implemented in `scenario::units`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dur(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub fn ms(self) -> u64 {
        self.0
    }
    /// Whole seconds since genesis (block timestamps are in seconds).
    pub fn secs(self) -> u64 {
        self.0 / 1000
    }
    pub fn plus(self, d: Dur) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
    pub fn since(self, earlier: SimTime) -> Dur {
        Dur(self.0.saturating_sub(earlier.0))
    }
}

impl Dur {
    pub const ZERO: Dur = Dur(0);
    pub const fn ms(ms: u64) -> Dur {
        Dur(ms)
    }
    pub const fn secs(s: u64) -> Dur {
        Dur(s * 1000)
    }
    pub const fn mins(m: u64) -> Dur {
        Dur(m * 60_000)
    }
    pub const fn hours(h: u64) -> Dur {
        Dur(h * 3_600_000)
    }
    pub const fn days(d: u64) -> Dur {
        Dur(d * 86_400_000)
    }
    pub fn as_ms(self) -> u64 {
        self.0
    }
}

/// Formats as the shortest exact form: `0s`, `250ms`, `12s`, `1h30m`, `3d`, `1d2h3m4s5ms`.
fn fmt_ms(f: &mut fmt::Formatter<'_>, ms: u64) -> fmt::Result {
    if ms == 0 {
        return write!(f, "0s");
    }
    let units = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
        (1, "ms"),
    ];
    let mut rest = ms;
    for (size, name) in units {
        if rest >= size {
            write!(f, "{}{}", rest / size, name)?;
            rest %= size;
        }
    }
    Ok(())
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ms(f, self.0)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t+")?;
        fmt_ms(f, self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_exact_and_short() {
        assert_eq!(Dur(0).to_string(), "0s");
        assert_eq!(Dur(250).to_string(), "250ms");
        assert_eq!(Dur::hours(1).to_string(), "1h");
        assert_eq!(Dur(90 * 60_000).to_string(), "1h30m");
        assert_eq!(Dur(86_400_000 + 7_384_005).to_string(), "1d2h3m4s5ms");
        assert_eq!(SimTime(12_000).to_string(), "t+12s");
    }
}
