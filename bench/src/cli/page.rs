//! Section 5 of the table: the page (issue #14). Its size comes from `dist/` (and, for the
//! largest items, from `twiggy` on the build's `.wasm` before wasm-bindgen and wasm-opt, which
//! still has names); its timings and memory from the browser benchmark, which the e2e tests
//! write to `e2e/artifacts/browser-figures.json`. Keys starting with `before_` come from the
//! same benchmark run against an older build (`BENCH_LABEL=before`) and are printed beside
//! today's.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::table::Row;
use super::{group, Opts, Res};

/// The `.wasm` with names: cargo's output for the browser build, before wasm-bindgen strips
/// and wasm-opt shrinks it (so its sizes are larger than the served file's).
const NAMED_WASM: &str = "target/wasm32-unknown-unknown/wasm-release/web.wasm";
/// How many of the largest items to print.
const TOP_ITEMS: usize = 6;

fn gzip_len(path: &Path, level: &str) -> Res<u64> {
    Command::new("gzip")
        .arg(level)
        .arg("-c")
        .arg(path)
        .output()
        .map(|o| o.stdout.len() as u64)
        .map_err(|e| format!("gzip: {e}"))
}

/// The largest code and data items of the named `.wasm`, by `twiggy top` (custom sections,
/// which the served file does not carry, left out).
fn top_items(wasm: &Path) -> Result<String, String> {
    let out = Command::new("twiggy")
        .args(["top", "-n", "40", "--format", "json"])
        .arg(wasm)
        .output()
        .map_err(|e| format!("twiggy is not installed ({e}): cargo install twiggy"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let items: Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let list: Vec<String> = items
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| Some((i["name"].as_str()?, i["shallow_size"].as_u64()?)))
        .filter(|(name, _)| !name.contains("section") && !name.contains("subsection"))
        .take(TOP_ITEMS)
        .map(|(name, size)| format!("{} {}", short(name), kib(size)))
        .collect();
    Ok(list.join(", "))
}

/// A symbol without its hash and generic noise, at most 60 characters.
fn short(name: &str) -> String {
    // Rust's legacy mangling ends a symbol with "::h" and 16 hex digits.
    let name = match name.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            head
        }
        _ => name,
    };
    let name = name.replace("serde_core::de::Deserialize for ", "Deserialize ");
    if name.chars().count() > 60 {
        format!("{}…", name.chars().take(59).collect::<String>())
    } else {
        name
    }
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// The `.wasm` in `dir` whose name starts with `bin` (trunk names it after the binary, and a
/// hash for a page's own), if there is one.
fn wasm_in(dir: &Path, bin: &str) -> Option<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .ok()
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.extension().is_some_and(|x| x == "wasm")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(bin))
        })
}

/// The parts of the page downloaded apart (issue 14), by where they are under `dist/` and the
/// binary they are built from: the playground, which every visit downloads, and what is
/// downloaded only when it is opened.
const PARTS: &[(&str, &str, &str)] = &[
    ("", "web-", "playground: what a first visit downloads"),
    (
        "groups",
        "groups-",
        "multi-group page (groups/): downloaded only when a multi-group run is opened",
    ),
    (
        "",
        "byo_worker",
        "the classroom grader's worker (Your Raft…, issue 18): downloaded only when that dialog opens",
    ),
    (
        "",
        "your_raft",
        "the Your Raft… dialog itself (issue 18): downloaded only when that dialog opens",
    ),
    (
        "",
        "files",
        "scenario and trace files (issue 14): downloaded only when a trace is opened or a file downloaded",
    ),
];

/// Adds the page's rows.
pub(super) fn page(o: &Opts, rows: &mut Vec<Row>, notes: &mut Vec<String>) -> Res<()> {
    // (part, raw, gzip -9) of every part found.
    let mut sizes = Vec::new();
    for (sub, bin, what) in PARTS {
        let dir = o.dist.join(sub);
        match wasm_in(&dir, bin) {
            Some(p) => {
                let raw = std::fs::metadata(&p).map_err(|e| e.to_string())?.len();
                let gz = gzip_len(&p, "-6")?;
                let gz9 = gzip_len(&p, "-9")?;
                let age = std::fs::metadata(&p)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .map_or(String::new(), |d| {
                        format!(", built {} min ago", d.as_secs() / 60)
                    });
                let goal = if *bin == "web-" {
                    "goal ≤ 250 KB gzip; "
                } else {
                    ""
                };
                rows.push(Row::new(
                    "5 page",
                    &format!(
                        "release .wasm size, {what} (raw / gzip default level / gzip -9 as ./x serve sends it)"
                    ),
                    format!("{} B / {} B / {} B", group(raw), group(gz), group(gz9)),
                    format!("{goal}{}{age}", p.display()),
                ));
                sizes.push((*what, raw, gz9));
            }
            None => rows.push(Row::new(
                "5 page",
                &format!("release .wasm size, {what}"),
                format!("not measured: no .wasm in {}", dir.display()),
                "run ./x build first".into(),
            )),
        }
    }
    if let [(_, first_raw, first_gz), rest @ ..] = sizes.as_slice() {
        if !rest.is_empty() {
            let (raw, gz) = rest
                .iter()
                .fold((*first_raw, *first_gz), |(r, g), (_, r2, g2)| {
                    (r + r2, g + g2)
                });
            rows.push(Row::new(
                "5 page",
                "first visit vs every part (.wasm, raw / gzip -9)",
                format!(
                    "first visit {} B / {} B; all parts {} B / {} B",
                    group(*first_raw),
                    group(*first_gz),
                    group(raw),
                    group(gz)
                ),
                "the multi-group page is a whole build (it repeats the playground's code); the grader's worker holds the grader alone; the Your Raft… dialog's part repeats yew".into(),
            ));
        }
    }
    rows.push(Row::new(
        "5 page",
        "largest items of the .wasm (twiggy top, with names: before wasm-bindgen and wasm-opt)",
        top_items(Path::new(NAMED_WASM)).unwrap_or_else(|e| format!("not measured: {e}")),
        NAMED_WASM.into(),
    ));

    let browser = o
        .browser_json
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|s| serde_json::from_str::<Value>(s.trim()).ok());
    let get = |k: &str| {
        browser
            .as_ref()
            .map(|b| b[k].clone())
            .filter(|v| !v.is_null())
    };
    let missing = "not measured yet (run the e2e tests)";
    let cell =
        |v: Option<Value>, unit: &str| v.map_or(missing.to_string(), |v| format!("{v} {unit}"));
    // Today's figure, and the same figure of the older build when it was measured too.
    let before = |k: &str, unit: &str, rest: &str| match get(&format!("before_{k}")) {
        Some(v) => format!("before: {v} {unit}; {rest}"),
        None => rest.to_string(),
    };
    rows.push(Row::new(
        "5 page",
        "time to first leader shown after load (default speed)",
        cell(get("first_leader_ms"), "ms"),
        "was 4,600–9,500 ms (issue #14); goal about 1 s".into(),
    ));
    let spacetime = |p: &str| match (
        get(&format!("{p}frame_spacetime_p50_ms")),
        get(&format!("{p}frame_spacetime_p95_ms")),
        get(&format!("{p}frame_spacetime_in_flight")),
        get(&format!("{p}svg_elements_under_load")),
    ) {
        (Some(a), Some(b), Some(n), Some(e)) => Some(format!(
            "{a} / {b} ms ({n} in flight on average while timed, {e} SVG elements)"
        )),
        _ => None,
    };
    rows.push(Row::new(
        "5 page",
        "frame time p50 / p95, 9 nodes, 4 clients, 133–200 ms links, 30% duplicates, elections 600–1200 ms, space-time view open",
        spacetime("").unwrap_or_else(|| missing.into()),
        spacetime("before_").map_or("budget 16.7 ms (60 fps)".into(), |b| {
            format!("before: {b}; budget 16.7 ms (60 fps)")
        }),
    ));
    // Main-thread work per frame of the same run (from a Chromium trace: the task that ran
    // each frame's animation callbacks), and the instrument's floor on this machine.
    let work = match (
        get("frame_spacetime_work_p50_ms"),
        get("frame_spacetime_work_p95_ms"),
        get("frame_spacetime_work_cpu_p50_ms"),
        get("frame_spacetime_work_cpu_p95_ms"),
        get("frame_spacetime_work_over_budget"),
    ) {
        (Some(a), Some(b), Some(c), Some(d), Some(o)) => {
            // "name value, name value" of a figure that is an object of numbers.
            let listed = |key: &str| {
                get(key).and_then(|v| {
                    v.as_object().map(|m| {
                        m.iter()
                            .map(|(k, v)| format!("{k} {v}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                })
            };
            let parts = listed("frame_spacetime_work_parts_ms").unwrap_or_default();
            // The threads a frame's pixels also need (raster workers, compositor, display
            // compositor), when the figures have them: they share the machine's cores.
            let threads = listed("frame_spacetime_work_threads_ms")
                .map(|t| format!("; other threads' ms a frame: {t}"))
                .unwrap_or_default();
            format!(
                "{a} / {b} ms (thread time {c} / {d} ms), {} frames over 16.7 ms; thread ms a frame: {parts}{threads}",
                o.as_str().unwrap_or_default()
            )
        }
        _ => missing.into(),
    };
    let floor = match (
        get("frame_blank_p50_ms"),
        get("frame_blank_p95_ms"),
        get("frame_paused_p50_ms"),
        get("frame_paused_p95_ms"),
    ) {
        (Some(a), Some(b), Some(c), Some(d)) => format!(
            "floor on this machine: a page that only runs the frame loop {a} / {b} ms, the playground paused {c} / {d} ms"
        ),
        _ => "budget 16.7 ms".into(),
    };
    rows.push(Row::new(
        "5 page",
        "main-thread work per frame p50 / p95, the same run (Chromium trace)",
        work,
        floor,
    ));
    rows.push(Row::new(
        "5 page",
        "redraws per second at rest (status line changes, 5 nodes, default speed)",
        cell(get("rest_redraws_per_s"), "/s"),
        before(
            "rest_redraws_per_s",
            "/s",
            "about 20/s while nothing is in flight (web/src/frame_loop.rs QUIET_FRAME_MS)",
        ),
    ));
    // Two readings of the same rest: the tasks' wall time (DevTools' TaskDuration, which also
    // counts waiting for a core on a shared machine) and their thread time (what the page costs
    // the CPU), 3 s each (e2e/tests/perf.test.js).
    let idle = match (get("idle_cpu_percent"), get("idle_cpu_thread_percent")) {
        (Some(w), Some(t)) => format!("{t} % thread time ({w} % tasks' wall time)"),
        (w, _) => cell(w, "%"),
    };
    rows.push(Row::new(
        "5 page",
        "main-thread CPU, 5 nodes at rest, default speed",
        idle,
        before("idle_cpu_percent", "%", "goal ≤ 15%"),
    ));
    rows.push(Row::new(
        "5 page",
        "CPU while paused",
        cell(get("paused_cpu_percent"), "%"),
        String::new(),
    ));
    let memory = |p: &str| match (
        get(&format!("{p}memory_start_mb")),
        get(&format!("{p}memory_end_mb")),
        get(&format!("{p}long_run_virtual_s")),
        get(&format!("{p}memory_mb_per_virtual_min")),
    ) {
        (Some(a), Some(b), Some(t), Some(r)) => {
            let mut text = format!("{a} → {b} MB over {t} virtual s ({r} MB per virtual minute)");
            // What the page estimates it holds at the end, and how far back quick travel goes
            // (web/src/sim_driver/driver.rs: checkpoints within 16 MB, a bounded world).
            if let (Some(c), Some(w)) = (
                get(&format!("{p}memory_checkpoints_mb")),
                get(&format!("{p}memory_world_mb")),
            ) {
                text +=
                    &format!("; of it checkpoints {c} MB, the simulated world {w} MB (estimates)");
            }
            if let Some(q) = get(&format!("{p}quick_travel_from_virtual_s")) {
                text += &format!("; quick travel from {q} virtual s");
            }
            Some(text)
        }
        _ => None,
    };
    rows.push(Row::new(
        "5 page",
        "wasm memory, client load at 10× (high-water mark)",
        memory("").unwrap_or_else(|| missing.into()),
        memory("before_").map_or("was 1.6 → 155 MB in 2 min (issue #14)".into(), |b| {
            format!("before: {b}")
        }),
    ));
    // Several figures as "a ms / b ms", today's (prefix "") or the older build's ("before_").
    let times = |p: &str, keys: &[&str]| -> Option<String> {
        let vals: Option<Vec<String>> = keys
            .iter()
            .map(|k| get(&format!("{p}{k}")).map(|v| format!("{v} ms")))
            .collect();
        vals.map(|v| v.join(" / "))
    };
    let seek = ["seek_middle_ms", "seek_longest_task_ms"];
    rows.push(Row::new(
        "5 page",
        "seek to the middle of that run (until replayed / longest main-thread task)",
        times("", &seek).unwrap_or_else(|| missing.into()),
        times("before_", &seek).map_or("goal ≤ 100 ms of work per frame".into(), |b| {
            format!("before: {b}; goal ≤ 100 ms of work per frame")
        }),
    ));
    let reopen = [
        "reopen_shown_ms",
        "reopen_done_ms",
        "reopen_longest_task_ms",
    ];
    rows.push(Row::new(
        "5 page",
        "reopen that run from storage (page shown / replayed / longest task)",
        times("", &reopen).unwrap_or_else(|| missing.into()),
        times("before_", &reopen).map_or("was a blank page for 3–4 s (issue #14)".into(), |b| {
            format!("before: {b} (blank until replayed)")
        }),
    ));
    if browser.is_none() {
        notes.push(
            "Browser figures: none yet; the e2e tests (`./x test`) write e2e/artifacts/browser-figures.json."
                .into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_lose_their_hash_and_stay_short() {
        assert_eq!(
            short("web::sim_driver::reducer::Sim::refresh::hceb98e135c230f71"),
            "web::sim_driver::reducer::Sim::refresh"
        );
        assert_eq!(short(&"x".repeat(80)).chars().count(), 60);
        assert_eq!(short("yew::html::Html::ahead"), "yew::html::Html::ahead");
        assert_eq!(kib(2048), "2.0 KiB");
    }
}
