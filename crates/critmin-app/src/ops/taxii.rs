//! TAXII 2.1 collections of the workspace's events, for MISP and OpenCTI
//! instances to pull what their organisation may see: `public` (CLEAR and
//! GREEN events), `org-<ORG>` (the AMBER, AMBER+STRICT and RED events the
//! caller may see: its organisation's own and those shared with it) and
//! `group-<NAME>` (AMBER events shared with a sharing group the caller's
//! organisation is in). Every event a caller may see is in one of its
//! collections. A caller sees only its own collections (any other
//! is not found), and every event in a page passes
//! [`crate::access::decide`], audited.

use crate::AppError;
use crate::access::{Action, Decision, Marking, Principal};
use crate::ops::accounts::AuditLog;
use critmin_intel::alert::Stamp;
use critmin_intel::event::{Event, Tlp};
use critmin_store::Store;
use serde::Serialize;

/// A TAXII collection (TAXII 2.1 §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collection {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// What it holds.
    pub description: String,
    /// Always true: the caller may read it.
    pub can_read: bool,
    /// Always false: posting goes through `/api/v1/events`.
    pub can_write: bool,
    /// `application/stix+json;version=2.1`.
    pub media_types: Vec<String>,
}

/// The collections `p` may read.
pub fn collections(p: &Principal) -> Vec<Collection> {
    let make = |id: String, title: String, description: String| Collection {
        id,
        title,
        description,
        can_read: true,
        can_write: false,
        media_types: vec!["application/stix+json;version=2.1".into()],
    };
    let mut v = vec![make(
        "public".into(),
        "Partnership: TLP:CLEAR and TLP:GREEN".into(),
        "Every member organisation's CLEAR and GREEN supply-chain events".into(),
    )];
    v.push(make(
        format!("org-{}", p.org),
        format!("{}: restricted events", p.org),
        format!(
            "TLP:AMBER, AMBER+STRICT and RED events {} may see: its own and those shared with it",
            p.org
        ),
    ));
    for g in &p.groups {
        v.push(make(
            format!("group-{g}"),
            format!("Sharing group {g}"),
            format!("TLP:AMBER events shared with the sharing group {g}"),
        ));
    }
    v
}

/// A page of a collection's events.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The events, by date added then id.
    pub events: Vec<Event>,
    /// When each was added (`YYYY-MM-DDTHH:MM:SS.sssZ`).
    pub added: Vec<String>,
    /// Whether more follow.
    pub more: bool,
    /// The `next` to ask for them.
    pub next: Option<String>,
}

/// The events of collection `id` that `p` may read, added after
/// `added_after`, `limit` (1–1000, default 100) from position `next`.
pub fn objects(
    store: &mut Store,
    p: &Principal,
    id: &str,
    added_after: Option<&str>,
    limit: Option<usize>,
    next: Option<&str>,
    now: Stamp,
) -> Result<Page, AppError> {
    if !collections(p).iter().any(|c| c.id == id) {
        return Err(AppError::NotFound {
            message: format!("no collection `{id}`"),
        });
    }
    let limit = limit.unwrap_or(100).clamp(1, 1000);
    let start: usize = match next {
        Some(n) => n
            .parse()
            .map_err(|_| AppError::bad("next", format!("`{n}` is not a page this server gave")))?,
        None => 0,
    };
    let internal = |e: critmin_store::StoreError| AppError::Internal(e.to_string());
    let times = store.added_times().map_err(internal)?;
    let in_collection = |e: &Event| -> bool {
        if id == "public" {
            matches!(e.tlp, Tlp::Clear | Tlp::Green)
        } else if id.starts_with("org-") {
            // The caller's own collection (checked above): what it may see
            // of the restricted markings.
            !matches!(e.tlp, Tlp::Clear | Tlp::Green)
        } else if let Some(g) = id.strip_prefix("group-") {
            e.tlp == Tlp::Amber && e.share_with.iter().any(|s| s == &format!("group:{g}"))
        } else {
            false
        }
    };
    let mut matching = Vec::new();
    let mut log = AuditLog::default();
    for (eid, at) in times {
        if added_after.is_some_and(|a| at.as_str() <= a) {
            continue;
        }
        let Some(e) = store.get(&eid).map_err(internal)? else {
            continue;
        };
        if !in_collection(&e) {
            continue;
        }
        if log.decide(
            p,
            Action::Read,
            &format!("event:{eid}"),
            &Marking::of(&e),
            now,
        ) == Decision::Allow
        {
            matching.push((e, at));
        }
    }
    log.write(store)?;
    let total = matching.len();
    let page: Vec<(Event, String)> = matching.into_iter().skip(start).take(limit).collect();
    let more = start + page.len() < total;
    Ok(Page {
        added: page.iter().map(|(_, a)| a.clone()).collect(),
        events: page.into_iter().map(|(e, _)| e).collect(),
        more,
        next: more.then(|| (start + limit).to_string()),
    })
}
