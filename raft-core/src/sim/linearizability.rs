//! Linearizability of a client history (being written).
