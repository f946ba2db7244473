//! The page: layout, the animation loop and the browser listeners (tab visibility, motion
//! preference, visibility in an embedding page, `postMessage`, dropped files, storage). The
//! simulation itself lives in [`crate::sim_driver`]; what to open at start-up is decided in
//! [`crate::open`].

use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use gloo_timers::callback::Timeout;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::browser;
use crate::components::announcer::Announcer;
use crate::components::cluster::Cluster;
use crate::components::controls::Controls;
use crate::components::event_log::{EventLogView, TrafficTap};
use crate::components::logs::LogsView;
use crate::components::metrics::MetricsView;
use crate::components::notice::Notice;
use crate::components::safety::SafetyView;
use crate::components::stagger::{Stagger, STAGGER_BELOW_MS};
use crate::components::transport::{FastStartNote, ReplayNote, Transport};
use crate::embed_api::{self, Command};
use crate::frame_loop::{frame_ms, AnimationLoop};
use crate::groups::{GroupsHost, GroupsStart, GroupsSwitch};
use crate::open::{self, Startup};
use crate::parts;
use crate::share;
use crate::sim_driver::{LoadRequest, Sim, SimAction, SimContext};
use crate::ui::embed::EmbedBar;
use crate::ui::lesson::LessonPanel;
use crate::ui::menu::RunMenu;
use crate::ui::walkthrough::Walkthrough;
use crate::url_params::{self, ControlsMode, PageParams};
use crate::view_model::{RoleView, Traffic};

const REDUCED_MOTION: &str = "(prefers-reduced-motion: reduce)";

/// Wall time a change of the run waits before it is written to storage (the newest change
/// replaces a pending write); leaving the page writes at once.
pub const SAVE_DEBOUNCE_MS: u32 = 400;

fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(REDUCED_MOTION).ok().flatten())
        .is_some_and(|m| m.matches())
}

fn document_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// The URL, read once, and what it asks the page to open.
#[derive(Debug, PartialEq)]
struct Boot {
    params: PageParams,
    startup: Startup,
    /// A plain visit (nothing in the address) by someone who has not seen the walkthrough.
    first_visit: bool,
    /// A multi-group run the URL asks for (`crate::groups`), and why one asked for could not open.
    groups: (Option<Rc<GroupsStart>>, Option<String>),
}

/// Properties of [`App`].
#[derive(Properties, PartialEq, Default, Debug)]
pub struct AppProps {
    /// `Some` in the groups page's build: multi-group runs open here. `None` (the
    /// playground): they are forwarded to the groups page.
    #[prop_or_default]
    pub groups_host: Option<GroupsHost>,
}

fn boot(host: Option<GroupsHost>) -> Boot {
    let (search, hash) = browser::location_parts();
    let params = url_params::parse(&search, &hash);
    let first_visit = search.trim_start_matches('?').is_empty()
        && hash.trim_start_matches('#').is_empty()
        && !browser::walkthrough_seen();
    let asked = host.map_or(Ok(None), |h| (h.open)(&params, browser::fresh_seed()));
    let groups = match asked {
        Ok(g) => (g.map(Rc::new), None),
        Err(e) => (
            None,
            Some(format!("That multi-group run could not be opened: {e}.")),
        ),
    };
    // Embedded playgrounds neither resume nor remember: a page may hold several of them. Nor
    // does a multi-group run (the single-group run underneath is a plain fresh one, and the
    // lesson or scenario the URL names is the multi-group run's).
    let stored = if params.embed || groups.0.is_some() {
        None
    } else {
        browser::load_run()
    };
    let single = if groups.0.is_some() {
        PageParams {
            lesson: None,
            scenario: None,
            ..params.clone()
        }
    } else {
        params.clone()
    };
    let startup = open::startup(&single, stored.as_deref(), browser::fresh_seed());
    if startup.notices.iter().any(|n| n.contains("saved run")) {
        browser::set_aside_stored_run();
    }
    if startup.from_link {
        // A reload now resumes the stored (continued) run, not the original link.
        browser::clear_hash();
    }
    Boot {
        params,
        startup,
        first_visit,
        groups,
    }
}

fn initial_sim(boot: &Boot) -> Sim {
    let p = &boot.params;
    let mut sim = Sim::new(boot.startup.settings.clone(), !prefers_reduced_motion());
    if let Some(speed) = p.speed {
        sim.speed_log = url_params::speed_log(speed);
    }
    let mut sim = Rc::new(sim);
    if let Some(load) = &boot.startup.load {
        let mut load = load.clone();
        if let Some(a) = p.autoplay {
            load.run.playing = a;
        }
        sim = sim.reduce(SimAction::Load(Box::new(load)));
    } else if p.autoplay == Some(false) {
        sim = sim.reduce(SimAction::SetPlaying(false));
    } else if !p.embed {
        // A fresh run, playing, on the page itself: skip the seconds in which nothing happens (said on the page).
        sim = sim.reduce(SimAction::FastStart);
    }
    if !boot.startup.notices.is_empty() {
        sim = sim.reduce(SimAction::Notify(boot.startup.notices.join(" ")));
    }
    if let Some(problem) = &boot.groups.1 {
        sim = sim.reduce(SimAction::Notify(problem.clone()));
    }
    (*sim).clone()
}

/// Carries out a command from the embedding page. While a multi-group run is open, only
/// `load` and `lesson` apply (the rest is refused with an error event).
fn handle_command(
    cmd: Command,
    sim: &SimContext,
    latest: &Sim,
    groups: &GroupsSwitch,
    in_groups: bool,
    host: Option<GroupsHost>,
) {
    match cmd {
        Command::LoadGroups(payload) => {
            if let Err(e) = groups.open_param(&payload) {
                browser::post_to_parent(&embed_api::error_event(&e));
            }
            return;
        }
        Command::Lesson(name) if crate::groups::lesson::is_group_lesson(&name) => {
            match host.map(|h| (h.lesson)(&name)) {
                Some(Ok(l)) => groups.0.emit(Some(l)),
                Some(Err(e)) => browser::post_to_parent(&embed_api::error_event(&e)),
                None => crate::groups::forward::open_lesson(&name),
            }
            return;
        }
        Command::Load(_) | Command::Lesson(_) if in_groups => groups.0.emit(None),
        Command::Load(_) | Command::Lesson(_) => {}
        _ if in_groups => {
            return browser::post_to_parent(&embed_api::error_event(
                "a multi-group run answers only load and lesson",
            ))
        }
        _ => {}
    }
    match cmd {
        Command::LoadGroups(_) => {}
        Command::Play => sim.dispatch(SimAction::SetPlaying(true)),
        Command::Pause => sim.dispatch(SimAction::SetPlaying(false)),
        Command::Reset => sim.dispatch(SimAction::Restart),
        Command::Load(s) => sim.dispatch(SimAction::Load(Box::new(LoadRequest {
            run: share::scenario_run(&s),
            lesson: None,
            notice: None,
            recorded: None,
        }))),
        Command::Lesson(name) => match crate::lessons::built_in(&name) {
            Ok(l) => sim.dispatch(SimAction::Load(Box::new(open::lesson_request(l)))),
            Err(e) => browser::post_to_parent(&embed_api::error_event(&e)),
        },
        Command::Act(a) => {
            let nodes: Vec<_> = latest
                .view
                .nodes
                .iter()
                .map(|n| (n.id, n.role == RoleView::Crashed, n.member))
                .collect();
            match embed_api::check_act(&a, &nodes) {
                Ok(()) => sim.dispatch(SimAction::Act(a)),
                Err(msg) => {
                    browser::post_to_parent(&embed_api::error_event(&msg));
                    sim.dispatch(SimAction::Notify(format!("Message refused: {msg}.")));
                }
            }
        }
        Command::Speed(f) => sim.dispatch(SimAction::SetSpeed(url_params::speed_log(f))),
        Command::State => {
            let v = &latest.view;
            let goals = latest.goals.as_ref();
            let state = serde_json::json!({
                "raft": "state",
                "t": v.now,
                "leader": v.metrics.leader,
                "term": v.metrics.term,
                "playing": latest.playing,
                "goals": goals.map_or(0, |g| g.expect.len()),
                "goals_met": goals.map_or(0, |g| g.done()),
                "lesson": latest.lesson.as_ref().map(|l| l.name.clone()),
            });
            browser::post_to_parent(&state.to_string());
        }
    }
}

/// The whole page. Owns the simulation reducer and provides it as a context.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let host = props.groups_host;
    let boot = use_memo((), move |()| boot(host));
    let sim = use_reducer({
        let boot = boot.clone();
        move || initial_sim(&boot)
    });
    let hidden = use_state(document_hidden);
    // A multi-group run, when one is open (a new one gets a new key: its page starts afresh).
    let groups = use_state({
        let g = boot.groups.0.clone();
        move || g.map(|g| (0u64, g))
    });
    let switch = {
        let groups = groups.clone();
        GroupsSwitch(
            Callback::from(move |g: Option<GroupsStart>| {
                match (host, g) {
                    // The playground's build: the groups page opens it.
                    (None, Some(g)) => crate::groups::forward::open_in_groups_page(&g),
                    (_, g) => {
                        let n = groups.as_ref().map_or(0, |(n, _)| n + 1);
                        groups.set(g.map(|g| (n, Rc::new(g))));
                    }
                }
            }),
            host.map(|h| h.readers),
        )
    };
    let in_groups = groups.is_some();
    let latest_groups = use_mut_ref(|| false);
    *latest_groups.borrow_mut() = in_groups;
    let offscreen = use_state(|| false);
    let params = &boot.params;
    let embed = params.embed;
    // The latest state, for listeners that outlive a render.
    let latest = use_mut_ref(|| (*sim).clone());
    *latest.borrow_mut() = (*sim).clone();

    // Theme and layout flags on the root element (www/lessons.css reads them).
    {
        let theme = params.theme;
        use_effect_with((), move |()| {
            browser::set_root_attr("data-theme", theme.as_str());
            if embed {
                browser::set_root_attr("data-embed", "1");
            }
        });
    }

    // Tab visibility: a hidden page does no work at all (the loop below stops).
    {
        let hidden = hidden.clone();
        use_effect_with((), move |()| {
            let listener = web_sys::window().and_then(|w| w.document()).map(|doc| {
                EventListener::new(&doc, "visibilitychange", move |_| {
                    hidden.set(document_hidden())
                })
            });
            move || drop(listener)
        });
    }
    // Embedded: pause while scrolled out of the embedding page's view. The observer and its
    // callback live in the effect and go with it.
    {
        let offscreen = offscreen.clone();
        use_effect_with(embed, move |&embed| {
            let observer = embed.then(|| {
                let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                    if let Ok(e) = entries
                        .at(-1)
                        .dyn_into::<web_sys::IntersectionObserverEntry>()
                    {
                        offscreen.set(!e.is_intersecting());
                    }
                });
                let obs = web_sys::IntersectionObserver::new(cb.as_ref().unchecked_ref()).ok();
                if let (Some(o), Some(root)) = (
                    &obs,
                    web_sys::window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.document_element()),
                ) {
                    o.observe(&root);
                }
                (obs, cb)
            });
            move || {
                if let Some((Some(o), _)) = &observer {
                    o.disconnect();
                }
                drop(observer);
            }
        });
    }
    // Motion preference, followed live.
    {
        let dispatcher = sim.dispatcher();
        use_effect_with((), move |()| {
            let mql = web_sys::window().and_then(|w| w.match_media(REDUCED_MOTION).ok().flatten());
            let listener = mql.map(|m| {
                EventListener::new(&m, "change", move |_| {
                    dispatcher.dispatch(SimAction::SetAnimate(!prefers_reduced_motion()))
                })
            });
            move || drop(listener)
        });
    }
    // The postMessage API (embed_api.rs): commands from the embedding page (or this page).
    {
        let sim = sim.clone();
        let latest = latest.clone();
        let switch = switch.clone();
        let latest_groups = latest_groups.clone();
        use_effect_with((), move |()| {
            let window = web_sys::window();
            let listener = window.clone().map(|w| {
                EventListener::new(&w.clone(), "message", move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::MessageEvent>() else {
                        return;
                    };
                    let from_parent_or_self = e.source().is_some_and(|src| {
                        js_sys::Object::is(&src, &w)
                            || w.parent()
                                .ok()
                                .flatten()
                                .is_some_and(|p| js_sys::Object::is(&src, &p))
                    });
                    if !from_parent_or_self {
                        return;
                    }
                    let data = e.data();
                    let text = data.as_string().or_else(|| {
                        js_sys::JSON::stringify(&data)
                            .ok()
                            .and_then(|s| s.as_string())
                    });
                    match text.as_deref().map(embed_api::parse) {
                        Some(Ok(Some(cmd))) => handle_command(
                            cmd,
                            &sim,
                            &latest.borrow(),
                            &switch,
                            *latest_groups.borrow(),
                            host,
                        ),
                        Some(Err(msg)) => {
                            browser::post_to_parent(&embed_api::error_event(&msg));
                            sim.dispatch(SimAction::Notify(format!("Message refused: {msg}")));
                        }
                        _ => {}
                    }
                })
            });
            browser::post_to_parent(r#"{"raft":"ready"}"#);
            move || drop(listener)
        });
    }
    // Events for the embedding page: the leader changed; a lesson was completed.
    {
        let m = &sim.view.metrics;
        let (leader, term, now) = (m.leader, m.term, sim.view.now);
        use_effect_with((leader, sim.generation), move |_| {
            browser::post_to_parent(&embed_api::leader_event(leader, term, now));
        });
        let complete = sim.goals.as_ref().is_some_and(|g| g.complete());
        // The lesson, or the scenario whose expectations were all met.
        let (kind, lesson) = match (&sim.lesson, &sim.scenario) {
            (Some(l), _) => ("lesson", Some(l.name.clone())),
            (None, Some(s)) => ("scenario", Some(s.name.clone())),
            (None, None) => ("lesson", None),
        };
        use_effect_with(complete, move |&complete| {
            if complete {
                let ev =
                    serde_json::json!({"raft": "lesson-complete", "lesson": lesson, "kind": kind});
                browser::post_to_parent(&ev.to_string());
            }
        });
        // Every notice goes to the embedding page too (when there is one): a frame without controls shows none
        // that a reader of the parent page would otherwise see.
        let notice = sim.notice.clone();
        use_effect_with(notice, move |n| {
            if let Some(text) = n {
                let ev = serde_json::json!({"raft": "notice", "message": text});
                browser::post_to_parent(&ev.to_string());
            }
        });
    }
    // Remember the run between visits (not in embeds): on every change of the timeline and
    // about once a virtual second, debounced by SAVE_DEBOUNCE_MS of wall time (a gloo timer
    // held here, so a newer change or the page going away cancels it), so a fast run does not
    // write the whole run to storage many times a second. Leaving the page (pagehide, or the
    // tab hidden) writes the run as it is then, so a reload resumes exactly where it was.
    {
        let key = (
            sim.generation,
            sim.timeline_len(),
            sim.view.now / 1000,
            sim.playing,
            sim.goals.as_ref().map_or(0, |g| g.done()),
        );
        let pending = use_mut_ref(|| None::<Timeout>);
        // Whether this page's run is the one to keep (not under a multi-group run), read when
        // the page goes away.
        let keep = use_mut_ref(|| false);
        *keep.borrow_mut() = !embed && !in_groups;
        {
            let latest = latest.clone();
            let pending = pending.clone();
            use_effect_with((), move |()| {
                // Written whether or not a change is pending: the debounced saves happen once a
                // virtual second, so a reload would otherwise go back up to a virtual second (20 s
                // of watching at the default speed).
                let flush = move || {
                    if *keep.borrow() {
                        pending.borrow_mut().take();
                        browser::save_run(&latest.borrow().run().to_json());
                    }
                };
                let flush = Rc::new(flush);
                let listeners = web_sys::window().filter(|_| !embed).map(|w| {
                    let f1 = flush.clone();
                    let hide = EventListener::new(&w, "pagehide", move |_| f1());
                    let doc = w.document();
                    let vis = doc.map(|d| {
                        let f2 = flush.clone();
                        EventListener::new(&d, "visibilitychange", move |_| {
                            if document_hidden() {
                                f2();
                            }
                        })
                    });
                    (hide, vis)
                });
                move || drop(listeners)
            });
        }
        let sim = sim.clone();
        use_effect_with(key, move |_| {
            // Under a multi-group run the single-group run is a blank one: the visitor's stays stored.
            if !embed && !in_groups {
                let sim = sim.clone();
                let timer = Timeout::new(SAVE_DEBOUNCE_MS, move || {
                    browser::save_run(&sim.run().to_json());
                });
                // Replacing the pending save cancels it: only the newest is written.
                *pending.borrow_mut() = Some(timer);
            }
        });
    }
    // Once the person opens another run in the page (a lesson, a scenario, a file, Start fresh),
    // the address stops naming the run it was opened with, so a reload resumes what is on
    // screen instead of reopening the old link (`url_params::search_after_load`).
    {
        let boot_generation = *use_mut_ref(|| sim.generation).borrow();
        let lesson = sim.lesson.as_ref().map(|l| l.name.clone());
        use_effect_with(sim.generation, move |&g| {
            if g != boot_generation && !embed && !in_groups {
                let (search, _) = browser::location_parts();
                browser::replace_search(&url_params::search_after_load(&search, lesson.as_deref()));
            }
        });
    }
    // A file dropped anywhere on the full page opens it.
    {
        let sim = sim.clone();
        let full = params.controls == ControlsMode::Full;
        let switch = switch.clone();
        use_effect_with(full, move |&full| {
            let listeners = web_sys::window().filter(|_| full).map(|w| {
                let opts = EventListenerOptions::enable_prevent_default();
                let over =
                    EventListener::new_with_options(&w, "dragover", opts, |e| e.prevent_default());
                let drop_l = EventListener::new_with_options(&w, "drop", opts, move |e| {
                    e.prevent_default();
                    let file = e
                        .dyn_ref::<web_sys::DragEvent>()
                        .and_then(|d| d.data_transfer())
                        .and_then(|dt| dt.files())
                        .and_then(|f| f.get(0));
                    if let Some(file) = file {
                        let sim = sim.clone();
                        let switch = switch.clone();
                        browser::read_file(file, move |r| {
                            // A version-2 scenario opens as a multi-group run.
                            if let Some(Ok(true)) = r.as_deref().ok().map(|t| switch.open_text(t)) {
                                return;
                            }
                            let done = move |r: Result<_, String>| match r {
                                Ok(req) => sim.dispatch(SimAction::Load(Box::new(req))),
                                Err(e) => sim.dispatch(SimAction::Notify(format!(
                                    "That file could not be opened: {e}. Your run is unchanged."
                                ))),
                            };
                            match r {
                                Ok(text) => parts::open_text(text, switch.files(), done),
                                Err(e) => done(Err(e)),
                            }
                        });
                    }
                });
                (over, drop_l)
            });
            move || drop(listeners)
        });
    }

    // A replay under way (a long run opened, a seek) goes on in frames, paused or not.
    let running = (sim.playing || sim.catching_up.is_some())
        && !*hidden
        && !*offscreen
        && !sim.halted()
        && !in_groups;
    // The text panels take turns while every animation frame is drawn (see [`Stagger`]); the
    // space-time diagram's traffic is recorded here meanwhile, at every frame.
    let stagger = use_mut_ref(|| Stagger::new(&sim));
    let [panels_a, panels_b] = stagger
        .borrow_mut()
        .shown(&sim, running && frame_ms(&sim) < STAGGER_BELOW_MS);
    let traffic = use_mut_ref(Traffic::default);
    if params.controls == ControlsMode::Full && !in_groups {
        traffic
            .borrow_mut()
            .observe(sim.view.now, &sim.view.messages);
    }
    let tap = TrafficTap(traffic.clone());
    let body = match (params.controls, (*groups).clone()) {
        (mode, Some((key, start))) => match host {
            Some(h) => (h.page)(
                key,
                crate::groups::page::GroupsPageProps {
                    start,
                    animate: !prefers_reduced_motion(),
                    notice: sim.notice.clone(),
                    embed: mode != ControlsMode::Full,
                },
            ),
            None => Html::default(),
        },
        (ControlsMode::Full, None) => html! {
            <div class={classes!("app", sim.goals.is_some().then_some("with-lesson"), sim.recorded.is_some().then_some("recorded"))}>
                <div class="topline">
                    <Transport />
                    <RunMenu your_raft={host.is_none()} />
                </div>
                <Notice />
                if let Some(m) = &sim.recorded {
                    <section class="recorded-banner" aria-label="Recorded run" data-testid="recorded-run">
                        <strong>{ format!("Recorded run: {}", m.source) }</strong>
                        { " — shown as recorded; actions that would change the run are off." }
                        { match (&m.test, m.note.is_empty()) {
                            (Some(test), _) if m.grader == crate::playback::DEFAULT_GRADER => format!(" Test {test}, graded by raft-sim grade: the node is not here to run again; rerun the replay command grade printed to run it."),
                            (Some(test), _) => format!(" Test {test}, graded by {}: grade your node there again to run it again.", m.grader),
                            (None, false) => format!(" {}", m.note),
                            (None, true) => String::new(),
                        } }
                    </section>
                }
                <Walkthrough show={boot.first_visit} />
                <main class="grid">
                    <section class="panel controls-panel" aria-label="Controls"
                             tabindex={sim.recorded.is_some().then_some("0")}>
                        if sim.recorded.is_some() {
                            // A recorded run has no simulator to act on: every control in the
                            // panel is off at once (the reducer refuses such actions anyway).
                            <fieldset class="recorded-off" disabled=true>
                                <legend class="visually-hidden">{ "Controls, off for a recorded run" }</legend>
                                <Controls />
                            </fieldset>
                        } else {
                            <Controls />
                        }
                    </section>
                    <section class="panel cluster-panel" aria-labelledby="cluster-title">
                        <h2 id="cluster-title" class="visually-hidden">{ "Cluster" }</h2>
                        if sim.lesson.is_none() && sim.recorded.is_none() && sim.settings.break_it.any() {
                            <p class="unsafe-banner page-unsafe" role="note" data-testid="unsafe-run">
                                <strong>{ "UNSAFE: " }</strong>
                                { "this run breaks a rule of Raft on purpose (New run, unsafe switches). Never in production." }
                            </p>
                        }
                        <FastStartNote />
                        <ReplayNote />
                        <Cluster />
                        <MetricsView sim={panels_a.clone()} />
                    </section>
                    <section class="side">
                        if sim.goals.is_some() {
                            <LessonPanel />
                        }
                        <LogsView sim={panels_a} />
                        <SafetyView sim={panels_b.clone()} />
                        <ContextProvider<TrafficTap> context={tap}>
                            <EventLogView sim={panels_b} />
                        </ContextProvider<TrafficTap>>
                    </section>
                </main>
            </div>
        },
        (mode, None) => html! {
            // A main landmark with a (visually hidden) heading: an embedded frame is a page of
            // its own for a screen reader.
            <main class={classes!("app", "compact", embed.then_some("embedded"))}>
                <h1 class="visually-hidden">{ "Raft cluster" }</h1>
                <section class="cluster-panel compact-cluster" aria-label="Cluster">
                    <Cluster />
                </section>
                if mode == ControlsMode::Minimal {
                    <EmbedBar />
                }
            </main>
        },
    };
    html! {
        <ContextProvider<SimContext> context={sim.clone()}>
            <ContextProvider<GroupsSwitch> context={switch}>
                <AnimationLoop {running} />
                { body }
                if !in_groups {
                    <Announcer />
                }
            </ContextProvider<GroupsSwitch>>
        </ContextProvider<SimContext>>
    }
}
