//! What each facility can make and makes of each element in a year, in REO
//! terms — the static reading of the chain that every measure starts from.
//!
//! A mine's output splits by its ore's composition; a cracking plant passes
//! its feed's mix on; a separation plant's output splits by the mix of the
//! mines it takes feed from (weighted by their output), restricted to the
//! elements it separates; a metal plant's by its product's composition; a
//! magnet plant's by its grade's recipe. Metal and magnet quantities are
//! converted to t REO-equivalent by oxide stoichiometry so that stages can be
//! compared element by element.
//!
//! A year is read month by month, as the simulator steps: a facility counts
//! for the months it is active, each with a twelfth of its yearly capacity
//! grown by the dataset's capacity trends to that month
//! ([`Model::capacity_factor`]). A plant active all year without a trend has
//! its nameplate capacity; one that starts in October has a quarter of it;
//! under a trend of +6 %/yr from 2025 the year 2030 averages the factors of
//! its twelve months, 1.06^(60/12) … 1.06^(71/12). Base-year figures do not
//! move as long as trends start after the base year, which the dataset
//! format enforces.

use critmin_model::goods::metal_t_per_reo_t;
use critmin_model::{Facility, Idx, Model, Month, PerElement, Process, Stage, Status};

/// One facility's capacity and output in a year.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityFlow {
    /// The facility.
    pub facility: Idx<Facility>,
    /// Months of the year it is active, 0–12.
    pub active_months: u32,
    /// Capacity in the year, in the stage's own unit (t REO, t metal or
    /// t magnet): pro rata to the months active, each grown by the
    /// capacity trends ([`capacity_years`]).
    pub capacity_native_t: f64,
    /// Output in the year in the stage's unit (capacity × utilisation: a
    /// trend grows output at the base-year utilisation).
    pub output_native_t: f64,
    /// Capacity by element, t REO-equivalent.
    pub capacity_reo_t: PerElement,
    /// Output by element, t REO-equivalent.
    pub output_reo_t: PerElement,
}

/// Months of `year` in which `f` is active.
pub fn active_months(f: &Facility, year: i32) -> u32 {
    (1..=12)
        .filter(|&m| Month::new(year, m).is_some_and(|m| f.active_in(m)))
        .count() as u32
}

/// How many years of its base-year capacity facility `i` has in `year`:
/// the sum over the months of `year` in which it is active of
/// [`Model::capacity_factor`] / 12. Without trends this is
/// [`active_months`] / 12; a facility active all year under trends has the
/// mean of its twelve monthly factors.
pub fn capacity_years(model: &Model, i: Idx<Facility>, year: i32) -> f64 {
    let f = model.at(i);
    (1..=12)
        .filter_map(|m| Month::new(year, m))
        .filter(|&m| f.active_in(m))
        .map(|m| model.capacity_factor(i, m))
        .sum::<f64>()
        / 12.0
}

// Feed mixing is shared with the simulator and the chain LP, so it lives in
// the model; re-exported here for the metrics' callers.
pub use critmin_model::{feed_mix, feed_sources};

/// REO-equivalent per element of one unit of the facility's native output.
pub fn reo_per_unit(model: &Model, f: &Facility) -> PerElement {
    match &f.process {
        Process::Mine { .. } | Process::Cracking { .. } => feed_mix(model, f),
        Process::Separation { elements, .. } => {
            let mix = feed_mix(model, f);
            let kept = mix.total_of(*elements);
            let mut out = PerElement::ZERO;
            if kept > 0.0 {
                for e in elements.iter() {
                    out[e] = mix[e] / kept;
                }
            }
            out
        }
        Process::MetalAlloy { product, .. } => {
            // A product mix by REO share; one tonne of metal holds
            // Σ share_e × metal_per_oxide_e tonnes of metal per t REO.
            let shares = model.at(*product).shares;
            let metal_per_reo = metal_t_per_reo_t(&shares);
            if metal_per_reo > 0.0 {
                shares.scaled(1.0 / metal_per_reo)
            } else {
                PerElement::ZERO
            }
        }
        Process::Magnet { grade } => model.at(*grade).reo_t_per_t(),
    }
}

/// Every facility's flow in `year`. Facilities not active in any month of
/// the year are left out. Funding status of projects is not considered here:
/// see [`facility_flows_with`] to leave out unfunded pipeline facilities.
pub fn facility_flows(model: &Model, year: i32) -> Vec<FacilityFlow> {
    facility_flows_with(model, year, |_| true)
}

/// As [`facility_flows`], counting only facilities for which `include`
/// returns true.
pub fn facility_flows_with(
    model: &Model,
    year: i32,
    include: impl Fn(Idx<Facility>) -> bool,
) -> Vec<FacilityFlow> {
    let mut out = Vec::new();
    for (i, f) in model.facilities_indexed() {
        if !include(i) || f.status == Status::Closed && f.end.is_none() {
            continue;
        }
        let months = active_months(f, year);
        if months == 0 {
            continue;
        }
        let frac = capacity_years(model, i, year);
        let unit = reo_per_unit(model, f);
        let cap = f.capacity_t_per_yr * frac;
        let outp = f.output_t_per_yr() * frac;
        out.push(FacilityFlow {
            facility: i,
            active_months: months,
            capacity_native_t: cap,
            output_native_t: outp,
            capacity_reo_t: unit.scaled(cap),
            output_reo_t: unit.scaled(outp),
        });
    }
    out
}

/// Whether a facility's output counts toward its stage's world total:
/// cracking plants are left out of mining so that concentrate is not counted
/// twice.
pub fn counts_for_stage(f: &Facility) -> bool {
    !matches!(f.process, Process::Cracking { .. }) && f.stage != Stage::EndUse
}
