//! The run menu beside the transport bar: Lessons, Share, Open and Start fresh, and the dialogs
//! they open. Every button has an accessible name; errors are shown in the dialog and never
//! replace the run.

use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::browser;
use crate::lessons;
use crate::open;
use crate::parts::{self, FileToWrite};
use crate::share::Run;
use crate::sim_driver::{use_sim, ResetSettings, SimAction, SimContext};
use crate::ui::modal::Modal;
use crate::ui::shortcuts::Shortcuts;
use crate::ui::your_raft::YourRaftDialog;

#[derive(Clone, Copy, PartialEq)]
enum Dialog {
    Lessons,
    Share,
    Open,
    YourRaft,
}

/// Properties of [`RunMenu`].
#[derive(Properties, PartialEq)]
pub struct RunMenuProps {
    /// Offer "Your Raft…": on the playground's page, where the grader's worker and the
    /// JavaScript kit are served (not on the multi-group page, a build of its own).
    pub your_raft: bool,
}

/// The menu and whichever dialog is open.
#[function_component(RunMenu)]
pub fn run_menu(props: &RunMenuProps) -> Html {
    let sim = use_sim();
    let dialog = use_state(|| None::<Dialog>);
    // The dialog that was open last, so focus goes back to the button that opened it.
    let opened = use_mut_ref(|| None::<Dialog>);
    let lessons_btn = use_node_ref();
    let share_btn = use_node_ref();
    let open_btn = use_node_ref();
    let your_btn = use_node_ref();
    let show = |d: Dialog| {
        let dialog = dialog.clone();
        let opened = opened.clone();
        Callback::from(move |_| {
            *opened.borrow_mut() = Some(d);
            dialog.set(Some(d));
        })
    };
    let close = {
        let dialog = dialog.clone();
        Callback::from(move |_| dialog.set(None))
    };
    {
        // After the dialog is gone (the page is no longer inert), focus its opener.
        let refs = (
            lessons_btn.clone(),
            share_btn.clone(),
            open_btn.clone(),
            your_btn.clone(),
        );
        let opened = opened.clone();
        use_effect_with(*dialog, move |d| {
            if d.is_none() {
                let opener = match opened.borrow_mut().take() {
                    Some(Dialog::Lessons) => Some(&refs.0),
                    Some(Dialog::Share) => Some(&refs.1),
                    Some(Dialog::Open) => Some(&refs.2),
                    Some(Dialog::YourRaft) => Some(&refs.3),
                    None => None,
                };
                if let Some(b) = opener.and_then(|r| r.cast::<web_sys::HtmlElement>()) {
                    let _ = b.focus();
                }
            }
        });
    }
    let fresh = {
        let sim = sim.clone();
        Callback::from(move |_| {
            browser::clear_run();
            sim.dispatch(SimAction::Reset(
                ResetSettings::fresh(browser::fresh_seed()),
            ));
        })
    };
    html! {
        <nav class="runmenu" aria-label="Run">
            <button class="btn" ref={lessons_btn} onclick={show(Dialog::Lessons)} aria-haspopup="dialog" aria-label="Lessons">{ "Lessons" }</button>
            <button class="btn" ref={share_btn} onclick={show(Dialog::Share)} aria-haspopup="dialog" aria-label="Share"
                    disabled={sim.recorded.is_some()} title={sim.recorded.as_ref().map(|_| "A recorded run is shared as its trace file")}>{ "Share" }</button>
            <button class="btn" ref={open_btn} onclick={show(Dialog::Open)} aria-haspopup="dialog" aria-label="Open a scenario or trace">{ "Open…" }</button>
            if props.your_raft {
                <button class="btn" ref={your_btn} onclick={show(Dialog::YourRaft)} aria-haspopup="dialog" aria-label="Your Raft: grade a node written in JavaScript"
                        title="Grade your own Raft node, written in JavaScript, with the classroom tests">{ "Your Raft…" }</button>
            }
            <button class="btn" onclick={fresh} aria-label="Start fresh" title="Forget this run and start a new one with a random seed">{ "Start fresh" }</button>
            <Shortcuts />
            {
                match *dialog {
                    Some(Dialog::Lessons) => html! { <LessonsDialog onclose={close.clone()} /> },
                    Some(Dialog::Share) => html! { <ShareDialog onclose={close.clone()} /> },
                    Some(Dialog::Open) => html! { <OpenDialog onclose={close.clone()} /> },
                    Some(Dialog::YourRaft) => html! { <YourRaftDialog onclose={close.clone()} /> },
                    None => Html::default(),
                }
            }
        </nav>
    }
}

/// Properties of a dialog.
#[derive(Properties, PartialEq)]
pub struct DialogProps {
    /// Close it.
    pub onclose: Callback<()>,
}

/// A file name for this run's exports.
fn export_name(sim: &SimContext) -> String {
    if let Some(l) = &sim.lesson {
        format!("{}-run", l.name)
    } else if let Some(s) = sim.scenario.as_ref().filter(|s| !s.name.is_empty()) {
        format!("{}-run", s.name)
    } else {
        format!("playground-seed-{}", sim.settings.seed)
    }
}

/// The run as a scenario file to write, with the lesson's goals or the scenario's expectations.
fn scenario_file(sim: &SimContext, run: &Run) -> FileToWrite {
    let name = export_name(sim);
    let (description, expect) = match (&sim.lesson, &sim.scenario) {
        (Some(l), _) => (
            format!(
                "A run of the lesson “{}”, recorded in the Raft playground. Grade it with `raft-sim run FILE`.",
                l.file.title
            ),
            l.goals().to_vec(),
        ),
        (None, Some(s)) => (
            format!(
                "A run of the scenario “{}”, recorded in the Raft playground. {}",
                s.name, s.description
            ),
            s.expect.clone(),
        ),
        _ => (
            "Recorded in the Raft playground. Replay it with `raft-sim run FILE`.".to_string(),
            Vec::new(),
        ),
    };
    FileToWrite::Scenario {
        run: run.to_json(),
        name,
        description,
        expect: serde_json::to_string(&expect).unwrap_or_default(),
    }
}

#[function_component(ShareDialog)]
fn share_dialog(p: &DialogProps) -> Html {
    let sim = use_sim();
    // The run as it was when the dialog opened.
    let run = use_memo((), {
        let sim = sim.clone();
        move |()| sim.run()
    });
    let link = format!("{}#run={}", browser::page_base(), run.encode());
    let embed_src = format!("{}?embed=1#run={}", browser::page_base(), run.encode());
    let snippet = format!(
        "<iframe src=\"{embed_src}\" title=\"A Raft cluster\" width=\"100%\" height=\"420\" style=\"border:0;border-radius:10px\" loading=\"lazy\"></iframe>"
    );
    let copied = use_state(|| None::<&'static str>);
    let copy = |text: String, what: &'static str| {
        let copied = copied.clone();
        Callback::from(move |_| {
            browser::copy(&text);
            copied.set(Some(what));
        })
    };
    // The files are written by the files part (downloaded the first time: crate::parts).
    let file_error = use_state(|| None::<String>);
    let local = use_context::<crate::groups::GroupsSwitch>().and_then(|sw| sw.files());
    let download = |what: &'static str, ext: &'static str, mime: &'static str| {
        let sim = sim.clone();
        let run = run.clone();
        let file_error = file_error.clone();
        Callback::from(move |_| {
            file_error.set(None);
            let name = format!("{}.{ext}", export_name(&sim));
            let file = match ext {
                "json" => scenario_file(&sim, &run),
                _ => FileToWrite::Trace { run: run.to_json() },
            };
            let file_error = file_error.clone();
            parts::write_file(file, local, move |r| match r {
                Ok(text) => browser::download(&name, &text, mime),
                Err(e) => file_error.set(Some(format!("The {what} could not be made: {e}."))),
            });
        })
    };
    let download_scenario = download("scenario file", "json", "application/json");
    let download_trace = download("trace", "jsonl", "application/x-ndjson");
    let select_all = Callback::from(|e: FocusEvent| {
        if let Some(i) = e.target_dyn_into::<HtmlInputElement>() {
            i.select();
        } else if let Some(t) = e.target_dyn_into::<HtmlTextAreaElement>() {
            t.select();
        }
    });
    let summary = format!(
        "{} actions · {:.2} s · seed {}{}",
        run.actions.len(),
        run.now as f64 / 1000.0,
        run.options.seed,
        run.lesson
            .as_ref()
            .map(|l| format!(" · lesson {l}"))
            .unwrap_or_default()
    );
    let onclose = p.onclose.clone();
    html! {
        <Modal title="Share this run" id="share-dialog" onclose={onclose}>
            <p class="hint block">{ "Whoever opens the link gets exactly this run: the same options, seed and actions, replayed to the same moment." }</p>
            <p class="share-summary mono">{ summary }</p>
            <label class="share-field">
                <span>{ "Link" }</span>
                <div class="copy-row">
                    <input type="text" readonly=true value={link.clone()} aria-label="Share link" onfocus={select_all.clone()} data-testid="share-link" />
                    <button class="btn primary" onclick={copy(link.clone(), "link")} aria-label="Copy link">{ if *copied == Some("link") { "Copied ✓" } else { "Copy" } }</button>
                </div>
            </label>
            <label class="share-field">
                <span>{ "Embed in a page" }<a class="hint" href="www/embed.html" target="_blank">{ " how to embed ↗" }</a></span>
                <div class="copy-row">
                    <textarea readonly=true rows="3" aria-label="Embed code" onfocus={select_all} value={snippet.clone()} />
                    <button class="btn" onclick={copy(snippet, "embed")} aria-label="Copy embed code">{ if *copied == Some("embed") { "Copied ✓" } else { "Copy" } }</button>
                </div>
            </label>
            <div class="share-field">
                <span>{ "Files" }</span>
                <div class="buttons">
                    <button class="btn" onclick={download_scenario} aria-label="Download scenario file">{ "⬇ Scenario (.json)" }</button>
                    <button class="btn" onclick={download_trace} aria-label="Download trace file">{ "⬇ Trace (.jsonl)" }</button>
                </div>
                <p class="hint block">{ "Both run on the command line: " }<code>{ "raft-sim run FILE.json" }</code>{ " and " }<code>{ "raft-sim replay FILE.jsonl" }</code>{ "." }</p>
                if let Some(e) = &*file_error {
                    <p class="field-error" role="alert">{ e.clone() }</p>
                }
            </div>
        </Modal>
    }
}

#[function_component(OpenDialog)]
fn open_dialog(p: &DialogProps) -> Html {
    let sim = use_sim();
    let error = use_state(|| None::<String>);
    let text = use_state(String::new);
    let dragging = use_state(|| false);
    // Opens text; on failure the dialog stays, says why, and the run is untouched.
    let try_open = {
        let sim = sim.clone();
        let error = error.clone();
        let onclose = p.onclose.clone();
        let switch = use_context::<crate::groups::GroupsSwitch>();
        Callback::from(move |t: String| {
            match switch.as_ref().map_or(Ok(false), |sw| sw.open_text(&t)) {
                // A version-2 scenario (groups on machines) opens as a multi-group run.
                Ok(true) => onclose.emit(()),
                Err(e) => error.set(Some(e)),
                Ok(false) => {
                    // A trace may wait for the trace reader's download: no earlier error stays
                    // shown meanwhile.
                    error.set(None);
                    let (sim, error, onclose) = (sim.clone(), error.clone(), onclose.clone());
                    let local = switch.as_ref().and_then(|sw| sw.files());
                    parts::open_text(t, local, move |r| match r {
                        Ok(req) => {
                            sim.dispatch(SimAction::Load(Box::new(req)));
                            onclose.emit(());
                        }
                        Err(e) => error.set(Some(e)),
                    });
                }
            }
        })
    };
    let read = {
        let try_open = try_open.clone();
        let error = error.clone();
        move |file: web_sys::File| {
            let try_open = try_open.clone();
            let error = error.clone();
            browser::read_file(file, move |r| match r {
                Ok(t) => try_open.emit(t),
                Err(e) => error.set(Some(e)),
            });
        }
    };
    let on_file = {
        let read = read.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(f) = input.files().and_then(|f| f.get(0)) {
                read(f);
            }
            input.set_value("");
        })
    };
    let on_drop = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            e.stop_propagation();
            dragging.set(false);
            if let Some(f) = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0))
            {
                read(f);
            }
        })
    };
    let on_over = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(true);
        })
    };
    let on_leave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let on_text = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let on_paste_open = {
        let text = text.clone();
        let try_open = try_open.clone();
        Callback::from(move |_| try_open.emit((*text).clone()))
    };
    let builtin = crate::lessons::SCENARIOS.iter().map(|(name, json)| {
        let try_open = try_open.clone();
        let json = json.to_string();
        html! {
            <button class="btn small" onclick={Callback::from(move |_| try_open.emit(json.clone()))}
                    aria-label={format!("Open scenario {name}")}>{ *name }</button>
        }
    });
    html! {
        <Modal title="Open a scenario, trace or link" id="open-dialog" onclose={p.onclose.clone()}>
            <div class={classes!("dropzone", dragging.then_some("over"))} ondrop={on_drop} ondragover={on_over} ondragleave={on_leave}>
                <p>{ "Drop a scenario (" }<code>{ ".json" }</code>{ ") or a trace (" }<code>{ ".jsonl" }</code>{ ") here, or " }</p>
                <label class="btn primary file-btn">
                    { "Choose a file…" }
                    <input type="file" accept=".json,.jsonl,.txt,application/json" onchange={on_file} aria-label="Scenario or trace file" />
                </label>
            </div>
            <label class="share-field">
                <span>{ "…or paste a scenario, a trace or a share link" }</span>
                <textarea rows="5" spellcheck="false" aria-label="Pasted scenario, trace or link" value={(*text).clone()} oninput={on_text}
                          placeholder={"{ \"version\": 1, \"options\": { \"nodes\": 5 }, \"timeline\": [] }"} />
            </label>
            <div class="buttons">
                <button class="btn primary" onclick={on_paste_open} disabled={text.trim().is_empty()} aria-label="Open pasted text">{ "Open" }</button>
            </div>
            if let Some(e) = &*error {
                <p class="field-error open-error" role="alert" data-testid="open-error">{ format!("Not opened: {e}. Your current run is unchanged.") }</p>
            }
            <div class="share-field">
                <span>{ "Built-in scenarios" }</span>
                <div class="buttons wrap">{ for builtin }</div>
            </div>
        </Modal>
    }
}

#[function_component(LessonsDialog)]
fn lessons_dialog(p: &DialogProps) -> Html {
    let sim = use_sim();
    let items = lessons::BUILT_IN.iter().enumerate().filter_map(|(k, (n, s, l))| {
        let lesson = lessons::Lesson::parse(n, s, l).ok()?;
        let unsafe_ = lesson.scenario.options.break_it.any();
        let onclick = {
            let sim = sim.clone();
            let onclose = p.onclose.clone();
            let lesson = lesson.clone();
            Callback::from(move |_| {
                sim.dispatch(SimAction::Load(Box::new(open::lesson_request(lesson.clone()))));
                onclose.emit(());
            })
        };
        let current = sim.lesson.as_ref().is_some_and(|c| c.name == *n);
        Some(html! {
            <li class={classes!("lesson-item", current.then_some("current"))}>
                // Named by what it shows (no aria-label that could drift from it): "Start lesson:"
                // for screen readers, the title, the badge, the summary; the number is decoration.
                <button class="lesson-pick" {onclick}>
                    <span class="lesson-num" aria-hidden="true">{ k + 1 }</span>
                    <span class="lesson-body">
                        <strong><span class="visually-hidden">{ "Start lesson: " }</span>{ lesson.file.title.clone() }
                            if unsafe_ { <span class="unsafe-badge">{ " ⚠ unsafe switch" }</span> }
                        </strong>
                        <span class="hint">{ lesson.file.summary.clone() }</span>
                    </span>
                </button>
            </li>
        })
    });
    html! {
        <Modal title="Lessons" id="lessons-dialog" onclose={p.onclose.clone()}>
            <p class="hint block">{ "Each lesson sets up a cluster and asks you to make something happen. The simulator checks the goals live." }</p>
            <ol class="lesson-list">{ for items }</ol>
        </Modal>
    }
}
