//! The URL map: which handler answers which Hub path.

use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::routing::{get, post, put};
use axum::Router;

use crate::auth::{self, Authed, MaybeCaller};
use crate::store::RepoKind;
use crate::{buckets, faults, jobs, repos, spaces, AppState};

fn repo_routes(kind: RepoKind) -> Router<AppState> {
    let p = format!("/api/{}/{{ns}}/{{name}}", kind.plural());
    Router::new()
        .route(&p, get(move |s: State<AppState>, c: MaybeCaller, Path((ns, name)): Path<(String, String)>| repos::info(s, c, kind, ns, name)))
        .route(
            &format!("{p}/preupload/{{rev}}"),
            post(move |s: State<AppState>, c: Authed, Path((ns, name, _rev)): Path<(String, String, String)>, b| repos::preupload(s, c, kind, format!("{ns}/{name}"), b)),
        )
        .route(
            &format!("{p}/commit/{{rev}}"),
            post(move |s: State<AppState>, c: Authed, Path((ns, name, _rev)): Path<(String, String, String)>, b: String| repos::commit(s, c, kind, format!("{ns}/{name}"), b)),
        )
        .route(
            &format!("{p}/settings"),
            put(move |s: State<AppState>, c: Authed, Path((ns, name)): Path<(String, String)>, b| repos::settings(s, c, kind, format!("{ns}/{name}"), b)),
        )
        .route(
            &format!("{p}/tree/{{rev}}"),
            get(move |s: State<AppState>, c: MaybeCaller, Path((ns, name, _rev)): Path<(String, String, String)>, q: Query<repos::TreeQuery>| {
                repos::tree(s, c, kind, format!("{ns}/{name}"), String::new(), q)
            }),
        )
        .route(
            &format!("{p}/tree/{{rev}}/{{*path}}"),
            get(move |s: State<AppState>, c: MaybeCaller, Path((ns, name, _rev, path)): Path<(String, String, String, String)>, q: Query<repos::TreeQuery>| {
                repos::tree(s, c, kind, format!("{ns}/{name}"), path, q)
            }),
        )
        .route(
            &format!("/{}{{ns}}/{{name}}/resolve/{{rev}}/{{*path}}", kind.url_prefix()),
            get(move |s: State<AppState>, c: MaybeCaller, m: Method, Path((ns, name, rev, path)): Path<(String, String, String, String)>| {
                repos::resolve(s, c, m, kind, format!("{ns}/{name}"), rev, path)
            }),
        )
}

/// All routes, with the fault-injection and request-counting layers.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(auth::oidc::discovery),
        )
        .route("/oauth/authorize", get(auth::oidc::authorize))
        .route("/oauth/token", post(auth::oidc::token))
        .route("/oauth/userinfo", get(auth::oidc::userinfo))
        .route("/api/whoami-v2", get(auth::whoami))
        .route("/api/repos/create", post(repos::create))
        .route("/api/repos/delete", axum::routing::delete(repos::delete))
        .route("/api/validate-yaml", post(repos::validate_yaml))
        .route("/api/models", get(crate::model_list::list))
        .merge(repo_routes(RepoKind::Model))
        .merge(repo_routes(RepoKind::Dataset))
        .merge(repo_routes(RepoKind::Space))
        .merge(spaces::routes())
        .merge(jobs::routes())
        .route("/v1/chat/completions", post(crate::inference::chat))
        .route("/v1/models", get(crate::inference::models))
        .route("/v1/models/{*id}", get(crate::inference::model))
        .route("/api/buckets/{ns}", get(buckets::list))
        .route(
            "/api/buckets/{ns}/{name}",
            post(buckets::create).get(buckets::info),
        )
        .route("/api/buckets/{ns}/{name}/tree", get(buckets::tree))
        .route(
            "/api/buckets/{ns}/{name}/tree/{*prefix}",
            get(buckets::tree),
        )
        .route(
            "/buckets/{ns}/{name}/resolve/{*path}",
            get(buckets::resolve),
        )
        .route(
            "/_localhub/faults",
            post(faults::set_faults).get(faults::get_faults),
        )
        .route("/_localhub/traffic", get(crate::traffic::get_traffic))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            faults::burst_layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::traffic::count_layer,
        ))
        .with_state(state)
}
