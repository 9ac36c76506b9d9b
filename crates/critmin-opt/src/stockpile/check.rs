//! A stockpile plan checked by simulation: what it removes of each
//! partner's unmet demand, against what the optimiser claimed it would.

use super::{ScenarioClaim, StockpileRequest};
use crate::OptError;
use critmin_model::{CountryCode, ElementSet, Model};
use critmin_sim::{MonthStats, Network, Overlay, Recorder, Scenario, simulate_with};
use serde::Serialize;

/// A stockpile plan simulated under one scenario, for one partner: what
/// the plan removes of its unmet demand, and whether its stock reaches the
/// shortage (`docs/optimization.md`, "Check by simulation").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanCheck {
    /// Scenario name.
    pub scenario: String,
    /// Partner.
    pub country: CountryCode,
    /// Unmet demand of the plan's elements over the scenario without the
    /// plan's purchases, and with them, t REO-eq.
    pub unmet_without_t: f64,
    /// The same with the plan.
    pub unmet_with_t: f64,
    /// `unmet_without_t − unmet_with_t`.
    pub removed_t: f64,
    /// What the optimiser claimed the plan removes here, t REO-eq (none
    /// when the plan was not sized on this scenario).
    pub claimed_removed_t: Option<f64>,
    /// `removed_t ÷ claimed_removed_t`: how far the simulation bears the
    /// claim out (none without a claim, or a claim under 1 t).
    pub agreement: Option<f64>,
    /// What the partner's holder holds of those elements with the plan
    /// (existing and bought), t REO-eq.
    pub held_t: f64,
    /// What it released in the scenario with the plan, t REO-eq.
    pub released_t: f64,
    /// Unmet demand left with the plan, by form (oxide, metal, magnet), t
    /// REO-eq.
    pub unmet_with_by_form_t: [f64; 3],
    /// Held with the plan, by form, t REO-eq.
    pub held_by_form_t: [f64; 3],
    /// Why the stock does not reach the shortage, if it does not: set
    /// when the plan removes less than a fifth of what it could (the
    /// smaller of what it holds and the unmet demand without it).
    pub flag: Option<String>,
}

/// The least share of its claim a plan's simulation must remove before
/// the check flags it.
pub const MIN_AGREEMENT: f64 = 0.8;

/// A check run's sums per partner: unmet by form, and released.
type RunSums = (Vec<[f64; 3]>, Vec<f64>);

/// Per partner, over a run: unmet by form, released, of `elements`.
struct CheckRecorder<'a> {
    partners: &'a [usize],
    elements: ElementSet,
    unmet: Vec<[f64; 3]>,
    released: Vec<f64>,
}

impl Recorder for CheckRecorder<'_> {
    fn month(&mut self, _net: &Network, _t: usize, s: &MonthStats) {
        for (k, &c) in self.partners.iter().enumerate() {
            for e in self.elements.iter() {
                for f in 0..3 {
                    let i = s.at(c, e, f);
                    self.unmet[k][f] += (s.demand[i] - s.served[i]).max(0.0);
                    self.released[k] += s.released[i];
                }
            }
        }
    }
}

/// Simulates a stockpile plan (`plan` laid over the dataset) under each of
/// the request's scenarios, with and without it, and reports per partner
/// what it removes and whether its stock reaches the shortage.
pub fn check_plan(
    model: &Model,
    request: &StockpileRequest,
    plan: &Overlay,
    claims: &[ScenarioClaim],
) -> Result<Vec<PlanCheck>, OptError> {
    let err = |s: &Scenario, m: String| OptError::Simulation {
        scenario: s.name.clone(),
        message: m,
    };
    // What is held with the plan: the holdings at the start (a run's
    // first month would already have released).
    let held0 = initial_holdings(model, plan, &request.partners, request.elements);
    let mut out = Vec::new();
    for s in &request.scenarios {
        let sums = |overlay: &Overlay| -> Result<RunSums, OptError> {
            let net = Network::build(model, s, overlay).map_err(|e| err(s, e.to_string()))?;
            let partners: Vec<usize> = request
                .partners
                .iter()
                .filter_map(|c| net.countries().iter().position(|x| x == c))
                .collect();
            let mut rec = CheckRecorder {
                partners: &partners,
                elements: request.elements,
                unmet: vec![[0.0; 3]; partners.len()],
                released: vec![0.0; partners.len()],
            };
            simulate_with(&net, &mut rec);
            Ok((rec.unmet, rec.released))
        };
        let (without, _) = sums(&Overlay::default())?;
        let (with, released) = sums(plan)?;
        for (k, &c) in request.partners.iter().enumerate().take(with.len()) {
            let (w, h): (f64, f64) = (without[k].iter().sum(), with[k].iter().sum());
            let held = held0[k];
            let removed = w - h;
            let could = held.iter().sum::<f64>().min(w);
            let claimed = claims
                .iter()
                .find(|x| x.scenario == s.name && x.country == c)
                .map(|x| x.claimed_removed_t);
            let agreement = claimed.filter(|&x| x >= 1.0).map(|x| removed / x);
            let short_of_claim = agreement.is_some_and(|a| a < MIN_AGREEMENT);
            let reach = (w > 1.0 && removed < 0.2 * could).then(|| {
                let forms = ["oxide", "metal", "magnets"];
                let (fmax, umax) = with[k]
                    .iter()
                    .enumerate()
                    .fold((0, 0.0), |b, (f, &u)| if u > b.1 { (f, u) } else { b });
                format!(
                    "the plan removes {:.0} t of the {:.0} t it could: {:.0} % of the shortage left is in {}, of which it holds {:.0} t (it holds {:.0} t of oxide, {:.0} t of metal, {:.0} t of magnets); the stock cannot reach demand that plants downstream cannot convert it for",
                    removed.max(0.0),
                    could,
                    100.0 * umax / h.max(1e-9),
                    forms[fmax],
                    held[fmax],
                    held[0],
                    held[1],
                    held[2],
                )
            });
            let flag = match (reach, short_of_claim) {
                (Some(r), _) => Some(r),
                (None, true) => Some(format!(
                    "the simulation removes {:.0} t, {:.0} % of the {:.0} t the optimiser claimed (below {:.0} %): the market rearranges around the releases (prices, other buyers, the release trigger)",
                    removed.max(0.0),
                    100.0 * agreement.unwrap_or(0.0),
                    claimed.unwrap_or(0.0),
                    100.0 * MIN_AGREEMENT
                )),
                (None, false) => None,
            };
            out.push(PlanCheck {
                scenario: s.name.clone(),
                country: c,
                unmet_without_t: w,
                unmet_with_t: h,
                removed_t: removed,
                claimed_removed_t: claimed,
                agreement,
                held_t: held.iter().sum(),
                released_t: released[k],
                unmet_with_by_form_t: with[k],
                held_by_form_t: held,
                flag,
            });
        }
    }
    Ok(out)
}

/// Per partner, by form (oxide, metal, magnet), the REO content of the
/// dataset's and the plan's stockpiles of `elements`.
fn initial_holdings(
    model: &Model,
    plan: &Overlay,
    partners: &[CountryCode],
    elements: ElementSet,
) -> Vec<[f64; 3]> {
    partners
        .iter()
        .map(|&c| {
            let mut held = [0.0; 3];
            for st in model.stockpiles.iter().chain(&plan.stockpiles) {
                if st.country != c {
                    continue;
                }
                let f = super::forms::form_slot(st.good);
                let reo = critmin_model::reo_content(st.good, st.tonnes, &model.recipes);
                held[f] += reo.total_of(elements);
            }
            held
        })
        .collect()
}
