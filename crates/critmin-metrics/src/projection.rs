//! A year of the projection: which facilities produce in it and what each
//! country consumes. Every exposure measure reads the model through a
//! [`Projection`], so they all agree on the rules:
//!
//! - facilities come online at their `start` month and stop at their `end`
//!   month (pro rata to the months active, see [`crate::flows`]), and their
//!   capacity grows month by month under the dataset's capacity trends
//!   ([`critmin_model::Model::capacity_factor`]);
//! - a facility built by a pipeline project counts only if the project's
//!   funding is `committed`, unless [`Projection::with_pipeline`] is set, in
//!   which case `seeking` projects count too (as if financed on time);
//! - demand in year `Y` is the base-year demand times the growth path's
//!   factor for the row's sector and elements ([`GrowthPath::factor`]).

use crate::MetricsError;
use crate::flows::{FacilityFlow, facility_flows_with};
use critmin_model::{
    CountryCode, Facility, Form, Funding, GrowthPath, Idx, Model, PerElement, good_elements,
    reo_content,
};
use std::collections::BTreeMap;

/// The default growth path.
pub const DEFAULT_PATH: &str = "steady";

/// The last year the scorecard projects to.
pub const HORIZON_YEAR: i32 = 2035;

/// How the model is carried forward from its base year.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// The growth path's name (`steady`, `accelerated` …).
    pub path: String,
    /// Whether pipeline projects still `seeking` finance count as built.
    pub with_pipeline: bool,
}

impl Default for Projection {
    fn default() -> Self {
        Projection {
            path: DEFAULT_PATH.to_string(),
            with_pipeline: false,
        }
    }
}

impl Projection {
    /// The growth path this projection names. A dataset with no growth
    /// table at all has flat demand (an empty path); otherwise an unknown
    /// name is an error listing the known ones.
    pub fn growth_path(&self, model: &Model) -> Result<GrowthPath, MetricsError> {
        if model.growth_paths.is_empty() {
            return Ok(GrowthPath {
                name: self.path.clone(),
                rules: Vec::new(),
            });
        }
        model
            .growth_path(&self.path)
            .cloned()
            .ok_or_else(|| MetricsError::UnknownPath {
                name: self.path.clone(),
                known: model.growth_paths.iter().map(|p| p.name.clone()).collect(),
            })
    }

    /// Whether facility `i` counts in this projection (dates aside).
    pub fn counts(&self, model: &Model, i: Idx<Facility>) -> bool {
        self.with_pipeline
            || !model
                .projects
                .iter()
                .any(|p| p.facility == i && p.funding == Funding::Seeking)
    }

    /// Every counted facility's flow in `year`.
    pub fn flows(&self, model: &Model, year: i32) -> Vec<FacilityFlow> {
        facility_flows_with(model, year, |i| self.counts(model, i))
    }

    /// Each country's demand in `year`, by form, in t REO-equivalent per
    /// element.
    pub fn demand(
        &self,
        model: &Model,
        year: i32,
    ) -> Result<BTreeMap<CountryCode, FormDemand>, MetricsError> {
        let path = self.growth_path(model)?;
        let mut out: BTreeMap<CountryCode, FormDemand> = BTreeMap::new();
        for row in &model.demand {
            let elements = good_elements(row.good, &model.recipes);
            let t = row.t_per_yr * path.factor(model.base_year, year, row.sector, elements);
            let reo = reo_content(row.good, t, &model.recipes);
            let d = out.entry(row.country).or_default();
            match row.good.form() {
                Form::Oxide => d.oxide_t.add_scaled(&reo, 1.0),
                Form::Metal => d.metal_t.add_scaled(&reo, 1.0),
                _ => {
                    d.magnet_t.add_scaled(&reo, 1.0);
                    d.magnet_native_t += t;
                }
            }
        }
        Ok(out)
    }
}

/// One country's (or group's) demand in a year, split by the form it is
/// consumed in; every [`PerElement`] is in t REO-equivalent.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FormDemand {
    /// Separated oxides consumed as such (catalysts, glass, phosphors …).
    pub oxide_t: PerElement,
    /// Metals and alloys consumed as such (batteries, metallurgy …).
    pub metal_t: PerElement,
    /// The rare earths in magnets consumed.
    pub magnet_t: PerElement,
    /// Magnets consumed, t magnet.
    pub magnet_native_t: f64,
}

impl FormDemand {
    /// Adds another demand to this one.
    pub fn add(&mut self, other: &FormDemand) {
        self.oxide_t.add_scaled(&other.oxide_t, 1.0);
        self.metal_t.add_scaled(&other.metal_t, 1.0);
        self.magnet_t.add_scaled(&other.magnet_t, 1.0);
        self.magnet_native_t += other.magnet_native_t;
    }

    /// All demand, every form, t REO-equivalent per element.
    pub fn total(&self) -> PerElement {
        let mut t = self.oxide_t;
        t.add_scaled(&self.metal_t, 1.0);
        t.add_scaled(&self.magnet_t, 1.0);
        t
    }

    /// The demand that must pass through a facility `stage`: everything
    /// passes mining and separation; metal and magnets pass metal making;
    /// only magnets pass magnet making.
    pub fn through(&self, stage: critmin_model::Stage) -> PerElement {
        use critmin_model::Stage;
        match stage {
            Stage::Mining | Stage::Separation => self.total(),
            Stage::MetalAlloy => {
                let mut t = self.metal_t;
                t.add_scaled(&self.magnet_t, 1.0);
                t
            }
            Stage::Magnet => self.magnet_t,
            Stage::EndUse => self.total(),
        }
    }
}

/// The summed demand of `members` from a per-country map.
pub fn group_demand(
    demand: &BTreeMap<CountryCode, FormDemand>,
    members: &[CountryCode],
) -> FormDemand {
    let mut out = FormDemand::default();
    for c in members {
        if let Some(d) = demand.get(c) {
            out.add(d);
        }
    }
    out
}
