//! The fault run (`raft-kv faults`).

use std::process::ExitCode;

/// Entry point of `raft-kv faults`.
pub fn main(_args: lexopt::Parser) -> Result<ExitCode, String> {
    Err("faults: not built yet".into())
}
