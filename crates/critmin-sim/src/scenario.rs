//! Scenarios: what happens when (events) and how the partners respond
//! (policies), read from TOML with `file:line` diagnostics. The format is
//! documented in `docs/scenarios.md`.

use crate::toml_read::{At, Doc, Obj, TableRef};
use critmin_data::Diagnostic;
use critmin_model::{CountryCode, ElementSet, Facility, Form, Idx, Model, Month, Project, Sector};

/// A set of forms, as a bit mask over [`Form`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FormSet(u8);

impl FormSet {
    /// Concentrate, oxide, metal and magnet.
    pub const TRADED: FormSet = FormSet(0b1111);

    /// Whether `f` is in the set.
    pub fn contains(self, f: Form) -> bool {
        self.0 & (1 << f.index()) != 0
    }

    /// This set plus `f`.
    #[must_use]
    pub fn with(self, f: Form) -> FormSet {
        FormSet(self.0 | (1 << f.index()))
    }
}

/// Which importers an export restriction applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Importers {
    /// Every country but the exporter.
    All,
    /// These countries.
    Only(Vec<CountryCode>),
}

impl Importers {
    /// Whether `c` is covered.
    pub fn contains(&self, c: CountryCode) -> bool {
        match self {
            Importers::All => true,
            Importers::Only(v) => v.contains(&c),
        }
    }
}

/// What an event does.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// Exports of some elements and forms from some countries are limited to
    /// a share of their normal (baseline) flow.
    ExportRestriction {
        /// Exporting countries.
        exporters: Vec<CountryCode>,
        /// Importing countries.
        importers: Importers,
        /// Elements covered: a mixed good (concentrate, magnet) is covered if
        /// it contains any of them.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
        /// Allowed share of normal flow, 0..1 (0 = ban).
        allowed_share: f64,
    },
    /// A facility runs at a share of its capacity.
    FacilityOutage {
        /// The facility.
        facility: Idx<Facility>,
        /// Remaining share of capacity, 0..1.
        remaining_share: f64,
    },
    /// Demand of some countries and sectors is multiplied by a factor.
    DemandShock {
        /// Countries (empty = all).
        countries: Vec<CountryCode>,
        /// Sectors (empty = all).
        sectors: Vec<Sector>,
        /// Elements whose goods are affected (a magnet if its recipe holds any).
        elements: ElementSet,
        /// Multiplier on demand (1.5 = +50 %).
        factor: f64,
    },
    /// A pipeline project starts later than its facility's start month.
    ProjectDelay {
        /// The project.
        project: Idx<Project>,
        /// Months of delay.
        months: u32,
    },
    /// A holder releases stock every month of the event, whatever the rules.
    StockpileRelease {
        /// The holder.
        holder: String,
        /// Elements released (all the holder's goods containing them).
        elements: ElementSet,
        /// Tonnes per month (t REO-eq) at most, across the goods.
        tonnes_per_month: f64,
    },
}

/// An event with its dates (both inclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// First month affected.
    pub from: Month,
    /// Last month affected.
    pub to: Month,
    /// What happens.
    pub kind: EventKind,
    /// Line in the scenario file (for messages).
    pub line: usize,
}

impl Event {
    /// Whether the event is in force in `m`.
    pub fn active(&self, m: Month) -> bool {
        self.from <= m && m <= self.to
    }
}

/// When a holder releases stock and how fast.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRule {
    /// The holder (as in `stockpiles.csv`).
    pub holder: String,
    /// Release when the country's unmet share of a good the holder has
    /// exceeds this (0..1).
    pub trigger_unmet_share: Option<f64>,
    /// Release when the price index of a good the holder has exceeds this.
    pub trigger_price_index: Option<f64>,
    /// At most this share of the initial holding per month, 0..1.
    pub max_release_share_per_month: f64,
}

/// How an agreement shares released stock between its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharingRule {
    /// In proportion to each member's unmet demand, whatever the sector.
    ProRata,
    /// Priority tier by tier across members (defence first), pro rata within
    /// a tier.
    DefenceFirst,
}

/// Partners that pool their stockpile releases.
#[derive(Debug, Clone, PartialEq)]
pub struct SharingAgreement {
    /// Name.
    pub name: String,
    /// Member countries.
    pub members: Vec<CountryCode>,
    /// How releases are shared.
    pub rule: SharingRule,
}

/// How the partners respond.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Priority tiers of final demand, highest first. Every sector is in
    /// exactly one tier. Production lines (metal and magnet plants buying
    /// their inputs) rank just after the first tier.
    pub tiers: Vec<Vec<Sector>>,
    /// Stockpile release rules; holders without one use
    /// [`Policy::default_rule`].
    pub release_rules: Vec<ReleaseRule>,
    /// Sharing agreements.
    pub sharing: Vec<SharingAgreement>,
}

impl Policy {
    /// Defence first, everything else second.
    pub fn default_tiers() -> Vec<Vec<Sector>> {
        vec![
            vec![Sector::Defence],
            Sector::ALL
                .iter()
                .copied()
                .filter(|s| *s != Sector::Defence)
                .collect(),
        ]
    }

    /// The rule for holders the scenario does not mention: release when
    /// more than 2 % of the country's demand for a good goes unmet, at most
    /// 10 % of the initial holding a month.
    pub fn default_rule(holder: &str) -> ReleaseRule {
        ReleaseRule {
            holder: holder.to_string(),
            trigger_unmet_share: Some(0.02),
            trigger_price_index: None,
            max_release_share_per_month: 0.10,
        }
    }

    /// The release rule of `holder`.
    pub fn rule_for(&self, holder: &str) -> ReleaseRule {
        self.release_rules
            .iter()
            .find(|r| r.holder == holder)
            .cloned()
            .unwrap_or_else(|| Policy::default_rule(holder))
    }

    /// The 0-based tier of `sector`.
    pub fn tier_of(&self, sector: Sector) -> usize {
        self.tiers
            .iter()
            .position(|t| t.contains(&sector))
            .unwrap_or(self.tiers.len())
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            tiers: Policy::default_tiers(),
            release_rules: Vec::new(),
            sharing: Vec::new(),
        }
    }
}

/// A scenario, its references resolved against a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// What it replays and why (free text).
    pub description: String,
    /// First simulated month.
    pub start: Month,
    /// Number of months simulated.
    pub horizon_months: u32,
    /// Demand growth path (a path of the dataset).
    pub demand_path: String,
    /// Dataset directory as written in the file (relative to it), if not
    /// the built-in baseline.
    pub dataset: Option<String>,
    /// Events.
    pub events: Vec<Event>,
    /// Policies.
    pub policy: Policy,
    /// Random event sources for Monte Carlo runs (ignored by a single
    /// simulation).
    pub risks: Vec<crate::risk::Risk>,
    /// Uncertain inputs for Monte Carlo runs (ignored by a single
    /// simulation).
    pub uncertainty: crate::risk::Uncertainty,
}

impl Scenario {
    /// A scenario with no events: `horizon_months` from `start` on the
    /// `steady` path (or the model's first path if it has no `steady`).
    pub fn baseline(model: &Model, start: Month, horizon_months: u32) -> Scenario {
        let path = if model.growth_path("steady").is_some() || model.growth_paths.is_empty() {
            "steady".to_string()
        } else {
            model.growth_paths[0].name.clone()
        };
        Scenario {
            name: "baseline".into(),
            description: String::new(),
            start,
            horizon_months,
            demand_path: path,
            dataset: None,
            events: Vec::new(),
            policy: Policy::default(),
            risks: Vec::new(),
            uncertainty: crate::risk::Uncertainty::default(),
        }
    }

    /// The last simulated month.
    pub fn end(&self) -> Month {
        self.start.plus(self.horizon_months as i32 - 1)
    }
}

/// The `dataset` key of a scenario file, read before the dataset is loaded
/// (so the right model can be used to resolve the rest). Syntax errors are
/// left for [`parse`] to report.
pub fn dataset_of(text: &str) -> Option<String> {
    let t = toml::de::DeTable::parse(text).ok()?;
    t.get_ref()
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == "dataset")
        .and_then(|(_, v)| v.get_ref().as_str().map(str::to_string))
}

const TOP_KEYS: &str =
    "name, description, start, horizon_months, demand_path, dataset, event, policy";

/// Parses a scenario file, resolving ids against `model`. Returns every
/// problem found.
pub fn parse(file: &str, text: &str, model: &Model) -> Result<Scenario, Vec<Diagnostic>> {
    let (mut doc, root) = Doc::parse(file, text).map_err(|d| vec![d])?;
    let mut top = Obj::new(&doc, TableRef::root(&root), "");
    let name = top
        .str(&mut doc, "name", true)
        .map(|a| a.value)
        .unwrap_or_default();
    let description = top
        .str(&mut doc, "description", false)
        .map(|a| a.value)
        .unwrap_or_default();
    let start = top.month(&mut doc, "start", true);
    let horizon = top.integer(&mut doc, "horizon_months", true, 1, 600);
    let demand_path = top.str(&mut doc, "demand_path", false);
    if let Some(p) = &demand_path {
        if model.growth_path(&p.value).is_none() {
            let known: Vec<&str> = model.growth_paths.iter().map(|g| g.name.as_str()).collect();
            doc.error(
                p.line,
                "demand_path",
                format!(
                    "unknown growth path `{}`; the dataset has: {}",
                    p.value,
                    known.join(", ")
                ),
            );
        }
    }
    let dataset = top
        .str(&mut doc, "dataset", false)
        .map(|a| a.value)
        .filter(|d| d != "builtin");
    let mut events = Vec::new();
    let (start_m, horizon_n) = (
        start.as_ref().map(|a| a.value),
        horizon.as_ref().map(|a| a.value as u32),
    );
    let end = match (start_m, horizon_n) {
        (Some(s), Some(h)) => Some(s.plus(h as i32 - 1)),
        _ => None,
    };
    for (i, t) in top.tables(&mut doc, "event").into_iter().enumerate() {
        let mut o = Obj::new(&doc, t, &format!("event[{}].", i + 1));
        if let Some(e) = parse_event(&mut doc, &mut o, model, start_m, end) {
            events.push(e);
        }
    }
    let mut risks: Vec<crate::risk::Risk> = Vec::new();
    for (i, t) in top.tables(&mut doc, "risk").into_iter().enumerate() {
        let mut o = Obj::new(&doc, t, &format!("risk[{}].", i + 1));
        let resolve = |doc: &mut Doc, field: &str, line: usize, names: &[String]| {
            resolve_countries(doc, model, field, line, names)
        };
        if let Some(r) = crate::risk::parse_risk(&mut doc, &mut o, model, &resolve) {
            if let Some(g) = &r.group {
                if let Some(first) = risks.iter().find(|x| x.group.as_ref() == Some(g)) {
                    if (first.onset_per_month - r.onset_per_month).abs() > 1e-12
                        || first.duration_months != r.duration_months
                    {
                        doc.error(
                            r.line,
                            &format!("risk[{}].group", i + 1),
                            format!("risks of group `{g}` start together: give them the same onset probability and duration as `{}`", first.name),
                        );
                    }
                }
            }
            risks.push(r);
        }
    }
    let uncertainty = match top.tables(&mut doc, "uncertainty").first() {
        Some(t) => {
            let mut o = Obj::new(&doc, *t, "uncertainty.");
            crate::risk::parse_uncertainty(&mut doc, &mut o)
        }
        None => crate::risk::Uncertainty::default(),
    };
    let policy = match top.tables(&mut doc, "policy").first() {
        Some(t) => {
            let mut o = Obj::new(&doc, *t, "policy.");
            parse_policy(&mut doc, &mut o, model)
        }
        None => Policy::default(),
    };
    top.finish(&mut doc, TOP_KEYS);
    if !doc.diags.is_empty() {
        let mut d = doc.diags;
        d.sort();
        return Err(d);
    }
    let (Some(start), Some(horizon)) = (start, horizon) else {
        unreachable_missing(file)
    };
    Ok(Scenario {
        name,
        description,
        start: start.value,
        horizon_months: horizon.value as u32,
        demand_path: demand_path.map_or_else(|| "steady".to_string(), |p| p.value),
        dataset,
        events,
        policy,
        risks,
        uncertainty,
    })
}

/// Missing required keys were reported as diagnostics above; this is not
/// reached.
fn unreachable_missing(file: &str) -> ! {
    panic!("{file}: required keys missing without a diagnostic")
}

/// A country code or a group name → countries.
fn resolve_countries(
    doc: &mut Doc,
    model: &Model,
    field: &str,
    line: usize,
    names: &[String],
) -> Option<Vec<CountryCode>> {
    let mut out = Vec::new();
    for n in names {
        match model.resolve_region(n) {
            Some(v) => out.extend(v),
            None => {
                doc.error(
                    line,
                    field,
                    format!("`{n}` is neither a country of the dataset nor a group"),
                );
                return None;
            }
        }
    }
    out.sort();
    out.dedup();
    Some(out)
}

fn parse_event(
    doc: &mut Doc,
    o: &mut Obj,
    model: &Model,
    start: Option<Month>,
    end: Option<Month>,
) -> Option<Event> {
    let line = o.line;
    let kind = o.str(doc, "kind", true)?;
    let from = o.month(doc, "from", kind.value != "project_delay");
    let to = o.month(doc, "to", false);
    let from_v = from.as_ref().map(|a| a.value).or(start);
    let to_v = to.as_ref().map(|a| a.value).or(end);
    if let (Some(f), Some(t), Some(at)) = (from_v, to_v, to.as_ref()) {
        if t < f {
            doc.error(
                at.line,
                &format!("{}to", field_prefix(o)),
                format!("{t} is before `from` {f}"),
            );
        }
    }
    let parsed = match kind.value.as_str() {
        "export_restriction" => {
            let exporters = o.strings(doc, "exporter", true);
            let importers = o.strings(doc, "importers", false);
            let elements = o.elements(doc, "elements", false);
            let forms = o.strings(doc, "forms", false);
            let share = o.number(doc, "allowed_share", true, 0.0, 1.0);
            o.finish(
                doc,
                "kind, from, to, exporter, importers, elements, forms, allowed_share",
            );
            let exporters = exporters.and_then(|a| {
                resolve_countries(
                    doc,
                    model,
                    &format!("{}exporter", field_prefix(o)),
                    a.line,
                    &a.value,
                )
            });
            let importers = match importers {
                None => Some(Importers::All),
                Some(a) if a.value.iter().any(|s| s == "*") => Some(Importers::All),
                Some(a) => resolve_countries(
                    doc,
                    model,
                    &format!("{}importers", field_prefix(o)),
                    a.line,
                    &a.value,
                )
                .map(Importers::Only),
            };
            let forms = match forms {
                None => Some(FormSet::TRADED),
                Some(a) => parse_forms(doc, &format!("{}forms", field_prefix(o)), &a),
            };
            Some(EventKind::ExportRestriction {
                exporters: exporters?,
                importers: importers?,
                elements: elements.map_or(ElementSet::ALL, |a| a.value),
                forms: forms?,
                allowed_share: share?.value,
            })
        }
        "facility_outage" => {
            let fac = o.str(doc, "facility", true);
            let share = o.number(doc, "remaining_share", false, 0.0, 1.0);
            o.finish(doc, "kind, from, to, facility, remaining_share");
            let fac = fac?;
            let Some(idx) = model.facility_idx(&fac.value) else {
                doc.error(
                    fac.line,
                    &format!("{}facility", field_prefix(o)),
                    format!("unknown facility `{}`", fac.value),
                );
                return None;
            };
            Some(EventKind::FacilityOutage {
                facility: idx,
                remaining_share: share.map_or(0.0, |a| a.value),
            })
        }
        "demand_shock" => {
            let countries = o.strings(doc, "country", false);
            let sectors = o.strings(doc, "sector", false);
            let elements = o.elements(doc, "elements", false);
            let factor = o.number(doc, "factor", true, 0.0, 100.0);
            o.finish(doc, "kind, from, to, country, sector, elements, factor");
            let countries = match countries {
                None => Some(Vec::new()),
                Some(a) if a.value.iter().any(|s| s == "*") => Some(Vec::new()),
                Some(a) => resolve_countries(
                    doc,
                    model,
                    &format!("{}country", field_prefix(o)),
                    a.line,
                    &a.value,
                ),
            };
            let mut sector_list = Vec::new();
            if let Some(a) = sectors {
                for s in &a.value {
                    if s == "*" {
                        sector_list.clear();
                        break;
                    }
                    match Sector::parse(s) {
                        Some(x) => sector_list.push(x),
                        None => {
                            doc.error(
                                a.line,
                                &format!("{}sector", field_prefix(o)),
                                format!("`{s}` is not one of: {}", Sector::expected()),
                            );
                            return None;
                        }
                    }
                }
            }
            Some(EventKind::DemandShock {
                countries: countries?,
                sectors: sector_list,
                elements: elements.map_or(ElementSet::ALL, |a| a.value),
                factor: factor?.value,
            })
        }
        "project_delay" => {
            let project = o.str(doc, "project", true);
            let months = o.integer(doc, "months", true, 0, 240);
            o.finish(doc, "kind, from, to, project, months");
            let project = project?;
            let Some(idx) = model
                .projects
                .iter()
                .position(|p| p.id == project.value)
                .map(Idx::new)
            else {
                doc.error(
                    project.line,
                    &format!("{}project", field_prefix(o)),
                    format!("unknown project `{}`", project.value),
                );
                return None;
            };
            Some(EventKind::ProjectDelay {
                project: idx,
                months: months?.value as u32,
            })
        }
        "stockpile_release" => {
            let holder = o.str(doc, "holder", true);
            let elements = o.elements(doc, "elements", false);
            let tonnes = o.number(doc, "tonnes_per_month", true, 0.0, 1.0e7);
            o.finish(doc, "kind, from, to, holder, elements, tonnes_per_month");
            let holder = holder?;
            if !model.stockpiles.iter().any(|s| s.holder == holder.value) {
                doc.error(
                    holder.line,
                    &format!("{}holder", field_prefix(o)),
                    format!("unknown stockpile holder `{}`", holder.value),
                );
                return None;
            }
            Some(EventKind::StockpileRelease {
                holder: holder.value,
                elements: elements.map_or(ElementSet::ALL, |a| a.value),
                tonnes_per_month: tonnes?.value,
            })
        }
        other => {
            doc.error(
                kind.line,
                &format!("{}kind", field_prefix(o)),
                format!("`{other}` is not an event kind: export_restriction, facility_outage, demand_shock, project_delay, stockpile_release"),
            );
            return None;
        }
    };
    let kind = parsed?;
    let from = from_v?;
    let to = to_v?;
    Some(Event {
        from,
        to,
        kind,
        line,
    })
}

fn field_prefix(o: &Obj) -> String {
    // Obj keeps its prefix private; rebuild it from a probe field name.
    o.prefix().to_string()
}

/// Reads a list of traded forms (shared with risk entries).
pub(crate) fn parse_forms_pub(doc: &mut Doc, field: &str, a: &At<Vec<String>>) -> Option<FormSet> {
    parse_forms(doc, field, a)
}

fn parse_forms(doc: &mut Doc, field: &str, a: &At<Vec<String>>) -> Option<FormSet> {
    let mut set = FormSet::default();
    for f in &a.value {
        match Form::parse(f).filter(|f| *f != Form::Product) {
            Some(form) => set = set.with(form),
            None => {
                doc.error(
                    a.line,
                    field,
                    format!("`{f}` is not a traded form: concentrate, oxide, metal, magnet"),
                );
                return None;
            }
        }
    }
    Some(set)
}

fn parse_policy(doc: &mut Doc, o: &mut Obj, model: &Model) -> Policy {
    let mut policy = Policy::default();
    if let Some(tiers) = o.tables(doc, "priority").first() {
        let mut t = Obj::new(doc, *tiers, "policy.priority.");
        if let Some(a) = t.strings(doc, "tiers", true) {
            // Each entry: "defence" or "ev_motors,wind".
            let mut tiers: Vec<Vec<Sector>> = Vec::new();
            let mut seen = Vec::new();
            let mut ok = true;
            for entry in &a.value {
                let mut tier = Vec::new();
                for s in entry.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    match Sector::parse(s) {
                        Some(x) if !seen.contains(&x) => {
                            seen.push(x);
                            tier.push(x);
                        }
                        Some(x) => {
                            doc.error(
                                a.line,
                                "policy.priority.tiers",
                                format!("sector `{x}` is in two tiers"),
                            );
                            ok = false;
                        }
                        None => {
                            doc.error(
                                a.line,
                                "policy.priority.tiers",
                                format!("`{s}` is not one of: {}", Sector::expected()),
                            );
                            ok = false;
                        }
                    }
                }
                tiers.push(tier);
            }
            // Sectors not named go in a last tier.
            let rest: Vec<Sector> = Sector::ALL
                .iter()
                .copied()
                .filter(|s| !seen.contains(s))
                .collect();
            if !rest.is_empty() {
                tiers.push(rest);
            }
            if ok {
                policy.tiers = tiers.into_iter().filter(|t| !t.is_empty()).collect();
            }
        }
        t.finish(doc, "tiers");
    }
    for (i, t) in o.tables(doc, "stockpile").into_iter().enumerate() {
        let mut r = Obj::new(doc, t, &format!("policy.stockpile[{}].", i + 1));
        let holder = r.str(doc, "holder", true);
        let unmet = r.number(doc, "trigger_unmet_share", false, 0.0, 1.0);
        let price = r.number(doc, "trigger_price_index", false, 0.0, 1.0e6);
        let max = r.number(doc, "max_release_share_per_month", false, 0.0, 1.0);
        r.finish(
            doc,
            "holder, trigger_unmet_share, trigger_price_index, max_release_share_per_month",
        );
        if let Some(h) = holder {
            if !model.stockpiles.iter().any(|s| s.holder == h.value) {
                doc.error(
                    h.line,
                    &format!("policy.stockpile[{}].holder", i + 1),
                    format!("unknown stockpile holder `{}`", h.value),
                );
                continue;
            }
            policy.release_rules.push(ReleaseRule {
                holder: h.value,
                trigger_unmet_share: unmet.map(|a| a.value),
                trigger_price_index: price.map(|a| a.value),
                max_release_share_per_month: max.map_or(0.10, |a| a.value),
            });
        }
    }
    for (i, t) in o.tables(doc, "sharing").into_iter().enumerate() {
        let field = format!("policy.sharing[{}].", i + 1);
        let mut r = Obj::new(doc, t, &field);
        let name = r.str(doc, "name", false);
        let members = r.strings(doc, "members", true);
        let rule = r.str(doc, "rule", false);
        r.finish(doc, "name, members, rule");
        let rule = match rule.as_ref().map(|a| a.value.as_str()) {
            None | Some("pro_rata") => Some(SharingRule::ProRata),
            Some("defence_first") => Some(SharingRule::DefenceFirst),
            Some(other) => {
                let line = rule.as_ref().map_or(r.line, |a| a.line);
                doc.error(
                    line,
                    &format!("{field}rule"),
                    format!("`{other}` is not a sharing rule: pro_rata, defence_first"),
                );
                None
            }
        };
        let members = members.and_then(|a| {
            resolve_countries(doc, model, &format!("{field}members"), a.line, &a.value)
        });
        if let (Some(members), Some(rule)) = (members, rule) {
            policy.sharing.push(SharingAgreement {
                name: name.map_or_else(|| format!("sharing-{}", i + 1), |a| a.value),
                members,
                rule,
            });
        }
    }
    o.finish(doc, "priority, stockpile, sharing");
    policy
}
