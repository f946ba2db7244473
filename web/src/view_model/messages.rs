//! Messages in flight: where each one is drawn on its link, and what it carries.

use std::collections::BTreeMap;

use raft_core::{Body, NodeId};
use raft_sim::network::InFlight;
use raft_sim::World;

use super::cluster::NODE_R;

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

/// One message in flight from `from` to `to` (the centres of its ends), drawn at display time
/// `display_now` (in the middle of its link when `animate` is off).
pub fn message_view(
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

/// Every field of a message in flight, on one line: the message as raft-core writes it
/// (`Display for Message`), then when it was sent and arrives.
pub fn message_summary(f: &InFlight) -> String {
    let when = match f.deliver_at {
        Some(at) => format!("sent {} ms, arrives {} ms", f.sent_at, at),
        None => format!("sent {} ms, held", f.sent_at),
    };
    format!("{}. {} (#{}).", f.msg, when, f.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_core::{Body, Entry, Message, Payload};

    // The tooltip reads raft-core's `Display for Message`; its text is the page's as before.
    #[test]
    fn message_summary_reads_as_before() {
        let f = |body, deliver_at| InFlight {
            id: 9,
            msg: Message {
                from: 1,
                to: 2,
                term: 3,
                body,
            },
            sent_at: 100,
            deliver_at,
        };
        let append = Body::Append {
            prev_index: 4,
            prev_term: 2,
            entries: vec![
                Entry {
                    term: 3,
                    index: 5,
                    payload: Payload::Noop,
                },
                Entry {
                    term: 3,
                    index: 6,
                    payload: Payload::Command(b"x".to_vec().into()),
                },
            ]
            .into(),
            commit: 4,
        };
        assert_eq!(
            message_summary(&f(append, Some(130))),
            "append S1 → S2, term 3: prev 4@t2, entries 5..6, commit 4. \
             sent 100 ms, arrives 130 ms (#9)."
        );
        let vote = Body::Vote {
            last_index: 6,
            last_term: 3,
            transfer: true,
        };
        assert_eq!(
            message_summary(&f(vote, None)),
            "vote S1 → S2, term 3: last log 6@t3, transfer. sent 100 ms, held (#9)."
        );
        assert_eq!(
            message_summary(&f(Body::VoteResp { granted: false }, Some(101))),
            "vote_resp S1 → S2, term 3: refused. sent 100 ms, arrives 101 ms (#9)."
        );
    }
}
