//! "Your Raft…" (issue 18, in the browser): a person pastes a Raft node written in JavaScript,
//! grades it with the classroom suite in a Web Worker, and opens a failing run in the views.
//!
//! This dialog is a part of its own (issue 14): `web/src/bin/your_raft.rs` builds it into
//! `your_raft.js` and `your_raft_bg.wasm`, which the playground downloads only when someone
//! opens "Your Raft…" ([`super::YourRaftDialog`], the playground's side, loads it and hands it
//! a run to open). It renders into an element of its own with its own Yew renderer, and talks
//! to the playground through two callbacks only: [`YourRaftProps::onclose`] and
//! [`YourRaftProps::onopen`] (the failing run's trace, as text).
//!
//! The worker (www/byo-worker.js with web/src/bin/byo_worker.rs) is started when the dialog
//! opens and stopped when it closes. What the worker says is parsed by [`parse`] and folded
//! into a [`Grading`] by [`Grading::apply`]: plain Rust, tested natively. A node stuck in an
//! endless loop blocks the worker, so the dialog watches: no word from a running worker for
//! [`STUCK_MS`] and it is terminated, the test is reported stuck, and a fresh worker is started.
//!
//! The code is kept in the browser's storage under [`CODE_KEY`] on every edit, so closing the
//! dialog or reloading the page loses nothing; the last results stay until the page is closed.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::grading::{
    grade_request, parse, pass_line, tests_request, Grading, RowState, WorkerSays, STUCK_MS,
};
use crate::ui::modal::Modal;

/// The worker's script, relative to the page.
pub const WORKER_URL: &str = "www/byo-worker.js";
/// Where the code is kept (the browser's local storage).
pub const CODE_KEY: &str = "raft-playground-your-node";
/// Longest code kept or graded, bytes.
pub const MAX_CODE_BYTES: usize = 512 * 1024;
/// Most seeds per test (the worker's bound too).
pub const MAX_SEEDS: u32 = 100;

// The grading: the newest state while the dialog is open, and kept while the page is open
// (the dialog closes to show a run; reopened, it shows the results again).
thread_local! {
    static LAST: RefCell<Grading> = RefCell::new(Grading::default());
    /// The teacher's tests file in use: (name, text); empty when none.
    static LAST_TESTS: RefCell<(String, String)> = const { RefCell::new((String::new(), String::new())) };
}

fn stored_code() -> String {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(CODE_KEY).ok().flatten())
        .unwrap_or_default()
}

fn store_code(code: &str) {
    if code.len() > MAX_CODE_BYTES {
        return;
    }
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(CODE_KEY, code);
    }
}

/// A running worker and the closures it calls (dropping it terminates the worker).
struct Live {
    worker: web_sys::Worker,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Live {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

fn spawn(on_says: Callback<WorkerSays>) -> Result<Live, String> {
    let worker = web_sys::Worker::new(WORKER_URL).map_err(|e| format!("{e:?}"))?;
    let says = on_says.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let text = e.data().as_string().unwrap_or_default();
            match parse(&text) {
                Ok(s) => says.emit(s),
                Err(err) => says.emit(WorkerSays::Error(format!(
                    "the grader said something the page does not understand ({err})"
                ))),
            }
        });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_e: web_sys::Event| {
        on_says.emit(WorkerSays::Error(format!(
            "the grader could not be loaded ({WORKER_URL})"
        )));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Live {
        worker,
        _on_message: on_message,
        _on_error: on_error,
    })
}

/// Properties of [`YourRaftDialog`].
#[derive(Debug, Properties, PartialEq)]
pub struct YourRaftProps {
    /// Close it.
    pub onclose: Callback<()>,
    /// Open a failing run in the views: its trace (JSON Lines). The playground opens it and
    /// closes the dialog, or says why it could not.
    pub onopen: Callback<Rc<String>>,
}

/// The dialog.
#[function_component(YourRaftDialog)]
pub fn your_raft_dialog(p: &YourRaftProps) -> Html {
    let grading = use_state(|| {
        LAST.with(|l| {
            let mut g = l.borrow().clone();
            // Closing the dialog stopped its worker: a grading under way then ended there.
            if g.running {
                g.cancel();
            }
            g.ready = false;
            // LAST is the newest state from here on: callbacks made at an earlier render (the
            // worker's messages, the watchdog) read it, and every update writes it.
            *l.borrow_mut() = g.clone();
            g
        })
    });
    let code = use_state(stored_code);
    let chosen = use_state(String::new);
    let seed = use_state(|| 1u32);
    let seeds = use_state(|| 1u32);
    let heard = use_mut_ref(|| 0.0f64);
    let live = use_mut_ref(|| None::<Live>);
    let generation = use_state(|| 0u32);
    // A teacher's tests file in use (name, text), and one sent to the worker but not yet
    // accepted (it answers with the new list, or an error).
    let extra = use_state(|| LAST_TESTS.with(|t| t.borrow().clone()));
    let pending = use_mut_ref(|| None::<(String, String)>);

    let update = {
        let grading = grading.clone();
        Callback::from(move |f: Box<dyn FnOnce(&mut Grading)>| {
            let mut g = LAST.with(|l| l.borrow().clone());
            f(&mut g);
            LAST.with(|l| *l.borrow_mut() = g.clone());
            grading.set(g);
        })
    };
    let on_says = {
        let update = update.clone();
        let code = code.clone();
        let heard = heard.clone();
        let extra = extra.clone();
        let pending = pending.clone();
        Callback::from(move |s: WorkerSays| {
            *heard.borrow_mut() = js_sys::Date::now();
            match &s {
                WorkerSays::Kit(text) => {
                    store_code(text);
                    code.set(text.clone());
                }
                WorkerSays::Ready(_) => {
                    if let Some(p) = pending.borrow_mut().take() {
                        LAST_TESTS.with(|t| *t.borrow_mut() = p.clone());
                        extra.set(p);
                    }
                }
                WorkerSays::Error(_) => drop(pending.borrow_mut().take()),
                _ => {}
            }
            update.emit(Box::new(move |g: &mut Grading| g.apply(s)));
        })
    };
    // A worker per generation: the dialog's opening, and each replacement of a stuck one.
    {
        let live = live.clone();
        let update = update.clone();
        let extra = (*extra).clone();
        let pending = pending.clone();
        use_effect_with(*generation, move |_| {
            match spawn(on_says) {
                Ok(l) => {
                    // A fresh worker knows the built-in suite only: hand it the teacher's file.
                    if !extra.1.is_empty() {
                        *pending.borrow_mut() = Some(extra.clone());
                        let _ = l
                            .worker
                            .post_message(&JsValue::from_str(&tests_request(&extra.1)));
                    }
                    *live.borrow_mut() = Some(l);
                }
                Err(e) => update.emit(Box::new(move |g: &mut Grading| {
                    g.apply(WorkerSays::Error(format!(
                        "this browser could not start the grader: {e}"
                    )))
                })),
            }
            let live = live.clone();
            move || drop(live.borrow_mut().take())
        });
    }
    // The watchdog.
    {
        let heard = heard.clone();
        let update = update.clone();
        let generation = generation.clone();
        let live = live.clone();
        use_effect_with((), move |()| {
            let interval = Interval::new(1_000, move || {
                let running = LAST.with(|l| l.borrow().running);
                if running && js_sys::Date::now() - *heard.borrow() > STUCK_MS {
                    drop(live.borrow_mut().take());
                    update.emit(Box::new(|g: &mut Grading| g.stuck()));
                    generation.set(*generation + 1);
                }
            });
            move || drop(interval)
        });
    }

    let post = {
        let live = live.clone();
        move |msg: String| {
            if let Some(l) = live.borrow().as_ref() {
                let _ = l.worker.post_message(&JsValue::from_str(&msg));
            }
        }
    };
    let on_code = {
        let code = code.clone();
        Callback::from(move |e: InputEvent| {
            let t: HtmlTextAreaElement = e.target_unchecked_into();
            let v = t.value();
            store_code(&v);
            code.set(v);
        })
    };
    let on_test = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            chosen.set(s.value());
        })
    };
    let number = |state: UseStateHandle<u32>, max: u32| {
        Callback::from(move |e: Event| {
            let i: HtmlInputElement = e.target_unchecked_into();
            let v = i.value().trim().parse::<u32>().unwrap_or(1).clamp(1, max);
            i.set_value(&v.to_string());
            state.set(v);
        })
    };
    let kit = |name: &'static str| {
        let post = post.clone();
        Callback::from(move |_| {
            post(serde_json::json!({"type": "kit", "name": name}).to_string());
        })
    };
    let code_too_long = code.len() > MAX_CODE_BYTES;
    let on_tests_file = {
        let post = post.clone();
        let pending = pending.clone();
        let update = update.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            let name = file.name();
            let post = post.clone();
            let pending = pending.clone();
            let update = update.clone();
            crate::browser::read_file(file, move |r| match r {
                Ok(text) => {
                    *pending.borrow_mut() = Some((name, text.clone()));
                    post(tests_request(&text));
                }
                Err(e) => update.emit(Box::new(move |g: &mut Grading| {
                    g.error = Some(format!("The tests file was not added: {e}"));
                })),
            });
        })
    };
    let on_no_tests_file = {
        let post = post.clone();
        let pending = pending.clone();
        Callback::from(move |_| {
            *pending.borrow_mut() = Some((String::new(), String::new()));
            post(tests_request(""));
        })
    };
    let on_grade = {
        let post = post.clone();
        let update = update.clone();
        let extra = extra.clone();
        let code = code.clone();
        let chosen = chosen.clone();
        let heard = heard.clone();
        let (seed, seeds) = (*seed, *seeds);
        Callback::from(move |_| {
            let names: Vec<String> = if chosen.is_empty() {
                Vec::new()
            } else {
                vec![(*chosen).clone()]
            };
            *heard.borrow_mut() = js_sys::Date::now();
            let n2 = names.clone();
            update.emit(Box::new(move |g: &mut Grading| g.start(&n2)));
            post(grade_request(&code, &names, seed, seeds, &extra.1));
        })
    };
    let on_stop = {
        let update = update.clone();
        let generation = generation.clone();
        let live = live.clone();
        Callback::from(move |_| {
            drop(live.borrow_mut().take());
            update.emit(Box::new(|g: &mut Grading| g.cancel()));
            generation.set(*generation + 1);
        })
    };
    let open_run = |trace: Rc<String>| {
        let onopen = p.onopen.clone();
        Callback::from(move |_| onopen.emit(trace.clone()))
    };

    let g = &*grading;
    let busy = g.running || !g.ready;
    html! {
        <Modal id="your-raft" title="Your Raft: grade a node written in JavaScript" onclose={p.onclose.clone()}>
            <p class="hint">
                { "Write a Raft node in JavaScript: a function " }<code>{ "createNode()" }</code>
                { " returning an object whose " }<code>{ "handle(input)" }</code>
                { " answers each input (a tick, a message, a client request) with what to persist, send, apply and reply. The grader runs it through the same tests, checkers and linearizability check as " }
                <code>{ "raft-sim grade" }</code>{ ", in this page. The protocol and the rules are in " }
                <a href="docs/classroom.md" target="_blank" rel="noopener">{ "docs/classroom.md" }</a>{ "; " }
                <code>{ "Math.random" }</code>{ " and clocks are off: draw from " }<code>{ "init.seed" }</code>{ ", read time from " }<code>{ "input.now" }</code>{ "." }
            </p>
            <div class="row your-raft-kits">
                <button class="btn" onclick={kit("skeleton")} disabled={busy} data-testid="kit-skeleton">{ "Start from the skeleton" }</button>
                <button class="btn" onclick={kit("buggy")} disabled={busy} data-testid="kit-buggy">{ "Load the example with a bug" }</button>
            </div>
            <label class="your-raft-code">
                <span>{ "Your node (JavaScript)" }</span>
                <textarea value={(*code).clone()} oninput={on_code} spellcheck="false" rows="16"
                          data-testid="your-raft-code" placeholder="function createNode() { return { handle(input) { return {}; } }; }" />
            </label>
            if code_too_long {
                <p class="error" role="alert">{ format!("The code is longer than {} KB: it is neither kept nor graded.", MAX_CODE_BYTES / 1024) }</p>
            }
            <div class="row your-raft-teacher">
                <label>{ "A teacher's tests (JSON, as raft-sim grade --tests reads) " }
                    <input type="file" accept=".json,application/json" onchange={on_tests_file} disabled={busy} data-testid="your-raft-tests-file" />
                </label>
                if !extra.0.is_empty() {
                    <span data-testid="your-raft-tests-name">{ format!("in use: {}", extra.0) }</span>
                    <button class="btn small" onclick={on_no_tests_file} disabled={busy}>{ "Built-in tests only" }</button>
                }
            </div>
            <div class="row your-raft-options">
                <label>{ "Test " }
                    <select onchange={on_test} disabled={busy} data-testid="your-raft-test">
                        <option value="" selected={chosen.is_empty()}>{ format!("all {}", g.tests.len()) }</option>
                        { for g.tests.iter().map(|t| html! {
                            <option value={t.name.clone()} selected={*chosen == t.name} title={t.about.clone()}>{ t.name.clone() }</option>
                        }) }
                    </select>
                </label>
                <label>{ "First seed " }
                    <input type="number" min="1" max="4294967295" value={seed.to_string()} onchange={number(seed.clone(), u32::MAX)} disabled={busy} class="num" />
                </label>
                <label>{ "Seeds per test " }
                    <input type="number" min="1" max={MAX_SEEDS.to_string()} value={seeds.to_string()} onchange={number(seeds.clone(), MAX_SEEDS)} disabled={busy} class="num"
                           title="Each test runs over this many seeds, from the seed on, until one fails" />
                </label>
                if g.running {
                    <button class="btn" onclick={on_stop} data-testid="your-raft-stop">{ "Stop" }</button>
                } else {
                    <button class="btn primary" onclick={on_grade} disabled={busy || code.trim().is_empty() || code_too_long} data-testid="your-raft-grade">{ "Grade" }</button>
                }
            </div>
            <p class="your-raft-status" role="status" aria-live="polite" data-testid="your-raft-status">{ g.status() }</p>
            if let Some(e) = &g.error {
                <p class="error" role="alert" data-testid="your-raft-error">{ e.clone() }</p>
            }
            if !g.rows.is_empty() {
                <table class="your-raft-results" data-testid="your-raft-results">
                    <caption class="visually-hidden">{ "Results per test" }</caption>
                    <thead><tr><th scope="col">{ "Test" }</th><th scope="col">{ "Result" }</th><th scope="col">{ "Run" }</th></tr></thead>
                    <tbody>
                        { for g.rows.iter().map(|row| {
                            let (class, result, open) = match &row.state {
                                RowState::Waiting => ("waiting", html! { "waiting" }, Html::default()),
                                RowState::Running => ("running", html! { "running…" }, Html::default()),
                                RowState::Stopped(why) => ("fail", html! { <><strong>{ "NOT DONE " }</strong>{ why.clone() }</> }, Html::default()),
                                RowState::Done(r, trace) => match &r.failure {
                                    None => ("pass", html! { <><strong>{ "PASS " }</strong>{ pass_line(r) }</> }, Html::default()),
                                    Some(f) => {
                                        let nodes: Vec<String> = f.nodes.iter().map(|n| format!("S{n}")).collect();
                                        let who = if nodes.is_empty() { String::new() } else { format!(" ({})", nodes.join(", ")) };
                                        (
                                            "fail",
                                            html! { <><strong>{ format!("FAIL {}", f.property) }</strong>{ format!(" at {} ms{who}, seed {}: {}", f.time, r.seed, f.detail) }</> },
                                            match trace {
                                                Some(t) => html! { <button class="btn small" onclick={open_run(t.clone())} aria-label={format!("Open this run ({})", r.name)}>{ "Open this run" }</button> },
                                                None => Html::default(),
                                            },
                                        )
                                    }
                                },
                            };
                            html! {
                                <tr class={class} data-testid={format!("row-{}", row.name)}>
                                    <th scope="row">{ row.name.clone() }</th>
                                    <td>{ result }</td>
                                    <td>{ open }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
        </Modal>
    }
}
