//! The control panel: what to do to the selected node, to the cluster, to the network, and the
//! settings of a new run. Every control is a real `<button>` or `<input>` with a name.

use raft_sim::{Action, NetConfig};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::sim_driver::{use_sim, ResetSettings, Sim, SimAction};
use crate::ui::membership::MembershipControl;
use crate::view_model::{name, LinkView, MemberView, NodeView, RoleView};

/// Dispatches actions to the simulation. A memoized part of the panel holds this rather than
/// the whole state (which changes every frame): it always compares equal, so the part redraws
/// only when the values it shows change (issue 14: every part of the panel was rebuilt and
/// compared at every frame, 87 elements).
type Dispatch = UseReducerDispatcher<Sim>;

/// Parses a seed: decimal, or hexadecimal with `0x`. Explains what is wrong otherwise.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    let t = text.trim().replace('_', "");
    if t.is_empty() {
        return Err("Enter a seed: a whole number such as 42 or 0x2a.".into());
    }
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => t.parse::<u64>(),
    };
    parsed.map_err(|_| {
        format!(
            "“{}” is not a seed: use a whole number such as 42 or 0x2a.",
            text.trim()
        )
    })
}

/// Least and most extra delay of a reply that the "Slow replies" slider holds back, ms: the
/// MIT 6.824 labs' long reply delays, well past an election timeout, so that votes reach a
/// candidate after its timer fired (the late votes of raft-core's `campaigned_term`).
pub const SLOW_REPLY_MS: (u64, u64) = (200, 2_200);

/// The network as the sliders set it: latency `max`, with `min` two thirds of it; loss,
/// duplicates and slow replies in percent. What the sliders do not set (reordering) stays as
/// `was` has it.
pub fn net_config(
    was: &NetConfig,
    latency_max: u64,
    drop_pct: u32,
    dup_pct: u32,
    slow_pct: u32,
) -> NetConfig {
    let latency_max = latency_max.max(1);
    let slow = slow_pct.min(100) * 10_000;
    NetConfig {
        latency_min: (latency_max * 2 / 3).max(1),
        latency_max,
        drop_ppm: drop_pct.min(100) * 10_000,
        dup_ppm: dup_pct.min(100) * 10_000,
        reply_delay_ppm: slow,
        reply_delay_min: if slow > 0 { SLOW_REPLY_MS.0 } else { 0 },
        reply_delay_max: if slow > 0 { SLOW_REPLY_MS.1 } else { 0 },
        ..was.clone()
    }
}

/// The control panel.
#[function_component(Controls)]
pub fn controls() -> Html {
    html! {
        <>
            <NodeActions />
            <ClusterActions />
            <NetworkControls />
            <NewRun />
        </>
    }
}

fn act_cb(sim: &Dispatch, action: Action) -> Callback<MouseEvent> {
    let sim = sim.clone();
    Callback::from(move |_| sim.dispatch(SimAction::Act(action.clone())))
}

/// Properties of [`NodeActionsView`]: what it shows of the state.
#[derive(Properties, PartialEq)]
struct NodeActionsProps {
    /// The selected node's id.
    selected: Option<raft_core::types::NodeId>,
    /// The selected node as drawn (None: nothing selected, or it is gone).
    node: Option<NodeView>,
    /// The leader, if any.
    leader: Option<raft_core::types::NodeId>,
    /// Every link of the selected node is cut.
    isolated: bool,
    sim: Dispatch,
}

/// What to do to the selected node: reads the state, and draws [`NodeActionsView`] only when
/// what it shows changed.
#[function_component(NodeActions)]
fn node_actions() -> Html {
    let sim = use_sim();
    let node = sim
        .selected
        .and_then(|id| sim.view.nodes.iter().find(|n| n.id == id).cloned());
    let isolated = node.as_ref().is_some_and(|n| {
        sim.view
            .links
            .iter()
            .filter(|l| l.a == n.id || l.b == n.id)
            .all(|l| l.state != LinkView::Healthy)
    });
    html! {
        <NodeActionsView selected={sim.selected} {node} leader={sim.view.metrics.leader} {isolated}
                         sim={sim.dispatcher()} />
    }
}

#[function_component(NodeActionsView)]
fn node_actions_view(p: &NodeActionsProps) -> Html {
    let sim = &p.sim;
    // Selecting a node (click, Enter on it, or its name in the logs) moves focus to what can be
    // done to it, so a keyboard user need not Tab through the whole cluster to reach Crash.
    let first_button = use_node_ref();
    let shown = use_mut_ref(|| p.selected);
    {
        let first_button = first_button.clone();
        use_effect_with(p.selected, move |&selected| {
            let changed = *shown.borrow() != selected;
            *shown.borrow_mut() = selected;
            if changed && selected.is_some() {
                if let Some(b) = first_button.cast::<web_sys::HtmlElement>() {
                    let _ = b.focus();
                }
            }
        });
    }
    let Some(n) = p.node.clone() else {
        return html! {
            <div class="group">
                <h2>{ "Selected node" }</h2>
                <p class="hint block">{ "Click a node (or its name in the logs) to crash, isolate, promote, remove or compact it." }</p>
            </div>
        };
    };
    let id = n.id;
    let down = n.role == RoleView::Crashed;
    let (leader, isolated) = (p.leader, p.isolated);
    let deselect = {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(SimAction::Select(None)))
    };
    html! {
        // On a phone this group is a sheet pinned to the bottom of the screen (www/lessons.css),
        // so what can be done to the tapped node is on screen; Done puts it away.
        <div class="group node-sheet" role="region" aria-label={format!("Selected node {}", n.name)}>
            <button class="btn small sheet-done" onclick={deselect}>{ "Done" }</button>
            <h2>{ format!("Selected: {}", n.name) }<span class="hint">{ format!("{} · term {}{}{}", crate::components::cluster::ring_word(&n), n.term, if n.paused { " · frozen" } else { "" }, disk_hint(&n)) }</span></h2>
            <div class="buttons">
                if down {
                    <button class="btn" ref={first_button.clone()} onclick={act_cb(sim, Action::Restart { node: id })} aria-label={format!("Restart {}", n.name)}>{ "Restart" }</button>
                } else {
                    <button class="btn danger" ref={first_button} onclick={act_cb(sim, Action::Crash { node: id })} aria-label={format!("Crash {}", n.name)}>{ "Crash" }</button>
                }
                // "Freeze", not "Pause": the run's own Pause button keeps its name to itself.
                if n.paused {
                    <button class="btn" onclick={act_cb(sim, Action::Resume { node: id })}
                            aria-label={format!("Thaw {}", n.name)}
                            title="Resume it: the time it missed passes at once, then what waited for it arrives">{ "Thaw" }</button>
                } else {
                    <button class="btn" onclick={act_cb(sim, Action::Pause { node: id })} disabled={down}
                            aria-label={format!("Freeze {}", n.name)}
                            title="Freeze it as a long garbage-collection pause would: no timers, nothing delivered; it keeps the view it had">{ "Freeze" }</button>
                }
                <button class="btn" onclick={act_cb(sim, Action::Isolate { node: id })} disabled={isolated}
                        aria-label={format!("Isolate {}", n.name)}>{ "Isolate" }</button>
                <button class="btn" onclick={act_cb(sim, Action::Campaign { node: id })} disabled={down || n.role == RoleView::Leader}
                        aria-label={format!("Time out now ({})", n.name)} title="Make its election timer fire now">{ "Time out now" }</button>
                <button class="btn" onclick={act_cb(sim, Action::TransferLeader { to: id })}
                        disabled={down || leader.is_none() || leader == Some(id) || n.member != MemberView::Voter}
                        aria-label={format!("Make leader ({})", n.name)} title="Transfer leadership to it">{ "Make leader" }</button>
            </div>
            <DiskControl node={id} name={n.name.clone()} ms={n.disk_ms} />
            <h3 class="subhead">{ "Membership and log" }<span class="hint">{ n.member.as_str() }</span></h3>
            <div class="buttons">
                <button class="btn" onclick={act_cb(sim, Action::Promote { node: id })}
                        disabled={leader.is_none() || n.member != MemberView::Learner}
                        aria-label={format!("Promote to voter ({})", n.name)}
                        title="Learners only: the leader makes it a voter (a single-server change)">{ "Promote to voter" }</button>
                <button class="btn" onclick={act_cb(sim, Action::Remove { node: id })}
                        disabled={leader.is_none() || matches!(n.member, MemberView::Removed)}
                        aria-label={format!("Remove {} from the cluster", n.name)}
                        title="The leader removes it from the configuration">{ "Remove" }</button>
                <button class="btn" onclick={act_cb(sim, Action::Compact { node: id })} disabled={down || n.applied == 0}
                        aria-label={format!("Compact log now ({})", n.name)}
                        title="Snapshot its state machine at the applied index and drop the log up to there">{ "Compact log now" }</button>
            </div>
            if let Some(l) = leader.filter(|&l| l != id) {
                <p class="hint block">{ format!("Current leader: {}", name(l)) }</p>
            }
        </div>
    }
}

/// The disk write times a node can be given (ms); 0 is an instant disk.
pub const DISK_CHOICES: [u64; 5] = [0, 5, 20, 100, 500];

/// " · disk 20 ms · writing" for a node with a slow disk, "" for an instant one.
fn disk_hint(n: &crate::view_model::NodeView) -> String {
    match (n.disk_ms, n.writing) {
        (0, _) => String::new(),
        (ms, true) => format!(" · disk {ms} ms · writing"),
        (ms, false) => format!(" · disk {ms} ms"),
    }
}

/// Properties of [`DiskControl`].
#[derive(Properties, PartialEq)]
struct DiskProps {
    node: raft_core::types::NodeId,
    name: String,
    ms: u64,
}

/// How long each write to the selected node's disk takes: a slow disk delays everything the
/// node sends or applies from a Ready until the Ready is on disk (persist before you send,
/// Figure 2), so a slow leader disk slows every commit and a slow follower disk its answers.
#[function_component(DiskControl)]
fn disk_control(p: &DiskProps) -> Html {
    let sim = use_sim();
    let node = p.node;
    let onchange = Callback::from(move |e: Event| {
        let ms = e
            .target_unchecked_into::<HtmlSelectElement>()
            .value()
            .parse()
            .unwrap_or(0);
        sim.dispatch(SimAction::Act(Action::DiskLatency { node, ms }));
    });
    let choices = DISK_CHOICES
        .iter()
        .copied()
        .chain((!DISK_CHOICES.contains(&p.ms)).then_some(p.ms));
    html! {
        <label class="field inline disk" title="Its Ready waits for the write before anything in it is sent or applied (persist before you send): a slow leader disk slows every commit">
            <span>{ "Disk write time" }</span>
            <select aria-label={format!("Disk write time of {}", p.name)} {onchange}>
                { for choices.map(|ms| html! {
                    <option value={ms.to_string()} selected={ms == p.ms}>
                        { if ms == 0 { "instant".to_string() } else { format!("{ms} ms") } }
                    </option>
                }) }
            </select>
        </label>
    }
}

/// Properties of [`ClusterActionsView`]: what it shows of the state.
#[derive(Properties, PartialEq)]
struct ClusterActionsProps {
    /// Steady client load on.
    load: bool,
    /// Some link is cut or lossy.
    any_fault: bool,
    /// A node can be added (there is a leader and fewer than 9 nodes).
    can_add: bool,
    sim: Dispatch,
}

/// What to do to the whole cluster: reads the state, and draws [`ClusterActionsView`] only
/// when what it shows changed.
#[function_component(ClusterActions)]
fn cluster_actions() -> Html {
    let sim = use_sim();
    let any_fault = sim.view.links.iter().any(|l| l.state != LinkView::Healthy);
    let can_add = sim.view.metrics.leader.is_some() && sim.view.nodes.len() < 9;
    html! {
        <ClusterActionsView load={sim.client_load} {any_fault} {can_add} sim={sim.dispatcher()} />
    }
}

#[function_component(ClusterActionsView)]
fn cluster_actions_view(p: &ClusterActionsProps) -> Html {
    let sim = &p.sim;
    let request = {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(SimAction::ClientRequest))
    };
    let (load, any_fault) = (p.load, p.any_fault);
    html! {
        <div class="group">
            <h2>{ "Cluster" }</h2>
            <div class="buttons">
                <button class="btn" onclick={request} aria-label="Send a client request">{ "Client request" }</button>
                <button class={classes!("btn", "toggle", load.then_some("on"))} aria-pressed={load.to_string()}
                        onclick={act_cb(sim, Action::ClientLoad { on: !load })} aria-label="Client load"
                        title="A steady stream of client requests">
                    { "Client load" }
                </button>
                <button class="btn" onclick={act_cb(sim, Action::Heal)} disabled={!any_fault} aria-label="Heal all links">{ "Heal all" }</button>
                <button class="btn" onclick={act_cb(sim, Action::AddNode)} disabled={!p.can_add}
                        aria-label="Add a node" title="Start a new machine; the leader adds it as a learner">{ "Add a node" }</button>
                <MembershipControl />
            </div>
        </div>
    }
}

/// Properties of [`NetworkControlsView`].
#[derive(Properties, PartialEq)]
struct NetworkProps {
    /// The network settings in force.
    net: NetConfig,
    sim: Dispatch,
}

/// The network sliders: draws [`NetworkControlsView`] only when the settings change.
#[function_component(NetworkControls)]
fn network_controls() -> Html {
    let sim = use_sim();
    html! { <NetworkControlsView net={sim.net.clone()} sim={sim.dispatcher()} /> }
}

#[function_component(NetworkControlsView)]
fn network_controls_view(p: &NetworkProps) -> Html {
    let (sim, net) = (&p.sim, &p.net);
    // Latency (ms), loss, duplicates and slow replies (%), in the sliders' order.
    let now = [
        net.latency_max,
        u64::from(net.drop_ppm / 10_000),
        u64::from(net.dup_ppm / 10_000),
        u64::from(net.reply_delay_ppm / 10_000),
    ];
    // While a thumb moves, show its value; apply (one recorded action) when it is let go.
    let draft = use_state(|| None::<[u64; 4]>);
    let shown = draft.unwrap_or(now);
    let slider = |label: &'static str, max: u32, unit: &'static str, which: usize| {
        let min = u32::from(which == 0);
        let value = |e: &Event| -> u64 {
            e.target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse()
                .unwrap_or(0)
        };
        let draft2 = draft.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            let mut v = draft2.unwrap_or(shown);
            v[which] = value(&e);
            draft2.set(Some(v));
        });
        let sim2 = sim.clone();
        let draft3 = draft.clone();
        let net2 = net.clone();
        let onchange = Callback::from(move |e: Event| {
            let mut v = now;
            v[which] = value(&e);
            draft3.set(None);
            let pct = |x: u64| x.min(100) as u32;
            sim2.dispatch(SimAction::SetNetwork(net_config(
                &net2,
                v[0],
                pct(v[1]),
                pct(v[2]),
                pct(v[3]),
            )));
        });
        let at = shown[which];
        html! {
            <label class="slider row">
                <span>{ label }</span>
                <input type="range" min={min.to_string()} max={max.to_string()} step="1" value={at.to_string()}
                       aria-label={label} {oninput} {onchange} />
                <output class="mono">{ format!("{at}{unit}") }</output>
            </label>
        }
    };
    let slow_hint = format!(
        "Slow replies: that share of answers (votes, acknowledgements) arrives {}–{} s late, after the timers that waited for them fired",
        SLOW_REPLY_MS.0 as f64 / 1000.0,
        SLOW_REPLY_MS.1 as f64 / 1000.0
    );
    html! {
        <div class="group">
            <h2>{ "Network" }<span class="hint">{ format!("{}–{} ms one way", net.latency_min, net.latency_max) }</span></h2>
            { slider("Latency", 200, " ms", 0) }
            { slider("Loss", 50, " %", 1) }
            { slider("Duplicates", 30, " %", 2) }
            <div title={slow_hint}>{ slider("Slow replies", 50, " %", 3) }</div>
        </div>
    }
}

/// The New run form's fields.
#[derive(Clone)]
struct Form {
    seed: UseStateHandle<String>,
    nodes: UseStateHandle<u32>,
    pre_vote: UseStateHandle<bool>,
    check_quorum: UseStateHandle<bool>,
    break_it: UseStateHandle<raft_core::BreakIt>,
    error: UseStateHandle<Option<String>>,
}

impl Form {
    /// Shows `s`, the settings of the run on screen.
    fn show(&self, s: &ResetSettings) {
        self.seed.set(s.seed.to_string());
        self.nodes.set(s.nodes);
        self.pre_vote.set(s.pre_vote);
        self.check_quorum.set(s.check_quorum);
        self.break_it.set(s.break_it);
        self.error.set(None);
    }

    /// The settings the form holds, with the seed it parsed.
    fn settings(&self, seed: u64) -> ResetSettings {
        ResetSettings {
            seed,
            nodes: *self.nodes,
            pre_vote: *self.pre_vote,
            check_quorum: *self.check_quorum,
            break_it: *self.break_it,
        }
    }
}

/// Properties of [`NewRunView`].
#[derive(Properties, PartialEq)]
struct NewRunProps {
    /// The run's generation ([`Sim::generation`]).
    generation: u64,
    /// The settings of the run on screen.
    settings: ResetSettings,
    sim: Dispatch,
}

/// The New run form: draws [`NewRunView`] only when another run is opened.
#[function_component(NewRun)]
fn new_run() -> Html {
    let sim = use_sim();
    html! {
        <NewRunView generation={sim.generation} settings={sim.settings.clone()} sim={sim.dispatcher()} />
    }
}

#[function_component(NewRunView)]
fn new_run_view(p: &NewRunProps) -> Html {
    let form = Form {
        seed: use_state(|| p.settings.seed.to_string()),
        nodes: use_state(|| p.settings.nodes),
        pre_vote: use_state(|| p.settings.pre_vote),
        check_quorum: use_state(|| p.settings.check_quorum),
        break_it: use_state(|| p.settings.break_it),
        error: use_state(|| None::<String>),
    };
    // Raft groups and machines (one group: this page; more: a multi-group run, crate::groups).
    let groups = use_state(|| (1u32, crate::groups::link::DEFAULT_MACHINES));
    let switch = use_context::<crate::groups::GroupsSwitch>();
    // The form shows the run on screen: whatever opens a run (a lesson, a scenario, a link,
    // Start fresh) resets it to that run's settings, so Reset starts the run the page shows.
    {
        let form = form.clone();
        use_effect_with(
            (p.generation, p.settings.clone()),
            move |(_, s): &(u64, ResetSettings)| form.show(s),
        );
    }
    let Form {
        seed,
        nodes,
        pre_vote,
        check_quorum,
        break_it,
        error,
    } = form.clone();

    let on_seed = {
        let seed = seed.clone();
        let error = error.clone();
        Callback::from(move |e: InputEvent| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            error.set(parse_seed(&v).err().filter(|_| !v.trim().is_empty()));
            seed.set(v);
        })
    };
    let on_nodes = {
        let nodes = nodes.clone();
        Callback::from(move |e: Event| {
            if let Ok(n) = e
                .target_unchecked_into::<HtmlSelectElement>()
                .value()
                .parse()
            {
                nodes.set(n);
            }
        })
    };
    let toggle = |s: &UseStateHandle<bool>| {
        let s = s.clone();
        Callback::from(move |_| s.set(!*s))
    };
    let submit = {
        let sim = p.sim.clone();
        let (groups, switch) = (groups.clone(), switch.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match parse_seed(&form.seed) {
                Ok(s) if groups.0 > 1 => {
                    match (crate::groups::link::fresh(groups.0, groups.1, s), &switch) {
                        (Ok(g), Some(sw)) => sw.0.emit(Some(crate::groups::GroupsStart::of(g))),
                        (Err(e), _) => form.error.set(Some(e)),
                        (Ok(_), None) => {}
                    }
                }
                Ok(s) => {
                    form.error.set(None);
                    sim.dispatch(SimAction::Reset(form.settings(s)));
                }
                Err(msg) => form.error.set(Some(msg)),
            }
        })
    };
    let random = {
        let seed = seed.clone();
        let error = error.clone();
        Callback::from(move |_| {
            seed.set((getrandom::u64().unwrap_or(1) % 1_000_000).to_string());
            error.set(None);
        })
    };
    html! {
        <form class="group new-run" onsubmit={submit} aria-label="New run">
            <h2>{ "New run" }<span class="hint">{ "applied on reset" }</span></h2>
            <div class="field-row">
                <label class="field">
                    <span>{ "Seed" }</span>
                    <input type="text" inputmode="numeric" value={(*seed).clone()} oninput={on_seed} aria-label="Seed"
                           aria-invalid={error.is_some().to_string()} aria-describedby="seed-error" spellcheck="false" />
                </label>
                <button type="button" class="btn small" onclick={random} aria-label="Random seed" title="Pick a random seed">{ "Random" }</button>
                <label class="field">
                    <span>{ "Nodes" }</span>
                    <select onchange={on_nodes} aria-label="Number of nodes">
                        { for (1..=9u32).map(|k| html! { <option value={k.to_string()} selected={k == *nodes}>{ k }</option> }) }
                    </select>
                </label>
            </div>
            <crate::groups::page::GroupsFields value={*groups} onchange={{ let g = groups.clone(); Callback::from(move |v| g.set(v)) }} />
            <p id="seed-error" class="field-error" aria-live="polite">{ (*error).clone().unwrap_or_default() }</p>
            <div class="field-row">
                <label class="check"><input type="checkbox" checked={*pre_vote} onclick={toggle(&pre_vote)} aria-label="PreVote" />{ "PreVote" }</label>
                <label class="check"><input type="checkbox" checked={*check_quorum} onclick={toggle(&check_quorum)} aria-label="CheckQuorum" />{ "CheckQuorum" }</label>
                <button type="submit" class="btn primary" aria-label="Reset with these settings">{ "Reset" }</button>
            </div>
            <UnsafeSwitches value={*break_it} onchange={{ let b = break_it.clone(); Callback::from(move |v| b.set(v)) }} />
        </form>
    }
}

/// The unsafe switches: each breaks one rule of the paper, for watching the safety monitor
/// catch what follows. Which rule, and where the paper states it.
pub const UNSAFE_SWITCHES: &[(&str, &str)] = &[
    (
        "Commit entries of older terms by counting replicas",
        "breaks §5.4.2 (Figure 8)",
    ),
    (
        "Grant votes without the up-to-date log check",
        "breaks §5.4.1",
    ),
    (
        "Forget the vote on restart",
        "breaks Figure 2: votedFor is durable",
    ),
    (
        "Answer reads without confirming leadership",
        "breaks §6.4: a deposed leader serves stale data",
    ),
    (
        "Disks lose writes they acknowledged but had not synced (a crash loses the last 100 ms)",
        "breaks Figure 2: persist before responding",
    ),
];

fn switch(b: &raft_core::BreakIt, k: usize) -> bool {
    [
        b.commit_old_terms,
        b.skip_up_to_date_check,
        b.forget_vote_on_restart,
        b.stale_reads,
        b.lose_unsynced_writes,
    ][k]
}

fn with_switch(mut b: raft_core::BreakIt, k: usize, on: bool) -> raft_core::BreakIt {
    match k {
        0 => b.commit_old_terms = on,
        1 => b.skip_up_to_date_check = on,
        2 => b.forget_vote_on_restart = on,
        3 => b.stale_reads = on,
        _ => b.lose_unsynced_writes = on,
    }
    b
}

/// Properties of [`UnsafeSwitches`].
#[derive(Properties, PartialEq)]
struct UnsafeProps {
    value: raft_core::BreakIt,
    onchange: Callback<raft_core::BreakIt>,
}

/// The New run form's advanced part, closed by default and marked unsafe.
#[function_component(UnsafeSwitches)]
fn unsafe_switches(p: &UnsafeProps) -> Html {
    let on = p.value.any();
    html! {
        <details class={classes!("unsafe-switches", on.then_some("on"))} open={on}>
            <summary>{ "Advanced: unsafe switches" }<span class="unsafe-tag">{ "unsafe" }</span></summary>
            <p class="hint block">{ "Each switch breaks one rule of Raft on purpose, so you can watch the safety monitor catch the consequence. Applied on Reset; a run with one on is marked unsafe." }</p>
            { for UNSAFE_SWITCHES.iter().enumerate().map(|(k, (label, rule))| {
                let value = p.value;
                let onchange = p.onchange.clone();
                let checked = switch(&value, k);
                let onclick = Callback::from(move |_| onchange.emit(with_switch(value, k, !checked)));
                html! {
                    <label class="check unsafe-switch">
                        <input type="checkbox" {checked} {onclick} />
                        <span>{ *label }<span class="hint">{ format!(" ({rule})") }</span></span>
                    </label>
                }
            }) }
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_in_decimal_and_hex_and_bad_ones_explain() {
        assert_eq!(parse_seed(" 42 "), Ok(42));
        assert_eq!(parse_seed("0x2a"), Ok(42));
        assert_eq!(parse_seed("1_000"), Ok(1000));
        assert!(parse_seed("abc").unwrap_err().contains("not a seed"));
        assert!(parse_seed("").is_err());
        assert!(parse_seed("-1").is_err());
    }

    #[test]
    fn each_unsafe_switch_sets_its_own_rule() {
        let none = raft_core::BreakIt::default();
        for k in 0..UNSAFE_SWITCHES.len() {
            let b = with_switch(none, k, true);
            assert!(b.any());
            assert!(switch(&b, k));
            let others = (0..UNSAFE_SWITCHES.len()).filter(|&j| j != k);
            assert!(others.clone().all(|j| !switch(&b, j)), "switch {k} alone");
            assert_eq!(with_switch(b, k, false), none);
        }
    }

    #[test]
    fn network_sliders_make_a_valid_config() {
        let was = NetConfig {
            reorder_ppm: 7,
            ..NetConfig::default()
        };
        let c = net_config(&was, 30, 5, 2, 0);
        assert_eq!((c.latency_min, c.latency_max), (20, 30));
        assert_eq!((c.drop_ppm, c.dup_ppm), (50_000, 20_000));
        assert_eq!((c.reply_delay_ppm, c.reply_delay_max), (0, 0));
        assert_eq!(c.reorder_ppm, 7, "what no slider sets is kept");
        let slow = net_config(&was, 30, 0, 0, 25);
        assert_eq!(
            (
                slow.reply_delay_ppm,
                slow.reply_delay_min,
                slow.reply_delay_max
            ),
            (250_000, 200, 2_200)
        );
        assert_eq!(net_config(&was, 0, 0, 0, 0).latency_min, 1);
    }
}
