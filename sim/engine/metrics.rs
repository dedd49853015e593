//! Metrics of a run: counters, gauges and distributions, sampled into the trace at a fixed
//! interval and reported at the end.

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

/// All metrics of one run, by name (sorted, so iteration is deterministic).
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    by_name: BTreeMap<String, Metric>,
}

impl Metrics {
    pub fn add(&mut self, name: &str, delta: i128) {
        match self.by_name.get_mut(name) {
            Some(Metric::Counter(c)) => *c += delta,
            Some(other) => *other = Metric::Counter(delta),
            None => {
                self.by_name
                    .insert(name.to_string(), Metric::Counter(delta));
            }
        }
    }

    pub fn set(&mut self, name: &str, value: Value) {
        self.by_name.insert(name.to_string(), Metric::Gauge(value));
    }

    pub fn max(&mut self, name: &str, value: i128) {
        match self.by_name.get_mut(name) {
            Some(Metric::Gauge(Value::Int(v))) if *v >= value => {}
            _ => {
                self.by_name
                    .insert(name.to_string(), Metric::Gauge(Value::Int(value)));
            }
        }
    }

    pub fn observe(&mut self, name: &str, value: f64) {
        match self.by_name.get_mut(name) {
            Some(Metric::Dist {
                count,
                sum,
                min,
                max,
            }) => {
                *count += 1;
                *sum += value;
                *min = min.min(value);
                *max = max.max(value);
            }
            _ => {
                self.by_name.insert(
                    name.to_string(),
                    Metric::Dist {
                        count: 1,
                        sum: value,
                        min: value,
                        max: value,
                    },
                );
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
        for (name, m) in &self.by_name {
            match m {
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
