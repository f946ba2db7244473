//! The Raft playground in the browser.
//!
//! Layout: `app.rs` is the page (layout, the animation loop, browser listeners);
//! `sim_driver.rs` is the only module that owns and advances the simulated world, behind a
//! reducer shared through a context (`use_sim()`); `view_model.rs` turns the world into plain
//! view data (pure, natively tested); `components/` draw that data and dispatch actions.

mod app;
mod components;
mod sim_driver;
mod view_model;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
