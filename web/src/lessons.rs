//! Lessons: classroom exercises over the simulator, in plain Rust (natively tested).
//!
//! A lesson is two files in `lessons/` at the repository root:
//!
//! - `NAME.json`, a plain scenario file (`docs/formats.md`): the cluster options, the setup
//!   timeline, and the lesson's goals as `expect` entries. `raft-sim run` reads it as is.
//! - `NAME.lesson.json`, the teaching part:
//!   `{"version":1, "title", "summary", "start", "steps":[{"text", "goal", "buttons"}], "solution"}`.
//!   `start` is where the lesson begins on the timeline (the setup has run up to it); a step's
//!   `goal` is an index into the scenario's `expect`; `buttons` are actions the step offers
//!   (`{"label", "action": {…}}` or `{"label", "actions": [{…}, …]}` taken at one instant);
//!   `solution` is a timeline that completes the lesson (the tests run it through `raft-sim`).
//!
//! In the browser, goals are checked in order, every frame, with [`Expect::holds`]; their
//! deadlines are ignored (a student takes their time). An exported run carries the goals with
//! their deadlines moved to when the page saw them met, so `raft-sim run` grades it the same way.

use raft_sim::scenario::{Expect, Scenario, Timed};
use raft_sim::{Action, World};
use serde::Deserialize;

/// Version of the `NAME.lesson.json` format.
pub const LESSON_VERSION: u32 = 1;

/// The teaching part of a lesson (`NAME.lesson.json`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonFile {
    /// Format version ([`LESSON_VERSION`]).
    pub version: u32,
    /// Title.
    pub title: String,
    /// What it teaches, in a sentence or three.
    pub summary: String,
    /// Virtual time the lesson starts at (the setup timeline has run up to here).
    #[serde(default)]
    pub start: u64,
    /// Steps, in order.
    pub steps: Vec<Step>,
    /// A timeline that completes the lesson.
    #[serde(default)]
    pub solution: Vec<Timed>,
}

/// One step: what to read, what to do, and the goal that ends it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Explanation and instructions.
    pub text: String,
    /// Index of its goal in the scenario's `expect` (none: reading only).
    #[serde(default)]
    pub goal: Option<usize>,
    /// Actions the step offers as buttons.
    #[serde(default)]
    pub buttons: Vec<LessonButton>,
}

/// A button a step offers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonButton {
    /// Its text (and accessible name).
    pub label: String,
    /// One action.
    #[serde(default)]
    pub action: Option<Action>,
    /// Several actions at the same instant.
    #[serde(default)]
    pub actions: Vec<Action>,
}

impl LessonButton {
    /// Every action the button takes, in order.
    pub fn all(&self) -> Vec<Action> {
        self.action
            .iter()
            .cloned()
            .chain(self.actions.iter().cloned())
            .collect()
    }
}

/// A lesson: its scenario and its steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// Name (the file name, and the `lesson=` URL parameter).
    pub name: String,
    /// Options, setup timeline and goals.
    pub scenario: Scenario,
    /// Steps.
    pub file: LessonFile,
}

impl Lesson {
    /// Parses and checks a lesson from its two files.
    pub fn parse(name: &str, scenario: &str, lesson: &str) -> Result<Lesson, String> {
        let scenario = Scenario::from_json(scenario).map_err(|e| format!("{name}.json: {e}"))?;
        let file: LessonFile = serde_json::from_str(lesson)
            .map_err(|e| format!("{name}.lesson.json is not valid: {e}"))?;
        if file.version != LESSON_VERSION {
            return Err(format!(
                "{name}.lesson.json: version {} is not supported (expected {LESSON_VERSION})",
                file.version
            ));
        }
        let mut next = 0;
        for (k, s) in file.steps.iter().enumerate() {
            if let Some(g) = s.goal {
                if g != next || g >= scenario.expect.len() {
                    return Err(format!(
                        "{name}.lesson.json: step {k} has goal {g}, expected {next} (goals are the scenario's expect entries, in order)"
                    ));
                }
                next += 1;
            }
            if s.buttons.iter().any(|b| b.all().is_empty()) {
                return Err(format!(
                    "{name}.lesson.json: step {k} has a button without actions"
                ));
            }
        }
        if next != scenario.expect.len() {
            return Err(format!(
                "{name}.lesson.json: {} of the scenario's {} expectations have no step",
                scenario.expect.len() - next,
                scenario.expect.len()
            ));
        }
        if let Some(t) = scenario.timeline.iter().find(|t| t.at > file.start) {
            return Err(format!(
                "{name}.json: the setup acts at {} ms, after the lesson starts ({} ms)",
                t.at, file.start
            ));
        }
        Ok(Lesson {
            name: name.to_string(),
            scenario,
            file,
        })
    }

    /// The goals, in order.
    pub fn goals(&self) -> &[Expect] {
        &self.scenario.expect
    }

    #[cfg(test)]
    /// The scenario with the reference solution appended to its timeline: `raft-sim run`
    /// passes it.
    pub fn solved(&self) -> Scenario {
        let mut s = self.scenario.clone();
        s.timeline.extend(self.file.solution.iter().cloned());
        s.timeline.sort_by_key(|t| t.at);
        s
    }
}

macro_rules! lesson {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../lessons/", $name, ".json")),
            include_str!(concat!("../../lessons/", $name, ".lesson.json")),
        )
    };
}

/// The built-in lessons: name, scenario file, lesson file. In teaching order.
pub const BUILT_IN: &[(&str, &str, &str)] = &[
    lesson!("crash-the-leader"),
    lesson!("split-vote"),
    lesson!("minority-leader"),
    lesson!("stale-leader"),
    lesson!("prevote"),
    lesson!("learner"),
    lesson!("remove-the-leader"),
    lesson!("joint-consensus"),
    lesson!("snapshot"),
    lesson!("slow-disk"),
    lesson!("task-queue"),
    lesson!("lost-writes"),
    lesson!("figure-8"),
];

/// A built-in lesson by name.
pub fn built_in(name: &str) -> Result<Lesson, String> {
    let (n, s, l) = BUILT_IN
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| {
            format!(
                "there is no lesson called {name:?}; the lessons are {}",
                BUILT_IN
                    .iter()
                    .map(|(n, _, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
    Lesson::parse(n, s, l)
}

/// The built-in scenarios (`scenarios/*.json`), for the `scenario=` URL parameter.
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "leader-election",
        include_str!("../../scenarios/leader-election.json"),
    ),
    (
        "leader-crash",
        include_str!("../../scenarios/leader-crash.json"),
    ),
    (
        "partition-minority",
        include_str!("../../scenarios/partition-minority.json"),
    ),
    (
        "membership-change",
        include_str!("../../scenarios/membership-change.json"),
    ),
    (
        "prevote-rejoin",
        include_str!("../../scenarios/prevote-rejoin.json"),
    ),
    (
        "snapshot-catch-up",
        include_str!("../../scenarios/snapshot-catch-up.json"),
    ),
    (
        "split-vote",
        include_str!("../../scenarios/split-vote.json"),
    ),
];

/// Goals being watched: a lesson's goals in order, or a scenario's expectations each on its own.
///
/// A lesson's goals ignore their deadlines (a student takes their time). A scenario's
/// expectations keep theirs, as `raft-sim run` does, to the precision of an animation frame:
/// a `by` expectation counts only if seen by its deadline, an `at` one is judged at the first
/// frame at or after its instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Goals {
    /// What must happen.
    pub expect: Vec<Expect>,
    /// When each was seen met.
    pub met: Vec<Option<u64>>,
    /// Missed for good (a scenario's deadline passed).
    pub failed: Vec<bool>,
    /// Checked in order (a lesson) or each on its own (a scenario).
    pub ordered: bool,
}

impl Goals {
    /// Goals not met yet.
    pub fn new(expect: Vec<Expect>, ordered: bool) -> Self {
        let n = expect.len();
        Goals {
            expect,
            met: vec![None; n],
            failed: vec![false; n],
            ordered,
        }
    }

    /// With progress restored (from a link or storage); wrong lengths are ignored.
    pub fn with_met(mut self, met: &[Option<u64>]) -> Self {
        if met.len() == self.met.len() {
            self.met = met.to_vec();
        }
        self
    }

    /// Checks the goals that are due against the world; true if any changed.
    pub fn update(&mut self, w: &World) -> bool {
        let now = w.now();
        let mut changed = false;
        for k in 0..self.expect.len() {
            if self.met[k].is_some() || self.failed[k] {
                continue;
            }
            let e = &self.expect[k];
            if !self.ordered {
                if e.is_instant() && now < e.deadline() {
                    continue;
                }
                if now > e.deadline() && !(e.is_instant() && self.met[k].is_none()) {
                    self.failed[k] = true;
                    changed = true;
                    continue;
                }
            }
            if e.holds(w) {
                self.met[k] = Some(now);
                changed = true;
            } else if self.ordered {
                break;
            } else if e.is_instant() {
                self.failed[k] = true;
                changed = true;
            }
        }
        changed
    }

    /// Forgets goals met or missed after `t` (the run went back in time).
    pub fn rewind(&mut self, t: u64) {
        for (k, m) in self.met.iter_mut().enumerate() {
            if m.is_some_and(|m| m > t) {
                *m = None;
            }
            if self.failed[k] && self.expect[k].deadline() >= t {
                self.failed[k] = false;
            }
        }
    }

    /// Number met.
    pub fn done(&self) -> usize {
        self.met.iter().filter(|m| m.is_some()).count()
    }

    /// All met.
    pub fn complete(&self) -> bool {
        self.done() == self.expect.len()
    }

    /// Index of the first goal not met.
    pub fn current(&self) -> Option<usize> {
        self.met.iter().position(|m| m.is_none())
    }
}

/// Node lists as people write them: `[1, 3]` (raft-sim's `describe` prints ids with `{:?}`)
/// becomes "S1 and S3", `[2]` becomes "S2". Anything else in brackets is left alone. (The page
/// does not own `Expect::describe`; this keeps its sentences readable until raft-sim names
/// nodes itself, after which it changes nothing.)
pub fn people_names(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else {
            rest = &rest[open..];
            break;
        };
        let inner = &after[..close];
        let ids: Option<Vec<u64>> = inner
            .split(',')
            .map(|p| p.trim().parse::<u64>().ok())
            .collect();
        match ids.filter(|v| !v.is_empty()) {
            Some(ids) => {
                let names: Vec<String> = ids.iter().map(|&i| format!("S{i}")).collect();
                out.push_str(&match names.split_last() {
                    Some((last, [])) => last.clone(),
                    Some((last, init)) => format!("{} and {last}", init.join(", ")),
                    None => String::new(),
                });
            }
            None => {
                out.push('[');
                out.push_str(inner);
                out.push(']');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A goal as the page says it: [`Expect::describe`] without the deadline (the browser does
/// not enforce it).
pub fn goal_text(e: &Expect) -> String {
    let d = people_names(&e.describe());
    for cut in [" by ", " at "] {
        if let Some(i) = d.rfind(cut) {
            if d[i + cut.len()..].ends_with(" ms") {
                return d[..i].to_string();
            }
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim_driver::driver::Driver;

    #[test]
    fn goals_name_nodes_as_people_do() {
        assert_eq!(
            people_names("entry 2 committed on [1]"),
            "entry 2 committed on S1"
        );
        assert_eq!(
            people_names("no leader among [1, 2, 3] at 5 ms"),
            "no leader among S1, S2 and S3 at 5 ms"
        );
        assert_eq!(
            people_names("keep [this] and [] as is ["),
            "keep [this] and [] as is ["
        );
        let e = Expect::Committed {
            by: 900,
            index: 2,
            nodes: vec![1],
        };
        assert_eq!(goal_text(&e), "entry 2 committed on S1");
    }

    #[test]
    fn every_lesson_parses_and_has_at_least_one_goal() {
        assert!(BUILT_IN.len() >= 10);
        for (n, s, l) in BUILT_IN {
            let lesson = Lesson::parse(n, s, l).unwrap_or_else(|e| panic!("{e}"));
            assert!(!lesson.goals().is_empty(), "{n}");
            assert_eq!(lesson.scenario.name, *n);
        }
        for (n, s) in SCENARIOS {
            let sc = Scenario::from_json(s).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(sc.name, *n);
        }
    }

    #[test]
    fn every_reference_solution_passes_as_a_scenario() {
        for (n, _, _) in BUILT_IN {
            let lesson = built_in(n).unwrap();
            let run = lesson.solved().run().unwrap();
            assert!(run.passed(), "{n}: {:?}", run.results);
        }
    }

    /// The browser's way: frames of 16 ms, the solution's actions taken by a person at their
    /// times, goals checked in order after every frame.
    #[test]
    fn every_reference_solution_completes_the_lesson_in_the_driver() {
        for (n, _, _) in BUILT_IN {
            let lesson = built_in(n).unwrap();
            let actions: Vec<(u64, Action)> = lesson
                .scenario
                .timeline
                .iter()
                .map(|t| (t.at, t.action.clone()))
                .collect();
            let mut opts = lesson.scenario.options.clone();
            opts.keep_trace = false;
            let mut d = Driver::load(opts, actions, lesson.file.start).unwrap();
            let mut goals = Goals::new(lesson.goals().to_vec(), true);
            let mut todo = lesson.file.solution.iter().peekable();
            while d.world().now() < 60_000 && !goals.complete() {
                while let Some(t) = todo.peek().filter(|t| t.at <= d.world().now()) {
                    d.act(t.action.clone())
                        .unwrap_or_else(|e| panic!("{n}: {e}"));
                    todo.next();
                }
                goals.update(d.world());
                d.advance(16.0);
            }
            goals.update(d.world());
            assert!(goals.complete(), "{n}: {:?}", goals.met);
        }
    }

    /// A scenario's expectations keep their deadlines in the browser.
    #[test]
    fn scenario_expectations_are_judged_by_their_deadlines() {
        let s = Scenario::from_json(SCENARIOS[2].1).unwrap(); // partition-minority
        let actions = s
            .timeline
            .iter()
            .map(|t| (t.at, t.action.clone()))
            .collect();
        let mut d = Driver::load(s.options.clone(), actions, 0).unwrap();
        let mut g = Goals::new(s.expect.clone(), false);
        while d.world().now() < s.end() {
            d.advance(16.0);
            g.update(d.world());
        }
        assert!(g.complete(), "{:?} {:?}", g.met, g.failed);
        // Too late: a leader by 1 ms cannot be seen.
        let mut late = Goals::new(
            vec![Expect::Leader {
                by: 1,
                node: None,
                min_term: None,
            }],
            false,
        );
        late.update(d.world());
        assert_eq!((late.met[0], late.failed[0]), (None, true));
        late.rewind(0);
        assert!(!late.failed[0]);
    }

    #[test]
    fn unknown_lessons_list_the_real_ones() {
        let e = built_in("nope").unwrap_err();
        assert!(e.contains("crash-the-leader"), "{e}");
    }

    #[test]
    fn broken_lesson_files_explain() {
        let (_, s, _) = BUILT_IN[0];
        let e = Lesson::parse(
            "x",
            s,
            r#"{"version":1,"title":"t","summary":"s","steps":[{"text":"a","goal":1}]}"#,
        )
        .unwrap_err();
        assert!(e.contains("goal 1, expected 0"), "{e}");
        let e = Lesson::parse(
            "x",
            s,
            r#"{"version":1,"title":"t","summary":"s","steps":[],"colour":1}"#,
        )
        .unwrap_err();
        assert!(e.contains("unknown field"), "{e}");
    }

    #[test]
    fn goal_texts_drop_deadlines() {
        let e = Expect::Leader {
            by: 600_000,
            node: None,
            min_term: Some(2),
        };
        assert_eq!(goal_text(&e), "a leader of term 2 or later is elected");
    }
}
