//! The playground's lessons (`lessons/`), graded headlessly by `raft-sim run`.
//!
//! A lesson is a plain scenario file `NAME.json` (options, setup timeline, goals as `expect`)
//! beside `NAME.lesson.json` (steps and a reference `solution` timeline). The scenario alone
//! must fail (a lesson is not solved by itself); with the solution appended to its timeline it
//! must pass. A student's run, exported from the browser as a scenario file, is graded the
//! same way.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn raft_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_raft-sim"))
        .args(args)
        .output()
        .expect("raft-sim runs")
}

fn last_json(out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().expect("stdout has a last line");
    serde_json::from_str(line).expect("last line is JSON")
}

fn lessons_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../lessons")
}

/// Every lesson: (name, scenario, lesson file).
fn lessons() -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(lessons_dir()).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(name) = file.strip_suffix(".lesson.json") else {
            continue;
        };
        let read = |p: PathBuf| -> Value {
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        };
        let scenario = read(lessons_dir().join(format!("{name}.json")));
        let lesson = read(path.clone());
        out.push((name.to_string(), scenario, lesson));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn write_tmp(name: &str, v: &Value) -> String {
    let dir = std::env::temp_dir().join(format!("raft-sim-lessons-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn there_are_at_least_ten_lessons() {
    assert!(lessons().len() >= 10, "{} lessons", lessons().len());
}

#[test]
fn every_reference_solution_completes_its_lesson() {
    for (name, mut scenario, lesson) in lessons() {
        let timeline = scenario["timeline"].as_array_mut().unwrap();
        timeline.extend(lesson["solution"].as_array().unwrap().iter().cloned());
        timeline.sort_by_key(|t| t["at"].as_u64().unwrap());
        let path = write_tmp(&format!("{name}-solved.json"), &scenario);
        let out = raft_sim(&["run", &path]);
        let v = last_json(&out);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {v}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(v["passed"], true, "{name}");
        let goals = scenario["expect"].as_array().unwrap().len();
        assert_eq!(v["expectations"].as_array().unwrap().len(), goals);
    }
}

#[test]
fn no_lesson_solves_itself() {
    for (name, _, _) in lessons() {
        let path = lessons_dir().join(format!("{name}.json"));
        let out = raft_sim(&["run", path.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: the lesson's goals are met without doing anything"
        );
    }
}
