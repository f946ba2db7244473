//! The sharing and teaching parts of the page: the run menu with its dialogs, the lesson
//! panel, and the compact bar of an embedded playground. Like `components/`, they render
//! plain data and dispatch actions.

pub mod embed;
pub mod lesson;
pub mod membership;
pub mod menu;
pub mod modal;
pub mod shortcuts;
pub mod walkthrough;
pub mod your_raft;
