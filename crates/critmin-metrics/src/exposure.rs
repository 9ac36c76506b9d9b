//! How exposed a country or group is, element by element: its demand, what
//! its own and the allied facilities can usably supply, its import reliance
//! and its months of stockpile cover. Definitions are in `docs/metrics.md`;
//! in short, for a group `G`, an element `e` and a year:
//!
//! - **demand** `D` — `G`'s consumption of `e` in every form, t REO-eq;
//!   the *requirement* `R_s` of a stage `s` is the part of `D` that must
//!   pass through it (all of it for mining and separation, metal + magnets
//!   for metal making, magnets for magnet making);
//! - **import reliance** — as USGS defines it, net imports ÷ apparent
//!   consumption. At stage `s` that is `max(0, R_s − P_s) / R_s` with `P_s`
//!   `G`'s own output there (a net exporter relies on imports for 0); the
//!   headline is the largest over the stages: the share of consumption that
//!   has to cross `G`'s border in some form;
//! - **self-sufficiency** — allied capacity usable for `G` ÷ `G`'s demand:
//!   the largest fraction `x ≤ 1` of `G`'s demand (in every form) that the
//!   allied chain's capacity can meet at every stage, where a stage counts
//!   only as far as feed exists upstream ([`crate::balance`]):
//!   `x = min(1, min_s U_s / R_s)`;
//! - **cover** — months of `G`'s consumption its strategic stockpiles hold:
//!   `stock ÷ (D / 12)`.
//!
//! Totals (`all`, `magnet`, `light`, `heavy`) sum over their elements, and
//! never let a surplus of one element offset a shortfall of another: import
//! reliance sums each element's net imports, self-sufficiency is the
//! demand-weighted mean of the elements' fractions.

use crate::balance::{Basis, ChainSupply, chain_supply};
use crate::concentration::STAGES;
use crate::flows::{FacilityFlow, counts_for_stage};
use crate::projection::{FormDemand, group_demand};
use crate::scope::Scope;
use critmin_model::{CountryCode, Element, Model, PerElement, Stage, reo_content};
use serde::Serialize;
use std::collections::BTreeMap;

/// Import reliance at each stage, 0..1 (`None` where nothing passes it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ByStage {
    /// Mining (concentrate).
    pub mining: Option<f64>,
    /// Separation (oxides).
    pub separation: Option<f64>,
    /// Metal and alloy.
    pub metal_alloy: Option<f64>,
    /// Magnets.
    pub magnet: Option<f64>,
}

impl ByStage {
    fn from(v: [Option<f64>; 4]) -> ByStage {
        ByStage {
            mining: v[0],
            separation: v[1],
            metal_alloy: v[2],
            magnet: v[3],
        }
    }
}

/// One group's exposure for one element (or total) in one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMetric {
    /// Country code or group name, as asked.
    pub group: String,
    /// Element symbol or total.
    pub element: String,
    /// Year.
    pub year: i32,
    /// Consumption in every form, t REO-equivalent.
    pub demand_t: f64,
    /// Usable supply of the group's own facilities' capacity for its
    /// demand (feed-limited), t REO-eq: `own_self_sufficiency × demand_t`.
    pub own_supply_t: f64,
    /// Usable supply of the allied facilities' capacity for this group's
    /// demand (feed-limited), t REO-eq: `self_sufficiency × demand_t`.
    pub allied_supply_t: f64,
    /// Net imports ÷ apparent consumption, 0..1, the largest over the
    /// stages; `None` without demand.
    pub import_reliance: Option<f64>,
    /// The same at each stage.
    pub import_reliance_by_stage: ByStage,
    /// Allied capacity usable for the group ÷ its demand, 0..1 (feed
    /// limits upstream count); `None` without demand.
    pub self_sufficiency: Option<f64>,
    /// The same from the group's own facilities only.
    pub own_self_sufficiency: Option<f64>,
    /// Allied self-sufficiency if every stage's nameplate capacity counted
    /// regardless of feed upstream (shows what the balance problem costs).
    pub nameplate_self_sufficiency: Option<f64>,
    /// Strategic stockpiles held by the group's members, t REO-eq.
    pub stock_t: f64,
    /// Months of consumption the stockpiles cover; `None` without demand.
    pub cover_months: Option<f64>,
}

/// Everything about one group's exposure in one year, per element; the
/// metric rows and the scorecard are read from it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupExposure {
    /// The group's name as asked.
    pub group: String,
    /// Its member countries.
    pub members: Vec<CountryCode>,
    /// Year.
    pub year: i32,
    /// Its demand by form.
    pub demand: FormDemand,
    /// Its own output per stage (index as [`STAGES`]), t REO-eq.
    pub own_output_t: [PerElement; 4],
    /// Per element: usable fraction of demand from allied capacity.
    pub allied_fraction: PerElement,
    /// Per element: usable fraction of demand from own capacity.
    pub own_fraction: PerElement,
    /// Per element: allied fraction at nameplate, ignoring feed.
    pub nameplate_fraction: PerElement,
    /// Stockpiles held by members, t REO-eq.
    pub stock_t: PerElement,
}

/// The largest fraction of `demand` that `supply` can meet at every stage,
/// capped at 1; elements without demand get 0.
pub fn fraction_met(demand: &FormDemand, stages: &[PerElement; 4]) -> PerElement {
    let mut out = PerElement::ZERO;
    for e in Element::ALL {
        let mut x = f64::INFINITY;
        for (i, s) in STAGES.iter().enumerate() {
            let r = demand.through(*s)[e];
            if r > 0.0 {
                x = x.min(stages[i][e] / r);
            }
        }
        out[e] = if x.is_finite() {
            x.clamp(0.0, 1.0)
        } else {
            0.0
        };
    }
    out
}

/// Strategic stockpiles held by `members`, t REO-eq per element.
pub fn stock_of(model: &Model, members: &[CountryCode]) -> PerElement {
    let mut out = PerElement::ZERO;
    for s in model
        .stockpiles
        .iter()
        .filter(|s| members.contains(&s.country))
    {
        out.add_scaled(&reo_content(s.good, s.tonnes, &model.recipes), 1.0);
    }
    out
}

/// The exposure of the countries `members` (named `name`) in `year`.
pub fn group_exposure(
    model: &Model,
    name: &str,
    members: &[CountryCode],
    allied: &[CountryCode],
    flows: &[FacilityFlow],
    demand: &BTreeMap<CountryCode, FormDemand>,
    year: i32,
) -> GroupExposure {
    let d = group_demand(demand, members);
    let mut own_output_t = [PerElement::ZERO; 4];
    for fl in flows {
        let f = model.at(fl.facility);
        if members.contains(&f.country) && counts_for_stage(f) {
            own_output_t[ChainSupply::index(f.stage)].add_scaled(&fl.output_reo_t, 1.0);
        }
    }
    let allied_cap = chain_supply(model, flows, |c| allied.contains(&c), Basis::Capacity);
    let own_cap = chain_supply(model, flows, |c| members.contains(&c), Basis::Capacity);
    GroupExposure {
        group: name.to_string(),
        members: members.to_vec(),
        year,
        demand: d,
        own_output_t,
        allied_fraction: fraction_met(&d, &allied_cap.usable_t),
        own_fraction: fraction_met(&d, &own_cap.usable_t),
        nameplate_fraction: fraction_met(&d, &allied_cap.stage_t),
        stock_t: stock_of(model, members),
    }
}

impl GroupExposure {
    /// Import reliance at each stage for the elements of `scope`: summed
    /// net imports ÷ summed requirement.
    pub fn import_reliance_by_stage(&self, scope: Scope) -> [Option<f64>; 4] {
        let mut out = [None; 4];
        for (i, s) in STAGES.iter().enumerate() {
            let req = self.demand.through(*s);
            let (mut net, mut total) = (0.0, 0.0);
            for e in scope.set().iter() {
                total += req[e];
                net += (req[e] - self.own_output_t[i][e]).max(0.0);
            }
            if total > 0.0 {
                out[i] = Some((net / total).clamp(0.0, 1.0));
            }
        }
        out
    }

    /// Demand-weighted mean of a per-element fraction over `scope`.
    pub fn weighted(&self, fraction: &PerElement, scope: Scope) -> Option<f64> {
        weighted_by(&self.demand.total(), fraction, scope)
    }

    /// The metric row for `scope`.
    pub fn metric(&self, scope: Scope) -> GroupMetric {
        let set = scope.set();
        let demand_t = self.demand.total().total_of(set);
        let by_stage = self.import_reliance_by_stage(scope);
        let import_reliance = by_stage.iter().flatten().copied().reduce(f64::max);
        let self_sufficiency = self.weighted(&self.allied_fraction, scope);
        let own = self.weighted(&self.own_fraction, scope);
        let stock_t = self.stock_t.total_of(set);
        GroupMetric {
            group: self.group.clone(),
            element: scope.label(),
            year: self.year,
            demand_t,
            own_supply_t: own.unwrap_or(0.0) * demand_t,
            allied_supply_t: self_sufficiency.unwrap_or(0.0) * demand_t,
            import_reliance,
            import_reliance_by_stage: ByStage::from(by_stage),
            self_sufficiency,
            own_self_sufficiency: own,
            nameplate_self_sufficiency: self.weighted(&self.nameplate_fraction, scope),
            stock_t,
            cover_months: cover_months(stock_t, demand_t),
        }
    }

    /// Rows for the totals and every element with demand or stock.
    pub fn metrics(&self) -> Vec<GroupMetric> {
        Scope::every()
            .filter(|s| {
                !matches!(s, Scope::One(_))
                    || self.demand.total().total_of(s.set()) > 0.0
                    || self.stock_t.total_of(s.set()) > 0.0
            })
            .map(|s| self.metric(s))
            .collect()
    }
}

/// Months of consumption `stock_t` covers at `demand_t_per_yr`; `None`
/// without demand.
pub fn cover_months(stock_t: f64, demand_t_per_yr: f64) -> Option<f64> {
    (demand_t_per_yr > 0.0).then(|| stock_t / (demand_t_per_yr / 12.0))
}

/// The stage names in [`STAGES`] order, for tables.
pub fn stage_names() -> [&'static str; 4] {
    STAGES.map(Stage::as_str)
}

/// Mean of a per-element `fraction` over `scope`, weighted by `demand` (t
/// REO-eq per element); `None` without demand in the scope.
pub fn weighted_by(demand: &PerElement, fraction: &PerElement, scope: Scope) -> Option<f64> {
    let d = demand.total_of(scope.set());
    if d <= 0.0 {
        return None;
    }
    let met: f64 = scope.set().iter().map(|e| fraction[e] * demand[e]).sum();
    Some(met / d)
}
