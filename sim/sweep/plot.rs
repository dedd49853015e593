//! SVG plots of `points.csv`: for every metric and every swept parameter, the metric's mean
//! against the parameter with its 95% interval as a band, one series per combination of the
//! other parameters' values. Sampled designs (every point its own series) are drawn as one
//! series of markers with interval bars. Plots are plain SVG text written by this module alone,
//! so they are byte-identical wherever the points were computed.

use super::error::SweepError;
use super::runner::write_atomic;
use super::table::{split, Layout};
use crate::engine::time::Dur;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

const W: f64 = 720.0;
const H: f64 = 440.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 200.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;
const COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
];

/// One point of a series: x, mean and the interval (if any).
#[derive(Clone, Debug)]
struct Mark {
    x: f64,
    mean: f64,
    band: Option<(f64, f64)>,
}

/// A parameter's values as plot coordinates: numbers, durations (in ms) or categories.
struct Axis {
    coords: Vec<f64>,
    /// Tick labels for categories (`None` for a numeric axis).
    categories: Option<Vec<String>>,
    unit: &'static str,
}

fn axis_of(values: &[String]) -> Axis {
    if let Some(c) = values
        .iter()
        .map(|v| v.parse::<f64>().ok().filter(|f| f.is_finite()))
        .collect::<Option<Vec<f64>>>()
    {
        return Axis {
            coords: c,
            categories: None,
            unit: "",
        };
    }
    if let Some(c) = values
        .iter()
        .map(|v| v.parse::<Dur>().ok().map(|d| d.as_ms() as f64 / 1000.0))
        .collect::<Option<Vec<f64>>>()
    {
        return Axis {
            coords: c,
            categories: None,
            unit: " (s)",
        };
    }
    let mut cats: Vec<String> = Vec::new();
    for v in values {
        if !cats.contains(v) {
            cats.push(v.clone());
        }
    }
    let coords = values
        .iter()
        .map(|v| cats.iter().position(|c| c == v).unwrap_or(0) as f64)
        .collect();
    Axis {
        coords,
        categories: Some(cats),
        unit: "",
    }
}

/// File name of the plot of `metric` against `param`.
pub fn file_name(metric: &str, param: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("plot--{}--vs--{}.svg", clean(metric), clean(param))
}

/// Every plot of a `points.csv` text: `(file name, SVG text)`, sorted by file name.
pub fn plots(layout: &Layout, points_csv: &str) -> Vec<(String, String)> {
    let mut lines = points_csv.lines();
    let Some(header) = lines.next().and_then(split) else {
        return Vec::new();
    };
    let rows: Vec<Vec<String>> = lines
        .filter_map(split)
        .filter(|r| r.len() == header.len())
        .collect();
    let params: Vec<String> = layout.columns[2..2 + layout.params].to_vec();
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut out = Vec::new();
    for metric in layout.metrics() {
        let (Some(mean), Some(lo), Some(hi)) = (
            col(&format!("{metric}.mean")),
            col(&format!("{metric}.ci95_lo")),
            col(&format!("{metric}.ci95_hi")),
        ) else {
            continue;
        };
        for (k, param) in params.iter().enumerate() {
            let xs: Vec<String> = rows.iter().map(|r| r[1 + k].clone()).collect();
            let axis = axis_of(&xs);
            let mut series: BTreeMap<String, Vec<Mark>> = BTreeMap::new();
            let mut order: Vec<String> = Vec::new();
            for (i, r) in rows.iter().enumerate() {
                let Ok(m) = r[mean].parse::<f64>() else {
                    continue;
                };
                let band = match (r[lo].parse::<f64>(), r[hi].parse::<f64>()) {
                    (Ok(a), Ok(b)) => Some((a, b)),
                    _ => None,
                };
                let label: Vec<String> = params
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != k)
                    .map(|(j, p)| format!("{p}={}", r[1 + j]))
                    .collect();
                let label = label.join(", ");
                if !series.contains_key(&label) {
                    order.push(label.clone());
                }
                series.entry(label).or_default().push(Mark {
                    x: axis.coords[i],
                    mean: m,
                    band,
                });
            }
            let scattered = series.values().all(|s| s.len() == 1) && series.len() > 1;
            let named: Vec<(String, Vec<Mark>)> = if scattered {
                vec![(
                    String::new(),
                    order.iter().flat_map(|l| series[l].clone()).collect(),
                )]
            } else {
                order
                    .iter()
                    .map(|l| (l.clone(), series[l].clone()))
                    .collect()
            };
            let svg = draw(metric, param, &axis, named, !scattered);
            out.push((file_name(metric, param), svg));
        }
    }
    out.sort();
    out
}

/// Writes every plot of `points_csv` into `dir`; returns how many.
pub fn write_plots(dir: &Path, layout: &Layout, points_csv: &str) -> Result<usize, SweepError> {
    let all = plots(layout, points_csv);
    for (name, svg) in &all {
        write_atomic(&dir.join(name), svg)?;
    }
    Ok(all.len())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Round tick positions covering `[lo, hi]`.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return vec![lo];
    }
    let span = hi - lo;
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= 6.0)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step - 1e-9).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 && out.len() < 20 {
        out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    out
}

fn label(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn draw(
    metric: &str,
    param: &str,
    axis: &Axis,
    series: Vec<(String, Vec<Mark>)>,
    lines: bool,
) -> String {
    let all: Vec<&Mark> = series.iter().flat_map(|(_, m)| m).collect();
    let fold = |f: &dyn Fn(&Mark) -> [f64; 2]| {
        all.iter()
            .flat_map(|m| f(m))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            })
    };
    let (mut x0, mut x1) = fold(&|m| [m.x, m.x]);
    let (mut y0, mut y1) = fold(&|m| {
        let (a, b) = m.band.unwrap_or((m.mean, m.mean));
        [a.min(m.mean), b.max(m.mean)]
    });
    if !(x0.is_finite() && x1.is_finite()) {
        (x0, x1) = (0.0, 1.0);
    }
    if !(y0.is_finite() && y1.is_finite()) {
        (y0, y1) = (0.0, 1.0);
    }
    let pad = |a: &mut f64, b: &mut f64, frac: f64| {
        let d = if *b > *a {
            (*b - *a) * frac
        } else {
            a.abs().max(1.0) * 0.5
        };
        *a -= d;
        *b += d;
    };
    pad(&mut x0, &mut x1, 0.05);
    pad(&mut y0, &mut y1, 0.08);
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let sx = |x: f64| LEFT + (x - x0) / (x1 - x0) * pw;
    let sy = |y: f64| TOP + ph - (y - y0) / (y1 - y0) * ph;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r##"<rect width="{W}" height="{H}" fill="#ffffff"/>"##);
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="22" font-size="14" text-anchor="middle">{} vs {}</text>"#,
        LEFT + pw / 2.0,
        esc(metric),
        esc(param)
    );
    // Axes and ticks.
    let _ = writeln!(
        s,
        r##"<path d="M{LEFT:.1},{TOP:.1}V{:.1}H{:.1}" fill="none" stroke="#333333"/>"##,
        TOP + ph,
        LEFT + pw
    );
    let xticks: Vec<(f64, String)> = match &axis.categories {
        Some(c) => c
            .iter()
            .enumerate()
            .map(|(i, l)| (i as f64, l.clone()))
            .collect(),
        None => ticks(x0, x1).into_iter().map(|t| (t, label(t))).collect(),
    };
    for (t, l) in xticks {
        let x = sx(t);
        let _ = writeln!(
            s,
            r##"<path d="M{x:.1},{:.1}v5" stroke="#333333"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            TOP + ph,
            TOP + ph + 18.0,
            esc(&l)
        );
    }
    for t in ticks(y0, y1) {
        let y = sy(t);
        let _ = writeln!(
            s,
            r##"<path d="M{:.1},{y:.1}h5" stroke="#333333"/><path d="M{LEFT:.1},{y:.1}h{pw:.1}" stroke="#eeeeee"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT - 5.0,
            LEFT - 8.0,
            y + 4.0,
            label(t)
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}{}</text>"#,
        LEFT + pw / 2.0,
        H - 15.0,
        esc(param),
        axis.unit
    );
    let _ = writeln!(
        s,
        r#"<text transform="translate(18,{:.1}) rotate(-90)" text-anchor="middle">{} (mean, 95% interval)</text>"#,
        TOP + ph / 2.0,
        esc(metric)
    );
    // Series.
    for (i, (name, marks)) in series.iter().enumerate() {
        let c = COLOURS[i % COLOURS.len()];
        let mut marks = marks.clone();
        marks.sort_by(|a, b| a.x.total_cmp(&b.x));
        if lines {
            let banded: Vec<&Mark> = marks.iter().filter(|m| m.band.is_some()).collect();
            if banded.len() > 1 {
                let mut d = String::new();
                for (j, m) in banded.iter().enumerate() {
                    let (_, hi) = m.band.unwrap_or((m.mean, m.mean));
                    let _ = write!(
                        d,
                        "{}{:.1},{:.1}",
                        if j == 0 { "M" } else { "L" },
                        sx(m.x),
                        sy(hi)
                    );
                }
                for m in banded.iter().rev() {
                    let (lo, _) = m.band.unwrap_or((m.mean, m.mean));
                    let _ = write!(d, "L{:.1},{:.1}", sx(m.x), sy(lo));
                }
                let _ = writeln!(
                    s,
                    r#"<path d="{d}Z" fill="{c}" fill-opacity="0.15" stroke="none"/>"#
                );
            }
            let pts: Vec<String> = marks
                .iter()
                .map(|m| format!("{:.1},{:.1}", sx(m.x), sy(m.mean)))
                .collect();
            let _ = writeln!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{c}" stroke-width="2"/>"#,
                pts.join(" ")
            );
        }
        for m in &marks {
            if let (Some((lo, hi)), false) = (m.band, lines) {
                let _ = writeln!(
                    s,
                    r#"<path d="M{:.1},{:.1}V{:.1}" stroke="{c}"/>"#,
                    sx(m.x),
                    sy(lo),
                    sy(hi)
                );
            }
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{c}"/>"#,
                sx(m.x),
                sy(m.mean)
            );
        }
        if !name.is_empty() {
            let y = TOP + 10.0 + i as f64 * 18.0;
            let _ = writeln!(
                s,
                r#"<path d="M{:.1},{y:.1}h16" stroke="{c}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{}</text>"#,
                W - RIGHT + 12.0,
                W - RIGHT + 32.0,
                y + 4.0,
                esc(name)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_plot_per_metric_and_parameter_with_series_bands_and_legend() {
        let layout = Layout::parse("point,run,a,b,seed,digest,violated,error,m").unwrap();
        let points = "point,a,b,runs,violated_runs,error_runs,m.n,m.mean,m.sd,m.ci95_lo,m.ci95_hi,m.min,m.max\n\
                      0,1m,x,2,0,0,2,1,1,0,2,0,2\n\
                      1,1m,y,2,0,0,2,2,1,1,3,1,3\n\
                      2,5m,x,2,0,0,2,3,1,2,4,2,4\n\
                      3,5m,y,1,0,0,1,4,,,,4,4\n";
        let p = plots(&layout, points);
        let names: Vec<&str> = p.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["plot--m--vs--a.svg", "plot--m--vs--b.svg"]);
        let (_, svg) = &p[0];
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(
            svg.matches("<polyline").count(),
            2,
            "one line per value of b"
        );
        assert_eq!(
            svg.matches("fill-opacity").count(),
            1,
            "b=y has one interval only"
        );
        assert!(svg.contains(">b=x</text>") && svg.contains(">b=y</text>"));
        assert!(
            svg.contains(">a (s)</text>"),
            "durations are plotted in seconds"
        );
        assert_eq!(plots(&layout, points), p, "deterministic");
        let (_, by_b) = &p[1];
        assert!(
            by_b.contains(">x</text>") && by_b.contains(">y</text>"),
            "categories"
        );
    }

    #[test]
    fn sampled_designs_become_one_series_of_markers() {
        let layout = Layout::parse("point,run,a,b,seed,digest,violated,error,m").unwrap();
        let points = "point,a,b,runs,violated_runs,error_runs,m.n,m.mean,m.sd,m.ci95_lo,m.ci95_hi,m.min,m.max\n\
                      0,0.1,7,2,0,0,2,1,1,0,2,0,2\n\
                      1,0.5,3,2,0,0,2,2,1,1,3,1,3\n\
                      2,0.9,5,2,0,0,0,,,,,,\n";
        for (_, svg) in plots(&layout, points) {
            assert_eq!(svg.matches("<polyline").count(), 0);
            assert_eq!(svg.matches("<circle").count(), 2);
        }
        assert!(plots(&layout, "").is_empty());
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(0.0, 10.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(-0.3, 0.3).len(), 7);
        assert_eq!(ticks(5.0, 5.0), [5.0]);
        assert_eq!(label(0.30000000000000004), "0.3");
    }
}
