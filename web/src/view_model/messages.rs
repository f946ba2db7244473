//! Messages in flight: where each one is drawn on its link, and what it carries.

use std::collections::BTreeMap;

use raft_core::{Body, NodeId};
use raft_sim::network::InFlight;
use raft_sim::World;

use super::cluster::{name, NODE_R};

/// Most messages drawn at once (the rest are counted, not drawn).
pub const MAX_DRAWN_MESSAGES: usize = 400;

/// A message in flight, ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageView {
    /// Network id (what a click drops).
    pub id: u64,
    /// `Body::kind()`: "append", "vote_resp"...
    pub kind: &'static str,
    /// Sender.
    pub from: NodeId,
    /// Recipient.
    pub to: NodeId,
    /// Fraction of the trip done, 0..=1 (0.5 when motion is reduced).
    pub progress: f64,
    /// Position.
    pub x: f64,
    /// Position.
    pub y: f64,
    /// A response (drawn hollow).
    pub response: bool,
    /// Parked on a held link.
    pub parked: bool,
    /// Carries entries.
    pub entries: usize,
    /// Every field, for a tooltip.
    pub summary: String,
    /// Virtual time it was sent.
    pub sent_at: u64,
    /// Virtual time it arrives (None while parked on a held link).
    pub deliver_at: Option<u64>,
}

/// The messages in flight between nodes on the ring (centres `pos`), at most
/// [`MAX_DRAWN_MESSAGES`], at display time `display_now`; with `animate` off (reduced motion)
/// each sits at the middle of its link.
pub fn in_flight(
    world: &World,
    pos: &BTreeMap<NodeId, (f64, f64)>,
    display_now: f64,
    animate: bool,
) -> Vec<MessageView> {
    world
        .network()
        .in_flight()
        .filter(|f| pos.contains_key(&f.msg.from) && pos.contains_key(&f.msg.to))
        .take(MAX_DRAWN_MESSAGES)
        .map(|f| message_view(f, pos[&f.msg.from], pos[&f.msg.to], display_now, animate))
        .collect()
}

/// Fraction of a message's trip done at `now` (parked messages: 0).
pub fn progress(f: &InFlight, now: f64) -> f64 {
    match f.deliver_at {
        Some(at) if at > f.sent_at => {
            ((now - f.sent_at as f64) / (at - f.sent_at) as f64).clamp(0.0, 1.0)
        }
        Some(_) => 1.0,
        None => 0.0,
    }
}

fn message_view(
    f: &InFlight,
    from: (f64, f64),
    to: (f64, f64),
    display_now: f64,
    animate: bool,
) -> MessageView {
    let parked = f.deliver_at.is_none();
    let p = if parked {
        0.12
    } else if animate {
        progress(f, display_now)
    } else {
        0.5
    };
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len, dy / len);
    // Start and end at the circles' edges; each direction keeps to its own side of the line.
    let gap = NODE_R + 6.0;
    let (sx, sy) = (from.0 + ux * gap, from.1 + uy * gap);
    let (ex, ey) = (to.0 - ux * gap, to.1 - uy * gap);
    let side = 7.0;
    let (px, py) = (-uy * side, ux * side);
    let m = &f.msg;
    let entries = match &m.body {
        Body::Append { entries, .. } => entries.len(),
        _ => 0,
    };
    MessageView {
        id: f.id,
        kind: m.body.kind(),
        from: m.from,
        to: m.to,
        progress: p,
        x: sx + (ex - sx) * p + px,
        y: sy + (ey - sy) * p + py,
        response: matches!(
            m.body,
            Body::PreVoteResp { .. }
                | Body::VoteResp { .. }
                | Body::AppendResp { .. }
                | Body::HeartbeatResp { .. }
                | Body::SnapshotResp { .. }
        ),
        parked,
        entries,
        summary: message_summary(f),
        sent_at: f.sent_at,
        deliver_at: f.deliver_at,
    }
}

/// Every field of a message in flight, on one line.
pub fn message_summary(f: &InFlight) -> String {
    let m = &f.msg;
    let fields = match &m.body {
        Body::PreVote {
            last_index,
            last_term,
        } => {
            format!("last log {last_index}@t{last_term}")
        }
        Body::Vote {
            last_index,
            last_term,
            transfer,
        } => format!(
            "last log {last_index}@t{last_term}{}",
            if *transfer { ", transfer" } else { "" }
        ),
        Body::PreVoteResp { granted } | Body::VoteResp { granted } => {
            if *granted { "granted" } else { "refused" }.to_string()
        }
        Body::Append {
            prev_index,
            prev_term,
            entries,
            commit,
        } => {
            let range = match (entries.first(), entries.last()) {
                (Some(a), Some(b)) => format!("entries {}..{}", a.index, b.index),
                _ => "no entries".to_string(),
            };
            format!("prev {prev_index}@t{prev_term}, {range}, commit {commit}")
        }
        Body::AppendResp {
            index,
            reject,
            hint_index,
            hint_term,
        } => {
            if *reject {
                format!("rejected at {index}, hint {hint_index}@t{hint_term}")
            } else {
                format!("ok, matches up to {index}")
            }
        }
        Body::Snapshot {
            index,
            term,
            offset,
            total,
            data,
            ..
        } => format!(
            "snapshot up to {index}@t{term}, bytes {offset}..{} of {total}",
            offset + data.len() as u64
        ),
        Body::SnapshotResp { index, offset } => {
            format!("snapshot {index}: {offset} bytes received")
        }
        Body::Heartbeat { commit, read_ctx } => {
            if *read_ctx > 0 {
                format!("commit {commit}, read #{read_ctx}")
            } else {
                format!("commit {commit}")
            }
        }
        Body::HeartbeatResp { read_ctx } => {
            if *read_ctx > 0 {
                format!("read #{read_ctx}")
            } else {
                "ok".to_string()
            }
        }
        Body::TimeoutNow => "start an election now".to_string(),
    };
    let when = match f.deliver_at {
        Some(at) => format!("sent {} ms, arrives {} ms", f.sent_at, at),
        None => format!("sent {} ms, held", f.sent_at),
    };
    format!(
        "{} {} → {}, term {}: {}. {} (#{}).",
        m.body.kind(),
        name(m.from),
        name(m.to),
        m.term,
        fields,
        when,
        f.id
    )
}
