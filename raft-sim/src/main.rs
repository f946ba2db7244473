//! `raft-sim`: headless runs of the raft-core simulator (being written).
fn main() {
    println!("{{\"raft_core\":\"{}\"}}", raft_core::VERSION);
}
