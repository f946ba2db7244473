//! The graded clients: each with at most one request outstanding, a new request after an
//! answer, and, in tests with `resend`, the same request again until it is answered.

use super::*;

impl<'a> Run<'a> {
    pub(super) fn client_round(&mut self, k: usize) {
        let now = self.now;
        let resend = self.test.resend;
        let c = &mut self.clients[k];
        if let Some((seq, h, deadline)) = c.outstanding {
            if now < deadline {
                // Not due yet: sleep until the deadline (never wake again at this time).
                c.wake = deadline;
                return;
            }
            // No answer in time: without `resend` the request stays in the history, maybe done,
            // maybe not; with it, the same request goes to another node.
            c.outstanding = None;
            if resend {
                c.retry = Some((seq, h));
            }
            c.target = self.ids[self.rng.range(0, self.ids.len() as u64 - 1) as usize];
        }
        let c = &mut self.clients[k];
        if now >= self.clients_stop {
            c.wake = u64::MAX;
            c.retry = None;
            return;
        }
        if let Some((seq, h)) = c.retry {
            self.resend(k, seq, h);
            return;
        }
        let c = &mut self.clients[k];
        c.seq += 1;
        let (client, seq, target) = (c.id, c.seq, c.target);
        let key = ["a", "b", "c"][self.rng.range(0, 2) as usize].to_string();
        let op = match self.rng.range(0, 9) {
            0..=3 => Op::Put {
                key,
                value: format!("{client}.{seq}"),
            },
            4..=6 => Op::Append {
                key,
                value: format!("{client}.{seq};"),
            },
            _ => Op::Get { key },
        };
        if !self.running(target) {
            let c = &mut self.clients[k];
            c.wake = now + THINK_MS;
            c.target = self.ids[self.rng.range(0, self.ids.len() as u64 - 1) as usize];
            return;
        }
        self.order += 1;
        let mut h = HistoryOp::new(client, op.clone(), now);
        h.invoke_seq = self.order;
        let index = self.history.len();
        self.history.push(h);
        self.by_cmd.insert((client, seq), index);
        self.record(TraceEvent::Invoke {
            client,
            op_id: index as u64,
            seq,
            op: op.clone(),
        });
        let c = &mut self.clients[k];
        c.outstanding = Some((seq, index, now + CLIENT_TIMEOUT_MS));
        c.wake = now + CLIENT_TIMEOUT_MS;
        self.send_request(target, client, seq, op);
    }

    /// Sends client `k`'s unanswered request `seq` (history entry `h`) again, with the same
    /// sequence number, so that a node that already applied it must answer it without running
    /// it twice (dissertation §6.3). The history keeps one operation, invoked at the first try.
    pub(super) fn resend(&mut self, k: usize, seq: u64, h: usize) {
        let now = self.now;
        let (client, target) = (self.clients[k].id, self.clients[k].target);
        if !self.running(target) {
            let c = &mut self.clients[k];
            c.wake = now + THINK_MS;
            c.target = self.ids[self.rng.range(0, self.ids.len() as u64 - 1) as usize];
            return;
        }
        let c = &mut self.clients[k];
        c.retry = None;
        c.outstanding = Some((seq, h, now + CLIENT_TIMEOUT_MS));
        c.wake = now + CLIENT_TIMEOUT_MS;
        // It may be accepted this time: judged as an operation that may have happened.
        self.declined.remove(&h);
        self.resends += 1;
        let op = self.history[h].op.clone();
        self.send_request(target, client, seq, op);
    }

    /// Hands client `client`'s request `seq` to node `target` now, as one recorded step.
    fn send_request(&mut self, target: NodeId, client: u64, seq: u64, op: Op) {
        let now = self.now;
        self.step_record();
        self.feed(
            target,
            Input::Request {
                now,
                client,
                seq,
                op,
            },
        );
    }
}
