//! Experiment designs: which parameter points a sweep visits.
//!
//! - `grid`: every combination of the listed values; the first parameter varies slowest.
//! - `zip`: the i-th values of every list together; all lists have the same length.
//! - `random`: `points` independent uniform draws from each parameter's range.
//! - `latin_hypercube`: `points` draws such that each parameter's range, cut into `points`
//!   equal strata, has exactly one draw in every stratum.
//!
//! Random designs draw from the sweep's seed tree (stream `sweep/design`), so the points are a
//! function of the sweep file alone.

use crate::engine::seed::{SeedTree, Stream};
use crate::engine::time::Dur;
use crate::scenario::yaml::{Loc, Node, NodeKind};

/// Most points a design may expand to (a guard against a typo in a grid).
pub const MAX_POINTS: usize = 1_000_000;

/// A parameter as written in the sweep file.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamRef {
    /// The path as written (the column name in the results).
    pub name: String,
    /// Location of the path key in the sweep file.
    pub loc: Loc,
}

/// A list of values for one parameter (`grid`, `zip`).
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub param: ParamRef,
    pub values: Vec<Node>,
}

/// The range a sampled parameter is drawn from (bounds inclusive).
#[derive(Clone, Debug, PartialEq)]
pub enum Range {
    /// Integers in `[lo, hi]`.
    Int(i128, i128),
    /// Reals in `[lo, hi)`.
    Real(f64, f64),
    /// Durations in `[lo, hi]` milliseconds, written back as duration text.
    Dur(u64, u64),
}

/// A sampled parameter (`random`, `latin_hypercube`).
#[derive(Clone, Debug, PartialEq)]
pub struct Sampled {
    pub param: ParamRef,
    pub range: Range,
    /// Location of the range in the sweep file (given to the drawn values).
    pub loc: Loc,
}

/// An experiment design.
#[derive(Clone, Debug, PartialEq)]
pub enum Design {
    Grid(Vec<Axis>),
    Zip(Vec<Axis>),
    Random { points: usize, params: Vec<Sampled> },
    LatinHypercube { points: usize, params: Vec<Sampled> },
}

impl Design {
    /// The swept parameters, in column order.
    pub fn params(&self) -> Vec<ParamRef> {
        match self {
            Design::Grid(a) | Design::Zip(a) => a.iter().map(|a| a.param.clone()).collect(),
            Design::Random { params, .. } | Design::LatinHypercube { params, .. } => {
                params.iter().map(|s| s.param.clone()).collect()
            }
        }
    }

    /// Number of points, or `None` when it exceeds [`MAX_POINTS`].
    pub fn len(&self) -> Option<usize> {
        match self {
            Design::Grid(axes) => axes.iter().try_fold(1usize, |acc, a| {
                acc.checked_mul(a.values.len()).filter(|n| *n <= MAX_POINTS)
            }),
            Design::Zip(axes) => Some(axes.first().map_or(0, |a| a.values.len())),
            Design::Random { points, .. } | Design::LatinHypercube { points, .. } => {
                Some(*points).filter(|n| *n <= MAX_POINTS)
            }
        }
    }

    /// Whether the design has no points.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The points: one value per parameter, in [`Design::params`] order. Callers check
    /// [`Design::len`] first; zipped lists are assumed to have equal lengths.
    pub fn expand(&self, master_seed: u64) -> Vec<Vec<Node>> {
        match self {
            Design::Grid(axes) => {
                let n = self.len().unwrap_or(0);
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    let mut rest = i;
                    let mut point = vec![Node::new(NodeKind::Null); axes.len()];
                    for (k, a) in axes.iter().enumerate().rev() {
                        let len = a.values.len();
                        point[k] = a.values[rest % len].clone();
                        rest /= len;
                    }
                    out.push(point);
                }
                out
            }
            Design::Zip(axes) => {
                let n = self.len().unwrap_or(0);
                (0..n)
                    .map(|i| axes.iter().map(|a| a.values[i].clone()).collect())
                    .collect()
            }
            Design::Random { points, params } => {
                let mut rng = design_stream(master_seed);
                (0..*points)
                    .map(|_| {
                        params
                            .iter()
                            .map(|s| s.value(rng.unit()))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            }
            Design::LatinHypercube { points, params } => {
                let n = *points;
                let mut rng = design_stream(master_seed);
                let mut columns = Vec::with_capacity(params.len());
                for s in params {
                    let mut strata: Vec<usize> = (0..n).collect();
                    rng.shuffle(&mut strata);
                    let column: Vec<Node> = strata
                        .iter()
                        .map(|&k| s.value((k as f64 + rng.unit()) / n as f64))
                        .collect();
                    columns.push(column);
                }
                (0..n)
                    .map(|i| columns.iter().map(|c| c[i].clone()).collect())
                    .collect()
            }
        }
    }
}

fn design_stream(master_seed: u64) -> Stream {
    SeedTree::new(master_seed).stream("sweep/design")
}

impl Sampled {
    /// The value at quantile `u` in `[0, 1)` of the range.
    pub fn value(&self, u: f64) -> Node {
        let u = u.clamp(0.0, 1.0);
        let kind = match self.range {
            Range::Int(lo, hi) => NodeKind::Int(int_at(lo, hi, u)),
            Range::Real(lo, hi) => NodeKind::Float(lo + u * (hi - lo)),
            Range::Dur(lo, hi) => {
                let ms = int_at(lo.into(), hi.into(), u);
                NodeKind::Str(Dur(u64::try_from(ms).unwrap_or(hi)).to_string())
            }
        };
        Node::at(self.loc, kind)
    }
}

/// The integer in `[lo, hi]` whose equal-width bucket contains quantile `u`.
fn int_at(lo: i128, hi: i128, u: f64) -> i128 {
    let span = (hi - lo + 1) as f64;
    let v = lo + (u * span).floor() as i128;
    v.clamp(lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str) -> ParamRef {
        ParamRef {
            name: name.into(),
            loc: Loc::default(),
        }
    }

    fn axis(name: &str, vals: &[i64]) -> Axis {
        Axis {
            param: p(name),
            values: vals.iter().map(|v| Node::from(*v)).collect(),
        }
    }

    fn ints(points: &[Vec<Node>]) -> Vec<Vec<i128>> {
        points
            .iter()
            .map(|pt| pt.iter().map(|n| n.as_int().unwrap()).collect())
            .collect()
    }

    #[test]
    fn grid_is_the_full_product_first_parameter_slowest() {
        let d = Design::Grid(vec![axis("a", &[1, 2]), axis("b", &[10, 20, 30])]);
        assert_eq!(d.len(), Some(6));
        assert_eq!(
            ints(&d.expand(0)),
            vec![
                vec![1, 10],
                vec![1, 20],
                vec![1, 30],
                vec![2, 10],
                vec![2, 20],
                vec![2, 30]
            ]
        );
        let d3 = Design::Grid(vec![
            axis("a", &[1, 2, 3, 4]),
            axis("b", &[1, 2, 3]),
            axis("c", &[1, 2]),
        ]);
        assert_eq!(d3.len(), Some(24));
        assert_eq!(d3.expand(0).len(), 24);
        let huge = Design::Grid((0..7).map(|i| axis(&i.to_string(), &[0; 10])).collect());
        assert_eq!(huge.len(), None);
    }

    #[test]
    fn zip_pairs_values() {
        let d = Design::Zip(vec![axis("a", &[1, 2, 3]), axis("b", &[4, 5, 6])]);
        assert_eq!(ints(&d.expand(0)), vec![vec![1, 4], vec![2, 5], vec![3, 6]]);
    }

    fn sampled(name: &str, range: Range) -> Sampled {
        Sampled {
            param: p(name),
            range,
            loc: Loc::default(),
        }
    }

    #[test]
    fn latin_hypercube_covers_each_stratum_once() {
        for n in [1usize, 2, 7, 50] {
            let d = Design::LatinHypercube {
                points: n,
                params: vec![
                    sampled("x", Range::Real(0.0, 1.0)),
                    sampled("y", Range::Real(-5.0, 5.0)),
                    sampled("k", Range::Int(0, n as i128 * 3 - 1)),
                ],
            };
            let pts = d.expand(11);
            assert_eq!(pts.len(), n);
            let strata = |col: usize, lo: f64, hi: f64| {
                let mut hit = vec![0; n];
                for pt in &pts {
                    let v = pt[col].as_f64().unwrap();
                    assert!(v >= lo && v < hi, "{v}");
                    hit[((v - lo) / (hi - lo) * n as f64) as usize] += 1;
                }
                hit
            };
            assert_eq!(strata(0, 0.0, 1.0), vec![1; n]);
            assert_eq!(strata(1, -5.0, 5.0), vec![1; n]);
            let mut ks: Vec<i128> = pts.iter().map(|pt| pt[2].as_int().unwrap() / 3).collect();
            ks.sort();
            assert_eq!(ks, (0..n as i128).collect::<Vec<_>>());
            assert_eq!(d.expand(11), pts, "same seed, same points");
            if n > 2 {
                assert_ne!(d.expand(12), pts, "another seed, other points");
            }
        }
    }

    #[test]
    fn random_stays_in_range_and_durations_read_back() {
        let d = Design::Random {
            points: 200,
            params: vec![
                sampled("i", Range::Int(-3, 3)),
                sampled("d", Range::Dur(1_000, 60_000)),
            ],
        };
        let pts = d.expand(5);
        let mut seen = std::collections::BTreeSet::new();
        for pt in &pts {
            let i = pt[0].as_int().unwrap();
            assert!((-3..=3).contains(&i));
            seen.insert(i);
            let d: Dur = pt[1].as_str().unwrap().parse().unwrap();
            assert!((1_000..=60_000).contains(&d.as_ms()), "{d}");
        }
        assert_eq!(seen.len(), 7, "every integer is drawn");
    }
}
