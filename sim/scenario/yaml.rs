//! A located YAML tree, a serde `Deserializer` over it, and a canonical emitter.
//!
//! Scenario text is parsed once into a [`Node`] tree in which every node and every mapping key
//! carries its [`Loc`]. Typed structs are then read from the tree with [`from_node`], so every
//! error names the line and column of the innermost node involved. Sweeps edit the tree by path
//! ([`Node::set_path`]) and traces embed its canonical text ([`emit`]).

use super::error::ScenarioError;
use serde::de::{self, Deserialize, DeserializeSeed, IntoDeserializer, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A position in the scenario text: 1-based line and column (in characters) and the byte offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub line: u32,
    pub col: u32,
    pub offset: usize,
}

/// A YAML node with the location it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub loc: Loc,
    pub kind: NodeKind,
}

/// A mapping key: always a string, with its own location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub name: String,
    pub loc: Loc,
}

/// The value of a [`Node`]. Mappings keep their keys in document order.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// Deepest nesting of sequences and mappings [`parse`] accepts. It bounds stack use: about
/// 50 KiB per level in unoptimised builds, so 20 levels fit comfortably in a 2 MiB thread.
pub const MAX_DEPTH: usize = 20;

/// Parses one YAML document into a located tree.
///
/// Plain scalars resolve per the YAML 1.2 core schema (`true`/`false`, `null`/`~`/empty, decimal,
/// `0x` and `0o` integers, floats); quoted scalars are strings. Mapping keys must be strings,
/// duplicate keys are an error at the second occurrence, an empty document is a `Null` node.
/// Integers must fit in `i128`. Infinite and NaN floats are rejected. Nesting deeper than
/// [`MAX_DEPTH`] is an error.
pub fn parse(text: &str) -> Result<Node, ScenarioError> {
    let mut opts = serde_saphyr::Options::default();
    opts.with_snippet = false;
    opts.strict_booleans = true;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    opts.budget = Some(budget);
    let raw: Spanned<Raw> =
        serde_saphyr::from_str_with_options(text, opts).map_err(|e| saphyr_error(&e, text))?;
    convert(raw, text)
}

fn saphyr_error(err: &serde_saphyr::Error, text: &str) -> ScenarioError {
    use serde_saphyr::MessageFormatter as _;
    let mut inner = err;
    while let serde_saphyr::Error::AliasError { error, .. }
    | serde_saphyr::Error::WithSnippet { error, .. } = inner
    {
        inner = error;
    }
    let mut out = match inner {
        serde_saphyr::Error::DuplicateMappingKey { key, .. } => {
            let name = key.as_deref().unwrap_or("?");
            ScenarioError::new(format!("duplicate key `{name}`"))
                .with_hint("each key may appear only once in a mapping")
        }
        other => {
            let msg = serde_saphyr::DefaultMessageFormatter.format_message(other);
            if msg.starts_with("budget breached: Depth") {
                ScenarioError::new(format!(
                    "nested deeper than {MAX_DEPTH} levels of sequences and mappings"
                ))
            } else {
                <ScenarioError as de::Error>::custom(msg)
            }
        }
    };
    if let Some(l) = err.location() {
        out = out.or_at(loc_of(&l, text));
    }
    out
}

/// Byte offset of a 1-based (line, character column) position.
fn offset_of(text: &str, line: u32, col: u32) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            return offset
                + l.char_indices()
                    .nth(col.saturating_sub(1) as usize)
                    .map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}

fn loc_of(l: &serde_saphyr::Location, text: &str) -> Loc {
    let line = u32::try_from(l.line()).unwrap_or(u32::MAX);
    let col = u32::try_from(l.column()).unwrap_or(u32::MAX);
    let offset = l
        .span()
        .byte_offset()
        .and_then(|o| usize::try_from(o).ok())
        .filter(|&o| o <= text.len())
        .unwrap_or_else(|| offset_of(text, line, col));
    Loc { line, col, offset }
}

/// The source text of a scalar, when the parser reported its byte span.
fn source_of<'t>(l: &serde_saphyr::Location, text: &'t str) -> Option<&'t str> {
    let span = l.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    text.get(start..start.checked_add(len)?)
}

fn kind_name(k: &NodeKind) -> &'static str {
    match k {
        NodeKind::Null => "null",
        NodeKind::Bool(_) => "a boolean",
        NodeKind::Int(_) => "an integer",
        NodeKind::Float(_) => "a float",
        NodeKind::Str(_) => "a string",
        NodeKind::Seq(_) => "a sequence",
        NodeKind::Map(_) => "a mapping",
    }
}

fn convert(raw: Spanned<Raw>, text: &str) -> Result<Node, ScenarioError> {
    let loc = loc_of(&raw.referenced, text);
    let kind = match raw.value.0 {
        RawKind::Null => NodeKind::Null,
        RawKind::Bool(b) => NodeKind::Bool(b),
        RawKind::Int(i) => NodeKind::Int(i),
        RawKind::Float(f) => float_or_big_int(f, source_of(&raw.referenced, text), loc)?,
        RawKind::Str(s) => NodeKind::Str(s),
        RawKind::Seq(items) => NodeKind::Seq(
            items
                .into_iter()
                .map(|n| convert(n, text))
                .collect::<Result<_, _>>()?,
        ),
        RawKind::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let kloc = loc_of(&k.referenced, text);
                let name = match k.value.0 {
                    RawKind::Str(s) => s,
                    other => {
                        let shown = source_of(&k.referenced, text)
                            .map(str::trim)
                            .filter(|s| !s.is_empty() && !s.contains('\n'));
                        let kind = raw_kind_name(&other);
                        let err = ScenarioError::at(
                            kloc,
                            format!("mapping keys must be strings, found {kind}"),
                        );
                        return Err(match shown {
                            Some(s) if is_scalar(&other) => {
                                err.with_hint(format!("quote the key: `\"{s}\": …`"))
                            }
                            _ => err,
                        });
                    }
                };
                out.push((Key { name, loc: kloc }, convert(v, text)?));
            }
            NodeKind::Map(out)
        }
    };
    Ok(Node { loc, kind })
}

fn is_scalar(k: &RawKind) -> bool {
    !matches!(k, RawKind::Seq(_) | RawKind::Map(_))
}

fn raw_kind_name(k: &RawKind) -> &'static str {
    match k {
        RawKind::Null => "null",
        RawKind::Bool(_) => "a boolean",
        RawKind::Int(_) | RawKind::Float(_) => "a number",
        RawKind::Str(_) => "a string",
        RawKind::Seq(_) => "a sequence",
        RawKind::Map(_) => "a mapping",
    }
}

/// serde-saphyr reads integer literals beyond 64 bits as floats; recover them exactly.
fn float_or_big_int(f: f64, source: Option<&str>, loc: Loc) -> Result<NodeKind, ScenarioError> {
    let Some(src) = source.map(str::trim) else {
        return Ok(NodeKind::Float(f));
    };
    let digits = src.strip_prefix(['+', '-']).unwrap_or(src);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(NodeKind::Float(f));
    }
    let plain = src.strip_prefix('+').unwrap_or(src);
    match plain.parse::<i128>() {
        Ok(i) => Ok(NodeKind::Int(i)),
        Err(_) => Err(
            ScenarioError::at(loc, format!("integer `{src}` is too large"))
                .with_hint(format!("write it as a string: \"{src}\"")),
        ),
    }
}

/// What serde-saphyr hands over for one node, before locations are attached.
struct Raw(RawKind);

enum RawKind {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw(RawKind::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw(RawKind::Int(v.into())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw(RawKind::Int(v.into())))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw(RawKind::Int(v)))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        i128::try_from(v)
            .map(|v| Raw(RawKind::Int(v)))
            .map_err(|_| E::custom(format!("integer `{v}` is too large")))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw(RawKind::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw(RawKind::Str(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw(RawKind::Str(v)))
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw(RawKind::Null))
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw(RawKind::Null))
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw(RawKind::Seq(items)))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Raw>>()? {
            let value = map.next_value::<Spanned<Raw>>()?;
            entries.push((key, value));
        }
        Ok(Raw(RawKind::Map(entries)))
    }
}

// ---------------------------------------------------------------------------------------------
// Tree access and editing
// ---------------------------------------------------------------------------------------------

impl Node {
    /// A node with a default (unknown) location.
    pub fn new(kind: NodeKind) -> Node {
        Node {
            loc: Loc::default(),
            kind,
        }
    }

    /// A node at `loc`.
    pub fn at(loc: Loc, kind: NodeKind) -> Node {
        Node { loc, kind }
    }

    /// The value under `key` when this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            NodeKind::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|e| &e.1),
            _ => None,
        }
    }

    /// Mutable access to the value under `key` when this is a mapping.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.kind {
            NodeKind::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| k.name == key)
                .map(|e| &mut e.1),
            _ => None,
        }
    }

    /// The key (with its location) under which `key` is stored when this is a mapping.
    pub fn get_key(&self, key: &str) -> Option<&Key> {
        self.entries()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|e| &e.0)
    }

    /// The node at a dotted path such as `actors.0.name`: mapping keys by name, sequence items
    /// by index. The empty path is the node itself.
    pub fn get_path(&self, path: &str) -> Option<&Node> {
        let mut cur = self;
        for seg in path_segments(path) {
            cur = match &cur.kind {
                NodeKind::Map(_) => cur.get(seg)?,
                NodeKind::Seq(items) => items.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Replaces the node at a dotted path, creating missing mapping keys (a `Null` on the way
    /// becomes a mapping). Sequence items are addressed by index; the index equal to the length
    /// appends. Fails for a path through a scalar or a bad index.
    pub fn set_path(&mut self, path: &str, value: Node) -> Result<(), String> {
        let segs: Vec<&str> = path_segments(path).collect();
        let mut cur = self;
        for (i, seg) in segs.iter().enumerate() {
            let here = segs[..i].join(".");
            let here = if here.is_empty() {
                "the root".to_string()
            } else {
                format!("`{here}`")
            };
            if matches!(cur.kind, NodeKind::Null) {
                cur.kind = NodeKind::Map(Vec::new());
            }
            cur = match &mut cur.kind {
                NodeKind::Map(entries) => match entries.iter().position(|(k, _)| k.name == *seg) {
                    Some(p) => &mut entries[p].1,
                    None => {
                        entries.push((
                            Key {
                                name: (*seg).to_string(),
                                loc: Loc::default(),
                            },
                            Node::new(NodeKind::Null),
                        ));
                        let last = entries.len() - 1;
                        &mut entries[last].1
                    }
                },
                NodeKind::Seq(items) => {
                    let len = items.len();
                    let idx = seg.parse::<usize>().map_err(|_| {
                        format!("{here} is a sequence; `{seg}` is not an index (0..{len})")
                    })?;
                    if idx == len {
                        items.push(Node::new(NodeKind::Null));
                    }
                    items.get_mut(idx).ok_or_else(|| {
                        format!("index {idx} is out of range for {here} ({len} items)")
                    })?
                }
                other => {
                    return Err(format!(
                        "{here} is {}, cannot set `{seg}` inside it",
                        kind_name(other)
                    ))
                }
            };
        }
        *cur = value;
        Ok(())
    }

    /// The string value, when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean value, when this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            NodeKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The integer value, when this is an integer.
    pub fn as_int(&self) -> Option<i128> {
        match self.kind {
            NodeKind::Int(i) => Some(i),
            _ => None,
        }
    }

    /// The numeric value, when this is an integer or a float.
    pub fn as_f64(&self) -> Option<f64> {
        match self.kind {
            NodeKind::Int(i) => Some(i as f64),
            NodeKind::Float(f) => Some(f),
            _ => None,
        }
    }

    /// The items, when this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, when this is a mapping.
    pub fn entries(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The keys in document order (empty unless this is a mapping).
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.entries()
            .unwrap_or_default()
            .iter()
            .map(|(k, _)| k.name.as_str())
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    /// "a string", "a mapping", … for messages.
    pub fn type_name(&self) -> &'static str {
        kind_name(&self.kind)
    }

    /// Structural equality ignoring locations (floats compare by value, NaN equals NaN).
    pub fn same_shape(&self, other: &Node) -> bool {
        match (&self.kind, &other.kind) {
            (NodeKind::Null, NodeKind::Null) => true,
            (NodeKind::Bool(a), NodeKind::Bool(b)) => a == b,
            (NodeKind::Int(a), NodeKind::Int(b)) => a == b,
            (NodeKind::Float(a), NodeKind::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (NodeKind::Str(a), NodeKind::Str(b)) => a == b,
            (NodeKind::Seq(a), NodeKind::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_shape(y))
            }
            (NodeKind::Map(a), NodeKind::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka.name == kb.name && va.same_shape(vb))
            }
            _ => false,
        }
    }

    /// Deserializes a typed value from this node (see [`from_node`]).
    pub fn to<T: de::DeserializeOwned>(&self) -> Result<T, ScenarioError> {
        from_node(self)
    }
}

fn path_segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('.').filter(|s| !s.is_empty())
}

impl From<bool> for Node {
    fn from(v: bool) -> Node {
        Node::new(NodeKind::Bool(v))
    }
}
impl From<i64> for Node {
    fn from(v: i64) -> Node {
        Node::new(NodeKind::Int(v.into()))
    }
}
impl From<u64> for Node {
    fn from(v: u64) -> Node {
        Node::new(NodeKind::Int(v.into()))
    }
}
impl From<i128> for Node {
    fn from(v: i128) -> Node {
        Node::new(NodeKind::Int(v))
    }
}
impl From<f64> for Node {
    fn from(v: f64) -> Node {
        Node::new(NodeKind::Float(v))
    }
}
impl From<&str> for Node {
    fn from(v: &str) -> Node {
        Node::new(NodeKind::Str(v.to_string()))
    }
}
impl From<String> for Node {
    fn from(v: String) -> Node {
        Node::new(NodeKind::Str(v))
    }
}
impl From<NodeKind> for Node {
    fn from(kind: NodeKind) -> Node {
        Node::new(kind)
    }
}
impl From<Vec<Node>> for Node {
    fn from(items: Vec<Node>) -> Node {
        Node::new(NodeKind::Seq(items))
    }
}

// ---------------------------------------------------------------------------------------------
// Emitting
// ---------------------------------------------------------------------------------------------

/// Canonical block-style YAML for a tree: 2-space indents, keys in their order, strings quoted
/// only when needed, floats in a form that reads back exactly, `{}` and `[]` for empty
/// collections. For any tree of finite values `parse(&emit(n))` has the same shape as `n`.
pub fn emit(node: &Node) -> String {
    let mut out = String::new();
    match &node.kind {
        NodeKind::Map(e) if !e.is_empty() => emit_map(e, 0, &mut out),
        NodeKind::Seq(s) if !s.is_empty() => emit_seq(s, 0, &mut out),
        _ => {
            out.push_str(&scalar_text(node));
            out.push('\n');
        }
    }
    out
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn emit_map(entries: &[(Key, Node)], indent: usize, out: &mut String) {
    for (i, (k, v)) in entries.iter().enumerate() {
        // The first entry of a mapping inside a sequence item continues the `- ` line.
        if i > 0 || !out.ends_with("- ") {
            push_indent(out, indent);
        }
        out.push_str(&string_text(&k.name));
        out.push(':');
        emit_value(v, indent + 2, out);
    }
}

fn emit_seq(items: &[Node], indent: usize, out: &mut String) {
    for (i, v) in items.iter().enumerate() {
        if i > 0 || !out.ends_with("- ") {
            push_indent(out, indent);
        }
        out.push_str("- ");
        match &v.kind {
            NodeKind::Map(e) if !e.is_empty() => emit_map(e, indent + 2, out),
            NodeKind::Seq(s) if !s.is_empty() => emit_seq(s, indent + 2, out),
            _ => {
                out.push_str(&scalar_text(v));
                out.push('\n');
            }
        }
    }
}

/// The part after `key:`.
fn emit_value(v: &Node, indent: usize, out: &mut String) {
    match &v.kind {
        NodeKind::Map(e) if !e.is_empty() => {
            out.push('\n');
            emit_map(e, indent, out);
        }
        NodeKind::Seq(s) if !s.is_empty() => {
            out.push('\n');
            emit_seq(s, indent, out);
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar_text(v));
            out.push('\n');
        }
    }
}

fn scalar_text(n: &Node) -> String {
    match &n.kind {
        NodeKind::Null => "null".to_string(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => float_text(*f),
        NodeKind::Str(s) => string_text(s),
        NodeKind::Seq(_) => "[]".to_string(),
        NodeKind::Map(_) => "{}".to_string(),
    }
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.to_string();
    }
    // `{:?}` is the shortest text that reads back to the same f64; make sure it has a `.` so
    // it can never be read as an integer.
    let s = format!("{f:?}");
    match s.split_once('e') {
        Some((m, e)) if !m.contains('.') => format!("{m}.0e{e}"),
        _ if !s.contains('.') => format!("{s}.0"),
        _ => s,
    }
}

/// A string as a plain scalar when that reads back as the same string, else double-quoted.
fn string_text(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        quote(s)
    }
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_alphanumeric() || matches!(first, '_' | '.' | '/' | '(' | '$')) {
        return false;
    }
    if s.ends_with([' ', ':']) || s.contains(": ") || s.contains(" #") {
        return false;
    }
    let chars_ok = s.chars().all(|c| {
        c.is_alphanumeric()
            || matches!(
                c,
                '_' | '-'
                    | '.'
                    | '/'
                    | '+'
                    | '#'
                    | '('
                    | ')'
                    | '$'
                    | '^'
                    | '='
                    | '<'
                    | '>'
                    | '~'
                    | ';'
                    | '@'
                    | ':'
                    | ' '
                    | '%'
                    | '*'
                    | '&'
                    | '!'
            )
    });
    if !chars_ok {
        return false;
    }
    // Finally make sure it is not read as a number, boolean or null.
    matches!(parse(s), Ok(Node { kind: NodeKind::Str(ref t), .. }) if t == s)
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0xA0
                || matches!(c as u32, 0x2028 | 0x2029 | 0xFEFF | 0xFFFE | 0xFFFF) =>
            {
                let n = c as u32;
                if n <= 0xFF {
                    out.push_str(&format!("\\x{n:02X}"));
                } else {
                    out.push_str(&format!("\\u{n:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------------------------
// Deserializing typed values from the tree
// ---------------------------------------------------------------------------------------------

/// Deserializes `T` from a tree. Errors carry the location of the innermost node involved: a
/// wrong type at the value, an unknown field at its key, a missing field at the mapping.
pub fn from_node<T: de::DeserializeOwned>(node: &Node) -> Result<T, ScenarioError> {
    T::deserialize(NodeDeserializer::new(node))
}

/// Parses `text` and deserializes `T` from it.
pub fn from_str<T: de::DeserializeOwned>(text: &str) -> Result<T, ScenarioError> {
    from_node(&parse(text)?)
}

/// A serde `Deserializer` reading from a [`Node`].
#[derive(Clone, Copy)]
pub struct NodeDeserializer<'a> {
    node: &'a Node,
}

impl<'a> NodeDeserializer<'a> {
    pub fn new(node: &'a Node) -> Self {
        NodeDeserializer { node }
    }
}

/// Marker name through which [`Located`] asks [`NodeDeserializer`] for the node's location.
const LOCATED_MARKER: &str = "__crucible_private_located";

fn visit_int<'de, V: Visitor<'de>>(v: i128, visitor: V) -> Result<V::Value, ScenarioError> {
    if let Ok(u) = u64::try_from(v) {
        visitor.visit_u64(u)
    } else if let Ok(i) = i64::try_from(v) {
        visitor.visit_i64(i)
    } else if v > 0 {
        visitor.visit_u128(v as u128)
    } else {
        visitor.visit_i128(v)
    }
}

impl<'de> NodeDeserializer<'de> {
    fn any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ScenarioError> {
        match &self.node.kind {
            NodeKind::Null => visitor.visit_unit(),
            NodeKind::Bool(b) => visitor.visit_bool(*b),
            NodeKind::Int(i) => visit_int(*i, visitor),
            NodeKind::Float(f) => visitor.visit_f64(*f),
            NodeKind::Str(s) => visitor.visit_borrowed_str(s),
            NodeKind::Seq(items) => {
                let mut access = SeqAccess {
                    iter: items.iter(),
                    seen: 0,
                };
                let value = visitor.visit_seq(&mut access)?;
                let rest = access.iter.len();
                if rest > 0 {
                    return Err(ScenarioError::new(format!(
                        "expected {} elements, found {}",
                        access.seen,
                        access.seen + rest
                    )));
                }
                Ok(value)
            }
            NodeKind::Map(entries) => visitor.visit_map(MapAccess {
                iter: entries.iter(),
                value: None,
            }),
        }
    }

    fn empty_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ScenarioError> {
        visitor.visit_map(MapAccess {
            iter: [].iter(),
            value: None,
        })
    }

    fn located<V>(self, r: Result<V, ScenarioError>) -> Result<V, ScenarioError> {
        r.map_err(|e| e.or_at(self.node.loc))
    }
}

macro_rules! forward_any {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ScenarioError> {
            self.located(self.any(visitor))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'de> {
    type Error = ScenarioError;

    forward_any! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_char deserialize_bytes deserialize_byte_buf
        deserialize_seq deserialize_identifier
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ScenarioError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ScenarioError> {
        let r = match self.node.kind {
            NodeKind::Int(i) => visitor.visit_f64(i as f64),
            _ => self.any(visitor),
        };
        self.located(r)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ScenarioError> {
        let r = self.any(visitor);
        let r = match self.node.kind {
            NodeKind::Bool(_) | NodeKind::Int(_) | NodeKind::Float(_) => r.map_err(|e| {
                e.or_hint(|| {
                    format!(
                        "quote it to make it a string: \"{}\"",
                        scalar_text(self.node)
                    )
                })
            }),
            _ => r,
        };
        self.located(r)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ScenarioError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ScenarioError> {
        let r = match self.node.kind {
            NodeKind::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        };
        self.located(r)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ScenarioError> {
        self.located(self.any(visitor))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ScenarioError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ScenarioError> {
        let r = if name == LOCATED_MARKER {
            visitor.visit_seq(LocatedAccess {
                loc: self.node.loc,
                inner: Some(self),
                sent_loc: false,
            })
        } else {
            visitor.visit_newtype_struct(self)
        };
        self.located(r)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ScenarioError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ScenarioError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ScenarioError> {
        let r = match self.node.kind {
            // `key:` with nothing after it reads as an empty mapping.
            NodeKind::Null => self.empty_map(visitor),
            _ => self.any(visitor),
        };
        self.located(r)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ScenarioError> {
        // serde would accept a sequence of field values; in a scenario that is a mistake.
        if let NodeKind::Seq(_) = self.node.kind {
            let e = <ScenarioError as de::Error>::invalid_type(de::Unexpected::Seq, &visitor);
            return Err(e.or_at(self.node.loc));
        }
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ScenarioError> {
        let r = match &self.node.kind {
            NodeKind::Str(s) => visitor.visit_enum(EnumAccess {
                variant: s,
                variant_loc: self.node.loc,
                value: None,
            }),
            NodeKind::Map(entries) if entries.len() == 1 => {
                let (k, v) = &entries[0];
                visitor.visit_enum(EnumAccess {
                    variant: &k.name,
                    variant_loc: k.loc,
                    value: Some(v),
                })
            }
            other => {
                let names: Vec<String> = variants.iter().map(|v| format!("`{v}`")).collect();
                let found = match other {
                    NodeKind::Map(e) => format!("a mapping with {} keys", e.len()),
                    k => kind_name(k).to_string(),
                };
                Err(ScenarioError::new(format!(
                    "expected {name}: a variant name or a single-key mapping `{{variant: …}}`, found {found}"
                ))
                .with_hint(format!("variants: {}", names.join(", "))))
            }
        };
        self.located(r)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, ScenarioError> {
        visitor.visit_unit()
    }
}

struct SeqAccess<'a> {
    iter: std::slice::Iter<'a, Node>,
    seen: usize,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'de> {
    type Error = ScenarioError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ScenarioError> {
        match self.iter.next() {
            Some(node) => {
                self.seen += 1;
                seed.deserialize(NodeDeserializer::new(node)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct MapAccess<'a> {
    iter: std::slice::Iter<'a, (Key, Node)>,
    value: Option<&'a Node>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'de> {
    type Error = ScenarioError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ScenarioError> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(KeyDeserializer {
                    name: &k.name,
                    loc: k.loc,
                })
                .map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ScenarioError> {
        match self.value.take() {
            Some(v) => seed.deserialize(NodeDeserializer::new(v)),
            None => Err(ScenarioError::new("value requested before key")),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// Deserializes a mapping key or an enum variant name: a string with a location.
#[derive(Clone, Copy)]
struct KeyDeserializer<'a> {
    name: &'a str,
    loc: Loc,
}

macro_rules! key_int {
    ($($method:ident $ty:ty => $visit:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ScenarioError> {
            let r: Result<V::Value, ScenarioError> = match self.name.parse::<$ty>() {
                Ok(v) => visitor.$visit(v),
                Err(_) => visitor.visit_borrowed_str(self.name),
            };
            r.map_err(|e| e.or_at(self.loc))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for KeyDeserializer<'de> {
    type Error = ScenarioError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ScenarioError> {
        visitor
            .visit_borrowed_str::<ScenarioError>(self.name)
            .map_err(|e| e.or_at(self.loc))
    }

    key_int! {
        deserialize_i8 i8 => visit_i8
        deserialize_i16 i16 => visit_i16
        deserialize_i32 i32 => visit_i32
        deserialize_i64 i64 => visit_i64
        deserialize_i128 i128 => visit_i128
        deserialize_u8 u8 => visit_u8
        deserialize_u16 u16 => visit_u16
        deserialize_u32 u32 => visit_u32
        deserialize_u64 u64 => visit_u64
        deserialize_u128 u128 => visit_u128
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ScenarioError> {
        visitor.visit_some(self).map_err(|e| e.or_at(self.loc))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ScenarioError> {
        let r = if name == LOCATED_MARKER {
            visitor.visit_seq(LocatedAccess {
                loc: self.loc,
                inner: Some(self),
                sent_loc: false,
            })
        } else {
            visitor.visit_newtype_struct(self)
        };
        r.map_err(|e| e.or_at(self.loc))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ScenarioError> {
        visitor
            .visit_enum(EnumAccess {
                variant: self.name,
                variant_loc: self.loc,
                value: None,
            })
            .map_err(|e| e.or_at(self.loc))
    }

    serde::forward_to_deserialize_any! {
        bool f32 f64 char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map
        struct identifier ignored_any
    }
}

struct EnumAccess<'a> {
    variant: &'a str,
    variant_loc: Loc,
    /// The value of a `{variant: value}` mapping; `None` for a plain `variant` string.
    value: Option<&'a Node>,
}

impl<'de> de::EnumAccess<'de> for EnumAccess<'de> {
    type Error = ScenarioError;
    type Variant = VariantAccess<'de>;
    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, VariantAccess<'de>), ScenarioError> {
        let v = seed.deserialize(KeyDeserializer {
            name: self.variant,
            loc: self.variant_loc,
        })?;
        Ok((
            v,
            VariantAccess {
                variant: self.variant,
                variant_loc: self.variant_loc,
                value: self.value,
            },
        ))
    }
}

struct VariantAccess<'a> {
    variant: &'a str,
    variant_loc: Loc,
    value: Option<&'a Node>,
}

impl<'de> VariantAccess<'de> {
    fn value(&self) -> Result<&'de Node, ScenarioError> {
        self.value.ok_or_else(|| {
            ScenarioError::at(
                self.variant_loc,
                format!("variant `{}` needs a value", self.variant),
            )
            .with_hint(format!("write it as `{}: …`", self.variant))
        })
    }
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'de> {
    type Error = ScenarioError;

    fn unit_variant(self) -> Result<(), ScenarioError> {
        match self.value {
            None => Ok(()),
            Some(n) if n.is_null() => Ok(()),
            Some(n) => Err(ScenarioError::at(
                n.loc,
                format!(
                    "variant `{}` takes no value, found {}",
                    self.variant,
                    n.type_name()
                ),
            )
            .with_hint(format!("write just `{}`", self.variant))),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ScenarioError> {
        seed.deserialize(NodeDeserializer::new(self.value()?))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ScenarioError> {
        de::Deserializer::deserialize_tuple(NodeDeserializer::new(self.value()?), len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ScenarioError> {
        de::Deserializer::deserialize_struct(
            NodeDeserializer::new(self.value()?),
            "",
            fields,
            visitor,
        )
    }
}

/// Hands [`Located`]'s visitor the location, then the value.
struct LocatedAccess<D> {
    loc: Loc,
    inner: Option<D>,
    sent_loc: bool,
}

impl<'de, D: de::Deserializer<'de, Error = ScenarioError>> de::SeqAccess<'de> for LocatedAccess<D> {
    type Error = ScenarioError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ScenarioError> {
        if !self.sent_loc {
            self.sent_loc = true;
            let l = self.loc;
            let parts = [u64::from(l.line), u64::from(l.col), l.offset as u64];
            return seed
                .deserialize(de::value::SeqDeserializer::<_, ScenarioError>::new(
                    parts.into_iter(),
                ))
                .map(Some);
        }
        match self.inner.take() {
            Some(d) => seed.deserialize(d).map(Some),
            None => Ok(None),
        }
    }
}

/// A value together with the location of the node it was read from.
///
/// Through [`from_node`] the location is the node's; through any other deserializer it is
/// `Loc::default()`. Serializes as the bare value.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Located<T> {
    pub loc: Loc,
    pub value: T,
}

impl<T> Located<T> {
    pub fn new(loc: Loc, value: T) -> Self {
        Located { loc, value }
    }
}

impl<T> std::ops::Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: serde::Serialize> serde::Serialize for Located<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct LocatedVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for LocatedVisitor<T> {
            type Value = Located<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a located value")
            }
            fn visit_newtype_struct<D: de::Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Located<T>, D::Error> {
                T::deserialize(d).map(|value| Located {
                    loc: Loc::default(),
                    value,
                })
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Located<T>, A::Error> {
                let (line, col, offset): (u64, u64, u64) = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("missing location"))?;
                let value: T = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("missing value"))?;
                let loc = Loc {
                    line: u32::try_from(line).unwrap_or(u32::MAX),
                    col: u32::try_from(col).unwrap_or(u32::MAX),
                    offset: usize::try_from(offset).unwrap_or(usize::MAX),
                };
                Ok(Located { loc, value })
            }
        }

        d.deserialize_newtype_struct(LOCATED_MARKER, LocatedVisitor(std::marker::PhantomData))
    }
}

/// Lets values be deserialized straight from a `&Node` with `T::deserialize(node.into_deserializer())`.
impl<'de> IntoDeserializer<'de, ScenarioError> for &'de Node {
    type Deserializer = NodeDeserializer<'de>;
    fn into_deserializer(self) -> NodeDeserializer<'de> {
        NodeDeserializer::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    fn lc(n: &Node) -> (u32, u32) {
        (n.loc.line, n.loc.col)
    }

    fn err_at(e: &ScenarioError) -> (u32, u32) {
        let l = e.loc.expect("error has a location");
        (l.line, l.col)
    }

    const DOC: &str = "name: demo\nseed: 42\nchains:\n  l1: { block_time: 12s, base_fee_gwei: 20 }\nactors:\n  - { kind: a, name: alice }\n  - kind: b\n    count: 3\n";

    #[test]
    fn locations_of_nested_keys_and_items() {
        let n = parse(DOC).unwrap();
        assert_eq!(lc(&n), (1, 1));
        assert_eq!(lc(n.get("name").unwrap()), (1, 7));
        assert_eq!(
            n.get_key("seed").map(|k| (k.loc.line, k.loc.col)),
            Some((2, 1))
        );
        let l1 = n.get_path("chains.l1").unwrap();
        assert_eq!(lc(l1), (4, 7));
        assert_eq!(lc(n.get_path("chains.l1.block_time").unwrap()), (4, 21));
        assert_eq!(l1.get_key("base_fee_gwei").unwrap().loc.col, 26);
        assert_eq!(lc(n.get_path("actors.0").unwrap()), (6, 5));
        assert_eq!(lc(n.get_path("actors.0.name").unwrap()), (6, 22));
        let second = n.get_path("actors.1").unwrap();
        assert_eq!(lc(second.get("count").unwrap()), (8, 12));
        assert_eq!(second.get_key("count").unwrap().loc.line, 8);
        // byte offsets point at the node's text
        let b = n.get_path("chains.l1.block_time").unwrap();
        assert!(DOC[b.loc.offset..].starts_with("12s"));
        let utf = parse("é: [ä, ö]\n").unwrap();
        let o = utf.get_path("é.1").unwrap();
        assert_eq!(
            (lc(o), &"é: [ä, ö]\n"[o.loc.offset..o.loc.offset + 2]),
            ((1, 8), "ö")
        );
    }

    #[test]
    fn scalar_resolution() {
        let n = parse(
            "a: 42\nb: \"42\"\nc: '7'\nd: true\ne: yes\nf: null\ng: ~\nh:\ni: 2.5\nj: -3\nk: 0x10\nl: 1e3\nm: 100000000000000000000000\nn: -170141183460469231731687303715884105728\no: 12s\np: |\n  x\n",
        )
        .unwrap();
        let want = [
            ("a", NodeKind::Int(42)),
            ("b", NodeKind::Str("42".into())),
            ("c", NodeKind::Str("7".into())),
            ("d", NodeKind::Bool(true)),
            ("e", NodeKind::Str("yes".into())),
            ("f", NodeKind::Null),
            ("g", NodeKind::Null),
            ("h", NodeKind::Null),
            ("i", NodeKind::Float(2.5)),
            ("j", NodeKind::Int(-3)),
            ("k", NodeKind::Int(16)),
            ("l", NodeKind::Float(1000.0)),
            ("m", NodeKind::Int(100_000_000_000_000_000_000_000)),
            ("n", NodeKind::Int(i128::MIN)),
            ("o", NodeKind::Str("12s".into())),
            ("p", NodeKind::Str("x\n".into())),
        ];
        for (k, kind) in want {
            assert_eq!(n.get(k).unwrap().kind, kind, "{k}");
        }
        assert_eq!(parse("").unwrap().kind, NodeKind::Null);
        assert_eq!(parse("# only a comment\n").unwrap().kind, NodeKind::Null);
        assert_eq!(parse("42").unwrap().kind, NodeKind::Int(42));
    }

    #[test]
    fn parse_errors() {
        // (text, line, col, message fragment, hint fragment)
        let cases: &[(&str, u32, u32, &str, &str)] = &[
            ("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key `a`", "only once"),
            (
                "x:\n  y: 1\n  y: 2\n",
                3,
                3,
                "duplicate key `y`",
                "only once",
            ),
            ("a: [1, 2\n", 1, 4, "unclosed bracket", ""),
            (
                "1: a\n",
                1,
                1,
                "mapping keys must be strings, found a number",
                "\"1\"",
            ),
            (
                "x:\n  true: b\n",
                2,
                3,
                "mapping keys must be strings, found a boolean",
                "\"true\"",
            ),
            (
                "~: c\n",
                1,
                1,
                "mapping keys must be strings, found null",
                "\"~\"",
            ),
            (
                "? [1]\n: 2\n",
                1,
                3,
                "mapping keys must be strings, found a sequence",
                "",
            ),
            (
                "v: 1000000000000000000000000000000000000000000\n",
                1,
                4,
                "integer `1000000000000000000000000000000000000000000` is too large",
                "write it as a string",
            ),
            ("v: .inf\n", 1, 4, "non-finite", ""),
            ("a: b\n  c: d\n", 2, 4, "", ""),
        ];
        for &(text, line, col, msg, hint) in cases {
            let e = parse(text).expect_err(text);
            assert_eq!(err_at(&e), (line, col), "{text:?}: {e}");
            assert!(e.message.contains(msg), "{text:?}: {e}");
            if !hint.is_empty() {
                assert!(
                    e.hint.as_deref().unwrap_or("").contains(hint),
                    "{text:?}: {e}"
                );
            }
            let l = e.loc.unwrap();
            assert_eq!(l.offset, offset_of(text, l.line, l.col), "{text:?}");
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Scn {
        name: String,
        seed: u64,
        duration: Option<String>,
        #[serde(default)]
        chains: BTreeMap<String, Chain>,
        #[serde(default)]
        actors: Vec<Actor>,
        #[serde(default)]
        mode: Option<Mode>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Chain {
        block_time: String,
        #[serde(default)]
        base_fee_gwei: f64,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Actor {
        kind: Located<String>,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        count: Option<u8>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Mode {
        Honest,
        Delay(u32),
        Pair(u8, String),
        Attack { target: String, at: Option<u64> },
    }

    #[test]
    fn deserialize_scenario() {
        let s: Scn = from_str(DOC).unwrap();
        assert_eq!(s.name, "demo");
        assert_eq!(s.seed, 42);
        assert_eq!(s.duration, None);
        assert_eq!(s.chains["l1"].base_fee_gwei, 20.0);
        assert_eq!(s.actors[1].count, Some(3));
        assert_eq!(s.actors[0].kind.value, "a");
        assert_eq!(
            (s.actors[0].kind.loc.line, s.actors[0].kind.loc.col),
            (6, 13)
        );
        assert_eq!(
            (s.actors[1].kind.loc.line, s.actors[1].kind.loc.col),
            (7, 11)
        );
        assert!(DOC[s.actors[1].kind.loc.offset..].starts_with("b\n"));
    }

    #[test]
    fn deserialize_enums() {
        let cases: &[(&str, Mode)] = &[
            ("honest", Mode::Honest),
            ("{honest: null}", Mode::Honest),
            ("{delay: 5}", Mode::Delay(5)),
            ("delay: 5", Mode::Delay(5)),
            ("pair: [1, x]", Mode::Pair(1, "x".into())),
            (
                "attack: { target: bob }",
                Mode::Attack {
                    target: "bob".into(),
                    at: None,
                },
            ),
            (
                "attack:\n  target: bob\n  at: 7\n",
                Mode::Attack {
                    target: "bob".into(),
                    at: Some(7),
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(&from_str::<Mode>(text).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn deserialize_errors() {
        // (text, line, col, message, hint)
        let base = "name: x\nseed: 1\n";
        let cases: Vec<(String, u32, u32, &str, Option<&str>)> = vec![
            (
                format!("{base}duratoin: 3d\n"),
                3,
                1,
                "unknown field `duratoin`",
                Some("did you mean `duration`?"),
            ),
            (
                format!("{base}zzz: 3d\n"),
                3,
                1,
                "unknown field `zzz`",
                Some("expected one of: `name`, `seed`, `duration`, `chains`, `actors`, `mode`"),
            ),
            ("name: x\nseed: abc\n".into(), 2, 7, "expected u64, found string \"abc\"", None),
            ("name: x\nseed: -1\n".into(), 2, 7, "expected u64, found integer `-1`", None),
            ("name: 42\nseed: 1\n".into(), 1, 7, "expected a string, found integer `42`", Some("quote it to make it a string: \"42\"")),
            ("name: x\n".into(), 1, 1, "missing field `seed`", None),
            (
                format!("{base}chains:\n  l1: {{ blok_time: 1s }}\n"),
                4,
                9,
                "unknown field `blok_time`",
                Some("did you mean `block_time`?"),
            ),
            (format!("{base}chains:\n  l1: {{ base_fee_gwei: 1 }}\n"), 4, 7, "missing field `block_time`", None),
            (format!("{base}chains:\n  l1: {{ block_time: 1s, base_fee_gwei: x }}\n"), 4, 40, "expected f64, found string \"x\"", None),
            (format!("{base}actors:\n  - kind: a\n  - kind: b\n    count: 300\n"), 6, 12, "expected u8, found integer `300`", None),
            (format!("{base}actors:\n  - kind: a\n  - [1, 2]\n"), 5, 5, "expected struct Actor, found a sequence", None),
            (format!("{base}actors: 5\n"), 3, 9, "expected a sequence, found integer `5`", None),
            (format!("{base}mode: honst\n"), 3, 7, "unknown variant `honst`", Some("did you mean `honest`?")),
            (format!("{base}mode: {{ atack: {{ target: x }} }}\n"), 3, 9, "unknown variant `atack`", Some("did you mean `attack`?")),
            (format!("{base}mode: delay\n"), 3, 7, "variant `delay` needs a value", Some("write it as `delay: …`")),
            (format!("{base}mode: {{ honest: 1 }}\n"), 3, 17, "variant `honest` takes no value, found an integer", Some("write just `honest`")),
            (format!("{base}mode: {{ honest: 1, delay: 2 }}\n"), 3, 7, "expected Mode: a variant name or a single-key mapping `{variant: …}`, found a mapping with 2 keys", Some("variants: `honest`, `delay`, `pair`, `attack`")),
            (format!("{base}mode: {{ attack: {{ target: x, at: y }} }}\n"), 3, 34, "expected u64, found string \"y\"", None),
            (format!("{base}mode: {{ pair: [1, x, 3] }}\n"), 3, 15, "expected 2 elements, found 3", None),
            (format!("{base}mode: {{ pair: [1] }}\n"), 3, 15, "expected tuple variant Mode::Pair with 2 elements, found 1 elements", None),
            ("- 1\n".into(), 1, 1, "expected struct Scn, found a sequence", None),
            ("".into(), 1, 1, "missing field `name`", None),
        ];
        for (text, line, col, msg, hint) in cases {
            let e = from_str::<Scn>(&text).expect_err(&text);
            assert_eq!(
                (err_at(&e), e.message.as_str()),
                ((line, col), msg),
                "{text:?}"
            );
            assert_eq!(e.hint.as_deref(), hint, "{text:?}");
        }
    }

    #[test]
    fn deserialize_assorted_types() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Newtype(u16);
        #[derive(Debug, Deserialize, PartialEq)]
        struct All {
            a: u128,
            b: i128,
            c: f32,
            d: char,
            e: (u8, bool, String),
            f: Newtype,
            g: Option<Located<i32>>,
            h: BTreeMap<u32, String>,
            i: (),
            j: Vec<Vec<u8>>,
        }
        let text = "a: 340282366920938463463374607431768211455\nb: -5\nc: 1\nd: x\ne: [1, false, s]\nf: 7\ng: -9\nh: {\"1\": one, \"20\": twenty}\ni:\nj: [[], [1]]\n";
        let e = from_str::<All>(text).expect_err("u128::MAX does not fit i128");
        assert_eq!(err_at(&e), (1, 4));
        let text = text.replace("340282366920938463463374607431768211455", "\"12\"");
        let e = from_str::<All>(&text).expect_err("quoted is a string");
        assert_eq!(e.message, "expected u128, found string \"12\"");
        let text = text.replace("\"12\"", "170141183460469231731687303715884105727");
        let all: All = from_str(&text).unwrap();
        assert_eq!(all.a, i128::MAX as u128);
        assert_eq!(all.c, 1.0);
        assert_eq!(all.e, (1, false, "s".into()));
        assert_eq!(all.f, Newtype(7));
        let g = all.g.unwrap();
        assert_eq!((g.value, g.loc.line, g.loc.col), (-9, 7, 4));
        assert_eq!(all.h[&20], "twenty");
        assert_eq!(all.j, vec![vec![], vec![1]]);
        let n: Node = parse("k: v").unwrap();
        let m: BTreeMap<Located<String>, String> = from_node(&n).unwrap();
        let (k, _) = m.iter().next().unwrap();
        assert_eq!((k.value.as_str(), k.loc.col), ("k", 1));
        // Located through another deserializer carries a default location
        let j: Located<u8> = serde_json::from_str("5").unwrap();
        assert_eq!((j.value, j.loc), (5, Loc::default()));
        // untyped
        let v: serde_json::Value = from_str("a: [1, -2, 2.5, x, null, true]").unwrap();
        assert_eq!(v.to_string(), r#"{"a":[1,-2,2.5,"x",null,true]}"#);
    }

    #[test]
    fn paths() {
        let mut n = parse(DOC).unwrap();
        assert_eq!(
            n.get_path("actors.1.kind").and_then(Node::as_str),
            Some("b")
        );
        assert!(n.get_path("actors.2").is_none());
        assert!(n.get_path("name.x").is_none());
        assert!(n.get_path("").is_some());
        n.set_path("seed", 7i64.into()).unwrap();
        n.set_path("protocols.tbtc.heartbeat_probability", 0.5.into())
            .unwrap();
        n.set_path("actors.0.name", "carol".into()).unwrap();
        n.set_path("actors.2", "x".into()).unwrap();
        assert_eq!(n.get_path("seed").and_then(Node::as_int), Some(7));
        assert_eq!(
            n.get_path("protocols.tbtc.heartbeat_probability")
                .and_then(Node::as_f64),
            Some(0.5)
        );
        assert_eq!(
            n.get_path("actors.0.name").and_then(Node::as_str),
            Some("carol")
        );
        assert_eq!(
            n.keys().collect::<Vec<_>>(),
            ["name", "seed", "chains", "actors", "protocols"]
        );
        // an edited key keeps its place and the location of the key that was there
        assert_eq!(n.get_key("seed").unwrap().loc.line, 2);
        assert_eq!(
            n.set_path("name.first", true.into()).unwrap_err(),
            "`name` is a string, cannot set `first` inside it"
        );
        assert_eq!(
            n.set_path("actors.9.name", true.into()).unwrap_err(),
            "index 9 is out of range for `actors` (3 items)"
        );
        assert!(n.set_path("actors.x", true.into()).is_err());
        let mut null = Node::new(NodeKind::Null);
        null.set_path("a.b", Node::from("c")).unwrap();
        assert_eq!(emit(&null), "a:\n  b: c\n");
        let mut root = Node::from(1i64);
        root.set_path("", Node::from("r")).unwrap();
        assert_eq!(root.as_str(), Some("r"));
        let e = from_node::<Scn>(&n).unwrap_err();
        assert_eq!(e.message, "expected struct Actor, found string \"x\"");
        assert_eq!(e.loc, Some(Loc::default()), "new nodes carry no location");
        n.set_path("actors.2", parse("kind: z").unwrap()).unwrap();
        let e = from_node::<Scn>(&n).unwrap_err();
        assert_eq!(e.message, "unknown field `protocols`");
        assert_eq!(e.loc, Some(Loc::default()), "edited keys carry no location");
        if let NodeKind::Map(e) = &mut n.kind {
            e.retain(|(k, _)| k.name != "protocols");
        }
        let s: Scn = from_node(&n).unwrap();
        assert_eq!(s.seed, 7);
    }

    #[test]
    fn emit_forms() {
        let n = parse(DOC).unwrap();
        assert_eq!(
            emit(&n),
            "name: demo\nseed: 42\nchains:\n  l1:\n    block_time: 12s\n    base_fee_gwei: 20\nactors:\n  - kind: a\n    name: alice\n  - kind: b\n    count: 3\n"
        );
        let n = parse("a: {}\nb: []\nc: [[1, [2]], {x: []}]\nd: \"true\"\ne: \"1.5\"\nf: ''\ng: 'a: b'\nh: \"x\\ny\"\ni: 1.0\nj: 1e300\nk: ~\nl: \"yes\"\n\"m n\": \"#c\"\n\"0\": '- x'\n").unwrap();
        let out = emit(&n);
        assert_eq!(
            out,
            "a: {}\nb: []\nc:\n  - - 1\n    - - 2\n  - x: []\nd: \"true\"\ne: \"1.5\"\nf: \"\"\ng: \"a: b\"\nh: \"x\\ny\"\ni: 1.0\nj: 1.0e300\nk: null\nl: yes\nm n: \"#c\"\n\"0\": \"- x\"\n"
        );
        assert!(parse(&out).unwrap().same_shape(&n));
        assert_eq!(emit(&Node::from("x")), "x\n");
        assert_eq!(emit(&Node::new(NodeKind::Map(vec![]))), "{}\n");
        assert_eq!(float_text(-0.0), "-0.0");
        assert_eq!(float_text(1e-7), "1.0e-7");
    }

    fn arb_string() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z_][a-z0-9_.#-]{0,8}",
            "\\PC{0,8}",
            any::<String>(),
            prop::sample::select(vec![
                "true", "False", "NULL", "null", "~", "", " ", "yes", "no", "1", "-1", "+1",
                "0x1F", "0o17", "1e3", ".5", "1.", "-.inf", ".nan", "12:30", "a: b", "a #b", "- x",
                "[x]", "{x}", "'", "\"", "\\", "\n", "\t", "&a", "*a", "!x", "%x", "@x", "`x`",
                "x:", "?", "-", ":", "a\u{85}b", "\u{feff}", "\u{2028}", "1_000", "0b101", "007",
                "1e400", "Infinity",
            ])
            .prop_map(String::from),
        ]
    }

    fn arb_tree() -> impl Strategy<Value = Node> {
        let leaf = prop_oneof![
            Just(NodeKind::Null),
            any::<bool>().prop_map(NodeKind::Bool),
            any::<i128>().prop_map(NodeKind::Int),
            any::<i64>().prop_map(|i| NodeKind::Int(i.into())),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(NodeKind::Float),
            arb_string().prop_map(NodeKind::Str),
        ]
        .prop_map(Node::new);
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Node::from),
                prop::collection::vec((arb_string(), inner), 0..6).prop_map(|entries| {
                    let mut seen = std::collections::BTreeSet::new();
                    let entries = entries
                        .into_iter()
                        .filter(|(k, _)| seen.insert(k.clone()))
                        .map(|(name, v)| {
                            (
                                Key {
                                    name,
                                    loc: Loc::default(),
                                },
                                v,
                            )
                        })
                        .collect();
                    Node::new(NodeKind::Map(entries))
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn emit_round_trips(tree in arb_tree()) {
            let text = emit(&tree);
            let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert!(back.same_shape(&tree), "{text}\n{back:?}");
            prop_assert_eq!(emit(&back), text);
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,64}") {
            let _ = parse(&text);
        }

        #[test]
        fn parse_never_panics_on_yamlish(text in "[-:\\[\\]{}#&*!|>'\"%@ ,?~\n\ta-z0-9.]{0,64}") {
            if let Ok(n) = parse(&text) {
                let _ = from_node::<Scn>(&n);
                let _ = emit(&n);
            }
        }

        #[test]
        fn from_node_never_panics(tree in arb_tree()) {
            let _ = from_node::<Scn>(&tree);
            let _ = from_node::<Mode>(&tree);
            let _ = from_node::<serde_json::Value>(&tree);
            let _ = from_node::<Vec<(u8, Option<char>)>>(&tree);
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let flow_seq = |d: usize| format!("{}1{}", "[".repeat(d), "]".repeat(d));
        let flow_map = |d: usize| format!("{}1{}", "{a: ".repeat(d), "}".repeat(d));
        let block_map = |d: usize| {
            (0..d)
                .map(|i| format!("{}a:\n", "  ".repeat(i)))
                .collect::<String>()
                + &"  ".repeat(d)
                + "1\n"
        };
        let block_seq = |d: usize| {
            (0..d)
                .map(|i| format!("{}-\n", "  ".repeat(i)))
                .collect::<String>()
                + &"  ".repeat(d)
                + "1\n"
        };
        for make in [
            &flow_seq as &dyn Fn(usize) -> String,
            &flow_map,
            &block_map,
            &block_seq,
        ] {
            let ok = make(MAX_DEPTH);
            let n = parse(&ok).unwrap_or_else(|e| panic!("{e}\n{ok}"));
            assert!(parse(&emit(&n)).unwrap().same_shape(&n));
            let _ = from_node::<serde_json::Value>(&n);
            let e = parse(&make(MAX_DEPTH + 1)).unwrap_err();
            assert_eq!(
                e.message,
                "nested deeper than 20 levels of sequences and mappings"
            );
        }
        assert!(parse(&"[".repeat(10_000)).is_err());
        assert!(parse(&"- ".repeat(10_000)).is_err());
    }
}
