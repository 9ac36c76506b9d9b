//! Concentration of each stage, element by element: world capacity and
//! output, every country's share of output, China's share, the allied
//! group's share and the Herfindahl–Hirschman index.
//!
//! Quantities are t REO-equivalent so that stages compare element by
//! element (a magnet plant's output counts the rare earths in its magnets).
//! Cracking plants are left out of mining so concentrate is not counted
//! twice ([`crate::flows::counts_for_stage`]).

use crate::flows::{FacilityFlow, counts_for_stage};
use crate::scope::Scope;
use crate::summary::CountryShare;
use critmin_model::{CountryCode, Group, Model, Stage};
use serde::Serialize;
use std::collections::BTreeMap;

/// The stages that have facilities, upstream first.
pub const STAGES: [Stage; 4] = [
    Stage::Mining,
    Stage::Separation,
    Stage::MetalAlloy,
    Stage::Magnet,
];

/// Herfindahl–Hirschman index of a set of shares (fractions 0..1): the sum
/// of squared percentage shares, 0 (perfectly spread) to 10,000 (one
/// supplier).
pub fn hhi(shares: impl IntoIterator<Item = f64>) -> f64 {
    shares.into_iter().map(|s| (s * 100.0).powi(2)).sum()
}

/// The concentration of one stage and element (or total) in one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageMetric {
    /// Element symbol or total (`all`, `magnet`, `light`, `heavy`).
    pub element: String,
    /// The stage.
    pub stage: Stage,
    /// Year.
    pub year: i32,
    /// World output, t REO-equivalent.
    pub world_output_t: f64,
    /// World capacity, t REO-equivalent.
    pub world_capacity_t: f64,
    /// China's share of world output, 0..1.
    pub china_share: f64,
    /// Herfindahl–Hirschman index of country shares of output, 0..10,000.
    pub hhi: f64,
    /// The allied group's share of world output, 0..1.
    pub allied_share: f64,
    /// The allied group's share of world capacity, 0..1.
    pub allied_capacity_share: f64,
    /// Every country's share of output, largest first.
    pub shares: Vec<CountryShare>,
}

/// Concentration metrics for every stage and every scope with capacity,
/// totals first, from the year's facility flows.
pub fn stage_metrics(
    model: &Model,
    flows: &[FacilityFlow],
    allied: &Group,
    year: i32,
) -> Vec<StageMetric> {
    let mut out = Vec::new();
    for stage in STAGES {
        let in_stage: Vec<&FacilityFlow> = flows
            .iter()
            .filter(|fl| {
                let f = model.at(fl.facility);
                f.stage == stage && counts_for_stage(f)
            })
            .collect();
        for scope in Scope::every() {
            let set = scope.set();
            let (mut cap, mut outp, mut allied_cap, mut allied_out) = (0.0, 0.0, 0.0, 0.0);
            let mut by: BTreeMap<CountryCode, f64> = BTreeMap::new();
            for fl in &in_stage {
                let country = model.at(fl.facility).country;
                let c = fl.capacity_reo_t.total_of(set);
                let o = fl.output_reo_t.total_of(set);
                cap += c;
                outp += o;
                if allied.contains(country) {
                    allied_cap += c;
                    allied_out += o;
                }
                *by.entry(country).or_insert(0.0) += o;
            }
            if cap <= 0.0 && matches!(scope, Scope::One(_)) {
                continue;
            }
            let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
            let mut shares: Vec<CountryShare> = by
                .into_iter()
                .filter(|(_, v)| *v > 0.0)
                .map(|(country, v)| CountryShare {
                    country,
                    share: v / outp,
                })
                .collect();
            shares.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.country.cmp(&b.country)));
            out.push(StageMetric {
                element: scope.label(),
                stage,
                year,
                world_output_t: outp,
                world_capacity_t: cap,
                china_share: shares
                    .iter()
                    .find(|s| s.country == CountryCode::CN)
                    .map_or(0.0, |s| s.share),
                hhi: hhi(shares.iter().map(|s| s.share)),
                allied_share: ratio(allied_out, outp),
                allied_capacity_share: ratio(allied_cap, cap),
                shares,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hhi_by_hand() {
        let check = |shares: &[f64], expect: f64| {
            let got = hhi(shares.iter().copied());
            assert!((got - expect).abs() < 1e-9, "{shares:?}: {got} != {expect}");
        };
        check(&[1.0], 10_000.0);
        check(&[0.5, 0.5], 5_000.0);
        check(&[0.25; 4], 2_500.0);
        // 90² + 6² + 4² = 8100 + 36 + 16
        check(&[0.9, 0.06, 0.04], 8_152.0);
        check(&[], 0.0);
    }
}
