//! The Raft playground in the browser: the code of its two builds (issue 14).
//!
//! `main.rs` is the playground itself, the single-group page a first visit downloads;
//! `bin/groups.rs` is the multi-group page (`groups/` beside it, [`groups`]), a build of its
//! own: the playground forwards to it when a multi-group run is asked for
//! ([`groups::forward`]), so the machines view and the multi-group simulator are downloaded only
//! by someone who opens one. Both render [`app::App`]; the groups build hands it a
//! [`app::GroupsHost`], the one way the multi-group page's code is reached, so the
//! playground's build (which passes none) leaves that code out at link time.
//!
//! Layout: `app.rs` is the page (layout, the animation loop, browser listeners);
//! `sim_driver` is the only module that owns and advances the simulated world: `driver.rs`
//! (world, timeline, event log) behind `reducer.rs` (the page's state, shared through a context
//! and `use_sim()`); `view_model` turns the world into plain view data (pure, natively tested),
//! one file per thing a reader looks for; `components/` draw that data and dispatch actions.
//!
//! Sharing and teaching: `share.rs` (the `#run=` link, scenario and trace files),
//! `url_params.rs` (the page's URL parameters), `open.rs` (what the page opens at start-up or
//! from a file), `lessons.rs` (the built-in lessons and their live goals), `embed_api.rs` (the
//! `postMessage` API of an embedded playground) are plain Rust, natively tested; `browser.rs`
//! holds the browser glue they need (storage, downloads, files); `ui/` draws the run menu, the
//! share and open dialogs, the lesson panel and the compact embed bar.
//!
//! Parts downloaded only when used (issue 14, `parts.rs`): the "Your Raft…" dialog
//! (`bin/your_raft.rs`) and scenario and trace files (`bin/files.rs`, `files.rs`): reading a
//! trace, writing a run's files, so that the playground's own build links neither the readers
//! nor the writers of trace records.

pub mod app;
#[cfg(test)]
mod architecture;
mod browser;
mod components;
mod embed_api;
mod frame_loop;
pub mod groups;
mod lessons;
mod open;
mod parts;
mod playback;
mod share;
mod sim_driver;
mod ui;
mod url_params;
mod view_model;

/// Renders the page's app ([`app::App`]) with `props` into its own root element
/// (`browser::app_root`; into the body if that element cannot be had): the playground's build
/// and the groups page's.
pub fn render_app(props: app::AppProps) {
    match browser::app_root() {
        Some(root) => {
            yew::Renderer::<app::App>::with_root_and_props(root, props).render();
        }
        None => {
            yew::Renderer::<app::App>::with_props(props).render();
        }
    }
}

/// The "Your Raft…" dialog, for the part of its own that renders it (`bin/your_raft.rs`).
pub use ui::your_raft::dialog as your_raft_part;

/// Scenario and trace files, for the part of its own that reads and writes them
/// (`bin/files.rs`).
pub mod files;
