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
    let out = std::mem::take(buf);
    // Serializing into a Vec cannot fail for these types (no maps of unknown length, no
    // non-string keys); should it ever, the frame would not decode, so fail loudly.
    *buf = postcard::to_extend(frame, out).expect("trace frames always serialize");
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
