//! Stock by form: what a holding of concentrate, oxide, metal or magnets
//! can do for a partner whose consumption is in another form. A stock
//! reaches demand of its own form directly; upstream stock reaches demand
//! downstream only through conversion — concentrate through separation,
//! oxide through metal plants, metal through magnet plants — and only when
//! the plan tolls it (`credit_conversion`): the plants of the partner's
//! converter countries (its own, and any it tolls in) convert its stock
//! for it out of their spare capacity (nameplate less output, as the
//! simulator measured it in the scenarios, ramped up over their restart
//! lag), and the plan carries those tolling arrangements so that the
//! check by simulation runs them too (`docs/simulation.md`, "Tolling").
//!
//! Two uses: the months-of-cover goal counts, per element and consuming
//! form, only the stock that can reach it within the cover window; and the
//! optimiser's *claim* for a plan under a scenario — the unmet demand it
//! says the plan removes — replays the simulator's release rule on the
//! measured shortfall, month by month, which the check by simulation then
//! tests.

use super::Profile;
use crate::chain::{MAGNET0, METAL0, OXIDE0, good_reo};
use critmin_model::{
    CountryCode, Element, ElementSet, Good, Model, N_ELEMENTS, PerElement, Stage, good_elements,
    reo_content,
};
use good_lp::{Expression, ProblemVariables, constraint, variable};
use serde::Serialize;

/// Forms a stock is held in and demand is consumed in: oxide, metal, magnet.
pub(super) const FORMS: usize = 3;

/// A partner's consumption per element in `year`, by form, t REO-eq per
/// year.
pub(super) fn consumption_by_form(
    model: &Model,
    partner: CountryCode,
    year: i32,
    path: &str,
) -> [PerElement; FORMS] {
    let p = model.growth_path(path);
    let mut out = [PerElement::ZERO; FORMS];
    for d in model.demand.iter().filter(|d| d.country == partner) {
        let f = form_slot(d.good);
        let els = good_elements(d.good, &model.recipes);
        let t = d.t_per_yr * p.map_or(1.0, |p| p.factor(model.base_year, year, d.sector, els));
        out[f].add_scaled(&reo_content(d.good, t, &model.recipes), 1.0);
    }
    out
}

/// The form slot of a good: 0 oxide, 1 metal, 2 magnet.
pub(super) fn form_slot(good: Good) -> usize {
    match good {
        Good::Oxide { .. } => 0,
        Good::Metal { .. } => 1,
        Good::Magnet { .. } => 2,
    }
}

/// The form slot of engine good `g`.
pub(super) fn form_of(g: usize) -> usize {
    if g < METAL0 {
        0
    } else if g < MAGNET0 {
        1
    } else {
        2
    }
}

/// A partner's conversion capacity in an emergency: the mean monthly spare
/// capacity of its converter countries' separation plants (t REO of
/// oxide), metal plants (t REO-eq) and magnet plants (t REO-eq of
/// magnets, at the REO content of the partner's magnet demand) over the
/// months in which it is short, the smallest over the scenarios; zero
/// without scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Conversion {
    /// Partner.
    pub country: CountryCode,
    /// Spare separation capacity, t REO of oxide per month.
    pub separation_reo_t_per_month: f64,
    /// Spare metal/alloy capacity, t REO-eq per month.
    pub metal_reo_t_per_month: f64,
    /// The same by element (each plant's spare × its product mix): a plant
    /// makes the metals of its mix only.
    #[serde(skip)]
    pub(super) metal_by_element: PerElement,
    /// Spare magnet capacity, t REO-eq per month.
    pub magnet_reo_t_per_month: f64,
    /// Months the converters' idle separation, metal and magnet capacity
    /// takes to restart (`supply_response.csv`, the longest among the
    /// converter countries), over which the spare capacity ramps up from
    /// the first month of shortage.
    pub restart_lag_months: [f64; 3],
    /// Whether the goals and claims count on it (`credit_conversion`): only
    /// when the plan tolls the partner's stock, since a plant left to
    /// itself sells what it makes into its market (docs/optimization.md,
    /// "Stock by form").
    pub credited: bool,
    /// REO-eq per t of the partner's magnets, to count magnet capacity.
    #[serde(skip)]
    pub(super) magnet_reo_per_t: f64,
}

impl Conversion {
    /// Spare separation, metal and magnet capacity the goals may count
    /// on, t REO-eq per month.
    pub(super) fn usable(&self) -> [f64; 3] {
        if self.credited {
            [
                self.separation_reo_t_per_month,
                self.metal_reo_t_per_month,
                self.magnet_reo_t_per_month,
            ]
        } else {
            [0.0; 3]
        }
    }
}

/// The emergency conversion capacity of partner `k` over `profiles`.
pub(super) fn conversion(
    profiles: &[Profile],
    k: usize,
    country: CountryCode,
    magnet_reo_per_t: f64,
) -> Conversion {
    let mut out: Option<([f64; 3], PerElement)> = None;
    for p in profiles {
        let months = p.spare_metal.get(k).map_or(0, Vec::len);
        let short: Vec<usize> = (0..months)
            .filter(|&t| {
                p.shortfall[k]
                    .iter()
                    .any(|series| series.get(t).is_some_and(|&u| u > 1e-9))
            })
            .collect();
        if short.is_empty() {
            continue;
        }
        let n = short.len() as f64;
        let mean = |series: &[f64]| short.iter().map(|&t| series[t]).sum::<f64>() / n;
        let mut metal = PerElement::ZERO;
        for &t in &short {
            metal.add_scaled(&p.spare_metal[k][t], 1.0 / n);
        }
        let here = [
            mean(&p.spare_sep[k]),
            metal.total(),
            mean(&p.spare_magnet[k]) * magnet_reo_per_t,
        ];
        // The scenario whose total metal capacity is least sets the mix.
        let keep = out.as_ref().is_none_or(|(a, _)| here[1] < a[1]);
        out = Some(match out {
            None => (here, metal),
            Some((a, m)) => (
                std::array::from_fn(|i| a[i].min(here[i])),
                if keep { metal } else { m },
            ),
        });
    }
    let ([sep, metal, magnet], by_element) = out.unwrap_or(([0.0; 3], PerElement::ZERO));
    Conversion {
        country,
        separation_reo_t_per_month: sep,
        metal_reo_t_per_month: metal,
        metal_by_element: by_element,
        magnet_reo_t_per_month: magnet,
        restart_lag_months: [0.0; 3],
        credited: false,
        magnet_reo_per_t,
    }
}

/// How long the idle separation, metal/alloy and magnet capacity of
/// `converters` takes to restart, months: the longest of their
/// `supply_response.csv` lags per stage (0 without one).
pub(super) fn restart_lags(model: &Model, converters: &[CountryCode]) -> [f64; 3] {
    let lag = |stage: Stage| {
        converters
            .iter()
            .map(|&c| model.restart_lag_months(c, stage))
            .fold(0.0, f64::max)
    };
    [
        lag(Stage::Separation),
        lag(Stage::MetalAlloy),
        lag(Stage::Magnet),
    ]
}

/// Ramps each profiled country's spare conversion capacity up from the
/// first month it is short: in the `n`-th month of shortage only
/// `1 − (1 − a)ⁿ` of it is usable, `a = 1 / (1 + lag)` — the simulator's
/// ramp of tolling capacity (docs/simulation.md, "Tolling"), so a plant
/// with a three-month lag offers a quarter of its spare capacity in the
/// first month, 44 % in the second.
pub(super) fn ramp_spare(p: &mut Profile, lags: &[[f64; 3]]) {
    for (k, lag) in lags.iter().enumerate() {
        let months = p.spare_metal.get(k).map_or(0, Vec::len);
        let first = (0..months).find(|&t| {
            p.shortfall[k]
                .iter()
                .any(|series| series.get(t).is_some_and(|&u| u > 1e-9))
        });
        let Some(first) = first else { continue };
        let ramp = |t: usize, lag: f64| {
            let a = 1.0 / (1.0 + lag.max(0.0));
            if t < first {
                0.0
            } else {
                1.0 - (1.0 - a).powi((t - first + 1) as i32)
            }
        };
        for (series, lag) in [
            (&mut p.spare_sep[k], lag[0]),
            (&mut p.spare_magnet[k], lag[2]),
        ] {
            for (t, x) in series.iter_mut().enumerate() {
                *x *= ramp(t, lag);
            }
        }
        for (t, x) in p.spare_metal[k].iter_mut().enumerate() {
            *x = x.scaled(ramp(t, lag[1]));
        }
    }
}

/// A partner's consumption in `year` of each magnet grade, t magnet per
/// year.
pub(super) fn magnet_consumption(
    model: &Model,
    partner: CountryCode,
    year: i32,
    path: &str,
) -> Vec<f64> {
    let p = model.growth_path(path);
    let mut out = vec![0.0; model.recipes.len()];
    for d in model.demand.iter().filter(|d| d.country == partner) {
        if let Good::Magnet { grade } = d.good {
            let els = good_elements(d.good, &model.recipes);
            out[grade.get()] +=
                d.t_per_yr * p.map_or(1.0, |p| p.factor(model.base_year, year, d.sector, els));
        }
    }
    out
}

/// What one partner holds and consumes, for its cover goal.
pub(super) struct CoverInputs<'a> {
    /// Holding of each element as oxide and as metal, t REO-eq.
    pub held: &'a [[Expression; N_ELEMENTS]; 2],
    /// Oxide of each element separated from the partner's concentrate
    /// within the window, t REO (zero without tolling).
    pub from_concentrate: &'a [Expression; N_ELEMENTS],
    /// Holding of each magnet grade, t magnet.
    pub magnets: &'a [Expression],
    /// Consumption of each element as oxide and as metal, t REO-eq/yr.
    pub need: &'a [PerElement; 2],
    /// Consumption of each grade, t magnet/yr.
    pub magnet_need: &'a [f64],
    /// REO-eq per t of each grade.
    pub grade_reo: &'a [PerElement],
}

/// The months-of-cover goal of one partner by form: each element's oxide
/// and metal consumption, and each magnet grade's, is covered for `months`
/// by stock that can reach it within those months — stock of its own form
/// (and grade), or upstream stock through the spare conversion capacity of
/// those months (oxide → metal at the metal plants; metal, or oxide via
/// metal, → a grade's magnets at the magnet plants, in the grade's recipe).
/// Returns per element the expression of what reaches its demand and what
/// is needed (a grade's goal is listed under each of its elements), for
/// the binding read-out.
pub(super) fn add_cover_goal(
    inputs: &CoverInputs,
    elements: ElementSet,
    conv: Conversion,
    months: f64,
    vars: &mut ProblemVariables,
    cons: &mut Vec<good_lp::Constraint>,
) -> Vec<(Element, Expression, f64)> {
    let CoverInputs {
        held,
        from_concentrate,
        magnets,
        need,
        magnet_need,
        grade_reo,
    } = *inputs;
    let window = months / 12.0;
    let mut out = Vec::new();
    // Magnets made from stock, per grade (t magnet).
    let mut made_t = Expression::from(0.0);
    let mut metal_for_magnets: Vec<Expression> =
        (0..N_ELEMENTS).map(|_| Expression::from(0.0)).collect();
    for (g, &d) in magnet_need.iter().enumerate() {
        let reo = grade_reo[g];
        if d <= 0.0 || !reo.support().intersects(elements) {
            continue;
        }
        let n = window * d;
        // Made from stock: never more than the grade's demand.
        let z = vars.add(variable().min(0.0).max(n));
        let got = magnets[g].clone() + z;
        cons.push(constraint!(got.clone() >= n));
        made_t += z;
        for (e, q) in reo.iter() {
            metal_for_magnets[e.index()] += z * q;
        }
        for e in reo.support().iter().filter(|e| elements.contains(*e)) {
            out.push((e, got.clone() * reo[e], n * reo[e]));
        }
    }
    let [_, _, magnet] = conv.usable();
    let metal = if conv.credited {
        conv.metal_by_element
    } else {
        PerElement::ZERO
    };
    for e in Element::ALL {
        let i = e.index();
        // Oxide to oxide, oxide to metal (for metal demand or for
        // magnets), metal to metal (or magnets).
        let x00 = vars.add(variable().min(0.0));
        let x01 = vars.add(variable().min(0.0));
        let x11 = vars.add(variable().min(0.0));
        let y02 = vars.add(variable().min(0.0));
        let y12 = vars.add(variable().min(0.0));
        let ox = held[0][i].clone() + from_concentrate[i].clone();
        let me = held[1][i].clone();
        cons.push(constraint!(x00 + x01 + y02 <= ox));
        cons.push(constraint!(x11 + y12 <= me));
        let into_magnets = metal_for_magnets[i].clone();
        cons.push(constraint!(y02 + y12 >= into_magnets));
        // Each element's metal from the plants whose mix makes it.
        cons.push(constraint!(x01 + y02 <= months * metal[e]));
        if !elements.contains(e) {
            continue;
        }
        for (dst, got) in [(0, Expression::from(x00)), (1, x01 + x11)] {
            let n = window * need[dst][e];
            if n > 0.0 {
                cons.push(constraint!(got.clone() >= n));
                out.push((e, got, n));
            }
        }
    }
    // Magnet plants make any grade under contract: t of magnet.
    let magnet_t = magnet / conv.magnet_reo_per_t.max(1e-9);
    cons.push(constraint!(made_t <= months * magnet_t));
    out
}

/// What the optimiser claims a plan removes of one partner's unmet demand
/// under one scenario, and the shortfall it works on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Claim {
    /// Shortfall of the plan's elements before any release, t REO-eq.
    pub shortfall_t: f64,
    /// What the plan's holdings release into it, t REO-eq.
    pub removed_t: f64,
}

/// What a partner holds for a claim: per engine good (engine units), and
/// its concentrate, each as `(t REO, oxide of each element it yields per
/// t)`.
pub(super) struct Held<'a> {
    pub goods: &'a [f64],
    pub concentrate: &'a [(f64, PerElement)],
}

/// The claim for partner `k` under a profile: the simulator's release rule
/// replayed on the measured shortfall. Each month, each holding releases
/// up to `rate` of what it held at the start, into its own form's
/// shortfall; what it could still release that month reaches the next
/// forms' shortfall through the month's spare conversion capacity (when
/// credited), and the concentrate, separated within the month's spare
/// separation capacity, reaches the shortfall of oxide, then of metal and
/// magnets through what conversion capacity is left.
pub(super) fn claim(
    p: &Profile,
    k: usize,
    held: &Held,
    rate: f64,
    grade_reo: &[PerElement],
    elements: ElementSet,
    conv: Conversion,
) -> Claim {
    let ng = held.goods.len();
    let months = p.shortfall[k].iter().map(Vec::len).max().unwrap_or(0);
    let mut left = held.goods.to_vec();
    let cap: Vec<f64> = held.goods.iter().map(|h| rate * h).collect();
    let mut conc_left: Vec<f64> = held.concentrate.iter().map(|c| c.0).collect();
    let reo: Vec<PerElement> = (0..ng).map(|g| good_reo(grade_reo, g)).collect();
    let content: Vec<f64> = reo.iter().map(|r| r.total_of(elements)).collect();
    let mut shortfall_t = 0.0;
    let mut removed_t = 0.0;
    for t in 0..months {
        // Residual shortfall per element and form, after own-form releases.
        let mut residual = [PerElement::ZERO; FORMS];
        let mut spare = vec![0.0; ng];
        for g in 0..ng {
            let u = p.shortfall[k][g].get(t).copied().unwrap_or(0.0);
            shortfall_t += u * content[g];
            let rel = u.min(cap[g]).min(left[g]).max(0.0);
            left[g] -= rel;
            removed_t += rel * content[g];
            spare[g] = (cap[g] - rel).min(left[g]).max(0.0);
            residual[form_of(g)].add_scaled(&reo[g], u - rel);
        }
        let at = |series: &Vec<Vec<f64>>| series.get(k).and_then(|s| s.get(t)).copied();
        let mut caps = if conv.credited {
            Caps {
                separation: at(&p.spare_sep).unwrap_or(0.0),
                metal: p
                    .spare_metal
                    .get(k)
                    .and_then(|s| s.get(t))
                    .copied()
                    .unwrap_or(PerElement::ZERO),
                magnet: at(&p.spare_magnet).unwrap_or(0.0) * conv.magnet_reo_per_t,
            }
        } else {
            Caps::default()
        };
        // Metal → magnets, then oxide → metal, then oxide → magnets.
        for (src0, dst, via_metal) in [(METAL0, 2, false), (OXIDE0, 1, true), (OXIDE0, 2, true)] {
            for e in elements.iter() {
                let g = src0 + e.index();
                let q = convert(&mut residual, &mut caps, e, dst, via_metal, spare[g]);
                spare[g] -= q;
                left[g] -= q;
                removed_t += q;
            }
        }
        // Concentrate → oxide, then on through what conversion is left.
        for (j, (held0, yields)) in held.concentrate.iter().enumerate() {
            let out_per_t = yields.total_of(elements);
            if out_per_t <= 0.0 || caps.separation <= 0.0 {
                continue;
            }
            let for_need = elements
                .iter()
                .filter(|&e| yields[e] > 0.0)
                .map(|e| (0..FORMS).map(|f| residual[f][e]).sum::<f64>() / yields[e])
                .fold(0.0, f64::max);
            let x = (rate * held0)
                .min(conc_left[j])
                .min(caps.separation / out_per_t)
                .min(for_need)
                .max(0.0);
            conc_left[j] -= x;
            caps.separation -= x * out_per_t;
            for e in elements.iter() {
                let mut q = x * yields[e];
                let own = q.min(residual[0][e]);
                residual[0][e] -= own;
                removed_t += own;
                q -= own;
                for (dst, via_metal) in [(1, true), (2, true)] {
                    let used = convert(&mut residual, &mut caps, e, dst, via_metal, q);
                    q -= used;
                    removed_t += used;
                }
            }
        }
    }
    Claim {
        shortfall_t,
        removed_t,
    }
}

/// A month's spare conversion capacity in a claim, t REO-eq: separation,
/// metal by element (the plants' mixes), magnets.
#[derive(Default)]
struct Caps {
    separation: f64,
    metal: PerElement,
    magnet: f64,
}

/// Converts up to `q` t of element `e` into the residual shortfall of form
/// `dst`, through metal capacity when `via_metal` and magnet capacity when
/// `dst` is magnets; returns what it converted.
fn convert(
    residual: &mut [PerElement; FORMS],
    caps: &mut Caps,
    e: Element,
    dst: usize,
    via_metal: bool,
    q: f64,
) -> f64 {
    let mut x = q.min(residual[dst][e]);
    if via_metal {
        x = x.min(caps.metal[e]);
    }
    if dst == 2 {
        x = x.min(caps.magnet);
    }
    if x <= 0.0 {
        return 0.0;
    }
    residual[dst][e] -= x;
    if via_metal {
        caps.metal[e] -= x;
    }
    if dst == 2 {
        caps.magnet -= x;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nd(t: f64) -> PerElement {
        let mut x = PerElement::ZERO;
        x[Element::Nd] = t;
        x
    }

    /// Spare capacity counts nothing before the shortage, then ramps up
    /// by the simulator's restart smoothing: with a 3-month lag a quarter
    /// in the first month, 1 − 0.75² in the second; no lag, all at once.
    #[test]
    fn spare_capacity_ramps_up_from_the_first_month_of_shortage() {
        let mut p = Profile {
            shortfall: vec![vec![vec![0.0, 0.0, 5.0, 5.0, 0.0]]],
            spare_sep: vec![vec![0.0; 5]],
            spare_metal: vec![vec![nd(100.0); 5]],
            spare_magnet: vec![vec![40.0; 5]],
            ..Profile::default()
        };
        ramp_spare(&mut p, &[[0.0, 3.0, 0.0]]);
        let want = [
            0.0,
            0.0,
            25.0,
            100.0 * (1.0 - 0.75f64.powi(2)),
            100.0 * (1.0 - 0.75f64.powi(3)),
        ];
        for (got, want) in p.spare_metal[0].iter().zip(want) {
            assert!(
                (got[Element::Nd] - want).abs() < 1e-12,
                "{:?}",
                p.spare_metal[0]
            );
        }
        assert_eq!(p.spare_magnet[0], vec![0.0, 0.0, 40.0, 40.0, 40.0]);
    }
}
