//! Extreme values on the command line and in files (issue 21, item 8): every flag's number has
//! a documented range, and a scenario's times and counts have bounds; a value outside exits 2
//! with a message naming the flag or field, before anything runs. Each table tries 0, 1, the
//! bound, the bound plus one, `u64::MAX` and a number too large for 64 bits.

mod common;
use common::*;

const TOO_BIG: &str = "18446744073709551616";

/// (args before the value, flag, smallest accepted, largest accepted, whether running at the
/// bound is quick enough for a test).
type Flag = (&'static [&'static str], &'static str, u64, u64, bool);

const FLAGS: &[Flag] = &[
    (
        &["check", "--seeds", "1..1"],
        "--duration-ms",
        0,
        86_400_000,
        false,
    ),
    (
        &["check", "--seeds", "1..1", "--duration-ms", "100"],
        "--nodes",
        1,
        64,
        false,
    ),
    (
        &["check", "--seeds", "1..1", "--duration-ms", "100"],
        "--max-steps",
        1,
        1_000_000_000,
        true,
    ),
    (
        &["taskqueue", "--crash-leader-after", "0"],
        "--tasks",
        0,
        1_000_000,
        false,
    ),
    (&["taskqueue", "--tasks", "5"], "--clients", 1, 1000, true),
    (
        &["taskqueue", "--tasks", "5"],
        "--crash-leader-after",
        0,
        1_000_000,
        true,
    ),
    (&["taskqueue", "--tasks", "5"], "--seed", 0, u64::MAX, true),
];

#[test]
fn every_numeric_flag_is_checked_against_its_range() {
    for &(before, flag, min, max, quick_at_bound) in FLAGS {
        let mut values: Vec<(String, bool)> = vec![(TOO_BIG.into(), false), ("-1".into(), false)];
        for v in [0, 1, max, max.saturating_add(1), u64::MAX] {
            let ok = (min..=max).contains(&v);
            // Running a day of faults or a million tasks is not a unit test; its neighbours are.
            if ok && v == max && !quick_at_bound && max > 1 {
                continue;
            }
            values.push((v.to_string(), ok));
        }
        for (v, ok) in values {
            let mut args = before.to_vec();
            args.extend([flag, v.as_str()]);
            let out = raft_sim(&args);
            let err = stderr(&out);
            assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
            if ok {
                assert!(
                    matches!(out.status.code(), Some(0 | 1 | 3)),
                    "{args:?}: {err}"
                );
            } else {
                assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
                assert!(err.contains(flag), "{args:?} does not name {flag}: {err}");
                assert!(last_json(&out)["error"].is_string());
            }
        }
    }
}

#[test]
fn seed_ranges_are_bounded_and_may_reach_u64_max() {
    let max = u64::MAX.to_string();
    let top = format!("{}..{max}", u64::MAX - 1);
    let out = raft_sim(&["check", "--seeds", &top, "--duration-ms", "100"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(last_json(&out)["seeds"], 2);
    for bad in [
        format!("0..{max}"),
        "1..1000001".to_string(),
        format!("0..{TOO_BIG}"),
        "5..4".to_string(),
    ] {
        let out = raft_sim(&["check", "--seeds", &bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"));
    }
    let out = raft_sim(&["failover", "--seeds", &format!("0..{max}")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("at most 1000000"), "{}", stderr(&out));
}

#[test]
fn scenario_times_and_counts_past_their_bounds_exit_2_by_name() {
    let max = u64::MAX;
    let cases = [
        (format!(r#"{{"version":1,"until":{max}}}"#), "until"),
        (r#"{"version":1,"until":86400001}"#.to_string(), "until"),
        (
            format!(r#"{{"version":1,"timeline":[{{"at":{max},"action":"heal"}}]}}"#),
            "timeline entry 0: at",
        ),
        (
            format!(r#"{{"version":1,"expect":[{{"check":"leader","by":{max}}}]}}"#),
            "expectation 0 (leader): by",
        ),
        (
            format!(r#"{{"version":1,"expect":[{{"check":"completed","by":10,"count":{max}}}]}}"#),
            "count",
        ),
        (
            format!(r#"{{"version":1,"options":{{"clients":{{"think_ms":{max}}}}}}}"#),
            "clients.think_ms",
        ),
        (
            format!(r#"{{"version":1,"options":{{"clients":{{"timeout_ms":{max}}}}}}}"#),
            "clients.timeout_ms",
        ),
        (
            format!(r#"{{"version":1,"options":{{"heartbeat_ms":{max}}}}}"#),
            "heartbeat_ms",
        ),
        (
            format!(r#"{{"version":1,"options":{{"election_timeout_max":{max}}}}}"#),
            "election_timeout_max",
        ),
        (
            format!(r#"{{"version":1,"options":{{"snapshot_every":{max}}}}}"#),
            "snapshot_every",
        ),
        (format!(r#"{{"version":1,"until":{TOO_BIG}}}"#), "not valid"),
    ];
    for (k, (text, needle)) in cases.iter().enumerate() {
        let out = raft_sim(&["run", &tmp("limits", &format!("s{k}.json"), text)]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(err.contains(needle), "{text}: expected '{needle}' in {err}");
    }
    // At the bounds, a quiet one-node cluster runs to the end of time and exits normally.
    let at_bounds = r#"{"version":1,"options":{"nodes":1,"heartbeat_ms":100000,
        "election_timeout_min":200000,"election_timeout_max":400000,
        "clients":{"think_ms":3600000,"timeout_ms":3600000}},
        "timeline":[{"at":86400000,"action":"heal"}],
        "expect":[{"check":"leader","by":86400000,"node":1}],"until":86400000}"#;
    let out = raft_sim(&["run", &tmp("limits", "bounds.json", at_bounds)]);
    let v = last_json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}: {}", stderr(&out));
    assert_eq!(v["end_ms"], 86_400_000);
}
