//! Coordination window arithmetic (spec section 2).
//!
//! Windows are global: every wallet coordinates at the same blocks, every [`FREQUENCY`] blocks.
//! A window starting at block `w` accepts messages during `[w, w + 80)`, then waits out a passive
//! buffer `[w + 80, w + 100)`; the accepted action starts at `w + 100`. The seed is taken from the
//! "safe" block `w - 32`, deep enough that ordinary reorgs cannot change it.

/// Blocks between two coordination windows (about 3 hours at 12 s per block).
pub const FREQUENCY: u64 = 900;
/// Length of the active phase: followers accept messages only in `[w, w + ACTIVE_PHASE)`.
pub const ACTIVE_PHASE: u64 = 80;
/// Length of the passive buffer after the active phase, in which nothing is accepted.
pub const PASSIVE_PHASE: u64 = 20;
/// Whole window length; `w + DURATION` is the window end and the action start block.
pub const DURATION: u64 = ACTIVE_PHASE + PASSIVE_PHASE;
/// Depth of the safe block whose hash seeds the window: `safe_block(w) = w - SAFE_SHIFT`.
pub const SAFE_SHIFT: u64 = 32;

/// The window index of `block`, following the client's rule: `block / 900` when `block` is a
/// multiple of 900, otherwise 0. Index 0 means "not a coordination window" (block 0 included),
/// and every routine must reject it before doing anything else.
pub fn index(block: u64) -> u64 {
    if block % FREQUENCY == 0 {
        block / FREQUENCY
    } else {
        0
    }
}

/// Whether `block` starts a coordination window (its index is not 0).
pub fn is_coordination_block(block: u64) -> bool {
    index(block) != 0
}

/// The safe block of window `w` (`w - 32`), or `None` when `w` is not a valid window.
pub fn safe_block(w: u64) -> Option<u64> {
    Window::new(w).map(|w| w.safe_block())
}

/// The first coordination block at or after `block` (block 0 is skipped: its index is 0).
pub fn first_at_or_after(block: u64) -> u64 {
    let b = block.max(1);
    b.div_ceil(FREQUENCY) * FREQUENCY
}

/// Where a block lies relative to one window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Before the window block.
    Before,
    /// `[w, w + 80)`: messages are accepted.
    Active,
    /// `[w + 80, w + 100)`: the buffer, nothing accepted.
    Passive,
    /// At or after `w + 100`: the window is over and its action (if any) has started.
    Ended,
}

/// A valid coordination window (index ≥ 1), identified by its start block `w`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    block: u64,
}

impl Window {
    /// The window starting at `block`, or `None` when `block` is not a coordination block.
    pub fn new(block: u64) -> Option<Window> {
        is_coordination_block(block).then_some(Window { block })
    }

    /// The window with the given index (≥ 1), or `None` for index 0 or on overflow.
    pub fn from_index(index: u64) -> Option<Window> {
        index.checked_mul(FREQUENCY).and_then(Window::new)
    }

    /// The latest window whose start block is at or before `block` (`None` before block 900).
    pub fn latest_at(block: u64) -> Option<Window> {
        Window::new(block / FREQUENCY * FREQUENCY)
    }

    /// The coordination block `w`.
    pub fn block(self) -> u64 {
        self.block
    }

    /// The window index `w / 900` (always ≥ 1).
    pub fn index(self) -> u64 {
        self.block / FREQUENCY
    }

    /// The safe block `w - 32` whose hash seeds the window.
    pub fn safe_block(self) -> u64 {
        self.block - SAFE_SHIFT
    }

    /// First block after the active phase (`w + 80`), also the coordination deadline.
    pub fn active_end(self) -> u64 {
        self.block + ACTIVE_PHASE
    }

    /// The window end `w + 100`, which is also the block at which the accepted action starts.
    pub fn end(self) -> u64 {
        self.block + DURATION
    }

    /// The action start block (same as [`Window::end`]).
    pub fn action_start(self) -> u64 {
        self.end()
    }

    /// Which phase of this window `block` falls in.
    pub fn phase(self, block: u64) -> Phase {
        if block < self.block {
            Phase::Before
        } else if block < self.active_end() {
            Phase::Active
        } else if block < self.end() {
            Phase::Passive
        } else {
            Phase::Ended
        }
    }

    /// The next window.
    pub fn next(self) -> Window {
        Window {
            block: self.block + FREQUENCY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_rule_at_boundaries() {
        assert_eq!(index(0), 0);
        assert!(!is_coordination_block(0));
        assert_eq!(index(1), 0);
        assert_eq!(index(899), 0);
        assert_eq!(index(900), 1);
        assert_eq!(index(901), 0);
        assert_eq!(index(1799), 0);
        assert_eq!(index(1800), 2);
        assert_eq!(index(3600), 4);
        assert_eq!(index(18_900_000), 21_000);
        assert_eq!(index(u64::MAX / 900 * 900), u64::MAX / 900);
    }

    #[test]
    fn safe_block_and_phases() {
        assert_eq!(safe_block(900), Some(868));
        assert_eq!(safe_block(1800), Some(1768));
        assert_eq!(safe_block(0), None);
        assert_eq!(safe_block(868), None);
        let w = Window::new(900).unwrap();
        assert_eq!((w.block(), w.index(), w.safe_block()), (900, 1, 868));
        assert_eq!(
            (w.active_end(), w.end(), w.action_start()),
            (980, 1000, 1000)
        );
        assert_eq!(w.phase(899), Phase::Before);
        assert_eq!(w.phase(900), Phase::Active);
        assert_eq!(w.phase(979), Phase::Active);
        assert_eq!(w.phase(980), Phase::Passive);
        assert_eq!(w.phase(999), Phase::Passive);
        assert_eq!(w.phase(1000), Phase::Ended);
        assert_eq!(w.next(), Window::new(1800).unwrap());
    }

    #[test]
    fn constructors() {
        assert_eq!(Window::new(0), None);
        assert_eq!(Window::new(450), None);
        assert_eq!(Window::from_index(0), None);
        assert_eq!(Window::from_index(3).map(Window::block), Some(2700));
        assert_eq!(Window::from_index(u64::MAX), None);
        assert_eq!(Window::latest_at(899), None);
        assert_eq!(Window::latest_at(900).map(Window::block), Some(900));
        assert_eq!(Window::latest_at(1799).map(Window::block), Some(900));
        assert_eq!(first_at_or_after(0), 900);
        assert_eq!(first_at_or_after(1), 900);
        assert_eq!(first_at_or_after(900), 900);
        assert_eq!(first_at_or_after(901), 1800);
    }
}
