//! The safety monitor: every property the checker verifies, and the violations found.

use raft_sim::{Violation, PROPERTIES};

use super::cluster::name;

/// The safety monitor.
#[derive(Clone, Debug, PartialEq)]
pub struct SafetyView {
    /// Every property checked, and whether it holds.
    pub properties: Vec<(&'static str, bool)>,
    /// The violation that stopped the run, explained.
    pub violation: Option<ViolationView>,
    /// Violations the run went on after (with an unsafe switch on, a broken rule), in order.
    pub flagged: Vec<ViolationView>,
}

/// A violation, ready to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViolationView {
    /// Property name.
    pub property: String,
    /// Virtual time, ms.
    pub time: u64,
    /// Event number.
    pub event: u64,
    /// "S1, S3".
    pub nodes: String,
    /// What was seen.
    pub detail: String,
}

/// The safety monitor's view: the violation that stopped the run, if any, and every violation
/// found so far (the first of each property).
pub fn safety(halted: Option<&Violation>, all: &[Violation]) -> SafetyView {
    let view = |v: &Violation| ViolationView {
        property: v.property.clone(),
        time: v.time,
        event: v.event,
        nodes: v
            .nodes
            .iter()
            .map(|&n| name(n))
            .collect::<Vec<_>>()
            .join(", "),
        detail: v.detail.clone(),
    };
    SafetyView {
        properties: PROPERTIES
            .iter()
            .map(|&p| {
                let broken =
                    halted.is_some_and(|v| v.property == p) || all.iter().any(|v| v.property == p);
                (p, !broken)
            })
            .collect(),
        violation: halted.map(view),
        flagged: all
            .iter()
            .filter(|v| halted.is_none_or(|h| h.property != v.property))
            .map(view)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_violation_marks_its_property() {
        let v = Violation {
            property: "Log Matching".into(),
            time: 1234,
            event: 99,
            nodes: vec![1, 3],
            detail: "entries differ at 4".into(),
        };
        let s = safety(Some(&v), std::slice::from_ref(&v));
        assert_eq!(s.properties.iter().filter(|&&(_, ok)| !ok).count(), 1);
        assert!(
            s.flagged.is_empty(),
            "the stopping violation is not listed twice"
        );
        assert!(
            !s.properties
                .iter()
                .find(|p| p.0 == "Log Matching")
                .unwrap()
                .1
        );
        assert_eq!(s.violation.unwrap().nodes, "S1, S3");
    }

    // With an unsafe switch on, a broken rule is flagged and the run goes on: the property is
    // marked, the violation is listed as flagged, and nothing says the run stopped.
    #[test]
    fn a_flagged_rule_marks_its_property_without_stopping() {
        let v = Violation {
            property: "Commit Current Term Only".into(),
            time: 10,
            event: 3,
            nodes: vec![2],
            detail: "old-term commit".into(),
        };
        let s = safety(None, std::slice::from_ref(&v));
        assert!(s.violation.is_none());
        assert_eq!(s.flagged.len(), 1);
        assert!(s
            .properties
            .iter()
            .any(|&(p, ok)| p == "Commit Current Term Only" && !ok));
    }
}
