//! One run of one graded test: starting and crashing nodes, feeding them inputs, the
//! timeline of faults and chaos, and the main loop in virtual time. The answers are handled
//! in [`super::answer`], the clients in [`super::clients`], the expectations in
//! [`super::expect`], the trace in [`super::trace_writer`].

use super::answer::validate;
use super::*;

impl<'a> Run<'a> {
    pub(super) fn new(
        test: &'a GradeTest,
        seed: u64,
        factory: &'a mut NodeFactory,
        keep_trace: bool,
        started: (WallClock, Duration),
        wall_limit: Duration,
    ) -> Self {
        let ids: Vec<NodeId> = (1..=u64::from(test.nodes)).collect();
        let mut rng = SimRng::new(seed);
        let clients = (0..u64::from(test.clients))
            .map(|k| Client {
                id: CLIENT_BASE + k,
                seq: 0,
                wake: 500 + 10 * k,
                outstanding: None,
                retry: None,
                target: ids[rng.range(0, ids.len() as u64 - 1) as usize],
            })
            .collect();
        Run {
            test,
            seed,
            factory,
            slots: BTreeMap::new(),
            connected: ids.iter().copied().collect(),
            ids,
            now: 0,
            rng,
            net: Network::new(test.net.clone()),
            payloads: BTreeMap::new(),
            checker: Checker::new(),
            keep_trace,
            trace: Vec::new(),
            hash: TraceHash::new(HashScheme::Fields),
            events: 0,
            clients,
            clients_stop: test
                .clients_stop
                .unwrap_or(test.until.saturating_sub(1_500)),
            history: Vec::new(),
            by_cmd: BTreeMap::new(),
            declined: BTreeSet::new(),
            seen_applied: BTreeSet::new(),
            order: 0,
            steps: Vec::new(),
            failure: None,
            chaos: None,
            term_marks: BTreeMap::new(),
            snapshots: BTreeMap::new(),
            snapshot_counts: (0, 0),
            resends: 0,
            duplicates: 0,
            model: answer::Model::default(),
            started,
            wall_limit,
            grader: CLI_GRADER,
        }
    }

    pub(super) fn fail(&mut self, property: &str, nodes: Vec<NodeId>, detail: String) {
        if self.failure.is_none() {
            self.failure = Some(Failure {
                property: property.into(),
                time: self.now,
                nodes,
                detail,
            });
        }
    }

    /// A new step (one simulator event), for the trace.
    pub(super) fn step_record(&mut self) {
        self.events += 1;
        self.record(TraceEvent::Step { n: self.events });
        self.checker.at(self.now, self.events);
    }

    pub(super) fn node_seed(&self, id: NodeId, starts: u64) -> u64 {
        let mut r = SimRng::new(
            self.seed
                ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ starts.wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        r.next_u64() & MAX_NUMBER
    }

    pub(super) fn running(&self, id: NodeId) -> bool {
        self.slots.get(&id).is_some_and(|s| s.node.is_some())
    }

    /// Starts (or restarts) node `id` from its disk.
    pub(super) fn start(&mut self, id: NodeId) {
        if self.running(id) {
            return;
        }
        let made = (self.factory)(id);
        let slot = self.slots.entry(id).or_insert_with(|| Slot {
            node: None,
            disk: Persisted::default(),
            log: RaftLog::new(),
            state: NodeState::default(),
            applied: 0,
            starts: 0,
        });
        slot.starts += 1;
        let starts = slot.starts;
        match made {
            Ok(n) => slot.node = Some(n),
            Err(f) => {
                self.fail("Node Error", vec![id], format!("S{id} {f}"));
                return;
            }
        }
        // The state machine restarts from the snapshot, if any.
        slot.applied = slot.disk.snapshot_index();
        let disk = slot.disk.clone();
        slot.state = NodeState {
            role: RoleName::Follower,
            term: disk.term,
            commit: 0,
        };
        let entries = slot.log.collect_entries();
        if starts > 1 {
            let hs = HardState {
                term: disk.term,
                vote: disk.vote,
            };
            let si = disk.snapshot_index();
            self.checker.on_restart(id, hs, si, &entries);
            self.record(TraceEvent::Restart {
                node: id,
                term: disk.term,
                vote: disk.vote,
                last_index: disk.last_index(),
                snapshot_index: si,
            });
        }
        let input = Input::Init {
            version: match self.test.max_log {
                Some(_) => crate::byo::PROTOCOL_VERSION_SNAPSHOTS,
                None => crate::byo::PROTOCOL_VERSION,
            },
            id,
            peers: self.ids.clone(),
            seed: self.node_seed(id, starts),
            now: self.now,
            state: disk,
            max_log: self.test.max_log,
        };
        self.feed(id, input);
    }

    pub(super) fn crash(&mut self, id: NodeId) {
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        let Some(mut n) = slot.node.take() else {
            return;
        };
        n.stop();
        self.checker.on_crash(id);
        self.record(TraceEvent::Crash { node: id });
    }

    /// Feeds one input to a running node and handles its answer.
    pub(super) fn feed(&mut self, id: NodeId, input: Input) {
        if self.failure.is_some() {
            return;
        }
        let kind = match &input {
            Input::Init { .. } => "init",
            Input::Tick { .. } => "tick",
            Input::Message { .. } => "message",
            Input::Request { .. } => "request",
        };
        let Some(node) = self.slots.get_mut(&id).and_then(|s| s.node.as_mut()) else {
            return;
        };
        let answer = node.handle(&input);
        let out = match answer {
            Ok(o) => o,
            Err(f) => {
                if let Some(mut n) = self.slots.get_mut(&id).and_then(|s| s.node.take()) {
                    n.stop();
                }
                let now = self.now;
                self.fail(
                    "Node Error",
                    vec![id],
                    format!("S{id} {f} (its answer to {kind} at {now} ms)"),
                );
                return;
            }
        };
        let text = serde_json::to_string(&out).unwrap_or_default();
        self.steps.push((id, kind, self.now, fnv(text.as_bytes())));
        if let Err(e) = validate(&out, id, &self.ids) {
            let now = self.now;
            self.fail(
                "Node Error",
                vec![id],
                format!("S{id} broke the protocol: {e} (its answer to {kind} at {now} ms)"),
            );
            return;
        }
        self.process(id, out);
        if self.failure.is_none() {
            if let Some(v) = self.checker.violations.first().cloned() {
                // Each node once, in the checker's order (it may name a node twice: S3 voted
                // for S3 and then S1).
                let mut nodes: Vec<NodeId> = Vec::new();
                for n in v.nodes {
                    if !nodes.contains(&n) {
                        nodes.push(n);
                    }
                }
                let mut detail = v.detail;
                if v.property == "Exactly Once" && detail.contains(" twice") {
                    detail.push_str(": a client resent it (the same client and seq) after a timeout or a not_leader answer, and it was in the log twice; keep each client's last seq and result in the state machine, answer a repeat from there without running it, and mark it \"duplicate\": true in applied (dissertation §6.3)");
                }
                if detail.ends_with("that is not the committed prefix") {
                    detail.push_str(": its last included term must be the term of the committed entry at that index, and that entry must be committed and applied (§7, Figure 13)");
                }
                self.failure = Some(Failure {
                    property: v.property,
                    time: v.time,
                    nodes,
                    detail,
                });
            }
        }
        if let Some(f) = self.failure.clone() {
            self.record(TraceEvent::Violation {
                violation: crate::checker::Violation {
                    property: f.property,
                    time: f.time,
                    event: self.events,
                    nodes: f.nodes,
                    detail: f.detail,
                },
            });
        }
    }

    /// The connected running leader of the highest term, if any.
    pub(super) fn leader(&self) -> Option<NodeId> {
        let top = self.top_term();
        self.slots
            .iter()
            .filter(|(id, s)| s.node.is_some() && self.connected.contains(id))
            .find(|(_, s)| s.state.role == RoleName::Leader && s.state.term == top)
            .map(|(&id, _)| id)
    }

    pub(super) fn top_term(&self) -> u64 {
        self.slots
            .iter()
            .filter(|(id, s)| s.node.is_some() && self.connected.contains(id))
            .map(|(_, s)| s.state.term)
            .max()
            .unwrap_or(0)
    }

    pub(super) fn pick(&mut self, pool: Vec<NodeId>) -> Option<NodeId> {
        if pool.is_empty() {
            return None;
        }
        Some(pool[self.rng.range(0, pool.len() as u64 - 1) as usize])
    }

    pub(super) fn target(&mut self, who: &Option<Value>, kind: ActKind) -> Option<NodeId> {
        match who {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => match s.as_str() {
                "leader" => self.leader(),
                "follower" => {
                    let l = self.leader();
                    let pool = self
                        .ids
                        .iter()
                        .copied()
                        .filter(|&i| Some(i) != l && self.running(i) && self.connected.contains(&i))
                        .collect();
                    self.pick(pool)
                }
                "any" => {
                    let pool = self
                        .ids
                        .iter()
                        .copied()
                        .filter(|&i| match kind {
                            ActKind::Restart => !self.running(i),
                            _ => !self.connected.contains(&i),
                        })
                        .collect();
                    self.pick(pool)
                }
                _ => {
                    let pool = self.ids.clone();
                    self.pick(pool)
                }
            },
            _ => None,
        }
    }

    pub(super) fn isolate(&mut self, id: NodeId) {
        for &o in &self.ids.clone() {
            if o != id {
                self.net
                    .set_link(id, o, LinkState::Cut, self.now, &mut self.rng);
                self.net
                    .set_link(o, id, LinkState::Cut, self.now, &mut self.rng);
            }
        }
        self.connected.remove(&id);
    }

    pub(super) fn reconnect(&mut self, id: NodeId) {
        self.connected.insert(id);
        for o in self.connected.clone() {
            if o != id {
                self.net
                    .set_link(id, o, LinkState::Healthy, self.now, &mut self.rng);
                self.net
                    .set_link(o, id, LinkState::Healthy, self.now, &mut self.rng);
            }
        }
    }

    pub(super) fn act(&mut self, t: &Timed) {
        match t.action {
            ActKind::Crash => {
                if let Some(id) = self.target(&t.node, t.action) {
                    self.crash(id);
                }
            }
            ActKind::Restart => {
                if let Some(id) = self.target(&t.node, t.action) {
                    self.start(id);
                }
            }
            ActKind::RestartAll => {
                for id in self.ids.clone() {
                    self.crash(id);
                }
                for id in self.ids.clone() {
                    self.start(id);
                }
            }
            ActKind::Isolate => {
                if let Some(id) = self.target(&t.node, t.action) {
                    self.isolate(id);
                }
            }
            ActKind::Reconnect => {
                if let Some(id) = self.target(&t.node, t.action) {
                    self.reconnect(id);
                }
            }
            ActKind::Partition => {
                let groups = t.groups.clone().unwrap_or_default();
                self.net.partition(&groups, self.now, &mut self.rng);
                let biggest = groups
                    .iter()
                    .max_by_key(|g| g.len())
                    .cloned()
                    .unwrap_or_default();
                self.connected = biggest.into_iter().collect();
            }
            ActKind::PartitionLeader => {
                let Some(l) = self.leader() else { return };
                let others: Vec<NodeId> = self.ids.iter().copied().filter(|&i| i != l).collect();
                let mate = others[self.rng.range(0, others.len() as u64 - 1) as usize];
                let minority = vec![l, mate];
                let majority: Vec<NodeId> = others.into_iter().filter(|&i| i != mate).collect();
                self.net
                    .partition(&[minority, majority.clone()], self.now, &mut self.rng);
                self.connected = majority.into_iter().collect();
            }
            ActKind::Heal => {
                self.net.heal_all(self.now, &mut self.rng);
                self.connected = self.ids.iter().copied().collect();
            }
            ActKind::Net => {
                if let Some(c) = &t.net {
                    self.net.config = c.clone();
                }
            }
            ActKind::CrashChaos | ActKind::IsolateChaos => {
                let every = t.every_ms.unwrap_or(100);
                self.chaos = Some((t.action, self.now, t.until.unwrap_or(self.now), every));
            }
        }
    }

    /// One round of chaos (MIT 6.824's Figure 8 tests): the leader is crashed (or cut off)
    /// with probability 1/2, and a downed node comes back whenever fewer than a majority run.
    pub(super) fn chaos_round(&mut self, kind: ActKind) {
        if let Some(l) = self.leader() {
            if self.rng.chance(500_000) {
                match kind {
                    ActKind::CrashChaos => self.crash(l),
                    _ => self.isolate(l),
                }
            }
        }
        let up = |r: &Self, i: NodeId| match kind {
            ActKind::CrashChaos => r.running(i),
            _ => r.connected.contains(&i),
        };
        let count = self.ids.iter().filter(|&&i| up(self, i)).count();
        if count * 2 <= self.ids.len() {
            let pool = self.ids.iter().copied().filter(|&i| !up(self, i)).collect();
            if let Some(i) = self.pick(pool) {
                match kind {
                    ActKind::CrashChaos => self.start(i),
                    _ => self.reconnect(i),
                }
            }
        }
    }

    pub(super) fn end_chaos(&mut self, kind: ActKind) {
        for id in self.ids.clone() {
            match kind {
                ActKind::CrashChaos => self.start(id),
                _ => self.reconnect(id),
            }
        }
        self.chaos = None;
    }

    pub(super) fn over_budget(&mut self) -> bool {
        if self.steps.len() as u64 > MAX_STEPS {
            self.fail(
                "Node Error",
                vec![],
                format!("more than {MAX_STEPS} inputs in one test"),
            );
            return true;
        }
        if (self.started.0)().saturating_sub(self.started.1) > self.wall_limit {
            let s = self.wall_limit.as_secs();
            self.fail(
                "Node Error",
                vec![],
                format!("the grading's wall-clock limit of {s} s ran out during this test"),
            );
            return true;
        }
        false
    }

    pub(super) fn run(&mut self) {
        for id in self.ids.clone() {
            self.step_record();
            self.start(id);
        }
        let timeline = self.test.timeline.clone();
        let mut expects = self.test.expect.clone();
        expects.sort_by_key(Expect::time);
        let marks: BTreeSet<u64> = expects
            .iter()
            .filter_map(|e| match e {
                Expect::TermStable { from, .. } => Some(*from),
                _ => None,
            })
            .collect();
        let (mut ti, mut ei) = (0, 0);
        let mut next_tick = TICK_MS;
        let mut marks_iter: Vec<u64> = marks.into_iter().collect();
        marks_iter.reverse();
        while self.failure.is_none() && !self.over_budget() {
            let mut t = next_tick;
            if let Some(d) = self.net.next_delivery() {
                t = t.min(d);
            }
            if let Some(a) = timeline.get(ti) {
                t = t.min(a.at);
            }
            if let Some(e) = expects.get(ei) {
                t = t.min(e.time());
            }
            if let Some(&m) = marks_iter.last() {
                t = t.min(m);
            }
            if let Some((_, at, _, _)) = self.chaos {
                t = t.min(at);
            }
            if let Some(w) = self.clients.iter().map(|c| c.wake).min() {
                t = t.min(w);
            }
            if t > self.test.until {
                break;
            }
            self.now = t;
            while marks_iter.last() == Some(&t) {
                marks_iter.pop();
                let top = self.top_term();
                self.term_marks.insert(t, top);
            }
            while ei < expects.len() && expects[ei].time() <= t && self.failure.is_none() {
                let e = expects[ei].clone();
                self.judge(&e);
                ei += 1;
            }
            while ti < timeline.len() && timeline[ti].at <= t && self.failure.is_none() {
                let a = timeline[ti].clone();
                self.step_record();
                self.act(&a);
                ti += 1;
            }
            if let Some((kind, at, until, every)) = self.chaos {
                if at <= t {
                    self.step_record();
                    if t >= until {
                        self.end_chaos(kind);
                    } else {
                        self.chaos_round(kind);
                        let next = t + self.rng.range(every / 2, every + every / 2).max(1);
                        self.chaos = Some((kind, next, until, every));
                    }
                }
            }
            while let Some(f) = self.net.pop_due(t) {
                if self.failure.is_some() {
                    break;
                }
                let msg = self.payloads.remove(&f.id).unwrap_or(Value::Null);
                let (from, to) = (f.msg.from, f.msg.to);
                self.step_record();
                if self.running(to) {
                    self.record(TraceEvent::Deliver { id: f.id, from, to });
                    self.feed(to, Input::Message { now: t, from, msg });
                } else {
                    self.record(TraceEvent::Drop {
                        id: f.id,
                        from,
                        to,
                        reason: "node down".into(),
                    });
                }
            }
            if t == next_tick {
                next_tick += TICK_MS;
                for id in self.ids.clone() {
                    if self.running(id) && self.failure.is_none() {
                        self.step_record();
                        self.feed(id, Input::Tick { now: t });
                    }
                }
            }
            for k in 0..self.clients.len() {
                if self.clients[k].wake <= t && self.failure.is_none() {
                    self.client_round(k);
                }
            }
        }
        if self.failure.is_none() {
            self.now = self.now.max(self.test.until);
            for e in &expects[ei..] {
                self.judge(e);
            }
        }
        if self.failure.is_none() {
            self.judge_history();
        }
        for id in self.ids.clone() {
            if let Some(mut n) = self.slots.get_mut(&id).and_then(|s| s.node.take()) {
                n.stop();
            }
        }
    }

    pub(super) fn report(&self) -> TestReport {
        let completed = self.history.iter().filter(|h| h.complete.is_some()).count();
        TestReport {
            name: self.test.name.clone(),
            about: self.test.about.clone(),
            seed: self.seed,
            failure: self.failure.clone(),
            end_ms: self.now,
            steps: self.steps.len() as u64,
            ops: (self.history.len(), completed),
            snapshots: self.snapshot_counts,
            resends: (self.resends, self.duplicates),
            trace: (self.keep_trace && self.failure.is_some()).then(|| self.trace_jsonl()),
        }
    }
}
