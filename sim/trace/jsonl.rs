//! JSON Lines export and one-line human rendering of records.
//!
//! Hashes and addresses are lowercase `0x` hex strings; 128-bit integers are decimal strings so
//! JSON consumers keep every digit.

use super::abi::AbiBook;
use super::error::TraceError;
use super::reader::TraceReader;
use super::record::{CheckKind, Footer, Header, Outcome, Record, Value};
use crate::engine::time::SimTime;
use alloy_primitives::{Address, B256};
use serde_json::{json, Map, Value as Json};
use std::borrow::Borrow;
use std::io::{Read, Write};

fn hex(bytes: &[u8]) -> Json {
    Json::String(alloy_primitives::hex::encode_prefixed(bytes))
}

fn h256(b: &B256) -> Json {
    hex(b.as_slice())
}

fn addr(a: &Address) -> Json {
    hex(a.as_slice())
}

fn big<T: ToString>(v: T) -> Json {
    Json::String(v.to_string())
}

fn s(v: &str) -> Json {
    Json::String(v.to_owned())
}

fn metric(v: Value) -> Json {
    match v {
        Value::Int(i) => big(i),
        // JSON has no NaN or infinities; keep them readable instead of turning them into null.
        Value::Real(r) if r.is_finite() => json!(r),
        Value::Real(r) => big(r),
    }
}

fn kind_name(kind: CheckKind) -> &'static str {
    match kind {
        CheckKind::Always => "always",
        CheckKind::Eventually => "eventually",
        CheckKind::Sometimes => "sometimes",
    }
}

/// Variant name of a record, as in the `type` field of the JSON form.
pub fn record_type(record: &Record) -> &'static str {
    match record {
        Record::Block { .. } => "Block",
        Record::TxSubmitted { .. } => "TxSubmitted",
        Record::TxIncluded { .. } => "TxIncluded",
        Record::TxDropped { .. } => "TxDropped",
        Record::Log { .. } => "Log",
        Record::MsgSent { .. } => "MsgSent",
        Record::MsgDelivered { .. } => "MsgDelivered",
        Record::MsgDropped { .. } => "MsgDropped",
        Record::Timer { .. } => "Timer",
        Record::Fault { .. } => "Fault",
        Record::Check { .. } => "Check",
        Record::Note { .. } => "Note",
        Record::Metric { .. } => "Metric",
    }
}

/// The JSON fields of a record in output order: `t`, `type`, then the variant's fields.
fn record_fields(record: &Record) -> Vec<(&'static str, Json)> {
    let mut f = vec![
        ("t", json!(record.time())),
        ("type", s(record_type(record))),
    ];
    match record {
        Record::Block {
            t: _,
            chain,
            number,
            hash,
            base_fee,
            gas_used,
            txs,
        } => f.extend([
            ("chain", json!(chain)),
            ("number", json!(number)),
            ("hash", h256(hash)),
            ("base_fee", big(base_fee)),
            ("gas_used", json!(gas_used)),
            ("txs", json!(txs)),
        ]),
        Record::TxSubmitted {
            t: _,
            chain,
            actor,
            tx,
            nonce,
            to,
            call,
            input,
        } => f.extend([
            ("chain", json!(chain)),
            ("actor", json!(actor)),
            ("tx", h256(tx)),
            ("nonce", json!(nonce)),
            ("to", to.as_ref().map_or(Json::Null, addr)),
            ("call", s(call)),
            ("input", hex(input)),
        ]),
        Record::TxIncluded {
            t: _,
            chain,
            block,
            tx,
            gas_used,
            effective_gas_price,
            outcome,
        } => {
            f.extend([
                ("chain", json!(chain)),
                ("block", json!(block)),
                ("tx", h256(tx)),
                ("gas_used", json!(gas_used)),
                ("effective_gas_price", big(effective_gas_price)),
            ]);
            match outcome {
                Outcome::Success => f.push(("outcome", s("success"))),
                Outcome::Reverted { reason } => {
                    f.push(("outcome", s("reverted")));
                    f.push(("reason", s(reason)));
                }
                Outcome::Halted { reason } => {
                    f.push(("outcome", s("halted")));
                    f.push(("reason", s(reason)));
                }
            }
        }
        Record::TxDropped {
            t: _,
            chain,
            tx,
            reason,
        } => f.extend([
            ("chain", json!(chain)),
            ("tx", h256(tx)),
            ("reason", s(reason)),
        ]),
        Record::Log {
            t: _,
            chain,
            block,
            tx,
            address,
            topics,
            data,
        } => f.extend([
            ("chain", json!(chain)),
            ("block", json!(block)),
            ("tx", h256(tx)),
            ("address", addr(address)),
            ("topics", Json::Array(topics.iter().map(h256).collect())),
            ("data", hex(data)),
        ]),
        Record::MsgSent {
            t: _,
            id,
            from,
            to,
            topic,
            bytes,
            body,
        } => f.extend([
            ("id", json!(id)),
            ("from", json!(from)),
            ("to", json!(to)),
            ("topic", s(topic)),
            ("bytes", json!(bytes)),
            ("body", h256(body)),
        ]),
        Record::MsgDelivered { t: _, id, to } => f.extend([("id", json!(id)), ("to", json!(to))]),
        Record::MsgDropped { t: _, id, reason } => {
            f.extend([("id", json!(id)), ("reason", s(reason))])
        }
        Record::Timer { t: _, actor, tag } => {
            f.extend([("actor", json!(actor)), ("tag", json!(tag))])
        }
        Record::Fault {
            t: _,
            kind,
            target,
            start,
        } => f.extend([
            ("kind", s(kind)),
            ("target", s(target)),
            ("start", json!(start)),
        ]),
        Record::Check {
            t: _,
            name,
            kind,
            ok,
            detail,
        } => f.extend([
            ("name", s(name)),
            ("kind", s(kind_name(*kind))),
            ("ok", json!(ok)),
            ("detail", s(detail)),
        ]),
        Record::Note { t: _, actor, text } => {
            f.extend([("actor", json!(actor)), ("text", s(text))])
        }
        Record::Metric { t: _, name, value } => {
            f.extend([("name", s(name)), ("value", metric(*value))])
        }
    }
    f
}

/// A record as a JSON object: `t`, `type` and the variant's fields side by side.
pub fn record_to_json(record: &Record) -> Json {
    Json::Object(
        record_fields(record)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

/// The header as a JSON object.
pub fn header_to_json(header: &Header) -> Json {
    let chains: Vec<Json> = header
        .chains
        .iter()
        .map(|c| json!({"name": c.name, "chain_id": c.chain_id, "hardfork": c.hardfork}))
        .collect();
    let actors: Vec<Json> = header
        .actors
        .iter()
        .map(|a| json!({"name": a.name, "kind": a.kind, "address": addr(&a.address)}))
        .collect();
    let contracts: Vec<Json> = header
        .contracts
        .iter()
        .map(|c| {
            json!({
                "chain": c.chain,
                "name": c.name,
                "address": addr(&c.address),
                "code_hash": h256(&c.code_hash),
                "abi": serde_json::from_str::<Json>(&c.abi).unwrap_or(Json::Null),
            })
        })
        .collect();
    json!({
        "format_version": header.format_version,
        "engine_version": header.engine_version,
        "revm_version": header.revm_version,
        "scenario": header.scenario,
        "scenario_path": header.scenario_path,
        "seed": header.seed,
        "stop_on_violation": header.stop_on_violation,
        "chains": chains,
        "actors": actors,
        "contracts": contracts,
    })
}

/// The footer as a JSON object.
pub fn footer_to_json(footer: &Footer) -> Json {
    json!({"records": footer.records, "digest": h256(&footer.digest)})
}

fn io(e: serde_json::Error) -> TraceError {
    TraceError::from(std::io::Error::from(e))
}

fn write_wrapped(out: &mut impl Write, key: &str, value: &Json) -> Result<(), TraceError> {
    let mut map = Map::new();
    map.insert(key.to_owned(), value.clone());
    serde_json::to_writer(&mut *out, &Json::Object(map)).map_err(io)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes record `i` as one line `{"i": i, "t": ..., "type": ..., ...}`, keys in that order.
fn write_record_line(
    out: &mut impl Write,
    i: u64,
    record: &Record,
    book: &AbiBook,
) -> Result<(), TraceError> {
    write!(out, "{{\"i\":{i}")?;
    let mut fields = record_fields(record);
    if let Record::Log {
        chain,
        address,
        topics,
        data,
        ..
    } = record
    {
        if let Some((event, args)) = book.decode_log(*chain, *address, topics, data) {
            fields.push(("event", s(&event)));
            fields.push((
                "args",
                Json::Array(args.iter().map(|(k, v)| json!([k, v])).collect()),
            ));
        }
    }
    for (key, value) in fields {
        write!(out, ",\"{key}\":")?;
        serde_json::to_writer(&mut *out, &value).map_err(io)?;
    }
    out.write_all(b"}\n")?;
    Ok(())
}

/// Writes a trace as JSON Lines: `{"header": {...}}`, one object per record, `{"footer": {...}}`.
pub fn write_jsonl<I>(
    header: &Header,
    records: I,
    footer: &Footer,
    out: &mut impl Write,
) -> Result<(), TraceError>
where
    I: IntoIterator,
    I::Item: Borrow<Record>,
{
    write_wrapped(out, "header", &header_to_json(header))?;
    let book = AbiBook::from_header(header);
    for (i, record) in records.into_iter().enumerate() {
        write_record_line(out, i as u64, record.borrow(), &book)?;
    }
    write_wrapped(out, "footer", &footer_to_json(footer))?;
    out.flush()?;
    Ok(())
}

/// Streams a trace from a reader to JSON Lines. The footer line is written only once the
/// trace has been verified to the end; on error the output stops where the trace went wrong.
pub fn export_jsonl<R: Read>(
    mut reader: TraceReader<R>,
    out: &mut impl Write,
) -> Result<(), TraceError> {
    write_wrapped(out, "header", &header_to_json(reader.header()))?;
    let book = AbiBook::from_header(reader.header());
    let mut i = 0u64;
    while let Some(record) = reader.next_record()? {
        write_record_line(out, i, &record, &book)?;
        i += 1;
    }
    if let Some(footer) = reader.footer() {
        write_wrapped(out, "footer", &footer_to_json(footer))?;
    }
    out.flush()?;
    Ok(())
}

/// Names used when rendering records; all lookups fall back to indices and short hex.
struct Names<'a>(Option<&'a Header>, Option<&'a AbiBook>);

impl Names<'_> {
    fn chain(&self, i: u16) -> String {
        match self.0.and_then(|h| h.chains.get(i as usize)) {
            Some(c) => c.name.clone(),
            None => format!("chain{i}"),
        }
    }
    fn actor(&self, i: u32) -> String {
        match self.0.and_then(|h| h.actors.get(i as usize)) {
            Some(a) => a.name.clone(),
            None => format!("actor{i}"),
        }
    }
    fn address(&self, chain: u16, a: &Address) -> String {
        if let Some(h) = self.0 {
            if let Some(c) = h
                .contracts
                .iter()
                .find(|c| c.chain == chain && c.address == *a)
            {
                return c.name.clone();
            }
            if let Some(actor) = h.actors.iter().find(|x| x.address == *a) {
                return actor.name.clone();
            }
        }
        format!("{:#}", a.0)
    }
}

/// One line for a record, e.g. `t+12s  l1#1  block 0x1234…abcd base_fee=20000000000 gas=21000
/// txs=1`, naming chains, actors and contracts from the header.
pub fn render_record(record: &Record, header: &Header) -> String {
    Renderer::new(header).render(record)
}

/// Renders many records of one trace, decoding logs with the header's ABIs (parsed once).
pub struct Renderer<'h> {
    header: &'h Header,
    book: AbiBook,
}

impl<'h> Renderer<'h> {
    pub fn new(header: &'h Header) -> Self {
        Renderer {
            header,
            book: AbiBook::from_header(header),
        }
    }
    pub fn render(&self, record: &Record) -> String {
        render_names(record, Names(Some(self.header), Some(&self.book)))
    }
}

pub(crate) fn render_with(record: &Record, header: Option<&Header>) -> String {
    render_names(record, Names(header, None))
}

fn render_names(record: &Record, n: Names) -> String {
    let t = SimTime(record.time());
    match record {
        Record::Block {
            chain,
            number,
            hash,
            base_fee,
            gas_used,
            txs,
            ..
        } => format!(
            "{t}  {}#{number}  block {hash:#} base_fee={base_fee} gas={gas_used} txs={txs}",
            n.chain(*chain)
        ),
        Record::TxSubmitted {
            chain,
            actor,
            tx,
            nonce,
            to,
            call,
            input,
            ..
        } => {
            let to = match to {
                Some(a) => n.address(*chain, a),
                None => "create".to_owned(),
            };
            format!(
                "{t}  {}  {} submits {tx:#} nonce={nonce} to={to} call={call} input={}",
                n.chain(*chain),
                n.actor(*actor),
                alloy_primitives::hex::encode_prefixed(input)
            )
        }
        Record::TxIncluded {
            chain,
            block,
            tx,
            gas_used,
            effective_gas_price,
            outcome,
            ..
        } => {
            let outcome = match outcome {
                Outcome::Success => "ok".to_owned(),
                Outcome::Reverted { reason } => format!("reverted: {reason}"),
                Outcome::Halted { reason } => format!("halted: {reason}"),
            };
            format!(
                "{t}  {}#{block}  included {tx:#} gas={gas_used} price={effective_gas_price} \
                 {outcome}",
                n.chain(*chain)
            )
        }
        Record::TxDropped {
            chain, tx, reason, ..
        } => format!("{t}  {}  dropped {tx:#}: {reason}", n.chain(*chain)),
        Record::Log {
            chain,
            block,
            tx,
            address,
            topics,
            data,
            ..
        } => {
            let decoded =
                n.1.and_then(|b| b.decode_log(*chain, *address, topics, data));
            let body = match decoded {
                Some((event, args)) => {
                    let args: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    format!("{event}({})", args.join(", "))
                }
                None => format!(
                    "topics=[{}] data={}",
                    topics
                        .iter()
                        .map(|t| format!("{t:#}"))
                        .collect::<Vec<_>>()
                        .join(","),
                    alloy_primitives::hex::encode_prefixed(data)
                ),
            };
            format!(
                "{t}  {}#{block}  log {}.{body} tx={tx:#}",
                n.chain(*chain),
                n.address(*chain, address),
            )
        }
        Record::MsgSent {
            id,
            from,
            to,
            topic,
            bytes,
            body,
            ..
        } => format!(
            "{t}  net  msg#{id} {} -> {} topic={topic} bytes={bytes} body={body:#}",
            n.actor(*from),
            n.actor(*to)
        ),
        Record::MsgDelivered { id, to, .. } => {
            format!("{t}  net  msg#{id} delivered to {}", n.actor(*to))
        }
        Record::MsgDropped { id, reason, .. } => {
            format!("{t}  net  msg#{id} dropped: {reason}")
        }
        Record::Timer { actor, tag, .. } => {
            format!("{t}  {}  timer tag={tag}", n.actor(*actor))
        }
        Record::Fault {
            kind,
            target,
            start,
            ..
        } => {
            let what = if *start { "starts" } else { "ends" };
            format!("{t}  fault  {kind} {what} on {target}")
        }
        Record::Check {
            name,
            kind,
            ok,
            detail,
            ..
        } => {
            let verdict = if *ok { "holds" } else { "VIOLATED" };
            let mut line = format!("{t}  check  {} {name} {verdict}", kind_name(*kind));
            if !detail.is_empty() {
                line.push_str(": ");
                line.push_str(detail);
            }
            line
        }
        Record::Note { actor, text, .. } => format!("{t}  {}  note: {text}", n.actor(*actor)),
        Record::Metric { name, value, .. } => format!("{t}  metric  {name}={value}"),
    }
}
