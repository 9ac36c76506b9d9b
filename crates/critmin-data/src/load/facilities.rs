//! `facilities.csv`, in three passes: every row's id first (so a feed may
//! name a mine further down), then each row, then the feed references to
//! facilities, which only now have indices.

use super::{Builder, Reader, Refs, declare, resolve, source_col};
use crate::Diagnostics;
use crate::table::{Row, RowCtx, Schema, Table, clip};
use critmin_model::{CountryCode, ElementSet, Facility, FeedRef, Idx, Process, Stage, Status};
use std::collections::{BTreeSet, HashMap};

const SCHEMA: Schema = Schema {
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

/// The columns that belong to one kind of facility only (`feed` has its
/// own check); a value in one that does not apply would be ignored.
const PROCESS_COLUMNS: [&str; 7] = [
    "deposit",
    "ore",
    "grade_pct",
    "recovery",
    "elements",
    "product",
    "grade",
];

/// What pass 1 learns of every row before any row is built.
struct Declared {
    refs: Refs<Facility>,
    /// id → (stage, country, whether its process is `mine` or `cracking`).
    stages: HashMap<String, (Stage, CountryCode, bool)>,
    /// Per row: its id, or `None` if the row is skipped (bad or duplicate).
    row_ids: Vec<Option<String>>,
    /// Countries with a mining-stage facility, for `country:XX` feeds.
    mining_countries: BTreeSet<CountryCode>,
}

/// A feed read from a row: the references that resolve now, and the
/// facility ids resolved in pass 3.
struct Feed {
    refs: Vec<FeedRef>,
    facilities: Vec<String>,
}

impl Builder {
    pub(super) fn facilities(&mut self, r: &Reader, diags: &mut Diagnostics) {
        let t = r.table("facilities.csv", true, &SCHEMA, diags);
        let Declared {
            mut refs,
            stages,
            row_ids,
            mining_countries,
        } = declare_ids(&t, diags);
        // Pass 2: the rows. Facility feeds wait, by facility index.
        let mut pending_feeds: Vec<(usize, Vec<String>)> = Vec::new();
        for (row, id) in t.rows.iter().zip(row_ids) {
            let Some(id) = id else { continue };
            let mut c = t.row(row, diags);
            let built = self.facility_row(&mut c, &id, &stages, &mining_countries, &refs);
            if let (Some((f, feeds)), true) = (built, c.ok()) {
                let index = self.model.facilities.len();
                if !feeds.is_empty() {
                    pending_feeds.push((index, feeds));
                }
                refs.map.insert(id, Some(Idx::new(index)));
                self.model.facilities.push(f);
            }
        }
        // Pass 3: facility feed references.
        for (fi, names) in pending_feeds {
            let Some(f) = self.model.facilities.get_mut(fi) else {
                continue;
            };
            for name in names {
                if let Some(Some(idx)) = refs.map.get(&name) {
                    if let Process::Cracking { feed, .. } | Process::Separation { feed, .. } =
                        &mut f.process
                    {
                        feed.push(FeedRef::Facility(*idx));
                    }
                }
            }
        }
        self.facilities = Some(refs);
    }

    /// One row of `facilities.csv`: the facility, and the facility ids its
    /// feed names (resolved once every row is read). `None` if the row has
    /// problems, each reported.
    fn facility_row(
        &self,
        c: &mut RowCtx,
        id: &str,
        stages: &HashMap<String, (Stage, CountryCode, bool)>,
        mining_countries: &BTreeSet<CountryCode>,
        refs: &Refs<Facility>,
    ) -> Option<(Facility, Vec<String>)> {
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
            c.error(
                "stage",
                "end_use is demand, not a facility stage; use mining, separation, metal_alloy or magnet",
            );
        }
        let capacity = c.tonnes("capacity_t_per_yr", true);
        let utilisation = if c.text("utilisation").is_empty() {
            Some(1.0)
        } else {
            c.fraction("utilisation", true)
        };
        let status = c.vocab("status", true, Status::parse, &Status::expected());
        let (start, end) = running_months(c, status);
        let process = self.process(c, stage);
        // Feed references (facility ids resolved after every row is read).
        let needs_feed = matches!(
            process,
            Some(Process::Cracking { .. } | Process::Separation { .. })
        );
        let feed = if needs_feed {
            feed(c, stages, mining_countries, refs, &self.country_codes)
        } else {
            if !c.text("feed").is_empty() && c.ok() && stage.is_some() && process.is_some() {
                c.error("feed", "only separation and cracking plants take a feed");
            }
            Feed {
                refs: Vec::new(),
                facilities: Vec::new(),
            }
        };
        let unit_cost = c.number("unit_cost_usd_per_t", false, 0.0, 1.0e9);
        let waste = c.number("waste_t_per_t_reo", false, 0.0, 1.0e4);
        let jobs = c
            .integer("direct_jobs", false, 0, 10_000_000)
            .map(|j| j as u32);
        let source = source_col(c, self.src());
        let process = match process? {
            Process::Cracking { recovery, .. } => Process::Cracking {
                feed: feed.refs,
                recovery,
            },
            Process::Separation {
                recovery, elements, ..
            } => Process::Separation {
                feed: feed.refs,
                recovery,
                elements,
            },
            p => p,
        };
        let facility = Facility {
            id: id.to_string(),
            name,
            operator,
            country: country?,
            stage: stage?,
            capacity_t_per_yr: capacity?,
            utilisation: utilisation?,
            status: status?,
            start,
            end,
            process,
            unit_cost_usd_per_t: unit_cost,
            waste_t_per_t_reo: waste,
            direct_jobs: jobs,
            source: source?,
        };
        Some((facility, feed.facilities))
    }

    /// The stage's process data (feeds still empty), from the columns that
    /// belong to it; a value in a column of another kind of facility is an
    /// error, since it would be ignored.
    fn process(&self, c: &mut RowCtx, stage: Option<Stage>) -> Option<Process> {
        let recovery_default = match stage {
            Some(Stage::MetalAlloy) => 0.98,
            _ => 0.95,
        };
        let recovery = |c: &mut RowCtx| {
            if c.text("recovery").is_empty() {
                Some(recovery_default)
            } else {
                c.fraction("recovery", true)
            }
        };
        let process_text = c.text("process").to_ascii_lowercase();
        if !process_text.is_empty() && stage.is_some_and(|s| s != Stage::Mining) {
            c.error(
                "process",
                "only mining-stage facilities take a process (mine or cracking)",
            );
        }
        let (kind, applies): (&str, &[&str]) = match stage {
            Some(Stage::Mining) if process_text.is_empty() || process_text == "mine" => {
                ("mine", &["deposit", "ore", "grade_pct"])
            }
            Some(Stage::Mining) if process_text == "cracking" => ("cracking plant", &["recovery"]),
            Some(Stage::Mining) => {
                c.error(
                    "process",
                    format!(
                        "`{}` is not a mining-stage process: use mine or cracking",
                        clip(&process_text)
                    ),
                );
                return None;
            }
            Some(Stage::Separation) => ("separation plant", &["recovery", "elements"]),
            Some(Stage::MetalAlloy) => ("metal_alloy plant", &["product", "recovery"]),
            Some(Stage::Magnet) => ("magnet plant", &["grade"]),
            _ => return None,
        };
        for col in PROCESS_COLUMNS {
            if !applies.contains(&col) && !c.text(col).is_empty() {
                c.error(
                    col,
                    format!("does not apply to a {kind}: leave it blank (it would be ignored)"),
                );
            }
        }
        let compositions = self.compositions.as_ref().expect("read");
        match stage {
            Some(Stage::Mining) if kind == "mine" => {
                let deposit = c.text("deposit").to_string();
                let grade_pct = c.number("grade_pct", false, 0.0, 100.0);
                let ore = c.required("ore").and_then(|o| {
                    resolve(c, "ore", o, compositions, "composition", "compositions.csv")
                });
                ore.map(|ore| Process::Mine {
                    deposit,
                    ore,
                    grade_pct,
                })
            }
            Some(Stage::Mining) => recovery(c).map(|recovery| Process::Cracking {
                feed: Vec::new(),
                recovery,
            }),
            Some(Stage::Separation) => {
                let elements = if c.text("elements").is_empty() {
                    Some(ElementSet::ALL)
                } else {
                    c.elements("elements", true)
                };
                match (recovery(c), elements) {
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
                        c,
                        "product",
                        p,
                        compositions,
                        "composition",
                        "compositions.csv",
                    )
                });
                match (product, recovery(c)) {
                    (Some(product), Some(recovery)) => {
                        Some(Process::MetalAlloy { product, recovery })
                    }
                    _ => None,
                }
            }
            Some(Stage::Magnet) => {
                let recipes = self.recipes.as_ref().expect("read");
                let grade = c
                    .required("grade")
                    .and_then(|g| resolve(c, "grade", g, recipes, "magnet grade", "recipes.csv"));
                grade.map(|grade| Process::Magnet { grade })
            }
            _ => None,
        }
    }
}

/// Pass 1: every row's id, stage and country.
fn declare_ids(t: &Table, diags: &mut Diagnostics) -> Declared {
    let mut refs: Refs<Facility> = Refs::new();
    let mut stages = HashMap::new();
    let mut row_ids = Vec::new();
    for row in &t.rows {
        row_ids.push(declare_row(t, row, diags, &mut refs, &mut stages));
    }
    let mining_countries = stages
        .values()
        .filter(|(s, _, _)| *s == Stage::Mining)
        .map(|(_, k, _)| *k)
        .collect();
    Declared {
        refs,
        stages,
        row_ids,
        mining_countries,
    }
}

/// Declares one row's id; `None` if it is invalid or a duplicate.
fn declare_row(
    t: &Table,
    row: &Row,
    diags: &mut Diagnostics,
    refs: &mut Refs<Facility>,
    stages: &mut HashMap<String, (Stage, CountryCode, bool)>,
) -> Option<String> {
    let mut c = t.row(row, diags);
    let id = c.id("id")?.to_string();
    if !declare(&mut c, "id", &id, refs) {
        return None;
    }
    let stage = Stage::parse(c.text("stage"));
    let country = CountryCode::parse(c.text("country"));
    let process = c.text("process");
    let is_mine_like = process.is_empty()
        || process.eq_ignore_ascii_case("mine")
        || process.eq_ignore_ascii_case("cracking");
    if let (Some(s), Some(k)) = (stage, country) {
        stages.insert(id.clone(), (s, k, is_mine_like));
    }
    Some(id)
}

/// The `start` and `end` months, checked against each other and the
/// status.
fn running_months(
    c: &mut RowCtx,
    status: Option<Status>,
) -> (Option<critmin_model::Month>, Option<critmin_model::Month>) {
    let start = c.month("start", false);
    let end = c.month("end", false);
    if let (Some(s), Some(e)) = (start, end) {
        if e <= s {
            c.error("end", format!("{e} is not after the start {s}"));
        }
    }
    if matches!(status, Some(Status::Planned | Status::Construction)) && start.is_none() && c.ok() {
        c.error(
            "start",
            "a planned or construction facility needs the month it starts producing",
        );
    }
    (start, end)
}

/// A cracking or separation plant's `feed`: facility ids, `country:XX` or
/// `*`, each of which must lead to a mining-stage facility.
fn feed(
    c: &mut RowCtx,
    stages: &HashMap<String, (Stage, CountryCode, bool)>,
    mining_countries: &BTreeSet<CountryCode>,
    refs: &Refs<Facility>,
    countries: &[CountryCode],
) -> Feed {
    let mut out = Feed {
        refs: Vec::new(),
        facilities: Vec::new(),
    };
    let text = c.text("feed");
    if text.is_empty() {
        c.error(
            "feed",
            "a separation or cracking plant must say where its concentrate comes from (facility ids, country:XX or *)",
        );
    }
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        if part == "*" {
            out.refs.push(FeedRef::Any);
        } else if let Some(code) = part.strip_prefix("country:") {
            if let Some(code) = c.country_text("feed", code, countries) {
                if mining_countries.contains(&code) {
                    out.refs.push(FeedRef::Country(code));
                } else {
                    c.error(
                        "feed",
                        format!("no mining-stage facility in {code} to feed from"),
                    );
                }
            }
        } else {
            match stages.get(part) {
                Some((Stage::Mining, _, true)) => out.facilities.push(part.to_string()),
                Some((s, _, _)) => c.error(
                    "feed",
                    format!("`{part}` is a {s} facility; feed must come from the mining stage"),
                ),
                // Declared, but its row has its own problem.
                None if refs.map.contains_key(part) => {}
                None => c.error(
                    "feed",
                    format!("unknown facility `{}` (not in facilities.csv)", clip(part)),
                ),
            }
        }
    }
    out
}
