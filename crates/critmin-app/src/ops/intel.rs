//! `intel ingest`, `intel list` and `intel show`: read feeds into the
//! intelligence store, linked to the dataset's entities, and read them
//! back (`docs/intel.md`).
//!
//! An ingest reads every input first, parses every file (a directory is
//! its files in name order, or a MISP feed when it holds a
//! `manifest.json`; an `http://` URL is fetched only from a loopback
//! address) and stores nothing unless every file parsed: one malformed
//! file and the store is left as it was, with every problem reported at
//! `file:line`.

use crate::inputs::{DatasetRef, load_dataset};
use crate::provenance::{Envelope, Provenance};
use crate::{AppError, Context};
use critmin_intel::event::{Day, EntityKind, Event, Kind, Tlp};
use critmin_intel::feed::{self, Format, Item};
use critmin_intel::link::{Gazetteer, parse_aliases};
use critmin_intel::prepare::{Defaults, Filter, to_event};
use critmin_model::{Diagnostic, Model};
use critmin_store::{IngestSummary, Query, Store};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where the store is unless told: `$XDG_DATA_HOME/critmin/intel.db`, else
/// `$HOME/.local/share/critmin/intel.db`, else `./critmin-intel.db`.
pub fn default_db() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("critmin").join("intel.db");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(h)
            .join(".local")
            .join("share")
            .join("critmin")
            .join("intel.db");
    }
    PathBuf::from("critmin-intel.db")
}

/// The store at `db` (or [`default_db`]), which must exist already: the
/// commands that read it never make an empty one.
pub(crate) fn existing_db(db: Option<&Path>) -> Result<PathBuf, AppError> {
    let db = db.map_or_else(default_db, Path::to_path_buf);
    if !db.exists() {
        return Err(AppError::NotFound {
            message: format!(
                "{}: no store there yet; `critmin intel ingest` makes one",
                db.display()
            ),
        });
    }
    Ok(db)
}

/// Read feeds into the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IngestRequest {
    /// Files, directories or loopback URLs.
    pub inputs: Vec<String>,
    /// The format (`None`: detected per file).
    pub format: Option<Format>,
    /// The store (`None`: [`default_db`]).
    pub db: Option<PathBuf>,
    /// The source's name for items that give none (default: the file's
    /// name).
    pub source: Option<String>,
    /// The organisation ingesting, which owns items that name no owner.
    pub owner: String,
    /// The marking of items that carry none.
    pub tlp: Tlp,
    /// Keep only items with these keywords or categories.
    pub filter: Filter,
    /// The dataset whose entities events link to.
    pub dataset: DatasetRef,
    /// A user alias table (`kind,id,alias,lang,note`) added to the
    /// built-in one.
    pub aliases: Option<PathBuf>,
    /// Evaluate the stored alert rules on the events added or changed.
    pub alerts: bool,
    /// The time of that evaluation (`None`: now).
    pub now: Option<String>,
}

impl Default for IngestRequest {
    fn default() -> Self {
        IngestRequest {
            inputs: Vec::new(),
            format: None,
            db: None,
            source: None,
            owner: "local".into(),
            tlp: Tlp::Green,
            filter: Filter::default(),
            dataset: DatasetRef::Builtin,
            aliases: None,
            alerts: true,
            now: None,
        }
    }
}

/// What an ingest did, per file and in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestResponse {
    /// The store written.
    pub db: String,
    /// Per file: its name, format and what became of its items.
    pub files: Vec<FileSummary>,
    /// In all.
    pub total: IngestSummary,
    /// The alert rules' evaluation on the events added or changed (`None`
    /// when no organisation has rules stored, or when not asked).
    pub alerts: Option<crate::ops::alerts::EvaluateResponse>,
}

/// One file's ingest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileSummary {
    /// The file as named.
    pub file: String,
    /// Its format.
    pub format: Format,
    /// What became of its items.
    pub summary: IngestSummary,
}

/// A parsed input file: its name, format and items.
struct ParsedFile {
    name: String,
    format: Format,
    items: Vec<Item>,
}

/// Reads, parses and stores every input; nothing is stored unless every
/// file parses.
pub fn ingest(req: &IngestRequest, ctx: &Context) -> Result<Envelope<IngestResponse>, AppError> {
    if req.inputs.is_empty() {
        return Err(AppError::bad(
            "FILE",
            "name at least one file, directory or URL",
        ));
    }
    // A bad time is refused before anything is stored.
    let now = crate::ops::alerts::now_or(req.now.as_deref())?;
    let ds = load_dataset(&req.dataset)?;
    let gazetteer = gazetteer(&ds.model, req.aliases.as_deref())?;
    let mut parsed = Vec::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    for input in &req.inputs {
        ctx.cancel.check()?;
        for (name, format, bytes) in read_input(input, req.format)? {
            match parse_one(&name, format, &bytes) {
                Ok(items) => parsed.push(ParsedFile {
                    name,
                    format,
                    items,
                }),
                Err(d) => diags.extend(d),
            }
        }
    }
    if !diags.is_empty() {
        return Err(AppError::Invalid {
            input: req.inputs.join(", "),
            diagnostics: diags,
        });
    }
    let db = req.db.clone().unwrap_or_else(default_db);
    let mut store = open_store(&db)?;
    let mut files = Vec::new();
    let mut total = IngestSummary::default();
    for f in parsed {
        ctx.cancel.check()?;
        let defaults = Defaults {
            source: req.source.clone().unwrap_or_else(|| source_name(&f.name)),
            owner: req.owner.clone(),
            tlp: req.tlp,
        };
        let (kept, dropped): (Vec<&Item>, Vec<&Item>) =
            f.items.iter().partition(|i| req.filter.keeps(i));
        let events: Vec<Event> = kept
            .iter()
            .map(|i| to_event(i, &gazetteer, &defaults))
            .collect();
        let s = store
            .ingest(&f.name, format_name(f.format), &events, dropped.len())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        add(&mut total, &s);
        files.push(FileSummary {
            file: f.name,
            format: f.format,
            summary: s,
        });
    }
    let has_rules = !store
        .rules()
        .map_err(|e| AppError::Internal(e.to_string()))?
        .is_empty();
    let alerts = if req.alerts && has_rules {
        Some(crate::ops::alerts::evaluate_in(
            &mut store,
            &ds.model,
            &ds.id.content_hash,
            Some(&total.touched),
            now,
            ctx,
        )?)
    } else {
        None
    };
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        IngestResponse {
            db: db.display().to_string(),
            files,
            total,
            alerts,
        },
    ))
}

fn add(total: &mut IngestSummary, s: &IngestSummary) {
    total.items += s.items;
    total.added += s.added;
    total.merged += s.merged;
    total.updated += s.updated;
    total.unchanged += s.unchanged;
    total.filtered += s.filtered;
    total.touched.extend(s.touched.iter().cloned());
    total.new_ids.extend(s.new_ids.iter().cloned());
}

/// The name `--format` uses for a format.
pub fn format_name(f: Format) -> &'static str {
    match f {
        Format::Jsonl => "jsonl",
        Format::Csv => "csv",
        Format::Rss => "rss",
        Format::Atom => "atom",
        Format::Stix => "stix",
        Format::MispFeed => "misp-feed",
    }
}

/// A file's source name: its name without directories or extension.
fn source_name(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    base.split('.').next().unwrap_or(base).to_string()
}

/// The gazetteer of `model` with the built-in aliases and the user's.
pub fn gazetteer(model: &Model, user: Option<&Path>) -> Result<Gazetteer, AppError> {
    let table = |name: &str, text: &str| {
        parse_aliases(text).map_err(|(line, field, message)| AppError::Invalid {
            input: name.to_string(),
            diagnostics: vec![Diagnostic::new(name, line, field, message)],
        })
    };
    let mut aliases = table("data/intel/aliases.csv", critmin_data::INTEL_ALIASES)?;
    if let Some(p) = user {
        let shown = p.display().to_string();
        let bytes = std::fs::read(p).map_err(|e| AppError::NotFound {
            message: format!("{shown}: {e}"),
        })?;
        let text = crate::inputs::utf8(&shown, bytes)?;
        aliases.extend(table(&shown, &text)?);
    }
    Ok(Gazetteer::new(model, &aliases))
}

pub(crate) fn open_store(db: &Path) -> Result<Store, AppError> {
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            AppError::Internal(format!(
                "{}: cannot create the directory: {e}",
                dir.display()
            ))
        })?;
    }
    Store::open(db).map_err(|e| AppError::Internal(e.to_string()))
}

/// An input's files: `(name, format, bytes)`.
fn read_input(
    input: &str,
    format: Option<Format>,
) -> Result<Vec<(String, Format, Vec<u8>)>, AppError> {
    if input.starts_with("http://") || input.starts_with("https://") {
        let bytes = crate::ops::fetch::get_loopback(input)?;
        let f = detect(input, format, &bytes)?;
        return Ok(vec![(input.to_string(), f, bytes)]);
    }
    let path = Path::new(input);
    let meta = std::fs::metadata(path).map_err(|e| AppError::NotFound {
        message: format!("{input}: {e}"),
    })?;
    if meta.is_dir() {
        if path.join("manifest.json").is_file() || format == Some(Format::MispFeed) {
            return read_misp_feed(path);
        }
        let mut names: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| AppError::NotFound {
                message: format!("{input}: {e}"),
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        names.sort();
        let mut out = Vec::new();
        for p in names {
            let shown = p.display().to_string();
            let bytes = read_file(&p)?;
            let f = detect(&shown, format, &bytes)?;
            out.push((shown, f, bytes));
        }
        return Ok(out);
    }
    let bytes = read_file(path)?;
    let f = detect(input, format, &bytes)?;
    Ok(vec![(input.to_string(), f, bytes)])
}

/// A MISP feed directory's event files, in the manifest's order. The
/// manifest's own problems are its diagnostics.
fn read_misp_feed(dir: &Path) -> Result<Vec<(String, Format, Vec<u8>)>, AppError> {
    let manifest = dir.join("manifest.json");
    let shown = manifest.display().to_string();
    let bytes = read_file(&manifest)?;
    let uuids = feed::parse_misp_manifest(&shown, &bytes).map_err(|d| AppError::Invalid {
        input: shown.clone(),
        diagnostics: d,
    })?;
    let mut out = Vec::new();
    for u in uuids {
        let p = dir.join(format!("{u}.json"));
        let name = p.display().to_string();
        if !p.is_file() {
            return Err(AppError::Invalid {
                input: shown.clone(),
                diagnostics: vec![Diagnostic::new(
                    &shown,
                    1,
                    u.as_str(),
                    format!("the manifest lists {u}, but {name} is missing"),
                )],
            });
        }
        out.push((name, Format::MispFeed, read_file(&p)?));
    }
    Ok(out)
}

fn read_file(p: &Path) -> Result<Vec<u8>, AppError> {
    std::fs::read(p).map_err(|e| AppError::NotFound {
        message: format!("{}: {e}", p.display()),
    })
}

fn detect(name: &str, format: Option<Format>, bytes: &[u8]) -> Result<Format, AppError> {
    match format.or_else(|| Format::detect(name, bytes)) {
        Some(f) => Ok(f),
        None => Err(AppError::Invalid {
            input: name.to_string(),
            diagnostics: vec![Diagnostic::new(
                name,
                1,
                "(file)",
                format!("cannot tell its format; give --format ({})", Format::NAMES),
            )],
        }),
    }
}

fn parse_one(name: &str, format: Format, bytes: &[u8]) -> Result<Vec<Item>, Vec<Diagnostic>> {
    feed::parse(format, name, bytes)
}

/// List or search the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListRequest {
    /// The store (`None`: [`default_db`]).
    pub db: Option<PathBuf>,
    /// Full-text query (SQLite FTS5 syntax).
    pub text: Option<String>,
    /// Only these kinds.
    pub kinds: Vec<String>,
    /// Only events linked to `kind:id` (`element:Dy`, `facility:mt_weld`).
    pub entity: Option<String>,
    /// Published on or after (`YYYY-MM-DD`).
    pub since: Option<String>,
    /// At most this many, newest first.
    pub limit: Option<usize>,
}

impl Default for ListRequest {
    fn default() -> Self {
        ListRequest {
            db: None,
            text: None,
            kinds: Vec::new(),
            entity: None,
            since: None,
            limit: Some(50),
        }
    }
}

/// The events found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListResponse {
    /// The store read.
    pub db: String,
    /// The events, newest first.
    pub events: Vec<Event>,
}

/// The store query a listing asks for.
pub(crate) fn query_of(req: &ListRequest) -> Result<Query, AppError> {
    let mut q = Query {
        text: req.text.clone(),
        limit: req.limit,
        ..Query::default()
    };
    for k in &req.kinds {
        q.kinds.push(Kind::parse(k).ok_or_else(|| {
            AppError::bad("--kind", format!("`{k}` is not a kind: {}", Kind::NAMES))
        })?);
    }
    if let Some(e) = &req.entity {
        let (kind, id) = e.split_once(':').ok_or_else(|| {
            AppError::bad("--entity", format!("`{e}`: write kind:id, e.g. element:Dy"))
        })?;
        let kind = EntityKind::parse(kind).ok_or_else(|| {
            AppError::bad(
                "--entity",
                format!(
                    "`{kind}` is not an entity kind: element, country, company, facility, project"
                ),
            )
        })?;
        q.entity = Some((kind, id.to_string()));
    }
    if let Some(s) = &req.since {
        q.since = Some(Day::parse(s).ok_or_else(|| {
            AppError::bad("--since", format!("`{s}` is not a date (YYYY-MM-DD)"))
        })?);
    }
    Ok(q)
}

/// Lists or searches the store.
pub fn list(req: &ListRequest, ctx: &Context) -> Result<Envelope<ListResponse>, AppError> {
    let q = query_of(req)?;
    let db = existing_db(req.db.as_deref())?;
    let store = open_store(&db)?;
    let events = store.find(&q).map_err(|e| match e {
        critmin_store::StoreError::Sqlite { source, .. } if req.text.is_some() => {
            AppError::bad("--text", format!("not a full-text query: {source}"))
        }
        e => AppError::Internal(e.to_string()),
    })?;
    let ds = load_dataset(&DatasetRef::Builtin)?;
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        ListResponse {
            db: db.display().to_string(),
            events,
        },
    ))
}

/// One stored event, whole (`NotFound` for an id the store does not have).
pub fn show(id: &str, db: Option<&Path>, ctx: &Context) -> Result<Envelope<Event>, AppError> {
    let db = existing_db(db)?;
    let store = open_store(&db)?;
    let e = store
        .get(id)
        .map_err(|e| AppError::Internal(e.to_string()))?
        .ok_or_else(|| AppError::NotFound {
            message: format!("no event `{id}` in {}", db.display()),
        })?;
    let ds = load_dataset(&DatasetRef::Builtin)?;
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        e,
    ))
}

/// Assess the events in force: what they do to each partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssessRequest {
    /// The store (`None`: [`default_db`]).
    pub db: Option<PathBuf>,
    /// The events to assess; empty: every event in force.
    pub events: Vec<String>,
    /// The first month of the run (`YYYY-MM`; default: the latest month
    /// an assessed event takes effect in).
    pub as_of: Option<String>,
    /// Months simulated.
    pub horizon_months: u32,
    /// Monte Carlo futures (the risks and uncertain inputs of the built-in
    /// `risk-baseline` on top of the events).
    pub runs: usize,
    /// Seed.
    pub seed: u64,
    /// Partners reported.
    pub partners: Vec<String>,
    /// The dataset.
    pub dataset: DatasetRef,
}

impl Default for AssessRequest {
    fn default() -> Self {
        AssessRequest {
            db: None,
            events: Vec::new(),
            as_of: None,
            horizon_months: 24,
            runs: 200,
            seed: 1,
            partners: ["US", "JP", "KR", "EU"].map(String::from).to_vec(),
            dataset: DatasetRef::Builtin,
        }
    }
}

/// What the events do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssessResponse {
    /// The first month run.
    pub as_of: critmin_model::Month,
    /// Months run.
    pub horizon_months: u32,
    /// The events assessed, each with its fragment.
    pub events: Vec<EventImpact>,
    /// The assembled scenario (the events' fragments), as run.
    pub scenario_toml: String,
    /// Its SHA-256 (with the provenance's dataset hash and seed, what a
    /// partner needs to reproduce the assessment).
    pub scenario_sha256: String,
    /// Futures run, and the seed.
    pub runs: usize,
    /// Seed of the Monte Carlo.
    pub seed: u64,
    /// Per partner.
    pub partners: Vec<PartnerImpact>,
}

/// One event assessed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventImpact {
    /// Its id.
    pub id: String,
    /// Headline.
    pub title: String,
    /// Kind.
    pub kind: Kind,
    /// Its scenario fragment and what was assumed.
    pub fragment: critmin_intel::impact::Fragment,
}

/// What the events do to one partner over the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnerImpact {
    /// The country.
    pub country: String,
    /// Unmet share of its demand with the events (single run).
    pub unmet_share: f64,
    /// The same without them.
    pub baseline_unmet_share: f64,
    /// The difference: what the events add.
    pub added_unmet_share: f64,
    /// Stockpile drawn beyond the baseline's, in months of its consumption.
    pub cover_months_lost: f64,
    /// Highest world price index of the events' elements (single run).
    pub peak_price_index: f64,
    /// Over the futures: mean, 5th, 50th and 95th percentiles of the unmet
    /// share with the events.
    pub unmet_share_mean: f64,
    /// 5th percentile.
    pub unmet_share_p5: f64,
    /// Median.
    pub unmet_share_p50: f64,
    /// 95th percentile.
    pub unmet_share_p95: f64,
    /// The mean without the events (same futures).
    pub baseline_unmet_share_mean: f64,
}

/// Assesses the chosen events (or every event in force).
pub fn assess(req: &AssessRequest, ctx: &Context) -> Result<Envelope<AssessResponse>, AppError> {
    let db = existing_db(req.db.as_deref())?;
    crate::ops::montecarlo::check_horizon(Some(req.horizon_months), "--horizon")?;
    let store = open_store(&db)?;
    let all = store.all().map_err(|e| AppError::Internal(e.to_string()))?;
    let ds = load_dataset(&req.dataset)?;
    let model = &ds.model;
    let chosen: Vec<Event> = if req.events.is_empty() {
        all
    } else {
        let mut v = Vec::new();
        for id in &req.events {
            v.push(all.iter().find(|e| &e.id == id).cloned().ok_or_else(|| {
                AppError::NotFound {
                    message: format!("no event `{id}` in {}", db.display()),
                }
            })?);
        }
        v
    };
    let start = match &req.as_of {
        Some(s) => s
            .parse::<critmin_model::Month>()
            .map_err(|e| AppError::bad("--as-of", format!("`{s}`: {e}")))?,
        None => chosen
            .iter()
            .filter_map(|e| e.valid_from.or(e.published).map(|d| d.month_of()))
            .max()
            .ok_or_else(|| {
                AppError::bad("--as-of", "no assessed event has a date: give --as-of")
            })?,
    };
    let live: Vec<&Event> = chosen
        .iter()
        .filter(|e| !req.events.is_empty() || critmin_intel::impact::in_force(e, start))
        .collect();
    let spec = AssessSpec {
        start,
        horizon_months: req.horizon_months,
        runs: req.runs,
        seed: req.seed,
        partners: &req.partners,
    };
    let AssessCore {
        fragments,
        toml,
        partners,
    } = assess_core(model, &live, &spec, ctx)?;
    let events = live
        .iter()
        .zip(fragments)
        .map(|(e, f)| EventImpact {
            id: e.id.clone(),
            title: e.title.clone(),
            kind: e.kind,
            fragment: f,
        })
        .collect();
    let mut prov = Provenance::new(ds.id.clone(), ctx.invocation.clone());
    prov.seed = Some(req.seed);
    prov.scenario = Some(crate::provenance::InputId {
        name: "intel-situation".into(),
        source: format!("{} (events of {})", "assembled", db.display()),
        content_hash: crate::provenance::hash_bytes(toml.as_bytes()),
    });
    Ok(Envelope::new(
        prov,
        AssessResponse {
            as_of: start,
            horizon_months: req.horizon_months,
            events,
            scenario_sha256: crate::provenance::hash_bytes(toml.as_bytes()),
            scenario_toml: toml,
            runs: req.runs,
            seed: req.seed,
            partners,
        },
    ))
}

/// What an assessment runs: from when, for how long, over how many
/// futures, for whom.
pub(crate) struct AssessSpec<'a> {
    pub start: critmin_model::Month,
    pub horizon_months: u32,
    pub runs: usize,
    pub seed: u64,
    pub partners: &'a [String],
}

/// An assessment's fragments, assembled scenario and per-partner impact.
pub(crate) struct AssessCore {
    pub fragments: Vec<critmin_intel::impact::Fragment>,
    pub toml: String,
    pub partners: Vec<PartnerImpact>,
}

/// Runs the events `live` (their fragments assembled into one scenario)
/// once and over Monte Carlo futures, with and without them.
pub(crate) fn assess_core(
    model: &Model,
    live: &[&Event],
    spec: &AssessSpec<'_>,
    ctx: &Context,
) -> Result<AssessCore, AppError> {
    let fragments: Vec<critmin_intel::impact::Fragment> = live
        .iter()
        .map(|e| critmin_intel::impact::fragment(e, model, spec.start))
        .collect();
    let toml = critmin_intel::impact::situation(
        "intel-situation",
        spec.start,
        spec.horizon_months,
        &fragments,
        "",
    );
    let situation = critmin_format::scenario::parse("intel-situation.toml", toml.as_bytes(), model)
        .map_err(|d| AppError::Invalid {
            input: "intel-situation.toml (the events' fragments)".into(),
            diagnostics: d,
        })?;
    let mut baseline = critmin_sim::Scenario::baseline(model, spec.start, spec.horizon_months);
    baseline.name = "intel-baseline".into();
    let risk_text = crate::inputs::builtin_scenario("risk-baseline")?.text;
    let risk = critmin_format::scenario::parse("risk-baseline.toml", risk_text.as_bytes(), model)
        .map_err(|d| AppError::Invalid {
        input: "risk-baseline.toml".into(),
        diagnostics: d,
    })?;
    let run = |s: &critmin_sim::Scenario| -> Result<critmin_sim::RunSummary, AppError> {
        let net = critmin_sim::Network::build(model, s, &critmin_sim::Overlay::default())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(critmin_sim::simulate(&net))
    };
    ctx.cancel.check()?;
    let with = run(&situation)?;
    let without = run(&baseline)?;
    let with_risk = |s: &critmin_sim::Scenario| {
        let mut s = s.clone();
        s.risks = risk.risks.clone();
        s.uncertainty = risk.uncertainty.clone();
        s
    };
    let mc_req = crate::ops::montecarlo::MonteCarloRequest {
        runs: spec.runs,
        seed: spec.seed,
        horizon_months: Some(spec.horizon_months),
        ..Default::default()
    };
    let mc_with = crate::ops::montecarlo::run_mc(model, &with_risk(&situation), &mc_req, ctx)?;
    let mc_without = crate::ops::montecarlo::run_mc(model, &with_risk(&baseline), &mc_req, ctx)?;
    let elements: Vec<critmin_model::Element> = live
        .iter()
        .flat_map(|e| e.linked(EntityKind::Element))
        .filter_map(critmin_model::Element::from_symbol)
        .collect();
    let peak = with
        .by_element
        .iter()
        .filter(|x| elements.is_empty() || elements.contains(&x.element))
        .map(|x| x.peak_price_index)
        .fold(1.0, f64::max);
    let runs = Runs {
        with: &with,
        without: &without,
        mc_with: &mc_with,
        mc_without: &mc_without,
        peak,
        horizon_months: spec.horizon_months,
    };
    let partners = partner_impacts(model, spec.partners, &runs)?;
    Ok(AssessCore {
        fragments,
        toml,
        partners,
    })
}

/// The single runs and the futures with and without the events.
struct Runs<'a> {
    with: &'a critmin_sim::RunSummary,
    without: &'a critmin_sim::RunSummary,
    mc_with: &'a critmin_risk::McResult,
    mc_without: &'a critmin_risk::McResult,
    peak: f64,
    horizon_months: u32,
}

/// What the events do to each partner named.
fn partner_impacts(
    model: &Model,
    names: &[String],
    r: &Runs<'_>,
) -> Result<Vec<PartnerImpact>, AppError> {
    let mut partners = Vec::new();
    for p in names {
        let Some(code) =
            critmin_model::CountryCode::parse(p.trim()).filter(|c| model.country(*c).is_some())
        else {
            return Err(AppError::bad(
                "--partners",
                format!("`{p}` is not a country of the dataset"),
            ));
        };
        let a = r.with.by_country.iter().find(|c| c.country == code);
        let b = r.without.by_country.iter().find(|c| c.country == code);
        let (Some(a), Some(b)) = (a, b) else { continue };
        let monthly = b.demand_t / f64::from(r.horizon_months.max(1));
        let mc = |r: &critmin_risk::McResult| {
            r.summary
                .by_country
                .iter()
                .find(|c| c.country == code)
                .map(|c| c.stats.clone())
        };
        let (Some(m), Some(mb)) = (mc(r.mc_with), mc(r.mc_without)) else {
            continue;
        };
        partners.push(PartnerImpact {
            country: code.as_str().to_string(),
            unmet_share: a.unmet_share,
            baseline_unmet_share: b.unmet_share,
            added_unmet_share: a.unmet_share - b.unmet_share,
            cover_months_lost: if monthly > 0.0 {
                (a.stockpile_released_t - b.stockpile_released_t).max(0.0) / monthly
            } else {
                0.0
            },
            peak_price_index: r.peak,
            unmet_share_mean: m.unmet_share_mean,
            unmet_share_p5: m.unmet_share_p5,
            unmet_share_p50: m.unmet_share_p50,
            unmet_share_p95: m.unmet_share_p95,
            baseline_unmet_share_mean: mb.unmet_share_mean,
        });
    }
    Ok(partners)
}

/// What `intel export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExportFormat {
    /// One STIX 2.1 bundle (a JSON file).
    Stix,
    /// A MISP feed directory (`manifest.json` and one file per event).
    MispFeed,
}

/// Export events for a partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRequest {
    /// The store (`None`: [`default_db`]).
    pub db: Option<PathBuf>,
    /// The format.
    pub format: ExportFormat,
    /// The file (STIX) or directory (MISP feed) written.
    pub out: PathBuf,
    /// The organisation it is for: only what it may see goes in
    /// ([`crate::access::may_see`]). `None`: only `TLP:CLEAR` and
    /// `TLP:GREEN` events, unless `all`.
    pub recipient: Option<String>,
    /// Every event whatever its marking (a backup, a move between one's
    /// own stores).
    pub all: bool,
    /// The bundle's timestamp (`None`: now).
    pub now: Option<String>,
}

/// What was exported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportResponse {
    /// The file or directory written.
    pub out: String,
    /// The format.
    pub format: ExportFormat,
    /// Events written.
    pub exported: usize,
    /// Events left out because the recipient may not see them.
    pub withheld: usize,
}

/// Writes the events the recipient may see as a STIX 2.1 bundle or a MISP
/// feed directory.
pub fn export(req: &ExportRequest, ctx: &Context) -> Result<Envelope<ExportResponse>, AppError> {
    let db = existing_db(req.db.as_deref())?;
    let now = crate::ops::alerts::now_or(req.now.as_deref())?;
    let store = open_store(&db)?;
    let all = store.all().map_err(|e| AppError::Internal(e.to_string()))?;
    let (events, withheld): (Vec<Event>, Vec<Event>) = all.into_iter().partition(|e| {
        req.all
            || match &req.recipient {
                Some(org) => crate::access::may_see(org, e),
                None => matches!(e.tlp, Tlp::Clear | Tlp::Green),
            }
    });
    let io = |p: &Path, e: std::io::Error| AppError::Internal(format!("{}: {e}", p.display()));
    match req.format {
        ExportFormat::Stix => {
            let created = format!("{}:00.000Z", now.to_string().trim_end_matches('Z'));
            let text = critmin_intel::export::to_stix_bundle(&events, &created);
            std::fs::write(&req.out, text).map_err(|e| io(&req.out, e))?;
        }
        ExportFormat::MispFeed => {
            std::fs::create_dir_all(&req.out).map_err(|e| io(&req.out, e))?;
            for (name, text) in critmin_intel::export::to_misp_feed(&events) {
                let p = req.out.join(&name);
                std::fs::write(&p, text).map_err(|e| io(&p, e))?;
            }
        }
    }
    let ds = load_dataset(&DatasetRef::Builtin)?;
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        ExportResponse {
            out: req.out.display().to_string(),
            format: req.format,
            exported: events.len(),
            withheld: withheld.len(),
        },
    ))
}

/// The intelligence section's figures, as `summary.json` carries them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportIntel {
    /// Where the events came from.
    pub source: String,
    /// The first month assessed.
    pub as_of: critmin_model::Month,
    /// Events in force then.
    pub events_in_force: usize,
    /// Alerts raised.
    pub alerts: usize,
    /// The assembled scenario's SHA-256.
    pub scenario_sha256: String,
    /// Futures run.
    pub runs: usize,
    /// Per partner: what the events in force do.
    pub partners: Vec<PartnerImpact>,
}

/// Futures in the report's intelligence section.
const REPORT_INTEL_RUNS: usize = 100;

/// Stores the events of one feed file given as bytes (the built-in
/// sample): parsed, linked and stored as an ingest would.
fn ingest_text(
    store: &mut Store,
    name: &str,
    text: &str,
    gazetteer: &Gazetteer,
) -> Result<(), AppError> {
    let items =
        feed::parse(Format::Jsonl, name, text.as_bytes()).map_err(|d| AppError::Invalid {
            input: name.to_string(),
            diagnostics: d,
        })?;
    let defaults = Defaults {
        source: source_name(name),
        owner: "critmin".into(),
        tlp: Tlp::Clear,
    };
    let events: Vec<Event> = items
        .iter()
        .map(|i| to_event(i, gazetteer, &defaults))
        .collect();
    store
        .ingest(name, "jsonl", &events, 0)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(())
}

/// The `assess` report's intelligence section and its figures: the
/// built-in sample feed with its rules evaluated in a store in memory, or
/// a store read as it is.
pub(crate) fn report_intel(
    ds: &crate::inputs::Dataset,
    from: &crate::ops::assess::IntelRef,
    seed: u64,
    ctx: &Context,
) -> Result<(critmin_report::Section, ReportIntel), AppError> {
    use crate::ops::assess::IntelRef;
    let model = &ds.model;
    let internal = |e: critmin_store::StoreError| AppError::Internal(e.to_string());
    let (store, source, fixed_month) = match from {
        IntelRef::None => return Err(AppError::Internal("no intelligence asked for".into())),
        IntelRef::Sample => {
            let mut store = Store::in_memory().map_err(internal)?;
            let g = gazetteer(model, None)?;
            let (name, text) = critmin_data::INTEL_SAMPLE_FEED;
            ingest_text(&mut store, name, text, &g)?;
            let now = critmin_intel::alert::Stamp::parse(critmin_data::INTEL_SAMPLE_NOW)
                .ok_or_else(|| AppError::Internal("the sample's time".into()))?;
            for (file, rules) in critmin_data::INTEL_SAMPLE_RULES {
                let set = crate::ops::alerts::check_rules(file, rules, model)?;
                store
                    .set_rules(&set.org, rules, critmin_data::INTEL_SAMPLE_NOW)
                    .map_err(internal)?;
            }
            crate::ops::alerts::evaluate_in(
                &mut store,
                model,
                &ds.id.content_hash,
                None,
                now,
                ctx,
            )?;
            (
                store,
                format!(
                    "the built-in sample feed ({name}) with the sample rules (data/intel/rules/) evaluated at {}",
                    critmin_data::INTEL_SAMPLE_NOW
                ),
                Some(now.day().month_of()),
            )
        }
        IntelRef::Store(path) => {
            if !path.exists() {
                return Err(AppError::NotFound {
                    message: format!("{}: no intelligence store there", path.display()),
                });
            }
            (
                open_store(path)?,
                format!("the store {}", path.display()),
                None,
            )
        }
    };
    let all = store.all().map_err(internal)?;
    let as_of = match fixed_month {
        Some(m) => m,
        None => all
            .iter()
            .filter(|e| e.status != critmin_intel::event::Status::Resolved)
            .filter_map(|e| e.valid_from.or(e.published).map(|d| d.month_of()))
            .max()
            .unwrap_or_else(|| critmin_model::Month::new(model.base_year + 1, 1).expect("a month")),
    };
    let live: Vec<&Event> = all
        .iter()
        .filter(|e| critmin_intel::impact::in_force(e, as_of))
        .collect();
    let partners = AssessRequest::default().partners;
    let spec = AssessSpec {
        start: as_of,
        horizon_months: AssessRequest::default().horizon_months,
        runs: REPORT_INTEL_RUNS,
        seed,
        partners: &partners,
    };
    let core = assess_core(model, &live, &spec, ctx)?;
    let alerts = store.alerts(None, None, None).map_err(internal)?;
    let marking = live.iter().map(|e| e.tlp).fold(Tlp::Clear, Tlp::max);
    let input = critmin_report::intel::IntelInput {
        source: source.clone(),
        as_of: as_of.to_string(),
        horizon_months: spec.horizon_months,
        runs: spec.runs,
        seed,
        scenario_sha256: crate::provenance::hash_bytes(core.toml.as_bytes()),
        marking: marking.as_str().into(),
        in_force: live
            .iter()
            .zip(&core.fragments)
            .map(|(e, f)| critmin_report::intel::IntelEvent {
                id: e.id.clone(),
                kind: e.kind.as_str().into(),
                title: e.title.clone(),
                published: e.published.map(|d| d.to_string()).unwrap_or_default(),
                ends: e.valid_to.map(|d| d.to_string()).unwrap_or_default(),
                status: e.status.as_str().into(),
                tlp: e.tlp.as_str().into(),
                simulated: !f.toml.is_empty(),
            })
            .collect(),
        not_in_force: all.len() - live.len(),
        alerts: alerts
            .iter()
            .map(|(a, _)| critmin_report::intel::IntelAlert {
                raised_at: a.raised_at.to_string(),
                org: a.org.clone(),
                rule: a.rule.clone(),
                kind: match a.due {
                    Some(d) => format!("deadline {d}"),
                    None => "event".into(),
                },
                title: a.title.clone(),
                reasons: a.reasons.join("; "),
            })
            .collect(),
        impact: core
            .partners
            .iter()
            .map(|p| critmin_report::intel::IntelImpact {
                partner: p.country.clone(),
                added_unmet_share: p.added_unmet_share,
                unmet_share_p5: p.unmet_share_p5,
                unmet_share_p50: p.unmet_share_p50,
                unmet_share_p95: p.unmet_share_p95,
                baseline_unmet_share_mean: p.baseline_unmet_share_mean,
                cover_months_lost: p.cover_months_lost,
                peak_price_index: p.peak_price_index,
            })
            .collect(),
    };
    let figures = ReportIntel {
        source,
        as_of,
        events_in_force: live.len(),
        alerts: alerts.len(),
        scenario_sha256: input.scenario_sha256.clone(),
        runs: spec.runs,
        partners: core.partners,
    };
    Ok((critmin_report::intel::intel_section(&input), figures))
}
