//! The multi-group page's build (issue 14): the playground ([`web::app::App`]) with multi-group
//! runs drawn in place ([`web::groups::GroupsHost::PAGE`]). Served at `groups/` beside the
//! playground, which forwards every multi-group run here; a visit that names none opens a
//! fresh one of 3 groups on 5 machines.

fn main() {
    web::render_app(web::app::AppProps {
        groups_host: Some(web::groups::GroupsHost::PAGE),
    });
}
