//! The results tables: `runs.csv` (one row per run) and `points.csv` (one row per point).
//!
//! Every row is one line. Cells containing a comma or a double quote are quoted (RFC 4180);
//! line breaks never occur in cells. Columns of `runs.csv`: `point`, `run`, one per parameter,
//! `seed`, `digest`, `violated` (names of failed invariants, `|`-separated), `error` (why a run
//! could not complete), then one per metric (empty when the run did not produce it).

use super::spec::{Sweep, FIXED_COLUMNS};
use super::stats::summarize;
use std::fmt::Write as _;

/// One row of `runs.csv`, as text cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub point: usize,
    pub run: u32,
    pub cells: Vec<String>,
}

impl Row {
    /// The row as a CSV line with its newline.
    pub fn line(&self) -> String {
        let mut s = join(&self.cells);
        s.push('\n');
        s
    }
}

/// Where things are in a `runs.csv` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub columns: Vec<String>,
    /// Number of parameter columns (they start at index 2).
    pub params: usize,
}

impl Layout {
    /// The layout of a sweep's results.
    pub fn of(sweep: &Sweep) -> Layout {
        let mut columns = vec!["point".to_string(), "run".to_string()];
        columns.extend(sweep.params.iter().map(|p| p.name.clone()));
        columns.extend(FIXED_COLUMNS[2..].iter().map(|s| s.to_string()));
        columns.extend(sweep.metrics.iter().cloned());
        Layout {
            columns,
            params: sweep.params.len(),
        }
    }

    /// Reads a layout back from a header line.
    pub fn parse(header: &str) -> Option<Layout> {
        let columns = split(header)?;
        let seed = columns.iter().position(|c| c == "seed")?;
        let ok = seed >= 2
            && columns.len() >= seed + 4
            && columns[0] == "point"
            && columns[1] == "run"
            && columns[seed..seed + 4] == ["seed", "digest", "violated", "error"];
        ok.then(|| Layout {
            params: seed - 2,
            columns,
        })
    }

    pub fn header(&self) -> String {
        let mut s = join(&self.columns);
        s.push('\n');
        s
    }

    /// Metric names, in column order.
    pub fn metrics(&self) -> &[String] {
        &self.columns[self.first_metric()..]
    }

    /// Column index of the first metric.
    pub fn first_metric(&self) -> usize {
        self.params + 6
    }

    pub fn violated_col(&self) -> usize {
        self.params + 4
    }

    pub fn error_col(&self) -> usize {
        self.params + 5
    }

    /// Parses one data line (without its newline); `None` when it is not a row of this layout.
    pub fn row(&self, line: &str) -> Option<Row> {
        let cells = split(line)?;
        if cells.len() != self.columns.len() {
            return None;
        }
        let point = cells[0].parse().ok()?;
        let run = cells[1].parse().ok()?;
        Some(Row { point, run, cells })
    }
}

/// A cell as CSV text.
pub fn escape(cell: &str) -> String {
    let cell = cell.replace(['\n', '\r'], " ");
    if cell.contains([',', '"']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

/// Cells joined into one CSV line (no newline).
pub fn join(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| escape(c))
        .collect::<Vec<_>>()
        .join(",")
}

/// Splits a CSV line into cells; `None` for malformed quoting.
pub fn split(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut cell = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        cell.push('"');
                    }
                    '"' => break,
                    c => cell.push(c),
                }
            }
            match chars.next() {
                None => {
                    out.push(cell);
                    return Some(out);
                }
                Some(',') => out.push(cell),
                Some(_) => return None,
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        out.push(cell);
                        return Some(out);
                    }
                    Some(',') => break,
                    Some('"') => return None,
                    Some(c) => cell.push(c),
                }
            }
            out.push(cell);
        }
    }
}

/// What reading a `runs.csv` found.
#[derive(Debug, Default)]
pub struct Read {
    pub rows: Vec<Row>,
    /// Lines that were not complete rows (a torn last line after a crash, or damage).
    pub dropped: usize,
}

/// Reads the data rows of a `runs.csv` text with layout `layout` (the header is skipped).
/// Only lines ending in a newline count; the first row for a (point, run) wins.
pub fn read_rows(text: &str, layout: &Layout) -> Read {
    let mut out = Read::default();
    let mut seen = std::collections::BTreeSet::new();
    for line in text.split_inclusive('\n').skip(1) {
        let row = line.strip_suffix('\n').and_then(|l| layout.row(l));
        match row {
            Some(r) if seen.insert((r.point, r.run)) => out.rows.push(r),
            Some(_) => {}
            None => out.dropped += 1,
        }
    }
    out
}

/// `runs.csv` text: the header and the rows sorted by (point, run).
pub fn runs_csv(layout: &Layout, rows: &mut [Row]) -> String {
    rows.sort_by_key(|r| (r.point, r.run));
    let mut s = layout.header();
    for r in rows.iter() {
        s.push_str(&r.line());
    }
    s
}

fn num(v: f64) -> String {
    format!("{v}")
}

/// `points.csv` text from rows sorted by (point, run): per point the parameter values, the
/// number of runs, of runs with a violated invariant and of runs that failed to complete, and
/// per metric n, mean, sd, 95% interval, min and max.
pub fn points_csv(layout: &Layout, rows: &[Row]) -> String {
    let mut columns = vec!["point".to_string()];
    columns.extend(layout.columns[2..2 + layout.params].iter().cloned());
    columns.extend(["runs", "violated_runs", "error_runs"].map(String::from));
    for m in layout.metrics() {
        for s in ["n", "mean", "sd", "ci95_lo", "ci95_hi", "min", "max"] {
            columns.push(format!("{m}.{s}"));
        }
    }
    let mut out = join(&columns);
    out.push('\n');
    let mut i = 0;
    while i < rows.len() {
        let point = rows[i].point;
        let end = rows[i..]
            .iter()
            .position(|r| r.point != point)
            .map_or(rows.len(), |k| i + k);
        let group = &rows[i..end];
        let mut cells = vec![point.to_string()];
        cells.extend(group[0].cells[2..2 + layout.params].iter().cloned());
        cells.push(group.len().to_string());
        let count = |col: usize| group.iter().filter(|r| !r.cells[col].is_empty()).count();
        cells.push(count(layout.violated_col()).to_string());
        cells.push(count(layout.error_col()).to_string());
        for k in 0..layout.metrics().len() {
            let col = layout.first_metric() + k;
            let values: Vec<f64> = group
                .iter()
                .filter_map(|r| r.cells[col].parse().ok())
                .collect();
            match summarize(&values) {
                Some(s) => {
                    let opt = |v: Option<f64>| v.map(num).unwrap_or_default();
                    cells.push(s.n.to_string());
                    cells.push(num(s.mean));
                    cells.push(opt(s.sd));
                    cells.push(opt(s.ci95.map(|c| c.0)));
                    cells.push(opt(s.ci95.map(|c| c.1)));
                    cells.push(num(s.min));
                    cells.push(num(s.max));
                }
                None => {
                    cells.push("0".into());
                    cells.extend(std::iter::repeat_n(String::new(), 6));
                }
            }
        }
        let _ = writeln!(out, "{}", join(&cells));
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trip() {
        let cells: Vec<String> = ["a", "b,c", "say \"hi\"", "", "x\ny", "\""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let line = join(&cells);
        assert!(!line.contains('\n'));
        let back = split(&line).unwrap();
        assert_eq!(back[..4], cells[..4]);
        assert_eq!(back[4], "x y");
        assert_eq!(back[5], "\"");
        assert_eq!(split("a,\"b").map(|v| v.len()), None);
        assert_eq!(split("a\"b"), None);
        assert_eq!(split(""), Some(vec![String::new()]));
    }

    #[test]
    fn torn_and_duplicate_lines_are_dropped() {
        assert!(Layout::parse("seed,digest,violated,error").is_none());
        assert!(Layout::parse("point,run,seed,digest").is_none());
        assert!(Layout::parse("point,run,seed,digest,violated,error").is_some());
        let layout = Layout::parse("point,run,x,seed,digest,violated,error,m").unwrap();
        assert_eq!(layout.params, 1);
        assert_eq!(layout.metrics(), ["m".to_string()]);
        let text = "point,run,x,seed,digest,violated,error,m\n\
                    0,0,1,5,0xab,,,3\n\
                    0,1,1,6,0xcd,,,4\n\
                    0,0,1,5,0xab,,,3\n\
                    1,0,2,7,0x";
        let r = read_rows(text, &layout);
        assert_eq!(r.rows.len(), 2);
        assert_eq!(r.dropped, 1);
        let pts = points_csv(&layout, &r.rows);
        assert_eq!(
            pts,
            "point,x,runs,violated_runs,error_runs,m.n,m.mean,m.sd,m.ci95_lo,m.ci95_hi,m.min,m.max\n\
             0,1,2,0,0,2,3.5,0.7071067811865476,-2.8530999999999995,9.8531,3,4\n"
        );
    }
}
