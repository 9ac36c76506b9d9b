//! Pooled release: partners in one sharing agreement release their
//! holdings into a common pool, shared in proportion to each member's
//! unmet demand (the simulator's `pro_rata` rule; docs/simulation.md).
//!
//! The LP sees release scope by scope. In each scenario a *scope* is the
//! set of profiled countries in one agreement (the first that names them,
//! as the simulator takes it), or one country outside any. For each
//! scope, good and month the pool releases a fraction `φ ∈ [0, 1]` of the
//! scope's combined shortfall `U`, the same fraction to every member —
//! which is pro-rata sharing written linearly:
//!
//! ```text
//! φ_t · U_t ≤ Σ_k rate_k · held_k          (each month)
//! Σ_t φ_t · U_t ≤ Σ_k held_k               (in all)
//! unmet_k = Σ_t (1 − φ_t) · u_{k,t}         (each member)
//! ```
//!
//! An agreement under the `coordinated` rule (IEA-style collective
//! action) releases the same way but draws member by member: each
//! contributes at most its share of the members' final demand of the good
//! times the scope's shortfall, and no member makes up another's share
//! (`ReleaseGoal::add_coordinated`).
//!
//! A scope of one country is the partner covering itself (`φ u` is then
//! any release between 0 and `u`). Members of a partner's agreement that
//! are not partners themselves are profiled too: their shortfall draws on
//! the pool and their existing stock feeds it, but the LP buys nothing
//! for them and sets them no goal.

use super::Profile;
use super::forms::Claim;
use crate::chain::good_reo;
use critmin_model::{
    CountryCode, Element, ElementSet, N_ELEMENTS, PerElement, Scenario, SharingAgreement,
    SharingRule,
};
use good_lp::{Expression, ProblemVariables, Variable, constraint, variable};
use serde::Serialize;

/// The name of the agreement [`pooled`] writes into each scenario.
pub const POOL_NAME: &str = "critmin-pool";

/// The scenarios with every partner in one sharing agreement under
/// `rule` (taken out of any agreement the scenario had them in).
pub fn pooled(
    scenarios: &[Scenario],
    partners: &[CountryCode],
    rule: SharingRule,
) -> Vec<Scenario> {
    separate(scenarios, partners)
        .into_iter()
        .map(|mut s| {
            s.policy.sharing.push(SharingAgreement {
                name: POOL_NAME.to_string(),
                members: partners.to_vec(),
                rule,
            });
            s
        })
        .collect()
}

/// The scenarios with every partner taken out of every sharing agreement
/// (each covers itself); agreements left empty are dropped.
pub fn separate(scenarios: &[Scenario], partners: &[CountryCode]) -> Vec<Scenario> {
    scenarios
        .iter()
        .map(|s| {
            let mut s = s.clone();
            for a in &mut s.policy.sharing {
                a.members.retain(|c| !partners.contains(c));
            }
            s.policy.sharing.retain(|a| !a.members.is_empty());
            s
        })
        .collect()
}

/// The countries whose shortfall the LP sees: the partners, then, in
/// order of first appearance, the other members of any agreement a
/// partner is in, in any scenario.
pub(super) fn profiled_countries(
    partners: &[CountryCode],
    scenarios: &[Scenario],
) -> Vec<CountryCode> {
    let mut out = partners.to_vec();
    for s in scenarios {
        for a in &s.policy.sharing {
            if a.members.iter().any(|c| partners.contains(c)) {
                for c in &a.members {
                    if !out.contains(c) {
                        out.push(*c);
                    }
                }
            }
        }
    }
    out
}

/// One release scope: indices of profiled countries that release
/// together, and whether they do so as an IEA-style coordinated release
/// (each member contributing its consumption share) rather than a pool.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Scope {
    pub members: Vec<usize>,
    pub coordinated: bool,
}

impl std::ops::Deref for Scope {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        &self.members
    }
}

/// The release scopes of `scenario` over `countries` (indices into it):
/// the countries of one agreement together, each other country alone.
pub(super) fn scopes(scenario: &Scenario, countries: &[CountryCode]) -> Vec<Scope> {
    let agreement_of = |c: CountryCode| {
        scenario
            .policy
            .sharing
            .iter()
            .position(|a| a.members.contains(&c))
    };
    let mut out: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
    for (k, &c) in countries.iter().enumerate() {
        let a = agreement_of(c);
        match out.iter_mut().find(|(b, _)| a.is_some() && *b == a) {
            Some((_, members)) => members.push(k),
            None => out.push((a, vec![k])),
        }
    }
    out.into_iter()
        .map(|(a, members)| Scope {
            members,
            coordinated: a
                .is_some_and(|a| scenario.policy.sharing[a].rule == SharingRule::Coordinated),
        })
        .collect()
}

/// Whether any scenario puts two or more of the first `n_partners`
/// countries in one scope.
pub(super) fn any_pooled(all_scopes: &[Vec<Scope>], n_partners: usize) -> bool {
    all_scopes
        .iter()
        .flatten()
        .any(|s| s.iter().filter(|&&k| k < n_partners).count() >= 2)
}

/// The unmet-share goal of every partner, scope by scope: in every
/// scenario, the shortfall the simulator measured, less the pooled
/// release of the scope, stays within `share` of the partner's demand.
pub(super) struct ReleaseGoal<'a> {
    pub share: f64,
    /// The first `n_partners` profiled countries have goals.
    pub n_partners: usize,
    /// `[scenario][country]` monthly release share of the holder's rule.
    pub rate: &'a [Vec<f64>],
    /// `[country][good]` purchase variable (`None`: not allowed).
    pub h: &'a [Vec<Option<Variable>>],
    /// `[country][good]` holdings before purchase (engine units).
    pub existing: &'a [Vec<f64>],
    pub grade_reo: &'a [PerElement],
    pub elements: ElementSet,
}

/// One recorded unmet-share goal: `(partner, element, scenario, unmet
/// expression, demand)`.
pub(super) type ShareCon = (usize, Element, usize, Expression, f64);

impl ReleaseGoal<'_> {
    fn held(&self, k: usize, g: usize) -> Expression {
        match self.h[k][g] {
            Some(v) => v + self.existing[k][g],
            None => Expression::from(self.existing[k][g]),
        }
    }

    /// Adds the release variables and constraints of every scenario's
    /// scopes, and the partners' goals.
    pub fn add(
        &self,
        all_scopes: &[Vec<Scope>],
        profiles: &[Profile],
        vars: &mut ProblemVariables,
        cons: &mut Vec<good_lp::Constraint>,
    ) -> Vec<ShareCon> {
        let mut share_cons = Vec::new();
        let ng = self.existing.first().map_or(0, Vec::len);
        for (si, (p, scopes)) in profiles.iter().zip(all_scopes).enumerate() {
            let mut unmet: Vec<Vec<Expression>> = (0..self.n_partners)
                .map(|_| (0..N_ELEMENTS).map(|_| Expression::from(0.0)).collect())
                .collect();
            for scope in scopes {
                for g in 0..ng {
                    self.add_scope_good(si, scope, g, p, vars, cons, &mut unmet);
                }
            }
            for (k, by_element) in unmet.into_iter().enumerate() {
                for e in self.elements.iter() {
                    let d = p.demand[k][e];
                    if d <= 0.0 {
                        continue;
                    }
                    let u = by_element[e.index()].clone();
                    cons.push(constraint!(u.clone() <= self.share * d));
                    share_cons.push((k, e, si, u, d));
                }
            }
        }
        share_cons
    }

    /// One scope's release of good `g` in scenario `si`, adding to each
    /// partner member's unmet expression per element.
    #[allow(clippy::too_many_arguments)]
    fn add_scope_good(
        &self,
        si: usize,
        scope: &Scope,
        g: usize,
        p: &Profile,
        vars: &mut ProblemVariables,
        cons: &mut Vec<good_lp::Constraint>,
        unmet: &mut [Vec<Expression>],
    ) {
        let series = |k: usize| -> &[f64] { &p.shortfall[k][g] };
        let totals: Vec<f64> = scope.iter().map(|&k| series(k).iter().sum()).collect();
        if totals.iter().all(|&t| t <= 0.0) {
            return;
        }
        let reo = good_reo(self.grade_reo, g);
        let can_hold = scope
            .iter()
            .any(|&k| self.h[k][g].is_some() || self.existing[k][g] > 0.0);
        let mut released: Vec<Expression> = scope.iter().map(|_| Expression::from(0.0)).collect();
        if can_hold && scope.coordinated {
            self.add_coordinated(si, scope, g, p, vars, cons, &mut released);
        } else if can_hold {
            let mut pool = Expression::from(0.0);
            let mut cap = Expression::from(0.0);
            for &k in scope.iter() {
                pool += self.held(k, g);
                cap += self.held(k, g) * self.rate[si][k];
            }
            let mut all = Expression::from(0.0);
            for u in monthly_shortfalls(p, scope, g) {
                let total: f64 = u.iter().sum();
                if total <= 0.0 {
                    continue;
                }
                let phi = vars.add(variable().min(0.0).max(1.0));
                cons.push(constraint!(phi * total <= cap.clone()));
                all += phi * total;
                for (j, &uk) in u.iter().enumerate() {
                    released[j] += phi * uk;
                }
            }
            cons.push(constraint!(all <= pool));
        }
        for (j, &k) in scope.iter().enumerate() {
            if k >= self.n_partners || totals[j] <= 0.0 {
                continue;
            }
            for e in self.elements.iter() {
                if reo[e] > 0.0 {
                    unmet[k][e.index()] +=
                        (Expression::from(totals[j]) - released[j].clone()) * reo[e];
                }
            }
        }
    }
}

impl ReleaseGoal<'_> {
    /// An IEA-style coordinated release of good `g` in scenario `si`: each
    /// month member `k` contributes `c_{k,t}` up to its consumption share
    /// `s_k` of the scope's shortfall `U_t`, its rule's monthly share of
    /// what it holds, and in all what it holds; the contributions go to
    /// the members pro rata, as `φ_t = Σ_k c_{k,t} ÷ U_t`.
    ///
    /// ```text
    /// c_{k,t} ≤ s_k · U_t,   c_{k,t} ≤ rate_k · held_k,   Σ_t c_{k,t} ≤ held_k
    /// ```
    #[allow(clippy::too_many_arguments)]
    fn add_coordinated(
        &self,
        si: usize,
        scope: &Scope,
        g: usize,
        p: &Profile,
        vars: &mut ProblemVariables,
        cons: &mut Vec<good_lp::Constraint>,
        released: &mut [Expression],
    ) {
        let shares = consumption_shares(p, scope, g);
        let mut all: Vec<Expression> = scope.iter().map(|_| Expression::from(0.0)).collect();
        for u in monthly_shortfalls(p, scope, g) {
            let total: f64 = u.iter().sum();
            if total <= 0.0 {
                continue;
            }
            let mut given = Expression::from(0.0);
            for (j, &k) in scope.iter().enumerate() {
                if shares[j] <= 0.0 {
                    continue;
                }
                let c = vars.add(variable().min(0.0).max(shares[j] * total));
                cons.push(constraint!(c <= self.held(k, g) * self.rate[si][k]));
                all[j] += c;
                given += c;
            }
            for (j, &uk) in u.iter().enumerate() {
                released[j] += given.clone() * (uk / total);
            }
        }
        for (j, &k) in scope.iter().enumerate() {
            cons.push(constraint!(all[j].clone() <= self.held(k, g)));
        }
    }
}

/// Month by month, each member's shortfall of good `g` (none below zero;
/// a member whose series is shorter counts zero).
fn monthly_shortfalls<'p>(
    p: &'p Profile,
    scope: &'p [usize],
    g: usize,
) -> impl Iterator<Item = Vec<f64>> + 'p {
    let months = scope
        .iter()
        .map(|&k| p.shortfall[k][g].len())
        .max()
        .unwrap_or(0);
    (0..months).map(move |t| {
        scope
            .iter()
            .map(|&k| p.shortfall[k][g].get(t).copied().unwrap_or(0.0).max(0.0))
            .collect()
    })
}

/// Each member's share of the scope's consumption of good `g` (zero for
/// all when none of them consumes it).
fn consumption_shares(p: &Profile, scope: &[usize], g: usize) -> Vec<f64> {
    let use_by: Vec<f64> = scope.iter().map(|&k| p.consumption[k][g]).collect();
    let total: f64 = use_by.iter().sum();
    use_by
        .iter()
        .map(|u| if total > 0.0 { u / total } else { 0.0 })
        .collect()
}

/// The claim for the members of one pooled scope under a profile: the
/// simulator's pooled release replayed on the measured shortfall. Each
/// month and good, the pool releases up to the members' rule shares of
/// what they held at the start (and no more than is left), shared in
/// proportion to each member's shortfall. Conversion through the members'
/// plants is not credited to a pool. `held[k]` is per engine good.
pub(super) fn pooled_claims(
    p: &Profile,
    scope: &Scope,
    held: &[Vec<f64>],
    rate: &[f64],
    grade_reo: &[PerElement],
    elements: ElementSet,
) -> Vec<Claim> {
    let ng = held.first().map_or(0, Vec::len);
    let mut out = vec![
        Claim {
            shortfall_t: 0.0,
            removed_t: 0.0,
        };
        scope.len()
    ];
    for g in 0..ng {
        let content = good_reo(grade_reo, g).total_of(elements);
        if content <= 0.0 {
            continue;
        }
        let cap: f64 = scope.iter().map(|&k| rate[k] * held[k][g]).sum();
        let mut left: f64 = scope.iter().map(|&k| held[k][g]).sum();
        // a coordinated release: what each member has left
        let shares = consumption_shares(p, scope, g);
        let mut left_by: Vec<f64> = scope.iter().map(|&k| held[k][g]).collect();
        for u in monthly_shortfalls(p, scope, g) {
            let total: f64 = u.iter().sum();
            let rel = if scope.coordinated {
                let mut rel = 0.0;
                for (j, &k) in scope.iter().enumerate() {
                    let c = (shares[j] * total)
                        .min(rate[k] * held[k][g])
                        .min(left_by[j])
                        .max(0.0);
                    left_by[j] -= c;
                    rel += c;
                }
                rel
            } else {
                let rel = total.min(cap).min(left).max(0.0);
                left -= rel;
                rel
            };
            for (j, &uk) in u.iter().enumerate() {
                out[j].shortfall_t += uk * content;
                if total > 0.0 {
                    out[j].removed_t += rel * uk / total * content;
                }
            }
        }
    }
    out
}

/// The value of coordination: the pooled plan's cost against the sum of
/// the partners' separate plans for the same goals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coordination {
    /// The pooled plan's cost, USD million.
    pub joint_cost_musd: f64,
    /// The sum of the separate plans' costs, USD million.
    pub separate_cost_musd: f64,
    /// `separate − joint`, USD million.
    pub saving_musd: f64,
    /// `saving ÷ separate` (none when nothing is bought separately).
    pub saving_share: Option<f64>,
    /// Per partner, what it buys in each plan.
    pub by_partner: Vec<PartnerCost>,
    /// The separate plans checked by simulation under the separate
    /// scenarios, as the pooled plan is under the pooled ones, so that
    /// both sides of the comparison are verified (set by the caller that
    /// runs the check; empty until then).
    pub separate_checks: Vec<super::check::PlanCheck>,
}

/// One partner's purchases, pooled and separate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnerCost {
    /// Partner.
    pub country: CountryCode,
    /// Cost of its purchases in the pooled plan, USD million.
    pub joint_musd: f64,
    /// Cost of its purchases in its separate plan, USD million.
    pub separate_musd: f64,
}

impl Coordination {
    /// Compares a pooled and a separate result for the same request.
    pub fn of(
        joint: &super::StockpileResult,
        separate: &super::StockpileResult,
        partners: &[CountryCode],
    ) -> Coordination {
        let cost = |r: &super::StockpileResult, c: CountryCode| -> f64 {
            r.holdings
                .iter()
                .filter(|h| h.country == c)
                .map(|h| h.cost_musd)
                .sum()
        };
        let saving = separate.cost_musd - joint.cost_musd;
        Coordination {
            joint_cost_musd: joint.cost_musd,
            separate_cost_musd: separate.cost_musd,
            saving_musd: saving,
            saving_share: (separate.cost_musd > 1e-9).then(|| saving / separate.cost_musd),
            by_partner: partners
                .iter()
                .map(|&c| PartnerCost {
                    country: c,
                    joint_musd: cost(joint, c),
                    separate_musd: cost(separate, c),
                })
                .collect(),
            separate_checks: Vec::new(),
        }
    }
}
