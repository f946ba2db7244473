//! Things the page derives from what it has seen over time rather than from one state of the
//! world: election and failover times (from the event log), throughput (from samples of the
//! completed-operation count) and the recent message traffic for the space-time diagram (from
//! samples of the messages in flight).
//!
//! The browser does not keep the simulator's unbounded trace, so these are observations: the
//! event log is exact (the driver writes it after every event) but keeps the last 200 lines;
//! the traffic is sampled once per rendered frame, so at high speeds a message that is sent and
//! delivered between two frames is not seen.

use std::collections::{BTreeMap, VecDeque};

use raft_core::NodeId;

use super::events::EventLine;
use super::messages::MessageView;

// ----- election and failover times -----------------------------------------------------------

/// The node an event line is about: its first word ("S3 became leader…" → 3).
pub fn subject(text: &str) -> Option<NodeId> {
    let word = text.split_whitespace().next()?;
    word.strip_prefix('S')?.parse().ok()
}

/// Durations of the most recent election and failover seen in the event log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ElectionTimes {
    /// From the first (pre-)candidate after the previous leader to the new leader, ms.
    pub last_election: Option<u64>,
    /// From the crash of a leader to the next leader, ms.
    pub last_failover: Option<u64>,
}

/// Election and failover times from the event log (most recent line first, as the driver
/// keeps it).
pub fn election_times(events: &[EventLine]) -> ElectionTimes {
    let mut out = ElectionTimes::default();
    let mut leader: Option<NodeId> = None;
    let mut campaign_start: Option<u64> = None;
    let mut crashed_at: Option<u64> = None;
    for l in events.iter().rev() {
        let Some(who) = subject(&l.text) else {
            continue;
        };
        let rest = &l.text[l.text.find(' ').map_or(0, |i| i + 1)..];
        if rest.starts_with("became leader") {
            if let Some(t0) = campaign_start.take() {
                out.last_election = Some(l.t - t0);
            }
            if let Some(t0) = crashed_at.take() {
                out.last_failover = Some(l.t - t0);
            }
            leader = Some(who);
        } else if rest.starts_with("became candidate")
            || rest.starts_with("became pre-candidate")
            || (rest.starts_with("moved to term") && rest.ends_with("candidate"))
        {
            campaign_start.get_or_insert(l.t);
            if leader == Some(who) {
                leader = None;
            }
        } else if rest == "crashed" && leader == Some(who) {
            crashed_at = Some(l.t);
            campaign_start = None;
            leader = None;
        } else if rest.starts_with("became") && leader == Some(who) {
            // The leader stepped down (CheckQuorum, a higher term): the next election starts
            // with the next candidate.
            leader = None;
            campaign_start = None;
        }
    }
    out
}

// ----- throughput --------------------------------------------------------------------------------

/// A rate over the last virtual second, from samples of a growing count.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RateMeter {
    samples: VecDeque<(u64, u64)>,
}

impl RateMeter {
    /// Records `count` at virtual time `now`. Going back in time (time travel, a new run)
    /// starts over.
    pub fn sample(&mut self, now: u64, count: u64) {
        if self
            .samples
            .back()
            .is_some_and(|&(t, c)| now < t || count < c)
        {
            self.samples.clear();
        }
        if self.samples.back().is_some_and(|&(t, _)| t == now) {
            self.samples.pop_back();
        }
        self.samples.push_back((now, count));
        while self.samples.len() > 2 && self.samples.front().is_some_and(|&(t, _)| t + 1000 < now) {
            self.samples.pop_front();
        }
    }

    /// Increase per virtual second over the samples kept (0 with fewer than two).
    pub fn per_sec(&self) -> f64 {
        match (self.samples.front(), self.samples.back()) {
            (Some(&(t0, c0)), Some(&(t1, c1))) if t1 > t0 => {
                (c1 - c0) as f64 * 1000.0 / (t1 - t0) as f64
            }
            _ => 0.0,
        }
    }
}

// ----- message traffic for the space-time diagram ------------------------------------------------

/// How much virtual time of traffic [`Traffic`] remembers, ms.
pub const TRAFFIC_KEEP_MS: u64 = 3_000;
/// Most messages [`Traffic`] remembers.
pub const TRAFFIC_CAP: usize = 2_000;

/// One message as the diagram draws it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trip {
    /// Network id.
    pub id: u64,
    /// `Body::kind()`.
    pub kind: &'static str,
    /// Sender.
    pub from: NodeId,
    /// Recipient.
    pub to: NodeId,
    /// Sent at, ms.
    pub sent_at: u64,
    /// Arrival (planned while in flight; None while parked).
    pub deliver_at: Option<u64>,
    /// What became of it.
    pub fate: Fate,
}

/// What became of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Still in flight when last seen.
    InFlight,
    /// Left the network at or after its arrival time: delivered then.
    Delivered,
    /// Left the network before its arrival time, at this time: dropped by hand, or delivered
    /// early with "deliver now" (the diagram cannot tell which).
    Gone(u64),
}

/// Recent traffic, fed with the messages in flight at every rendered frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Traffic {
    trips: BTreeMap<u64, Trip>,
    last_now: u64,
}

impl Traffic {
    /// Takes a look at the network at virtual time `now`. Going back in time starts over.
    pub fn observe(&mut self, now: u64, in_flight: &[MessageView]) {
        if now < self.last_now {
            self.trips.clear();
        }
        self.last_now = now;
        let seen: std::collections::BTreeSet<u64> = in_flight.iter().map(|m| m.id).collect();
        for t in self.trips.values_mut() {
            if t.fate == Fate::InFlight && !seen.contains(&t.id) {
                t.fate = match t.deliver_at {
                    Some(at) if at <= now => Fate::Delivered,
                    _ => Fate::Gone(now),
                };
            }
        }
        for m in in_flight {
            let trip = self.trips.entry(m.id).or_insert_with(|| Trip {
                id: m.id,
                kind: m.kind,
                from: m.from,
                to: m.to,
                sent_at: m.sent_at,
                deliver_at: m.deliver_at,
                fate: Fate::InFlight,
            });
            trip.deliver_at = m.deliver_at;
        }
        let horizon = now.saturating_sub(TRAFFIC_KEEP_MS);
        self.trips.retain(|_, t| t.sent_at >= horizon);
        while self.trips.len() > TRAFFIC_CAP {
            self.trips.pop_first();
        }
    }

    /// Messages sent in `[from, to]`, oldest first.
    pub fn between(&self, from: u64, to: u64) -> impl Iterator<Item = &Trip> {
        self.trips
            .values()
            .filter(move |t| t.sent_at >= from && t.sent_at <= to)
    }

    /// Oldest send time remembered.
    pub fn oldest(&self) -> Option<u64> {
        self.trips.values().map(|t| t.sent_at).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_model::events::EventKind;

    fn line(t: u64, text: &str) -> EventLine {
        EventLine {
            t,
            kind: EventKind::Role,
            text: text.to_string(),
            commit_of: None,
        }
    }

    /// Most recent first, like the driver's log.
    fn log(lines: &[(u64, &str)]) -> Vec<EventLine> {
        lines.iter().rev().map(|&(t, s)| line(t, s)).collect()
    }

    #[test]
    fn subjects_are_the_first_word() {
        assert_eq!(subject("S12 became leader in term 3"), Some(12));
        assert_eq!(subject("Network healed"), None);
        assert_eq!(subject(""), None);
    }

    #[test]
    fn election_and_failover_times_come_from_the_log() {
        let events = log(&[
            (180, "S3 became pre-candidate in term 0"),
            (190, "S3 became candidate in term 1"),
            (205, "S3 became leader in term 1"),
            (900, "S3 crashed"),
            (1100, "S1 became pre-candidate in term 1"),
            (1130, "S1 became candidate in term 2"),
            (1150, "S1 became leader in term 2"),
        ]);
        let t = election_times(&events);
        assert_eq!(t.last_election, Some(50), "1100 → 1150");
        assert_eq!(t.last_failover, Some(250), "crash at 900 → leader at 1150");

        let first = election_times(&events[4..]);
        assert_eq!(first.last_election, Some(25));
        assert_eq!(first.last_failover, None, "no crash yet");
    }

    #[test]
    fn a_crashed_follower_is_not_a_failover() {
        let events = log(&[
            (10, "S1 became candidate in term 1"),
            (20, "S1 became leader in term 1"),
            (30, "S2 crashed"),
            (40, "S3 moved to term 2 as candidate"),
            (70, "S3 became leader in term 2"),
        ]);
        let t = election_times(&events);
        assert_eq!(t.last_election, Some(30));
        assert_eq!(t.last_failover, None);
    }

    #[test]
    fn rates_cover_the_last_second_and_restart_after_time_travel() {
        let mut r = RateMeter::default();
        assert_eq!(r.per_sec(), 0.0);
        for k in 0..=20 {
            r.sample(k * 100, k * 5);
        }
        assert!((r.per_sec() - 50.0).abs() < 1e-9, "{}", r.per_sec());
        r.sample(500, 3);
        assert_eq!(r.per_sec(), 0.0, "going back starts over");
    }

    fn msg(id: u64, sent_at: u64, deliver_at: Option<u64>) -> MessageView {
        MessageView {
            id,
            kind: "append",
            from: 1,
            to: 2,
            progress: 0.0,
            x: 0.0,
            y: 0.0,
            response: false,
            parked: false,
            entries: 0,
            summary: String::new(),
            sent_at,
            deliver_at,
        }
    }

    #[test]
    fn traffic_tells_delivered_from_gone_and_forgets_old_trips() {
        let mut tr = Traffic::default();
        tr.observe(10, &[msg(1, 5, Some(20)), msg(2, 8, Some(30))]);
        tr.observe(21, &[msg(2, 8, Some(30))]);
        let trips: Vec<_> = tr.between(0, 100).cloned().collect();
        assert_eq!(trips[0].fate, Fate::Delivered);
        assert_eq!(trips[1].fate, Fate::InFlight);
        tr.observe(25, &[]);
        assert_eq!(tr.between(0, 100).nth(1).unwrap().fate, Fate::Gone(25));
        tr.observe(TRAFFIC_KEEP_MS + 100, &[msg(3, TRAFFIC_KEEP_MS + 90, None)]);
        assert_eq!(tr.between(0, u64::MAX).count(), 1);
        assert_eq!(tr.oldest(), Some(TRAFFIC_KEEP_MS + 90));
        tr.observe(50, &[]);
        assert_eq!(
            tr.between(0, u64::MAX).count(),
            0,
            "time travel starts over"
        );
    }
}
