//! Rendering library errors as miette reports at the CLI edge.

use crucible::scenario::ScenarioError;
use miette::{Diagnostic, LabeledSpan, NamedSource, Report};
use std::fmt;

/// A scenario error with its source text, for a snippet with a caret.
#[derive(Debug)]
struct ScenarioDiag {
    err: ScenarioError,
    src: Option<NamedSource<String>>,
}

impl fmt::Display for ScenarioDiag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.err.loc {
            Some(l) => write!(
                f,
                "{}:{}:{}: {}",
                self.err.file, l.line, l.col, self.err.message
            ),
            None => write!(f, "{}: {}", self.err.file, self.err.message),
        }
    }
}

impl std::error::Error for ScenarioDiag {}

impl Diagnostic for ScenarioDiag {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("crucible::scenario"))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.err
            .hint
            .as_ref()
            .map(|h| Box::new(h.clone()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let loc = self.err.loc?;
        self.src.as_ref()?;
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some("here".into()),
            loc.offset,
            0,
        ))))
    }
}

/// Prints a scenario error with a source snippet when the file can be read.
pub fn scenario_error(err: ScenarioError, text: Option<String>) {
    let text = text.or_else(|| std::fs::read_to_string(&err.file).ok());
    let src = text.map(|t| NamedSource::new(err.file.clone(), t));
    let report = Report::new(ScenarioDiag { err, src });
    eprintln!("{report:?}");
}

/// Prints any other error.
pub fn error(msg: impl fmt::Display) {
    eprintln!("{:?}", miette::miette!("{msg}"));
}
