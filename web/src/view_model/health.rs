//! The health panel: the classic ways a Raft cluster gets stuck or slow, recognised from the
//! view of the world and the recent event log, each with a sentence saying why.
//!
//! Safety is the checker's business (it stops the run); these are liveness troubles: nothing
//! wrong has happened, but nothing good happens either, or only slowly.

use std::collections::BTreeSet;

use raft_core::NodeId;
use raft_sim::NetConfig;

use super::cluster::{name, names, ConfigView, LinkView, MemberView, RoleView};
use super::events::EventLine;
use super::{cluster_config, ViewModel};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// All is well.
    Ok,
    /// Worth knowing, expected to pass by itself.
    Info,
    /// Slow or degraded.
    Warn,
    /// Stuck: no progress until something changes.
    Bad,
}

impl Level {
    /// CSS class suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Bad => "bad",
        }
    }
}

/// One diagnosis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Severity.
    pub level: Level,
    /// A stable name ("two-leaders", "election-loop"...), for tests and styling.
    pub code: &'static str,
    /// A few words.
    pub title: String,
    /// Why, in a sentence or two.
    pub detail: String,
}

/// A follower this many entries behind the leader is reported.
pub const BEHIND_ENTRIES: u64 = 20;
/// Window of the election-loop check, in election timeouts.
const LOOP_TIMEOUTS: u64 = 3;
/// Terms started within the window that make a loop.
const LOOP_TERMS: usize = 3;

/// Everything wrong (or, when nothing is, one "healthy" finding), worst first.
/// `events`: the event log, most recent first; `net`: the network settings in force.
pub fn health(v: &ViewModel, events: &[EventLine], net: &NetConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    let leaders: Vec<_> = v
        .nodes
        .iter()
        .filter(|n| n.role == RoleView::Leader)
        .collect();
    let reach = Reach::new(v);
    let config = cluster_config(v);
    let rtt = net.latency_min + net.latency_max; // two one-way trips of average latency

    // Two nodes that both believe they lead.
    if let Some(newest) = leaders.iter().max_by_key(|n| n.term) {
        for old in leaders.iter().filter(|n| n.id != newest.id) {
            if old.term < newest.term {
                out.push(Finding {
                    level: Level::Bad,
                    code: "two-leaders",
                    title: format!("Two leaders: {} and {}", old.name, newest.name),
                    detail: format!(
                        "{} still believes it leads term {}, but {} was elected in term {}. {} has \
                         not heard of the new term yet ({}), so whatever it is asked to write \
                         cannot commit; it steps down as soon as any message of term {} reaches it.",
                        old.name,
                        old.term,
                        newest.name,
                        newest.term,
                        old.name,
                        reach.why_apart(old.id, newest.id),
                        newest.term
                    ),
                });
            } else {
                out.push(Finding {
                    level: Level::Bad,
                    code: "two-leaders",
                    title: format!("Two leaders in term {}", old.term),
                    detail: format!(
                        "{} and {} both lead term {}: Election Safety is broken.",
                        old.name, newest.name, old.term
                    ),
                });
            }
        }
    }

    // A leader that cannot reach a majority of voters.
    for l in &leaders {
        let Some(cfg) = &l.config else { continue };
        let with = reach.group(l.id);
        let halves: Vec<&Vec<NodeId>> = if cfg.is_joint() {
            vec![&cfg.outgoing, &cfg.voters]
        } else {
            vec![&cfg.voters]
        };
        let short = halves.iter().find(|h| {
            let n = h.iter().filter(|id| with.contains(id)).count();
            n * 2 <= h.len()
        });
        if let Some(h) = short {
            let reached: Vec<NodeId> = h.iter().copied().filter(|id| with.contains(id)).collect();
            out.push(Finding {
                level: Level::Bad,
                code: "minority-leader",
                title: format!("{} leads a minority", l.name),
                detail: format!(
                    "{} reaches only {} of {} voters ({}): it cannot commit anything. With \
                     CheckQuorum it steps down after an election timeout without a majority; \
                     without it, it leads on until it hears a higher term.",
                    l.name,
                    reached.len(),
                    h.len(),
                    names(&reached)
                ),
            });
        }
    }

    // The configured longest timeout, not the drawn ones: those change at every reset of a
    // timer, and a window that followed them blinked the finding off and on.
    let max_timeout = v
        .nodes
        .iter()
        .map(|n| n.election_timeout_max)
        .max()
        .unwrap_or(0)
        .max(150);
    let window = LOOP_TIMEOUTS * max_timeout;
    let since = v.now.saturating_sub(window);
    let recent = events.iter().take_while(|l| l.t >= since);
    let mut terms = BTreeSet::new();
    let mut elected = 0;
    for l in recent {
        let rest = l.text.split_once(' ').map_or("", |(_, r)| r);
        if rest.starts_with("became candidate") || rest.contains("as candidate") {
            if let Some(t) = term_in(rest) {
                terms.insert(t);
            }
        } else if rest.starts_with("became leader") {
            elected += 1;
        }
    }
    let stable_leader = !leaders.is_empty() && elected <= 1;
    let no_quorum = config.and_then(|c| reach.no_quorum(v, c));

    if terms.len() >= LOOP_TERMS && !stable_leader && v.now >= window {
        let lo = terms.first().copied().unwrap_or(0);
        let hi = terms.last().copied().unwrap_or(0);
        let why = if no_quorum.is_some() {
            "no group of voters that can talk holds a majority, and without PreVote every \
             candidate that times out raises the term again"
                .to_string()
        } else if elected > 1 {
            "leaders are elected and deposed again and again (a node that cannot hear the \
             leader keeps starting elections: turn on PreVote and CheckQuorum, or heal its link)"
                .to_string()
        } else {
            format!(
                "votes split, or ballots take too long to come back within an election timeout \
                 (latency {}–{} ms, {}% loss)",
                net.latency_min,
                net.latency_max,
                f64::from(net.drop_ppm) / 10_000.0
            )
        };
        out.push(Finding {
            level: Level::Bad,
            code: "election-loop",
            title: "Election loop".to_string(),
            detail: format!(
                "Terms climbed from {lo} to {hi} in the last {window} ms ({LOOP_TIMEOUTS} election \
                 timeouts) without a stable leader: {why}."
            ),
        });
    }
    if leaders.is_empty() {
        if let Some((biggest, total)) = &no_quorum {
            out.push(Finding {
                level: Level::Bad,
                code: "no-quorum",
                title: "No majority can talk".to_string(),
                detail: format!(
                    "The largest group of live voters that reach each other is {} ({} of {}): \
                     no election can succeed until links heal or nodes restart.",
                    names(biggest),
                    biggest.len(),
                    total
                ),
            });
        } else if !out.iter().any(|f| f.code == "election-loop") {
            out.push(Finding {
                level: Level::Info,
                code: "no-leader",
                title: "No leader at the moment".to_string(),
                detail: "An election is due or under way: a follower that hears no leader for \
                         its election timeout campaigns."
                    .to_string(),
            });
        }
    }

    // Slow commits.
    if let (Some(p50), Some(_)) = (v.metrics.p50_latency, v.metrics.leader) {
        let expected = rtt.max(1);
        if p50 > 6 * expected && p50 > expected + 100 {
            let why = if net.drop_ppm > 0 {
                format!(
                    "{}% of messages are lost, and each loss costs a retry after a timeout",
                    f64::from(net.drop_ppm) / 10_000.0
                )
            } else if v.links.iter().any(|l| l.state != LinkView::Healthy) {
                "some links are cut or held, so requests wait for a leader change or a retry"
                    .to_string()
            } else {
                "requests waited through a leader change or client retries".to_string()
            };
            out.push(Finding {
                level: Level::Warn,
                code: "slow-commits",
                title: "Slow commits".to_string(),
                detail: format!(
                    "The median client operation took {p50} ms, while a quorum round trip takes \
                     about {rtt} ms: {why}."
                ),
            });
        }
    }

    // Followers falling behind, or needing or installing a snapshot.
    if let Some(leader) = leaders.iter().max_by_key(|n| n.term) {
        for n in &v.nodes {
            if let Some((index, got, total)) = n.installing {
                let pct = (got * 100).checked_div(total).unwrap_or(0);
                out.push(Finding {
                    level: Level::Info,
                    code: "installing-snapshot",
                    title: format!("{} is installing a snapshot", n.name),
                    detail: format!(
                        "{} receives the leader's snapshot up to index {index} in chunks: {got} of \
                         {total} bytes ({pct}%). Its log restarts after that index.",
                        n.name
                    ),
                });
                continue;
            }
            let Some(p) = &n.progress else { continue };
            if p.state == "snapshot" {
                out.push(Finding {
                    level: Level::Warn,
                    code: "needs-snapshot",
                    title: format!("{} needs a snapshot", n.name),
                    detail: format!(
                        "The entries {} is missing (from {}) are compacted away at {} (snapshot \
                         up to {}), so {} sends its snapshot instead of entries.",
                        n.name, p.next, leader.name, leader.snapshot_index, leader.name
                    ),
                });
                continue;
            }
            let lag = leader.last_index.saturating_sub(p.matched);
            if lag >= BEHIND_ENTRIES {
                let why = if reach.group(leader.id).contains(&n.id) {
                    if p.state == "probe" {
                        "the leader is still probing for the point where their logs agree"
                    } else {
                        "it is catching up"
                    }
                } else {
                    "the leader cannot reach it"
                };
                out.push(Finding {
                    level: Level::Warn,
                    code: "behind",
                    title: format!("{} is falling behind", n.name),
                    detail: format!(
                        "{} holds entries up to {} while {} is at {} ({lag} behind): {why}.",
                        n.name, p.matched, leader.name, leader.last_index
                    ),
                });
            }
        }
    }

    // Live members the leader cannot reach: not an outage while it keeps a quorum, but not
    // healthy either (they learn nothing until the links heal).
    if let Some(leader) = leaders.iter().max_by_key(|n| n.term) {
        let with = reach.group(leader.id);
        let apart: Vec<NodeId> = v
            .nodes
            .iter()
            .filter(|n| !reach.down.contains(&n.id) && !with.contains(&n.id))
            .map(|n| n.id)
            .collect();
        if !apart.is_empty() && !out.iter().any(|f| f.code == "minority-leader") {
            let names: Vec<String> = apart.iter().map(|&id| name(id)).collect();
            let (who, verb) = if names.len() == 1 {
                (names[0].clone(), "is")
            } else {
                (names.join(", "), "are")
            };
            out.push(Finding {
                level: Level::Warn,
                code: "cut-off",
                title: format!("{who} {verb} cut off from the leader"),
                detail: format!(
                    "{} still commits with the nodes it reaches, but {who} {verb} on the other side                      of cut links and learn{} nothing new until they heal.",
                    leader.name,
                    if names.len() == 1 { "s" } else { "" }
                ),
            });
        }
    }

    if out.is_empty() {
        let leader = leaders.first();
        let voters = config.map_or(0, |c| c.all_voters().len());
        let detail = match leader {
            Some(l) => {
                let reached = config.map_or(0, |c| {
                    c.all_voters()
                        .iter()
                        .filter(|id| reach.group(l.id).contains(id))
                        .count()
                });
                format!(
                    "{} leads term {} and reaches {} of {} voters; {}.{}",
                    l.name,
                    l.term,
                    reached,
                    voters,
                    if reached == voters {
                        "every member keeps up".to_string()
                    } else {
                        format!("{} down", voters - reached)
                    },
                    v.metrics
                        .p50_latency
                        .map(|p| format!(" Median commit {p} ms (round trip ~{rtt} ms)."))
                        .unwrap_or_default()
                )
            }
            None => String::new(),
        };
        out.push(Finding {
            level: Level::Ok,
            code: "healthy",
            title: "Healthy".to_string(),
            detail,
        });
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.level));
    out
}

/// The number after "term " in an event line.
fn term_in(text: &str) -> Option<u64> {
    let (_, after) = text.split_once("term ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Who can talk to whom: live nodes joined by links healthy in both directions.
struct Reach {
    groups: Vec<BTreeSet<NodeId>>,
    down: BTreeSet<NodeId>,
    cut: BTreeSet<(NodeId, NodeId)>,
}

impl Reach {
    fn new(v: &ViewModel) -> Self {
        let down: BTreeSet<NodeId> = v
            .nodes
            .iter()
            .filter(|n| n.role == RoleView::Crashed || n.member == MemberView::Removed)
            .map(|n| n.id)
            .collect();
        let cut: BTreeSet<(NodeId, NodeId)> = v
            .links
            .iter()
            .filter(|l| l.state != LinkView::Healthy)
            .map(|l| (l.a, l.b))
            .collect();
        let mut groups: Vec<BTreeSet<NodeId>> = Vec::new();
        for n in v.nodes.iter().filter(|n| !down.contains(&n.id)) {
            let joined: Vec<usize> = groups
                .iter()
                .enumerate()
                .filter(|(_, g)| {
                    g.iter().any(|&o| {
                        let k = if o < n.id { (o, n.id) } else { (n.id, o) };
                        !cut.contains(&k)
                    })
                })
                .map(|(k, _)| k)
                .collect();
            let mut merged = BTreeSet::from([n.id]);
            for &k in joined.iter().rev() {
                merged.extend(groups.remove(k));
            }
            groups.push(merged);
        }
        Reach { groups, down, cut }
    }

    /// The live nodes `id` can talk to, itself included (empty when it is down).
    fn group(&self, id: NodeId) -> BTreeSet<NodeId> {
        self.groups
            .iter()
            .find(|g| g.contains(&id))
            .cloned()
            .unwrap_or_default()
    }

    fn why_apart(&self, a: NodeId, b: NodeId) -> String {
        let k = (a.min(b), a.max(b));
        if self.down.contains(&a) || self.down.contains(&b) {
            "one of them is down".to_string()
        } else if self.cut.contains(&k) {
            format!("the link between {} and {} is cut", name(a), name(b))
        } else {
            "the message has not arrived yet".to_string()
        }
    }

    /// With no group holding a majority of each half of the configuration: the largest group's
    /// voters and the number of voters.
    fn no_quorum(&self, _v: &ViewModel, cfg: &ConfigView) -> Option<(Vec<NodeId>, usize)> {
        let halves: Vec<&Vec<NodeId>> = if cfg.is_joint() {
            vec![&cfg.outgoing, &cfg.voters]
        } else {
            vec![&cfg.voters]
        };
        if halves.iter().all(|h| h.is_empty()) {
            return None;
        }
        let ok = |g: &BTreeSet<NodeId>| {
            halves
                .iter()
                .all(|h| h.iter().filter(|id| g.contains(id)).count() * 2 > h.len())
        };
        if self.groups.iter().any(ok) {
            return None;
        }
        let all = cfg.all_voters();
        let biggest = self
            .groups
            .iter()
            .map(|g| {
                g.iter()
                    .copied()
                    .filter(|id| all.contains(id))
                    .collect::<Vec<_>>()
            })
            .max_by_key(Vec::len)
            .unwrap_or_default();
        Some((biggest, all.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_model::events::{diff, snapshot};
    use crate::view_model::{build, ViewInputs};
    use raft_sim::{Action, SimOptions, World};

    /// Runs `w` to `until`, keeping the event log the way the driver does (most recent first).
    fn run(w: &mut World, until: u64, events: &mut Vec<EventLine>) {
        let mut prev = snapshot(w);
        while w.next_event_time().is_some_and(|t| t <= until) {
            w.step();
            let next = snapshot(w);
            for l in diff(&prev, &next, w.now()) {
                events.insert(0, l);
            }
            // The page keeps no more lines than this.
            events.truncate(crate::sim_driver::driver::EVENT_LOG_CAP);
            prev = next;
        }
        w.advance_to(until);
    }

    fn findings(w: &World, events: &[EventLine]) -> Vec<Finding> {
        let v = build(
            w,
            ViewInputs {
                display_now: w.now() as f64,
                animate: false,
                msgs_per_sec: 0.0,
            },
        );
        health(&v, events, &w.options().net)
    }

    fn codes(f: &[Finding]) -> Vec<&'static str> {
        f.iter().map(|f| f.code).collect()
    }

    fn world(pre_vote: bool, check_quorum: bool) -> World {
        World::new(SimOptions {
            seed: 7,
            pre_vote,
            check_quorum,
            keep_trace: false,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn a_settled_cluster_is_healthy() {
        let mut w = world(true, true);
        let mut ev = Vec::new();
        run(&mut w, 2_000, &mut ev);
        let f = findings(&w, &ev);
        assert_eq!(codes(&f), ["healthy"], "{f:?}");
        assert!(
            f[0].detail.contains("reaches 5 of 5 voters"),
            "{}",
            f[0].detail
        );
    }

    #[test]
    fn a_majority_leader_with_two_nodes_partitioned_away_is_not_healthy() {
        let mut w = world(true, true);
        let mut ev = Vec::new();
        run(&mut w, 2_000, &mut ev);
        let leader = w.leader().unwrap();
        let others: Vec<u64> = (1..=5).filter(|&n| n != leader).collect();
        let (near, far) = others.split_at(2);
        let mut side = vec![leader];
        side.extend_from_slice(near);
        w.act(Action::Partition {
            groups: vec![side, far.to_vec()],
        })
        .unwrap();
        run(&mut w, 1_000, &mut ev);
        let f = findings(&w, &ev);
        assert!(!codes(&f).contains(&"healthy"), "{f:?}");
        let cut = f.iter().find(|f| f.code == "cut-off").expect("cut-off");
        assert_eq!(
            cut.title,
            format!("S{}, S{} are cut off from the leader", far[0], far[1])
        );
    }

    #[test]
    fn a_deposed_leader_that_has_not_heard_is_one_of_two_leaders() {
        // Without CheckQuorum the isolated leader never steps down by itself.
        let mut w = world(true, false);
        let mut ev = Vec::new();
        run(&mut w, 2_000, &mut ev);
        let old = w.leader().unwrap();
        w.act(Action::Isolate { node: old }).unwrap();
        run(&mut w, 4_000, &mut ev);
        let f = findings(&w, &ev);
        let two = f
            .iter()
            .find(|f| f.code == "two-leaders")
            .expect("two leaders");
        assert!(
            two.detail
                .starts_with(&format!("S{old} still believes it leads")),
            "{}",
            two.detail
        );
        assert!(two.detail.contains("is cut"), "{}", two.detail);
        let minority = f
            .iter()
            .find(|f| f.code == "minority-leader")
            .expect("minority");
        assert!(
            minority.detail.contains("reaches only 1 of 5 voters"),
            "{}",
            minority.detail
        );
    }

    #[test]
    fn without_prevote_a_three_way_split_loops_elections() {
        let mut w = world(false, true);
        w.act(Action::Partition {
            groups: vec![vec![1, 2], vec![3, 4], vec![5]],
        })
        .unwrap();
        let mut ev = Vec::new();
        run(&mut w, 3_000, &mut ev);
        let f = findings(&w, &ev);
        assert_eq!(codes(&f), ["election-loop", "no-quorum"], "{f:?}");
        assert!(f[0].detail.contains("without PreVote"), "{}", f[0].detail);
        assert!(f[1].detail.contains("(2 of 5)"), "{}", f[1].detail);
    }

    #[test]
    fn with_prevote_the_same_split_is_stuck_but_not_looping() {
        let mut w = world(true, true);
        w.act(Action::Partition {
            groups: vec![vec![1, 2], vec![3, 4], vec![5]],
        })
        .unwrap();
        let mut ev = Vec::new();
        run(&mut w, 3_000, &mut ev);
        assert_eq!(codes(&findings(&w, &ev)), ["no-quorum"]);
    }

    #[test]
    fn a_cut_off_follower_falls_behind_then_needs_a_snapshot() {
        let mut w = world(true, true);
        let mut ev = Vec::new();
        run(&mut w, 2_000, &mut ev);
        let leader = w.leader().unwrap();
        let f = (1..=5).find(|&n| n != leader).unwrap();
        w.act(Action::Isolate { node: f }).unwrap();
        w.act(Action::ClientLoad { on: true }).unwrap();
        run(&mut w, 4_000, &mut ev);
        let found = findings(&w, &ev);
        let behind = found.iter().find(|x| x.code == "behind").expect("behind");
        assert!(
            behind.detail.contains("cannot reach it"),
            "{}",
            behind.detail
        );

        w.act(Action::Compact { node: leader }).unwrap();
        w.act(Action::Heal).unwrap();
        let mut seen = BTreeSet::new();
        for t in (4_010..6_000).step_by(10) {
            run(&mut w, t, &mut ev);
            seen.extend(codes(&findings(&w, &ev)));
        }
        assert!(
            seen.contains("needs-snapshot") || seen.contains("installing-snapshot"),
            "{seen:?}"
        );
    }

    #[test]
    fn slow_commits_compare_the_median_with_a_round_trip() {
        let mut w = world(true, true);
        let mut ev = Vec::new();
        run(&mut w, 2_000, &mut ev);
        let mut v = build(
            &w,
            ViewInputs {
                display_now: w.now() as f64,
                animate: false,
                msgs_per_sec: 0.0,
            },
        );
        v.metrics.p50_latency = Some(900);
        let mut net = w.options().net.clone();
        net.drop_ppm = 200_000;
        let f = health(&v, &ev, &net);
        assert_eq!(codes(&f), ["slow-commits"]);
        assert!(
            f[0].detail.contains("20% of messages are lost"),
            "{}",
            f[0].detail
        );
        v.metrics.p50_latency = Some(40);
        assert_eq!(codes(&health(&v, &ev, &net)), ["healthy"]);
    }

    #[test]
    fn terms_are_read_from_event_lines() {
        assert_eq!(term_in("became candidate in term 12"), Some(12));
        assert_eq!(term_in("moved to term 7 as candidate"), Some(7));
        assert_eq!(term_in("crashed"), None);
    }

    /// Once a loop is shown it stays shown while the loop goes on: the finding once blinked off
    /// for a few ms at a time (the e2e run caught it in CI) because its window followed the
    /// nodes' freshly drawn timeouts. Here: the first leader elected, the cluster split three
    /// ways at once, and the findings read every 5 ms for 10 s.
    #[test]
    fn an_election_loop_once_shown_does_not_blink_off_while_it_lasts() {
        for seed in [12, 15, 35, 67, 222] {
            let mut w = World::new(SimOptions {
                seed,
                pre_vote: false,
                keep_trace: false,
                ..Default::default()
            })
            .unwrap();
            let mut ev = Vec::new();
            let mut t = 0;
            while w.leader().is_none() {
                t += 5;
                run(&mut w, t, &mut ev);
            }
            w.act(Action::Partition {
                groups: vec![vec![1, 2], vec![3, 4], vec![5]],
            })
            .unwrap();
            let (mut shown_at, mut blinks): (Option<u64>, Vec<u64>) = (None, Vec::new());
            while t < 10_000 {
                t += 5;
                run(&mut w, t, &mut ev);
                let looping = codes(&findings(&w, &ev)).contains(&"election-loop");
                match (looping, shown_at) {
                    (true, None) => shown_at = Some(t),
                    (false, Some(_)) => blinks.push(t),
                    _ => {}
                }
            }
            assert!(shown_at.is_some(), "seed {seed}: the loop is found");
            assert_eq!(
                blinks,
                Vec::<u64>::new(),
                "seed {seed}: shown at {shown_at:?}, then gone at"
            );
        }
    }
}
