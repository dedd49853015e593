//! Metrics of a run: counters, gauges and distributions, sampled into the trace at a fixed
//! interval and reported at the end.

use super::lookup::LookupMap;
use crate::trace::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
enum Metric {
    Counter(i128),
    Gauge(Value),
    Dist {
        count: u64,
        sum: f64,
        min: f64,
        max: f64,
    },
}

/// The engine's own counters bumped per transaction: [`Metrics::bump`] remembers their slots by
/// position, so the hot path skips hashing their names. Same metrics as [`Metrics::add`] of
/// [`Counter::name`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Counter {
    TxSubmitted,
    TxIncluded,
    GasUsed,
}

impl Counter {
    const COUNT: usize = 3;

    pub(crate) fn name(self) -> &'static str {
        match self {
            Counter::TxSubmitted => "tx.submitted",
            Counter::TxIncluded => "tx.included",
            Counter::GasUsed => "gas.used",
        }
    }
}

/// All metrics of one run, by name. Reports read them in name order (`by_name`); the hot
/// path (a few counters bumped per transaction and block) finds a metric's slot through a
/// lookup-only hash map instead of comparing names down a tree.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    /// Slot of every metric, in name order (what reports iterate).
    by_name: BTreeMap<String, usize>,
    /// The same slots, for lookups by name only (see [`super::lookup`]).
    index: LookupMap<String, usize>,
    slots: Vec<Metric>,
    /// Slot of each [`Counter`] once it exists.
    known: [Option<usize>; Counter::COUNT],
}

impl Metrics {
    /// The metric called `name`, created as `fresh` if there is none yet.
    fn slot(&mut self, name: &str, fresh: impl FnOnce() -> Metric) -> &mut Metric {
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                let i = self.slots.len();
                self.slots.push(fresh());
                self.by_name.insert(name.to_string(), i);
                self.index.insert(name.to_string(), i);
                i
            }
        };
        &mut self.slots[i]
    }

    pub fn add(&mut self, name: &str, delta: i128) {
        let mut created = false;
        let m = self.slot(name, || {
            created = true;
            Metric::Counter(delta)
        });
        if created {
            return;
        }
        match m {
            Metric::Counter(c) => *c += delta,
            other => *other = Metric::Counter(delta),
        }
    }

    /// [`Metrics::add`] of one of the engine's own counters.
    pub(crate) fn bump(&mut self, counter: Counter, delta: i128) {
        if let Some(i) = self.known[counter as usize] {
            if let Metric::Counter(c) = &mut self.slots[i] {
                *c += delta;
                return;
            }
        }
        self.add(counter.name(), delta);
        self.known[counter as usize] = self.index.get(counter.name()).copied();
    }

    pub fn set(&mut self, name: &str, value: Value) {
        *self.slot(name, || Metric::Gauge(value)) = Metric::Gauge(value);
    }

    pub fn max(&mut self, name: &str, value: i128) {
        let m = self.slot(name, || Metric::Gauge(Value::Int(value)));
        match m {
            Metric::Gauge(Value::Int(v)) if *v >= value => {}
            other => *other = Metric::Gauge(Value::Int(value)),
        }
    }

    pub fn observe(&mut self, name: &str, value: f64) {
        let mut created = false;
        let m = self.slot(name, || {
            created = true;
            Metric::Dist {
                count: 1,
                sum: value,
                min: value,
                max: value,
            }
        });
        if created {
            return;
        }
        match m {
            Metric::Dist {
                count,
                sum,
                min,
                max,
            } => {
                *count += 1;
                *sum += value;
                *min = min.min(value);
                *max = max.max(value);
            }
            other => {
                *other = Metric::Dist {
                    count: 1,
                    sum: value,
                    min: value,
                    max: value,
                }
            }
        }
    }

    /// Current value of a counter or gauge (distributions: their mean).
    pub fn get(&self, name: &str) -> Option<Value> {
        self.values()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Flattened `(name, value)` pairs in name order; a distribution `d` gives `d.count`,
    /// `d.mean`, `d.min` and `d.max`.
    pub fn values(&self) -> Vec<(String, Value)> {
        let mut out = Vec::with_capacity(self.by_name.len());
        for (name, &i) in &self.by_name {
            match &self.slots[i] {
                Metric::Counter(c) => out.push((name.clone(), Value::Int(*c))),
                Metric::Gauge(v) => out.push((name.clone(), *v)),
                Metric::Dist {
                    count,
                    sum,
                    min,
                    max,
                } => {
                    out.push((format!("{name}.count"), Value::Int(*count as i128)));
                    out.push((format!("{name}.mean"), Value::Real(sum / *count as f64)));
                    out.push((format!("{name}.min"), Value::Real(*min)));
                    out.push((format!("{name}.max"), Value::Real(*max)));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bump_is_add_by_name() {
        let (mut fast, mut slow) = (Metrics::default(), Metrics::default());
        for (i, c) in [Counter::GasUsed, Counter::TxSubmitted, Counter::GasUsed]
            .into_iter()
            .enumerate()
        {
            fast.bump(c, 10 + i as i128);
            slow.add(c.name(), 10 + i as i128);
            slow.add("other", 1);
            fast.add("other", 1);
        }
        assert_eq!(fast.values(), slow.values());
        assert_eq!(fast.get("gas.used"), Some(Value::Int(22)));
        // A gauge set under a counter's name is replaced by the next bump, as `add` does.
        fast.set("gas.used", Value::Real(1.5));
        slow.set("gas.used", Value::Real(1.5));
        fast.bump(Counter::GasUsed, 4);
        slow.add("gas.used", 4);
        assert_eq!(fast.values(), slow.values());
        fast.bump(Counter::GasUsed, 1);
        assert_eq!(fast.get("gas.used"), Some(Value::Int(5)));
        assert_eq!(fast.get("tx.included"), None);
    }

    #[test]
    fn counters_gauges_and_distributions() {
        let mut m = Metrics::default();
        m.add("tx", 2);
        m.add("tx", 3);
        m.set("rate", Value::Real(0.5));
        m.max("peak", 4);
        m.max("peak", 2);
        m.observe("lat", 1.0);
        m.observe("lat", 3.0);
        let v = m.values();
        let names: Vec<_> = v.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "lat.count",
                "lat.mean",
                "lat.min",
                "lat.max",
                "peak",
                "rate",
                "tx"
            ]
        );
        assert_eq!(m.get("tx"), Some(Value::Int(5)));
        assert_eq!(m.get("peak"), Some(Value::Int(4)));
        assert_eq!(m.get("lat.mean"), Some(Value::Real(2.0)));
    }
}
