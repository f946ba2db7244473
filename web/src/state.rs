//! Page state as a reducer: every change is an [`Action`], so an interval callback never reads a
//! stale captured value (a `use_state` captured by a timer closure stays frozen at its first value).

use std::rc::Rc;

use yew::Reducible;

/// Real milliseconds between two clock ticks, which is also the virtual time each tick adds
/// (the playground runs at 1x until speed controls arrive).
pub const TICK_MS: u32 = 100;

/// Everything the page shows. Plain data: components render it, they do not compute it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Playground {
    /// The seed every random decision of the simulation will be drawn from (supplied once by the
    /// browser; the simulator itself never draws entropy).
    pub seed: u64,
    /// Virtual time in milliseconds since the page started. Only [`Action::Advance`] moves it.
    pub now_ms: u64,
}

impl Playground {
    /// A fresh playground at virtual time zero.
    pub fn new(seed: u64) -> Self {
        Self { seed, now_ms: 0 }
    }
}

/// The ways the page state can change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Let this many virtual milliseconds pass.
    Advance(u32),
}

impl Reducible for Playground {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::Advance(ms) => Rc::new(Self {
                now_ms: self.now_ms.saturating_add(u64::from(ms)),
                ..(*self).clone()
            }),
        }
    }
}

/// A fresh seed from the browser's `crypto.getRandomValues` (through getrandom's `wasm_js`
/// backend). If the browser refuses, fall back to a fixed seed rather than fail the page:
/// a seed only has to be replayable, not secret.
pub fn fresh_seed() -> u64 {
    getrandom::u64().unwrap_or(0x5EED_0000_0000_0001)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_adds_virtual_time_and_keeps_the_seed() {
        let state = Rc::new(Playground::new(42));
        let state = state.reduce(Action::Advance(TICK_MS));
        let state = state.reduce(Action::Advance(250));
        assert_eq!(
            *state,
            Playground {
                seed: 42,
                now_ms: 350
            }
        );
    }

    #[test]
    fn advance_saturates_instead_of_wrapping() {
        let state = Rc::new(Playground {
            seed: 1,
            now_ms: u64::MAX - 1,
        });
        assert_eq!(state.reduce(Action::Advance(5)).now_ms, u64::MAX);
    }
}
