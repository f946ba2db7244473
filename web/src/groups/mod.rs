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
//! - [`page`]: the components;
//! - [`forward`]: the playground's way here: the multi-group page is a build of its own
//!   (`groups/`, issue 14), and the playground forwards every request for one to it.

pub mod forward;
pub mod lesson;
pub mod link;
pub mod open;
pub mod page;
pub mod run;
pub mod state;

pub use link::GroupsStart;
pub use page::GroupsPage;
pub use state::GroupsSwitch;

/// What the groups page's build (`bin/groups.rs`) gives [`crate::app::App`]: reading a
/// multi-group run from the URL or a lesson, and drawing one. Function pointers reached only
/// through this value, so the playground's own build, which passes none, links none of that
/// code (issue 14: its `.wasm` is what a first visit downloads); it forwards such runs to the
/// groups page instead ([`forward`]).
#[derive(Debug, Clone, Copy)]
pub struct GroupsHost {
    /// What the URL asks to open as a multi-group run ([`open::from_params`]).
    pub open: fn(&crate::url_params::PageParams, u64) -> Result<Option<GroupsStart>, String>,
    /// A built-in multi-group lesson ([`lesson::start`]).
    pub lesson: fn(&str) -> Result<GroupsStart, String>,
    /// Draws a multi-group run ([`page::render`]); a new key starts the page afresh.
    pub page: fn(u64, page::GroupsPageProps) -> yew::Html,
    /// Reading version-2 scenarios handed to the page (a file, an embed's `load`).
    pub readers: link::Readers,
}

impl GroupsHost {
    /// The groups page's host.
    pub const PAGE: GroupsHost = GroupsHost {
        open: open::from_params_or_default,
        lesson: lesson::start,
        page: page::render,
        readers: link::Readers::ALL,
    };
}

impl PartialEq for GroupsHost {
    /// Set once at start-up and never changed.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
