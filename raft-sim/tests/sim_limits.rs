//! Extreme values (issue 21, item 8): every time and count of a scenario has an upper bound
//! (`raft_sim::limits`), checked before anything runs with a message naming the field; the
//! simulator's own time arithmetic saturates, and its clock stops at `MAX_TIME_MS`. Each table
//! tries 0, 1, the bound, the bound plus one and `u64::MAX`: none panics (debug builds check
//! overflow), and each value past the bound is refused by name.

use proptest::prelude::*;
use raft_sim::limits::{MAX_BYTES, MAX_COUNT, MAX_DELAY_MS, MAX_TASKS, MAX_TIME_MS};
use raft_sim::scenario::{Expect, Scenario, Timed, SCENARIO_VERSION};
use raft_sim::{Action, SimOptions, Workload, World};

fn scenario() -> Scenario {
    Scenario {
        version: SCENARIO_VERSION,
        name: String::new(),
        description: String::new(),
        options: SimOptions::default(),
        timeline: Vec::new(),
        expect: Vec::new(),
        until: None,
    }
}

/// A field of a scenario: its name as the error gives it, its bound, and how to set it.
type Field = (&'static str, u64, fn(&mut Scenario, u64));

fn fields() -> Vec<Field> {
    vec![
        ("until", MAX_TIME_MS, |s, v| s.until = Some(v)),
        ("timeline entry 0: at", MAX_TIME_MS, |s, v| {
            s.timeline = vec![Timed {
                at: v,
                action: Action::Heal,
            }]
        }),
        ("expectation 0 (leader): by", MAX_TIME_MS, |s, v| {
            s.expect = vec![Expect::Leader {
                by: v,
                node: None,
                min_term: None,
            }]
        }),
        ("expectation 0 (term_at_most): at", MAX_TIME_MS, |s, v| {
            s.expect = vec![Expect::TermAtMost {
                at: v,
                node: 1,
                term: 1,
            }]
        }),
        ("expectation 0 (completed): count", MAX_COUNT, |s, v| {
            s.expect = vec![Expect::Completed { by: 10, count: v }]
        }),
        ("expectation 0 (committed): index", MAX_COUNT, |s, v| {
            s.expect = vec![Expect::Committed {
                by: 10,
                index: v,
                nodes: vec![],
            }]
        }),
        ("expectation 0 (leader): min_term", MAX_COUNT, |s, v| {
            s.expect = vec![Expect::Leader {
                by: 10,
                node: None,
                min_term: Some(v),
            }]
        }),
        ("clients.think_ms", MAX_DELAY_MS, |s, v| {
            s.options.clients.think_ms = v
        }),
        ("clients.timeout_ms", MAX_DELAY_MS, |s, v| {
            s.options.clients.timeout_ms = v
        }),
        ("heartbeat_ms", MAX_DELAY_MS, |s, v| {
            s.options.heartbeat_ms = v
        }),
        ("election_timeout_min", MAX_DELAY_MS, |s, v| {
            s.options.election_timeout_min = v
        }),
        ("election_timeout_max", MAX_DELAY_MS, |s, v| {
            s.options.election_timeout_max = v
        }),
        ("clients.workload.total", MAX_TASKS, |s, v| {
            s.options.clients.workload = Workload::Tasks { total: v }
        }),
        ("snapshot_every", MAX_COUNT, |s, v| {
            s.options.snapshot_every = v
        }),
        ("max_msg_bytes", MAX_BYTES, |s, v| {
            s.options.max_msg_bytes = v
        }),
        ("snapshot_max_log_bytes", MAX_BYTES, |s, v| {
            s.options.snapshot_max_log_bytes = v
        }),
    ]
}

#[test]
fn every_time_and_count_is_refused_past_its_bound_by_name() {
    for (name, bound, set) in fields() {
        for v in [0, 1, bound, bound + 1, u64::MAX] {
            let mut s = scenario();
            set(&mut s, v);
            let r = s.validate();
            let _ = s.end(); // never overflows
            if v > bound {
                let e = r.expect_err(&format!("{name} = {v} accepted")).to_string();
                assert!(
                    e.contains(name) && e.contains(&bound.to_string()),
                    "{name} = {v}: {e}"
                );
            } else if let Err(e) = r {
                // Some small values are refused for another reason (a timeout of 0, an election
                // timeout not above the heartbeat), never for their size.
                assert!(!e.to_string().contains("at most"), "{name} = {v}: {e}");
            }
        }
    }
}

#[test]
fn the_end_of_a_scenario_never_passes_the_end_of_time() {
    let mut s = scenario();
    s.timeline = vec![Timed {
        at: MAX_TIME_MS,
        action: Action::Heal,
    }];
    assert!(s.validate().is_ok());
    assert_eq!(s.end(), MAX_TIME_MS);
}

/// A one-node cluster whose timers fire rarely: a day of virtual time is a few hundred events.
fn slow_world(clients: bool) -> World {
    let mut o = SimOptions {
        nodes: 1,
        heartbeat_ms: 100_000,
        election_timeout_min: 200_000,
        election_timeout_max: 400_000,
        keep_trace: false,
        ..SimOptions::default()
    };
    o.clients.enabled = clients;
    o.clients.count = 1;
    o.clients.think_ms = MAX_DELAY_MS;
    o.clients.timeout_ms = MAX_DELAY_MS;
    World::new(o).unwrap()
}

#[test]
fn the_clock_stops_at_the_end_of_time() {
    for target in [MAX_TIME_MS, MAX_TIME_MS + 1, u64::MAX - 1, u64::MAX] {
        let mut w = slow_world(true);
        w.advance_to(target);
        assert_eq!(w.now(), MAX_TIME_MS, "advance_to({target})");
        assert!(w.stats().completed > 0, "the client ran");
        w.advance_by(u64::MAX);
        assert_eq!(w.now(), MAX_TIME_MS);
        assert!(!w.step(), "no event after the end of time");
        let mut w = slow_world(true);
        assert!(!w.run_until(target, |_| false));
        assert_eq!(w.now(), MAX_TIME_MS, "run_until({target})");
        assert!(w.violation().is_none());
    }
}

#[test]
fn a_scenario_at_every_bound_runs() {
    let mut s = scenario();
    s.options = slow_world(true).options().clone();
    s.timeline = vec![
        Timed {
            at: MAX_TIME_MS - 1,
            action: Action::Request {
                key: "k".into(),
                value: "v".into(),
            },
        },
        Timed {
            at: MAX_TIME_MS,
            action: Action::Heal,
        },
    ];
    s.expect = vec![
        Expect::Leader {
            by: MAX_TIME_MS,
            node: Some(1),
            min_term: None,
        },
        Expect::Completed {
            by: MAX_TIME_MS,
            count: MAX_COUNT,
        },
    ];
    s.until = Some(MAX_TIME_MS);
    let run = s.run().unwrap();
    assert_eq!(run.world.now(), MAX_TIME_MS);
    assert!(run.results[0].ok);
    assert!(!run.results[1].ok, "a billion operations cannot complete");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    // Any value of any field: validation answers (never panics), and refuses exactly the values
    // past the bound, by name.
    #[test]
    fn validation_never_panics(k in 0..16usize, v in prop_oneof![any::<u64>(), 0..=MAX_TIME_MS + 1]) {
        let fields = fields();
        let (name, bound, set) = fields[k % fields.len()];
        let mut s = scenario();
        set(&mut s, v);
        let r = s.validate();
        prop_assert!(s.end() <= MAX_TIME_MS);
        if v > bound {
            prop_assert!(r.unwrap_err().to_string().contains(name));
        }
    }

    // The world's clock never passes the end of time, whatever it is asked.
    #[test]
    fn advancing_saturates(a in any::<u64>(), b in any::<u64>()) {
        let mut w = slow_world(false);
        w.advance_to(a % (2 * MAX_TIME_MS));
        let before = w.now();
        w.advance_by(b);
        prop_assert!(w.now() >= before && w.now() <= MAX_TIME_MS);
    }
}
