//! Pieces of the page. They render plain view data and dispatch actions; none holds protocol
//! logic or touches the simulator.

pub mod announcer;
pub mod cluster;
pub mod controls;
pub mod event_log;
pub mod layers;
pub mod logs;
pub mod metrics;
pub mod notice;
pub mod ring;
pub mod safety;
pub mod transport;
