//! Record-by-record comparison of two traces (or a trace and a re-run).

use super::error::TraceError;
use super::format::encode_record;
use super::jsonl::{record_to_json, record_type, render_with};
use super::record::{Header, Record};
use std::collections::VecDeque;
use std::fmt;

/// Records shown before a divergence.
pub const DIFF_CONTEXT: usize = 3;

/// Where two traces first differ.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// Index of the first differing record.
    pub index: u64,
    /// The left record there, `None` if the left trace ended first.
    pub left: Option<Record>,
    /// The right record there, `None` if the right trace ended first.
    pub right: Option<Record>,
    /// Up to [`DIFF_CONTEXT`] records just before `index`, common to both traces, oldest first.
    pub context: Vec<Record>,
}

/// Compares two record streams and returns their first difference, or `None` if they are equal
/// record for record (same canonical bytes, the bytes the digest covers). An error from either
/// stream before the divergence is returned as is.
pub fn first_divergence<A, B>(a: A, b: B) -> Result<Option<Divergence>, TraceError>
where
    A: IntoIterator<Item = Result<Record, TraceError>>,
    B: IntoIterator<Item = Result<Record, TraceError>>,
{
    let (mut a, mut b) = (a.into_iter(), b.into_iter());
    let mut context: VecDeque<Record> = VecDeque::with_capacity(DIFF_CONTEXT + 1);
    let mut index = 0u64;
    loop {
        let left = a.next().transpose()?;
        let right = b.next().transpose()?;
        let same = match (&left, &right) {
            (None, None) => return Ok(None),
            (Some(l), Some(r)) => encode_record(l) == encode_record(r),
            _ => false,
        };
        if !same {
            return Ok(Some(Divergence {
                index,
                left,
                right,
                context: context.into(),
            }));
        }
        if let Some(record) = left {
            if context.len() == DIFF_CONTEXT {
                context.pop_front();
            }
            context.push_back(record);
        }
        index += 1;
    }
}

/// Names of the fields in which two records differ (all of them if the kinds differ).
pub fn differing_fields(left: &Record, right: &Record) -> Vec<String> {
    if record_type(left) != record_type(right) {
        return vec!["type".to_owned()];
    }
    match (record_to_json(left), record_to_json(right)) {
        (serde_json::Value::Object(l), serde_json::Value::Object(r)) => l
            .iter()
            .filter(|(k, v)| r.get(*k) != Some(*v))
            .map(|(k, _)| k.clone())
            .chain(r.keys().filter(|k| !l.contains_key(*k)).cloned())
            .collect(),
        _ => Vec::new(),
    }
}

impl Divergence {
    /// Human-readable report: the context, then both sides, naming the traces `left_name` and
    /// `right_name` (e.g. "recorded" and "replayed") and using the header's names if given.
    pub fn render(&self, header: Option<&Header>, left_name: &str, right_name: &str) -> String {
        let mut out = String::new();
        let width = left_name.len().max(right_name.len());
        let first = self.index - self.context.len() as u64;
        match (&self.left, &self.right) {
            (Some(l), Some(r)) => {
                out.push_str(&format!("traces diverge at record {}", self.index));
                let fields = differing_fields(l, r);
                if !fields.is_empty() {
                    out.push_str(&format!(" (differs in: {})", fields.join(", ")));
                }
                out.push('\n');
            }
            (None, Some(_)) => out.push_str(&format!(
                "the {left_name} trace ends after {} records; the {right_name} trace continues\n",
                self.index
            )),
            (Some(_), None) => out.push_str(&format!(
                "the {right_name} trace ends after {} records; the {left_name} trace continues\n",
                self.index
            )),
            (None, None) => out.push_str("traces are identical\n"),
        }
        for (k, record) in self.context.iter().enumerate() {
            out.push_str(&format!(
                "  {:width$}  #{}  {}\n",
                "",
                first + k as u64,
                render_with(record, header)
            ));
        }
        for (name, side) in [(left_name, &self.left), (right_name, &self.right)] {
            let line = match side {
                Some(record) => render_with(record, header),
                None => "(end of trace)".to_owned(),
            };
            out.push_str(&format!("  {name:>width$}  #{}  {line}\n", self.index));
        }
        out
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(None, "left", "right"))
    }
}
