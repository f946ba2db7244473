//! What the worker of "Your Raft…" says, and the grading it describes: plain Rust (no
//! browser), so every message and every step of a grading is tested natively.

use std::rc::Rc;

use serde_json::Value;

/// Wall-clock ms without a word from a grading worker after which its node is taken to be
/// stuck (a running test says it is alive about four times a second; one answer may take 2 s
/// and `init` 10 s before the grader itself stops it).
pub const STUCK_MS: f64 = 12_000.0;

/// One test of the suite.
#[derive(Debug, Clone, PartialEq)]
pub struct TestInfo {
    /// Its name.
    pub name: String,
    /// What it checks.
    pub about: String,
}

/// The first broken property of a failed test, as the grader reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureInfo {
    /// The property.
    pub property: String,
    /// Virtual ms.
    pub time: u64,
    /// Nodes involved.
    pub nodes: Vec<u64>,
    /// What was seen.
    pub detail: String,
}

/// A test's report, the fields the dialog shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportInfo {
    /// The test.
    pub name: String,
    /// Its seed (the failing one, or the last).
    pub seed: u64,
    /// `None`: passed.
    pub failure: Option<FailureInfo>,
    /// Virtual time reached, ms.
    pub end_ms: u64,
    /// Inputs fed to the nodes.
    pub steps: u64,
    /// Requests sent, answered.
    pub ops: (u64, u64),
}

/// What the worker says.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerSays {
    /// Loaded: the suite's tests.
    Ready(Vec<TestInfo>),
    /// A starter file's text.
    Kit(String),
    /// Still working.
    Alive,
    /// A test's report, and the failing run's trace.
    Report(Box<ReportInfo>, Option<Rc<String>>),
    /// The grading is over.
    Done,
    /// Something went wrong (the code does not load, a bad request).
    Error(String),
}

// Read through `serde_json::Value`, which the page parses with already, rather than derived
// deserializers: each derive adds its own code to the first visit's download (issue 14), and
// these few fields do not need it.
fn text(v: &Value, key: &str) -> Result<String, String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("missing text field `{key}`"))
}

fn number(v: &Value, key: &str) -> Result<u64, String> {
    v.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("missing number field `{key}`"))
}

fn report_info(r: &Value) -> Result<ReportInfo, String> {
    let failure = match r.get("failure") {
        None | Some(Value::Null) => None,
        Some(f) => Some(FailureInfo {
            property: text(f, "property")?,
            time: number(f, "time")?,
            nodes: f
                .get("nodes")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default(),
            detail: text(f, "detail")?,
        }),
    };
    let ops = r.get("ops").and_then(Value::as_array);
    let op = |k: usize| {
        ops.and_then(|a| a.get(k))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    Ok(ReportInfo {
        name: text(r, "name")?,
        seed: number(r, "seed")?,
        failure,
        end_ms: number(r, "end_ms")?,
        steps: number(r, "steps")?,
        ops: (op(0), op(1)),
    })
}

/// Reads one message of the worker.
///
/// # Errors
/// A message the page does not understand, with the reason.
pub fn parse(text_in: &str) -> Result<WorkerSays, String> {
    let v: Value = serde_json::from_str(text_in).map_err(|e| e.to_string())?;
    Ok(match v.get("type").and_then(Value::as_str) {
        Some("ready") => WorkerSays::Ready(
            v.get("tests")
                .and_then(Value::as_array)
                .ok_or("missing list `tests`")?
                .iter()
                .map(|t| {
                    Ok(TestInfo {
                        name: text(t, "name")?,
                        about: text(t, "about").unwrap_or_default(),
                    })
                })
                .collect::<Result<_, String>>()?,
        ),
        Some("kit") => WorkerSays::Kit(text(&v, "text")?),
        Some("alive") => WorkerSays::Alive,
        Some("report") => WorkerSays::Report(
            Box::new(report_info(v.get("report").ok_or("missing `report`")?)?),
            v.get("trace")
                .and_then(Value::as_str)
                .map(|t| Rc::new(t.to_string())),
        ),
        Some("done") => WorkerSays::Done,
        Some("error") => WorkerSays::Error(text(&v, "message")?),
        other => return Err(format!("unknown message type {other:?}")),
    })
}

/// Where a test stands.
#[derive(Debug, Clone, PartialEq)]
pub enum RowState {
    /// Not reached yet.
    Waiting,
    /// Being graded.
    Running,
    /// Done.
    Done(Box<ReportInfo>, Option<Rc<String>>),
    /// Not finished: the node got stuck, or the grading stopped.
    Stopped(String),
}

/// One line of the results.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The test.
    pub name: String,
    /// Where it stands.
    pub state: RowState,
}

/// The grading: the worker's state, the tests and the results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grading {
    /// The suite (empty until the worker is ready).
    pub tests: Vec<TestInfo>,
    /// The worker is loaded and idle.
    pub ready: bool,
    /// A grading is under way.
    pub running: bool,
    /// Results of the current or last grading, in order.
    pub rows: Vec<Row>,
    /// The last error, shown until the next grading.
    pub error: Option<String>,
}

impl Grading {
    /// A grading of `names` starts (all tests when empty).
    pub fn start(&mut self, names: &[String]) {
        let names: Vec<String> = if names.is_empty() {
            self.tests.iter().map(|t| t.name.clone()).collect()
        } else {
            names.to_vec()
        };
        self.rows = names
            .into_iter()
            .enumerate()
            .map(|(i, name)| Row {
                name,
                state: if i == 0 {
                    RowState::Running
                } else {
                    RowState::Waiting
                },
            })
            .collect();
        self.running = true;
        self.error = None;
    }

    /// Folds in what the worker said.
    pub fn apply(&mut self, says: WorkerSays) {
        match says {
            WorkerSays::Ready(tests) => {
                self.tests = tests;
                self.ready = true;
            }
            WorkerSays::Kit(_) | WorkerSays::Alive => {}
            WorkerSays::Report(r, trace) => {
                if let Some(row) = self.rows.iter_mut().find(|row| row.name == r.name) {
                    row.state = RowState::Done(r, trace);
                }
                if let Some(next) = self
                    .rows
                    .iter_mut()
                    .find(|row| row.state == RowState::Waiting)
                {
                    next.state = RowState::Running;
                }
            }
            WorkerSays::Done => self.finish("not run"),
            WorkerSays::Error(m) => {
                self.error = Some(m);
                self.finish("not run: the grading stopped");
            }
        }
    }

    /// The node got stuck (no word for [`STUCK_MS`]): the running test says so, the rest were
    /// not run, and the worker is to be replaced.
    pub fn stuck(&mut self) {
        self.interrupt(format!(
            "Node Error: no answer for {} s of wall-clock time — an endless loop in your node? The grading was stopped.",
            STUCK_MS as u64 / 1000
        ));
    }

    /// The person stopped the grading.
    pub fn cancel(&mut self) {
        self.interrupt("stopped".into());
    }

    /// The worker is stopped mid-grading (and is to be replaced): the running test gets `why`.
    fn interrupt(&mut self, why: String) {
        if let Some(row) = self
            .rows
            .iter_mut()
            .find(|row| row.state == RowState::Running)
        {
            row.state = RowState::Stopped(why);
        }
        self.ready = false;
        self.finish("not run: the grading stopped");
    }

    fn finish(&mut self, why: &str) {
        self.running = false;
        for row in &mut self.rows {
            if matches!(row.state, RowState::Waiting | RowState::Running) {
                row.state = RowState::Stopped(why.into());
            }
        }
    }

    /// "N passed, M failed" of the finished tests.
    pub fn summary(&self) -> (usize, usize) {
        let mut pass = 0;
        let mut fail = 0;
        for row in &self.rows {
            match &row.state {
                RowState::Done(r, _) if r.failure.is_none() => pass += 1,
                RowState::Done(..) | RowState::Stopped(_) => fail += 1,
                _ => {}
            }
        }
        (pass, fail)
    }

    /// What the live region says.
    pub fn status(&self) -> String {
        let (pass, fail) = self.summary();
        if self.running {
            let at = self
                .rows
                .iter()
                .position(|r| r.state == RowState::Running)
                .unwrap_or(0);
            let name = self.rows.get(at).map_or("", |r| r.name.as_str());
            format!(
                "Grading {name} ({} of {}): {pass} passed, {fail} failed so far",
                at + 1,
                self.rows.len()
            )
        } else if self.rows.is_empty() {
            if self.ready {
                "Ready to grade.".into()
            } else {
                "Loading the grader…".into()
            }
        } else {
            format!("Done: {pass} passed, {fail} failed.")
        }
    }
}

/// What a passed test's line says after PASS.
pub fn pass_line(r: &ReportInfo) -> String {
    let mut s = format!(
        "seed {}, {} ms virtual, {} inputs",
        r.seed, r.end_ms, r.steps
    );
    if r.ops.0 > 0 {
        s.push_str(&format!(", {}/{} requests answered", r.ops.1, r.ops.0));
    }
    s
}

/// The request the worker gets for a grading; `extra` is a teacher's tests file ("": none).
pub fn grade_request(code: &str, tests: &[String], seed: u32, seeds: u32, extra: &str) -> String {
    serde_json::json!({"type": "grade", "code": code, "tests": tests, "seed": seed, "seeds": seeds, "extra": extra})
        .to_string()
}

/// The request that sets a teacher's tests file ("": back to the built-in suite).
pub fn tests_request(extra: &str) -> String {
    serde_json::json!({"type": "tests", "extra": extra}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(name: &str, fail: bool) -> String {
        let failure = if fail {
            r#"{"property":"One Vote Per Term","time":512,"nodes":[2],"detail":"S2 voted twice"}"#
        } else {
            "null"
        };
        format!(
            r#"{{"type":"report","report":{{"name":"{name}","about":"x","seed":3,"failure":{failure},"end_ms":9000,"steps":1200,"ops":[40,38],"snapshots":[0,0],"resends":[0,0]}},"trace":{}}}"#,
            if fail {
                r#""{\"kind\":\"header\"}""#
            } else {
                "null"
            }
        )
    }

    fn ready() -> Grading {
        let mut g = Grading::default();
        g.apply(
            parse(
                r#"{"type":"ready","tests":[{"name":"a","about":"A"},{"name":"b"},{"name":"c"}]}"#,
            )
            .unwrap(),
        );
        g
    }

    #[test]
    fn the_workers_messages_are_read_and_bad_ones_refused() {
        assert_eq!(parse(r#"{"type":"alive"}"#), Ok(WorkerSays::Alive));
        assert_eq!(parse(r#"{"type":"done"}"#), Ok(WorkerSays::Done));
        assert_eq!(
            parse(r#"{"type":"error","message":"no"}"#),
            Ok(WorkerSays::Error("no".into()))
        );
        match parse(&report("a", true)).unwrap() {
            WorkerSays::Report(r, Some(t)) => {
                assert_eq!(r.failure.unwrap().property, "One Vote Per Term");
                assert_eq!(*t, r#"{"kind":"header"}"#);
            }
            other => panic!("{other:?}"),
        }
        assert!(parse("{").is_err());
        assert!(parse(r#"{"type":"shout"}"#).is_err());
        assert!(parse(r#"{"type":"report","report":{}}"#).is_err());
    }

    #[test]
    fn a_grading_moves_row_by_row_and_counts_results() {
        let mut g = ready();
        assert!(g.ready);
        assert_eq!(g.status(), "Ready to grade.");
        g.start(&[]);
        assert_eq!(g.rows.len(), 3, "all tests when none is named");
        assert_eq!(g.rows[0].state, RowState::Running);
        assert_eq!(g.status(), "Grading a (1 of 3): 0 passed, 0 failed so far");
        g.apply(parse(&report("a", false)).unwrap());
        assert_eq!(g.rows[1].state, RowState::Running);
        g.apply(parse(&report("b", true)).unwrap());
        assert_eq!(g.status(), "Grading c (3 of 3): 1 passed, 1 failed so far");
        g.apply(parse(&report("c", false)).unwrap());
        g.apply(WorkerSays::Done);
        assert!(!g.running);
        assert_eq!(g.summary(), (2, 1));
        match &g.rows[0].state {
            RowState::Done(r, None) => assert_eq!(
                pass_line(r),
                "seed 3, 9000 ms virtual, 1200 inputs, 38/40 requests answered"
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(g.status(), "Done: 2 passed, 1 failed.");
    }

    #[test]
    fn a_stuck_node_fails_its_test_and_the_rest_are_not_run() {
        let mut g = ready();
        g.start(&["b".into(), "c".into()]);
        g.stuck();
        assert!(!g.running && !g.ready, "the worker is to be replaced");
        match &g.rows[0].state {
            RowState::Stopped(why) => assert!(why.contains("endless loop"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            g.rows[1].state,
            RowState::Stopped("not run: the grading stopped".into())
        );
        assert_eq!(g.summary(), (0, 2));
    }

    #[test]
    fn a_grading_stopped_midway_says_so_for_every_test_not_done() {
        let mut g = ready();
        g.start(&[]);
        g.apply(parse(&report("a", false)).unwrap());
        g.cancel();
        assert!(!g.running && !g.ready);
        assert!(
            matches!(g.rows[0].state, RowState::Done(..)),
            "a finished test keeps its result"
        );
        assert_eq!(g.rows[1].state, RowState::Stopped("stopped".into()));
        assert_eq!(
            g.rows[2].state,
            RowState::Stopped("not run: the grading stopped".into())
        );
        assert_eq!(g.status(), "Done: 1 passed, 2 failed.");
    }

    #[test]
    fn an_error_ends_the_grading_with_its_message() {
        let mut g = ready();
        g.start(&["a".into()]);
        g.apply(WorkerSays::Error(
            "Your code could not be loaded: SyntaxError (line 3)".into(),
        ));
        assert!(!g.running);
        assert_eq!(
            g.error.as_deref(),
            Some("Your code could not be loaded: SyntaxError (line 3)")
        );
        assert!(matches!(g.rows[0].state, RowState::Stopped(_)));
    }

    #[test]
    fn the_grade_request_carries_the_code_and_choices() {
        let v: serde_json::Value =
            serde_json::from_str(&grade_request("x\n\"y\"", &["figure8".into()], 7, 3, "[]"))
                .unwrap();
        assert_eq!(v["type"], "grade");
        assert_eq!(v["code"], "x\n\"y\"");
        assert_eq!(v["tests"][0], "figure8");
        assert_eq!(
            (v["seed"].as_u64(), v["seeds"].as_u64()),
            (Some(7), Some(3))
        );
    }
}
