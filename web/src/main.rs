//! The Raft playground's own build (the page a first visit downloads): the single-group
//! playground. A URL that asks for a multi-group run is forwarded at once to the groups page
//! (`groups/`, built from `bin/groups.rs`), before anything is read from storage or drawn.

fn main() {
    if web::groups::forward::forward_if_asked() {
        return;
    }
    web::render_app(web::app::AppProps::default());
}
