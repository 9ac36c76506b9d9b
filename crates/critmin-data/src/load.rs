//! Builds a [`Model`] from a dataset's files, table by table, collecting
//! every problem. Tables are read in dependency order (sources and countries
//! before the rows that cite them) and every table is read even when earlier
//! ones had problems.

mod facilities;
mod groups;
mod limits;

use crate::manifest::{self, Manifest};
use crate::table::{RowCtx, Schema, Table, clip};
use crate::{DatasetSource, Diagnostic, Diagnostics};
use critmin_model::{
    Benchmark, BenchmarkMetric, CapacityTrend, Composition, ConcentratePrice, ConcentrateStock,
    Confidence, Country, CountryCode, DemandResponse, DemandRow, Element, ElementRisk, ElementSet,
    Facility, Form, Funding, Good, Governance, GrowthPath, GrowthRule, Idx, InventoryPolicy,
    MagnetPrice, MagnetRecipe, MineProduction, Model, PerElement, Precaution, Price, PriceResponse,
    Process, ProcessingCost, Project, Sector, SectorValue, Source, Stage, Status, Stockpile,
    StockpileTarget, SupplyResponse, ValueAdded,
};
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};

/// Identifiers declared in a table: `Some` when the row is valid, `None`
/// when the row had problems (so references to it are not reported twice).
struct Refs<T> {
    map: HashMap<String, Option<Idx<T>>>,
    /// The line that declared each id, for the duplicate's message.
    lines: UniqueKeys<String>,
}

impl<T> Refs<T> {
    fn new() -> Refs<T> {
        Refs {
            map: HashMap::new(),
            lines: UniqueKeys::new(),
        }
    }
}

/// Declares `id` in `refs`, reporting a duplicate. Returns whether it was new.
fn declare<T>(ctx: &mut RowCtx, col: &str, id: &str, refs: &mut Refs<T>) -> bool {
    if !refs
        .lines
        .claim(ctx, col, id.to_string(), || format!("duplicate id `{id}`"))
    {
        return false;
    }
    refs.map.insert(id.to_string(), None);
    true
}

/// The natural keys seen so far in one table, each with the line of the
/// row that had it first. Every table with a natural key refuses a second
/// row with the same key: otherwise the row read last (or first) would win
/// silently, and the result would depend on the order of the rows.
pub(crate) struct UniqueKeys<K> {
    first: BTreeMap<K, usize>,
}

impl<K: Ord> UniqueKeys<K> {
    pub(crate) fn new() -> UniqueKeys<K> {
        UniqueKeys {
            first: BTreeMap::new(),
        }
    }

    /// Claims `key` for the current row. If an earlier row has it, reports
    /// `what` on `field`, naming that row's line, and returns `false`.
    pub(crate) fn claim(
        &mut self,
        c: &mut RowCtx,
        field: &str,
        key: K,
        what: impl FnOnce() -> String,
    ) -> bool {
        match self.first.entry(key) {
            Entry::Vacant(v) => {
                v.insert(c.line());
                true
            }
            Entry::Occupied(o) => {
                let first = *o.get();
                c.error(field, format!("{} (first on line {first})", what()));
                false
            }
        }
    }
}

/// Rows whose keys conflict when they overlap rather than when they are
/// equal (element sets that intersect, year ranges that meet): each kept
/// with its line, and a new row checked against all of them.
struct OverlapKeys<K> {
    rows: Vec<(K, usize)>,
}

impl<K> OverlapKeys<K> {
    fn new() -> OverlapKeys<K> {
        OverlapKeys { rows: Vec::new() }
    }

    /// The first earlier row whose key `clashes` with this one, with its
    /// line; otherwise records `key` at `line`.
    fn check(
        &mut self,
        key: K,
        line: usize,
        clashes: impl Fn(&K, &K) -> bool,
    ) -> Option<(&K, usize)> {
        match self.rows.iter().position(|(k, _)| clashes(k, &key)) {
            Some(i) => Some((&self.rows[i].0, self.rows[i].1)),
            None => {
                self.rows.push((key, line));
                None
            }
        }
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

/// A `sector` column that may be `*` (every sector: `Some(None)`);
/// `None` if the value is neither.
fn sector_or_all(c: &mut RowCtx) -> Option<Option<Sector>> {
    match c.text("sector") {
        "*" => Some(None),
        _ => c
            .vocab(
                "sector",
                true,
                Sector::parse,
                &format!("*, {}", Sector::expected()),
            )
            .map(Some),
    }
}

/// The `(country or *, stage)` keys of a table with one row per country
/// and stage (`supply_response.csv`, `precautionary.csv`), and the line of
/// each.
#[derive(Default)]
struct CountryStageKeys(std::collections::BTreeMap<(Option<CountryCode>, Stage), usize>);

impl CountryStageKeys {
    /// Reads a row's `country` (a code or `*`) and `stage` (one of those
    /// `allowed`, named `expected`), and reports a second row of the same
    /// key, naming the line of the first (`what` the table sets).
    fn read(
        &mut self,
        c: &mut RowCtx,
        codes: &[CountryCode],
        allowed: fn(Stage) -> bool,
        expected: &str,
        what: &str,
    ) -> (Option<Option<CountryCode>>, Option<Stage>) {
        let country = match c.text("country") {
            "*" => Some(None),
            _ => c.country("country", codes).map(Some),
        };
        let stage = c.vocab(
            "stage",
            true,
            |s| Stage::parse(s).filter(|s| allowed(*s)),
            expected,
        );
        if let (Some(k), Some(s)) = (country, stage) {
            if let Some(line) = self.0.insert((k, s), c.line()) {
                let who = k.map_or("*".to_string(), |k| k.to_string());
                c.error(
                    "stage",
                    format!("line {line} already sets the {what} of {s} in {who}; give each country and stage one row"),
                );
            }
        }
        (country, stage)
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
    b.magnet_prices(&reader, diags);
    b.concentrate_prices(&reader, diags);
    b.processing_costs(&reader, diags);
    b.governance(&reader, diags);
    b.element_risk(&reader, diags);
    b.sector_values(&reader, diags);
    b.price_response(&reader, diags);
    b.demand_response(&reader, diags);
    b.supply_response(&reader, diags);
    b.precaution(&reader, diags);
    if let Some(m) = &manifest {
        limits::check(&b.model, m.base_year, &b.lines, diags);
    }

    let manifest = manifest?;
    let mut model = b.model;
    model.name = manifest.name;
    model.description = manifest.description;
    model.base_year = manifest.base_year;
    Some(model)
}

#[derive(Default)]
struct Builder {
    model: Model,
    /// Where the rows that `limits::check` may blame were read.
    lines: limits::Lines,
    sources: Option<Refs<Source>>,
    country_codes: Vec<CountryCode>,
    compositions: Option<Refs<Composition>>,
    recipes: Option<Refs<MagnetRecipe>>,
    facilities: Option<Refs<Facility>>,
}

const NO_COLUMNS: &[&str] = &[];

const TREND_MIN_YEAR: i64 = limits::TREND_MIN_YEAR as i64;
const TREND_MAX_YEAR: i64 = limits::TREND_MAX_YEAR as i64;

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
        let mut seen = UniqueKeys::new();
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
            if !seen.claim(&mut c, "code", code, || {
                format!("duplicate country `{code}`")
            }) {
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
        self.model.groups = groups::resolve(&m.groups, &self.country_codes, file, diags);
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
        let mut seen = UniqueKeys::new();
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
            if let Some(e) = element {
                // Keyed on the element whatever its amount: a second row
                // with 0 kg contradicts the first as much as one with 5.
                if seen.claim(&mut c, "element", (grade.to_string(), e), || {
                    format!("grade `{grade}` lists {e} twice")
                }) {
                    if let Some(kg) = kg {
                        entry.1[e] = kg;
                    }
                }
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

    fn inventories(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["stage", "country", "months", "source"],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("inventories.csv", false, &schema, diags);
        let mut seen = UniqueKeys::new();
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
                seen.claim(&mut c, "country", (stage, country), || {
                    let k = country.map_or("*".to_string(), |k| k.to_string());
                    format!("{stage} {k} appears twice")
                });
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
        self.lines.demand_file.clone_from(&t.file);
        let mut seen = UniqueKeys::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let country = c.country("country", &self.country_codes);
            let sector = c.vocab("sector", true, Sector::parse, &Sector::expected());
            let good = self.good(&mut c);
            let tonnes = c.tonnes("t_per_yr", true);
            let source = source_col(&mut c, self.src());
            if let (Some(k), Some(s), Some(g)) = (country, sector, good) {
                seen.claim(&mut c, "(row)", (k, s, format!("{g:?}")), || {
                    format!("{k} {s} {} appears twice", describe_good(&self.model, g))
                });
            }
            if let (true, Some(country), Some(sector), Some(good), Some(t_per_yr), Some(source)) =
                (c.ok(), country, sector, good, tonnes, source)
            {
                self.lines.demand.push(c.line());
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
        self.lines.trends_file.clone_from(&t.file);
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
            let pct = c.number(
                "annual_growth_pct",
                true,
                limits::MIN_GROWTH_PCT,
                limits::MAX_GROWTH_PCT,
            );
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
                self.lines.trends.push(c.line());
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
        let mut seen = OverlapKeys::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let path = c.id("path").map(str::to_string);
            let sector = sector_or_all(&mut c);
            let elements = c.elements("elements", true);
            let from = c.year("from_year", true);
            let to = c.year("to_year", true);
            if let (Some(f), Some(t)) = (from, to) {
                if t < f {
                    c.error("to_year", format!("{t} is before from_year {f}"));
                }
            }
            let pct = c.number(
                "annual_growth_pct",
                true,
                limits::MIN_GROWTH_PCT,
                limits::MAX_GROWTH_PCT,
            );
            let source = source_col(&mut c, self.src());
            if let (Some(p), Some(s), Some(e), Some(f), Some(t)) =
                (&path, sector, elements, from, to)
            {
                growth_conflict(&mut c, &mut seen, (p.clone(), s, e, f, t));
            }
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
            optional: &["element", "grade", "facility", "note"],
            element_columns: false,
        };
        let t = r.table("stockpiles.csv", false, &schema, diags);
        let mut seen = UniqueKeys::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let holder = c.id("holder").map(str::to_string);
            let country = c.country("country", &self.country_codes);
            if c.text("form") == "concentrate" {
                let mine = self.stock_mine(&mut c);
                let tonnes = c.tonnes("tonnes", true);
                let source = source_col(&mut c, self.src());
                if let (Some(h), Some(m)) = (&holder, mine) {
                    seen.claim(
                        &mut c,
                        "(row)",
                        (h.clone(), format!("concentrate {m:?}")),
                        || format!("holder `{h}` lists this mine's concentrate twice"),
                    );
                }
                if let (true, Some(holder), Some(country), Some(mine), Some(reo_t), Some(source)) =
                    (c.ok(), holder, country, mine, tonnes, source)
                {
                    self.model.concentrate_stocks.push(ConcentrateStock {
                        holder,
                        country,
                        mine,
                        reo_t,
                        source,
                    });
                }
                continue;
            }
            if !c.text("facility").is_empty() {
                c.error(
                    "facility",
                    "only concentrate names a mine; oxides and metals name an element, magnets a grade",
                );
            }
            let good = self.good(&mut c);
            let tonnes = c.tonnes("tonnes", true);
            let source = source_col(&mut c, self.src());
            if let (Some(h), Some(g)) = (&holder, good) {
                seen.claim(&mut c, "(row)", (h.clone(), format!("{g:?}")), || {
                    format!("holder `{h}` lists {} twice", describe_good(&self.model, g))
                });
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

    /// The mine a concentrate row names in its `facility` column (a
    /// mining-stage facility); concentrate names no element or grade.
    fn stock_mine(&self, c: &mut RowCtx) -> Option<Idx<Facility>> {
        for key in ["element", "grade"] {
            if !c.text(key).is_empty() {
                c.error(
                    key,
                    "concentrate names the mine it comes from (`facility`), whose ore gives the elements",
                );
            }
        }
        let f = c.required("facility")?;
        let i = resolve(
            c,
            "facility",
            f,
            self.facilities.as_ref().expect("read"),
            "facility",
            "facilities.csv",
        )?;
        let fac = &self.model.facilities[i.get()];
        if !matches!(fac.process, Process::Mine { .. }) {
            c.error(
                "facility",
                format!(
                    "`{}` is not a mine; concentrate comes from a mining-stage facility",
                    fac.id
                ),
            );
            return None;
        }
        Some(i)
    }

    fn targets(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["holder", "country", "elements", "months", "source"],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("stockpile_targets.csv", false, &schema, diags);
        // (holder, country, elements): a holder's target for an element in
        // a country is given once, so no two rows may share an element.
        let mut seen = OverlapKeys::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let holder = c.id("holder").map(str::to_string);
            let country = c.country("country", &self.country_codes);
            let elements = c.elements("elements", true);
            let months = c.number("months", true, 0.0, 240.0);
            let source = source_col(&mut c, self.src());
            if let (Some(h), Some(k), Some(e)) = (&holder, country, elements) {
                let clash = seen.check((h.clone(), k, e), c.line(), |a, b| {
                    a.0 == b.0 && a.1 == b.1 && a.2.intersects(b.2)
                });
                if let Some(((_, _, pe), line)) = clash {
                    let both = common(*pe, e);
                    c.error(
                        "elements",
                        format!("holder `{h}` already has a target for {k} {both} on line {line}; give each element one row"),
                    );
                }
            }
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
        let mut used_facilities = UniqueKeys::new();
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
                used_facilities.claim(&mut c, "facility", fi, || {
                    format!("`{}` is already the facility of another project", f.id)
                });
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
        let mut seen = UniqueKeys::new();
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
                seen.claim(&mut c, "(row)", (k, y), || {
                    let k = k.map_or("other".to_string(), |k| k.to_string());
                    format!("{k} {y} appears twice")
                });
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
        // Two benchmarks of the same figure would pin it to two values.
        let mut seen = UniqueKeys::new();
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
            if let (Some(s), Some(m), Some(y)) = (stage, metric, year) {
                seen.claim(
                    &mut c,
                    "(row)",
                    (s, m == BenchmarkMetric::Share, country, y),
                    || {
                        let k = country.map_or("world".to_string(), |k| k.to_string());
                        format!(
                            "a {s} {} benchmark of {k} in {y} appears twice",
                            c_metric(m)
                        )
                    },
                );
            }
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
        let mut seen = UniqueKeys::new();
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
                seen.claim(&mut c, "(row)", (e, f, y), || {
                    format!("{e} {f} {y} appears twice")
                });
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

    /// Finished-magnet prices by grade (optional).
    fn magnet_prices(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["grade", "usd_per_kg", "year", "source"],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("magnet_prices.csv", false, &schema, diags);
        let mut seen = UniqueKeys::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let name = c.text("grade");
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
            let usd = c.number("usd_per_kg", true, 0.0, 1.0e6);
            let year = c.year("year", true);
            let source = source_col(&mut c, self.src());
            if let (Some(g), Some(y)) = (grade, year) {
                seen.claim(&mut c, "(row)", (g.get(), y), || {
                    format!("grade `{name}` {y} appears twice")
                });
            }
            if let (true, Some(grade), Some(usd_per_kg), Some(year), Some(source)) =
                (c.ok(), grade, usd, year, source)
            {
                self.model.magnet_prices.push(MagnetPrice {
                    grade,
                    usd_per_kg,
                    year,
                    source,
                });
            }
        }
    }

    /// Concentrate prices by mine (optional).
    fn concentrate_prices(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &["facility", "usd_per_kg_reo", "year", "source"],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("concentrate_prices.csv", false, &schema, diags);
        let mut seen = UniqueKeys::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let name = c.text("facility").to_string();
            let mine = self.stock_mine(&mut c);
            let usd = c.number("usd_per_kg_reo", true, 0.0, 1.0e6);
            let year = c.year("year", true);
            let source = source_col(&mut c, self.src());
            if let (Some(m), Some(y)) = (mine, year) {
                seen.claim(&mut c, "(row)", (m.get(), y), || {
                    format!("mine `{name}` {y} appears twice")
                });
            }
            if let (true, Some(mine), Some(usd_per_kg_reo), Some(year), Some(source)) =
                (c.ok(), mine, usd, year, source)
            {
                self.model.concentrate_prices.push(ConcentratePrice {
                    mine,
                    usd_per_kg_reo,
                    year,
                    source,
                });
            }
        }
    }

    /// Value added and allied cost premium by stage (optional).
    fn processing_costs(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &[
                "stage",
                "source",
                "premium_low",
                "premium_high",
                "premium_source",
            ],
            optional: &[
                "value_added_usd_per_kg",
                "value_added_share_of_oxide",
                "note",
            ],
            element_columns: false,
        };
        let t = r.table("processing_costs.csv", false, &schema, diags);
        let mut seen = UniqueKeys::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let stage = c
                .vocab("stage", true, Stage::parse, &Stage::expected())
                .filter(|s| {
                    let processing = *s != Stage::EndUse;
                    if !processing {
                        c.error("stage", "end_use is not a processing stage: mining, separation, metal_alloy, magnet");
                    }
                    processing
                });
            let usd = c.number("value_added_usd_per_kg", false, 0.0, 1.0e6);
            let share = c.number("value_added_share_of_oxide", false, 0.0, 1.0);
            let value = match (usd, share, stage) {
                (Some(u), None, _) => Some(ValueAdded::UsdPerKg(u)),
                (None, Some(s), Some(Stage::Mining | Stage::Separation)) => {
                    Some(ValueAdded::ShareOfOxide(s))
                }
                (None, Some(_), _) => {
                    c.error(
                        "value_added_share_of_oxide",
                        "only mining and separation are valued by their oxide; give value_added_usd_per_kg",
                    );
                    None
                }
                (Some(_), Some(_), _) => {
                    c.error(
                        "value_added_share_of_oxide",
                        "give value_added_usd_per_kg or value_added_share_of_oxide, not both",
                    );
                    None
                }
                (None, None, _) => {
                    if c.text("value_added_usd_per_kg").is_empty()
                        && c.text("value_added_share_of_oxide").is_empty()
                    {
                        c.error(
                            "value_added_usd_per_kg",
                            "missing: give value_added_usd_per_kg or value_added_share_of_oxide",
                        );
                    }
                    None
                }
            };
            let source = source_col(&mut c, self.src());
            let low = c.number("premium_low", true, 0.0, 10.0);
            let high = c.number("premium_high", true, 0.0, 10.0);
            let premium_source = c.required("premium_source").and_then(|id| {
                resolve(
                    &mut c,
                    "premium_source",
                    id,
                    self.src(),
                    "source",
                    "sources.csv",
                )
            });
            if let (Some(l), Some(h)) = (low, high)
                && h < l
            {
                c.error(
                    "premium_high",
                    format!("{h} is below premium_low {l}: give the range low to high"),
                );
            }
            if let Some(stage) = stage {
                seen.claim(&mut c, "stage", stage, || format!("{stage} appears twice"));
            }
            if let (true, Some(stage), Some(value), Some(source), Some(l), Some(h), Some(ps)) =
                (c.ok(), stage, value, source, low, high, premium_source)
            {
                self.model.processing_costs.push(ProcessingCost {
                    stage,
                    value_added: value,
                    source,
                    premium: (l, h),
                    premium_source: ps,
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
        let mut seen = UniqueKeys::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let country = c.country("country", &self.country_codes);
            let wgi = c.number("wgi_0_10", true, 0.0, 10.0);
            let trade = c.number("trade_factor", true, 0.5, 2.0);
            let source = source_col(&mut c, self.src());
            if let Some(k) = country {
                seen.claim(&mut c, "country", k, || format!("{k} appears twice"));
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
        let mut seen = UniqueKeys::new();
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
                seen.claim(&mut c, "element", e, || format!("{e} appears twice"));
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
            optional: &["min_index", "note"],
            element_columns: false,
        };
        let t = r.table("price_response.csv", false, &schema, diags);
        // (form, elements): the simulator takes one response per element
        // and form, so two rows may not share one.
        let mut seen = OverlapKeys::new();
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
            let min = c.number("min_index", false, 0.01, 1.0);
            let source = source_col(&mut c, self.src());
            if let (Some(f), Some(e)) = (form, elements) {
                let clash = seen.check((f, e), c.line(), |a, b| a.0 == b.0 && a.1.intersects(b.1));
                if let Some(((_, pe), line)) = clash {
                    let both = common(*pe, e);
                    c.error(
                        "elements",
                        format!("line {line} already sets the {f} response of {both}; give each element and form one row"),
                    );
                }
            }
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
                    min_index: min.unwrap_or(1.0),
                    full_supply_response_index,
                    source,
                });
            }
        }
    }

    fn demand_response(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &[
                "sector",
                "elements",
                "short_run_elasticity",
                "max_share",
                "rate_per_yr",
                "lag_months",
                "trigger_index",
                "reversal_per_yr",
                "source",
            ],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("demand_response.csv", false, &schema, diags);
        // (sector, elements): a demand row takes the row of its own sector
        // before a `*` row, so two rows of one specificity may not share
        // an element.
        let mut seen = OverlapKeys::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let sector = sector_or_all(&mut c);
            let elements = c.elements("elements", true);
            let eps = c.number("short_run_elasticity", true, 0.0, 10.0);
            let max_share = c.number("max_share", true, 0.0, 0.95);
            let rate = c.number("rate_per_yr", true, 0.0, 1.0);
            let lag = c.number("lag_months", true, 0.0, 120.0);
            let trigger = c.number("trigger_index", true, 1.0, 1000.0);
            let reversal = c.number("reversal_per_yr", true, 0.0, 1.0);
            let source = source_col(&mut c, self.src());
            if let (Some(s), Some(e)) = (sector, elements) {
                let clash = seen.check((s, e), c.line(), |a, b| a.0 == b.0 && a.1.intersects(b.1));
                if let Some(((_, pe), line)) = clash {
                    let both = common(*pe, e);
                    let who = s.map_or("*".to_string(), |s| s.to_string());
                    c.error(
                        "elements",
                        format!("line {line} already sets the demand response of {both} for sector {who}; give each sector and element one row"),
                    );
                }
            }
            if let (
                true,
                Some(sector),
                Some(elements),
                Some(short_run_elasticity),
                Some(max_share),
                Some(rate_per_yr),
                Some(lag_months),
                Some(trigger_index),
                Some(reversal_per_yr),
                Some(source),
            ) = (
                c.ok(),
                sector,
                elements,
                eps,
                max_share,
                rate,
                lag,
                trigger,
                reversal,
                source,
            ) {
                self.model.demand_response.push(DemandResponse {
                    sector,
                    elements,
                    short_run_elasticity,
                    max_share,
                    rate_per_yr,
                    lag_months,
                    trigger_index,
                    reversal_per_yr,
                    source,
                });
            }
        }
    }

    fn supply_response(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &[
                "country",
                "stage",
                "restart_lag_months",
                "trigger_index",
                "build_lag_months",
                "growth_per_yr",
                "max_factor",
                "source",
            ],
            optional: &["accelerate_months", "defer_months", "defer_index", "note"],
            element_columns: false,
        };
        let t = r.table("supply_response.csv", false, &schema, diags);
        let mut seen = CountryStageKeys::default();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let (country, stage) = seen.read(
                &mut c,
                &self.country_codes,
                |s| s.has_facilities(),
                "mining, separation, metal_alloy, magnet",
                "supply response",
            );
            let restart = c.number("restart_lag_months", true, 0.0, 120.0);
            let trigger = c.number("trigger_index", true, 1.0, 1000.0);
            let build = c.number("build_lag_months", true, 0.0, 240.0);
            let growth = c.number("growth_per_yr", true, 0.0, 1.0);
            let max = c.number("max_factor", true, 1.0, 100.0);
            let accelerate = c.number("accelerate_months", false, 0.0, 120.0);
            let defer = c.number("defer_months", false, 0.0, 120.0);
            let defer_index = c.number("defer_index", false, 0.01, 1000.0);
            let source = source_col(&mut c, self.src());
            if let (
                true,
                Some(country),
                Some(stage),
                Some(restart_lag_months),
                Some(trigger_index),
                Some(build_lag_months),
                Some(growth_per_yr),
                Some(max_factor),
                Some(source),
            ) = (
                c.ok(),
                country,
                stage,
                restart,
                trigger,
                build,
                growth,
                max,
                source,
            ) {
                self.model.supply_response.push(SupplyResponse {
                    country,
                    stage,
                    restart_lag_months,
                    trigger_index,
                    build_lag_months,
                    growth_per_yr,
                    max_factor,
                    accelerate_months: accelerate.unwrap_or(0.0),
                    defer_months: defer.unwrap_or(0.0),
                    defer_index: defer_index.unwrap_or(1.0),
                    source,
                });
            }
        }
    }

    fn precaution(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let schema = Schema {
            required: &[
                "country",
                "stage",
                "smoothing_months",
                "trigger_rise",
                "max_months",
                "build_months_per_month",
                "release_months_per_month",
                "source",
            ],
            optional: &["note"],
            element_columns: false,
        };
        let t = r.table("precautionary.csv", false, &schema, diags);
        let mut seen = CountryStageKeys::default();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let (country, stage) = seen.read(
                &mut c,
                &self.country_codes,
                |s| matches!(s, Stage::MetalAlloy | Stage::Magnet | Stage::EndUse),
                "metal_alloy, magnet, end_use",
                "precautionary stock",
            );
            let smoothing = c.number("smoothing_months", true, 0.0, 120.0);
            let trigger = c.number("trigger_rise", true, 0.0, 100.0);
            let max = c.number("max_months", true, 0.0, 60.0);
            let build = c.number("build_months_per_month", true, 0.0, 60.0);
            let release = c.number("release_months_per_month", true, 0.0, 60.0);
            let source = source_col(&mut c, self.src());
            if let (
                true,
                Some(country),
                Some(stage),
                Some(smoothing_months),
                Some(trigger_rise),
                Some(max_months),
                Some(build_months_per_month),
                Some(release_months_per_month),
                Some(source),
            ) = (
                c.ok(),
                country,
                stage,
                smoothing,
                trigger,
                max,
                build,
                release,
                source,
            ) {
                self.model.precaution.push(Precaution {
                    country,
                    stage,
                    smoothing_months,
                    trigger_rise,
                    max_months,
                    build_months_per_month,
                    release_months_per_month,
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
        let mut seen = UniqueKeys::new();
        for row in &t.rows {
            let mut c = t.row(row, diags);
            let sector = c.vocab("sector", true, Sector::parse, &Sector::expected());
            let va = c.number("value_added_usd", true, 0.0, 1.0e14);
            let source = source_col(&mut c, self.src());
            if let Some(s) = sector {
                seen.claim(&mut c, "sector", s, || format!("{s} appears twice"));
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

/// A benchmark metric as written in `benchmarks.csv`.
fn c_metric(m: BenchmarkMetric) -> &'static str {
    match m {
        BenchmarkMetric::WorldOutputT => "world_output_t",
        BenchmarkMetric::Share => "share",
    }
}

/// The elements in both sets.
fn common(a: ElementSet, b: ElementSet) -> ElementSet {
    a.iter()
        .filter(|&x| b.contains(x))
        .fold(ElementSet::EMPTY, ElementSet::with)
}

/// A growth rule's key: path, sector (`None` = every sector), elements,
/// years.
type GrowthKey = (String, Option<Sector>, ElementSet, i32, i32);

/// Refuses a growth rule that ties with an earlier one: the same path and
/// sector, years that overlap, elements that intersect and as many
/// elements (so neither is more specific, see `GrowthPath::rate`). A good
/// in both would take whichever rule came last, so the order of the rows
/// would decide the demand.
fn growth_conflict(c: &mut RowCtx, seen: &mut OverlapKeys<GrowthKey>, key: GrowthKey) {
    let (path, sector, elements, from, to) = key.clone();
    let clash = seen.check(key, c.line(), |a, b| {
        a.0 == b.0
            && a.1 == b.1
            && a.3 <= b.4
            && b.3 <= a.4
            && a.2.intersects(b.2)
            && a.2.len() == b.2.len()
    });
    if let Some(((_, _, pe, pf, pt), line)) = clash {
        let sector = sector.map_or("*".to_string(), |s| s.to_string());
        c.error(
            "(row)",
            format!(
                "path `{path}` sector {sector} {elements} {from}–{to} conflicts with line {line} ({pe} {pf}–{pt}): both would apply to {} in {}–{} with the same specificity; give them one row",
                common(*pe, elements),
                from.max(*pf),
                to.min(*pt)
            ),
        );
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
