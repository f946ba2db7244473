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
    // A parameter link that resumed the stored run offers to start the link's run afresh.
    let fresh = text.starts_with(crate::open::RESUMED_PREFIX).then(|| {
        let sim = sim.clone();
        Callback::from(move |_| {
            crate::browser::clear_run();
            sim.dispatch(SimAction::Reset(sim.settings.clone()));
        })
    });
    html! {
        <div class="notice" role="alert">
            <span>{ text }</span>
            if let Some(onclick) = fresh {
                <button class="btn small" {onclick} title="Forget your changes and start this link's run from the beginning">{ "Start over" }</button>
            }
            <button class="btn small" onclick={dismiss} aria-label="Dismiss notice">{ "✕" }</button>
        </div>
    }
}
