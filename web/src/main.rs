//! The Raft playground in the browser.
//!
//! Layout (it grows with the simulator): `app.rs` is the page, `state.rs` the reducer that owns the
//! page's state (no Yew rendering in it), `components/` the pieces of the page. Only the state
//! module will talk to the `raft-core` simulator.

mod app;
mod components;
mod state;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
