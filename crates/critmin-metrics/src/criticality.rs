//! Supply-risk scores per element, by the two published methods, with every
//! input from the dataset (`governance.csv`, `criticality.csv`,
//! `sectors.csv`) or from the chain itself. Formulas, with what critmin
//! adapts and why, are in `docs/metrics.md`.
//!
//! **EU JRC** (Blengini et al. 2017), for a consuming group `G` and the
//! stages mining and separation (extraction and processing), the higher
//! reported:
//!
//! ```text
//! HHI_WGI,t  = Σ_c S_c² · WGI_c · t_c            (S_c fractions, WGI 0–10)
//! SR         = [HHI(global supply) · IR/2 + HHI(G's sourcing) · (1 − IR/2)]
//!              · (1 − EoL_RIR) · SI_SR
//! EI         = Σ_s A_s · Q_s · SI_EI              (Q_s scaled: largest = 10)
//! critical   ⇔ EI ≥ 2.8 and SR ≥ 1
//! ```
//!
//! `G`'s sourcing is not traded data here: its own output covers `1 − IR`
//! of its requirement (split among its members by output) and the imports
//! `IR` come from the rest of the world in proportion to its output.
//!
//! **USGS** (Nassar & Fortier 2021, the 2022 list): supply risk is the
//! product of disruption potential, trade exposure and economic
//! vulnerability, each 0..1:
//!
//! ```text
//! DP = Σ_c S_c² · WGI_c / 10       (the higher of mining and separation)
//! TE = G's net import reliance      (critmin's sourcing is pro rata, so the
//!                                    import partners' risk is already in DP)
//! EV = economic vulnerability       (input per element)
//! SR = DP · TE · EV
//! ```

use crate::MetricsError;
use crate::concentration::STAGES;
use crate::exposure::group_exposure;
use crate::flows::counts_for_stage;
use crate::projection::Projection;
use crate::scope::Scope;
use critmin_model::{
    CountryCode, Element, ElementRisk, Model, Sector, Stage, good_elements, reo_content,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// WGI (0–10) assumed for a producing country without a governance row: the
/// middle of the scale.
pub const DEFAULT_WGI: f64 = 5.0;

/// EU thresholds: critical if economic importance ≥ 2.8 and supply risk ≥ 1.
pub const EU_EI_THRESHOLD: f64 = 2.8;
/// See [`EU_EI_THRESHOLD`].
pub const EU_SR_THRESHOLD: f64 = 1.0;

/// The scores of one element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalityRow {
    /// The element (serialised as its symbol).
    pub element: Element,
    /// Year.
    pub year: i32,
    /// The consuming country or group the scores are for.
    pub consumer: String,
    /// EU JRC supply risk (the higher of mining and separation).
    pub eu_supply_risk: f64,
    /// The stage the EU supply risk comes from.
    pub eu_supply_risk_stage: Stage,
    /// EU JRC economic importance (0–10 scale).
    pub eu_economic_importance: f64,
    /// Whether the EU thresholds call it critical.
    pub eu_critical: bool,
    /// Governance- and trade-weighted HHI of world mining output.
    pub hhi_wgi_mining: f64,
    /// The same for separation output.
    pub hhi_wgi_separation: f64,
    /// USGS disruption potential, 0..1.
    pub usgs_disruption_potential: f64,
    /// USGS trade exposure (the consumer's net import reliance), 0..1.
    pub usgs_trade_exposure: f64,
    /// USGS economic vulnerability (input), 0..1.
    pub usgs_economic_vulnerability: f64,
    /// USGS supply risk `DP × TE × EV`, 0..1.
    pub usgs_supply_risk: f64,
    /// The consumer's net import reliance (largest over the stages).
    pub import_reliance: f64,
    /// End-of-life recycling input rate used.
    pub eol_rir: f64,
    /// Substitution index for supply risk used.
    pub si_sr: f64,
    /// Substitution index for economic importance used.
    pub si_ei: f64,
    /// Whether `criticality.csv` has a row for the element (otherwise the
    /// neutral defaults EoL 0, SI 1, EV 0 were used).
    pub inputs_given: bool,
}

/// Scores for every element with mine or separation output in `year`, as
/// seen by the consumer `consumer` (a country or group), highest EU supply
/// risk first.
pub fn criticality(
    model: &Model,
    projection: &Projection,
    year: i32,
    consumer: &str,
) -> Result<Vec<CriticalityRow>, MetricsError> {
    let members = model
        .resolve_region(consumer)
        .ok_or_else(|| MetricsError::UnknownGroup {
            name: consumer.to_string(),
            known: model.groups.iter().map(|g| g.name.clone()).collect(),
        })?;
    let allied = crate::allied(model);
    let flows = projection.flows(model, year);
    let demand = projection.demand(model, year)?;
    let ex = group_exposure(
        model,
        consumer,
        &members,
        &allied.members,
        &flows,
        &demand,
        year,
    );
    let wgi = |c: CountryCode| {
        model
            .governance
            .iter()
            .find(|g| g.country == c)
            .map_or((DEFAULT_WGI, 1.0), |g| (g.wgi_0_10, g.trade_factor))
    };
    // Output by stage (mining, separation), country and element.
    let mut output: [BTreeMap<CountryCode, critmin_model::PerElement>; 2] = Default::default();
    for fl in &flows {
        let f = model.at(fl.facility);
        let k = match f.stage {
            Stage::Mining => 0,
            Stage::Separation => 1,
            _ => continue,
        };
        if counts_for_stage(f) {
            output[k]
                .entry(f.country)
                .or_default()
                .add_scaled(&fl.output_reo_t, 1.0);
        }
    }
    let q = sector_scale(model);
    let mut rows = Vec::new();
    for e in Element::ALL {
        if output.iter().all(|m| m.values().all(|p| p[e] <= 0.0)) {
            continue;
        }
        let given = model.element_risk.iter().find(|r| r.element == e);
        let inputs = given.cloned().unwrap_or(ElementRisk {
            element: e,
            eol_rir: 0.0,
            si_sr: 1.0,
            si_ei: 1.0,
            economic_vulnerability: 0.0,
            source: critmin_model::Idx::new(0),
        });
        let by_stage = ex.import_reliance_by_stage(Scope::One(e));
        let ir_headline = by_stage.iter().flatten().copied().fold(0.0, f64::max);
        let mut hhi_wgi = [0.0; 2];
        let mut sr = [0.0; 2];
        let mut dp: f64 = 0.0;
        for k in 0..2 {
            let world: f64 = output[k].values().map(|p| p[e]).sum();
            if world <= 0.0 {
                continue;
            }
            let ir = by_stage[k].unwrap_or(0.0);
            let own: f64 = output[k]
                .iter()
                .filter(|(c, _)| members.contains(c))
                .map(|(_, p)| p[e])
                .sum();
            let rest = world - own;
            let (mut gs, mut src, mut d) = (0.0, 0.0, 0.0);
            for (c, p) in &output[k] {
                let (w, t) = wgi(*c);
                let s = p[e] / world;
                gs += s * s * w * t;
                d += s * s * w / 10.0;
                let sourced = if members.contains(c) {
                    if own > 0.0 {
                        (1.0 - ir) * p[e] / own
                    } else {
                        0.0
                    }
                } else if rest > 0.0 {
                    ir * p[e] / rest
                } else {
                    0.0
                };
                src += sourced * sourced * w * t;
            }
            hhi_wgi[k] = gs;
            sr[k] =
                (gs * ir / 2.0 + src * (1.0 - ir / 2.0)) * (1.0 - inputs.eol_rir) * inputs.si_sr;
            dp = dp.max(d);
        }
        let (eu_sr, stage) = if sr[1] >= sr[0] {
            (sr[1], STAGES[1])
        } else {
            (sr[0], STAGES[0])
        };
        let ei = economic_importance(model, projection, year, &members, e, &q)? * inputs.si_ei;
        let te = ir_headline;
        let ev = inputs.economic_vulnerability;
        rows.push(CriticalityRow {
            element: e,
            year,
            consumer: consumer.to_string(),
            eu_supply_risk: eu_sr,
            eu_supply_risk_stage: stage,
            eu_economic_importance: ei,
            eu_critical: ei >= EU_EI_THRESHOLD && eu_sr >= EU_SR_THRESHOLD,
            hhi_wgi_mining: hhi_wgi[0],
            hhi_wgi_separation: hhi_wgi[1],
            usgs_disruption_potential: dp,
            usgs_trade_exposure: te,
            usgs_economic_vulnerability: ev,
            usgs_supply_risk: dp * te * ev,
            import_reliance: ir_headline,
            eol_rir: inputs.eol_rir,
            si_sr: inputs.si_sr,
            si_ei: inputs.si_ei,
            inputs_given: given.is_some(),
        });
    }
    rows.sort_by(|a, b| b.eu_supply_risk.total_cmp(&a.eu_supply_risk));
    Ok(rows)
}

/// Each sector's value added scaled so the largest is 10 (`Q_s`).
fn sector_scale(model: &Model) -> BTreeMap<Sector, f64> {
    let max = model
        .sector_values
        .iter()
        .map(|s| s.value_added_usd)
        .fold(0.0, f64::max);
    model
        .sector_values
        .iter()
        .filter(|_| max > 0.0)
        .map(|s| (s.sector, 10.0 * s.value_added_usd / max))
        .collect()
}

/// `Σ_s A_s · Q_s`: the element's end-use shares by sector (the consumer's
/// demand, or the whole dataset's if the consumer uses none) weighted by
/// the sectors' scaled value added.
fn economic_importance(
    model: &Model,
    projection: &Projection,
    year: i32,
    members: &[CountryCode],
    e: Element,
    q: &BTreeMap<Sector, f64>,
) -> Result<f64, MetricsError> {
    let path = projection.growth_path(model)?;
    let by_sector = |only: Option<&[CountryCode]>| {
        let mut m: BTreeMap<Sector, f64> = BTreeMap::new();
        for row in &model.demand {
            if only.is_some_and(|o| !o.contains(&row.country)) {
                continue;
            }
            let els = good_elements(row.good, &model.recipes);
            let t = row.t_per_yr * path.factor(model.base_year, year, row.sector, els);
            *m.entry(row.sector).or_insert(0.0) += reo_content(row.good, t, &model.recipes)[e];
        }
        m
    };
    let mut shares = by_sector(Some(members));
    if shares.values().sum::<f64>() <= 0.0 {
        shares = by_sector(None);
    }
    let total: f64 = shares.values().sum();
    if total <= 0.0 {
        return Ok(0.0);
    }
    Ok(shares
        .iter()
        .map(|(s, v)| v / total * q.get(s).copied().unwrap_or(0.0))
        .sum())
}
