//! Pieces of the page. They render plain view data and dispatch actions; none holds protocol
//! logic or touches the simulator.

pub mod announcer;
pub mod cluster;
pub mod controls;
pub mod event_log;
pub mod layers;
pub mod logs;
pub mod metrics;
pub mod notice;
pub mod ring;
pub mod safety;
pub mod stagger;
pub mod transport;

use std::rc::Rc;

use yew::prelude::*;

use crate::sim_driver::{Sim, SimAction, SimContext};

/// The state as of one moment, for a panel given it as a property: unlike the context's handle,
/// which always reads the latest state, it stays what it was, so a panel handed the same
/// snapshot again is skipped by Yew (`app.rs` lets the text panels take turns under load this
/// way). Actions go to the simulation as through the handle.
#[derive(Clone)]
pub struct Snap {
    sim: Rc<Sim>,
    dispatcher: UseReducerDispatcher<Sim>,
}

impl Snap {
    /// The state `handle` reads now.
    pub fn of(handle: &SimContext) -> Self {
        Snap {
            sim: Rc::new((**handle).clone()),
            dispatcher: handle.dispatcher(),
        }
    }

    /// Sends `action` to the simulation.
    pub fn dispatch(&self, action: SimAction) {
        self.dispatcher.dispatch(action)
    }
}

impl std::ops::Deref for Snap {
    type Target = Sim;

    fn deref(&self) -> &Sim {
        &self.sim
    }
}

impl PartialEq for Snap {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.sim, &other.sim) || *self.sim == *other.sim
    }
}

/// Properties of a panel drawn from a [`Snap`].
#[derive(Properties, PartialEq, Clone)]
pub struct SnapProps {
    /// The state to show.
    pub sim: Snap,
}
