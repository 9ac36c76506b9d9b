//! `intel rules`, `intel evaluate` and `intel alerts`: each
//! organisation's alert rules, their evaluation on ingest and on a
//! schedule, delivery, and the alerts raised (`docs/intel.md`, "Alerts").
//!
//! Evaluation takes the events it is given (those an ingest added or
//! changed; on a schedule, every stored event), and for each
//! organisation's rule the ones it watches and the organisation may see
//! ([`crate::access::may_see`]). A rule with impact thresholds gets each
//! such event assessed once — the event alone, from the month it takes
//! effect, once and over the rules' Monte Carlo futures — and the result
//! is kept in the store by the event's content, the assessment's settings
//! and the dataset, so the schedule does not rerun it. An alert's id is
//! its organisation, rule, event and due day: re-ingesting or editing an
//! event never raises its alert again, and an event that has ended or was
//! resolved raises none.

use crate::inputs::{DatasetRef, load_dataset};
use crate::ops::intel::{AssessSpec, assess_core, default_db, existing_db, open_store};
use crate::provenance::{Envelope, Provenance};
use crate::{AppError, Context};
use critmin_intel::alert::{Alert, Delivery, Impact, RuleSet, Stamp, parse_rules};
use critmin_intel::event::{EntityKind, Event};
use critmin_model::{Diagnostic, Model};
use critmin_store::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The current time, UTC, to the minute (or `now` when given: tests,
/// replays).
pub fn now_or(now: Option<&str>) -> Result<Stamp, AppError> {
    match now {
        Some(s) => Stamp::parse(s).ok_or_else(|| {
            AppError::bad(
                "--now",
                format!("`{s}` is not a time: YYYY-MM-DDTHH:MMZ or YYYY-MM-DD"),
            )
        }),
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            Ok(Stamp::from_unix_seconds(secs))
        }
    }
}

/// Parses a rules file and checks every entity it names against the
/// dataset: problems at `file:line`.
pub fn check_rules(name: &str, text: &str, model: &Model) -> Result<RuleSet, AppError> {
    let invalid = |diagnostics: Vec<Diagnostic>| AppError::Invalid {
        input: name.to_string(),
        diagnostics,
    };
    let (set, named) = parse_rules(text).map_err(|errs| {
        invalid(
            errs.into_iter()
                .map(|e| Diagnostic::new(name, e.line, &e.field, e.message))
                .collect(),
        )
    })?;
    let companies: Vec<String> = critmin_intel::link::companies(model)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut diags = Vec::new();
    for (kind, id, line) in named {
        let known = match kind {
            EntityKind::Element => critmin_model::Element::from_symbol(&id).is_some(),
            EntityKind::Country => {
                critmin_model::CountryCode::parse(&id).is_some_and(|c| model.country(c).is_some())
            }
            EntityKind::Facility => model.facilities.iter().any(|f| f.id.as_str() == id),
            EntityKind::Project => model.projects.iter().any(|p| p.id.as_str() == id),
            EntityKind::Company => companies.contains(&id),
        };
        if !known {
            diags.push(Diagnostic::new(
                name,
                line,
                kind.as_str(),
                format!("`{id}` is not a {} of the dataset", kind.as_str()),
            ));
        }
    }
    if diags.is_empty() {
        Ok(set)
    } else {
        Err(invalid(diags))
    }
}

/// Store an organisation's rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SetRulesRequest {
    /// The rules file.
    pub file: PathBuf,
    /// The store (`None`: [`default_db`]).
    pub db: Option<PathBuf>,
    /// The dataset its entities are checked against.
    pub dataset: DatasetRef,
}

/// The organisations' rules stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RulesResponse {
    /// The store.
    pub db: String,
    /// Per organisation, its rules as stored.
    pub orgs: Vec<StoredRules>,
}

/// One organisation's stored rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredRules {
    /// The organisation.
    pub org: String,
    /// When stored.
    pub stored_at: String,
    /// The rules, parsed.
    pub rules: RuleSet,
}

/// Validates a rules file and stores it for its organisation (replacing
/// the one stored); nothing is stored when it has a problem.
pub fn set_rules(
    req: &SetRulesRequest,
    ctx: &Context,
) -> Result<Envelope<RulesResponse>, AppError> {
    let name = req.file.display().to_string();
    let bytes = std::fs::read(&req.file).map_err(|e| AppError::NotFound {
        message: format!("{name}: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| AppError::Invalid {
        input: name.clone(),
        diagnostics: vec![Diagnostic::new(
            &name,
            1,
            "(file)",
            format!("not UTF-8: {e}"),
        )],
    })?;
    let ds = load_dataset(&req.dataset)?;
    let set = check_rules(&name, &text, &ds.model)?;
    let db = req.db.clone().unwrap_or_else(default_db);
    let mut store = open_store(&db)?;
    store
        .set_rules(&set.org, &text, &now_or(None)?.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    rules_response(&store, &db, ds.id, ctx)
}

/// The stored rules of every organisation.
pub fn list_rules(db: Option<&Path>, ctx: &Context) -> Result<Envelope<RulesResponse>, AppError> {
    let db = existing_db(db)?;
    let store = open_store(&db)?;
    let ds = load_dataset(&DatasetRef::Builtin)?;
    rules_response(&store, &db, ds.id, ctx)
}

fn rules_response(
    store: &Store,
    db: &Path,
    dataset: crate::provenance::InputId,
    ctx: &Context,
) -> Result<Envelope<RulesResponse>, AppError> {
    let orgs = stored_rules(store)?
        .into_iter()
        .map(|(set, stored_at)| StoredRules {
            org: set.org.clone(),
            stored_at,
            rules: set,
        })
        .collect();
    Ok(Envelope::new(
        Provenance::new(dataset, ctx.invocation.clone()),
        RulesResponse {
            db: db.display().to_string(),
            orgs,
        },
    ))
}

/// The stored rule sets, parsed (they were validated when stored).
fn stored_rules(store: &Store) -> Result<Vec<(RuleSet, String)>, AppError> {
    let mut out = Vec::new();
    for (org, text, at) in store
        .rules()
        .map_err(|e| AppError::Internal(e.to_string()))?
    {
        let (set, _) = parse_rules(&text).map_err(|e| {
            AppError::Internal(format!(
                "the stored rules of `{org}` no longer parse: line {}: {}",
                e[0].line, e[0].message
            ))
        })?;
        out.push((set, at));
    }
    Ok(out)
}

/// Evaluate the rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvaluateRequest {
    /// The store (`None`: [`default_db`]).
    pub db: Option<PathBuf>,
    /// The events to evaluate (`None`: every stored event — the schedule).
    pub events: Option<Vec<String>>,
    /// The time of evaluation (`None`: now), `YYYY-MM-DDTHH:MMZ`.
    pub now: Option<String>,
    /// The dataset.
    pub dataset: DatasetRef,
}

/// What an evaluation raised and delivered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluateResponse {
    /// The time of evaluation.
    pub now: Stamp,
    /// Events evaluated.
    pub events_evaluated: usize,
    /// Impact assessments run (the rest came from the store).
    pub assessments_run: usize,
    /// Alerts raised now (not raised before).
    pub raised: Vec<Alert>,
    /// Watched events whose impact stayed under every threshold.
    pub below_threshold: Vec<BelowThreshold>,
    /// Deliveries made.
    pub delivered: Vec<Delivered>,
    /// Alerts raised but held (quiet hours, digest time).
    pub held: usize,
    /// Deliveries that failed (their alerts stay undelivered and are tried
    /// again at the next evaluation).
    pub delivery_errors: Vec<String>,
}

/// A watched event that raised nothing: what it would take.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BelowThreshold {
    /// The organisation.
    pub org: String,
    /// The rule.
    pub rule: String,
    /// The event.
    pub event: String,
    /// Its projected impact on the rule's partners.
    pub impact: Vec<Impact>,
}

/// One delivery: where, and which alerts (a digest is one message).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivered {
    /// The organisation.
    pub org: String,
    /// `stdout`, `jsonl:PATH` or `webhook:URL`.
    pub to: String,
    /// Whether it was the daily digest.
    pub digest: bool,
    /// The alerts.
    pub alerts: Vec<Alert>,
}

/// Evaluates every stored organisation's rules on the events asked for,
/// stores the alerts not raised before and delivers those due.
pub fn evaluate(
    req: &EvaluateRequest,
    ctx: &Context,
) -> Result<Envelope<EvaluateResponse>, AppError> {
    let db = existing_db(req.db.as_deref())?;
    let now = now_or(req.now.as_deref())?;
    let ds = load_dataset(&req.dataset)?;
    let mut store = open_store(&db)?;
    let out = evaluate_in(
        &mut store,
        &ds.model,
        &ds.id.content_hash,
        req.events.as_deref(),
        now,
        ctx,
    )?;
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        out,
    ))
}

/// [`evaluate`] on an open store (an ingest evaluates the events it
/// touched this way).
pub(crate) fn evaluate_in(
    store: &mut Store,
    model: &Model,
    dataset_hash: &str,
    events: Option<&[String]>,
    now: Stamp,
    ctx: &Context,
) -> Result<EvaluateResponse, AppError> {
    let internal = |e: critmin_store::StoreError| AppError::Internal(e.to_string());
    let sets = stored_rules(store)?;
    let partners = partners_of(&sets);
    let on = Assessing {
        model,
        dataset_hash,
        partners: &partners,
    };
    let candidates: Vec<Event> = match events {
        None => store.all().map_err(internal)?,
        Some(ids) => {
            let mut v = Vec::new();
            for id in ids {
                if let Some(e) = store.get(id).map_err(internal)? {
                    v.push(e);
                }
            }
            v
        }
    };
    let month = now.day().month_of();
    let mut raised_now = Vec::new();
    let mut below = Vec::new();
    let mut assessments_run = 0;
    for (set, _) in &sets {
        for rule in &set.rules {
            for e in &candidates {
                ctx.cancel.check()?;
                if !crate::access::may_see(&set.org, e) {
                    continue;
                }
                let Some(reasons) = rule.watches(e) else {
                    continue;
                };
                let live = critmin_intel::impact::in_force(e, month);
                let deadlines = critmin_intel::alert::due_deadlines(rule, e, now);
                let event_id = Alert::make_id(
                    &set.org,
                    &rule.name,
                    critmin_intel::alert::AlertKind::Event,
                    &e.id,
                    None,
                );
                let raised_before = store.has_alert(&event_id).map_err(internal)?;
                let wants_event = live && !raised_before;
                if !wants_event && deadlines.is_empty() {
                    continue;
                }
                let impacts = if rule.thresholds() && (wants_event || !deadlines.is_empty()) {
                    let (i, ran) = impact_of(store, &on, e, set, now, ctx)?;
                    assessments_run += usize::from(ran);
                    i
                } else {
                    Vec::new()
                };
                let mut alerts = set.alerts_for(rule, e, &reasons, &impacts, now);
                if !wants_event {
                    alerts.retain(|a| a.kind != critmin_intel::alert::AlertKind::Event);
                }
                if wants_event
                    && rule.thresholds()
                    && !alerts
                        .iter()
                        .any(|a| a.kind == critmin_intel::alert::AlertKind::Event)
                {
                    below.push(BelowThreshold {
                        org: set.org.clone(),
                        rule: rule.name.clone(),
                        event: e.id.clone(),
                        impact: impacts
                            .iter()
                            .filter(|i| {
                                rule.partners
                                    .iter()
                                    .any(|p| p.eq_ignore_ascii_case(&i.partner))
                            })
                            .cloned()
                            .collect(),
                    });
                }
                raised_now.extend(alerts);
            }
        }
    }
    let raised = store.raise(&raised_now).map_err(internal)?;
    let (delivered, delivery_errors) = deliver_due(store, &sets, now)?;
    let held = store.held_alerts().map_err(internal)?;
    Ok(EvaluateResponse {
        now,
        events_evaluated: candidates.len(),
        assessments_run,
        raised,
        below_threshold: below,
        delivered,
        held,
        delivery_errors,
    })
}

/// The partners any rule of any organisation checks: one assessment of an
/// event serves every organisation with the same settings.
fn partners_of(sets: &[(RuleSet, String)]) -> Vec<String> {
    let mut v: Vec<String> = sets
        .iter()
        .flat_map(|(set, _)| &set.rules)
        .flat_map(|r| r.partners.iter().map(|p| p.to_ascii_uppercase()))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// What every assessment of an evaluation shares: the model, its hash and
/// the partners any rule checks.
struct Assessing<'a> {
    model: &'a Model,
    dataset_hash: &'a str,
    partners: &'a [String],
}

/// The event's projected impact under `set`'s assessment settings: from
/// the store when this event content, settings and dataset were assessed
/// before, else assessed now and kept. The flag says whether it ran.
fn impact_of(
    store: &mut Store,
    on: &Assessing<'_>,
    e: &Event,
    set: &RuleSet,
    now: Stamp,
    ctx: &Context,
) -> Result<(Vec<Impact>, bool), AppError> {
    let (model, dataset_hash, partners) = (on.model, on.dataset_hash, on.partners);
    let key = format!(
        "{}|{}|{}|{}|{}|{}",
        critmin_store::content_hash(e),
        dataset_hash,
        set.runs,
        set.horizon_months,
        set.seed,
        partners.join(",")
    );
    let internal = |e: critmin_store::StoreError| AppError::Internal(e.to_string());
    if let Some(body) = store.impact(&key).map_err(internal)?
        && let Ok(v) = serde_json::from_str::<Vec<Impact>>(&body)
    {
        return Ok((v, false));
    }
    let start = e
        .valid_from
        .or(e.published)
        .map_or_else(|| now.day().month_of(), |d| d.month_of());
    let spec = AssessSpec {
        start,
        horizon_months: set.horizon_months,
        runs: set.runs,
        seed: set.seed,
        partners,
    };
    let core = assess_core(model, &[e], &spec, ctx)?;
    let impacts: Vec<Impact> = core
        .partners
        .iter()
        .map(|p| Impact {
            partner: p.country.clone(),
            added_unmet_share: p.added_unmet_share,
            unmet_share_p5: p.unmet_share_p5,
            unmet_share_p50: p.unmet_share_p50,
            unmet_share_p95: p.unmet_share_p95,
            cover_months_lost: p.cover_months_lost,
            peak_price_index: p.peak_price_index,
        })
        .collect();
    let body = serde_json::to_string(&impacts).map_err(|e| AppError::Internal(e.to_string()))?;
    store.set_impact(&key, &e.id, &body).map_err(internal)?;
    Ok((impacts, true))
}

/// Delivers every undelivered alert due by `now`, per organisation: each
/// immediate alert on its own, the digest ones as one message. An
/// organisation's alerts are marked delivered only when every one of its
/// targets took them.
fn deliver_due(
    store: &mut Store,
    sets: &[(RuleSet, String)],
    now: Stamp,
) -> Result<(Vec<Delivered>, Vec<String>), AppError> {
    let internal = |e: critmin_store::StoreError| AppError::Internal(e.to_string());
    let due = store
        .alerts(None, None, Some(&now.to_string()))
        .map_err(internal)?;
    let mut by_org: BTreeMap<String, Vec<Alert>> = BTreeMap::new();
    for (a, _) in due {
        by_org.entry(a.org.clone()).or_default().push(a);
    }
    let mut delivered = Vec::new();
    let mut errors = Vec::new();
    for (org, alerts) in by_org {
        let targets = sets
            .iter()
            .find(|(s, _)| s.org == org)
            .map(|(s, _)| s.deliver.clone())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| vec![Delivery::Stdout]);
        let (digest, single): (Vec<Alert>, Vec<Alert>) = alerts.into_iter().partition(|a| a.digest);
        let mut ok = true;
        let mut done = Vec::new();
        for (batch, is_digest) in single
            .into_iter()
            .map(|a| (vec![a], false))
            .chain((!digest.is_empty()).then_some((digest, true)))
        {
            for t in &targets {
                match send(t, &org, &batch, is_digest, now) {
                    Ok(to) => done.push(Delivered {
                        org: org.clone(),
                        to,
                        digest: is_digest,
                        alerts: batch.clone(),
                    }),
                    Err(e) => {
                        ok = false;
                        errors.push(format!("{org}: {e}"));
                    }
                }
            }
        }
        if ok {
            let ids: Vec<String> = done
                .iter()
                .flat_map(|d| d.alerts.iter().map(|a| a.id.clone()))
                .collect();
            store
                .mark_delivered(&ids, &now.to_string())
                .map_err(internal)?;
        }
        delivered.extend(done);
    }
    Ok((delivered, errors))
}

/// The message a target receives: one alert, or a digest of several.
#[derive(Serialize)]
struct Message<'a> {
    org: &'a str,
    sent_at: Stamp,
    kind: &'static str,
    alerts: &'a [Alert],
}

/// Sends one message to one target; returns the target's name.
fn send(
    t: &Delivery,
    org: &str,
    alerts: &[Alert],
    digest: bool,
    now: Stamp,
) -> Result<String, String> {
    let msg = Message {
        org,
        sent_at: now,
        kind: if digest { "digest" } else { "alert" },
        alerts,
    };
    let json = serde_json::to_string(&msg).map_err(|e| e.to_string())?;
    match t {
        Delivery::Stdout => Ok("stdout".into()),
        Delivery::Jsonl { path } => {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("{path}: {e}"))?;
            writeln!(f, "{json}").map_err(|e| format!("{path}: {e}"))?;
            Ok(format!("jsonl:{path}"))
        }
        Delivery::Webhook { url } => {
            // A webhook's query often carries its token: never printed.
            let shown = redact(url);
            let code = crate::ops::fetch::post_loopback(url, &json)
                .map_err(|e| format!("{shown}: {}", e.to_string().replace(url.as_str(), &shown)))?;
            if (200..300).contains(&code) {
                Ok(format!("webhook:{shown}"))
            } else {
                Err(format!("{shown}: the webhook answered {code}"))
            }
        }
    }
}

/// A URL without its query or fragment (where webhooks keep tokens).
fn redact(url: &str) -> String {
    match url.find(['?', '#']) {
        Some(i) => format!("{}?…", &url[..i]),
        None => url.to_string(),
    }
}

/// List the alerts raised.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertsRequest {
    /// The store (`None`: [`default_db`]).
    pub db: Option<PathBuf>,
    /// Only this organisation's.
    pub org: Option<String>,
    /// Only those raised on or after this day (`YYYY-MM-DD`).
    pub since: Option<String>,
}

/// The alerts raised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertsResponse {
    /// The store.
    pub db: String,
    /// Oldest first.
    pub alerts: Vec<ListedAlert>,
}

/// An alert and its delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedAlert {
    /// The alert.
    #[serde(flatten)]
    pub alert: Alert,
    /// When delivered (`None`: held).
    pub delivered_at: Option<String>,
}

/// The alerts raised, of one organisation or all, since a day.
pub fn alerts(req: &AlertsRequest, ctx: &Context) -> Result<Envelope<AlertsResponse>, AppError> {
    let db = existing_db(req.db.as_deref())?;
    let since = match &req.since {
        Some(s) => Some(
            critmin_intel::event::Day::parse(s)
                .ok_or_else(|| AppError::bad("--since", format!("`{s}` is not a date")))?
                .to_string(),
        ),
        None => None,
    };
    let store = open_store(&db)?;
    let alerts = store
        .alerts(req.org.as_deref(), since.as_deref(), None)
        .map_err(|e| AppError::Internal(e.to_string()))?
        .into_iter()
        .map(|(alert, delivered_at)| ListedAlert {
            alert,
            delivered_at,
        })
        .collect();
    let ds = load_dataset(&DatasetRef::Builtin)?;
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        AlertsResponse {
            db: db.display().to_string(),
            alerts,
        },
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_webhook_token_is_never_shown() {
        assert_eq!(
            super::redact("http://127.0.0.1:9000/hook?token=s3cret"),
            "http://127.0.0.1:9000/hook?…"
        );
        assert_eq!(super::redact("http://127.0.0.1/h"), "http://127.0.0.1/h");
        let e = super::send(
            &critmin_intel::alert::Delivery::Webhook {
                url: "http://192.0.2.1/h?token=s3cret".into(),
            },
            "JP",
            &[],
            false,
            critmin_intel::alert::Stamp(0),
        )
        .unwrap_err();
        assert!(!e.contains("s3cret"), "{e}");
    }
}
