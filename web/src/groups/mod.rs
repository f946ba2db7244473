//! Multi-group Raft in the page (issue 17): several Raft groups whose replicas share machines
//! (raft-sim's [`raft_sim::groups::MultiWorld`]), shown as machines. One group stays the
//! default everywhere: this mode opens only for `?groups=N` (N ≥ 2), a version-2 scenario, a
//! `#groups=` link or a multi-group lesson, and nothing of a single-group run changes.
//!
//! - [`run`]: the run itself, plain Rust: the world, the timeline ahead, per-group event logs,
//!   announcements, live goals, and the machines view's data;
//! - [`state`]: the page's reducer and context around it;
//! - [`link`]: what to open (fresh runs, version-2 scenarios, the `#groups=` link) and the
//!   page's limits (groups ≤ 8, machines ≤ 9);
//! - [`lesson`]: multi-group lessons;
//! - [`open`]: what the URL asks to open;
//! - [`page`]: the components.

pub mod lesson;
pub mod link;
pub mod open;
pub mod page;
pub mod run;
pub mod state;

pub use link::GroupsStart;
pub use page::GroupsPage;
pub use state::GroupsSwitch;
