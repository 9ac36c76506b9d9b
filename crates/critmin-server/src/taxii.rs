//! TAXII 2.1 (OASIS, 2021) for MISP and OpenCTI to pull from: discovery at
//! `/taxii2/`, one API root at `/taxii2/api/`, the caller's collections
//! and their objects as STIX 2.1 with `added_after`, `limit` and `next`.
//! Authentication is the API's bearer token or session; what a collection
//! holds for the caller is decided in the application layer
//! (`critmin_app::ops::taxii`).

use crate::State;
use crate::auth::{Caller, now, poisoned};
use axum::extract::{Path, Query, State as St};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use critmin_app::ops::taxii;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// TAXII's media type.
pub const MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

pub(crate) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/taxii2/", get(discovery))
        .route("/taxii2/api/", get(api_root))
        .route("/taxii2/api/collections/", get(collections))
        .route("/taxii2/api/collections/{id}/", get(collection))
        .route("/taxii2/api/collections/{id}/objects/", get(objects))
}

/// A TAXII answer: its JSON under TAXII's media type.
fn taxii(status: StatusCode, v: Value) -> Response {
    let mut r = (status, Json(v)).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
    r
}

/// A TAXII error message (§3.6.1).
fn error(status: StatusCode, title: &str, description: &str) -> Response {
    taxii(
        status,
        json!({"title": title, "description": description, "http_status": status.as_u16().to_string()}),
    )
}

fn from_app(e: critmin_app::AppError) -> Response {
    let api = crate::error::ApiError::from(e);
    let status = StatusCode::from_u16(api.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error(status, api.code, &api.message)
}

async fn discovery(_caller: Caller) -> Response {
    taxii(
        StatusCode::OK,
        json!({
            "title": "critmin partner workspace",
            "description": "Rare-earth supply-chain events shared under TLP 2.0 markings",
            "default": "/taxii2/api/",
            "api_roots": ["/taxii2/api/"],
        }),
    )
}

async fn api_root(_caller: Caller) -> Response {
    taxii(
        StatusCode::OK,
        json!({
            "title": "critmin events",
            "versions": [MEDIA_TYPE],
            "max_content_length": crate::api::MAX_BODY_BYTES,
        }),
    )
}

async fn collections(caller: Caller) -> Response {
    let c = taxii::collections(&caller.principal);
    taxii(StatusCode::OK, json!({ "collections": c }))
}

async fn collection(caller: Caller, Path(id): Path<String>) -> Response {
    match taxii::collections(&caller.principal)
        .into_iter()
        .find(|c| c.id == id)
    {
        Some(c) => taxii(StatusCode::OK, serde_json::to_value(c).unwrap_or_default()),
        None => error(StatusCode::NOT_FOUND, "not_found", "no such collection"),
    }
}

/// `objects/` filters.
#[derive(Deserialize, Default)]
pub(crate) struct ObjectsQuery {
    added_after: Option<String>,
    limit: Option<usize>,
    next: Option<String>,
}

async fn objects(
    St(state): St<Arc<State>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<ObjectsQuery>,
) -> Response {
    let Ok(now) = now() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "no clock");
    };
    let page = {
        let Ok(mut s) = state.store.lock() else {
            return poisoned().into_response();
        };
        taxii::objects(
            &mut s,
            &caller.principal,
            &id,
            q.added_after.as_deref(),
            q.limit,
            q.next.as_deref(),
            now,
        )
    };
    let page = match page {
        Ok(p) => p,
        Err(e) => return from_app(e),
    };
    let created = page
        .added
        .last()
        .cloned()
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".into());
    let bundle: Value = serde_json::from_str(&critmin_intel::export::to_stix_bundle(
        &page.events,
        &created,
    ))
    .unwrap_or_default();
    let mut envelope = json!({ "more": page.more, "objects": bundle["objects"] });
    if let Some(n) = &page.next {
        envelope["next"] = json!(n);
    }
    let mut r = taxii(StatusCode::OK, envelope);
    if let (Some(first), Some(last)) = (page.added.first(), page.added.last()) {
        for (k, v) in [
            ("x-taxii-date-added-first", first),
            ("x-taxii-date-added-last", last),
        ] {
            if let Ok(v) = HeaderValue::from_str(v) {
                r.headers_mut().insert(k, v);
            }
        }
    }
    r
}
