//! Builds a [`Model`] from a dataset's files, table by table, collecting
//! every problem. Tables are read in dependency order (sources and countries
//! before the rows that cite them) and every table is read even when earlier
//! ones had problems.

use crate::manifest::{self, GroupDef, Manifest};
use crate::table::{RowCtx, Schema, Table, clip};
use crate::{DatasetSource, Diagnostic, Diagnostics};
use critmin_model::{
    ALLIED, Benchmark, BenchmarkMetric, CapacityTrend, Composition, Confidence, Country,
    CountryCode, DEFAULT_ALLIED, DemandRow, Element, ElementRisk, ElementSet, Facility, FeedRef,
    Form, Funding, Good, Governance, Group, GrowthPath, GrowthRule, Idx, InventoryPolicy,
    MagnetRecipe, MineProduction, Model, PerElement, Price, PriceResponse, Process, Project,
    Sector, SectorValue, Source, Stage, Status, Stockpile, StockpileTarget, US_JP,
};
use std::collections::{BTreeSet, HashMap};

/// Identifiers declared in a table: `Some` when the row is valid, `None`
/// when the row had problems (so references to it are not reported twice).
struct Refs<T> {
    map: HashMap<String, Option<Idx<T>>>,
}

impl<T> Refs<T> {
    fn new() -> Refs<T> {
        Refs {
            map: HashMap::new(),
        }
    }
}

/// Declares `id` in `refs`, reporting a duplicate. Returns whether it was new.
fn declare<T>(ctx: &mut RowCtx, col: &str, id: &str, refs: &mut Refs<T>) -> bool {
    if refs.map.contains_key(id) {
        ctx.error(
            col,
            format!("duplicate id `{id}`: another row above already uses it"),
        );
        false
    } else {
        refs.map.insert(id.to_string(), None);
        true
    }
}

/// Resolves `id` (from column `col`) in `refs`; `what` names the table for the
/// message.
fn resolve<T>(
    ctx: &mut RowCtx,
    col: &str,
    id: &str,
    refs: &Refs<T>,
    what: &str,
    table: &str,
) -> Option<Idx<T>> {
    match refs.map.get(id) {
        Some(Some(i)) => Some(*i),
        Some(None) => {
            // The referenced row has its own diagnostic; this row cannot be
            // built but needs no second message.
            ctx.poison();
            None
        }
        None => {
            ctx.error(
                col,
                format!("unknown {what} `{}` (not in {table})", clip(id)),
            );
            None
        }
    }
}

fn source_col(ctx: &mut RowCtx, sources: &Refs<Source>) -> Option<Idx<Source>> {
    let id = ctx.required("source")?;
    resolve(ctx, "source", id, sources, "source", "sources.csv")
}

struct Reader<'a> {
    src: &'a dyn DatasetSource,
}

impl Reader<'_> {
    fn table(&self, file: &str, required: bool, schema: &Schema, diags: &mut Diagnostics) -> Table {
        let shown = self.src.display_name(file);
        match self.src.read(file) {
            Ok(Some(bytes)) => Table::parse(&shown, &bytes, schema, diags),
            Ok(None) => {
                if required {
                    diags.push(Diagnostic::new(
                        &shown,
                        1,
                        "(table)",
                        "required table is missing",
                    ));
                }
                Table::empty(&shown)
            }
            Err(e) => {
                diags.push(Diagnostic::new(
                    &shown,
                    1,
                    "(table)",
                    format!("cannot read the file: {e}"),
                ));
                Table::empty(&shown)
            }
        }
    }
}

pub(crate) fn load(src: &dyn DatasetSource, diags: &mut Diagnostics) -> Option<Model> {
    let reader = Reader { src };
    let manifest_name = src.display_name("dataset.toml");
    let manifest = match src.read("dataset.toml") {
        Ok(Some(b)) => manifest::parse(&manifest_name, &b, diags),
        Ok(None) => {
            diags.push(Diagnostic::new(
                &manifest_name,
                1,
                "(file)",
                "the manifest dataset.toml is missing",
            ));
            None
        }
        Err(e) => {
            diags.push(Diagnostic::new(
                &manifest_name,
                1,
                "(file)",
                format!("cannot read the file: {e}"),
            ));
            None
        }
    };

    let mut b = Builder::default();
    b.sources(&reader, diags);
    b.countries(&reader, diags);
    if let Some(m) = &manifest {
        b.groups(m, &manifest_name, diags);
    }
    b.compositions(&reader, diags);
    b.recipes(&reader, diags);
    b.facilities(&reader, diags);
    b.capacity_trends(&reader, manifest.as_ref().map(|m| m.base_year), diags);
    b.inventories(&reader, diags);
    b.demand(&reader, diags);
    b.growth(&reader, diags);
    b.stockpiles(&reader, diags);
    b.targets(&reader, diags);
    b.projects(&reader, diags);
    b.mine_production(&reader, diags);
    b.benchmarks(&reader, diags);
    b.prices(&reader, diags);
    b.governance(&reader, diags);
    b.element_risk(&reader, diags);
    b.sector_values(&reader, diags);
    b.price_response(&reader, diags);

    let manifest = manifest?;
    let mut model = b.model;
    model.name = manifest.name;
    model.description = manifest.description;
    model.base_year = manifest.base_year;
    Some(model)
}

/// Resolves the manifest's group definitions to countries.
struct GroupExpander<'a> {
    defs: &'a [GroupDef],
    known: &'a [CountryCode],
    file: &'a str,
}

impl GroupExpander<'_> {
    /// Adds `def`'s members to `out`, expanding nested groups. Problems are
    /// reported (for the top-level group only) when `diags` is given.
    fn expand(
        &self,
        def: &GroupDef,
        stack: &mut Vec<String>,
        out: &mut BTreeSet<CountryCode>,
        mut diags: Option<&mut Diagnostics>,
    ) {
        stack.push(def.name.clone());
        for (member, line) in &def.members {
            let field = format!("groups.{}", def.name);
            let problem = if let Some(code) = CountryCode::parse(member)
                .filter(|_| member.chars().all(|c| c.is_ascii_uppercase()))
            {
                if self.known.contains(&code) {
                    out.insert(code);
                    None
                } else {
                    Some(format!(
                        "unknown country `{code}` (add it to countries.csv)"
                    ))
                }
            } else if let Some(nested) = self.defs.iter().find(|d| d.name == *member) {
                if stack.contains(member) {
                    Some(format!("group `{member}` includes itself"))
                } else {
                    self.expand(nested, stack, out, None);
                    None
                }
            } else {
                Some(format!(
                    "`{}` is neither a country code (upper case) nor a group defined here",
                    clip(member)
                ))
            };
            if let (Some(msg), Some(d)) = (problem, diags.as_deref_mut()) {
                d.push(Diagnostic::new(self.file, *line, field, msg));
            }
        }
        stack.pop();
    }
}

#[derive(Default)]
struct Builder {
    model: Model,
    sources: Option<Refs<Source>>,
    country_codes: Vec<CountryCode>,
    compositions: Option<Refs<Composition>>,
    recipes: Option<Refs<MagnetRecipe>>,
    facilities: Option<Refs<Facility>>,
}

const NO_COLUMNS: &[&str] = &[];

/// The years a capacity trend may name: a narrower range than months
/// accept, since a trend beyond 2100 is a typo.
const TREND_MIN_YEAR: i64 = 1900;
/// See [`TREND_MIN_YEAR`].
const TREND_MAX_YEAR: i64 = 2100;

impl Builder {
    fn src(&self) -> &Refs<Source> {
        self.sources.as_ref().expect("sources are read first")
    }

    fn sources(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["id", "publication", "year", "confidence"],
            optional: &["locator", "citation", "note"],
            element_columns: false,
        };
        let t = r.table("sources.csv", true, &schema, diags);
        let mut refs = Refs::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let Some(id) = c.id("id") else { continue };
            if !declare(&mut c, "id", id, &mut refs) {
                continue;
            }
            let publication = c.required("publication").unwrap_or_default().to_string();
            let year = c.year("year", true);
            let confidence = c.vocab("confidence", true, Confidence::parse, "H, M, L, U, D, E");
            let note = c.text("note").to_string();
            if let Some(conf) = confidence {
                if conf.is_estimate() {
                    let lower = note.to_ascii_lowercase();
                    let explains = lower.contains("estimat")
                        || lower.contains("derived")
                        || lower.contains('=')
                        || lower.contains('×')
                        || lower.contains('÷');
                    if !explains {
                        c.error(
                            "note",
                            format!(
                                "confidence {conf} marks an estimate: the note must say \"estimate\" and why, or show the derivation"
                            ),
                        );
                    }
                }
            }
            if let (true, Some(year), Some(confidence)) = (c.ok(), year, confidence) {
                refs.map
                    .insert(id.to_string(), Some(Idx::new(self.model.sources.len())));
                self.model.sources.push(Source {
                    id: id.to_string(),
                    publication,
                    locator: c.text("locator").to_string(),
                    year,
                    citation: c.text("citation").to_string(),
                    confidence,
                    note,
                });
            }
        }
        self.sources = Some(refs);
    }

    fn countries(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["code", "name"],
            optional: NO_COLUMNS,
            element_columns: false,
        };
        let t = r.table("countries.csv", true, &schema, diags);
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let Some(text) = c.required("code") else {
                continue;
            };
            let Some(code) = CountryCode::parse(text) else {
                c.error(
                    "code",
                    format!("`{}` is not a two-letter ISO 3166 country code", clip(text)),
                );
                continue;
            };
            if self.country_codes.contains(&code) {
                c.error("code", format!("duplicate country `{code}`"));
                continue;
            }
            self.country_codes.push(code);
            let name = c.required("name").unwrap_or_default().to_string();
            if c.ok() {
                self.model.countries.push(Country { code, name });
            }
        }
    }

    fn groups(&mut self, m: &Manifest, file: &str, diags: &mut Diagnostics) {
        let expander = GroupExpander {
            defs: &m.groups,
            known: &self.country_codes,
            file,
        };
        for def in &m.groups {
            let mut out = BTreeSet::new();
            expander.expand(def, &mut Vec::new(), &mut out, Some(diags));
            self.model.groups.push(Group {
                name: def.name.clone(),
                members: out.into_iter().collect(),
            });
        }
        // Built-in groups, unless the manifest defines them.
        let builtin =
            |names: &[&str], groups: &[Group], known: &[CountryCode]| -> Vec<CountryCode> {
                let mut out = BTreeSet::new();
                for n in names {
                    if let Some(g) = groups.iter().find(|g| g.name == *n) {
                        out.extend(g.members.iter().copied());
                    } else if let Some(c) = CountryCode::parse(n).filter(|c| known.contains(c)) {
                        out.insert(c);
                    }
                }
                out.into_iter().collect()
            };
        if self.model.group(ALLIED).is_none() {
            let members = builtin(&DEFAULT_ALLIED, &self.model.groups, &self.country_codes);
            self.model.groups.push(Group {
                name: ALLIED.into(),
                members,
            });
        }
        if self.model.group(US_JP).is_none() {
            let members = builtin(&["US", "JP"], &self.model.groups, &self.country_codes);
            self.model.groups.push(Group {
                name: US_JP.into(),
                members,
            });
        }
    }

    fn compositions(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["id", "name", "source"],
            optional: NO_COLUMNS,
            element_columns: true,
        };
        let t = r.table("compositions.csv", true, &schema, diags);
        let mut refs = Refs::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let Some(id) = c.id("id") else { continue };
            if !declare(&mut c, "id", id, &mut refs) {
                continue;
            }
            let name = c.required("name").unwrap_or_default().to_string();
            let mut shares = PerElement::ZERO;
            for e in Element::ALL {
                if t.has(e.symbol()) {
                    if let Some(v) = c.number(e.symbol(), false, 0.0, 100.0) {
                        shares[e] = v;
                    }
                }
            }
            let sum = shares.total();
            if c.ok() && (sum - 100.0).abs() > 0.5 {
                c.error(
                    "(row)",
                    format!("element shares sum to {sum:.2} %, not 100 ± 0.5 %"),
                );
            }
            let source = source_col(&mut c, self.src());
            if let (true, Some(source)) = (c.ok(), source) {
                refs.map.insert(
                    id.to_string(),
                    Some(Idx::new(self.model.compositions.len())),
                );
                self.model.compositions.push(Composition {
                    id: id.to_string(),
                    name,
                    shares: shares.scaled(1.0 / sum),
                    source,
                });
            }
        }
        self.compositions = Some(refs);
    }

    fn recipes(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["grade", "element", "kg_metal_per_t", "source"],
            optional: NO_COLUMNS,
            element_columns: false,
        };
        let t = r.table("recipes.csv", false, &schema, diags);
        // grade → (recipe, source, first line, ok)
        let mut grades: Vec<(String, PerElement, Option<Idx<Source>>, bool)> = Vec::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let Some(grade) = c.id("grade") else { continue };
            let element = c.vocab(
                "element",
                true,
                Element::from_symbol,
                "a rare earth symbol (Nd, Pr, Dy, Tb …)",
            );
            let kg = c.number("kg_metal_per_t", true, 0.0, 1000.0);
            let source = source_col(&mut c, self.src());
            let pos = match grades.iter().position(|g| g.0 == grade) {
                Some(p) => p,
                None => {
                    grades.push((grade.to_string(), PerElement::ZERO, source, true));
                    grades.len() - 1
                }
            };
            let entry = &mut grades[pos];
            if let (Some(e), Some(kg)) = (element, kg) {
                if entry.1[e] > 0.0 {
                    c.error("element", format!("grade `{grade}` lists {e} twice"));
                }
                entry.1[e] = kg;
            }
            if !c.ok() {
                entry.3 = false;
            }
        }
        let mut refs = Refs::new();
        for (grade, kg, source, ok) in grades {
            let total: f64 = kg.total();
            if ok && total > 1000.0 {
                diags.push(Diagnostic::new(
                    &t.file,
                    1,
                    "kg_metal_per_t",
                    format!(
                        "grade `{grade}` has {total} kg of RE per tonne of magnet (over 1,000)"
                    ),
                ));
                refs.map.insert(grade, None);
                continue;
            }
            match (ok, source) {
                (true, Some(source)) => {
                    refs.map
                        .insert(grade.clone(), Some(Idx::new(self.model.recipes.len())));
                    self.model.recipes.push(MagnetRecipe {
                        grade,
                        metal_kg_per_t: kg,
                        source,
                    });
                }
                _ => {
                    refs.map.insert(grade, None);
                }
            }
        }
        self.recipes = Some(refs);
    }

    fn facilities(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &[
                "id",
                "name",
                "country",
                "stage",
                "capacity_t_per_yr",
                "status",
                "source",
            ],
            optional: &[
                "operator",
                "process",
                "utilisation",
                "start",
                "end",
                "deposit",
                "ore",
                "grade_pct",
                "feed",
                "recovery",
                "elements",
                "product",
                "grade",
                "unit_cost_usd_per_t",
                "waste_t_per_t_reo",
                "direct_jobs",
                "note",
            ],
            element_columns: false,
        };
        let t = r.table("facilities.csv", true, &schema, diags);
        // Pass 1: ids, so feeds may name facilities further down.
        let mut refs: Refs<Facility> = Refs::new();
        let mut stages: HashMap<String, (Stage, CountryCode, bool)> = HashMap::new();
        let mut row_ids: Vec<Option<String>> = Vec::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let id = c.id("id").map(str::to_string);
            if let Some(id) = &id {
                if !declare(&mut c, "id", id, &mut refs) {
                    row_ids.push(None);
                    continue;
                }
                let stage = Stage::parse(c.text("stage"));
                let country = CountryCode::parse(c.text("country"));
                let is_mine_like = c.text("process").is_empty()
                    || c.text("process").eq_ignore_ascii_case("mine")
                    || c.text("process").eq_ignore_ascii_case("cracking");
                if let (Some(s), Some(k)) = (stage, country) {
                    stages.insert(id.clone(), (s, k, is_mine_like));
                }
            }
            row_ids.push(id);
        }
        let mining_countries: BTreeSet<CountryCode> = stages
            .values()
            .filter(|(s, _, _)| *s == Stage::Mining)
            .map(|(_, k, _)| *k)
            .collect();
        // Pass 2: the rows.
        let mut pending_feeds: Vec<(usize, Vec<(String, usize)>)> = Vec::new();
        for (row, id) in t.rows.iter().zip(row_ids) {
            let Some(id) = id else { continue };
            let mut c = t.row(row, diags);
            let name = c.required("name").unwrap_or_default().to_string();
            let operator = c.text("operator").to_string();
            let country = c.country("country", &self.country_codes);
            let stage = c.vocab(
                "stage",
                true,
                Stage::parse,
                "mining, separation, metal_alloy, magnet",
            );
            if stage == Some(Stage::EndUse) {
                c.error("stage", "end_use is demand, not a facility stage; use mining, separation, metal_alloy or magnet");
            }
            let capacity = c.tonnes("capacity_t_per_yr", true);
            let utilisation = if c.text("utilisation").is_empty() {
                Some(1.0)
            } else {
                c.fraction("utilisation", true)
            };
            let status = c.vocab("status", true, Status::parse, &Status::expected());
            let start = c.month("start", false);
            let end = c.month("end", false);
            if let (Some(s), Some(e)) = (start, end) {
                if e <= s {
                    c.error("end", format!("{e} is not after the start {s}"));
                }
            }
            if matches!(status, Some(Status::Planned | Status::Construction))
                && start.is_none()
                && c.ok()
            {
                c.error(
                    "start",
                    "a planned or construction facility needs the month it starts producing",
                );
            }
            let recovery_default = match stage {
                Some(Stage::MetalAlloy) => 0.98,
                _ => 0.95,
            };
            let recovery = if c.text("recovery").is_empty() {
                Some(recovery_default)
            } else {
                c.fraction("recovery", true)
            };
            let process_text = c.text("process").to_ascii_lowercase();
            let process = match stage {
                Some(Stage::Mining) if process_text.is_empty() || process_text == "mine" => {
                    let deposit = c.text("deposit").to_string();
                    let grade_pct = c.number("grade_pct", false, 0.0, 100.0);
                    let ore = c.required("ore").and_then(|o| {
                        resolve(
                            &mut c,
                            "ore",
                            o,
                            self.compositions.as_ref().expect("read"),
                            "composition",
                            "compositions.csv",
                        )
                    });
                    ore.map(|ore| Process::Mine {
                        deposit,
                        ore,
                        grade_pct,
                    })
                }
                Some(Stage::Mining) if process_text == "cracking" => {
                    pending_feeds.push((self.model.facilities.len(), Vec::new()));
                    recovery.map(|recovery| Process::Cracking {
                        feed: Vec::new(),
                        recovery,
                    })
                }
                Some(Stage::Mining) => {
                    c.error(
                        "process",
                        format!(
                            "`{}` is not a mining-stage process: use mine or cracking",
                            clip(&process_text)
                        ),
                    );
                    None
                }
                Some(Stage::Separation) => {
                    let elements = if c.text("elements").is_empty() {
                        Some(ElementSet::ALL)
                    } else {
                        c.elements("elements", true)
                    };
                    pending_feeds.push((self.model.facilities.len(), Vec::new()));
                    match (recovery, elements) {
                        (Some(recovery), Some(elements)) => Some(Process::Separation {
                            feed: Vec::new(),
                            recovery,
                            elements,
                        }),
                        _ => None,
                    }
                }
                Some(Stage::MetalAlloy) => {
                    let product = c.required("product").and_then(|p| {
                        resolve(
                            &mut c,
                            "product",
                            p,
                            self.compositions.as_ref().expect("read"),
                            "composition",
                            "compositions.csv",
                        )
                    });
                    match (product, recovery) {
                        (Some(product), Some(recovery)) => {
                            Some(Process::MetalAlloy { product, recovery })
                        }
                        _ => None,
                    }
                }
                Some(Stage::Magnet) => {
                    let grade = c.required("grade").and_then(|g| {
                        resolve(
                            &mut c,
                            "grade",
                            g,
                            self.recipes.as_ref().expect("read"),
                            "magnet grade",
                            "recipes.csv",
                        )
                    });
                    grade.map(|grade| Process::Magnet { grade })
                }
                _ => None,
            };
            if !process_text.is_empty() && stage.is_some_and(|s| s != Stage::Mining) {
                c.error(
                    "process",
                    "only mining-stage facilities take a process (mine or cracking)",
                );
            }
            // Feed references (resolved after every facility is known).
            let needs_feed = matches!(
                process,
                Some(Process::Cracking { .. } | Process::Separation { .. })
            );
            let mut feed_refs: Vec<FeedRef> = Vec::new();
            if needs_feed {
                let text = c.text("feed");
                if text.is_empty() {
                    c.error("feed", "a separation or cracking plant must say where its concentrate comes from (facility ids, country:XX or *)");
                }
                for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                    if part == "*" {
                        feed_refs.push(FeedRef::Any);
                    } else if let Some(code) = part.strip_prefix("country:") {
                        if let Some(code) = c.country_text("feed", code, &self.country_codes) {
                            if mining_countries.contains(&code) {
                                feed_refs.push(FeedRef::Country(code));
                            } else {
                                c.error(
                                    "feed",
                                    format!("no mining-stage facility in {code} to feed from"),
                                );
                            }
                        }
                    } else {
                        match stages.get(part) {
                            Some((Stage::Mining, _, true)) => {
                                // Resolved in pass 3 (the index may not exist yet).
                                if let Some(p) = pending_feeds.last_mut() {
                                    p.1.push((part.to_string(), c.line()));
                                }
                            }
                            Some((s, _, _)) => c.error("feed", format!("`{part}` is a {s} facility; feed must come from the mining stage")),
                            None if refs.map.contains_key(part) => {}
                            None => c.error("feed", format!("unknown facility `{}` (not in facilities.csv)", clip(part))),
                        }
                    }
                }
            } else if !c.text("feed").is_empty() && c.ok() && stage.is_some() && process.is_some() {
                c.error("feed", "only separation and cracking plants take a feed");
            }
            let unit_cost = c.number("unit_cost_usd_per_t", false, 0.0, 1.0e9);
            let waste = c.number("waste_t_per_t_reo", false, 0.0, 1.0e4);
            let jobs = c
                .integer("direct_jobs", false, 0, 10_000_000)
                .map(|j| j as u32);
            let source = source_col(&mut c, self.src());
            let built = (|| {
                Some(Facility {
                    id: id.clone(),
                    name,
                    operator,
                    country: country?,
                    stage: stage?,
                    capacity_t_per_yr: capacity?,
                    utilisation: utilisation?,
                    status: status?,
                    start,
                    end,
                    process: match process? {
                        Process::Cracking { recovery, .. } => Process::Cracking {
                            feed: feed_refs.clone(),
                            recovery,
                        },
                        Process::Separation {
                            recovery, elements, ..
                        } => Process::Separation {
                            feed: feed_refs.clone(),
                            recovery,
                            elements,
                        },
                        p => p,
                    },
                    unit_cost_usd_per_t: unit_cost,
                    waste_t_per_t_reo: waste,
                    direct_jobs: jobs,
                    source: source?,
                })
            })();
            match built {
                Some(f) if c.ok() => {
                    refs.map
                        .insert(id, Some(Idx::new(self.model.facilities.len())));
                    self.model.facilities.push(f);
                }
                _ => {
                    if needs_feed {
                        pending_feeds.pop();
                    }
                }
            }
        }
        // Pass 3: facility feed references.
        for (fi, names) in pending_feeds {
            let Some(f) = self.model.facilities.get_mut(fi) else {
                continue;
            };
            for (name, _line) in names {
                if let Some(Some(idx)) = refs.map.get(&name) {
                    match &mut f.process {
                        Process::Cracking { feed, .. } | Process::Separation { feed, .. } => {
                            feed.push(FeedRef::Facility(*idx))
                        }
                        _ => {}
                    }
                }
            }
        }
        self.facilities = Some(refs);
    }

    fn inventories(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["stage", "country", "months", "source"],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("inventories.csv", false, &schema, diags);
        let mut seen = BTreeSet::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let stage = c.vocab("stage", true, Stage::parse, &Stage::expected());
            let country = match c.text("country") {
                "*" => Some(None),
                _ => c.country("country", &self.country_codes).map(Some),
            };
            let months = c.number("months", true, 0.0, 120.0);
            let source = source_col(&mut c, self.src());
            if let (Some(stage), Some(country)) = (stage, country) {
                if !seen.insert((stage, country)) {
                    c.error(
                        "country",
                        "another row above sets the same stage and country",
                    );
                }
            }
            if let (true, Some(stage), Some(country), Some(months), Some(source)) =
                (c.ok(), stage, country, months, source)
            {
                self.model.inventories.push(InventoryPolicy {
                    stage,
                    country,
                    months,
                    source,
                });
            }
        }
    }

    /// Reads the `form`, `element` and `grade` columns into a [`Good`].
    fn good(&self, c: &mut RowCtx) -> Option<Good> {
        let form = c.vocab("form", true, Form::parse, "oxide, metal, magnet")?;
        match form {
            Form::Oxide | Form::Metal => {
                if !c.text("grade").is_empty() {
                    c.error(
                        "grade",
                        "only magnets have a grade; oxides and metals name an element",
                    );
                }
                let element = c.vocab(
                    "element",
                    true,
                    Element::from_symbol,
                    "a rare earth symbol (Nd, Pr, Dy, Tb …)",
                )?;
                Some(if form == Form::Oxide {
                    Good::Oxide { element }
                } else {
                    Good::Metal { element }
                })
            }
            Form::Magnet => {
                if !c.text("element").is_empty() {
                    c.error(
                        "element",
                        "magnets name a grade (whose recipe gives the elements), not an element",
                    );
                }
                let g = c.required("grade")?;
                let grade = resolve(
                    c,
                    "grade",
                    g,
                    self.recipes.as_ref().expect("read"),
                    "magnet grade",
                    "recipes.csv",
                )?;
                Some(Good::Magnet { grade })
            }
            Form::Concentrate | Form::Product => {
                c.error(
                    "form",
                    format!(
                        "`{form}` cannot be demanded or stockpiled here; use oxide, metal or magnet"
                    ),
                );
                None
            }
        }
    }

    fn demand(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["country", "sector", "form", "t_per_yr", "source"],
            optional: &["element", "grade", "note"],
            element_columns: false,
        };
        let t = r.table("demand.csv", true, &schema, diags);
        let mut seen = BTreeSet::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let country = c.country("country", &self.country_codes);
            let sector = c.vocab("sector", true, Sector::parse, &Sector::expected());
            let good = self.good(&mut c);
            let tonnes = c.tonnes("t_per_yr", true);
            let source = source_col(&mut c, self.src());
            if let (Some(k), Some(s), Some(g)) = (country, sector, good) {
                if !seen.insert((k, s, format!("{g:?}"))) {
                    c.error(
                        "(row)",
                        format!("{k} {s} {} appears twice", describe_good(&self.model, g)),
                    );
                }
            }
            if let (true, Some(country), Some(sector), Some(good), Some(t_per_yr), Some(source)) =
                (c.ok(), country, sector, good, tonnes, source)
            {
                self.model.demand.push(DemandRow {
                    country,
                    sector,
                    good,
                    t_per_yr,
                    source,
                });
            }
        }
    }

    /// `capacity_trends.csv`: growth of a country's capacity at a stage.
    /// Trends of the same country and stage multiply, so rows whose years
    /// overlap are refused (an overlap is almost always a copy-paste slip);
    /// consecutive rows (2025–2030, then 2031–2035) are fine. A trend must
    /// start after the base year, whose capacities the facilities already
    /// give.
    fn capacity_trends(&mut self, r: &Reader, base_year: Option<i32>, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &[
                "country",
                "stage",
                "from_year",
                "to_year",
                "annual_growth_pct",
                "source",
            ],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("capacity_trends.csv", false, &schema, diags);
        // (country, stage, from, to, line) of every row whose key parsed.
        let mut seen: Vec<(CountryCode, Stage, i32, i32, usize)> = Vec::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let country = c.country("country", &self.country_codes);
            let mut stage = c.vocab(
                "stage",
                true,
                Stage::parse,
                "mining, separation, metal_alloy, magnet",
            );
            if stage.is_some_and(|s| !s.has_facilities()) {
                c.error(
                    "stage",
                    "end_use is demand, not a facility stage; use mining, separation, metal_alloy or magnet",
                );
                stage = None;
            }
            let from = c
                .integer("from_year", true, TREND_MIN_YEAR, TREND_MAX_YEAR)
                .map(|y| y as i32);
            let to = c
                .integer("to_year", true, TREND_MIN_YEAR, TREND_MAX_YEAR)
                .map(|y| y as i32);
            if let (Some(f), Some(t)) = (from, to) {
                if f > t {
                    c.error("to_year", format!("{t} is before from_year {f}"));
                }
            }
            if let (Some(f), Some(b)) = (from, base_year) {
                if f <= b {
                    c.error(
                        "from_year",
                        format!(
                            "{f} is not after the base year {b}: facility capacities already describe {b}, so growth starts in {} at the earliest",
                            b + 1
                        ),
                    );
                }
            }
            let pct = c.number("annual_growth_pct", true, -50.0, 100.0);
            let source = source_col(&mut c, self.src());
            if let (Some(k), Some(s), Some(f), Some(t)) = (country, stage, from, to) {
                if let Some(&(.., pf, pt, line)) = seen
                    .iter()
                    .find(|&&(pk, ps, pf, pt, _)| pk == k && ps == s && f <= pt && pf <= t)
                {
                    c.error(
                        "(row)",
                        format!(
                            "{k} {s} {f}–{t} overlaps the trend on line {line} ({pf}–{pt}); trends of the same country and stage multiply, so give each year one row"
                        ),
                    );
                }
                if f <= t {
                    seen.push((k, s, f, t, c.line()));
                }
            }
            if let (
                true,
                Some(country),
                Some(stage),
                Some(from_year),
                Some(to_year),
                Some(annual_growth_pct),
                Some(source),
            ) = (c.ok(), country, stage, from, to, pct, source)
            {
                self.model.capacity_trends.push(CapacityTrend {
                    country,
                    stage,
                    from_year,
                    to_year,
                    annual_growth_pct,
                    source,
                });
            }
        }
    }

    fn growth(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &[
                "path",
                "sector",
                "elements",
                "from_year",
                "to_year",
                "annual_growth_pct",
                "source",
            ],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("growth.csv", false, &schema, diags);
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let path = c.id("path").map(str::to_string);
            let sector = match c.text("sector") {
                "*" => Some(None),
                _ => c
                    .vocab(
                        "sector",
                        true,
                        Sector::parse,
                        &format!("*, {}", Sector::expected()),
                    )
                    .map(Some),
            };
            let elements = c.elements("elements", true);
            let from = c.year("from_year", true);
            let to = c.year("to_year", true);
            if let (Some(f), Some(t)) = (from, to) {
                if t < f {
                    c.error("to_year", format!("{t} is before from_year {f}"));
                }
            }
            let pct = c.number("annual_growth_pct", true, -50.0, 100.0);
            let source = source_col(&mut c, self.src());
            if let (
                true,
                Some(path),
                Some(sector),
                Some(elements),
                Some(from_year),
                Some(to_year),
                Some(pct),
                Some(source),
            ) = (c.ok(), path, sector, elements, from, to, pct, source)
            {
                let rule = GrowthRule {
                    sector,
                    elements,
                    from_year,
                    to_year,
                    annual_growth: pct / 100.0,
                    source,
                };
                match self.model.growth_paths.iter_mut().find(|p| p.name == path) {
                    Some(p) => p.rules.push(rule),
                    None => self.model.growth_paths.push(GrowthPath {
                        name: path,
                        rules: vec![rule],
                    }),
                }
            }
        }
    }

    fn stockpiles(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["holder", "country", "form", "tonnes", "source"],
            optional: &["element", "grade", "note"],
            element_columns: false,
        };
        let t = r.table("stockpiles.csv", false, &schema, diags);
        let mut seen = BTreeSet::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let holder = c.id("holder").map(str::to_string);
            let country = c.country("country", &self.country_codes);
            let good = self.good(&mut c);
            let tonnes = c.tonnes("tonnes", true);
            let source = source_col(&mut c, self.src());
            if let (Some(h), Some(g)) = (&holder, good) {
                if !seen.insert((h.clone(), format!("{g:?}"))) {
                    c.error(
                        "(row)",
                        format!("holder `{h}` lists {} twice", describe_good(&self.model, g)),
                    );
                }
            }
            if let (true, Some(holder), Some(country), Some(good), Some(tonnes), Some(source)) =
                (c.ok(), holder, country, good, tonnes, source)
            {
                self.model.stockpiles.push(Stockpile {
                    holder,
                    country,
                    good,
                    tonnes,
                    source,
                });
            }
        }
    }

    fn targets(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["holder", "country", "elements", "months", "source"],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("stockpile_targets.csv", false, &schema, diags);
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let holder = c.id("holder").map(str::to_string);
            let country = c.country("country", &self.country_codes);
            let elements = c.elements("elements", true);
            let months = c.number("months", true, 0.0, 240.0);
            let source = source_col(&mut c, self.src());
            if let (true, Some(holder), Some(country), Some(elements), Some(months), Some(source)) =
                (c.ok(), holder, country, elements, months, source)
            {
                self.model.stockpile_targets.push(StockpileTarget {
                    holder,
                    country,
                    elements,
                    months,
                    source,
                });
            }
        }
    }

    fn projects(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &[
                "id",
                "facility",
                "capex_usd",
                "lead_time_months",
                "earliest_start",
                "sponsors",
                "funding",
                "source",
            ],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("projects.csv", false, &schema, diags);
        let mut ids: Refs<Project> = Refs::new();
        let mut used_facilities = BTreeSet::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let Some(id) = c.id("id") else { continue };
            if !declare(&mut c, "id", id, &mut ids) {
                continue;
            }
            let facility = c.required("facility").and_then(|f| {
                resolve(
                    &mut c,
                    "facility",
                    f,
                    self.facilities.as_ref().expect("read"),
                    "facility",
                    "facilities.csv",
                )
            });
            if let Some(fi) = facility {
                let f = &self.model.facilities[fi.get()];
                if !matches!(f.status, Status::Planned | Status::Construction) {
                    c.error("facility", format!("`{}` has status {}; a project builds a planned or construction facility", f.id, f.status));
                }
                if !used_facilities.insert(fi) {
                    c.error(
                        "facility",
                        format!("`{}` is already the facility of another project", f.id),
                    );
                }
            }
            let capex = c.number("capex_usd", true, 0.0, 1.0e12);
            let lead = c
                .integer("lead_time_months", true, 0, 240)
                .map(|v| v as u32);
            let earliest = c.month("earliest_start", true);
            let mut sponsors = Vec::new();
            let text = c.text("sponsors");
            if text.is_empty() {
                c.error(
                    "sponsors",
                    "is required but blank; list the sponsoring countries, e.g. US;JP",
                );
            }
            for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                if let Some(code) = c.country_text("sponsors", part, &self.country_codes) {
                    sponsors.push(code);
                }
            }
            let funding = c.vocab("funding", true, Funding::parse, "committed, seeking");
            let source = source_col(&mut c, self.src());
            if let (
                true,
                Some(facility),
                Some(capex_usd),
                Some(lead_time_months),
                Some(earliest_start),
                Some(funding),
                Some(source),
            ) = (c.ok(), facility, capex, lead, earliest, funding, source)
            {
                self.model.projects.push(Project {
                    id: id.to_string(),
                    facility,
                    capex_usd,
                    lead_time_months,
                    earliest_start,
                    sponsors,
                    funding,
                    source,
                });
            }
        }
    }

    fn mine_production(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["country", "year", "source"],
            optional: &["production_t_reo", "reserves_t_reo", "note"],
            element_columns: false,
        };
        let t = r.table("mine_production.csv", false, &schema, diags);
        let mut seen = BTreeSet::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let country = if c.text("country").eq_ignore_ascii_case("other") {
                Some(None)
            } else {
                c.country("country", &self.country_codes).map(Some)
            };
            let year = c.year("year", true);
            let production = c.number("production_t_reo", false, 0.0, 1.0e8);
            let reserves = c.number("reserves_t_reo", false, 0.0, 1.0e10);
            let source = source_col(&mut c, self.src());
            if let (Some(k), Some(y)) = (country, year) {
                if !seen.insert((k, y)) {
                    c.error("(row)", "the same country and year appear twice");
                }
            }
            if let (true, Some(country), Some(year), Some(source)) = (c.ok(), country, year, source)
            {
                self.model.mine_production.push(MineProduction {
                    country,
                    year,
                    production_t_reo: production,
                    reserves_t_reo: reserves,
                    source,
                });
            }
        }
    }

    fn benchmarks(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["id", "stage", "metric", "year", "value", "source"],
            optional: &["country", "note"],
            element_columns: false,
        };
        let t = r.table("benchmarks.csv", false, &schema, diags);
        let mut ids: Refs<Benchmark> = Refs::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let Some(id) = c.id("id") else { continue };
            if !declare(&mut c, "id", id, &mut ids) {
                continue;
            }
            let stage = c.vocab("stage", true, Stage::parse, &Stage::expected());
            let metric = c.vocab(
                "metric",
                true,
                |s| match s {
                    "world_output_t" => Some(BenchmarkMetric::WorldOutputT),
                    "share" => Some(BenchmarkMetric::Share),
                    _ => None,
                },
                "world_output_t, share",
            );
            let country = if c.text("country").is_empty() {
                None
            } else {
                c.country("country", &self.country_codes)
            };
            if metric == Some(BenchmarkMetric::Share) && country.is_none() && c.ok() {
                c.error(
                    "country",
                    "a share benchmark names the country whose share it is",
                );
            }
            let year = c.year("year", true);
            let value = match metric {
                Some(BenchmarkMetric::Share) => c.fraction("value", true),
                _ => c.tonnes("value", true),
            };
            let source = source_col(&mut c, self.src());
            if let (true, Some(stage), Some(metric), Some(year), Some(value), Some(source)) =
                (c.ok(), stage, metric, year, value, source)
            {
                self.model.benchmarks.push(Benchmark {
                    id: id.to_string(),
                    stage,
                    metric,
                    country,
                    year,
                    value,
                    source,
                });
            }
        }
    }

    fn prices(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["element", "form", "usd_per_kg", "year", "source"],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("prices.csv", false, &schema, diags);
        let mut seen = BTreeSet::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let element = c.vocab(
                "element",
                true,
                Element::from_symbol,
                "a rare earth symbol (Nd, Pr, Dy, Tb …)",
            );
            let form = c.vocab(
                "form",
                true,
                |s| Form::parse(s).filter(|f| matches!(f, Form::Oxide | Form::Metal)),
                "oxide, metal",
            );
            let usd = c.number("usd_per_kg", true, 0.0, 1.0e6);
            let year = c.year("year", true);
            let source = source_col(&mut c, self.src());
            if let (Some(e), Some(f), Some(y)) = (element, form, year) {
                if !seen.insert((e, f, y)) {
                    c.error("(row)", format!("{e} {f} {y} appears twice"));
                }
            }
            if let (true, Some(element), Some(form), Some(usd_per_kg), Some(year), Some(source)) =
                (c.ok(), element, form, usd, year, source)
            {
                self.model.prices.push(Price {
                    element,
                    form,
                    usd_per_kg,
                    year,
                    source,
                });
            }
        }
    }

    fn governance(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["country", "wgi_0_10", "trade_factor", "source"],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("governance.csv", false, &schema, diags);
        let mut seen = BTreeSet::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let country = c.country("country", &self.country_codes);
            let wgi = c.number("wgi_0_10", true, 0.0, 10.0);
            let trade = c.number("trade_factor", true, 0.5, 2.0);
            let source = source_col(&mut c, self.src());
            if let Some(k) = country {
                if !seen.insert(k) {
                    c.error("country", format!("{k} appears twice"));
                }
            }
            if let (true, Some(country), Some(wgi_0_10), Some(trade_factor), Some(source)) =
                (c.ok(), country, wgi, trade, source)
            {
                self.model.governance.push(Governance {
                    country,
                    wgi_0_10,
                    trade_factor,
                    source,
                });
            }
        }
    }

    fn element_risk(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &[
                "element",
                "eol_rir",
                "si_sr",
                "si_ei",
                "economic_vulnerability",
                "source",
            ],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("criticality.csv", false, &schema, diags);
        let mut seen = BTreeSet::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let element = c.vocab(
                "element",
                true,
                Element::from_symbol,
                "a rare earth symbol (Nd, Pr, Dy, Tb …)",
            );
            let eol = c.fraction("eol_rir", true);
            let si_sr = c.fraction("si_sr", true);
            let si_ei = c.fraction("si_ei", true);
            let ev = c.fraction("economic_vulnerability", true);
            let source = source_col(&mut c, self.src());
            if let Some(e) = element {
                if !seen.insert(e) {
                    c.error("element", format!("{e} appears twice"));
                }
            }
            if let (
                true,
                Some(element),
                Some(eol_rir),
                Some(si_sr),
                Some(si_ei),
                Some(ev),
                Some(source),
            ) = (c.ok(), element, eol, si_sr, si_ei, ev, source)
            {
                self.model.element_risk.push(ElementRisk {
                    element,
                    eol_rir,
                    si_sr,
                    si_ei,
                    economic_vulnerability: ev,
                    source,
                });
            }
        }
    }

    fn price_response(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &[
                "elements",
                "form",
                "demand_elasticity",
                "adjustment_per_month",
                "max_index",
                "full_supply_response_index",
                "source",
            ],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("price_response.csv", false, &schema, diags);
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let elements = c.elements("elements", true);
            let form = c.vocab(
                "form",
                true,
                |s| {
                    Form::parse(s).filter(|f| matches!(f, Form::Oxide | Form::Metal | Form::Magnet))
                },
                "oxide, metal, magnet",
            );
            let eps = c.number("demand_elasticity", true, 0.01, 10.0);
            let adj = c.fraction("adjustment_per_month", true);
            let max = c.number("max_index", true, 1.0, 1000.0);
            let full = c.number("full_supply_response_index", true, 1.01, 1000.0);
            let source = source_col(&mut c, self.src());
            if let (
                true,
                Some(elements),
                Some(form),
                Some(demand_elasticity),
                Some(adjustment_per_month),
                Some(max_index),
                Some(full_supply_response_index),
                Some(source),
            ) = (c.ok(), elements, form, eps, adj, max, full, source)
            {
                self.model.price_response.push(PriceResponse {
                    elements,
                    form,
                    demand_elasticity,
                    adjustment_per_month,
                    max_index,
                    full_supply_response_index,
                    source,
                });
            }
        }
    }

    fn sector_values(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["sector", "value_added_usd", "source"],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("sectors.csv", false, &schema, diags);
        let mut seen = BTreeSet::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let sector = c.vocab("sector", true, Sector::parse, &Sector::expected());
            let va = c.number("value_added_usd", true, 0.0, 1.0e14);
            let source = source_col(&mut c, self.src());
            if let Some(s) = sector {
                if !seen.insert(s) {
                    c.error("sector", format!("{s} appears twice"));
                }
            }
            if let (true, Some(sector), Some(value_added_usd), Some(source)) =
                (c.ok(), sector, va, source)
            {
                self.model.sector_values.push(SectorValue {
                    sector,
                    value_added_usd,
                    source,
                });
            }
        }
    }
}

fn describe_good(model: &Model, g: Good) -> String {
    match g {
        Good::Oxide { element } => format!("{element} oxide"),
        Good::Metal { element } => format!("{element} metal"),
        Good::Magnet { grade } => format!(
            "magnet {}",
            model
                .recipes
                .get(grade.get())
                .map_or("?", |r| r.grade.as_str())
        ),
    }
}
