//! A polite live region that tells screen-reader users when the cluster gains or loses a leader,
//! when the term moves (an election) and when the safety monitor finds a broken property, in
//! one or two short sentences, at most once every [`MIN_GAP_MS`] of wall
//! time so an election storm (or dragging the time slider) does not chatter. A change that
//! arrives within the gap is said when the gap is over, if it still holds then (a timer, held by
//! the component and cancelled with it, asks for that render, so a paused page says it too).

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use raft_core::{NodeId, Term};
use yew::prelude::*;

use crate::browser;
use crate::sim_driver::use_sim;
use crate::view_model::{name, SafetyView};

/// The shortest wall-clock time between two announcements, ms.
pub const MIN_GAP_MS: f64 = 2000.0;

/// What to say about the cluster's leadership.
pub fn sentence(leader: Option<NodeId>, term: Term) -> String {
    match leader {
        Some(l) => format!("{} is the leader in term {term}.", name(l)),
        None if term == 0 => "No leader yet.".to_string(),
        None => format!("No leader in term {term}: an election is under way."),
    }
}

/// What to say about the safety monitor: the latest broken property, if any.
pub fn safety_sentence(safety: &SafetyView) -> Option<String> {
    let v = safety.violation.as_ref().or(safety.flagged.last())?;
    Some(format!(
        "Safety finding: {} broken at {} ms ({}).",
        v.property, v.time, v.nodes
    ))
}

/// The visually hidden live region.
#[function_component(Announcer)]
pub fn announcer() -> Html {
    let sim = use_sim();
    let m = &sim.view.metrics;
    let mut wanted = sentence(m.leader, m.term);
    if let Some(s) = safety_sentence(&sim.view.safety) {
        wanted = format!("{s} {wanted}");
    }
    // What the region says; it starts with the present state, which is not announced.
    let said = use_state({
        let wanted = wanted.clone();
        move || wanted
    });
    let last_at = use_mut_ref(|| f64::NEG_INFINITY);
    // A render asked for when the gap is over; dropping it (or the component) cancels it.
    // (The timer is dropped on a later render, never inside its own callback.)
    let later = use_mut_ref(|| None::<(Timeout, Rc<Cell<bool>>)>);
    let update = use_force_update();
    {
        let said = said.clone();
        use_effect(move || {
            let now = browser::now_ms();
            let since = now - *last_at.borrow();
            if *said == wanted {
                *later.borrow_mut() = None;
            } else if since >= MIN_GAP_MS {
                *last_at.borrow_mut() = now;
                *later.borrow_mut() = None;
                said.set(wanted);
            } else if later.borrow().as_ref().is_none_or(|(_, fired)| fired.get()) {
                let wait = (MIN_GAP_MS - since).ceil() as u32 + 1;
                let fired = Rc::new(Cell::new(false));
                let timeout = Timeout::new(wait, {
                    let fired = fired.clone();
                    move || {
                        fired.set(true);
                        update.force_update();
                    }
                });
                *later.borrow_mut() = Some((timeout, fired));
            }
        });
    }
    html! {
        <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="announcer">
            { (*said).clone() }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_short_and_name_nodes_as_people_do() {
        assert_eq!(sentence(Some(3), 4), "S3 is the leader in term 4.");
        assert_eq!(sentence(None, 0), "No leader yet.");
        assert_eq!(
            sentence(None, 5),
            "No leader in term 5: an election is under way."
        );
    }

    #[test]
    fn a_safety_finding_is_said_with_its_property_and_nodes() {
        let mut v = crate::view_model::safety(None, &[]);
        assert_eq!(safety_sentence(&v), None);
        v.flagged.push(crate::view_model::safety::ViolationView {
            property: "election-safety".into(),
            time: 1200,
            event: 9,
            nodes: "S1, S2".into(),
            detail: String::new(),
        });
        assert_eq!(
            safety_sentence(&v).as_deref(),
            Some("Safety finding: election-safety broken at 1200 ms (S1, S2).")
        );
    }
}
