//! The web dashboard: server-rendered HTML with inline SVG, styled by one
//! style sheet served from `/ui/style.css`, and no script at all (the
//! content security policy allows none inline, and none is needed: forms
//! post, a running job's page refreshes itself). Every page reads through
//! the same application-layer operations as the API, so it shows exactly
//! what the caller's markings allow.

use crate::State;
use crate::api::with_store;
use crate::auth::{COOKIE, Caller, cookie, now, poisoned};
use crate::error::ApiError;
use axum::Router;
use axum::extract::{Form, FromRequestParts, Path, State as St};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use critmin_app::ops::{accounts, jobs, workspace};
use critmin_report::html::{Cell, status_chip, table_html};
use critmin_report::svg::esc;
use serde::Deserialize;
use std::fmt::Write as _;
use std::sync::Arc;

pub(crate) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/") }))
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/ui/style.css", get(style))
        .route("/ui/", get(overview))
        .route("/ui/events", get(events))
        .route("/ui/alerts", get(alerts))
        .route("/ui/jobs", get(jobs_page).post(submit))
        .route("/ui/jobs/{id}", get(job_page))
}

/// The dashboard's style: the report's, and a few rules of its own.
const EXTRA_CSS: &str = r#"
header.app{padding:18px 40px 18px}header.app h1{font-size:22px}
header.app nav{margin-top:8px}header.app form{display:inline;margin-left:18px}
header.app button{background:none;border:1px solid rgba(255,255,255,.5);color:#fff;border-radius:6px;padding:2px 10px;cursor:pointer}
main.app{padding-top:24px}main.app .cards{margin:0 0 22px}
form.box{display:grid;gap:10px;max-width:360px}
form.box input,form.box select{padding:6px 8px;border:1px solid var(--line);border-radius:6px;font:inherit}
form.box button,form.inline button{background:var(--accent);color:#fff;border:0;border-radius:6px;padding:7px 14px;font:inherit;cursor:pointer}
form.inline{display:flex;gap:10px;align-items:end;flex-wrap:wrap}
form.inline label{display:grid;gap:3px;font-size:12.5px;color:var(--muted)}
form.inline input,form.inline select{padding:5px 8px;border:1px solid var(--line);border-radius:6px;font:inherit}
.tlp{display:inline-block;border-radius:4px;padding:0 6px;font-size:11px;font-weight:700;background:#000;color:#fff}
.tlp.clear{color:#fff}.tlp.green{color:#33ff00}.tlp.amber{color:#ffc000}.tlp.red{color:#ff2b2b}
.err{color:var(--red);font-weight:600}
"#;

async fn style() -> Response {
    let mut r = format!("{}{EXTRA_CSS}", critmin_report::html::CSS).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r
}

/// A page: header with navigation (and the logout form), then `body`.
fn page(title: &str, who: Option<&Caller>, body: &str) -> Response {
    let mut nav = String::new();
    if let Some(c) = who {
        let _ = write!(
            nav,
            "<nav><a href=\"/ui/\">Overview</a><a href=\"/ui/events\">Intelligence</a><a href=\"/ui/alerts\">Alerts</a><a href=\"/ui/jobs\">Jobs</a><span>{} · {} · {}</span><form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">Log out</button></form></nav>",
            esc(&c.principal.user),
            esc(&c.principal.org),
            c.principal.role.as_str(),
            esc(c.csrf.as_deref().unwrap_or(""))
        );
    }
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} — critmin</title><link rel=\"stylesheet\" href=\"/ui/style.css\"></head><body><header class=\"app\"><h1>critmin partner workspace</h1>{nav}</header><main class=\"app\">{body}</main></body></html>",
        esc(title)
    );
    let mut r = html.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

fn section(id: &str, title: &str, lead: &str, body: &str) -> String {
    format!(
        "<section id=\"{id}\"><h2>{}</h2><p class=\"lead\">{}</p>{body}</section>",
        esc(title),
        esc(lead)
    )
}

/// The caller of a page, or a redirect to the login page.
pub(crate) struct UiCaller(Caller);

impl FromRequestParts<Arc<State>> for UiCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<State>) -> Result<Self, Response> {
        // Forms carry the CSRF token as a field: every handler that takes
        // a POST checks it (`csrf_refused`).
        match Caller::authenticate(parts, state, false) {
            Ok(c) => Ok(UiCaller(c)),
            Err(e) if e.status == 401 => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

fn login_form(message: &str) -> Response {
    let msg = if message.is_empty() {
        String::new()
    } else {
        format!("<p class=\"err\">{}</p>", esc(message))
    };
    page(
        "Log in",
        None,
        &section(
            "sign-in",
            "Log in",
            "Your organisation's administrator gives you an account.",
            &format!(
                "{msg}<form class=\"box\" method=\"post\" action=\"/login\"><input name=\"user\" id=\"user\" placeholder=\"user\" autocomplete=\"username\" required><input name=\"password\" id=\"password\" type=\"password\" placeholder=\"password\" autocomplete=\"current-password\" required><button type=\"submit\" id=\"login\">Log in</button></form>"
            ),
        ),
    )
}

async fn login_page() -> Response {
    login_form("")
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    user: String,
    password: String,
}

async fn login(St(state): St<Arc<State>>, Form(f): Form<LoginForm>) -> Response {
    match crate::api::open_session(&state, &f.user, &f.password).await {
        Ok((cookie, _)) => {
            let mut r = Redirect::to("/ui/").into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => {
            let mut r = login_form(&e.message);
            *r.status_mut() = StatusCode::from_u16(e.status).unwrap_or(StatusCode::UNAUTHORIZED);
            r
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

/// A form's CSRF token against the session's: the refusal, if it does not
/// match.
fn csrf_refused(c: &Caller, given: &str) -> Option<Response> {
    match &c.csrf {
        Some(want) if accounts::csrf_ok(want, given) => None,
        _ => Some(
            ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "the form's token does not match the session",
            )
            .into_response(),
        ),
    }
}

async fn logout(
    St(state): St<Arc<State>>,
    UiCaller(c): UiCaller,
    headers: axum::http::HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_refused(&c, &f.csrf) {
        return r;
    }
    if let Some(id) = cookie(&headers, COOKIE)
        && let Ok(mut s) = state.store.lock()
    {
        let _ = accounts::logout(&mut s, &id);
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("critmin_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    r
}

fn tlp_chip(tlp: &str) -> String {
    let class = tlp
        .trim_start_matches("TLP:")
        .split('+')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    format!("<span class=\"tlp {class}\">{}</span>", esc(tlp))
}

fn pct(v: f64) -> String {
    format!("{:.1} %", 100.0 * v)
}

async fn overview(St(state): St<Arc<State>>, UiCaller(c): UiCaller) -> Response {
    let targets = tokio::task::spawn_blocking(|| {
        critmin_app::ops::metrics::targets(&Default::default(), &critmin_app::Context::default())
    })
    .await;
    let Ok(Ok(env)) = targets else {
        return poisoned().into_response();
    };
    let v = serde_json::to_value(&env).unwrap_or_default();
    let mut cards = String::from("<div class=\"cards\">");
    for h in v["headlines"].as_array().into_iter().flatten() {
        let id = h["id"].as_str().unwrap_or("");
        let until = h["off_track_from"]
            .as_i64()
            .map(|y| format!("; off track from {y}"))
            .unwrap_or_default();
        let _ = write!(
            cards,
            "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"d\">{} in {}{}</div></div>",
            esc(&id.replace('_', " ")),
            status_chip(h["status"].as_str().unwrap_or("unknown")),
            esc(h["status"]
                .as_str()
                .unwrap_or("")
                .replace('_', " ")
                .as_str()),
            h["goal_year"],
            esc(&until)
        );
    }
    cards.push_str("</div>");
    // The scorecard's trend: each target's value by year, one line each.
    let mut rows = Vec::new();
    for t in v["targets"].as_array().into_iter().flatten() {
        if t["year"].as_i64().is_some_and(|y| y % 2 == 0) {
            let value = t["value"].as_f64().unwrap_or(0.0);
            let shown = if t["unit"] == "fraction" {
                pct(value)
            } else {
                format!("{value:.1}")
            };
            rows.push(vec![
                Cell::text(t["id"].as_str().unwrap_or("")),
                Cell::num(&t["year"].to_string()),
                Cell::num(&shown),
                Cell::html(status_chip(t["status"].as_str().unwrap_or("unknown"))),
            ]);
        }
    }
    let table = table_html(
        &[
            ("target", false),
            ("year", true),
            ("value", true),
            ("status", false),
        ],
        &rows,
    );
    let ds = &state.dataset;
    let pipeline = critmin_report::pipeline::pipeline_section(&ds.model, 2030);
    let body = format!(
        "{cards}{}{}",
        section("pipeline", &pipeline.title, &pipeline.lead, &pipeline.body),
        section(
            "scorecard",
            "The partnership's scorecard",
            "Each target by year on the built-in dataset, as `critmin targets` computes it (definitions in docs/metrics.md), and whether it is on track for its goal.",
            &table
        )
    );
    page("Overview", Some(&c), &body)
}

async fn events(St(state): St<Arc<State>>, UiCaller(c): UiCaller) -> Response {
    let Ok(now) = now() else {
        return poisoned().into_response();
    };
    let req = critmin_app::ops::intel::ListRequest {
        limit: Some(200),
        ..Default::default()
    };
    let list = match with_store(&state, |s| {
        workspace::list_events(s, &c.principal, &req, now)
    }) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .map(|e| {
            vec![
                Cell::text(&e.published.map(|d| d.to_string()).unwrap_or_default()),
                Cell::text(&e.kind.as_str().replace('_', " ")),
                Cell::text(&e.title),
                Cell::text(e.status.as_str()),
                Cell::text(&e.owner),
                Cell::html(tlp_chip(e.tlp.as_str())),
            ]
        })
        .collect();
    let body = section(
        "events",
        "Intelligence",
        &format!(
            "{} events your organisation may see, newest first.",
            list.len()
        ),
        &table_html(
            &[
                ("published", false),
                ("kind", false),
                ("event", false),
                ("status", false),
                ("owner", false),
                ("marking", false),
            ],
            &rows,
        ),
    );
    page("Intelligence", Some(&c), &body)
}

async fn alerts(St(state): St<Arc<State>>, UiCaller(c): UiCaller) -> Response {
    let Ok(now) = now() else {
        return poisoned().into_response();
    };
    let list = match with_store(&state, |s| {
        workspace::alerts_for(s, &c.principal, None, now)
    }) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .map(|(a, at)| {
            let impact: Vec<String> = a
                .impact
                .iter()
                .map(|i| {
                    format!(
                        "{} +{} (P95 {})",
                        i.partner,
                        pct(i.added_unmet_share),
                        pct(i.unmet_share_p95)
                    )
                })
                .collect();
            vec![
                Cell::text(&a.raised_at.to_string()),
                Cell::text(&a.rule),
                Cell::text(&a.title),
                Cell::text(&impact.join("; ")),
                Cell::text(at.as_deref().unwrap_or("held")),
            ]
        })
        .collect();
    let body = section(
        "alerts",
        "Alerts",
        &format!("{} alerts raised for {}.", list.len(), c.principal.org),
        &table_html(
            &[
                ("raised", false),
                ("rule", false),
                ("event", false),
                ("impact", false),
                ("delivered", false),
            ],
            &rows,
        ),
    );
    page("Alerts", Some(&c), &body)
}

async fn jobs_page(St(state): St<Arc<State>>, UiCaller(c): UiCaller) -> Response {
    let Ok(now) = now() else {
        return poisoned().into_response();
    };
    let list = match with_store(&state, |s| jobs::list_jobs(s, &c.principal, now)) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let names: Vec<String> = critmin_app::ops::scenarios::list(&critmin_app::Context::default())
        .ok()
        .and_then(|e| serde_json::to_value(e).ok())
        .and_then(|v| v["scenarios"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s["name"].as_str().map(String::from))
        .collect();
    let mut options = String::new();
    for n in &names {
        let sel = if n == "risk-baseline" {
            " selected"
        } else {
            ""
        };
        let _ = write!(options, "<option value=\"{0}\"{sel}>{0}</option>", esc(n));
    }
    let form = format!(
        "<form class=\"inline\" method=\"post\" action=\"/ui/jobs\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><label>Scenario<select name=\"scenario\" id=\"scenario\">{options}</select></label><label>Run<select name=\"kind\" id=\"kind\"><option value=\"montecarlo\">Monte Carlo</option><option value=\"simulate\">one simulation</option></select></label><label>Futures<input name=\"runs\" id=\"runs\" type=\"number\" min=\"1\" max=\"100000\" value=\"200\"></label><button type=\"submit\" id=\"run\">Run</button></form>",
        esc(c.csrf.as_deref().unwrap_or(""))
    );
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .map(|j| {
            vec![
                Cell::html(format!("<a href=\"/ui/jobs/{0}\">{0}</a>", esc(&j.id))),
                Cell::text(&format!("{:?}", j.spec.kind).to_lowercase()),
                Cell::text(&j.spec.scenario),
                Cell::text(&j.status),
                Cell::text(&j.created),
                Cell::html(tlp_chip(j.marking.tlp.as_str())),
            ]
        })
        .collect();
    let body = format!(
        "{}{}",
        section(
            "new-job",
            "Run a scenario",
            "Jobs run on the server's workers; this page does not wait for them.",
            &form
        ),
        section(
            "job-list",
            "Jobs",
            &format!("{} jobs your organisation may see.", list.len()),
            &table_html(
                &[
                    ("job", false),
                    ("kind", false),
                    ("scenario", false),
                    ("status", false),
                    ("submitted", false),
                    ("marking", false)
                ],
                &rows
            )
        )
    );
    page("Jobs", Some(&c), &body)
}

#[derive(Deserialize)]
pub(crate) struct JobForm {
    csrf: String,
    scenario: String,
    kind: String,
    runs: Option<usize>,
}

async fn submit(
    St(state): St<Arc<State>>,
    UiCaller(c): UiCaller,
    Form(f): Form<JobForm>,
) -> Response {
    if let Some(r) = csrf_refused(&c, &f.csrf) {
        return r;
    }
    let Ok(now) = now() else {
        return poisoned().into_response();
    };
    let spec = jobs::JobSpec {
        kind: if f.kind == "simulate" {
            jobs::JobKind::Simulate
        } else {
            jobs::JobKind::Montecarlo
        },
        scenario: f.scenario,
        runs: f.runs,
        seed: None,
        horizon_months: None,
        tlp: None,
        share_with: Vec::new(),
    };
    match with_store(&state, |s| jobs::submit_job(s, &c.principal, &spec, now)) {
        Ok(j) => {
            crate::jobs::spawn(state.clone(), j.id.clone());
            Redirect::to(&format!("/ui/jobs/{}", j.id)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// A Monte Carlo result's table and chart: unmet share by country.
fn mc_summary(v: &serde_json::Value) -> String {
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    let mut p50 = Vec::new();
    let mut p95 = Vec::new();
    for c in v["summary"]["by_country"]
        .as_array()
        .into_iter()
        .flatten()
        .take(12)
    {
        let f = |k: &str| c[k].as_f64().unwrap_or(0.0);
        rows.push(vec![
            Cell::text(c["key"].as_str().unwrap_or("")),
            Cell::num(&pct(f("unmet_share_mean"))),
            Cell::num(&pct(f("unmet_share_p5"))),
            Cell::num(&pct(f("unmet_share_p50"))),
            Cell::num(&pct(f("unmet_share_p95"))),
        ]);
        bars.push(c["key"].as_str().unwrap_or("").to_string());
        p50.push(f("unmet_share_p50"));
        p95.push((f("unmet_share_p95") - f("unmet_share_p50")).max(0.0));
    }
    let chart = critmin_report::svg::StackedBars {
        title: "Unmet share of demand: median, and up to the 95th percentile".into(),
        bars,
        segments: vec![
            critmin_report::svg::Segment {
                label: "P50".into(),
                colour: "#1f4e8c".into(),
                values: p50,
            },
            critmin_report::svg::Segment {
                label: "P50 to P95".into(),
                colour: "#d08a1e".into(),
                values: p95,
            },
        ],
        percent: true,
        notes: Vec::new(),
    }
    .render();
    format!(
        "<div class=\"split\"><div>{chart}</div><div>{}</div></div>",
        table_html(
            &[
                ("country", false),
                ("mean", true),
                ("P5", true),
                ("P50", true),
                ("P95", true)
            ],
            &rows
        )
    )
}

async fn job_page(
    St(state): St<Arc<State>>,
    UiCaller(c): UiCaller,
    Path(id): Path<String>,
) -> Response {
    let Ok(now) = now() else {
        return poisoned().into_response();
    };
    let job = with_store(&state, |s| {
        let j = jobs::get_job(s, &c.principal, &id, now)?;
        let result = (j.status == "done")
            .then(|| jobs::job_result(s, &c.principal, &id, now).ok())
            .flatten();
        Ok((j, result))
    });
    let (j, result) = match job {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let progress = state
        .jobs
        .progress(&id)
        .map(|(d, t)| format!(" — {d} of {t}"))
        .unwrap_or_default();
    let mut body = section(
        "job",
        &format!("Job {}", j.id),
        &format!(
            "{:?} of {}, submitted {} by {}",
            j.spec.kind, j.spec.scenario, j.created, j.created_by
        ),
        &format!(
            "<p>Status: <strong id=\"status\">{}</strong>{}</p><p>Marking: {}</p>{}",
            esc(&j.status),
            esc(&progress),
            tlp_chip(j.marking.tlp.as_str()),
            j.error
                .as_deref()
                .map(|e| format!("<p class=\"err\">{}</p>", esc(e)))
                .unwrap_or_default()
        ),
    );
    if let Some(text) = result {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let inner = if j.spec.kind == jobs::JobKind::Montecarlo {
            mc_summary(&v)
        } else {
            let rows: Vec<Vec<Cell>> = v["summary"]["by_country"]
                .as_array()
                .into_iter()
                .flatten()
                .take(12)
                .map(|c| {
                    vec![
                        Cell::text(c["country"].as_str().unwrap_or("")),
                        Cell::num(&pct(c["unmet_share"].as_f64().unwrap_or(0.0))),
                    ]
                })
                .collect();
            table_html(&[("country", false), ("unmet share", true)], &rows)
        };
        body.push_str(&section(
            "result",
            "Result",
            "As the API's /jobs/{id}/result gives it in full.",
            &inner,
        ));
    }
    let mut r = page(&format!("Job {}", j.id), Some(&c), &body);
    if j.status == "queued" || j.status == "running" {
        r.headers_mut()
            .insert("refresh", HeaderValue::from_static("1"));
    }
    r
}
