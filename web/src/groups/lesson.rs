//! Multi-group lessons: a version-2 scenario file `lessons/NAME.json` (machines, groups, the
//! setup timeline, the goals as `expect`) beside `NAME.lesson.json`, the teaching part in the
//! format of the single-group lessons ([`crate::lessons`]), except that a button's action is a
//! version-2 timeline entry (a machine action, or an action with its `group`). `raft-sim run`
//! grades the scenario file as it grades any version-2 scenario (raft-sim/tests/lessons.rs runs
//! every lesson with its solution); the page checks its goals in order, live.

use raft_sim::groups::MultiAction;
use raft_sim::groups_scenario::{AnyScenario, GroupScenario};
use serde_json::Value;

use super::link::GroupsStart;

macro_rules! group_lesson {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../../lessons/", $name, ".json")),
            include_str!(concat!("../../../lessons/", $name, ".lesson.json")),
        )
    };
}

/// The built-in multi-group lessons: (name, scenario file, lesson file).
pub const GROUP_LESSONS: &[(&str, &str, &str)] = &[group_lesson!("one-machine-three-groups")];

/// One step of a multi-group lesson.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupStep {
    /// What to read and do.
    pub text: String,
    /// Index of its goal in the scenario's `expect`.
    pub goal: Option<usize>,
    /// Buttons: (label, action).
    pub buttons: Vec<(String, MultiAction)>,
}

/// A multi-group lesson's teaching part.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupLesson {
    /// Title.
    pub title: String,
    /// Where it starts on the timeline, ms.
    pub start: u64,
    /// Steps.
    pub steps: Vec<GroupStep>,
    /// The scenario.
    pub scenario: GroupScenario,
    /// A timeline that completes it (entries in the scenario's timeline form).
    pub solution: Vec<(u64, MultiAction)>,
}

/// The names of [`GROUP_LESSONS`], apart so that asking whether a lesson is a multi-group one
/// (the playground does, to forward it to the groups page) links no lesson text.
pub const GROUP_LESSON_NAMES: &[&str] = &["one-machine-three-groups"];

/// Whether `name` is a multi-group lesson.
pub fn is_group_lesson(name: &str) -> bool {
    GROUP_LESSON_NAMES.contains(&name)
}

/// Reads timeline entries (objects with `at`) in the context of `scenario_text`, through the
/// version-2 scenario reader (so buttons and solutions are checked exactly as files are).
fn entries(scenario_text: &str, list: Vec<Value>) -> Result<Vec<(u64, MultiAction)>, String> {
    let mut v: Value = serde_json::from_str(scenario_text).map_err(|e| e.to_string())?;
    v["timeline"] = Value::Array(list);
    v["expect"] = Value::Array(Vec::new());
    match AnyScenario::from_json(&v.to_string()).map_err(|e| e.to_string())? {
        AnyScenario::Groups(s) => Ok(s.timeline),
        AnyScenario::Single(_) => Err("a multi-group lesson needs a version-2 scenario".into()),
    }
}

/// Parses a multi-group lesson from its two files.
pub fn parse(scenario_text: &str, lesson_text: &str) -> Result<GroupLesson, String> {
    let scenario = super::link::scenario_text(scenario_text)?
        .ok_or("a multi-group lesson needs a version-2 scenario")?;
    let l: Value = serde_json::from_str(lesson_text).map_err(|e| e.to_string())?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut steps = Vec::new();
    for st in l["steps"].as_array().ok_or("a lesson has `steps`")? {
        let mut labels = Vec::new();
        let mut list = Vec::new();
        for b in st["buttons"].as_array().into_iter().flatten() {
            let mut a = b["action"].clone();
            a["at"] = 0.into();
            labels.push(text(b, "label"));
            list.push(a);
        }
        let actions = entries(scenario_text, list)?;
        let goal = st["goal"].as_u64().map(|g| g as usize);
        if goal.is_some_and(|g| g >= scenario.expect.len()) {
            return Err(format!(
                "a step's goal {goal:?} is not in the scenario's expect"
            ));
        }
        steps.push(GroupStep {
            text: text(st, "text"),
            goal,
            buttons: labels
                .into_iter()
                .zip(actions.into_iter().map(|(_, a)| a))
                .collect(),
        });
    }
    let solution = entries(
        scenario_text,
        l["solution"].as_array().cloned().unwrap_or_default(),
    )?;
    Ok(GroupLesson {
        title: text(&l, "title"),
        start: l["start"].as_u64().unwrap_or(0),
        steps,
        scenario,
        solution,
    })
}

/// The built-in multi-group lesson `name`.
pub fn steps(name: &str) -> Result<GroupLesson, String> {
    let (_, s, l) = GROUP_LESSONS
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| format!("no multi-group lesson named {name:?}"))?;
    parse(s, l)
}

/// Where the lesson `name` opens: its setup played up to its start, paused.
pub fn start(name: &str) -> Result<GroupsStart, String> {
    let l = steps(name)?;
    Ok(GroupsStart {
        scenario: l.scenario,
        now: l.start,
        playing: false,
        lesson: Some(name.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groups::run::GroupsRun;

    /// The names the playground forwards are exactly the lessons the groups page opens.
    #[test]
    fn the_lesson_names_are_the_lessons() {
        let names: Vec<&str> = GROUP_LESSONS.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(names, GROUP_LESSON_NAMES);
    }

    /// The native grader of the multi-group lesson, with the page's semantics (goals in
    /// order, checked after every millisecond): at its start M3 leads two groups (the lesson's
    /// premise); doing nothing meets no goal; the reference solution meets all four, the
    /// first two by re-elections in a higher term (Raft §5.2) in the groups M3 led, and no
    /// group's safety checker finds a violation (no committed entry lost, §5.4).
    #[test]
    fn one_machine_three_groups_is_solved_by_its_solution_only() {
        let l = steps("one-machine-three-groups").unwrap();
        assert_eq!(l.steps.len(), 4);
        let end = l.scenario.end();
        let mut idle = GroupsRun::open(l.scenario.clone(), l.start, true).unwrap();
        let v = idle.view();
        assert_eq!(
            v.machines[2].leads, 2,
            "M3 leads two groups at the start: {v:?}"
        );
        while idle.now() < end {
            idle.advance(100.0);
        }
        assert!(
            idle.goals().iter().all(|g| g.met.is_none()),
            "{:?}",
            idle.goals()
        );

        let mut run = GroupsRun::open(l.scenario.clone(), l.start, true).unwrap();
        for (at, a) in &l.solution {
            while run.now() < *at {
                run.advance((*at - run.now()) as f64);
            }
            run.act(a.clone()).unwrap();
        }
        while run.now() < end {
            run.advance(100.0);
        }
        assert!(
            run.goals().iter().all(|g| g.met.is_some()),
            "{:?}",
            run.goals()
        );
        assert!(!run.halted());
        assert!(run.world().violations().is_empty());
    }

    #[test]
    fn every_button_parses() {
        let l = steps("one-machine-three-groups").unwrap();
        assert_eq!(l.steps[0].buttons[0].0, "Crash M3");
        assert!(steps("nope").is_err());
        assert!(parse(
            GROUP_LESSONS[0].1,
            r#"{"steps":[{"text":"x","buttons":[{"label":"bad","action":{"action":"crash_machine","machine":30}}]}]}"#
        )
        .is_err());
    }
}
