//! A dismissable notice: refused actions and bad input, never a blank page.

use yew::prelude::*;

use crate::sim_driver::{use_sim, SimAction};

/// Shows the current notice, if any.
#[function_component(Notice)]
pub fn notice() -> Html {
    let sim = use_sim();
    let Some(text) = sim.notice.clone() else {
        return Html::default();
    };
    let dismiss = {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(SimAction::Dismiss))
    };
    html! {
        <div class="notice" role="alert">
            <span>{ text }</span>
            <button class="btn small" onclick={dismiss} aria-label="Dismiss notice">{ "✕" }</button>
        </div>
    }
}
