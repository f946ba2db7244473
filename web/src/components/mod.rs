//! Pieces of the page. They render plain data handed to them; none holds protocol logic.

pub mod fact;
