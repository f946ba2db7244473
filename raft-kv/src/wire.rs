//! The peer protocol's frames: a 4-byte big-endian length, then a postcard payload (format in
//! `docs/formats.md`, "raft-kv peer protocol").
//!
//! Framing is tokio-util's `LengthDelimitedCodec` with a bound on the frame size. Payloads are
//! postcard, chosen over bincode because raft-core's message types are `no_std` + serde, and
//! postcard is a serde format made for `no_std` (no allocator needed to encode), with varint
//! integers that keep heartbeats to a few bytes; it is maintained and its wire format is stable
//! since 1.0.

use bytes::Bytes;
use raft_core::{Message, NodeId};
use serde::{Deserialize, Serialize};
use tokio_util::codec::LengthDelimitedCodec;

/// Largest frame a peer may send (4 MiB): an append carries at most raft-core's
/// `max_msg_bytes` (64 KiB) of entries, or one entry, which the HTTP body limit bounds to
/// 1 MiB; a snapshot chunk is 64 KiB. A larger frame closes the connection.
pub const MAX_FRAME_BYTES: usize = 4 << 20;

/// Version of the peer protocol, checked in the handshake. Version 2 wraps each message in an
/// [`Envelope`] carrying the sender's message id (version 1 sent the bare `Message`).
pub const PROTOCOL_VERSION: u32 = 2;

/// Every frame after the hello: the sender's id for the message (so that a recorded send and
/// its delivery match across processes, `trace.rs`; 0 when the sender does not record) and the
/// message. The id costs one byte when 0 (postcard varint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The sender's message id: unique per sender and incarnation, or 0.
    pub id: u64,
    /// The raft-core message.
    pub msg: Message,
}

/// The first frame on every peer connection, from the dialing node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`PROTOCOL_VERSION`].
    pub version: u32,
    /// Cluster name: a node of another cluster is turned away.
    pub cluster: String,
    /// The dialing node.
    pub from: NodeId,
    /// The node it means to reach.
    pub to: NodeId,
}

/// The codec for peer connections, with [`MAX_FRAME_BYTES`].
pub fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .length_field_type::<u32>()
        .max_frame_length(MAX_FRAME_BYTES)
        .new_codec()
}

/// Encodes a frame's payload.
pub fn encode<T: Serialize>(value: &T) -> Bytes {
    Bytes::from(postcard::to_stdvec(value).expect("serializing to a Vec cannot fail"))
}

/// Decodes a hello frame.
pub fn decode_hello(frame: &[u8]) -> Result<Hello, String> {
    postcard::from_bytes(frame).map_err(|e| format!("malformed hello frame: {e}"))
}

/// Decodes a message frame from `peer` addressed to `me`, and checks that it says so.
pub fn decode_message(frame: &[u8], peer: NodeId, me: NodeId) -> Result<Envelope, String> {
    let env: Envelope =
        postcard::from_bytes(frame).map_err(|e| format!("malformed message frame: {e}"))?;
    let m = &env.msg;
    if m.from != peer || m.to != me {
        return Err(format!(
            "message from S{} to S{} on the connection from S{peer} to S{me}",
            m.from, m.to
        ));
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_core::Body;

    #[test]
    fn message_round_trip_and_mismatch() {
        let m = Message {
            from: 2,
            to: 1,
            term: 5,
            body: Body::Heartbeat {
                commit: 9,
                read_ctx: 0,
            },
        };
        let env = Envelope { id: 0, msg: m };
        let bytes = encode(&env);
        assert!(
            bytes.len() < 12,
            "a heartbeat is a few bytes: {}",
            bytes.len()
        );
        assert_eq!(decode_message(&bytes, 2, 1).unwrap(), env);
        assert!(decode_message(&bytes, 3, 1)
            .unwrap_err()
            .contains("from S2"));
        assert!(decode_message(b"\xff\xff\xff", 2, 1).is_err());
        assert!(decode_hello(b"").is_err());
    }
}
