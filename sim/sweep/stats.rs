//! Per-point statistics of a metric over runs: mean, sample standard deviation, a 95%
//! Student-t interval of the mean, minimum and maximum. Values are taken in run order, so the
//! floating-point results are the same wherever the runs were computed.

/// Statistics of one metric at one point.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator); `None` for a single value.
    pub sd: Option<f64>,
    /// 95% interval of the mean; `None` for a single value.
    pub ci95: Option<(f64, f64)>,
    pub min: f64,
    pub max: f64,
}

/// Two-sided 95% quantiles of Student's t for 1..=30 degrees of freedom.
const T975: [f64; 30] = [
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
    2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687,
    2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

/// The 0.975 quantile of Student's t with `df` degrees of freedom (`df` ≥ 1): a table up to
/// 30, then the Cornish–Fisher expansion around the normal quantile (error below 1e-4).
pub fn t975(df: usize) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    if df <= T975.len() {
        return T975[df - 1];
    }
    let z: f64 = 1.959_963_984_540_054;
    let v = df as f64;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
}

/// Statistics of `values` (in run order); `None` when there are none.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (sd, ci95) = if n > 1 {
        let var = values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let h = t975(n - 1) * sd / (n as f64).sqrt();
        (Some(sd), Some((mean - h, mean + h)))
    } else {
        (None, None)
    };
    Some(Summary {
        n,
        mean,
        sd,
        ci95,
        min,
        max,
    })
}

/// Half the width of the 95% interval of the mean, when there are at least two values.
pub fn half_width(values: &[f64]) -> Option<f64> {
    let s = summarize(values)?;
    s.ci95.map(|(lo, hi)| (hi - lo) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let s = summarize(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(s.n, 8);
        assert_eq!(s.mean, 5.0);
        assert!((s.sd.unwrap() - 2.138_089_935).abs() < 1e-9);
        let (lo, hi) = s.ci95.unwrap();
        let h = 2.3646 * 2.138_089_935 / 8f64.sqrt();
        assert!((lo - (5.0 - h)).abs() < 1e-6 && (hi - (5.0 + h)).abs() < 1e-6);
        assert_eq!((s.min, s.max), (2.0, 9.0));
        let one = summarize(&[3.5]).unwrap();
        assert_eq!((one.mean, one.sd, one.ci95), (3.5, None, None));
        assert!(summarize(&[]).is_none());
        assert_eq!(half_width(&[1.0, 1.0, 1.0]), Some(0.0));
    }

    #[test]
    fn t_quantiles_approach_the_normal() {
        assert_eq!(t975(1), 12.7062);
        assert!((t975(31) - 2.0395).abs() < 1e-4, "{}", t975(31));
        assert!((t975(60) - 2.0003).abs() < 1e-4, "{}", t975(60));
        assert!((t975(120) - 1.9799).abs() < 1e-4, "{}", t975(120));
        assert!((t975(1_000_000) - 1.96).abs() < 1e-3);
        for df in 1..200 {
            assert!(t975(df + 1) < t975(df), "decreasing at {df}");
        }
    }
}
