//! Schedules modelled on classic course test suites, run on the simulator with our timers.
//!
//! [`figure8_unreliable`] follows the shape of the MIT 6.824/6.5840 lab 2C test of the same
//! name: an unreliable network (short random delays, a tenth of requests and of replies lost),
//! leaders cut off at random while proposals keep arriving, most replies delayed by 200 ms or
//! more after the first fifth of the run ("long reordering"), and at the end every node
//! reconnected and one more command that must reach every node. The lab allows that final
//! agreement 10 seconds; [`Figure8Outcome::final_agreement_ms`] measures how long it took.
//!
//! Differences from the lab, all on the harsh side: long delays here are uniform in
//! 200–2,200 ms (the lab draws `200 + rand(1 + rand(2000))`, which favours short ones), and our
//! election timeouts (150–300 ms) are shorter than those delays, where the lab's students pick
//! timeouts of about a second.

use alloc::string::ToString;
use alloc::vec::Vec;

use crate::actions::Action;
use crate::network::NetConfig;
use crate::rng::SimRng;
use crate::world::{ClientOptions, SimOptions, World, PERSON_CLIENT_BASE};
use raft_core::types::{NodeId, Role};

/// How long [`figure8_unreliable`] waits for the final agreement before it gives up, in ms.
pub const FINAL_AGREEMENT_LIMIT_MS: u64 = 60_000;

/// The lab's bound on the final agreement, in ms.
pub const LAB_AGREEMENT_BOUND_MS: u64 = 10_000;

/// What a [`figure8_unreliable`] run measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure8Outcome {
    /// The seed.
    pub seed: u64,
    /// Virtual time when every node was reconnected and the final command submitted, ms.
    pub final_start_ms: u64,
    /// Virtual ms from reconnecting every node to the final command committed on all of them;
    /// `None` if it did not happen within [`FINAL_AGREEMENT_LIMIT_MS`].
    pub final_agreement_ms: Option<u64>,
    /// Leaders cut off during the run.
    pub disconnects: u32,
    /// Elections the nodes started (pre-votes included) during the final agreement.
    pub elections_at_end: u64,
    /// The first safety violation, if any (there must be none).
    pub violation: Option<alloc::string::String>,
}

/// Runs the Figure-8-unreliable schedule for `seed` with `iterations` rounds (the lab uses
/// 1,000) on five nodes with the given options (timers, policy; network and clients are set
/// here).
pub fn figure8_unreliable(seed: u64, iterations: u32, base: &SimOptions) -> Figure8Outcome {
    figure8_unreliable_world(seed, iterations, base).0
}

/// [`figure8_unreliable`], with the world at the end (its trace, with `base.keep_trace`).
pub fn figure8_unreliable_world(
    seed: u64,
    iterations: u32,
    base: &SimOptions,
) -> (Figure8Outcome, Option<World>) {
    const NODES: u32 = 5;
    let short = NetConfig {
        latency_min: 1,
        latency_max: 27,
        drop_ppm: 100_000,
        ..NetConfig::default()
    };
    let long = NetConfig {
        reply_delay_ppm: 666_667,
        reply_delay_min: 200,
        reply_delay_max: 2_200,
        ..short.clone()
    };
    let opts = SimOptions {
        nodes: NODES,
        seed,
        net: short.clone(),
        // Proposals keep arriving throughout, as the lab's `Start` on every node each round.
        clients: ClientOptions {
            enabled: true,
            ..base.clients
        },
        ..base.clone()
    };
    let mut world = match World::new(opts) {
        Ok(w) => w,
        Err(e) => {
            let o = Figure8Outcome {
                seed,
                final_start_ms: 0,
                final_agreement_ms: None,
                disconnects: 0,
                elections_at_end: 0,
                violation: Some(e.to_string()),
            };
            return (o, None);
        }
    };
    let mut rng = SimRng::new(seed ^ 0xF16E_8000_0000_0001);
    let ids: Vec<NodeId> = (1..=u64::from(NODES)).collect();
    let mut connected: Vec<bool> = ids.iter().map(|_| true).collect();
    let mut disconnects = 0u32;
    let mut value = 0u64;
    let request = |world: &mut World, value: &mut u64| {
        *value += 1;
        let _ = world.act(Action::Request {
            key: "x".to_string(),
            value: value.to_string(),
        });
    };
    // Agreement on a first command before the faults begin.
    request(&mut world, &mut value);
    world.advance_by(2_000);
    for iter in 0..iterations {
        if iter == iterations / 5 {
            let _ = world.act(Action::Network {
                config: long.clone(),
            });
        }
        let pause = if rng.range(0, 999) < 100 {
            rng.range(0, 500)
        } else {
            rng.range(0, 12)
        };
        world.advance_by(pause);
        let leader = connected_leader(&world, &ids, &connected);
        if let Some(l) = leader {
            if rng.range(0, 999) < 500 {
                disconnect(&mut world, &ids, &mut connected, l);
                disconnects += 1;
            }
        }
        if connected.iter().filter(|&&c| c).count() < 3 {
            let s = rng.range(0, u64::from(NODES) - 1) as usize;
            if !connected[s] {
                connect(&mut world, &ids, &mut connected, ids[s]);
            }
        }
    }
    for (i, &id) in ids.iter().enumerate() {
        if !connected[i] {
            connect(&mut world, &ids, &mut connected, id);
        }
    }
    let start = world.now();
    let elections_before = world.stats().elections;
    let person_before = world.history().len();
    request(&mut world, &mut value);
    let mut target = None;
    let done = world.run_until(start + FINAL_AGREEMENT_LIMIT_MS, |w| {
        if target.is_none() {
            let completed = w.history()[person_before..]
                .iter()
                .any(|op| op.client >= PERSON_CLIENT_BASE && op.complete.is_some());
            if completed {
                target = Some(w.leader_commit());
            }
        }
        match target {
            Some(index) => w.nodes().values().all(|n| {
                n.node
                    .as_ref()
                    .is_some_and(|node| node.log().committed() >= index)
            }),
            None => false,
        }
    });
    let o = Figure8Outcome {
        seed,
        final_start_ms: start,
        final_agreement_ms: done.then(|| world.now() - start),
        disconnects,
        elections_at_end: world.stats().elections - elections_before,
        violation: world
            .violation()
            .map(|v| alloc::format!("{} at {} ms: {}", v.property, v.time, v.detail)),
    };
    (o, Some(world))
}

/// The node that believes it leads, among the connected ones, in the highest term.
fn connected_leader(world: &World, ids: &[NodeId], connected: &[bool]) -> Option<NodeId> {
    ids.iter()
        .zip(connected)
        .filter(|(_, &c)| c)
        .filter_map(|(&id, _)| world.node(id).map(|n| (n.term(), n.role(), id)))
        .filter(|&(_, role, _)| role == Role::Leader)
        .max()
        .map(|(_, _, id)| id)
}

/// Cuts every link of `id`, both ways.
fn disconnect(world: &mut World, ids: &[NodeId], connected: &mut [bool], id: NodeId) {
    let _ = world.act(Action::Isolate { node: id });
    if let Some(i) = ids.iter().position(|&x| x == id) {
        connected[i] = false;
    }
}

/// Restores the links between `id` and every connected node, both ways.
fn connect(world: &mut World, ids: &[NodeId], connected: &mut [bool], id: NodeId) {
    for (i, &other) in ids.iter().enumerate() {
        if other != id && connected[i] {
            let _ = world.act(Action::Reconnect {
                from: id,
                to: other,
            });
            let _ = world.act(Action::Reconnect {
                from: other,
                to: id,
            });
        }
    }
    if let Some(i) = ids.iter().position(|&x| x == id) {
        connected[i] = true;
    }
}
