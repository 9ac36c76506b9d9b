//! The per-stage, per-element summary behind `critmin data summary`: world
//! capacity and output and each country's share of output.

use crate::flows::{FacilityFlow, counts_for_stage, facility_flows};
use critmin_model::{CountryCode, Element, Model, Stage};
use serde::Serialize;
use std::collections::BTreeMap;

/// The pseudo-element that stands for all rare earths in REO terms.
pub const TOTAL_REO: &str = "REO";

/// One country's share of a stage's world output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryShare {
    /// Country code.
    pub country: CountryCode,
    /// Fraction of world output, 0..1.
    pub share: f64,
}

/// World capacity and output of one element (or `REO`, all of them) at one
/// stage in one year, with country shares in descending order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageElementSummary {
    /// The stage.
    pub stage: Stage,
    /// Element symbol, or `REO` for all rare earths.
    pub element: String,
    /// Year.
    pub year: i32,
    /// World capacity, t REO-equivalent.
    pub world_capacity_t: f64,
    /// World output, t REO-equivalent.
    pub world_output_t: f64,
    /// For the `REO` row: output in the stage's own unit (t REO, t metal or
    /// t magnet); for element rows, equal to `world_output_t`.
    pub world_output_native_t: f64,
    /// The unit of `world_output_native_t`.
    pub native_unit: &'static str,
    /// Country shares of output, largest first, fractions 0..1.
    pub shares: Vec<CountryShare>,
}

/// The summary for every stage with facilities and every element with
/// capacity, `REO` first within each stage.
pub fn stage_summary(model: &Model, year: i32) -> Vec<StageElementSummary> {
    let flows = facility_flows(model, year);
    let mut out = Vec::new();
    for &stage in Stage::ALL.iter().filter(|s| s.has_facilities()) {
        let in_stage: Vec<_> = flows
            .iter()
            .filter(|fl| {
                let f = model.at(fl.facility);
                f.stage == stage && counts_for_stage(f)
            })
            .collect();
        let summarise = |element: Option<Element>| {
            // (capacity, output, native output) of one flow for this row.
            let pick = |fl: &FacilityFlow| match element {
                None => (
                    fl.capacity_reo_t.total(),
                    fl.output_reo_t.total(),
                    fl.output_native_t,
                ),
                Some(e) => (fl.capacity_reo_t[e], fl.output_reo_t[e], fl.output_reo_t[e]),
            };
            let (mut cap, mut outp, mut native) = (0.0, 0.0, 0.0);
            let mut by: BTreeMap<CountryCode, f64> = BTreeMap::new();
            for fl in &in_stage {
                let (c, o, n) = pick(fl);
                cap += c;
                outp += o;
                native += n;
                *by.entry(model.at(fl.facility).country).or_insert(0.0) += o;
            }
            let mut shares: Vec<CountryShare> = by
                .into_iter()
                .filter(|(_, v)| *v > 0.0)
                .map(|(country, v)| CountryShare {
                    country,
                    share: v / outp,
                })
                .collect();
            shares.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.country.cmp(&b.country)));
            StageElementSummary {
                stage,
                element: element.map_or(TOTAL_REO.to_string(), |e| e.symbol().to_string()),
                year,
                world_capacity_t: cap,
                world_output_t: outp,
                world_output_native_t: native,
                native_unit: if element.is_none() {
                    stage.capacity_unit().trim_end_matches("/yr")
                } else {
                    "t REO"
                },
                shares,
            }
        };
        out.push(summarise(None));
        for e in Element::ALL {
            let row = summarise(Some(e));
            if row.world_capacity_t > 0.0 {
                out.push(row);
            }
        }
    }
    out
}
