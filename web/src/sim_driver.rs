//! The one module that owns the simulated world and advances it, in two files:
//!
//! - [`driver`]: the [`Driver`], plain Rust (natively testable): the world, its timeline of
//!   actions for time travel, the bounded event log, and a per-frame cap on work;
//! - [`reducer`]: [`Sim`], the page's state, its [`SimAction`]s and the [`use_sim`] context hook
//!   through which components read the view and dispatch actions. None of them touches the world.
//!
//! The reducer uses the driver, never the other way round.

pub mod driver;
pub mod reducer;

pub use driver::ResetSettings;
pub use reducer::{
    use_sim, Clock, FastStart, LoadRequest, Sim, SimAction, SimContext, FIRST_ELECTION_SPEEDUP,
    FRAME_WORK_MS,
};
