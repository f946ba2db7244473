//! A trace replays exactly (#21 item 5): writing a run's trace, reading it back and replaying it
//! gives the same file, byte for byte, for every bundled scenario, every lesson and a few hundred
//! `raft-sim check` seeds. A run may stop between two events of the same millisecond (a
//! `run_until` whose condition came true, a violation); the trace must say where.

use std::path::{Path, PathBuf};

use raft_sim::scenario::Scenario;
use raft_sim::schedule::{run_check, Faults};
use raft_sim::trace::{parse_jsonl, write_jsonl, TraceFile};
use raft_sim::World;

fn replay(t: &TraceFile) -> World {
    t.replay().expect("the recorded actions replay")
}

/// Writes `w`'s trace, reads it back, replays it and returns the replayed trace if it differs.
fn mismatch(w: &World) -> Option<String> {
    let text = write_jsonl(w);
    let file = parse_jsonl(&text).unwrap_or_else(|e| panic!("own trace does not parse: {e}"));
    let again = write_jsonl(&replay(&file));
    (again != text).then(|| first_difference(&text, &again))
}

fn first_difference(a: &str, b: &str) -> String {
    let (n, (x, y)) = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .unwrap_or((a.lines().count().min(b.lines().count()), ("<end>", "<end>")));
    format!("line {}:\n  recorded {x}\n  replayed {y}", n + 1)
}

fn scenario_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".json") && !name.ends_with(".lesson.json")
        })
        // Version-2 files (several groups on machines, like lessons/one-machine-three-groups)
        // replay through multi-group traces instead (groups_formats.rs).
        .filter(|p| {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            v["version"] != 2
        })
        .collect();
    files.sort();
    files
}

fn run_scenario(path: &Path) -> World {
    let text = std::fs::read_to_string(path).unwrap();
    let mut s = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    s.options.keep_trace = true;
    s.run().unwrap().world
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn every_bundled_scenario_and_lesson_replays_byte_for_byte() {
    let mut files = scenario_files(&root().join("scenarios"));
    files.extend(scenario_files(&root().join("lessons")));
    assert!(files.len() >= 17, "scenarios and lessons found: {files:?}");
    let bad: Vec<String> = files
        .iter()
        .filter_map(|p| mismatch(&run_scenario(p)).map(|d| format!("{}: {d}", p.display())))
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} differ:\n{}",
        bad.len(),
        files.len(),
        bad.join("\n")
    );
}

/// Replays `seeds` and fails naming every seed whose replay differs.
fn check_seeds(seeds: std::ops::RangeInclusive<u64>) {
    let bad: Vec<String> = seeds
        .clone()
        .filter_map(|seed| {
            let out = run_check(seed, 5, 3_000, Faults::ALL, true);
            mismatch(&out.world).map(|d| format!("seed {seed}: {d}"))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} seeds differ:\n{}",
        bad.len(),
        seeds.count(),
        bad.join("\n")
    );
}

// Two halves, so that the test harness runs them on two threads.
#[test]
fn check_seeds_1_to_150_replay_byte_for_byte() {
    check_seeds(1..=150);
}

#[test]
fn check_seeds_151_to_300_replay_byte_for_byte() {
    check_seeds(151..=300);
}
