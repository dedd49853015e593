//! Epoch arithmetic of the spec (§2), mirrored from `EpochMath.sol` for actors and invariants.

/// Epoch parameters: genesis block `G`, length `L` and grace period `P` in main-chain blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochClock {
    pub genesis: u64,
    pub length: u64,
    pub grace: u64,
}

impl EpochClock {
    /// `currentEpoch(b) = (b − G) / L` (b ≥ G).
    pub fn current(&self, b: u64) -> u32 {
        (b.saturating_sub(self.genesis) / self.length) as u32
    }
    /// `start(e) = G + e·L`.
    pub fn start(&self, e: u32) -> u64 {
        self.genesis + e as u64 * self.length
    }
    /// `end(e) = start(e + 1)`.
    pub fn end(&self, e: u32) -> u64 {
        self.start(e + 1)
    }
    /// `graceStart(e) = end(e) − P`.
    pub fn grace_start(&self, e: u32) -> u64 {
        self.end(e) - self.grace
    }
    /// `b ≥ graceStart(currentEpoch(b))`.
    pub fn in_grace(&self, b: u64) -> bool {
        b >= self.grace_start(self.current(b))
    }
    /// The epoch every registry write at block `b` lands in.
    pub fn effective(&self, b: u64) -> u32 {
        self.current(b) + if self.in_grace(b) { 2 } else { 1 }
    }
    /// `e` is sealed at `b`: no write at `b` or later can change it.
    pub fn sealed(&self, e: u32, b: u64) -> bool {
        e < self.effective(b)
    }
}

#[cfg(test)]
mod tests {
    use super::EpochClock;

    fn clock(genesis: u64, length: u64, grace: u64) -> EpochClock {
        EpochClock {
            genesis,
            length,
            grace,
        }
    }

    /// Every boundary of every epoch, for several lengths: first block of the epoch, last block
    /// before grace, first block of grace, last block of the epoch.
    #[test]
    fn boundaries() {
        for (g, l, p) in [
            (0, 40, 8),
            (5, 10, 1),
            (100, 45_000, 6_400),
            (7, 50_400, 7_200),
        ] {
            let c = clock(g, l, p);
            for e in 0..5u32 {
                let first = g + e as u64 * l;
                let last_before_grace = first + l - p - 1;
                let first_grace = first + l - p;
                let last = first + l - 1;
                assert_eq!(c.start(e), first);
                assert_eq!(c.grace_start(e), first_grace);
                assert_eq!(c.end(e), first + l);
                for (b, grace) in [
                    (first, false),
                    (last_before_grace, false),
                    (first_grace, true),
                    (last, true),
                ] {
                    assert_eq!(c.current(b), e, "current({b}) for L={l} P={p}");
                    assert_eq!(c.in_grace(b), grace, "inGrace({b}) for L={l} P={p}");
                    assert_eq!(c.effective(b), e + if grace { 2 } else { 1 });
                }
                // The next epoch's first block leaves grace again.
                assert_eq!(c.effective(last + 1), e + 2);
                assert!(!c.in_grace(last + 1));
            }
        }
    }

    /// Hand-computed values for the sim preset (G = 0, L = 40, P = 8).
    #[test]
    fn sim_preset_by_hand() {
        let c = clock(0, 40, 8);
        assert_eq!(c.effective(0), 1); // epoch 1 writable from G
        assert_eq!(c.effective(31), 1); // last block before grace of epoch 0
        assert_eq!(c.effective(32), 2); // grace of epoch 0: epoch 1 sealed
        assert_eq!(c.effective(39), 2);
        assert_eq!(c.effective(40), 2); // epoch 1 starts, epoch 2 still writable
        assert_eq!(c.effective(72), 3);
        assert!(c.sealed(1, 32) && !c.sealed(2, 32) && !c.sealed(1, 31));
        assert_eq!(c.current(79), 1);
        assert_eq!(c.current(80), 2);
    }
}
