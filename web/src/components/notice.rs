//! A dismissable notice: refused actions and bad input, never a blank page.

use yew::prelude::*;

use crate::sim_driver::{use_sim, ResetSettings, Sim, SimAction};

/// Properties of [`NoticeView`].
#[derive(Properties, PartialEq)]
struct NoticeProps {
    notice: Option<String>,
    /// The run's settings (Start over resets to them).
    settings: ResetSettings,
    sim: UseReducerDispatcher<Sim>,
}

/// Shows the current notice, if any (drawn only when it changes).
#[function_component(Notice)]
pub fn notice() -> Html {
    let sim = use_sim();
    html! { <NoticeView notice={sim.notice.clone()} settings={sim.settings.clone()} sim={sim.dispatcher()} /> }
}

#[function_component(NoticeView)]
fn notice_view(p: &NoticeProps) -> Html {
    let sim = &p.sim;
    let Some(text) = p.notice.clone() else {
        return Html::default();
    };
    let dismiss = {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(SimAction::Dismiss))
    };
    // A parameter link that resumed the stored run offers to start the link's run afresh.
    let fresh = text.starts_with(crate::open::RESUMED_PREFIX).then(|| {
        let (sim, settings) = (sim.clone(), p.settings.clone());
        Callback::from(move |_| {
            crate::browser::clear_run();
            sim.dispatch(SimAction::Reset(settings.clone()));
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
