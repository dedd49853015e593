//! The binary trace format.
//!
//! A trace file is the magic [`MAGIC`] (15 bytes), the format version as `u32` little endian,
//! then frames. A frame is `u32 LE` payload length, `u32 LE` CRC-32 of the payload, then the
//! payload: the postcard encoding of a [`Frame`]. Frame 0 is the header, then come the records,
//! then exactly one footer, then the end of the file.

use super::record::{Footer, Header, Record};
use serde::{Deserialize, Serialize};

/// First bytes of every trace file.
pub const MAGIC: &[u8; 15] = b"CRUCIBLE-TRACE\n";

/// Bytes before frame 0: magic and format version.
pub const PRELUDE_LEN: u64 = MAGIC.len() as u64 + 4;

/// Bytes before each frame payload: length and checksum.
pub const FRAME_HEAD_LEN: u64 = 8;

/// Largest frame payload a reader accepts (and a writer produces): 64 MiB. Anything longer is
/// treated as corruption before any memory is allocated for it.
pub const MAX_FRAME_LEN: u32 = 64 * 1024 * 1024;

/// Postcard variant index of [`Frame::Record`]; every encoded record payload starts with it.
pub(crate) const RECORD_TAG: u8 = 1;

/// The payload of one frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Frame {
    Header(Header),
    Record(Record),
    Footer(Footer),
}

impl Frame {
    /// Kind of the frame, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Frame::Header(_) => "header",
            Frame::Record(_) => "record",
            Frame::Footer(_) => "footer",
        }
    }
}

/// Borrowing twin of [`Frame`]: same variants in the same order, so the same encoding, without
/// cloning what is encoded.
#[derive(Serialize)]
enum FrameRef<'a> {
    Header(&'a Header),
    Record(&'a Record),
    Footer(&'a Footer),
}

fn encode_into(frame: &FrameRef<'_>, buf: &mut Vec<u8>) {
    encode_with(frame, buf);
}

/// Appends the postcard encoding of `value` to `buf`.
fn encode_with<T: Serialize + ?Sized>(value: &T, buf: &mut Vec<u8>) {
    // Serializing into a Vec cannot fail for these types (no maps of unknown length, no
    // non-string keys); should it ever, the frame would not decode, so fail loudly.
    postcard::serialize_with_flavor::<T, _, _>(value, AppendFlavor(buf))
        .expect("trace frames always serialize");
}

/// Postcard output appended to a borrowed `Vec`, a byte slice at a time: the same bytes as
/// postcard's own `Vec` output (`to_extend`), which pushes byte arrays (ids, addresses, topics)
/// byte by byte.
struct AppendFlavor<'a>(&'a mut Vec<u8>);

impl postcard::ser_flavors::Flavor for AppendFlavor<'_> {
    type Output = ();

    #[inline]
    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    #[inline]
    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

/// A record borrowed from the engine's own data, for the two records written once per
/// transaction and per log. It encodes to exactly the bytes of the owned [`Record`] it stands
/// for (same variant positions, same field order and types; checked by tests), so the hot path
/// encodes and digests without cloning log data, topics, calldata or call names; the owned record is built
/// only for sinks that keep records ([`RecordRef::to_record`]).
#[derive(Serialize)]
#[serde(rename = "Record")]
pub enum RecordRef<'a> {
    /// Placeholder for [`Record::Block`]'s position; cannot be built.
    #[doc(hidden)]
    _Block(Never),
    TxSubmitted {
        t: u64,
        chain: u16,
        actor: u32,
        tx: alloy_primitives::B256,
        nonce: u64,
        to: Option<alloy_primitives::Address>,
        call: &'a str,
        input: &'a alloy_primitives::Bytes,
    },
    /// Placeholder for [`Record::TxIncluded`]'s position; cannot be built.
    #[doc(hidden)]
    _TxIncluded(Never),
    /// Placeholder for [`Record::TxDropped`]'s position; cannot be built.
    #[doc(hidden)]
    _TxDropped(Never),
    Log {
        t: u64,
        chain: u16,
        block: u64,
        tx: alloy_primitives::B256,
        address: alloy_primitives::Address,
        topics: &'a [alloy_primitives::B256],
        data: &'a alloy_primitives::Bytes,
    },
}

impl RecordRef<'_> {
    /// The owned record this stands for.
    pub fn to_record(&self) -> Record {
        match *self {
            RecordRef::TxSubmitted {
                t,
                chain,
                actor,
                tx,
                nonce,
                to,
                call,
                input,
            } => Record::TxSubmitted {
                t,
                chain,
                actor,
                tx,
                nonce,
                to,
                call: call.to_string(),
                input: input.clone(),
            },
            RecordRef::Log {
                t,
                chain,
                block,
                tx,
                address,
                topics,
                data,
            } => Record::Log {
                t,
                chain,
                block,
                tx,
                address,
                topics: topics.to_vec(),
                data: data.clone(),
            },
            RecordRef::_Block(n) | RecordRef::_TxIncluded(n) | RecordRef::_TxDropped(n) => {
                match n {}
            }
        }
    }
}

/// Uninhabited: the placeholder variants of [`RecordRef`] cannot be built.
#[derive(Serialize, Clone, Copy)]
pub enum Never {}

/// [`Frame::Record`] around a [`RecordRef`]: the same encoding as the owned frame.
#[derive(Serialize)]
#[serde(rename = "Frame")]
enum FrameHotRef<'a> {
    #[allow(dead_code)]
    _Header(Never),
    Record(&'a RecordRef<'a>),
}

/// Appends the canonical bytes of a borrowed record to `buf` (after whatever it holds).
pub fn append_record_ref(record: &RecordRef<'_>, buf: &mut Vec<u8>) {
    encode_with(&FrameHotRef::Record(record), buf);
}

/// Appends the canonical bytes of a record to `buf` (after whatever it holds).
pub fn append_record(record: &Record, buf: &mut Vec<u8>) {
    encode_into(&FrameRef::Record(record), buf);
}

/// [`encode_record_into`] for a borrowed record.
pub fn encode_record_ref_into(record: &RecordRef<'_>, buf: &mut Vec<u8>) {
    buf.clear();
    encode_with(&FrameHotRef::Record(record), buf);
}

/// Canonical bytes of a record: the payload of its frame in a trace file. The rolling digest
/// hashes exactly these bytes, so encode once and pass them to both.
pub fn encode_record(record: &Record) -> Vec<u8> {
    let mut buf = Vec::with_capacity(96);
    encode_into(&FrameRef::Record(record), &mut buf);
    buf
}

/// [`encode_record`] into a reusable buffer, which is cleared first.
pub fn encode_record_into(record: &Record, buf: &mut Vec<u8>) {
    buf.clear();
    encode_into(&FrameRef::Record(record), buf);
}

pub(crate) fn encode_header(header: &Header) -> Vec<u8> {
    let mut buf = Vec::new();
    encode_into(&FrameRef::Header(header), &mut buf);
    buf
}

pub(crate) fn encode_footer(footer: &Footer) -> Vec<u8> {
    let mut buf = Vec::new();
    encode_into(&FrameRef::Footer(footer), &mut buf);
    buf
}

/// Decodes a frame payload; the whole payload must be one frame.
pub fn decode_frame(payload: &[u8]) -> Result<Frame, String> {
    match postcard::take_from_bytes::<Frame>(payload) {
        Ok((frame, [])) => Ok(frame),
        Ok((_, rest)) => Err(format!("{} unexpected bytes after the frame", rest.len())),
        Err(e) => Err(e.to_string()),
    }
}

/// The 8 bytes in front of a payload: length and CRC-32, little endian.
pub(crate) fn frame_head(payload: &[u8]) -> [u8; 8] {
    let mut head = [0u8; 8];
    head[..4].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    head[4..].copy_from_slice(&crc32fast::hash(payload).to_le_bytes());
    head
}
