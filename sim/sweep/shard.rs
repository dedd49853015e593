//! Shards: one slice of a sweep's runs, for job arrays on a cluster.
//!
//! Without a stop rule run `i = point × runs + run` belongs to shard `i mod count`, which
//! spreads every point over all shards. With a stop rule whole points go to shard
//! `point mod count`, because whether a point needs another run depends on its earlier runs.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Shard `index` of `count` (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    pub fn is_all(&self) -> bool {
        self.count == 1
    }

    /// Whether run `run` of `point` belongs to this shard.
    pub fn owns(&self, point: usize, run: u32, runs: u32, by_point: bool) -> bool {
        let count = u64::from(self.count.max(1));
        let key = if by_point {
            point as u64
        } else {
            point as u64 * u64::from(runs) + u64::from(run)
        };
        key % count == u64::from(self.index)
    }

    /// Parses `K/N` (explicit index) or `N` (index from the job array's environment, see
    /// [`index_from_env`]); `env` looks a variable up.
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let num = |s: &str, what: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| format!("invalid shard {what} `{s}` in `{text}`"))
        };
        let (index, count) = match text.split_once('/') {
            Some((k, n)) => (num(k, "index")?, num(n, "count")?),
            None => {
                let n = num(text, "count")?;
                let k = index_from_env(env).ok_or_else(|| {
                    format!(
                        "`--shard {text}` takes its index from SLURM_ARRAY_TASK_ID or \
                         JOB_COMPLETION_INDEX, and neither is set; write `--shard K/{text}`"
                    )
                })??;
                (k, n)
            }
        };
        if count == 0 {
            return Err("the shard count must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "shard index {index} is out of range for {count} shards (indices are 0..{})",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }
}

/// The shard index a job array gives this process: a Kubernetes Indexed Job's
/// `JOB_COMPLETION_INDEX`, or Slurm's `SLURM_ARRAY_TASK_ID` minus `SLURM_ARRAY_TASK_MIN` (so
/// `--array=1-8` works as well as `--array=0-7`).
pub fn index_from_env(env: &dyn Fn(&str) -> Option<String>) -> Option<Result<u32, String>> {
    let parse = |var: &str, v: String| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| format!("{var}=`{v}` is not a shard index"))
    };
    if let Some(v) = env("SLURM_ARRAY_TASK_ID") {
        let id = match parse("SLURM_ARRAY_TASK_ID", v) {
            Ok(id) => id,
            Err(e) => return Some(Err(e)),
        };
        let min = match env("SLURM_ARRAY_TASK_MIN").map(|m| parse("SLURM_ARRAY_TASK_MIN", m)) {
            Some(Ok(m)) => m,
            Some(Err(e)) => return Some(Err(e)),
            None => 0,
        };
        return Some(id.checked_sub(min).ok_or_else(|| {
            format!("SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}")
        }));
    }
    env("JOB_COMPLETION_INDEX").map(|v| parse("JOB_COMPLETION_INDEX", v))
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn parse_forms() {
        let none = env(&[]);
        assert_eq!(Shard::parse("2/4", &none), Ok(Shard { index: 2, count: 4 }));
        assert!(Shard::parse("4/4", &none)
            .unwrap_err()
            .contains("out of range"));
        assert!(Shard::parse("0/0", &none).is_err());
        assert!(Shard::parse("x/2", &none).is_err());
        assert!(Shard::parse("4", &none)
            .unwrap_err()
            .contains("SLURM_ARRAY_TASK_ID"));
        let slurm = env(&[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "1")]);
        assert_eq!(Shard::parse("4", &slurm), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(
            Shard::parse("1/4", &slurm),
            Ok(Shard { index: 1, count: 4 })
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "5")]);
        assert_eq!(Shard::parse("8", &k8s), Ok(Shard { index: 5, count: 8 }));
        assert!(Shard::parse("4", &k8s)
            .unwrap_err()
            .contains("out of range"));
        let bad = env(&[("JOB_COMPLETION_INDEX", "x")]);
        assert!(Shard::parse("4", &bad).is_err());
    }

    #[test]
    fn shards_partition_the_runs() {
        for by_point in [false, true] {
            let n = 3;
            let mut owners = [0; 7 * 5];
            for k in 0..n {
                let s = Shard { index: k, count: n };
                for p in 0..7 {
                    for r in 0..5 {
                        if s.owns(p, r, 5, by_point) {
                            owners[p * 5 + r as usize] += 1;
                        }
                    }
                }
            }
            assert!(owners.iter().all(|&c| c == 1));
        }
    }
}
