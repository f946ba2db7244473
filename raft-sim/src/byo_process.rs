//! A [`ByoNode`] that is a child process speaking the protocol of [`crate::byo`] as JSON lines
//! on its stdin and stdout: one process per start of a node, killed when the node crashes.
//!
//! Answers are read by a thread of their own that hands complete lines to the grader through a
//! channel, so the grader can wait for each answer with a time limit and kill a child that is
//! stuck (a blocking read on the child's stdout could not be interrupted). Lines are read with
//! a bound ([`MAX_LINE_BYTES`]): a child that writes an endless line costs that much memory at
//! most. std's process and thread APIs are all this needs, so no async runtime is used.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use crate::byo::{ByoNode, Input, NodeFactory, NodeFault, Output, MAX_LINE_BYTES};

/// The answer to `init` may take this many times the per-step limit: it includes starting
/// the program.
pub const INIT_FACTOR: u32 = 5;

/// What the reader thread hands over.
#[derive(Debug)]
enum Line {
    /// A complete line (without its newline).
    Text(String),
    /// A line longer than [`MAX_LINE_BYTES`].
    TooLong,
    /// End of the child's output, or a read error.
    Closed(String),
}

/// A node running as a child process.
#[derive(Debug)]
pub struct Process {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
    timeout: Duration,
}

impl Process {
    /// Starts `command` through `sh -c 'exec COMMAND'` (so a student can write
    /// `python3 mynode.py`; a compound command such as `cd dir && python3 x.py` is not
    /// supported, since only the first command would be replaced by exec), with its
    /// stderr shown (`show_stderr`) or discarded. `timeout` bounds the wall-clock wait for each
    /// answer.
    pub fn spawn(command: &str, timeout: Duration, show_stderr: bool) -> Result<Self, NodeFault> {
        let mut cmd = Command::new("sh");
        // `exec`: the node replaces the shell, so that killing the child kills the node (std
        // signals only its direct child, and signalling a process group would need `unsafe`).
        cmd.arg("-c").arg(format!("exec {command}"));
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if show_stderr {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .map_err(|e| NodeFault::Spawn(format!("sh -c {command:?}: {e}")))?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| NodeFault::Spawn("no stdout".into()))?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut buf = Vec::new();
                // One byte more than the limit tells a line at the limit from a longer one.
                let limit = (MAX_LINE_BYTES + 1) as u64;
                let got = (&mut reader).take(limit).read_until(b'\n', &mut buf);
                let msg = match got {
                    Err(e) => Line::Closed(format!("reading its output failed: {e}")),
                    Ok(0) => Line::Closed("its output ended".into()),
                    Ok(_) if buf.last() != Some(&b'\n') && buf.len() > MAX_LINE_BYTES => {
                        Line::TooLong
                    }
                    Ok(_) if buf.last() != Some(&b'\n') => {
                        Line::Closed("its output ended in the middle of a line".into())
                    }
                    Ok(_) => {
                        buf.pop();
                        Line::Text(String::from_utf8_lossy(&buf).into_owned())
                    }
                };
                let last = !matches!(msg, Line::Text(_));
                if tx.send(msg).is_err() || last {
                    return;
                }
            }
        });
        Ok(Process {
            child,
            stdin,
            lines: rx,
            timeout,
        })
    }

    /// A factory that starts `command` for every start of a node.
    pub fn factory(command: String, timeout: Duration, show_stderr: bool) -> NodeFactory {
        alloc::boxed::Box::new(move |_| {
            Process::spawn(&command, timeout, show_stderr)
                .map(|p| alloc::boxed::Box::new(p) as alloc::boxed::Box<dyn ByoNode>)
        })
    }

    /// How the child ended, if it has (for messages).
    fn exit_status(&mut self) -> String {
        // Give a crashing child a moment to be reaped, so its status can be named.
        for _ in 0..20 {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s.to_string();
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        "still running".into()
    }
}

impl ByoNode for Process {
    fn handle(&mut self, input: &Input) -> Result<Output, NodeFault> {
        let text = serde_json::to_string(input).map_err(|e| NodeFault::Protocol(e.to_string()))?;
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(NodeFault::Exited("its input is closed".into()));
        };
        if let Err(e) = writeln!(stdin, "{text}").and_then(|_| stdin.flush()) {
            let status = self.exit_status();
            self.stop();
            return Err(NodeFault::Exited(format!(
                "it stopped reading its input ({e}); {status}"
            )));
        }
        // The first answer also covers starting the program (an interpreter, under load).
        let limit = match input {
            Input::Init { .. } => self.timeout * INIT_FACTOR,
            _ => self.timeout,
        };
        let line = loop {
            match self.lines.recv_timeout(limit) {
                Ok(Line::Text(t)) if t.trim().is_empty() => continue,
                Ok(Line::Text(t)) => break t,
                Ok(Line::TooLong) => {
                    self.stop();
                    return Err(NodeFault::TooLong);
                }
                Ok(Line::Closed(why)) => {
                    let status = self.exit_status();
                    self.stop();
                    return Err(NodeFault::Exited(format!("{why}; {status}")));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.exit_status();
                    self.stop();
                    return Err(NodeFault::Exited(status));
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.stop();
                    return Err(NodeFault::Timeout(limit.as_millis() as u64));
                }
            }
        };
        serde_json::from_str(&line).map_err(|e| {
            let start: String = line.chars().take(80).collect();
            NodeFault::Malformed(format!(
                "{e} in the answer {start:?} (stdout is for answers only: print debugging output to stderr)"
            ))
        })
    }

    fn stop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
    }
}
