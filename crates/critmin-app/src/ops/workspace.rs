//! The partner workspace's operations on marked items, for a caller: every
//! read and write goes through [`decide_audited`], so what a caller gets —
//! a list, one item, a search hit, an alert — is exactly what its marking
//! allows. The server's handlers call these and filter nothing themselves.

use crate::AppError;
use crate::access::{Action, Decision, Marking, Principal, Role};
use crate::ops::accounts::{AuditLog, decide_audited};
use crate::ops::intel::{ListRequest, query_of};
use critmin_intel::alert::{Alert, Stamp};
use critmin_intel::event::{Event, Tlp};
use critmin_intel::feed::{self, Format};
use critmin_intel::prepare::{Defaults, to_event};
use critmin_store::{IngestSummary, Store};

fn internal(e: critmin_store::StoreError) -> AppError {
    AppError::Internal(e.to_string())
}

/// The events `p` may read that match `req` (its `db` is ignored: the
/// store is the open one), newest first; `limit` counts only those.
pub fn list_events(
    store: &mut Store,
    p: &Principal,
    req: &ListRequest,
    now: Stamp,
) -> Result<Vec<Event>, AppError> {
    let mut q = query_of(req)?;
    q.limit = None;
    let found = store.find(&q).map_err(|e| match e {
        critmin_store::StoreError::Sqlite { source, .. } if req.text.is_some() => {
            AppError::bad("text", format!("not a full-text query: {source}"))
        }
        e => internal(e),
    })?;
    let mut out = Vec::new();
    let mut log = AuditLog::default();
    for e in found {
        if req.limit.is_some_and(|n| out.len() >= n) {
            break;
        }
        let m = Marking::of(&e);
        if log.decide(p, Action::Read, &format!("event:{}", e.id), &m, now) == Decision::Allow {
            out.push(e);
        }
    }
    log.write(store)?;
    Ok(out)
}

/// The event `id`, if `p` may read it; otherwise, as when there is none,
/// not found.
pub fn get_event(
    store: &mut Store,
    p: &Principal,
    id: &str,
    now: Stamp,
) -> Result<Event, AppError> {
    let missing = || AppError::NotFound {
        message: format!("no event `{id}`"),
    };
    let e = store.get(id).map_err(internal)?.ok_or_else(missing)?;
    match decide_audited(
        store,
        p,
        Action::Read,
        &format!("event:{id}"),
        &Marking::of(&e),
        now,
    )? {
        Decision::Allow => Ok(e),
        _ => Err(missing()),
    }
}

/// Events posted by a caller: a feed file's bytes.
pub struct Posted<'a> {
    /// A name for the diagnostics and the source (`upload.jsonl`).
    pub name: &'a str,
    /// Its format.
    pub format: Format,
    /// The bytes.
    pub bytes: &'a [u8],
    /// The marking of items that carry none.
    pub tlp: Tlp,
}

/// Stores events posted by `p` (an analyst or admin): parsed and linked as
/// an ingest, all or nothing, owned by `p`'s organisation. An item that
/// names another owner is refused (403): nobody writes in another
/// organisation's name. Alerts are evaluated on what was added or changed.
pub fn post_events(
    store: &mut Store,
    p: &Principal,
    posted: &Posted<'_>,
    ds: &crate::inputs::Dataset,
    now: Stamp,
    ctx: &crate::Context,
) -> Result<IngestSummary, AppError> {
    if p.role < Role::Analyst {
        return Err(AppError::Forbidden(
            "posting events takes an analyst".into(),
        ));
    }
    let items =
        feed::parse(posted.format, posted.name, posted.bytes).map_err(|d| AppError::Invalid {
            input: posted.name.to_string(),
            diagnostics: d,
        })?;
    if let Some(i) = items.iter().find(|i| {
        i.owner
            .as_deref()
            .is_some_and(|o| !o.eq_ignore_ascii_case(&p.org))
    }) {
        return Err(AppError::Forbidden(format!(
            "item {} names owner `{}`: you post for {} only",
            i.position,
            i.owner.as_deref().unwrap_or_default(),
            p.org
        )));
    }
    let gazetteer = crate::ops::intel::gazetteer(&ds.model, None)?;
    let defaults = Defaults {
        source: format!("{}/{}", p.org, p.user),
        owner: p.org.clone(),
        tlp: posted.tlp,
    };
    let mut events: Vec<Event> = items
        .iter()
        .map(|i| to_event(i, &gazetteer, &defaults))
        .collect();
    for e in &mut events {
        e.owner = p.org.clone();
    }
    // An item already stored under another organisation's marking is not
    // this caller's to change: it may not even know it exists.
    for e in &events {
        if let Some(stored) = store.get(&e.id).map_err(internal)?
            && !stored.owner.eq_ignore_ascii_case(&p.org)
        {
            let d = decide_audited(
                store,
                p,
                Action::Write,
                &format!("event:{}", e.id),
                &Marking::of(&stored),
                now,
            )?;
            return Err(match d {
                Decision::NotFound => AppError::Forbidden(format!(
                    "item {} has an id another organisation uses: give it its own id",
                    e.id
                )),
                _ => AppError::Forbidden(format!("event {} belongs to {}", e.id, stored.owner)),
            });
        }
    }
    let summary = store
        .ingest(
            posted.name,
            crate::ops::intel::format_name(posted.format),
            &events,
            0,
        )
        .map_err(internal)?;
    if !store.rules().map_err(internal)?.is_empty() {
        crate::ops::alerts::evaluate_in(
            store,
            &ds.model,
            &ds.id.content_hash,
            Some(&summary.touched),
            now,
            ctx,
        )?;
    }
    Ok(summary)
}

/// The alerts raised for `p`'s organisation whose events `p` may read,
/// oldest first, with when each was delivered.
pub fn alerts_for(
    store: &mut Store,
    p: &Principal,
    since: Option<&str>,
    now: Stamp,
) -> Result<Vec<(Alert, Option<String>)>, AppError> {
    let all = store.alerts(Some(&p.org), since, None).map_err(internal)?;
    let mut out = Vec::new();
    let mut log = AuditLog::default();
    for (a, at) in all {
        let Some(e) = store.get(&a.event).map_err(internal)? else {
            continue;
        };
        if log.decide(
            p,
            Action::Read,
            &format!("alert:{}", a.id),
            &Marking::of(&e),
            now,
        ) == Decision::Allow
        {
            out.push((a, at));
        }
    }
    log.write(store)?;
    Ok(out)
}
