//! The partnership scorecard: the three headline targets, their value in
//! every year from the base year to [`HORIZON_YEAR`], a status against the
//! goal, and the gap — the tonnes per stage and element missing to reach
//! the goal by the goal year. Definitions, with the reasoning behind each,
//! are in `docs/metrics.md`:
//!
//! - `processing_coverage`: the share of combined US+Japan demand for the
//!   magnet rare earths (Nd, Pr, Dy, Tb) that the allied chain's capacity can
//!   meet, every stage counting only as far as feed exists upstream. Goal
//!   0.50–0.70 by 2030.
//! - `import_dependency`: the share of US+Japan consumption of the magnet
//!   rare earths supplied from outside the allied group: one minus the
//!   fraction of allied demand that allied *output* meets through the chain
//!   (allied output is shared among the allies in proportion to demand).
//!   Goal below 0.30 by 2030.
//! - `reserve_months`: US+Japan strategic stockpiles of the magnet rare
//!   earths in months of their consumption. Goal 12–24 months (the
//!   partnership names no year; critmin uses 2030).

use crate::MetricsError;
use crate::balance::{Basis, chain_supply};
use crate::concentration::STAGES;
use crate::exposure::{cover_months, fraction_met, group_exposure, weighted_by};
use crate::projection::{HORIZON_YEAR, Projection, group_demand};
use crate::scope::Scope;
use critmin_model::{ALLIED, CountryCode, Model, US_JP};
use serde::Serialize;

/// Whether more is better or less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The goal is reached at or above `goal_low`.
    Higher,
    /// The goal is reached at or below `goal_high`.
    Lower,
}

/// A target's definition.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TargetSpec {
    /// Identifier.
    pub id: &'static str,
    /// Short name for tables and charts.
    pub name: &'static str,
    /// Unit of the value (`fraction` or `months`).
    pub unit: &'static str,
    /// Lower end of the goal range.
    pub goal_low: f64,
    /// Upper end of the goal range.
    pub goal_high: f64,
    /// Year by which the goal is to be met.
    pub goal_year: i32,
    /// Whether more is better.
    pub direction: Direction,
}

impl TargetSpec {
    /// The value at which the goal counts as met: the near end of the range.
    pub fn threshold(&self) -> f64 {
        match self.direction {
            Direction::Higher => self.goal_low,
            Direction::Lower => self.goal_high,
        }
    }

    fn sign(&self) -> f64 {
        match self.direction {
            Direction::Higher => 1.0,
            Direction::Lower => -1.0,
        }
    }

    /// Whether `v` meets the goal.
    pub fn met(&self, v: f64) -> bool {
        self.sign() * (v - self.threshold()) >= -1e-12
    }

    /// The status of value `v` in `year`, given the base-year value.
    ///
    /// On track if the goal is met, or if `v` has made at least the progress
    /// from the base-year value that a straight line to the goal by the goal
    /// year asks for by `year`; at risk with at least half that progress;
    /// off track otherwise (including the base year when the goal is not
    /// met: no progress has been made yet).
    pub fn status(&self, base_year: i32, base_value: f64, year: i32, v: f64) -> Status {
        if self.met(v) {
            return Status::OnTrack;
        }
        let span = f64::from(self.goal_year - base_year);
        let elapsed = if span > 0.0 {
            (f64::from(year - base_year) / span).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let required = self.sign() * (self.threshold() - base_value) * elapsed;
        let actual = self.sign() * (v - base_value);
        if required <= 1e-12 {
            return Status::OffTrack;
        }
        // A hair of tolerance so that exactly on the line counts as on it.
        let ratio = actual / required + 1e-9;
        if ratio >= 1.0 {
            Status::OnTrack
        } else if ratio >= 0.5 {
            Status::AtRisk
        } else {
            Status::OffTrack
        }
    }
}

/// The partnership's three headline targets.
pub const TARGETS: [TargetSpec; 3] = [
    TargetSpec {
        id: "processing_coverage",
        name: "Allied processing coverage of US+JP demand",
        unit: "fraction",
        goal_low: 0.5,
        goal_high: 0.7,
        goal_year: 2030,
        direction: Direction::Higher,
    },
    TargetSpec {
        id: "import_dependency",
        name: "US+JP import dependency (outside the allies)",
        unit: "fraction",
        goal_low: 0.0,
        goal_high: 0.3,
        goal_year: 2030,
        direction: Direction::Lower,
    },
    TargetSpec {
        id: "reserve_months",
        name: "US+JP strategic reserves",
        unit: "months",
        goal_low: 12.0,
        goal_high: 24.0,
        goal_year: 2030,
        direction: Direction::Higher,
    },
];

/// The scope all three targets are measured on.
pub const TARGET_SCOPE: Scope = Scope::Magnet;

/// A target's status in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// At the goal, or ahead of the straight line to it.
    OnTrack,
    /// Behind the straight line but with at least half its progress.
    AtRisk,
    /// Less than half the progress the straight line asks for.
    OffTrack,
    /// Not measurable (no US+JP demand in the dataset).
    Unknown,
}

impl Status {
    /// The name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::OffTrack => "off_track",
            Status::Unknown => "unknown",
        }
    }
}

/// A target's value in one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetValue {
    /// Target id.
    pub id: &'static str,
    /// Year.
    pub year: i32,
    /// The value (`None` if not measurable).
    pub value: Option<f64>,
    /// Lower end of the goal range.
    pub goal_low: f64,
    /// Upper end of the goal range.
    pub goal_high: f64,
    /// Status.
    pub status: Status,
    /// Unit of value and goal.
    pub unit: &'static str,
    /// Year the goal is for.
    pub goal_year: i32,
}

/// What is missing at one stage for one element to reach a target's goal in
/// its goal year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// Target id.
    pub target: &'static str,
    /// Stage (`mining` … `magnet`), or `stockpile`.
    pub stage: &'static str,
    /// Element symbol.
    pub element: critmin_model::Element,
    /// The goal year.
    pub year: i32,
    /// What the goal needs, t REO-eq (per year for stages; tonnes held
    /// for stockpiles).
    pub required_t: f64,
    /// What exists: allied nameplate capacity (processing coverage),
    /// allied output (import dependency) or stock held (reserves).
    pub available_t: f64,
    /// `max(0, required − available)`.
    pub missing_t: f64,
}

/// A target measured another way, to read beside the headline value
/// (`docs/metrics.md`, "Scorecard measures").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    /// Measure id: `coverage` (share of demand the allied chain meets) or
    /// `import_dependency` (one minus it).
    pub id: &'static str,
    /// Whose demand it is measured against: `us_jp` (all allied supply
    /// credited to US+Japan, as the target is worded) or `allied` (the
    /// allies' supply shared over the allies' demand).
    pub group: &'static str,
    /// `nameplate` (capacity) or `output` (capacity × utilisation: what is
    /// expected to be made).
    pub basis: &'static str,
    /// Year.
    pub year: i32,
    /// The value, fraction 0..1 (`None` without demand).
    pub value: Option<f64>,
}

/// The partnership's other success measures in a year, for the allied
/// group (`docs/metrics.md`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Impact {
    /// Year.
    pub year: i32,
    /// Direct jobs at allied facilities active in the year, where the
    /// dataset gives a figure.
    pub direct_jobs: u64,
    /// Allied facilities active in the year with a jobs figure.
    pub facilities_with_jobs: usize,
    /// Allied facilities active in the year.
    pub facilities: usize,
    /// Capital cost of allied pipeline projects producing by the year
    /// (first output after the base year), USD million, cumulative.
    pub investment_musd: f64,
    /// Waste from allied facilities' output in the year, t, where the
    /// dataset gives t of waste per t REO.
    pub waste_t: f64,
    /// Allied facilities active in the year with a waste figure.
    pub facilities_with_waste: usize,
}

/// A headline target read over the years: its status in the goal year
/// and how long it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    /// Target id.
    pub id: &'static str,
    /// The goal year.
    pub goal_year: i32,
    /// Status in the goal year.
    pub status: Status,
    /// If on track in the goal year: the last year to the horizon through
    /// which it stays on track every year (`None` otherwise).
    pub on_track_until: Option<i32>,
    /// If on track in the goal year: the first later year it is not
    /// (`None` if it holds to the horizon, or is not on track).
    pub off_track_from: Option<i32>,
}

/// The scorecard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    /// Growth path used.
    pub path: String,
    /// Whether projects seeking finance were counted.
    pub with_pipeline: bool,
    /// First year.
    pub base_year: i32,
    /// The targets' definitions.
    pub definitions: Vec<TargetSpec>,
    /// One entry per target and year, in target order then year order.
    pub targets: Vec<TargetValue>,
    /// Gaps in the goal year, per target, stage and element.
    pub gaps: Vec<Gap>,
    /// The targets measured other ways, per year.
    pub measures: Vec<Measure>,
    /// Jobs, investment and waste, per year.
    pub impacts: Vec<Impact>,
    /// Each target's status in its goal year and until when it holds.
    pub headlines: Vec<Headline>,
}

/// The three target values in one year: `[processing_coverage,
/// import_dependency, reserve_months]`.
pub fn target_values(
    model: &Model,
    projection: &Projection,
    year: i32,
) -> Result<[Option<f64>; 3], MetricsError> {
    Ok(year_state(model, projection, year)?.values)
}

struct YearState {
    values: [Option<f64>; 3],
    gaps: Vec<Gap>,
    measures: Vec<Measure>,
    impact: Impact,
}

fn members(model: &Model, name: &str) -> Vec<CountryCode> {
    model
        .group(name)
        .map(|g| g.members.clone())
        .unwrap_or_default()
}

fn year_state(
    model: &Model,
    projection: &Projection,
    year: i32,
) -> Result<YearState, MetricsError> {
    let usjp = members(model, US_JP);
    let allied = members(model, ALLIED);
    let flows = projection.flows(model, year);
    let demand = projection.demand(model, year)?;
    let set = TARGET_SCOPE.set();

    let ex = group_exposure(model, US_JP, &usjp, &allied, &flows, &demand, year);
    let coverage = ex.weighted(&ex.allied_fraction, TARGET_SCOPE);

    let allied_demand = group_demand(&demand, &allied);
    let allied_out = chain_supply(model, &flows, |c| allied.contains(&c), Basis::Output);
    let y = fraction_met(&allied_demand, &allied_out.usable_t);
    let dependency = ex.weighted(&y, TARGET_SCOPE).map(|met| 1.0 - met);

    let d_usjp = ex.demand.total();
    let reserves = cover_months(ex.stock_t.total_of(set), d_usjp.total_of(set));

    // The same two targets on each basis and for each group.
    let allied_cap = chain_supply(model, &flows, |c| allied.contains(&c), Basis::Capacity);
    let allied_weight = |fraction: &critmin_model::PerElement| {
        weighted_by(&allied_demand.total(), fraction, TARGET_SCOPE)
    };
    let usjp_output = ex.weighted(
        &fraction_met(&ex.demand, &allied_out.usable_t),
        TARGET_SCOPE,
    );
    let allied_nameplate = allied_weight(&fraction_met(&allied_demand, &allied_cap.usable_t));
    let allied_output = allied_weight(&y);
    let rows = [
        ("coverage", "us_jp", "nameplate", coverage),
        ("coverage", "us_jp", "output", usjp_output),
        ("coverage", "allied", "nameplate", allied_nameplate),
        ("coverage", "allied", "output", allied_output),
        (
            "import_dependency",
            "allied",
            "nameplate",
            allied_nameplate.map(|m| 1.0 - m),
        ),
        (
            "import_dependency",
            "allied",
            "output",
            allied_output.map(|m| 1.0 - m),
        ),
    ];
    let measures = rows
        .into_iter()
        .map(|(id, group, basis, value)| Measure {
            id,
            group,
            basis,
            year,
            value,
        })
        .collect();
    let impact = impact(model, &flows, &allied, year);

    let mut gaps = Vec::new();
    for e in set.iter() {
        for (i, s) in STAGES.iter().enumerate() {
            let mut push = |spec: &TargetSpec, required: f64, available: f64| {
                gaps.push(Gap {
                    target: spec.id,
                    stage: s.as_str(),
                    element: e,
                    year,
                    required_t: required,
                    available_t: available,
                    missing_t: (required - available).max(0.0),
                });
            };
            let t = TARGETS[0].threshold();
            push(
                &TARGETS[0],
                t * ex.demand.through(*s)[e],
                allied_cap.stage_t[i][e],
            );
            let t = 1.0 - TARGETS[1].threshold();
            push(
                &TARGETS[1],
                t * allied_demand.through(*s)[e],
                allied_out.stage_t[i][e],
            );
        }
        let t = TARGETS[2].threshold();
        let required = t * d_usjp[e] / 12.0;
        gaps.push(Gap {
            target: TARGETS[2].id,
            stage: "stockpile",
            element: e,
            year,
            required_t: required,
            available_t: ex.stock_t[e],
            missing_t: (required - ex.stock_t[e]).max(0.0),
        });
    }
    Ok(YearState {
        values: [coverage, dependency, reserves],
        gaps,
        measures,
        impact,
    })
}

/// Jobs, investment and waste of the allied facilities in `year`.
fn impact(
    model: &Model,
    flows: &[crate::flows::FacilityFlow],
    allied: &[CountryCode],
    year: i32,
) -> Impact {
    let mut out = Impact {
        year,
        direct_jobs: 0,
        facilities_with_jobs: 0,
        facilities: 0,
        investment_musd: 0.0,
        waste_t: 0.0,
        facilities_with_waste: 0,
    };
    for fl in flows {
        let f = model.at(fl.facility);
        if !allied.contains(&f.country) || fl.active_months == 0 {
            continue;
        }
        out.facilities += 1;
        if let Some(j) = f.direct_jobs {
            out.direct_jobs += u64::from(j);
            out.facilities_with_jobs += 1;
        }
        if let Some(w) = f.waste_t_per_t_reo {
            out.waste_t += w * fl.output_reo_t.total();
            out.facilities_with_waste += 1;
        }
        if f.start
            .is_some_and(|s| s.year() > model.base_year && s.year() <= year)
        {
            out.investment_musd += model
                .projects
                .iter()
                .filter(|p| p.facility == fl.facility)
                .map(|p| p.capex_usd / 1e6)
                .sum::<f64>();
        }
    }
    out
}

/// Each target's status in its goal year and how long it holds to the
/// last year of `targets` (its values in year order).
fn headline(spec: &TargetSpec, targets: &[&TargetValue]) -> Headline {
    let status = targets
        .iter()
        .find(|t| t.year == spec.goal_year)
        .map_or(Status::Unknown, |t| t.status);
    let off_track_from = (status == Status::OnTrack)
        .then(|| {
            targets
                .iter()
                .filter(|t| t.year > spec.goal_year)
                .find(|t| t.status != Status::OnTrack)
                .map(|t| t.year)
        })
        .flatten();
    let last = targets.last().map(|t| t.year);
    let on_track_until = (status == Status::OnTrack)
        .then(|| off_track_from.map_or(last, |y| Some(y - 1)))
        .flatten();
    Headline {
        id: spec.id,
        goal_year: spec.goal_year,
        status,
        on_track_until,
        off_track_from,
    }
}

/// The scorecard from the base year to [`HORIZON_YEAR`] (or just the base
/// year if it is later).
pub fn scorecard(model: &Model, projection: &Projection) -> Result<Scorecard, MetricsError> {
    let base = model.base_year;
    let last = HORIZON_YEAR.max(base);
    let mut states = Vec::new();
    for year in base..=last {
        states.push((year, year_state(model, projection, year)?));
    }
    let mut targets = Vec::new();
    for (k, spec) in TARGETS.iter().enumerate() {
        let base_value = states[0].1.values[k];
        for (year, st) in &states {
            let value = st.values[k];
            let status = match (value, base_value) {
                (Some(v), Some(b)) => spec.status(base, b, *year, v),
                _ => Status::Unknown,
            };
            targets.push(TargetValue {
                id: spec.id,
                year: *year,
                value,
                goal_low: spec.goal_low,
                goal_high: spec.goal_high,
                status,
                unit: spec.unit,
                goal_year: spec.goal_year,
            });
        }
    }
    let headlines = TARGETS
        .iter()
        .map(|spec| {
            let of: Vec<&TargetValue> = targets.iter().filter(|t| t.id == spec.id).collect();
            headline(spec, &of)
        })
        .collect();
    let measures = states
        .iter()
        .flat_map(|(_, st)| st.measures.clone())
        .collect();
    let impacts = states.iter().map(|(_, st)| st.impact.clone()).collect();
    let gap_year = TARGETS[0].goal_year;
    let gaps = states
        .into_iter()
        .find(|(y, _)| *y == gap_year)
        .map(|(_, st)| st.gaps)
        .unwrap_or_default();
    Ok(Scorecard {
        path: projection.path.clone(),
        with_pipeline: projection.with_pipeline,
        base_year: base,
        definitions: TARGETS.to_vec(),
        targets,
        gaps,
        measures,
        impacts,
        headlines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_headline_says_until_when_the_goal_year_status_holds() {
        let spec = &TARGETS[0];
        let values = |statuses: &[(i32, Status)]| -> Vec<TargetValue> {
            statuses
                .iter()
                .map(|&(year, status)| TargetValue {
                    id: spec.id,
                    year,
                    value: Some(0.5),
                    goal_low: spec.goal_low,
                    goal_high: spec.goal_high,
                    status,
                    unit: spec.unit,
                    goal_year: spec.goal_year,
                })
                .collect()
        };
        let (on, risk, off) = (Status::OnTrack, Status::AtRisk, Status::OffTrack);
        let v = values(&[
            (2029, off),
            (2030, on),
            (2031, on),
            (2032, risk),
            (2033, on),
        ]);
        let h = headline(spec, &v.iter().collect::<Vec<_>>());
        assert_eq!(
            (h.status, h.on_track_until, h.off_track_from),
            (on, Some(2031), Some(2032))
        );
        let v = values(&[(2030, on), (2031, on)]);
        let h = headline(spec, &v.iter().collect::<Vec<_>>());
        assert_eq!((h.on_track_until, h.off_track_from), (Some(2031), None));
        let v = values(&[(2030, risk), (2031, on)]);
        let h = headline(spec, &v.iter().collect::<Vec<_>>());
        assert_eq!(
            (h.status, h.on_track_until, h.off_track_from),
            (risk, None, None)
        );
    }

    #[test]
    fn statuses_by_hand() {
        // Processing coverage: base 0.10 in 2024, goal ≥ 0.50 by 2030, so
        // the straight line asks for +0.4 × (Y − 2024) / 6.
        let spec = &TARGETS[0];
        let check = |year: i32, v: f64, expect: Status| {
            assert_eq!(spec.status(2024, 0.10, year, v), expect, "{year} {v}");
        };
        check(2024, 0.10, Status::OffTrack); // not met, no progress yet
        check(2027, 0.30, Status::OnTrack); // line asks 0.30: exactly on it
        check(2027, 0.20, Status::AtRisk); // half the progress (0.10 of 0.20)
        check(2027, 0.19, Status::OffTrack);
        check(2030, 0.50, Status::OnTrack); // goal met
        check(2030, 0.35, Status::AtRisk); // 0.25 of 0.40 required
        check(2035, 0.80, Status::OnTrack); // above the range is still met
        // Import dependency: base 0.90, goal ≤ 0.30 by 2030.
        let spec = &TARGETS[1];
        let check = |year: i32, v: f64, expect: Status| {
            assert_eq!(spec.status(2024, 0.90, year, v), expect, "{year} {v}");
        };
        check(2024, 0.90, Status::OffTrack);
        check(2027, 0.60, Status::OnTrack); // line asks −0.30 by 2027
        check(2027, 0.75, Status::AtRisk);
        check(2030, 0.30, Status::OnTrack);
        check(2030, 0.65, Status::OffTrack); // 0.25 of 0.60 required
        check(2031, 0.95, Status::OffTrack); // worse than the base
        // Reserves: base 0 months, goal ≥ 12.
        let spec = &TARGETS[2];
        assert_eq!(spec.status(2024, 0.0, 2024, 13.0), Status::OnTrack);
        assert_eq!(spec.status(2024, 0.0, 2030, 6.0), Status::AtRisk);
        assert_eq!(spec.status(2024, 0.0, 2030, 5.9), Status::OffTrack);
    }
}
