//! The multi-group page's build (issue 14): the playground ([`web::app::App`]) with multi-group
//! runs drawn in place ([`web::groups::GroupsHost::PAGE`]). Served at `groups/` beside the
//! playground, which forwards every multi-group run here; a visit that names none opens a
//! fresh one of 3 groups on 5 machines.

fn main() {
    let props = web::app::AppProps {
        groups_host: Some(web::groups::GroupsHost::PAGE),
    };
    match web::app_root() {
        Some(root) => {
            yew::Renderer::<web::app::App>::with_root_and_props(root, props).render();
        }
        None => {
            yew::Renderer::<web::app::App>::with_props(props).render();
        }
    }
}
