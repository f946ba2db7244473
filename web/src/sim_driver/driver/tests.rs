//! The driver's tests: frames, time travel and checkpoints, fast start, limits.

use super::*;
use raft_core::NodeId;

fn opts(seed: u64) -> SimOptions {
    ResetSettings::fresh(seed).options(NetConfig::default())
}

/// Runs like the page does: frames of 16 ms at 1×.
fn frames(d: &mut Driver, n: u32) {
    for _ in 0..n {
        d.advance(16.0);
    }
}

fn fingerprint(d: &Driver) -> (u64, u64, Option<NodeId>, Vec<String>) {
    let w = d.world();
    (
        w.now(),
        w.trace_hash(),
        w.leader(),
        d.events().map(|l| format!("{} {}", l.t, l.text)).collect(),
    )
}

#[test]
fn frames_elect_a_leader_and_log_it() {
    let mut d = Driver::new(opts(7)).unwrap();
    frames(&mut d, 125);
    let leader = d.world().leader().expect("a leader within 2 s");
    assert!(d
        .events()
        .any(|l| l.text.starts_with(&format!("S{leader} became leader"))));
    assert!(d.events().count() <= EVENT_LOG_CAP);
}

#[test]
fn time_travel_back_and_forth_gives_the_same_state() {
    let mut d = Driver::new(opts(11)).unwrap();
    frames(&mut d, 100);
    let leader = d.world().leader().unwrap();
    d.act(Action::Crash { node: leader }).unwrap();
    d.act(Action::ClientLoad { on: true }).unwrap();
    frames(&mut d, 100);
    d.act(Action::Restart { node: leader }).unwrap();
    frames(&mut d, 60);
    let end = fingerprint(&d);
    let horizon = d.horizon();

    d.seek(1_000);
    let middle = fingerprint(&d);
    assert_eq!(middle.0, 1_000);
    d.seek(horizon);
    assert_eq!(fingerprint(&d), end, "forward again: same state");
    d.seek(1_000);
    assert_eq!(fingerprint(&d), middle, "back again: same state");

    // The same timeline through World::replay agrees.
    let replayed = World::replay(d.opts.clone(), &d.script, horizon).unwrap();
    assert_eq!(replayed.trace_hash(), end.1);
}

#[test]
fn acting_in_the_past_forks_the_timeline() {
    let mut d = Driver::new(opts(3)).unwrap();
    frames(&mut d, 50);
    d.act(Action::Isolate { node: 1 }).unwrap();
    frames(&mut d, 50);
    d.act(Action::Heal).unwrap();
    frames(&mut d, 20);
    d.seek(900);
    assert_eq!(
        d.timeline_len(),
        2,
        "future actions are kept while looking back"
    );
    d.act(Action::Crash { node: 2 }).unwrap();
    assert_eq!(
        d.timeline_len(),
        2,
        "the heal was discarded, the crash added"
    );
    assert_eq!(d.horizon(), d.world().now());
}

#[test]
fn a_frame_never_exceeds_its_budget_and_catches_up_later() {
    let mut o = opts(5);
    o.nodes = 9;
    o.clients.enabled = true;
    let mut d = Driver::new(o).unwrap();
    let before = d.world().stats().events;
    d.advance(60_000.0);
    let done = d.world().stats().events - before;
    assert!(
        done <= u64::from(FRAME_EVENT_BUDGET) + 64,
        "{done} events in one frame"
    );
    assert!(d.lagging());
    assert!(d.world().now() < 60_000);
}

/// The fast start skips only an idle clock: the first event is still ahead, `lead` ms
/// away, and the run goes on exactly as one that played from 0.
#[test]
fn fast_start_skips_only_the_quiet_clock() {
    for seed in [1, 7, 42] {
        let mut played = Driver::new(opts(seed)).unwrap();
        let first = played.world().next_event_time().unwrap();
        let mut skipped = Driver::new(opts(seed)).unwrap();
        let skip = skipped.skip_quiet_start(20);
        assert_eq!(
            skip,
            first - 20,
            "seed {seed}: stopped 20 ms short of the timer"
        );
        assert_eq!(skipped.world().stats().events, 0, "nothing processed");
        assert_eq!(skipped.world().next_event_time(), Some(first));
        assert_eq!(skipped.skip_quiet_start(20), 0, "only once, at time 0");
        frames(&mut played, 100);
        let t = played.world().now();
        skipped.advance((t - skip) as f64);
        assert_eq!(fingerprint(&skipped).0, t);
        assert_eq!(skipped.world().trace_hash(), played.world().trace_hash());
        assert_eq!(skipped.world().leader(), played.world().leader());
    }
    let mut acted = Driver::new(opts(3)).unwrap();
    acted.act(Action::Isolate { node: 1 }).unwrap();
    assert_eq!(acted.skip_quiet_start(20), 0, "not once a person acted");
}

/// Seeking restores a checkpoint and replays at most one interval, with the same result as
/// a replay from the start; the checkpoints stay few, thinned as the run grows.
#[test]
fn seeking_restores_a_checkpoint_and_gives_the_state_of_a_full_replay() {
    let mut o = opts(9);
    o.clients.enabled = true;
    let mut d = Driver::new(o.clone()).unwrap();
    frames(&mut d, 1_250);
    let leader = d.world().leader().unwrap();
    d.act(Action::Crash { node: leader }).unwrap();
    frames(&mut d, 2_500);
    let end = fingerprint(&d);
    let horizon = d.horizon();
    let cps = d.checkpoints();
    // A minute of run: one every 5 virtual s.
    let n = horizon / CHECKPOINT_EVERY_MS;
    assert!((n - 1..=n).contains(&(cps.len() as u64)), "{cps:?}");
    assert_eq!(d.earliest(), 0, "nothing dropped");

    for t in [0, 3_000, 20_000, 33_333, horizon - 1, 12_000] {
        d.seek(t);
        // The nearest checkpoint is at most one interval back (or the start).
        let from = cps.iter().rev().find(|&&c| c <= t).copied().unwrap_or(0);
        assert!(
            t - from <= CHECKPOINT_EVERY_MS,
            "a replay of {} ms to reach {t}",
            t - from
        );
        let mut full = Driver::new(o.clone()).unwrap();
        full.script = d.script.clone();
        full.run_to(t, u32::MAX);
        assert_eq!(fingerprint(&d), fingerprint(&full), "at {t}");
    }
    d.seek(horizon);
    assert_eq!(fingerprint(&d), end, "forward again: same state");
    // Acting in the past drops the checkpoints of the timeline left behind.
    d.seek(12_000);
    d.act(Action::Isolate { node: 1 }).unwrap();
    assert!(d.checkpoints().iter().all(|&c| c <= 12_000));
    frames(&mut d, 500);
    d.seek(14_000);
    let mut full = Driver::new(o).unwrap();
    full.script = d.script.clone();
    full.run_to(14_000, u32::MAX);
    assert_eq!(fingerprint(&d), fingerprint(&full), "on the new timeline");
}

/// However long the run, the checkpoints stay within their byte budget: every 5 virtual s in
/// the last minute, every 60 s before, the oldest dropped for room; before the oldest kept a
/// seek replays from the start. The estimate is not below what a copy of the world holds.
#[test]
fn checkpoints_stay_within_their_byte_budget() {
    let mut o = opts(2);
    o.clients.count = 30;
    o.clients.enabled = true;
    let mut d = Driver::new(o).unwrap();
    let mut peak = 0;
    while d.world().now() < 130_000 {
        d.advance(2_000.0);
        let bytes = d.checkpoint_bytes();
        let newest = d.checkpoints.last().map_or(0, |c| c.bytes);
        peak = peak.max(bytes);
        assert!(
            bytes <= CHECKPOINT_BUDGET_BYTES.max(newest),
            "{bytes} B at {}",
            d.world().now()
        );
        assert!(d.checkpoints().len() <= MAX_CHECKPOINTS);
    }
    let now = d.world().now();
    let kept = d.checkpoints();
    // The last minute's are 5 s apart; older ones a minute apart.
    for w in kept.windows(2) {
        let gap = w[1] - w[0];
        if w[0] >= now - RECENT_MS {
            assert!(gap <= CHECKPOINT_EVERY_MS + 2_000, "{kept:?}");
        } else {
            assert!(gap >= OLD_CHECKPOINT_EVERY_MS / 2, "thinned: {kept:?}");
        }
    }
    assert!(d.earliest() > 0, "old ones dropped for room: {kept:?}");
    assert_eq!(d.earliest(), kept[0]);
    eprintln!(
        "world at {} s: {} B estimated; {} ops held, {} dropped; {} committed held of {}",
        d.world().now() / 1000,
        world_bytes(d.world()),
        d.world().history().len(),
        d.world().history_dropped(),
        d.world().checker().committed_held(),
        d.world().checker().committed_len()
    );
    assert!(
        world_bytes(d.world()) > 4 * 1024 * 1024,
        "a large world: {}",
        world_bytes(d.world())
    );
    // Before the earliest checkpoint, from the start.
    d.seek(1_000);
    assert_eq!(d.world().now(), 1_000);
    assert!(peak > 0);
}

/// Under the page's own client load (4 clients), the world stays about the same size however
/// long the run ([`PAGE_MEMORY_BOUNDS`]): the client history is checked and dropped at quiet
/// moments, and the checker forgets what every node compacted. (30 clients leave no quiet
/// moment, and their history is kept whole: see the checkpoint test above.)
#[test]
fn the_world_stays_small_under_the_pages_own_load() {
    let mut o = opts(3);
    o.clients.enabled = true;
    let mut d = Driver::new(o).unwrap();
    let mut most = 0;
    while d.world().now() < 300_000 {
        d.advance(1_000.0);
        if d.world().now() > 30_000 {
            most = most.max(world_bytes(d.world()));
        }
    }
    let w = d.world();
    eprintln!(
        "300 s: at most {most} B after 30 s; {} ops held, {} dropped; {} committed held of {}",
        w.history().len(),
        w.history_dropped(),
        w.checker().committed_held(),
        w.checker().committed_len()
    );
    assert!(w.history_dropped() > 5_000, "a long run");
    assert!(w.checker().committed_len() > 10_000, "a long run");
    assert!(most < 1_500_000, "{most} B");
    assert!(matches!(
        w.history_verdict(raft_sim::linearizability::DEFAULT_MAX_STEPS),
        raft_sim::linearizability::Verdict::Linearizable(_)
    ));
}

/// A replay can go in slices: each call does at most its budget of events, the page shows
/// the world on the way, and the end is the state of a replay in one go.
#[test]
fn a_long_load_is_spread_over_frames() {
    let mut o = opts(4);
    o.clients.enabled = true;
    let mut d = Driver::new(o.clone()).unwrap();
    for _ in 0..60 {
        d.advance(1_000.0);
    }
    let now = d.world().now();
    let whole = Driver::load(o.clone(), d.script.clone(), now).unwrap();
    let mut sliced = Driver::load_in_steps(o, d.script.clone(), now, 5_000).unwrap();
    let mut frames = 0;
    while let Some((at, to)) = sliced.catching_up() {
        assert!(at < to && to == now);
        assert_eq!(sliced.target_now(), now);
        let before = sliced.world().stats().events;
        let mut calls = 0;
        sliced.advance_until(16.0, &mut || {
            calls += 1;
            calls > 300
        });
        assert!(sliced.world().stats().events - before <= 16 * 301 + 64);
        frames += 1;
        assert!(frames < 1_000);
    }
    assert!(frames > 1, "the replay took several frames");
    assert_eq!(fingerprint(&sliced), fingerprint(&whole));
    assert_eq!(sliced.world().now(), now);
}

/// Under steady load, no node's log holds more than about [`PAGE_SNAPSHOT_EVERY`] entries:
/// the rest is compacted into a snapshot.
#[test]
fn the_page_compacts_logs_as_a_run_grows() {
    let mut o = opts(6);
    o.clients.enabled = true;
    let mut d = Driver::new(o).unwrap();
    for _ in 0..200 {
        d.advance(500.0);
    }
    let committed = d.world().leader_commit();
    assert!(
        committed > 2 * PAGE_SNAPSHOT_EVERY,
        "{committed} entries committed"
    );
    for (id, n) in d.world().nodes() {
        let len = n.storage().state().entries.len() as u64;
        assert!(
            len <= PAGE_SNAPSHOT_EVERY + 200,
            "S{id} keeps {len} entries"
        );
    }
}

#[test]
fn invalid_actions_change_nothing_and_say_why() {
    let mut d = Driver::new(opts(3)).unwrap();
    let err = d.act(Action::Crash { node: 42 }).unwrap_err();
    assert_eq!(err.to_string(), "no node S42 in this cluster");
    assert_eq!(d.timeline_len(), 0);
}
