//! The workspace's scenarios and jobs: scenarios stored under a marking,
//! and simulations and Monte Carlo runs submitted as jobs whose results are
//! marked as the most restrictive of their inputs (the scenario) and the
//! marking the submitter asked for. Every read, run and cancel goes
//! through [`decide_audited`]. The server queues the jobs and runs
//! [`execute`] on its workers; the CLI could run the same.

use crate::access::{Action, Decision, Marking, Principal, Role};
use crate::inputs::ScenarioRef;
use crate::ops::accounts::{AuditLog, decide_audited, random_hex};
use crate::{AppError, Context};
use critmin_intel::alert::Stamp;
use critmin_intel::event::Tlp;
use critmin_store::Store;
use critmin_store::jobs::{JobRow, ScenarioRow};
use serde::{Deserialize, Serialize};

fn internal(e: critmin_store::StoreError) -> AppError {
    AppError::Internal(e.to_string())
}

fn marking_json(m: &Marking) -> Result<String, AppError> {
    serde_json::to_string(m).map_err(|e| AppError::Internal(e.to_string()))
}

fn marking_of(json: &str) -> Result<Marking, AppError> {
    serde_json::from_str(json).map_err(|e| AppError::Internal(format!("a stored marking: {e}")))
}

/// A stored scenario as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioInfo {
    /// Id (`sc-…`), what jobs name it by.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its marking.
    pub marking: Marking,
    /// When stored, and by whom.
    pub created: String,
    /// The user who stored it.
    pub created_by: String,
    /// Its TOML (in a single scenario's answer only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toml: Option<String>,
}

fn info(row: ScenarioRow, with_toml: bool) -> Result<ScenarioInfo, AppError> {
    Ok(ScenarioInfo {
        marking: marking_of(&row.marking)?,
        id: row.id,
        name: row.name,
        created: row.created,
        created_by: row.created_by,
        toml: with_toml.then_some(row.toml),
    })
}

/// Parses a scenario's TOML against the dataset: `Ok` or every problem at
/// `name:line`.
pub fn validate_scenario(
    name: &str,
    toml: &str,
    ds: &crate::inputs::Dataset,
) -> Result<(), AppError> {
    critmin_format::scenario::parse(name, toml.as_bytes(), &ds.model)
        .map(|_| ())
        .map_err(|diagnostics| AppError::Invalid {
            input: name.to_string(),
            diagnostics,
        })
}

/// Stores a scenario for `p`'s organisation (analysts), after validating
/// it; marked `tlp` (default AMBER+STRICT) and shared with `share_with`.
pub fn save_scenario(
    store: &mut Store,
    p: &Principal,
    name: &str,
    toml: &str,
    marking: (Option<Tlp>, Vec<String>),
    ds: &crate::inputs::Dataset,
    now: Stamp,
) -> Result<ScenarioInfo, AppError> {
    if p.role < Role::Analyst {
        return Err(AppError::Forbidden(
            "storing scenarios takes an analyst".into(),
        ));
    }
    if name.trim().is_empty() || name.len() > 200 {
        return Err(AppError::bad(
            "name",
            "give the scenario a name of 1 to 200 characters",
        ));
    }
    validate_scenario(&format!("{name}.toml"), toml, ds)?;
    let m = Marking {
        tlp: marking.0.unwrap_or(Tlp::AmberStrict),
        owner: p.org.clone(),
        share_with: marking.1,
    };
    let row = ScenarioRow {
        id: format!("sc-{}", random_hex(8)?),
        name: name.into(),
        toml: toml.into(),
        marking: marking_json(&m)?,
        created: now.to_string(),
        created_by: p.user.clone(),
    };
    store.add_scenario(&row).map_err(internal)?;
    info(row, false)
}

/// The stored scenarios `p` may read, newest first.
pub fn list_scenarios(
    store: &mut Store,
    p: &Principal,
    now: Stamp,
) -> Result<Vec<ScenarioInfo>, AppError> {
    let mut out = Vec::new();
    let mut log = AuditLog::default();
    for row in store.scenarios().map_err(internal)? {
        let m = marking_of(&row.marking)?;
        if log.decide(p, Action::Read, &format!("scenario:{}", row.id), &m, now) == Decision::Allow
        {
            out.push(info(row, false)?);
        }
    }
    log.write(store)?;
    Ok(out)
}

/// One stored scenario with its TOML; not found when hidden.
pub fn get_scenario(
    store: &mut Store,
    p: &Principal,
    id: &str,
    now: Stamp,
) -> Result<ScenarioInfo, AppError> {
    let missing = || AppError::NotFound {
        message: format!("no scenario `{id}`"),
    };
    let row = store.scenario(id).map_err(internal)?.ok_or_else(missing)?;
    let m = marking_of(&row.marking)?;
    match decide_audited(store, p, Action::Read, &format!("scenario:{id}"), &m, now)? {
        Decision::Allow => info(row, true),
        _ => Err(missing()),
    }
}

/// What a job runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// One run, month by month (`critmin simulate`).
    Simulate,
    /// Futures of the scenario's risks (`critmin montecarlo`).
    Montecarlo,
}

/// A job as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    /// What to run.
    pub kind: JobKind,
    /// A built-in scenario's name, or a stored scenario's id (`sc-…`).
    pub scenario: String,
    /// Monte Carlo futures (default 1000, at most 100,000).
    #[serde(default)]
    pub runs: Option<usize>,
    /// Seed (default 1).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Months (default: the scenario's).
    #[serde(default)]
    pub horizon_months: Option<u32>,
    /// The result's marking at least (default AMBER+STRICT: the
    /// organisation's own until it shares it).
    #[serde(default)]
    pub tlp: Option<Tlp>,
    /// Recipients of an AMBER result.
    #[serde(default)]
    pub share_with: Vec<String>,
}

/// A job as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobInfo {
    /// Id (`job-…`).
    pub id: String,
    /// What it runs.
    pub spec: JobSpec,
    /// Its result's marking.
    pub marking: Marking,
    /// Who submitted it.
    pub created_by: String,
    /// `queued`, `running`, `done`, `failed`, `cancelled`.
    pub status: String,
    /// When submitted, started, ended.
    pub created: String,
    /// When it started.
    pub started: Option<String>,
    /// When it ended.
    pub finished: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

fn job_info(row: &JobRow) -> Result<JobInfo, AppError> {
    Ok(JobInfo {
        id: row.id.clone(),
        spec: serde_json::from_str(&row.spec).map_err(|e| AppError::Internal(e.to_string()))?,
        marking: marking_of(&row.marking)?,
        created_by: row.created_by.clone(),
        status: row.status.clone(),
        created: row.created.clone(),
        started: row.started.clone(),
        finished: row.finished.clone(),
        error: row.error.clone(),
    })
}

/// The scenario a spec names and its marking: a built-in one is CLEAR; a
/// stored one must be `p`'s to run (readable, and `p` an analyst).
fn resolve(
    store: &mut Store,
    p: &Principal,
    scenario: &str,
    now: Stamp,
) -> Result<(ScenarioRef, Marking), AppError> {
    if scenario.starts_with("sc-") {
        let missing = || AppError::NotFound {
            message: format!("no scenario `{scenario}`"),
        };
        let row = store
            .scenario(scenario)
            .map_err(internal)?
            .ok_or_else(missing)?;
        let m = marking_of(&row.marking)?;
        return match decide_audited(
            store,
            p,
            Action::Run,
            &format!("scenario:{scenario}"),
            &m,
            now,
        )? {
            Decision::Allow => Ok((
                ScenarioRef::Text {
                    name: format!("{}.toml", row.name),
                    text: row.toml,
                },
                m,
            )),
            Decision::Forbidden => Err(AppError::Forbidden(
                "running a scenario takes an analyst".into(),
            )),
            Decision::NotFound => Err(missing()),
        };
    }
    // A built-in name: it must exist.
    crate::inputs::builtin_scenario(scenario)?;
    Ok((
        ScenarioRef::Builtin(scenario.into()),
        Marking {
            tlp: Tlp::Clear,
            owner: "critmin".into(),
            share_with: Vec::new(),
        },
    ))
}

/// Submits a job for `p` (analysts): checked now — the scenario exists and
/// may be run, the numbers are in range — and stored `queued`, marked as
/// the most restrictive of the scenario's marking and the one asked for.
pub fn submit_job(
    store: &mut Store,
    p: &Principal,
    spec: &JobSpec,
    now: Stamp,
) -> Result<JobInfo, AppError> {
    if p.role < Role::Analyst {
        return Err(AppError::Forbidden(
            "submitting jobs takes an analyst".into(),
        ));
    }
    if spec.runs.is_some_and(|r| r == 0 || r > 100_000) {
        return Err(AppError::bad("runs", "1 to 100000 futures"));
    }
    crate::ops::montecarlo::check_horizon(spec.horizon_months, "horizon_months")?;
    let (_, scenario_marking) = resolve(store, p, &spec.scenario, now)?;
    let asked = Marking {
        tlp: spec.tlp.unwrap_or(Tlp::AmberStrict),
        owner: p.org.clone(),
        share_with: spec.share_with.clone(),
    };
    let marking = Marking::derived(&p.org, &[scenario_marking, asked]);
    let row = JobRow {
        id: format!("job-{}", random_hex(8)?),
        spec: serde_json::to_string(spec).map_err(|e| AppError::Internal(e.to_string()))?,
        marking: marking_json(&marking)?,
        created_by: p.user.clone(),
        status: "queued".into(),
        created: now.to_string(),
        started: None,
        finished: None,
        result: None,
        error: None,
    };
    store.add_job(&row).map_err(internal)?;
    job_info(&row)
}

/// What a worker needs to run job `id`: its spec and scenario, read with
/// the submitter's rights as they are now (a scenario unshared since is
/// refused). Marks the job running.
pub fn start_job(
    store: &mut Store,
    id: &str,
    now: Stamp,
) -> Result<(JobSpec, ScenarioRef), AppError> {
    let row = store
        .job(id)
        .map_err(internal)?
        .ok_or_else(|| AppError::NotFound {
            message: format!("no job `{id}`"),
        })?;
    let spec: JobSpec =
        serde_json::from_str(&row.spec).map_err(|e| AppError::Internal(e.to_string()))?;
    let p = crate::ops::accounts::principal_of(store, &row.created_by)?;
    let (scenario, _) = resolve(store, &p, &spec.scenario, now)?;
    if !store
        .set_job(id, "running", &now.to_string(), None, None)
        .map_err(internal)?
    {
        return Err(AppError::Cancelled);
    }
    Ok((spec, scenario))
}

/// Runs a job's operation: the same call as the CLI's `simulate` or
/// `montecarlo --format json`, its envelope as the result.
pub fn execute(
    spec: &JobSpec,
    scenario: ScenarioRef,
    ctx: &Context,
) -> Result<serde_json::Value, AppError> {
    let to_value = |v: Result<serde_json::Value, serde_json::Error>| {
        v.map_err(|e| AppError::Internal(e.to_string()))
    };
    match spec.kind {
        JobKind::Simulate => {
            let req = crate::ops::simulate::SimulateRequest {
                scenario,
                monthly: true,
                ..Default::default()
            };
            to_value(serde_json::to_value(crate::ops::simulate::simulate(
                &req, ctx,
            )?))
        }
        JobKind::Montecarlo => {
            let req = crate::ops::montecarlo::MonteCarloRequest {
                scenario,
                runs: spec.runs.unwrap_or(1000),
                seed: spec.seed.unwrap_or(1),
                horizon_months: spec.horizon_months,
                ..Default::default()
            };
            to_value(serde_json::to_value(crate::ops::montecarlo::montecarlo(
                &req, ctx,
            )?))
        }
    }
}

/// Records how job `id` ended.
pub fn finish_job(
    store: &mut Store,
    id: &str,
    outcome: Result<serde_json::Value, AppError>,
    now: Stamp,
) -> Result<(), AppError> {
    let at = now.to_string();
    match outcome {
        Ok(v) => store.set_job(id, "done", &at, Some(&v.to_string()), None),
        Err(AppError::Cancelled) => store.set_job(id, "cancelled", &at, None, None),
        Err(e) => store.set_job(id, "failed", &at, None, Some(&e.to_string())),
    }
    .map(|_| ())
    .map_err(internal)
}

/// Job `id` as `p` may see it; not found when hidden.
pub fn get_job(
    store: &mut Store,
    p: &Principal,
    id: &str,
    now: Stamp,
) -> Result<JobInfo, AppError> {
    let missing = || AppError::NotFound {
        message: format!("no job `{id}`"),
    };
    let row = store.job(id).map_err(internal)?.ok_or_else(missing)?;
    let info = job_info(&row)?;
    match decide_audited(
        store,
        p,
        Action::Read,
        &format!("job:{id}"),
        &info.marking,
        now,
    )? {
        Decision::Allow => Ok(info),
        _ => Err(missing()),
    }
}

/// The jobs `p` may see, newest first.
pub fn list_jobs(store: &mut Store, p: &Principal, now: Stamp) -> Result<Vec<JobInfo>, AppError> {
    let mut out = Vec::new();
    let mut log = AuditLog::default();
    for row in store.jobs().map_err(internal)? {
        let info = job_info(&row)?;
        if log.decide(
            p,
            Action::Read,
            &format!("job:{}", row.id),
            &info.marking,
            now,
        ) == Decision::Allow
        {
            out.push(info);
        }
    }
    log.write(store)?;
    Ok(out)
}

/// A finished job's result as stored (JSON text), if `p` may see it (400
/// until it is done).
pub fn job_result(
    store: &mut Store,
    p: &Principal,
    id: &str,
    now: Stamp,
) -> Result<String, AppError> {
    let info = get_job(store, p, id, now)?;
    if info.status != "done" {
        return Err(AppError::bad(
            "job",
            format!("job {id} is {}, not done", info.status),
        ));
    }
    store
        .job_result(id)
        .map_err(internal)?
        .ok_or_else(|| AppError::Internal(format!("job {id} is done but has no result")))
}

/// Whether `p` may cancel job `id` (an analyst of the organisation that
/// owns it): `Ok` or 403/404. The caller then cancels the running work;
/// a queued job is marked cancelled here.
pub fn cancel_job(
    store: &mut Store,
    p: &Principal,
    id: &str,
    now: Stamp,
) -> Result<JobInfo, AppError> {
    let info = get_job(store, p, id, now)?;
    match decide_audited(
        store,
        p,
        Action::Write,
        &format!("job:{id}"),
        &info.marking,
        now,
    )? {
        Decision::Allow => {}
        Decision::Forbidden => {
            return Err(AppError::Forbidden(
                "cancelling takes an analyst of the job's organisation".into(),
            ));
        }
        Decision::NotFound => {
            return Err(AppError::NotFound {
                message: format!("no job `{id}`"),
            });
        }
    }
    if info.status == "queued" {
        store
            .set_job(id, "cancelled", &now.to_string(), None, None)
            .map_err(internal)?;
    }
    get_job(store, p, id, now)
}

/// Marks the jobs a stopped server left queued or running as failed.
pub fn fail_unfinished(store: &mut Store, now: Stamp) -> Result<usize, AppError> {
    store
        .fail_unfinished_jobs(&now.to_string())
        .map_err(internal)
}
