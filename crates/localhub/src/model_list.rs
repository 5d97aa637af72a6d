//! `GET /api/models`: the Hub's model search, with the filters `huggingface_hub`'s
//! `list_models` sends most (`author`, `search`, `pipeline_tag`, `filter` tags, `limit`)
//! and the fields of its default answer (`_id`, `id`, `modelId`, `private`, `likes`,
//! `downloads`, `trendingScore`, `tags`, `pipeline_tag`, `library_name`, `createdAt`).
//! Private repos are listed to their owner only. Models come sorted by id, in one page
//! (localhub holds few; no `Link` pagination).

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::MaybeCaller;
use crate::store::{hex40, RepoKind};
use crate::AppState;

/// The query of `GET /api/models`.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Only models in this namespace.
    author: Option<String>,
    /// Only models whose id contains this (case-insensitive).
    search: Option<String>,
    /// Only models with this pipeline.
    pipeline_tag: Option<String>,
    /// Only models that have this tag (the card's, or the Hub's own such as `transformers`).
    filter: Option<String>,
    /// At most this many models.
    limit: Option<usize>,
}

/// `GET /api/models`.
pub async fn list(
    State(s): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    Query(q): Query<ListQuery>,
) -> Json<Value> {
    let mut repos: Vec<_> = {
        let st = s.store.lock().expect("store");
        st.repos
            .values()
            .filter(|m| m.kind == RepoKind::Model && m.visible_to(c.as_ref()))
            .filter(|m| q.author.as_deref().is_none_or(|a| a == m.ns))
            .filter(|m| {
                q.search
                    .as_deref()
                    .is_none_or(|t| m.id().to_lowercase().contains(&t.to_lowercase()))
            })
            .cloned()
            .collect()
    };
    repos.sort_by_key(|m| m.id());
    let rows = repos
        .into_iter()
        .filter_map(|m| {
            let id = m.id();
            let fields = crate::models::info_fields(&s.repo_dir(RepoKind::Model, &id));
            let tags = fields.get("tags").cloned().unwrap_or_else(|| json!([]));
            let pipeline = fields.get("pipeline_tag").cloned().unwrap_or(Value::Null);
            if let Some(p) = &q.pipeline_tag {
                if pipeline.as_str() != Some(p) {
                    return None;
                }
            }
            if let Some(f) = &q.filter {
                if !tags.as_array().is_some_and(|t| t.iter().any(|t| t == f)) {
                    return None;
                }
            }
            Some(json!({
                "_id": hex40(id.as_bytes())[..24].to_string(),
                "id": id,
                "modelId": id,
                "private": m.private,
                "likes": 0,
                "downloads": 0,
                "trendingScore": 0,
                "tags": tags,
                "pipeline_tag": pipeline,
                "library_name": fields.get("library_name").cloned().unwrap_or(Value::Null),
                "createdAt": m.created_at,
            }))
        })
        .take(q.limit.unwrap_or(usize::MAX))
        .collect();
    Json(Value::Array(rows))
}
