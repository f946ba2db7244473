//! The `postMessage` API of an embedded playground, in plain Rust.
//!
//! The embedding page sends `{ "raft": "<command>", … }` objects to the iframe's window:
//!
//! | command | fields | effect |
//! | --- | --- | --- |
//! | `play`, `pause` | | start or stop the clock |
//! | `reset` | | back to the start of what was opened (a lesson: its start) |
//! | `load` | `scenario`: a scenario object, its JSON text, or a built-in name | open it, playing |
//! | `lesson` | `name` | open a built-in lesson |
//! | `act` | `action`: an action object, as in a scenario timeline | act now |
//! | `speed` | `factor`: 0.001 to 10 | set the speed |
//! | `state` | | answer with a `state` event |
//!
//! The playground posts `{ "raft": "<event>", … }` to its parent: `ready` once it runs,
//! `leader` (`leader`: node id or null, `term`, `t`) whenever the leader changes,
//! `lesson-complete` (`lesson`) when a lesson's last goal is met, `state` (`t`, `leader`,
//! `term`, `playing`, `goals_met`, `goals`), `error` (`message`) when a command is refused
//! (an unknown command, or an `act` the cluster cannot do: see [`check_act`]), and `notice`
//! (`message`) whenever the page shows a notice, so that a frame without controls
//! (`controls=none`) can still be heard. `lesson-complete` names the lesson, or the scenario
//! whose expectations were all met (`lesson`, and `kind`: `"lesson"` or `"scenario"`).

use raft_sim::scenario::Scenario;
use raft_sim::Action;
use serde_json::{json, Value};

use crate::open;
use crate::share;
use crate::view_model::{name, MemberView};

/// A command from the embedding page.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Start the clock.
    Play,
    /// Stop the clock.
    Pause,
    /// Back to the start.
    Reset,
    /// Open a scenario.
    Load(Box<Scenario>),
    /// Open a version-2 scenario: a multi-group run (`crate::groups`; at most 8 groups and 9
    /// machines in the page). The payload as given (a built-in name, JSON or base64url): only
    /// its version is read here, so the playground's build links no multi-group reader; the
    /// groups page reads the rest ([`crate::groups::GroupsSwitch::open_param`]).
    LoadGroups(String),
    /// Open a built-in lesson.
    Lesson(String),
    /// Act now.
    Act(Action),
    /// Speed factor.
    Speed(f64),
    /// Report the state.
    State,
}

/// Parses a message's data (as JSON text). `Ok(None)`: not meant for us (no `raft` field).
pub fn parse(data: &str) -> Result<Option<Command>, String> {
    let v: Value = match serde_json::from_str(data) {
        Ok(v) => v,
        Err(_) => return Ok(None),
    };
    // The data may itself be a JSON string holding the object.
    let v = match v {
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(inner) => inner,
            Err(_) => return Ok(None),
        },
        v => v,
    };
    let Some(cmd) = v.get("raft").and_then(Value::as_str) else {
        return Ok(None);
    };
    let c = match cmd {
        "play" => Command::Play,
        "pause" => Command::Pause,
        "reset" => Command::Reset,
        "state" => Command::State,
        "load" => {
            let payload = match v.get("scenario") {
                Some(Value::String(t)) => Some(t.clone()),
                Some(obj @ Value::Object(_)) => Some(obj.to_string()),
                _ => None,
            };
            if let Some(p) = payload.filter(|p| crate::groups::forward::is_v2_param(p)) {
                return Ok(Some(Command::LoadGroups(p)));
            }
            let s = match v.get("scenario") {
                Some(Value::String(t)) => open::scenario_param(t)?,
                Some(obj @ Value::Object(_)) => open::scenario_param(&obj.to_string())?,
                _ => {
                    return Err(
                        "load needs a `scenario`: an object, its JSON, or a built-in name".into(),
                    )
                }
            };
            share::check_action_limit(s.timeline.len(), "this scenario")?;
            share::check_time_limit(
                s.timeline.iter().map(|t| t.at).chain(s.until),
                "this scenario",
            )?;
            share::check_node_limit(
                s.options.nodes,
                s.timeline.iter().map(|t| &t.action),
                "this scenario",
            )?;
            Command::Load(Box::new(s))
        }
        "lesson" => Command::Lesson(
            v.get("name")
                .and_then(Value::as_str)
                .ok_or("lesson needs a `name`")?
                .to_string(),
        ),
        "act" => Command::Act(
            raft_sim::json::from_value(v.get("action").unwrap_or(&Value::Null))
                .map_err(|e| format!("act needs an `action` object: {e}"))?,
        ),
        "speed" => {
            let f = v
                .get("factor")
                .and_then(Value::as_f64)
                .filter(|f| (0.001..=10.0).contains(f))
                .ok_or("speed needs a `factor` from 0.001 to 10")?;
            Command::Speed(f)
        }
        other => return Err(format!("unknown command {other:?}")),
    };
    Ok(Some(c))
}

/// Checks an `act` command against the cluster as it stands, so that an action the simulator
/// would refuse (or quietly do nothing with) is answered with an `error` event naming the
/// reason. `nodes`: each node's id, whether it is down, and its membership.
pub fn check_act(action: &Action, nodes: &[(u64, bool, MemberView)]) -> Result<(), String> {
    let known = |id: u64| nodes.iter().find(|n| n.0 == id);
    for id in action.nodes() {
        if known(id).is_none() {
            return Err(format!(
                "act refused: there is no node {id} (this cluster has {})",
                nodes
                    .iter()
                    .map(|n| name(n.0))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let node = |id: u64| known(id).expect("checked above");
    match action {
        Action::Crash { node: id } if node(*id).1 => {
            Err(format!("act refused: {} is already down", name(*id)))
        }
        Action::Restart { node: id } if !node(*id).1 => {
            Err(format!("act refused: {} is not down", name(*id)))
        }
        Action::Promote { node: id } if node(*id).2 != MemberView::Learner => Err(format!(
            "act refused: only a learner can be promoted, and {} is a {}",
            name(*id),
            node(*id).2.as_str()
        )),
        Action::Remove { node: id } if node(*id).2 == MemberView::Removed => {
            Err(format!("act refused: {} is already removed", name(*id)))
        }
        Action::Reconfigure { voters } if voters.is_empty() => {
            Err("act refused: a configuration needs at least one voter".into())
        }
        Action::AddNode if nodes.len() >= share::MAX_NODES as usize => Err(format!(
            "act refused: the playground draws at most {} nodes",
            share::MAX_NODES
        )),
        _ => Ok(()),
    }
}

/// The `leader` event.
pub fn leader_event(leader: Option<u64>, term: u64, t: u64) -> String {
    json!({"raft": "leader", "leader": leader, "term": term, "t": t}).to_string()
}

/// The `error` event.
pub fn error_event(message: &str) -> String {
    json!({"raft": "error", "message": message}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(parse(r#"{"raft":"play"}"#), Ok(Some(Command::Play)));
        assert_eq!(parse(r#""{\"raft\":\"pause\"}""#), Ok(Some(Command::Pause)));
        assert_eq!(
            parse(r#"{"raft":"act","action":{"action":"crash","node":2}}"#),
            Ok(Some(Command::Act(Action::Crash { node: 2 })))
        );
        assert!(matches!(
            parse(r#"{"raft":"load","scenario":"split-vote"}"#),
            Ok(Some(Command::Load(_)))
        ));
        let inline = include_str!("../../scenarios/leader-crash.json");
        let msg = format!(r#"{{"raft":"load","scenario":{inline}}}"#);
        assert!(matches!(parse(&msg), Ok(Some(Command::Load(_)))));
        assert_eq!(
            parse(r#"{"raft":"speed","factor":2}"#),
            Ok(Some(Command::Speed(2.0)))
        );
    }

    #[test]
    fn foreign_messages_are_ignored_and_bad_commands_explained() {
        assert_eq!(parse("42"), Ok(None));
        assert_eq!(parse(r#"{"type":"webpackOk"}"#), Ok(None));
        assert_eq!(parse("not json"), Ok(None));
        assert!(parse(r#"{"raft":"dance"}"#)
            .unwrap_err()
            .contains("unknown command"));
        assert!(parse(r#"{"raft":"act","action":{"action":"fly"}}"#)
            .unwrap_err()
            .contains("unknown variant"));
        assert!(parse(r#"{"raft":"speed","factor":99}"#).is_err());
        assert!(parse(r#"{"raft":"load"}"#).is_err());
    }

    #[test]
    fn acts_the_cluster_cannot_do_are_refused_with_a_reason() {
        use MemberView::*;
        let nodes = [(1, false, Voter), (2, true, Voter), (3, false, Learner)];
        let check = |a: Action| check_act(&a, &nodes);
        assert!(check(Action::Crash { node: 42 })
            .unwrap_err()
            .contains("no node 42 (this cluster has S1, S2, S3)"));
        assert!(check(Action::Promote { node: 1 })
            .unwrap_err()
            .contains("only a learner"));
        assert!(check(Action::Crash { node: 2 })
            .unwrap_err()
            .contains("already down"));
        assert!(check(Action::Restart { node: 1 })
            .unwrap_err()
            .contains("not down"));
        assert!(check(Action::Reconfigure { voters: vec![] }).is_err());
        assert_eq!(check(Action::Crash { node: 1 }), Ok(()));
        assert_eq!(check(Action::Promote { node: 3 }), Ok(()));
        assert_eq!(check(Action::Heal), Ok(()));
        let nine: Vec<_> = (1..=9).map(|i| (i, false, Voter)).collect();
        assert!(check_act(&Action::AddNode, &nine)
            .unwrap_err()
            .contains("at most 9"));
    }

    #[test]
    fn events_are_json() {
        let e: Value = serde_json::from_str(&leader_event(Some(3), 2, 900)).unwrap();
        assert_eq!(e["leader"], 3);
        assert_eq!(e["raft"], "leader");
    }
}
