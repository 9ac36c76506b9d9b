//! The routes under `/api/v1` and the middleware every response passes:
//! security headers, a time limit. Each handler authenticates the caller
//! ([`Caller`]), calls one application-layer operation and returns its
//! JSON; none decides access or filters by itself.

use crate::State;
use crate::auth::{COOKIE, Caller, now, poisoned};
use crate::error::{ApiError, ErrorBody};
use axum::extract::{Path, Query, Request, State as St};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use critmin_app::access::Role;
use critmin_app::ops::{accounts, jobs, workspace};
use critmin_intel::event::Tlp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The largest request body, bytes (a feed file posted to `/events`).
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// Every route: method and path, as the OpenAPI document lists them (a
/// test checks both ways).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/health"),
    ("post", "/api/v1/session"),
    ("delete", "/api/v1/session"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/events"),
    ("post", "/api/v1/events"),
    ("get", "/api/v1/events/{id}"),
    ("get", "/api/v1/alerts"),
    ("get", "/api/v1/metrics"),
    ("get", "/api/v1/targets"),
    ("get", "/api/v1/scenarios"),
    ("post", "/api/v1/scenarios"),
    ("post", "/api/v1/scenarios/validate"),
    ("get", "/api/v1/scenarios/{id}"),
    ("get", "/api/v1/jobs"),
    ("post", "/api/v1/jobs"),
    ("get", "/api/v1/jobs/{id}"),
    ("post", "/api/v1/jobs/{id}/cancel"),
    ("get", "/api/v1/jobs/{id}/result"),
    ("get", "/api/v1/orgs"),
    ("get", "/api/v1/users"),
    ("get", "/api/v1/openapi.json"),
];

pub(crate) fn routes(state: Arc<State>) -> Router {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/session", axum::routing::post(login).delete(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/events", get(list_events).post(post_events))
        .route("/api/v1/events/{id}", get(get_event))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/metrics", get(metrics))
        .route("/api/v1/targets", get(targets))
        .route("/api/v1/scenarios", get(scenarios).post(save_scenario))
        .route(
            "/api/v1/scenarios/validate",
            axum::routing::post(validate_scenario),
        )
        .route("/api/v1/scenarios/{id}", get(get_scenario))
        .route("/api/v1/jobs", get(list_jobs).post(submit_job))
        .route("/api/v1/jobs/{id}", get(get_job))
        .route("/api/v1/jobs/{id}/cancel", axum::routing::post(cancel_job))
        .route("/api/v1/jobs/{id}/result", get(job_result))
        .route("/api/v1/orgs", get(orgs))
        .route("/api/v1/users", get(users))
        .route("/api/v1/openapi.json", get(openapi))
        .merge(crate::taxii::routes())
        .merge(crate::ui::routes())
        .fallback(|| async { ApiError::not_found() })
        .with_state(state)
}

/// Security headers on every response, and a time limit on every request.
pub(crate) async fn guard(
    St((state, limit)): St<(Arc<State>, Duration)>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the request took longer than {} s", limit.as_secs()),
        )
        .into_response(),
    };
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    );
    set(h, "x-frame-options", "DENY");
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "no-referrer");
    set(h, "cache-control", "no-store");
    if state.behind_tls {
        set(
            h,
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is over {} MiB", MAX_BODY_BYTES >> 20),
        )
        .into_response();
    }
    res
}

fn ctx() -> critmin_app::Context<'static> {
    critmin_app::Context::default()
}

/// Runs `f` on the store.
pub(crate) fn with_store<T>(
    state: &State,
    f: impl FnOnce(&mut critmin_app::Store) -> Result<T, critmin_app::AppError>,
) -> Result<T, ApiError> {
    let mut s = state.store.lock().map_err(|_| poisoned())?;
    f(&mut s).map_err(ApiError::from)
}

/// The server is up.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
    /// critmin's version.
    pub version: &'static str,
}

/// Whether the server is up (no login needed).
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, body = Health)))]
pub(crate) async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// A login.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct Login {
    /// User name.
    pub user: String,
    /// Password.
    pub password: String,
}

/// Who is logged in, and the token state-changing requests must carry.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    /// User name.
    pub user: String,
    /// Organisation.
    pub org: String,
    /// `viewer`, `analyst` or `admin`.
    pub role: String,
    /// Sharing groups of the organisation.
    pub groups: Vec<String>,
    /// The session's CSRF token (`X-CSRF-Token`), for a session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf: Option<String>,
}

fn me_of(p: &critmin_app::access::Principal, csrf: Option<String>) -> Me {
    Me {
        user: p.user.clone(),
        org: p.org.clone(),
        role: p.role.as_str().into(),
        groups: p.groups.clone(),
        csrf,
    }
}

/// Logs in: sets the session cookie (HttpOnly, SameSite=Strict, 12 hours)
/// and returns the CSRF token. Five failures for a user name in 15 minutes
/// and further attempts are refused with 429 until the window passes.
#[utoipa::path(post, path = "/api/v1/session", request_body = Login,
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn login(
    St(state): St<Arc<State>>,
    Json(l): Json<Login>,
) -> Result<Response, ApiError> {
    let (cookie, session) = open_session(&state, &l.user, &l.password).await?;
    let mut res = Json(me_of(&session.principal, Some(session.csrf))).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|_| poisoned())?,
    );
    Ok(res)
}

/// Checks a password (rate limited per user name) and opens a session:
/// the `Set-Cookie` value and the session. The API's and the dashboard's
/// logins both come here.
pub(crate) async fn open_session(
    state: &Arc<State>,
    user: &str,
    password: &str,
) -> Result<(String, accounts::NewSession), ApiError> {
    let now = now()?;
    {
        let mut f = state.login_failures.lock().map_err(|_| poisoned())?;
        if !f.allowed(user, now.0) {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many failed logins for this user: try again in 15 minutes",
            ));
        }
    }
    let st = state.clone();
    let (u, pw) = (user.to_string(), password.to_string());
    // argon2 is slow on purpose: off the async workers.
    let result =
        tokio::task::spawn_blocking(move || with_store(&st, |s| accounts::login(s, &u, &pw, now)))
            .await
            .map_err(|_| poisoned())?;
    let mut f = state.login_failures.lock().map_err(|_| poisoned())?;
    let session = match result {
        Ok(s) => {
            f.clear(user);
            s
        }
        Err(e) => {
            f.fail(user, now.0);
            return Err(e);
        }
    };
    let cookie = format!(
        "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        session.id,
        accounts::SESSION_MINUTES * 60,
        if state.behind_tls { "; Secure" } else { "" }
    );
    Ok((cookie, session))
}

/// Logs out: the session is revoked and the cookie cleared.
#[utoipa::path(delete, path = "/api/v1/session",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn logout(
    St(state): St<Arc<State>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let _ = caller;
    let id = crate::auth::cookie(&headers, COOKIE);
    if let Some(id) = id {
        with_store(&state, |s| accounts::logout(s, &id))?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("critmin_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    Ok(res)
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(caller: Caller) -> Json<Me> {
    Json(me_of(&caller.principal, caller.csrf))
}

/// A listing's filter.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Full-text query (SQLite FTS5) over titles and texts.
    pub text: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only events linked to `kind:id` (`element:Dy`).
    pub entity: Option<String>,
    /// Published on or after (`YYYY-MM-DD`).
    pub since: Option<String>,
    /// At most this many (default 100).
    pub limit: Option<usize>,
}

/// Events the caller may see.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Events {
    /// Newest first; each as `critmin intel show` prints it
    /// (`docs/outputs.md`, `intel-show`).
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<critmin_intel::event::Event>,
}

/// The events the caller's organisation may see under their markings,
/// newest first.
#[utoipa::path(get, path = "/api/v1/events", params(EventQuery),
    responses((status = 200, body = Events), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(crate) async fn list_events(
    St(state): St<Arc<State>>,
    caller: Caller,
    Query(q): Query<EventQuery>,
) -> Result<Json<Events>, ApiError> {
    let now = now()?;
    let req = critmin_app::ops::intel::ListRequest {
        text: q.text,
        kinds: q.kind.into_iter().collect(),
        entity: q.entity,
        since: q.since,
        limit: Some(q.limit.unwrap_or(100).min(1000)),
        db: None,
    };
    let events = with_store(&state, |s| {
        workspace::list_events(s, &caller.principal, &req, now)
    })?;
    Ok(Json(Events { events }))
}

/// One event; 404 when there is none or the caller may not see it.
#[utoipa::path(get, path = "/api/v1/events/{id}", params(("id" = String, Path, description = "The event's id")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_event(
    St(state): St<Arc<State>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<critmin_intel::event::Event>, ApiError> {
    let now = now()?;
    let e = with_store(&state, |s| {
        workspace::get_event(s, &caller.principal, &id, now)
    })?;
    Ok(Json(e))
}

/// How posted events are read.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PostQuery {
    /// jsonl (default), csv, rss, atom, stix, misp-feed (one event file).
    pub format: Option<String>,
    /// The marking of items that carry none (default TLP:AMBER+STRICT:
    /// nothing is shared until its owner says so).
    pub tlp: Option<String>,
}

/// What a post stored.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Posted {
    /// Items read.
    pub items: usize,
    /// New events.
    pub added: usize,
    /// Items that told a stored story again.
    pub merged: usize,
    /// Stored items changed.
    pub updated: usize,
    /// Stored items unchanged.
    pub unchanged: usize,
    /// The events added, merged into or updated.
    pub touched: Vec<String>,
}

/// Posts events (a feed file in the body) for the caller's organisation:
/// all or nothing, owned by it; analysts and admins only.
#[utoipa::path(post, path = "/api/v1/events", params(PostQuery), request_body(content = String, description = "A feed file"),
    responses((status = 200, body = Posted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn post_events(
    St(state): St<Arc<State>>,
    caller: Caller,
    Query(q): Query<PostQuery>,
    body: axum::body::Bytes,
) -> Result<Json<Posted>, ApiError> {
    let now = now()?;
    let format = match q.format.as_deref() {
        None => critmin_intel::feed::Format::Jsonl,
        Some(f) => critmin_intel::feed::Format::parse(f).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("format: `{f}` is not a feed format"),
            )
        })?,
    };
    let tlp = match q.tlp.as_deref() {
        None => Tlp::AmberStrict,
        Some(t) => Tlp::parse(t).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("tlp: `{t}` is not a marking"),
            )
        })?,
    };
    let st = state.clone();
    let s = tokio::task::spawn_blocking(move || {
        let posted = workspace::Posted {
            name: "upload",
            format,
            bytes: &body,
            tlp,
        };
        with_store(&st, |s| {
            workspace::post_events(s, &caller.principal, &posted, &st.dataset, now, &ctx())
        })
    })
    .await
    .map_err(|_| poisoned())??;
    Ok(Json(Posted {
        items: s.items,
        added: s.added,
        merged: s.merged,
        updated: s.updated,
        unchanged: s.unchanged,
        touched: s.touched,
    }))
}

/// An alert listing's filter.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// Raised on or after (`YYYY-MM-DD`).
    pub since: Option<String>,
}

/// Alerts for the caller's organisation.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Alerts {
    /// Oldest first; each as `critmin intel alerts --format json` lists it.
    #[schema(value_type = Vec<Object>)]
    pub alerts: Vec<serde_json::Value>,
}

/// The alerts raised for the caller's organisation.
#[utoipa::path(get, path = "/api/v1/alerts", params(AlertQuery),
    responses((status = 200, body = Alerts), (status = 401, body = ErrorBody)))]
pub(crate) async fn alerts(
    St(state): St<Arc<State>>,
    caller: Caller,
    Query(q): Query<AlertQuery>,
) -> Result<Json<Alerts>, ApiError> {
    let now = now()?;
    let list = with_store(&state, |s| {
        workspace::alerts_for(s, &caller.principal, q.since.as_deref(), now)
    })?;
    let alerts = list
        .into_iter()
        .map(|(a, at)| {
            let mut v = serde_json::to_value(&a).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert(
                    "delivered_at".into(),
                    at.map_or(serde_json::Value::Null, Into::into),
                );
            }
            v
        })
        .collect();
    Ok(Json(Alerts { alerts }))
}

/// A metrics query.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The year (default: the dataset's base year).
    pub year: Option<i32>,
}

/// Concentration per stage and exposure per country and group on the
/// built-in dataset, as `critmin metrics --format json`.
#[utoipa::path(get, path = "/api/v1/metrics", params(YearQuery),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(crate) async fn metrics(
    caller: Caller,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    let _ = caller;
    let req = critmin_app::ops::metrics::MetricsRequest {
        year: q.year,
        ..Default::default()
    };
    let env = tokio::task::spawn_blocking(move || critmin_app::ops::metrics::metrics(&req, &ctx()))
        .await
        .map_err(|_| poisoned())??;
    Ok(Json(env).into_response())
}

/// The partnership's scorecard, as `critmin targets --format json`.
#[utoipa::path(get, path = "/api/v1/targets",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub(crate) async fn targets(caller: Caller) -> Result<Response, ApiError> {
    let _ = caller;
    let env = tokio::task::spawn_blocking(|| {
        critmin_app::ops::metrics::targets(&Default::default(), &ctx())
    })
    .await
    .map_err(|_| poisoned())??;
    Ok(Json(env).into_response())
}

/// The scenarios: the built-in library (as `critmin scenarios list
/// --format json`) and the stored ones the caller may see.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Scenarios {
    /// The built-in library's envelope.
    #[schema(value_type = Object)]
    pub builtin: serde_json::Value,
    /// Stored scenarios the caller may see, newest first.
    #[schema(value_type = Vec<Object>)]
    pub stored: Vec<critmin_app::ops::jobs::ScenarioInfo>,
}

/// The built-in library and the stored scenarios the caller may see.
#[utoipa::path(get, path = "/api/v1/scenarios",
    responses((status = 200, body = Scenarios), (status = 401, body = ErrorBody)))]
pub(crate) async fn scenarios(
    St(state): St<Arc<State>>,
    caller: Caller,
) -> Result<Json<Scenarios>, ApiError> {
    let now = now()?;
    let env = critmin_app::ops::scenarios::list(&ctx())?;
    let stored = with_store(&state, |s| jobs::list_scenarios(s, &caller.principal, now))?;
    Ok(Json(Scenarios {
        builtin: serde_json::to_value(env).unwrap_or_default(),
        stored,
    }))
}

/// A scenario to store.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewScenario {
    /// Its name.
    pub name: String,
    /// Its TOML (`docs/scenarios.md`).
    pub toml: String,
    /// Its marking (default TLP:AMBER+STRICT).
    #[schema(value_type = Option<String>)]
    pub tlp: Option<Tlp>,
    /// For AMBER: organisations and `group:NAME`s; for RED: `user:NAME`s.
    #[serde(default)]
    pub share_with: Vec<String>,
}

/// Stores a scenario for the caller's organisation (analysts), validated
/// first: 422 with every problem at `file:line`.
#[utoipa::path(post, path = "/api/v1/scenarios", request_body = NewScenario,
    responses((status = 201, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn save_scenario(
    St(state): St<Arc<State>>,
    caller: Caller,
    Json(n): Json<NewScenario>,
) -> Result<Response, ApiError> {
    let now = now()?;
    let info = with_store(&state, |s| {
        jobs::save_scenario(
            s,
            &caller.principal,
            &n.name,
            &n.toml,
            (n.tlp, n.share_with),
            &state.dataset,
            now,
        )
    })?;
    Ok((StatusCode::CREATED, Json(info)).into_response())
}

/// A scenario to check.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ScenarioText {
    /// Its TOML.
    pub toml: String,
}

/// Checks a scenario against the built-in dataset without storing it.
#[utoipa::path(post, path = "/api/v1/scenarios/validate", request_body = ScenarioText,
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn validate_scenario(
    St(state): St<Arc<State>>,
    caller: Caller,
    Json(t): Json<ScenarioText>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let _ = caller;
    jobs::validate_scenario("scenario.toml", &t.toml, &state.dataset)?;
    Ok(Json(serde_json::json!({ "valid": true })))
}

/// One stored scenario with its TOML; 404 when hidden.
#[utoipa::path(get, path = "/api/v1/scenarios/{id}", params(("id" = String, Path, description = "The scenario's id")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_scenario(
    St(state): St<Arc<State>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<critmin_app::ops::jobs::ScenarioInfo>, ApiError> {
    let now = now()?;
    Ok(Json(with_store(&state, |s| {
        jobs::get_scenario(s, &caller.principal, &id, now)
    })?))
}

/// A job and, while it runs, its progress.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Job {
    /// The job (`id`, `spec`, `marking`, `status`, times, `error`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub job: critmin_app::ops::jobs::JobInfo,
    /// Units done and in all (futures for a Monte Carlo), while it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<[u64; 2]>,
}

fn with_progress(state: &State, job: critmin_app::ops::jobs::JobInfo) -> Job {
    let progress = state.jobs.progress(&job.id).map(|(d, t)| [d, t]);
    Job { job, progress }
}

/// Submits a simulation or Monte Carlo job (analysts): 202 at once, then
/// poll it. Its result is marked as the most restrictive of the scenario's
/// marking and the one asked for (default TLP:AMBER+STRICT).
#[utoipa::path(post, path = "/api/v1/jobs", request_body(content = Object, description = "{kind: simulate|montecarlo, scenario, runs?, seed?, horizon_months?, tlp?, share_with?}"),
    responses((status = 202, body = Job), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn submit_job(
    St(state): St<Arc<State>>,
    caller: Caller,
    Json(spec): Json<critmin_app::ops::jobs::JobSpec>,
) -> Result<Response, ApiError> {
    let now = now()?;
    let job = with_store(&state, |s| {
        jobs::submit_job(s, &caller.principal, &spec, now)
    })?;
    crate::jobs::spawn(state.clone(), job.id.clone());
    Ok((StatusCode::ACCEPTED, Json(with_progress(&state, job))).into_response())
}

/// The jobs the caller may see, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Jobs {
    /// Newest first.
    pub jobs: Vec<Job>,
}

/// The jobs the caller may see.
#[utoipa::path(get, path = "/api/v1/jobs", responses((status = 200, body = Jobs), (status = 401, body = ErrorBody)))]
pub(crate) async fn list_jobs(
    St(state): St<Arc<State>>,
    caller: Caller,
) -> Result<Json<Jobs>, ApiError> {
    let now = now()?;
    let list = with_store(&state, |s| jobs::list_jobs(s, &caller.principal, now))?;
    Ok(Json(Jobs {
        jobs: list.into_iter().map(|j| with_progress(&state, j)).collect(),
    }))
}

/// One job; 404 when hidden.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, body = Job), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_job(
    St(state): St<Arc<State>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Job>, ApiError> {
    let now = now()?;
    let j = with_store(&state, |s| jobs::get_job(s, &caller.principal, &id, now))?;
    Ok(Json(with_progress(&state, j)))
}

/// Cancels a job (an analyst of its organisation): a queued one at once, a
/// running one within a future.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, body = Job), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn cancel_job(
    St(state): St<Arc<State>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Job>, ApiError> {
    let now = now()?;
    let j = with_store(&state, |s| jobs::cancel_job(s, &caller.principal, &id, now))?;
    state.jobs.cancel(&id);
    Ok(Json(with_progress(&state, j)))
}

/// A finished job's result (the envelope `critmin simulate` or
/// `critmin montecarlo --format json` prints); 400 until it is done.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/result", params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn job_result(
    St(state): St<Arc<State>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let now = now()?;
    let text = with_store(&state, |s| jobs::job_result(s, &caller.principal, &id, now))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

/// The organisations of the partnership (names, titles, groups).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Orgs {
    /// By name.
    #[schema(value_type = Vec<Object>)]
    pub orgs: Vec<critmin_app::ops::accounts::OrgInfo>,
}

/// The member organisations.
#[utoipa::path(get, path = "/api/v1/orgs", responses((status = 200, body = Orgs), (status = 401, body = ErrorBody)))]
pub(crate) async fn orgs(
    St(state): St<Arc<State>>,
    caller: Caller,
) -> Result<Json<Orgs>, ApiError> {
    let _ = caller;
    let orgs = with_store(&state, |s| accounts::orgs(s))?;
    Ok(Json(Orgs { orgs }))
}

/// Users of the caller's organisation.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Users {
    /// By name (never a password hash).
    #[schema(value_type = Vec<Object>)]
    pub users: Vec<accounts::UserInfo>,
}

/// The users of the caller's organisation; admins only.
#[utoipa::path(get, path = "/api/v1/users",
    responses((status = 200, body = Users), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn users(
    St(state): St<Arc<State>>,
    caller: Caller,
) -> Result<Json<Users>, ApiError> {
    if caller.principal.role < Role::Admin {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "listing users takes an admin",
        ));
    }
    let users = with_store(&state, |s| accounts::users(s, Some(&caller.principal.org)))?;
    Ok(Json(Users { users }))
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", responses((status = 200, body = Object)))]
pub(crate) async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document(),
    )
        .into_response()
}
