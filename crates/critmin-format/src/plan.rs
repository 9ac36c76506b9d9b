//! Plan files: the decisions an optimiser took — projects the fund
//! finances, with the month each starts producing, and stockpile
//! purchases — as TOML that `critmin simulate --plan` lays over the
//! dataset. The format is in `docs/optimization.md`:
//!
//! ```toml
//! name = "portfolio at USD 4000 million"
//!
//! [[fund]]
//! project = "nolans"      # a project id of projects.csv
//! start = "2029-07"       # first month of output
//!
//! [[stockpile]]
//! holder = "jogmec"
//! country = "JP"
//! form = "oxide"          # oxide | metal | magnet | concentrate
//! element = "Dy"          # oxide and metal; magnets name a `grade`,
//!                         # concentrate the mine (`facility`)
//! tonnes = 120.5          # in the form's unit (t REO, t metal, t magnet)
//!
//! [[tolling]]
//! holder = "jogmec"
//! converters = ["JP"]     # default: the holder's country
//! stages = ["metal", "magnet"]  # default: separation, metal, magnet
//! ```
//!
//! A plan entry passes the same checks as the dataset row it stands for
//! (`stockpiles.csv`): ids in the dataset's id syntax, tonnes within
//! [`MAX_TONNES`], an element for oxide and metal, a grade for magnets and
//! a mine for concentrate (never two of them), one row per holder and
//! good; a tolling entry names known countries and stages, one per
//! holder; a funded project is known,
//! funded once and starts within the calendar and not before its earliest
//! start. [`to_toml`] writes a plan that [`parse`] reads back unchanged.

use crate::read::{At, Doc, Obj, TableRef, sorted};
use critmin_model::limits::MAX_TONNES;
use critmin_model::{
    ConcentrateStock, CountryCode, Diagnostic, Element, Good, Idx, Model, Month, Overlay, Plan,
    Process, Project, Stockpile, TollStages, Tolling,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A `[[fund]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FundSpec {
    /// Project id.
    pub project: At<String>,
    /// First month of output.
    pub start: At<Month>,
    /// 1-based position among the file's `[[fund]]` entries.
    pub entry: usize,
}

/// What a `[[stockpile]]` entry holds, the grade unresolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum GoodSpec {
    /// Separated oxide of an element (t REO).
    Oxide(Element),
    /// Metal of an element (t metal).
    Metal(Element),
    /// Magnets of a grade of `recipes.csv` (t magnet).
    Magnet(At<String>),
    /// Concentrate of a mine of `facilities.csv` (t REO).
    Concentrate(At<String>),
}

impl GoodSpec {
    /// The good as a key (`oxide:Nd`, `metal:Dy`, `magnet:N52SH`),
    /// independent of the line it was read from.
    pub fn key(&self) -> String {
        match self {
            GoodSpec::Oxide(e) => format!("oxide:{e}"),
            GoodSpec::Metal(e) => format!("metal:{e}"),
            GoodSpec::Magnet(g) => format!("magnet:{}", g.value),
            GoodSpec::Concentrate(f) => format!("concentrate:{}", f.value),
        }
    }
}

/// A `[[stockpile]]` purchase, ids unresolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StockpileSpec {
    /// Holder id.
    pub holder: String,
    /// Country code.
    pub country: At<CountryCode>,
    /// The good.
    pub good: GoodSpec,
    /// Tonnes in the form's unit, 0..=`MAX_TONNES`.
    pub tonnes: f64,
    /// Line of the entry.
    pub line: usize,
    /// 1-based position among the file's `[[stockpile]]` entries.
    pub entry: usize,
}

/// A `[[tolling]]` arrangement, countries unresolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TollingSpec {
    /// Holder id.
    pub holder: At<String>,
    /// Converter countries or groups (`None`: the holder's country).
    pub converters: Option<At<Vec<String>>>,
    /// Stages.
    pub stages: TollStages,
    /// 1-based position among the file's `[[tolling]]` entries.
    pub entry: usize,
}

/// Reads a `[[tolling]]` (plan) or `[[policy.tolling]]` (scenario) table:
/// a holder id, converter countries and stages. Shared by both formats so
/// that they check the same things.
pub(crate) fn read_tolling(doc: &mut Doc, o: &mut Obj, entry: usize) -> Option<TollingSpec> {
    let holder = o.str(doc, "holder", true);
    let converters = o.strings(doc, "converters", false);
    let stages = o.strings(doc, "stages", false);
    o.finish(doc, "holder, converters, stages");
    let stages = match stages {
        None => TollStages::ALL,
        Some(a) => {
            let mut out = TollStages {
                separation: false,
                metal: false,
                magnet: false,
            };
            for n in &a.value {
                if !out.add(n) {
                    doc.error(
                        a.line,
                        &o.field("stages"),
                        format!("`{n}` is not a tolling stage: {}", TollStages::NAMES),
                    );
                    return None;
                }
            }
            if a.value.is_empty() {
                doc.error(
                    a.line,
                    &o.field("stages"),
                    format!("name at least one stage: {}", TollStages::NAMES),
                );
                return None;
            }
            out
        }
    };
    if let Some(c) = &converters {
        if c.value.is_empty() {
            doc.error(
                c.line,
                &o.field("converters"),
                "name at least one country, or leave the key out for the holder's own",
            );
            return None;
        }
    }
    Some(TollingSpec {
        holder: holder?,
        converters,
        stages,
        entry,
    })
}

/// Reads every `key` table of `o` as a tolling arrangement (fields named
/// `prefix[N].…`), one per holder.
pub(crate) fn read_tollings(
    doc: &mut Doc,
    o: &mut Obj,
    key: &str,
    prefix: &str,
) -> Vec<TollingSpec> {
    let mut out = Vec::new();
    let mut tolled: BTreeMap<String, usize> = BTreeMap::new();
    for (i, t) in o.tables(doc, key).into_iter().enumerate() {
        let mut r = Obj::new(doc, t, &format!("{prefix}[{}].", i + 1));
        let Some(t) = read_tolling(doc, &mut r, i + 1) else {
            continue;
        };
        if let Some(first) = tolled.get(&t.holder.value) {
            doc.error(
                t.holder.line,
                &r.field("holder"),
                format!(
                    "holder `{}` already has a tolling arrangement (line {first}); give one per holder",
                    t.holder.value
                ),
            );
            continue;
        }
        tolled.insert(t.holder.value.clone(), t.holder.line);
        out.push(t);
    }
    out
}

/// Resolves a tolling entry's converters against `model` (the holder's
/// `country` when it names none); `Err` carries the line, field and
/// message of the first unknown name.
pub(crate) fn resolve_tolling(
    t: &TollingSpec,
    country: CountryCode,
    model: &Model,
    prefix: &str,
) -> Result<Tolling, (usize, String, String)> {
    let converters = match &t.converters {
        // As if the holder's code were written (a code that names a group
        // too stands for the group).
        None => model.as_read_back(&[country]),
        Some(a) => {
            let mut out = Vec::new();
            for n in &a.value {
                match model.resolve_region(n) {
                    Some(v) => out.extend(v),
                    None => {
                        return Err((
                            a.line,
                            format!("{prefix}converters"),
                            format!("`{n}` is neither a country of the dataset nor a group"),
                        ));
                    }
                }
            }
            out.sort();
            out.dedup();
            out
        }
    };
    Ok(Tolling {
        holder: t.holder.value.clone(),
        converters,
        stages: t.stages,
    })
}

/// A plan file as written: values checked, ids not yet resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanSpec {
    /// The file, as named in diagnostics.
    pub file: String,
    /// What the plan is.
    pub name: String,
    /// Projects financed.
    pub fund: Vec<FundSpec>,
    /// Stockpile purchases.
    pub stockpile: Vec<StockpileSpec>,
    /// Tolling arrangements.
    pub tolling: Vec<TollingSpec>,
}

/// Reads a plan file: every problem of syntax, type, range or structure,
/// without a model.
pub fn parse_bytes(file: &str, bytes: &[u8]) -> Result<PlanSpec, Vec<Diagnostic>> {
    let (spec, diags) = read(file, bytes);
    match spec {
        Some(s) if diags.is_empty() => Ok(s),
        _ => Err(diags),
    }
}

/// Reads and resolves a plan file, reporting every problem at once.
pub fn parse(file: &str, bytes: &[u8], model: &Model) -> Result<(Plan, Overlay), Vec<Diagnostic>> {
    let (spec, mut diags) = read(file, bytes);
    let Some(spec) = spec else {
        return Err(diags);
    };
    match spec.resolve(model) {
        Ok(p) if diags.is_empty() => Ok(p),
        Ok(_) => Err(diags),
        Err(more) => {
            diags.extend(more);
            Err(sorted(diags))
        }
    }
}

/// Whether `s` is an id as the dataset writes them (lower-case letters,
/// digits, `_`, `-`, `.`; at most 100 bytes).
fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b))
}

fn read(file: &str, bytes: &[u8]) -> (Option<PlanSpec>, Vec<Diagnostic>) {
    let (mut doc, root) = match Doc::parse(file, bytes) {
        Ok(x) => x,
        Err(d) => return (None, vec![d]),
    };
    let mut top = Obj::new(&doc, TableRef::root(&root), "");
    let name = top.str(&mut doc, "name", false).map(|a| a.value);
    let mut spec = PlanSpec {
        file: file.to_string(),
        name: name.unwrap_or_default(),
        fund: Vec::new(),
        stockpile: Vec::new(),
        tolling: Vec::new(),
    };
    // Duplicates are found through maps, so a file of n entries costs
    // O(n log n), never O(n²).
    let mut funded_on_line: BTreeMap<String, usize> = BTreeMap::new();
    for (i, t) in top.tables(&mut doc, "fund").into_iter().enumerate() {
        let mut o = Obj::new(&doc, t, &format!("fund[{}].", i + 1));
        let project = o.str(&mut doc, "project", true);
        let start = o.month(&mut doc, "start", true);
        o.finish(&mut doc, "project, start");
        if let Some(p) = &project {
            if let Some(first) = funded_on_line.get(&p.value) {
                doc.error(
                    p.line,
                    &o.field("project"),
                    format!("project `{}` is funded twice (also line {first})", p.value),
                );
                continue;
            }
            funded_on_line.insert(p.value.clone(), p.line);
        }
        if let (Some(project), Some(start)) = (project, start) {
            spec.fund.push(FundSpec {
                project,
                start,
                entry: i + 1,
            });
        }
    }
    let mut bought: BTreeSet<(String, String)> = BTreeSet::new();
    for (i, t) in top.tables(&mut doc, "stockpile").into_iter().enumerate() {
        let mut o = Obj::new(&doc, t, &format!("stockpile[{}].", i + 1));
        if let Some(s) = read_stockpile(&mut doc, &mut o, i + 1) {
            // The good's key ignores where it was written: two rows for one
            // magnet grade on different lines are still one good.
            if !bought.insert((s.holder.clone(), s.good.key())) {
                doc.error(
                    s.line,
                    o.prefix().trim_end_matches('.'),
                    format!("holder `{}` buys this good twice; give one row", s.holder),
                );
                continue;
            }
            spec.stockpile.push(s);
        }
    }
    spec.tolling = read_tollings(&mut doc, &mut top, "tolling", "tolling");
    top.finish(&mut doc, "name, fund, stockpile, tolling");
    (Some(spec), doc.finish())
}

fn read_stockpile(doc: &mut Doc, o: &mut Obj, entry: usize) -> Option<StockpileSpec> {
    let holder = o.str(doc, "holder", true);
    let country = o.str(doc, "country", true);
    let form = o.str(doc, "form", true);
    let element = o.str(doc, "element", false);
    let grade = o.str(doc, "grade", false);
    let facility = o.str(doc, "facility", false);
    let tonnes = o.number(doc, "tonnes", true, 0.0, MAX_TONNES);
    o.finish(
        doc,
        "holder, country, form, element, grade, facility, tonnes",
    );
    let form_name = form.as_ref().map(|f| f.value.as_str());
    if let Some(f) = &facility {
        if form_name != Some("concentrate") {
            doc.error(
                f.line,
                &o.field("facility"),
                "only concentrate names a mine; oxides and metals name an element, magnets a grade",
            );
        }
    }
    let holder = holder.and_then(|h| {
        if is_id(&h.value) {
            Some(h.value)
        } else {
            doc.error(
                h.line,
                &o.field("holder"),
                format!(
                    "`{}` is not a valid id: use lower-case letters, digits, `_`, `-` or `.`",
                    h.value.chars().take(40).collect::<String>()
                ),
            );
            None
        }
    });
    let country = country.and_then(|c| match CountryCode::parse(&c.value) {
        Some(cc) => Some(At {
            value: cc,
            line: c.line,
        }),
        None => {
            doc.error(
                c.line,
                &o.field("country"),
                format!("`{}` is not a country code (two capital letters)", c.value),
            );
            None
        }
    });
    let good = match form.as_ref().map(|f| f.value.as_str()) {
        Some(f @ ("oxide" | "metal")) => {
            if let Some(g) = &grade {
                doc.error(
                    g.line,
                    &o.field("grade"),
                    "only magnets have a grade; oxides and metals name an element",
                );
            }
            match &element {
                None => {
                    doc.error(
                        o.line,
                        &o.field("element"),
                        "is required for oxide and metal",
                    );
                    None
                }
                Some(e) => match Element::from_symbol(&e.value) {
                    None => {
                        doc.error(
                            e.line,
                            &o.field("element"),
                            format!("`{}` is not a rare earth element symbol", e.value),
                        );
                        None
                    }
                    Some(el) if f == "oxide" => Some(GoodSpec::Oxide(el)),
                    Some(el) => Some(GoodSpec::Metal(el)),
                },
            }
        }
        Some("magnet") => {
            if let Some(e) = &element {
                doc.error(
                    e.line,
                    &o.field("element"),
                    "magnets name a grade (whose recipe gives the elements), not an element",
                );
            }
            match grade {
                None => {
                    doc.error(o.line, &o.field("grade"), "is required for magnets");
                    None
                }
                Some(g) => Some(GoodSpec::Magnet(g)),
            }
        }
        Some("concentrate") => {
            for (key, a) in [("element", &element), ("grade", &grade)] {
                if let Some(a) = a {
                    doc.error(
                        a.line,
                        &o.field(key),
                        "concentrate names the mine it comes from (`facility`), whose ore gives the elements",
                    );
                }
            }
            match facility {
                None => {
                    doc.error(o.line, &o.field("facility"), "is required for concentrate");
                    None
                }
                Some(f) => Some(GoodSpec::Concentrate(f)),
            }
        }
        Some(other) => {
            let line = form.as_ref().map_or(o.line, |f| f.line);
            doc.error(
                line,
                &o.field("form"),
                format!(
                    "`{other}` is not a stockpile form; use oxide, metal, magnet or concentrate"
                ),
            );
            None
        }
        None => None,
    };
    Some(StockpileSpec {
        holder: holder?,
        country: country?,
        good: good?,
        tonnes: tonnes?.value,
        line: o.line,
        entry,
    })
}

impl PlanSpec {
    /// Resolves project ids, countries and grades against `model`:
    /// returns the plan and its overlay, or every problem at once.
    pub fn resolve(&self, model: &Model) -> Result<(Plan, Overlay), Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let mut error = |line: usize, field: String, message: String| {
            diags.push(Diagnostic::new(&self.file, line, field, message));
        };
        let mut plan = Plan {
            name: self.name.clone(),
            ..Plan::default()
        };
        let mut funded: Vec<(Idx<Project>, Month)> = Vec::new();
        for f in &self.fund {
            let prefix = format!("fund[{}].", f.entry);
            let Some(pi) = model.projects.iter().position(|p| p.id == f.project.value) else {
                let known: Vec<&str> = model.projects.iter().map(|p| p.id.as_str()).collect();
                error(
                    f.project.line,
                    format!("{prefix}project"),
                    format!(
                        "unknown project `{}`; projects.csv has: {}",
                        f.project.value,
                        known.join(", ")
                    ),
                );
                continue;
            };
            let p = &model.projects[pi];
            if f.start.value < p.earliest_start {
                error(
                    f.start.line,
                    format!("{prefix}start"),
                    format!(
                        "{} is before the project's earliest start {}",
                        f.start.value, p.earliest_start
                    ),
                );
                continue;
            }
            funded.push((Idx::new(pi), f.start.value));
            plan.fund.push((f.project.value.clone(), f.start.value));
        }
        for s in &self.stockpile {
            let prefix = format!("stockpile[{}].", s.entry);
            let country = model.country(s.country.value).map(|_| s.country.value);
            if country.is_none() {
                error(
                    s.country.line,
                    format!("{prefix}country"),
                    format!(
                        "`{}` is not a country of the dataset (countries.csv)",
                        s.country.value
                    ),
                );
            }
            if let GoodSpec::Concentrate(f) = &s.good {
                let mine = model
                    .facility_idx(&f.value)
                    .filter(|&i| matches!(model.at(i).process, Process::Mine { .. }));
                if mine.is_none() {
                    error(
                        f.line,
                        format!("{prefix}facility"),
                        format!(
                            "`{}` is not a mine of the dataset (facilities.csv)",
                            f.value
                        ),
                    );
                }
                if let (Some(country), Some(mine)) = (country, mine) {
                    plan.concentrate_stocks.push(ConcentrateStock {
                        holder: s.holder.clone(),
                        country,
                        mine,
                        reo_t: s.tonnes,
                        source: Idx::new(0),
                    });
                }
                continue;
            }
            let good = match &s.good {
                GoodSpec::Oxide(e) => Some(Good::Oxide { element: *e }),
                GoodSpec::Metal(e) => Some(Good::Metal { element: *e }),
                GoodSpec::Magnet(g) => match model.recipe_idx(&g.value) {
                    Some(grade) => Some(Good::Magnet { grade }),
                    None => {
                        let known: Vec<&str> =
                            model.recipes.iter().map(|r| r.grade.as_str()).collect();
                        error(
                            g.line,
                            format!("{prefix}grade"),
                            format!(
                                "unknown grade `{}`; recipes.csv has: {}",
                                g.value,
                                known.join(", ")
                            ),
                        );
                        None
                    }
                },
                GoodSpec::Concentrate(_) => None,
            };
            if let (Some(country), Some(good)) = (country, good) {
                plan.stockpiles.push(Stockpile {
                    holder: s.holder.clone(),
                    country,
                    good,
                    tonnes: s.tonnes,
                    source: Idx::new(0),
                });
            }
        }
        for t in &self.tolling {
            let prefix = format!("tolling[{}].", t.entry);
            // The holder's country: from its purchases in the plan, else
            // the dataset's stocks.
            let country = plan
                .stockpiles
                .iter()
                .map(|s| (&s.holder, s.country))
                .chain(
                    plan.concentrate_stocks
                        .iter()
                        .map(|s| (&s.holder, s.country)),
                )
                .chain(model.stockpiles.iter().map(|s| (&s.holder, s.country)))
                .chain(
                    model
                        .concentrate_stocks
                        .iter()
                        .map(|s| (&s.holder, s.country)),
                )
                .find(|(h, _)| **h == t.holder.value)
                .map(|(_, c)| c);
            let Some(country) = country else {
                error(
                    t.holder.line,
                    format!("{prefix}holder"),
                    format!(
                        "holder `{}` holds nothing in the plan or the dataset",
                        t.holder.value
                    ),
                );
                continue;
            };
            match resolve_tolling(t, country, model, &prefix) {
                Ok(x) => plan.tolling.push(x),
                Err((line, field, message)) => error(line, field, message),
            }
        }
        if !diags.is_empty() {
            return Err(sorted(diags));
        }
        let overlay = plan.overlay(model);
        let overlay = Overlay { funded, ..overlay };
        Ok((plan, overlay))
    }
}

/// The plan as TOML, with a comment for people reading it; [`parse`]
/// reads it back to the same plan (tonnes to the nearest gram).
pub fn to_toml(plan: &Plan, model: &Model) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# A critmin plan: check it with `critmin simulate SCENARIO --plan FILE`."
    );
    let _ = writeln!(out, "name = {}", quote(&plan.name));
    for (id, start) in &plan.fund {
        let _ = writeln!(out, "\n[[fund]]");
        let _ = writeln!(out, "project = {}", quote(id));
        let _ = writeln!(out, "start = \"{start}\"");
    }
    for s in &plan.stockpiles {
        let _ = writeln!(out, "\n[[stockpile]]");
        let _ = writeln!(out, "holder = {}", quote(&s.holder));
        let _ = writeln!(out, "country = \"{}\"", s.country);
        let _ = writeln!(out, "form = \"{}\"", s.good.form());
        match s.good {
            Good::Oxide { element } | Good::Metal { element } => {
                let _ = writeln!(out, "element = \"{}\"", element.symbol());
            }
            Good::Magnet { grade } => {
                let name = model.recipes.get(grade.get()).map_or("", |r| &r.grade);
                let _ = writeln!(out, "grade = {}", quote(name));
            }
        }
        let _ = writeln!(out, "tonnes = {:.3}", s.tonnes);
    }
    for s in &plan.concentrate_stocks {
        let _ = writeln!(out, "\n[[stockpile]]");
        let _ = writeln!(out, "holder = {}", quote(&s.holder));
        let _ = writeln!(out, "country = \"{}\"", s.country);
        let _ = writeln!(out, "form = \"concentrate\"");
        let id = model.facilities.get(s.mine.get()).map_or("", |f| &f.id);
        let _ = writeln!(out, "facility = {}", quote(id));
        let _ = writeln!(out, "tonnes = {:.3}", s.reo_t);
    }
    for t in &plan.tolling {
        let _ = writeln!(out, "\n[[tolling]]");
        let _ = writeln!(out, "holder = {}", quote(&t.holder));
        let list = |v: Vec<String>| v.iter().map(|x| quote(x)).collect::<Vec<_>>().join(", ");
        let converters = t
            .converters
            .iter()
            .map(|c| c.as_str().to_string())
            .collect();
        let _ = writeln!(out, "converters = [{}]", list(converters));
        let stages = t.stages.names().into_iter().map(str::to_string).collect();
        let _ = writeln!(out, "stages = [{}]", list(stages));
    }
    out
}

/// A TOML basic string: quotes, backslashes and control characters
/// escaped, so any name round-trips.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
