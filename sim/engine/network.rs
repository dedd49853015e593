//! The off-chain network model: latency drawn per message from a range, independent drops, and
//! partitions that cut groups of actors apart for a time window.

use super::actor::ActorId;
use super::seed::Stream;
use super::time::{Dur, SimTime};

/// A partition: while it lasts, actors in different groups cannot reach each other. Actors not
/// named in any group form one more group together.
#[derive(Clone, Debug, PartialEq)]
pub struct Partition {
    pub from: SimTime,
    pub to: SimTime,
    pub groups: Vec<Vec<ActorId>>,
}

impl Partition {
    fn group_of(&self, a: ActorId) -> usize {
        self.groups
            .iter()
            .position(|g| g.contains(&a))
            .unwrap_or(self.groups.len())
    }

    /// True when the partition is in force at `t` and separates `a` from `b`.
    pub fn separates(&self, t: SimTime, a: ActorId, b: ActorId) -> bool {
        t >= self.from && t < self.to && self.group_of(a) != self.group_of(b)
    }
}

/// Static network parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkConfig {
    pub latency_min: Dur,
    pub latency_max: Dur,
    /// Probability that a message is lost.
    pub drop: f64,
    pub partitions: Vec<Partition>,
    /// Faults stop at this time (drops and partitions end; latency stays).
    pub faults_until: SimTime,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            latency_min: Dur::ms(10),
            latency_max: Dur::ms(100),
            drop: 0.0,
            partitions: Vec::new(),
            faults_until: SimTime::MAX,
        }
    }
}

/// What the network does with one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    DeliverAt(SimTime),
    Drop(&'static str),
}

/// The network of one run, drawing from its own stream of the seed tree.
pub struct Network {
    pub config: NetworkConfig,
    stream: Stream,
}

impl Network {
    pub fn new(config: NetworkConfig, stream: Stream) -> Self {
        Network { config, stream }
    }

    /// Whether a partition in force at `now` separates `a` from `b` (no draws are made).
    pub fn separated(&self, now: SimTime, a: ActorId, b: ActorId) -> bool {
        now < self.config.faults_until
            && self
                .config
                .partitions
                .iter()
                .any(|p| p.separates(now, a, b))
    }

    /// Decides the fate of a message sent at `now`. Draws exactly twice per message, so the
    /// fate of one message never shifts the draws of the next.
    pub fn route(&mut self, now: SimTime, from: ActorId, to: ActorId) -> Fate {
        let lost = self.stream.unit();
        let lo = self.config.latency_min.as_ms();
        let hi = self.config.latency_max.as_ms().max(lo);
        let latency = lo + self.stream.below(hi - lo + 1);
        let faulty = now < self.config.faults_until;
        if faulty && from != to {
            if self
                .config
                .partitions
                .iter()
                .any(|p| p.separates(now, from, to))
            {
                return Fate::Drop("partition");
            }
            if lost < self.config.drop {
                return Fate::Drop("lost");
            }
        }
        Fate::DeliverAt(now.plus(Dur::ms(latency)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::seed::SeedTree;

    fn net(cfg: NetworkConfig) -> Network {
        Network::new(cfg, SeedTree::new(5).stream("network"))
    }

    #[test]
    fn latency_stays_in_range() {
        let mut n = net(NetworkConfig {
            latency_min: Dur::ms(200),
            latency_max: Dur::secs(2),
            ..Default::default()
        });
        for i in 0..1000 {
            match n.route(SimTime(1000), ActorId(0), ActorId(1 + i % 3)) {
                Fate::DeliverAt(t) => assert!(t >= SimTime(1200) && t <= SimTime(3000)),
                f => panic!("{f:?}"),
            }
        }
    }

    #[test]
    fn drops_at_the_configured_rate_and_stop_with_faults() {
        let mut n = net(NetworkConfig {
            drop: 0.2,
            faults_until: SimTime(10_000),
            ..Default::default()
        });
        let dropped = (0..10_000)
            .filter(|_| matches!(n.route(SimTime(0), ActorId(0), ActorId(1)), Fate::Drop(_)))
            .count();
        assert!((1_800..2_200).contains(&dropped), "{dropped}");
        let late = (0..1000)
            .filter(|_| {
                matches!(
                    n.route(SimTime(10_000), ActorId(0), ActorId(1)),
                    Fate::Drop(_)
                )
            })
            .count();
        assert_eq!(late, 0);
    }

    #[test]
    fn partitions_cut_across_groups_only_while_in_force() {
        let p = Partition {
            from: SimTime(100),
            to: SimTime(200),
            groups: vec![vec![ActorId(0), ActorId(1)], vec![ActorId(2)]],
        };
        assert!(p.separates(SimTime(150), ActorId(0), ActorId(2)));
        assert!(!p.separates(SimTime(150), ActorId(0), ActorId(1)));
        // Unlisted actors form their own group.
        assert!(p.separates(SimTime(150), ActorId(3), ActorId(2)));
        assert!(!p.separates(SimTime(150), ActorId(3), ActorId(4)));
        assert!(!p.separates(SimTime(99), ActorId(0), ActorId(2)));
        assert!(!p.separates(SimTime(200), ActorId(0), ActorId(2)));
        let mut n = net(NetworkConfig {
            partitions: vec![p],
            ..Default::default()
        });
        assert_eq!(
            n.route(SimTime(150), ActorId(0), ActorId(2)),
            Fate::Drop("partition")
        );
    }
}
