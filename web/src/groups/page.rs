//! The multi-group page: the machines view (each machine a box listing its replicas, with a
//! colour AND a shape and name per group, so colour is never the only cue), machine controls
//! (crash, restart, freeze, thaw), the group picker, the live region that announces every
//! group's new leader, the lesson or scenario goals, and the chosen group in today's
//! single-group views ([`Cluster`], [`Logs`], [`EventLog`]) through a shown [`Sim`].

use std::rc::Rc;

use gloo_render::{request_animation_frame, AnimationFrame};
use raft_sim::groups::MultiAction;
use yew::prelude::*;

use super::link::GroupsStart;
use super::run::{MachineState, MachineView, MAX_FRAME_VIRTUAL_MS};
use super::state::{use_groups, GroupsAction, GroupsContext, GroupsSim};
use crate::browser;
use crate::components::cluster::Cluster;
use crate::components::event_log::EventLog;
use crate::components::logs::Logs;
use crate::sim_driver::{Sim, SimAction, SimContext};

/// One shape per group (beside its colour and name): the page runs at most 8 groups.
pub const SHAPES: [&str; 8] = ["●", "▲", "■", "◆", "★", "✚", "⬟", "⬢"];

/// The shape of group `g`.
pub fn shape(g: usize) -> &'static str {
    SHAPES[g % SHAPES.len()]
}

/// Properties of [`GroupsPage`].
#[derive(Properties, PartialEq, Debug)]
pub struct GroupsPageProps {
    /// What to open.
    pub start: Rc<GroupsStart>,
    /// Animate messages.
    pub animate: bool,
    /// A notice to show first (URL problems…).
    #[prop_or_default]
    pub notice: Option<String>,
    /// Compact (an embedded frame).
    #[prop_or_default]
    pub embed: bool,
}

/// A [`GroupsPage`] under `key` (a new key: a new run, the page starts afresh).
pub fn render(key: u64, p: GroupsPageProps) -> Html {
    html! { <GroupsPage key={key} ..p /> }
}

/// The multi-group page, owning its run.
#[function_component(GroupsPage)]
pub fn groups_page(p: &GroupsPageProps) -> Html {
    let start = p.start.clone();
    let animate = p.animate;
    let first_notice = p.notice.clone();
    let sim = use_reducer(move || match GroupsSim::open(&start, animate) {
        Ok(mut s) => {
            s.notice = first_notice;
            s
        }
        Err(e) => {
            // Cannot happen for a start that was checked when it was read; a default run then.
            let fresh =
                GroupsStart::of(super::link::fresh(3, 5, 1).expect("the default run is valid"));
            let mut s = GroupsSim::open(&fresh, animate).expect("the default run opens");
            s.notice = Some(format!("That multi-group run could not be opened: {e}."));
            s
        }
    });
    let running = sim.playing && !sim.halted();
    html! {
        <ContextProvider<GroupsContext> context={sim.clone()}>
            <GroupsLoop {running} />
            <div class={classes!("app", "groups-app", p.embed.then_some("embedded"))}>
                <header>
                    <Topline />
                    if let Some(n) = sim.notice.clone().filter(|n| !n.is_empty()) {
                        <div class="notice" role="status" aria-label="Message" data-testid="groups-notice">
                            <span>{ n }</span>
                            <button class="btn small" aria-label="Dismiss message" onclick={{ let s = sim.clone(); Callback::from(move |_| s.dispatch(GroupsAction::Dismiss)) }}>{ "×" }</button>
                        </div>
                    }
                </header>
                <main class="groups-grid">
                    <Machines />
                    <section class="panel groups-side">
                        <Announcements />
                        <Goals />
                    </section>
                    <GroupDetail />
                </main>
            </div>
        </ContextProvider<GroupsContext>>
    }
}

/// Title, play/pause, speed, time, share link and the way back to a single-group run.
#[function_component(Topline)]
fn topline() -> Html {
    let sim = use_groups();
    let toggle = {
        let sim = sim.clone();
        let p = sim.playing;
        Callback::from(move |_| sim.dispatch(GroupsAction::SetPlaying(!p)))
    };
    let on_speed = {
        let sim = sim.clone();
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(v) = el.value().parse::<f64>() {
                sim.dispatch(GroupsAction::SetSpeed(v));
            }
        })
    };
    let link = use_state(|| None::<String>);
    let share = {
        let sim = sim.clone();
        let link = link.clone();
        Callback::from(move |_| {
            let url = format!("{}#groups={}", browser::page_base(), sim.link().encode());
            link.set(Some(url));
        })
    };
    let export = {
        let sim = sim.clone();
        Callback::from(move |_| {
            browser::download(
                "multi-group-run.json",
                &sim.scenario_json(),
                "application/json",
            )
        })
    };
    let title = sim.link().scenario.name;
    html! {
        <div class="topline groups-topline">
            <h1 class="groups-title">{ "Multi-group Raft: " }{ title }</h1>
            <button class="btn primary" onclick={toggle} aria-label={if sim.playing { "Pause" } else { "Play" }}>
                { if sim.playing { "Pause" } else { "Play" } }
            </button>
            <label class="field speed">
                <span>{ format!("Speed {:.3}×", sim.speed()) }</span>
                <input type="range" min="-3" max="1" step="0.1" value={sim.speed_log.to_string()} oninput={on_speed} aria-label="Speed" />
            </label>
            <span class="clock" data-testid="groups-time">{ format!("t = {:.3} s", sim.view.now as f64 / 1000.0) }</span>
            <button class="btn" onclick={share} aria-label="Share this multi-group run">{ "Share" }</button>
            <button class="btn" onclick={export} aria-label="Export as a scenario file" title="A version-2 scenario file: raft-sim run replays and grades it">{ "Export" }</button>
            <a class="btn" href={super::forward::PLAYGROUND} aria-label="Back to a single-group run">{ "Single group" }</a>
            <p class="hint groups-note" data-testid="no-time-travel">
                { format!("Time travel is off for multi-group runs: they only go forward (at most {MAX_FRAME_VIRTUAL_MS} virtual ms a frame). A link or a scenario reopens one from its start.") }
            </p>
            if let Some(url) = (*link).clone() {
                <label class="field share-row">
                    <span>{ "Link to this run" }</span>
                    <input type="text" readonly=true value={url} aria-label="Multi-group share link" data-testid="groups-share-link" />
                </label>
            }
        </div>
    }
}

/// The machines view: one box per machine, and the group picker above it.
#[function_component(Machines)]
fn machines() -> Html {
    let sim = use_groups();
    let v = &sim.view;
    let pick = |g: usize| {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(GroupsAction::Choose(g)))
    };
    let coalesce = {
        let sim = sim.clone();
        let on = v.coalesce_ms.is_none();
        Callback::from(move |_| sim.dispatch(GroupsAction::SetCoalesce(on)))
    };
    let spread: Vec<String> = v
        .machines
        .iter()
        .filter(|m| m.leads > 0)
        .map(|m| format!("M{} leads {}", m.id, m.leads))
        .collect();
    html! {
        <section class="panel machines-panel" aria-labelledby="machines-title">
            <h2 id="machines-title">{ "Machines" }</h2>
            <p class="hint">
                { "Each machine hosts one replica of several Raft groups; crashing it hits every group with a replica there. " }
                { match v.coalesce_ms { Some(ms) => format!("Heartbeats are coalesced per machine pair every {ms} ms."), None => "Every replica sends its own heartbeats.".to_string() } }
            </p>
            <div class="group-picker" role="group" aria-label="Show group">
                { for v.groups.iter().map(|g| html! {
                    <button class={classes!("btn", "group-pick", format!("grp-{}", g.index))} aria-pressed={(g.index == sim.chosen).to_string()}
                            onclick={pick(g.index)} data-group={g.name.clone()}>
                        <span class="shape" aria-hidden="true">{ shape(g.index) }</span>
                        { format!(" {} ", g.name) }
                        <span class="hint">{ match g.leader { Some((l, m)) => format!("leader S{l} on M{m}, term {}", g.term), None => format!("no leader, term {}", g.term) } }</span>
                    </button>
                }) }
            </div>
            <div class="field-row">
                <button class="btn toggle" aria-pressed={v.coalesce_ms.is_some().to_string()} onclick={coalesce}
                        title="Starts the run again from 0: a run cannot change this midway">{ "Coalesce heartbeats" }</button>
                <span data-testid="heartbeat-cost">{ format!("{:.0} messages per machine per second", v.sent_per_machine_per_s) }</span>
            </div>
            <p class="leader-spread" data-testid="leader-spread">
                { "Leaders: " }{ if spread.is_empty() { "none yet".to_string() } else { spread.join(", ") } }
            </p>
            <ul class="machines">
                { for v.machines.iter().map(|m| html! { <MachineBox machine={m.clone()} /> }) }
            </ul>
        </section>
    }
}

/// Properties of [`MachineBox`].
#[derive(Properties, PartialEq)]
struct MachineProps {
    machine: MachineView,
}

#[function_component(MachineBox)]
fn machine_box(p: &MachineProps) -> Html {
    let sim = use_groups();
    let m = &p.machine;
    let id = m.id;
    let act = |a: GroupsAction| {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(a.clone()))
    };
    let state = match m.state {
        MachineState::Up => "up",
        MachineState::Down => "down",
        MachineState::Paused => "frozen",
    };
    html! {
        <li class={classes!("machine", format!("machine-{state}"))} data-machine={id.to_string()} data-state={state}>
            <h3>
                { format!("M{id}") }
                <span class="machine-state">{ format!(" ({state})") }</span>
                if m.leads > 0 {
                    <span class="leads">{ format!(" leads {} group{}", m.leads, if m.leads == 1 { "" } else { "s" }) }</span>
                }
            </h3>
            <ul class="replicas">
                { for m.replicas.iter().map(|r| html! {
                    <li class={classes!("replica", format!("grp-{}", r.group), format!("role-{}", r.role))} data-group={r.group_name.clone()} data-role={r.role}>
                        <span class="shape" aria-hidden="true">{ shape(r.group) }</span>
                        { format!(" {} S{} ", r.group_name, r.replica) }
                        if r.role == "leader" { <strong>{ "leader" }</strong> } else { <span>{ r.role }</span> }
                        if r.role != "down" { <span class="hint">{ format!(" · term {}", r.term) }</span> }
                    </li>
                }) }
            </ul>
            <p class="hint sent">{ format!("sends {:.0} msg/s", m.sent_per_s) }</p>
            <div class="machine-actions">
                if m.state == MachineState::Down {
                    <button class="btn small" onclick={act(GroupsAction::Restart(id))} aria-label={format!("Restart M{id}")}>{ "Restart" }</button>
                } else {
                    <button class="btn small danger" onclick={act(GroupsAction::Crash(id))} aria-label={format!("Crash M{id}")}>{ "Crash" }</button>
                    if m.state == MachineState::Paused {
                        <button class="btn small" onclick={act(GroupsAction::Thaw(id))} aria-label={format!("Thaw M{id}")}>{ "Thaw" }</button>
                    } else {
                        <button class="btn small" onclick={act(GroupsAction::Freeze(id))} aria-label={format!("Freeze M{id}")}>{ "Freeze" }</button>
                    }
                }
            </div>
        </li>
    }
}

/// Every group's new leader, newest last, in a polite live region (role `log`).
#[function_component(Announcements)]
fn announcements() -> Html {
    let sim = use_groups();
    html! {
        <div class="announcements">
            <h2 id="elections-title">{ "Elections" }</h2>
            // Outside the live region: the placeholder is not news.
            if sim.announcements.is_empty() {
                <p class="hint">{ "No group has elected a leader yet: each new leader is listed here." }</p>
            }
            <div role="log" aria-live="polite" aria-labelledby="elections-title" data-testid="groups-announcer">
                { for sim.announcements.iter().map(|a| html! { <p>{ a.clone() }</p> }) }
            </div>
        </div>
    }
}

/// The lesson's goals or the scenario's expectations, checked live.
#[function_component(Goals)]
fn goals() -> Html {
    let sim = use_groups();
    if sim.goals.is_empty() {
        return Html::default();
    }
    let steps = sim
        .lesson
        .as_deref()
        .and_then(|l| super::lesson::steps(l).ok());
    let done = sim.goals.iter().filter(|g| g.met.is_some()).count();
    let act = |a: MultiAction| {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(GroupsAction::Act(a.clone())))
    };
    html! {
        <div class="groups-goals" data-testid="groups-goals">
            <h2>{ if sim.lesson.is_some() { "Lesson" } else { "Expectations" } }</h2>
            if let Some(steps) = &steps {
                <p class="lesson-title">{ steps.title.clone() }</p>
                { for steps.steps.iter().enumerate().filter(|(k, _)| *k == done.min(steps.steps.len() - 1)).map(|(_, st)| html! {
                    <div class="lesson-step">
                        <p>{ st.text.clone() }</p>
                        { for st.buttons.iter().map(|(label, a)| html! {
                            <button class="btn" onclick={act(a.clone())}>{ label.clone() }</button>
                        }) }
                    </div>
                }) }
            }
            <p data-testid="groups-goals-done">{ format!("{done} of {} met", sim.goals.len()) }</p>
            <ol class="goals">
                { for sim.goals.iter().map(|g| html! {
                    <li class={classes!(g.met.is_some().then_some("met"))}>
                        { if g.met.is_some() { "✓ " } else { "○ " } }{ g.what.clone() }
                        if let Some(t) = g.met { <span class="hint">{ format!(" (met at {t} ms)") }</span> }
                    </li>
                }) }
            </ol>
        </div>
    }
}

/// The chosen group in today's single-group views: a shown [`Sim`] fed the group's view model
/// and event log; actions on it (crash one replica, cut a link) go to that group.
#[function_component(GroupDetail)]
fn group_detail() -> Html {
    let groups = use_groups();
    let shown = use_reducer({
        let (v, e, a) = (
            groups.group_view.clone(),
            groups.group_events.clone(),
            groups.animate,
        );
        move || Sim::showing(v, e, a)
    });
    {
        let shown = shown.clone();
        use_effect_with(
            (groups.group_view.clone(), groups.group_events.clone()),
            move |(v, e)| {
                if !Rc::ptr_eq(&shown.view, v) {
                    shown.dispatch(SimAction::Show(v.clone(), e.clone()));
                }
            },
        );
    }
    {
        let groups = groups.clone();
        let g = groups.chosen;
        use_effect_with(shown.forwarded.clone(), move |f| {
            if let Some((_, a)) = f {
                groups.dispatch(GroupsAction::Act(MultiAction::Group(g, a.clone())));
            }
        });
    }
    let g = groups.view.groups.get(groups.chosen);
    let name = g.map_or(String::new(), |g| g.name.clone());
    let placement: Vec<String> = groups
        .view
        .machines
        .iter()
        .flat_map(|m| {
            m.replicas
                .iter()
                .filter(|r| r.group == groups.chosen)
                .map(move |r| format!("S{} on M{}", r.replica, m.id))
        })
        .collect();
    html! {
        <ContextProvider<SimContext> context={shown.clone()}>
            <section class="panel cluster-panel group-detail" aria-labelledby="group-title">
                <h2 id="group-title">
                    <span class={classes!("shape", format!("grp-{}", groups.chosen))} aria-hidden="true">{ shape(groups.chosen) }</span>
                    { format!(" Group {name}: its ring, logs and messages") }
                </h2>
                <p class="hint" data-testid="group-placement">{ placement.join(", ") }</p>
                if let Some(n) = shown.notice.clone() {
                    <p class="hint" role="status">{ n }</p>
                }
                if let Some(v) = g.and_then(|g| g.violation.clone()) {
                    <p class="unsafe-banner" role="alert">{ format!("Safety violation: {v}") }</p>
                }
                <Cluster />
            </section>
            <section class="side group-side">
                <Logs />
                <EventLog />
            </section>
        </ContextProvider<SimContext>>
    }
}

/// Properties of [`GroupsFields`].
#[derive(Properties, PartialEq, Debug)]
pub struct GroupsFieldsProps {
    /// (groups, machines).
    pub value: (u32, u32),
    /// A new choice.
    pub onchange: Callback<(u32, u32)>,
}

/// The New run form's "Groups" and "Machines" choices: one group (the default) is the usual
/// page; 2 to [`MAX_PAGE_GROUPS`](super::run::MAX_PAGE_GROUPS) open a multi-group run on 1 to
/// [`MAX_PAGE_MACHINES`](super::run::MAX_PAGE_MACHINES) machines.
#[function_component(GroupsFields)]
pub fn groups_fields(p: &GroupsFieldsProps) -> Html {
    let (g, m) = p.value;
    let pick = |which: usize| {
        let (onchange, value) = (p.onchange.clone(), p.value);
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(n) = el.value().parse::<u32>() {
                onchange.emit(if which == 0 {
                    (n, value.1)
                } else {
                    (value.0, n)
                });
            }
        })
    };
    html! {
        <div class="field-row">
            <label class="field">
                <span>{ "Groups" }</span>
                <select onchange={pick(0)} aria-label="Raft groups">
                    { for (1..=super::run::MAX_PAGE_GROUPS).map(|k| html! {
                        <option value={k.to_string()} selected={k == g}>{ if k == 1 { "1 (default)".to_string() } else { k.to_string() } }</option>
                    }) }
                </select>
            </label>
            if g > 1 {
                <label class="field">
                    <span>{ "Machines" }</span>
                    <select onchange={pick(1)} aria-label="Machines">
                        { for (1..=super::run::MAX_PAGE_MACHINES).map(|k| html! {
                            <option value={k.to_string()} selected={k == m}>{ k }</option>
                        }) }
                    </select>
                </label>
            }
        </div>
    }
}

/// Properties of [`GroupsLoop`].
#[derive(Properties, PartialEq)]
struct LoopProps {
    running: bool,
}

/// The animation loop of the multi-group page: one `requestAnimationFrame` at a time, held
/// by the effect (dropping it cancels the frame), handing the reducer the wall time passed.
#[function_component(GroupsLoop)]
fn groups_loop(p: &LoopProps) -> Html {
    let sim = use_groups();
    let last = use_mut_ref(|| None::<f64>);
    let frame = sim.frame;
    let dispatcher = sim.dispatcher();
    use_effect_with((p.running, frame), move |&(running, _)| {
        let pending: Option<AnimationFrame> = if running {
            Some(request_animation_frame(move |ts| {
                let prev = last.borrow_mut().replace(ts);
                dispatcher.dispatch(GroupsAction::Frame(prev.map_or(16.0, |p| ts - p)));
            }))
        } else {
            *last.borrow_mut() = None;
            None
        };
        move || drop(pending)
    });
    Html::default()
}
