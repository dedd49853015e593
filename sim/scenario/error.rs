//! Located scenario errors.

use super::suggest;
use super::yaml::Loc;
use std::fmt;

/// Separator between a message and its hint when both travel through `serde::de::Error::custom`.
///
/// [`hinted`] joins them with it and [`ScenarioError`]'s `custom` splits them again, so value
/// types can attach a hint while staying generic over the deserializer. Through any other
/// deserializer the text still reads naturally.
pub const HINT_SEPARATOR: &str = "\n  hint: ";

/// An error in a scenario: where (file, line, column), what, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// File the scenario came from (empty when not known yet; see [`ScenarioError::with_file`]).
    pub file: String,
    /// Where in the file; `None` when the error is about the scenario as a whole.
    pub loc: Option<Loc>,
    /// What is wrong, e.g. "expected u64, found string \"abc\"".
    pub message: String,
    /// How to fix it, e.g. "did you mean `duration`?".
    pub hint: Option<String>,
}

impl ScenarioError {
    /// An error without location.
    pub fn new(message: impl Into<String>) -> Self {
        ScenarioError {
            file: String::new(),
            loc: None,
            message: message.into(),
            hint: None,
        }
    }

    /// An error at `loc`.
    pub fn at(loc: Loc, message: impl Into<String>) -> Self {
        ScenarioError {
            loc: Some(loc),
            ..ScenarioError::new(message)
        }
    }

    /// Sets the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the hint unless there already is one.
    pub fn or_hint(mut self, hint: impl FnOnce() -> String) -> Self {
        if self.hint.is_none() {
            self.hint = Some(hint());
        }
        self
    }

    /// Sets the file name.
    pub fn with_file(mut self, file: impl Into<String>) -> Self {
        self.file = file.into();
        self
    }

    /// Sets the location unless there already is one (the innermost location wins).
    pub fn or_at(mut self, loc: Loc) -> Self {
        if self.loc.is_none() {
            self.loc = Some(loc);
        }
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.loc, self.file.is_empty()) {
            (Some(l), false) => write!(f, "{}:{}:{}: ", self.file, l.line, l.col)?,
            (Some(l), true) => write!(f, "{}:{}: ", l.line, l.col)?,
            (None, false) => write!(f, "{}: ", self.file)?,
            (None, true) => {}
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "{HINT_SEPARATOR}{hint}")?;
        }
        Ok(())
    }
}

/// Builds a `serde` error carrying a message and a hint (see [`HINT_SEPARATOR`]).
pub fn hinted<E: serde::de::Error>(message: impl fmt::Display, hint: impl fmt::Display) -> E {
    E::custom(format_args!("{message}{HINT_SEPARATOR}{hint}"))
}

/// "`a`, `b`, `c`" for error messages.
fn one_of(expected: &'static [&'static str]) -> String {
    if expected.is_empty() {
        return "nothing is accepted here".to_string();
    }
    let names: Vec<String> = expected.iter().map(|e| format!("`{e}`")).collect();
    format!("expected one of: {}", names.join(", "))
}

/// serde's description of a found value, in YAML terms.
fn found(unexp: &serde::de::Unexpected<'_>) -> String {
    use serde::de::Unexpected;
    match unexp {
        Unexpected::Unit | Unexpected::Option => "null".to_string(),
        Unexpected::Seq => "a sequence".to_string(),
        Unexpected::Map => "a mapping".to_string(),
        Unexpected::Float(f) => format!("float `{f}`"),
        other => other.to_string(),
    }
}

fn unknown(what: &str, name: &str, expected: &'static [&'static str]) -> ScenarioError {
    let err = ScenarioError::new(format!("unknown {what} `{name}`"));
    match suggest::closest(name, expected.iter().copied()) {
        Some(s) => err.with_hint(format!("did you mean `{s}`?")),
        None => err.with_hint(one_of(expected)),
    }
}

impl serde::de::Error for ScenarioError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        let text = msg.to_string();
        match text.split_once(HINT_SEPARATOR) {
            Some((message, hint)) => ScenarioError::new(message).with_hint(hint),
            None => ScenarioError::new(text),
        }
    }

    fn invalid_type(unexp: serde::de::Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        ScenarioError::new(format!("expected {exp}, found {}", found(&unexp)))
    }

    fn invalid_value(unexp: serde::de::Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        ScenarioError::new(format!("expected {exp}, found {}", found(&unexp)))
    }

    fn invalid_length(len: usize, exp: &dyn serde::de::Expected) -> Self {
        ScenarioError::new(format!("expected {exp}, found {len} elements"))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        unknown("variant", variant, expected)
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        unknown("field", field, expected)
    }

    fn missing_field(field: &'static str) -> Self {
        ScenarioError::new(format!("missing field `{field}`"))
    }

    fn duplicate_field(field: &'static str) -> Self {
        ScenarioError::new(format!("duplicate field `{field}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::Error as _;

    #[test]
    fn display_forms() {
        let loc = Loc {
            line: 3,
            col: 7,
            offset: 20,
        };
        let e = ScenarioError::at(loc, "bad").with_hint("fix it");
        assert_eq!(e.to_string(), "3:7: bad\n  hint: fix it");
        assert_eq!(
            e.clone().with_file("a.yaml").to_string(),
            "a.yaml:3:7: bad\n  hint: fix it"
        );
        assert_eq!(ScenarioError::new("x").to_string(), "x");
        assert_eq!(ScenarioError::new("x").with_file("f").to_string(), "f: x");
    }

    #[test]
    fn serde_constructors() {
        let e = ScenarioError::unknown_field("duratoin", &["name", "duration"]);
        assert_eq!(e.message, "unknown field `duratoin`");
        assert_eq!(e.hint.as_deref(), Some("did you mean `duration`?"));
        let e = ScenarioError::unknown_field("zzz", &["a", "b", "c"]);
        assert_eq!(e.hint.as_deref(), Some("expected one of: `a`, `b`, `c`"));
        let e = ScenarioError::unknown_variant("Raidne", &["raiden", "tbtc"]);
        assert_eq!(e.message, "unknown variant `Raidne`");
        assert_eq!(e.hint.as_deref(), Some("did you mean `raiden`?"));
        let e = ScenarioError::missing_field("seed");
        assert_eq!(e.message, "missing field `seed`");
        let e = ScenarioError::custom(format!("bad{HINT_SEPARATOR}good"));
        assert_eq!(
            (e.message.as_str(), e.hint.as_deref()),
            ("bad", Some("good"))
        );
        let e: ScenarioError = hinted("m", "h");
        assert_eq!(e.to_string(), "m\n  hint: h");
        let loc = Loc::default();
        assert_eq!(e.or_at(loc).loc, Some(loc));
    }
}
