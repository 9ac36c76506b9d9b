//! The scenario format (`docs/scenarios.md`): events, policies, `[[risk]]`
//! entries and `[uncertainty]`, read into an unresolved [`ScenarioSpec`]
//! (string ids, every value checked against its type and range), then
//! [`ScenarioSpec::resolve`]d against a [`Model`] into the
//! [`Scenario`] the simulator runs, with every unknown id reported.

use crate::kind::{self, KindSpec, Kinds};
use crate::read::{At, Doc, Obj, TableRef, sorted};
use critmin_model::{
    CountryCode, Diagnostic, Dist, Event, EventKind, Idx, Importers, Model, Month, Policy,
    ReleaseRule, Risk, RiskTemplate, Scenario, Sector, SharingAgreement, SharingRule, Uncertainty,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// An `[[event]]`, ids unresolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventSpec {
    /// First month (`None`: the scenario's start; only `project_delay`
    /// may leave it out).
    pub from: Option<Month>,
    /// Last month (`None`: the scenario's last month).
    pub to: Option<Month>,
    /// What happens.
    pub kind: KindSpec<f64>,
    /// Line of the entry.
    pub line: usize,
    /// 1-based position among the file's `[[event]]` entries.
    pub entry: usize,
}

/// A `[[risk]]`, ids unresolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskSpec {
    /// Name (default: the kind).
    pub name: String,
    /// Correlation group.
    pub group: Option<String>,
    /// Onset probability per month.
    pub onset_per_month: f64,
    /// Duration of an occurrence, months.
    pub duration_months: Dist,
    /// What it does.
    pub template: KindSpec<Dist>,
    /// Line of the entry.
    pub line: usize,
    /// 1-based position among the file's `[[risk]]` entries.
    pub entry: usize,
}

/// A `[[policy.stockpile]]` rule: fields left out keep
/// [`Policy::default_rule`]'s values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseRuleSpec {
    /// Holder id.
    pub holder: At<String>,
    /// Unmet-share trigger, 0..1.
    pub trigger_unmet_share: Option<f64>,
    /// Price-index trigger.
    pub trigger_price_index: Option<f64>,
    /// Release cap, share of the initial holding per month, 0..1.
    pub max_release_share_per_month: Option<f64>,
    /// 1-based position among the file's rules.
    pub entry: usize,
}

/// A `[[policy.sharing]]` agreement, members unresolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharingSpec {
    /// Name (default `sharing-N`).
    pub name: String,
    /// Member countries or groups.
    pub members: At<Vec<String>>,
    /// How releases are shared.
    pub rule: SharingRule,
    /// 1-based position among the file's agreements.
    pub entry: usize,
}

/// The `[policy]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PolicySpec {
    /// Priority tiers, highest first (`None`: [`Policy::default_tiers`]).
    pub tiers: Option<Vec<Vec<Sector>>>,
    /// Stockpile release rules.
    pub stockpile: Vec<ReleaseRuleSpec>,
    /// Sharing agreements.
    pub sharing: Vec<SharingSpec>,
    /// Tolling arrangements.
    pub tolling: Vec<crate::plan::TollingSpec>,
}

/// A scenario file as written: values checked, ids not yet resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioSpec {
    /// The file, as named in diagnostics.
    pub file: String,
    /// Name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// First simulated month.
    pub start: Month,
    /// Months simulated, 1..=600.
    pub horizon_months: u32,
    /// Demand growth path (`None`: `steady`).
    pub demand_path: Option<At<String>>,
    /// Dataset directory, relative to the file (`None`: built-in).
    pub dataset: Option<String>,
    /// Events.
    pub events: Vec<EventSpec>,
    /// Risks (Monte Carlo only).
    pub risks: Vec<RiskSpec>,
    /// Uncertain inputs (Monte Carlo only).
    pub uncertainty: Uncertainty,
    /// Policies.
    pub policy: PolicySpec,
}

const TOP_KEYS: &str = "name, description, start, horizon_months, demand_path, dataset, event, risk, uncertainty, policy";

/// The `dataset` key of a scenario file, read before the dataset is loaded
/// (so the right model can be used to resolve the rest). Syntax errors are
/// left for [`parse_bytes`] to report.
pub fn dataset_of(bytes: impl AsRef<[u8]>) -> Option<String> {
    let text = std::str::from_utf8(bytes.as_ref()).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let t = toml::de::DeTable::parse(text).ok()?;
    t.get_ref()
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == "dataset")
        .and_then(|(_, v)| v.get_ref().as_str().map(str::to_string))
        .filter(|d| d != "builtin")
}

/// Reads a scenario file: every problem of syntax, type, range or
/// structure, without a model.
pub fn parse_bytes(file: &str, bytes: &[u8]) -> Result<ScenarioSpec, Vec<Diagnostic>> {
    let (spec, diags) = read(file, bytes);
    match spec {
        Some(s) if diags.is_empty() => Ok(s),
        _ => Err(diags),
    }
}

/// Reads and resolves a scenario file, reporting every problem at once
/// (those found without the model and the unknown ids).
pub fn parse(file: &str, bytes: &[u8], model: &Model) -> Result<Scenario, Vec<Diagnostic>> {
    let (spec, mut diags) = read(file, bytes);
    let Some(spec) = spec else {
        return Err(diags);
    };
    match spec.resolve(model) {
        Ok(s) if diags.is_empty() => Ok(s),
        Ok(_) => Err(diags),
        Err(more) => {
            diags.extend(more);
            Err(sorted(diags))
        }
    }
}

/// The spec as far as it could be read (`None` on a UTF-8 or syntax
/// error), and the problems found.
fn read(file: &str, bytes: &[u8]) -> (Option<ScenarioSpec>, Vec<Diagnostic>) {
    let (mut doc, root) = match Doc::parse(file, bytes) {
        Ok(x) => x,
        Err(d) => return (None, vec![d]),
    };
    let mut top = Obj::new(&doc, TableRef::root(&root), "");
    let name = top.str(&mut doc, "name", true).map(|a| a.value);
    let description = top.str(&mut doc, "description", false).map(|a| a.value);
    let start = top.month(&mut doc, "start", true).map(|a| a.value);
    let horizon = top
        .integer(&mut doc, "horizon_months", true, 1, 600)
        .map(|a| a.value as u32);
    let demand_path = top.str(&mut doc, "demand_path", false);
    let dataset = top
        .str(&mut doc, "dataset", false)
        .map(|a| a.value)
        .filter(|d| d != "builtin");
    let mut events = Vec::new();
    for (i, t) in top.tables(&mut doc, "event").into_iter().enumerate() {
        let mut o = Obj::new(&doc, t, &format!("event[{}].", i + 1));
        events.extend(read_event(&mut doc, &mut o, start, i + 1));
    }
    let mut risks: Vec<RiskSpec> = Vec::new();
    // The first risk of each group, by name: groups are checked through a
    // map, so n risks cost O(n log n).
    let mut group_first: BTreeMap<String, usize> = BTreeMap::new();
    for (i, t) in top.tables(&mut doc, "risk").into_iter().enumerate() {
        let mut o = Obj::new(&doc, t, &format!("risk[{}].", i + 1));
        if let Some((r, ok)) = read_risk(&mut doc, &mut o, i + 1) {
            if ok {
                if let Some(g) = &r.group {
                    match group_first.get(g) {
                        Some(&k) => check_group(&mut doc, &risks[k], &r, i),
                        None => {
                            group_first.insert(g.clone(), risks.len());
                        }
                    }
                }
            }
            risks.push(r);
        }
    }
    let uncertainty = match top.single_table(&mut doc, "uncertainty") {
        Some(t) => {
            let mut o = Obj::new(&doc, t, "uncertainty.");
            read_uncertainty(&mut doc, &mut o)
        }
        None => Uncertainty::default(),
    };
    let policy = match top.single_table(&mut doc, "policy") {
        Some(t) => {
            let mut o = Obj::new(&doc, t, "policy.");
            read_policy(&mut doc, &mut o)
        }
        None => PolicySpec::default(),
    };
    top.finish(&mut doc, TOP_KEYS);
    // Missing values were reported; a placeholder lets the ids be checked.
    let Some(start) = start.or_else(|| Month::january(2025)) else {
        return (None, doc.finish());
    };
    let spec = ScenarioSpec {
        file: file.to_string(),
        name: name.unwrap_or_default(),
        description: description.unwrap_or_default(),
        start,
        horizon_months: horizon.unwrap_or(1),
        demand_path,
        dataset,
        events,
        risks,
        uncertainty,
        policy,
    };
    (Some(spec), doc.finish())
}

/// Risks of one group share their onset and duration: `r` (the `i`-th
/// risk, 0-based) must agree with its group's `first`.
fn check_group(doc: &mut Doc, first: &RiskSpec, r: &RiskSpec, i: usize) {
    let Some(g) = &r.group else { return };
    if (first.onset_per_month - r.onset_per_month).abs() > 1e-12
        || first.duration_months != r.duration_months
    {
        doc.error(
            r.line,
            &format!("risk[{}].group", i + 1),
            format!(
                "risks of group `{g}` start together: give them the same onset probability and duration as `{}`",
                first.name
            ),
        );
    }
}

fn read_event(doc: &mut Doc, o: &mut Obj, start: Option<Month>, entry: usize) -> Option<EventSpec> {
    let line = o.line;
    let kind = o.str(doc, "kind", true);
    let delay = kind.as_ref().is_some_and(|k| k.value == "project_delay");
    let from = o.month(doc, "from", !delay);
    let to = o.month(doc, "to", false);
    if let (Some(f), Some(t)) = (from.as_ref().map(|a| a.value).or(start), to.as_ref()) {
        if t.value < f {
            doc.error(
                t.line,
                &o.field("to"),
                format!("{} is before `from` {f}", t.value),
            );
        }
    }
    // Without a kind the other keys cannot be checked.
    let kind = kind?;
    let spec = kind::parse_kind::<f64>(doc, o, &kind, Kinds::Event, "kind, from, to")?;
    // A missing `from` was reported; the entry is kept so that its ids are
    // checked too.
    Some(EventSpec {
        from: from.map(|a| a.value),
        to: to.map(|a| a.value),
        kind: spec,
        line,
        entry,
    })
}

const RISK_KEYS: &str =
    "name, group, kind, onset_probability_per_month, onset_probability_per_year, duration_months";

/// A risk and whether its onset and duration were valid (if not, they are
/// placeholders so its ids can still be checked; the error was reported).
fn read_risk(doc: &mut Doc, o: &mut Obj, entry: usize) -> Option<(RiskSpec, bool)> {
    let line = o.line;
    let name = o.str(doc, "name", false).map(|a| a.value);
    let group = o.str(doc, "group", false).map(|a| a.value);
    let kind = o.str(doc, "kind", true);
    let per_month = o.number(doc, "onset_probability_per_month", false, 0.0, 1.0);
    let per_year = o.number(doc, "onset_probability_per_year", false, 0.0, 1.0);
    let onset = match (&per_month, &per_year) {
        (Some(m), None) => Some(m.value),
        (None, Some(y)) => Some(critmin_model::risk::monthly_from_yearly(y.value)),
        (Some(m), Some(_)) => {
            doc.error(
                m.line,
                &o.field("onset_probability_per_month"),
                "give the onset probability per month or per year, not both",
            );
            None
        }
        (None, None) => {
            if !o.has("onset_probability_per_month") && !o.has("onset_probability_per_year") {
                doc.error(
                    line,
                    &o.field("onset_probability_per_year"),
                    "is required (or onset_probability_per_month)",
                );
            }
            None
        }
    };
    let duration_given = o.has("duration_months");
    let duration = match crate::dist::dist(doc, o, "duration_months", false, 0.0, 600.0) {
        Some(d) => Some(d),
        None if !duration_given => Some(Dist::Fixed(1.0)),
        None => None,
    };
    let kind = kind?;
    let template = kind::parse_kind::<Dist>(doc, o, &kind, Kinds::Risk, RISK_KEYS)?;
    let ok = onset.is_some() && duration.is_some();
    let spec = RiskSpec {
        name: name.unwrap_or_else(|| kind.value.clone()),
        group,
        onset_per_month: onset.unwrap_or(0.0),
        duration_months: duration.unwrap_or(Dist::Fixed(1.0)),
        template,
        line,
        entry,
    };
    Some((spec, ok))
}

fn read_uncertainty(doc: &mut Doc, o: &mut Obj) -> Uncertainty {
    let u = Uncertainty {
        demand_growth: crate::dist::dist(doc, o, "demand_growth", false, 0.0, 10.0),
        mine_output: crate::dist::dist(doc, o, "mine_output", false, 0.0, 10.0),
        project_delay_months: crate::dist::dist(doc, o, "project_delay_months", false, 0.0, 240.0),
    };
    o.finish(doc, "demand_growth, mine_output, project_delay_months");
    u
}

fn read_tiers(doc: &mut Doc, o: &mut Obj) -> Option<Vec<Vec<Sector>>> {
    let t = o.single_table(doc, "priority")?;
    let mut t = Obj::new(doc, t, "policy.priority.");
    let a = t.strings(doc, "tiers", true);
    t.finish(doc, "tiers");
    let a = a?;
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
    ok.then(|| tiers.into_iter().filter(|t| !t.is_empty()).collect())
}

fn read_policy(doc: &mut Doc, o: &mut Obj) -> PolicySpec {
    let mut policy = PolicySpec {
        tiers: read_tiers(doc, o),
        ..PolicySpec::default()
    };
    let mut rule_on_line: BTreeMap<String, usize> = BTreeMap::new();
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
        let Some(holder) = holder else { continue };
        // Two rules for one holder would make the result depend on which
        // the engine finds first.
        if let Some(first) = rule_on_line.get(&holder.value) {
            doc.error(
                holder.line,
                &r.field("holder"),
                format!(
                    "holder `{}` already has a release rule (line {first}); give one rule per holder",
                    holder.value
                ),
            );
            continue;
        }
        rule_on_line.insert(holder.value.clone(), holder.line);
        policy.stockpile.push(ReleaseRuleSpec {
            holder,
            trigger_unmet_share: unmet.map(|a| a.value),
            trigger_price_index: price.map(|a| a.value),
            max_release_share_per_month: max.map(|a| a.value),
            entry: i + 1,
        });
    }
    for (i, t) in o.tables(doc, "sharing").into_iter().enumerate() {
        let mut r = Obj::new(doc, t, &format!("policy.sharing[{}].", i + 1));
        let name = r.str(doc, "name", false);
        let members = r.strings(doc, "members", true);
        let rule = r.str(doc, "rule", false);
        r.finish(doc, "name, members, rule");
        let rule = match rule.as_ref().map(|a| a.value.as_str()) {
            None => Some(SharingRule::ProRata),
            Some(name) => SharingRule::parse(name).or_else(|| {
                let line = rule.as_ref().map_or(r.line, |a| a.line);
                doc.error(
                    line,
                    &r.field("rule"),
                    format!("`{name}` is not a sharing rule: {}", SharingRule::NAMES),
                );
                None
            }),
        };
        if let (Some(members), Some(rule)) = (members, rule) {
            policy.sharing.push(SharingSpec {
                name: name.map_or_else(|| format!("sharing-{}", i + 1), |a| a.value),
                members,
                rule,
                entry: i + 1,
            });
        }
    }
    policy.tolling = crate::plan::read_tollings(doc, o, "tolling", "policy.tolling");
    o.finish(doc, "priority, stockpile, sharing, tolling");
    policy
}

/// Resolving ids against a model, collecting a diagnostic for each unknown.
struct Resolver<'m> {
    model: &'m Model,
    file: String,
    diags: Vec<Diagnostic>,
}

impl Resolver<'_> {
    fn error(&mut self, line: usize, field: &str, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::new(&self.file, line, field, message));
    }

    /// Country codes and group names → countries, sorted, each once.
    fn countries(&mut self, field: &str, a: &At<Vec<String>>) -> Option<Vec<CountryCode>> {
        let mut out = Vec::new();
        for n in &a.value {
            match self.model.resolve_region(n) {
                Some(v) => out.extend(v),
                None => {
                    self.error(
                        a.line,
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

    fn facility(&mut self, field: &str, a: &At<String>) -> Option<Idx<critmin_model::Facility>> {
        let idx = self.model.facility_idx(&a.value);
        if idx.is_none() {
            self.error(a.line, field, format!("unknown facility `{}`", a.value));
        }
        idx
    }

    fn project(&mut self, field: &str, a: &At<String>) -> Option<Idx<critmin_model::Project>> {
        let idx = self
            .model
            .projects
            .iter()
            .position(|p| p.id == a.value)
            .map(Idx::new);
        if idx.is_none() {
            self.error(a.line, field, format!("unknown project `{}`", a.value));
        }
        idx
    }

    fn holder(&mut self, field: &str, a: &At<String>) -> Option<String> {
        if self.holder_country(&a.value).is_some() {
            Some(a.value.clone())
        } else {
            self.error(
                a.line,
                field,
                format!("unknown stockpile holder `{}`", a.value),
            );
            None
        }
    }

    /// The country of a stockpile holder of the dataset (of its stocks
    /// of market goods or of concentrate).
    fn holder_country(&self, holder: &str) -> Option<CountryCode> {
        let m = self.model;
        m.stockpiles
            .iter()
            .map(|s| (&s.holder, s.country))
            .chain(m.concentrate_stocks.iter().map(|s| (&s.holder, s.country)))
            .find(|(h, _)| *h == holder)
            .map(|(_, c)| c)
    }

    fn importers(&mut self, field: &str, a: &Option<At<Vec<String>>>) -> Option<Importers> {
        match a {
            None => Some(Importers::All),
            Some(a) => self.countries(field, a).map(Importers::Only),
        }
    }

    /// An event's kind; `prefix` is e.g. `event[2].`.
    fn event_kind(&mut self, prefix: &str, k: &KindSpec<f64>) -> Option<EventKind> {
        let f = |key: &str| format!("{prefix}{key}");
        Some(match k {
            KindSpec::ExportRestriction {
                exporters,
                importers,
                elements,
                forms,
                allowed_share,
            } => {
                let exporters = self.countries(&f("exporter"), exporters);
                let importers = self.importers(&f("importers"), importers);
                EventKind::ExportRestriction {
                    exporters: exporters?,
                    importers: importers?,
                    elements: *elements,
                    forms: *forms,
                    allowed_share: *allowed_share,
                }
            }
            KindSpec::ExportQuota {
                exporters,
                importers,
                elements,
                forms,
                tonnes_per_year,
                even,
            } => {
                let exporters = self.countries(&f("exporter"), exporters);
                let importers = self.importers(&f("importers"), importers);
                EventKind::ExportQuota {
                    exporters: exporters?,
                    importers: importers?,
                    elements: *elements,
                    forms: *forms,
                    tonnes_per_year: *tonnes_per_year,
                    even: *even,
                }
            }
            // Compiled into export restrictions by the caller.
            KindSpec::Licensing { .. } => return None,
            KindSpec::Offtake {
                facility,
                buyer,
                share,
            } => {
                let field = f("facility");
                let idx = self.facility(&field, facility)?;
                let stage = self.model.at(idx).stage;
                if !matches!(
                    stage,
                    critmin_model::Stage::Separation
                        | critmin_model::Stage::MetalAlloy
                        | critmin_model::Stage::Magnet
                ) {
                    self.error(
                        facility.line,
                        &field,
                        format!(
                            "`{}` is a {stage} facility: an offtake takes a separation, metal/alloy or magnet plant's output",
                            facility.value
                        ),
                    );
                    return None;
                }
                let buyer_field = f("buyer");
                let Some(code) = CountryCode::parse(&buyer.value)
                    .filter(|c| self.model.countries.iter().any(|k| k.code == *c))
                else {
                    self.error(
                        buyer.line,
                        &buyer_field,
                        format!("`{}` is not a country of the dataset", buyer.value),
                    );
                    return None;
                };
                EventKind::Offtake {
                    facility: idx,
                    buyer: code,
                    share: *share,
                }
            }
            KindSpec::StockpilePurchase {
                holder,
                elements,
                form,
                target_t,
                tonnes_per_month,
                max_price_index,
            } => EventKind::StockpilePurchase {
                holder: self.holder(&f("holder"), holder)?,
                elements: *elements,
                form: *form,
                target_t: *target_t,
                tonnes_per_month: *tonnes_per_month,
                max_price_index: *max_price_index,
            },
            KindSpec::PriceFloor {
                facility,
                elements,
                floor_usd_per_kg,
                payer,
            } => {
                let field = f("facility");
                let idx = self.facility(&field, facility)?;
                if self.model.at(idx).stage != critmin_model::Stage::Separation {
                    self.error(
                        facility.line,
                        &field,
                        format!(
                            "`{}` is not a separation plant: a price floor covers a separation plant's oxide output",
                            facility.value
                        ),
                    );
                    return None;
                }
                EventKind::PriceFloor {
                    facility: idx,
                    elements: *elements,
                    floor_usd_per_kg: *floor_usd_per_kg,
                    payer: payer.clone(),
                }
            }
            KindSpec::Leakage {
                exporters,
                importers,
                elements,
                forms,
                share,
                lag_months,
                premium,
            } => {
                let exporters = self.countries(&f("exporter"), exporters);
                let importers = self.importers(&f("importers"), importers);
                EventKind::Leakage {
                    exporters: exporters?,
                    importers: importers?,
                    elements: *elements,
                    forms: *forms,
                    share: *share,
                    lag_months: *lag_months as u32,
                    premium: *premium,
                }
            }
            KindSpec::Tariff {
                exporters,
                importers,
                elements,
                forms,
                rate,
            } => {
                let exporters = self.countries(&f("exporter"), exporters);
                let importers = self.importers(&f("importers"), importers);
                EventKind::Tariff {
                    exporters: exporters?,
                    importers: importers?,
                    elements: *elements,
                    forms: *forms,
                    rate: *rate,
                }
            }
            KindSpec::SourcingBan {
                exporters,
                importers,
                sectors,
                elements,
                forms,
            } => {
                let exporters = self.countries(&f("exporter"), exporters);
                let importers = self.importers(&f("importers"), importers);
                EventKind::SourcingBan {
                    exporters: exporters?,
                    importers: importers?,
                    sectors: sectors.clone(),
                    elements: *elements,
                    forms: *forms,
                }
            }
            KindSpec::FacilityOutage {
                facility,
                remaining_share,
            } => EventKind::FacilityOutage {
                facility: self.facility(&f("facility"), facility)?,
                remaining_share: *remaining_share,
            },
            KindSpec::DemandShock {
                countries,
                sectors,
                elements,
                factor,
            } => EventKind::DemandShock {
                countries: match countries {
                    None => Vec::new(),
                    Some(a) => self.countries(&f("country"), a)?,
                },
                sectors: sectors.clone(),
                elements: *elements,
                factor: *factor,
            },
            KindSpec::ProjectDelay { project, months } => EventKind::ProjectDelay {
                project: self.project(&f("project"), project)?,
                months: *months as u32,
            },
            KindSpec::StockpileRelease {
                holder,
                elements,
                tonnes_per_month,
            } => EventKind::StockpileRelease {
                holder: self.holder(&f("holder"), holder)?,
                elements: *elements,
                tonnes_per_month: *tonnes_per_month,
            },
        })
    }

    /// A risk's template (same resolution as an event's kind).
    fn template(&mut self, prefix: &str, k: &KindSpec<Dist>) -> Option<RiskTemplate> {
        let f = |key: &str| format!("{prefix}{key}");
        Some(match k {
            KindSpec::ExportRestriction {
                exporters,
                importers,
                elements,
                forms,
                allowed_share,
            } => {
                let exporters = self.countries(&f("exporter"), exporters);
                let importers = self.importers(&f("importers"), importers);
                RiskTemplate::ExportRestriction {
                    exporters: exporters?,
                    importers: importers?,
                    elements: *elements,
                    forms: *forms,
                    allowed_share: allowed_share.clone(),
                }
            }
            KindSpec::FacilityOutage {
                facility,
                remaining_share,
            } => RiskTemplate::FacilityOutage {
                facility: self.facility(&f("facility"), facility)?,
                remaining_share: remaining_share.clone(),
            },
            KindSpec::DemandShock {
                countries,
                sectors,
                elements,
                factor,
            } => RiskTemplate::DemandShock {
                countries: match countries {
                    None => Vec::new(),
                    Some(a) => self.countries(&f("country"), a)?,
                },
                sectors: sectors.clone(),
                elements: *elements,
                factor: factor.clone(),
            },
            KindSpec::ProjectDelay { project, months } => RiskTemplate::ProjectDelay {
                project: self.project(&f("project"), project)?,
                months: months.clone(),
            },
            // The reader refuses these kinds in a risk.
            KindSpec::StockpileRelease { .. }
            | KindSpec::ExportQuota { .. }
            | KindSpec::SourcingBan { .. }
            | KindSpec::Leakage { .. }
            | KindSpec::Tariff { .. }
            | KindSpec::PriceFloor { .. }
            | KindSpec::StockpilePurchase { .. }
            | KindSpec::Offtake { .. }
            | KindSpec::Licensing { .. } => return None,
        })
    }

    fn policy(&mut self, p: &PolicySpec) -> Policy {
        let mut policy = Policy {
            tiers: p.tiers.clone().unwrap_or_else(Policy::default_tiers),
            ..Policy::default()
        };
        for r in &p.stockpile {
            let field = format!("policy.stockpile[{}].holder", r.entry);
            let Some(holder) = self.holder(&field, &r.holder) else {
                continue;
            };
            // Unspecified fields keep the default rule's values.
            let d = Policy::default_rule(&holder);
            policy.release_rules.push(ReleaseRule {
                trigger_unmet_share: r.trigger_unmet_share.or(d.trigger_unmet_share),
                trigger_price_index: r.trigger_price_index.or(d.trigger_price_index),
                max_release_share_per_month: r
                    .max_release_share_per_month
                    .unwrap_or(d.max_release_share_per_month),
                holder,
            });
        }
        // Each country's agreement, as an index into `policy.sharing`.
        let mut agreement_of: BTreeMap<CountryCode, usize> = BTreeMap::new();
        for s in &p.sharing {
            let field = format!("policy.sharing[{}].members", s.entry);
            let Some(members) = self.countries(&field, &s.members) else {
                continue;
            };
            // A country in two agreements would get releases from whichever
            // the engine visits first.
            let clash = members.iter().find_map(|c| {
                agreement_of
                    .get(c)
                    .map(|k| (*c, policy.sharing[*k].name.clone()))
            });
            if let Some((c, other)) = clash {
                self.error(
                    s.members.line,
                    &field,
                    format!("`{c}` is already a member of sharing agreement `{other}`; a country may be in one agreement"),
                );
                continue;
            }
            for c in &members {
                agreement_of.insert(*c, policy.sharing.len());
            }
            policy.sharing.push(SharingAgreement {
                name: s.name.clone(),
                members,
                rule: s.rule,
            });
        }
        for t in &p.tolling {
            let prefix = format!("policy.tolling[{}].", t.entry);
            let Some(holder) = self.holder(&format!("{prefix}holder"), &t.holder) else {
                continue;
            };
            let Some(country) = self.holder_country(&holder) else {
                continue;
            };
            match crate::plan::resolve_tolling(t, country, self.model, &prefix) {
                Ok(x) => policy.tolling.push(x),
                Err((line, field, message)) => self.error(line, &field, message),
            }
        }
        policy
    }
}

impl ScenarioSpec {
    /// Resolves every id against `model`: growth path, countries and
    /// groups, facilities, projects, stockpile holders. Returns every
    /// unknown id at once.
    pub fn resolve(&self, model: &Model) -> Result<Scenario, Vec<Diagnostic>> {
        let mut r = Resolver {
            model,
            file: self.file.clone(),
            diags: Vec::new(),
        };
        if let Some(p) = &self.demand_path {
            if model.growth_path(&p.value).is_none() {
                let known: Vec<&str> = model.growth_paths.iter().map(|g| g.name.as_str()).collect();
                r.error(
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
        let end = self.start.plus(self.horizon_months as i32 - 1);
        let mut events = Vec::new();
        for e in &self.events {
            let (from, to) = (e.from.unwrap_or(self.start), e.to.unwrap_or(end));
            let prefix = format!("event[{}].", e.entry);
            if let KindSpec::Licensing {
                exporters,
                importers,
                elements,
                forms,
                approval_share,
                delay_months,
                denied_sectors,
            } = &e.kind
            {
                // Licensing is export restrictions in time: nothing while
                // the first reviews run, then the approved share.
                let exporters = r.countries(&format!("{prefix}exporter"), exporters);
                let importers = r.importers(&format!("{prefix}importers"), importers);
                let (Some(exporters), Some(importers)) = (exporters, importers) else {
                    continue;
                };
                let restriction = |share: f64| EventKind::ExportRestriction {
                    exporters: exporters.clone(),
                    importers: importers.clone(),
                    elements: *elements,
                    forms: *forms,
                    allowed_share: share,
                };
                let first_licence = from.plus(*delay_months as i32);
                let waiting_until = first_licence.plus(-1);
                if *delay_months >= 1.0 {
                    events.push(Event {
                        from,
                        to: if waiting_until < to {
                            waiting_until
                        } else {
                            to
                        },
                        kind: restriction(0.0),
                        line: e.line,
                    });
                }
                if first_licence <= to {
                    events.push(Event {
                        from: first_licence,
                        to,
                        kind: restriction(*approval_share),
                        line: e.line,
                    });
                }
                // End users the regime never licenses buy elsewhere or
                // not at all, for the whole event.
                if !denied_sectors.is_empty() {
                    events.push(Event {
                        from,
                        to,
                        kind: EventKind::SourcingBan {
                            exporters: exporters.clone(),
                            importers: importers.clone(),
                            sectors: denied_sectors.clone(),
                            elements: *elements,
                            forms: *forms,
                        },
                        line: e.line,
                    });
                }
                continue;
            }
            if let Some(kind) = r.event_kind(&prefix, &e.kind) {
                events.push(Event {
                    from,
                    to,
                    kind,
                    line: e.line,
                });
            }
        }
        let mut risks = Vec::new();
        for x in &self.risks {
            if let Some(template) = r.template(&format!("risk[{}].", x.entry), &x.template) {
                risks.push(Risk {
                    name: x.name.clone(),
                    group: x.group.clone(),
                    onset_per_month: x.onset_per_month,
                    duration_months: x.duration_months.clone(),
                    template,
                    line: x.line,
                });
            }
        }
        let policy = r.policy(&self.policy);
        if !r.diags.is_empty() {
            return Err(sorted(r.diags));
        }
        Ok(Scenario {
            name: self.name.clone(),
            description: self.description.clone(),
            start: self.start,
            horizon_months: self.horizon_months,
            demand_path: self
                .demand_path
                .as_ref()
                .map_or_else(|| "steady".to_string(), |p| p.value.clone()),
            dataset: self.dataset.clone(),
            events,
            policy,
            risks,
            uncertainty: self.uncertainty.clone(),
        })
    }
}
