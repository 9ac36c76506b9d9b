//! The lexicographic maximum of a market, by LP: maximise what tier 0 is
//! served over every routing; fix it; maximise tier 1; and so on. The
//! simulator's allocator (`critmin_sim::Allocator`) claims to reach the same
//! per-tier totals without a solver; tests compare the two.

use critmin_sim::{Buyer, Cap};
use good_lp::{Expression, ProblemVariables, Solution, SolverModel, constraint, highs, variable};

/// Why the LP could not be solved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LexError {
    /// HiGHS reported a problem.
    #[error("the solver failed: {0}")]
    Solver(String),
}

/// Per-tier totals served at the lexicographic optimum of a market with
/// `supply` per country, `buyers` and capped routes `caps`.
pub fn lexmax_per_tier(
    supply: &[f64],
    buyers: &[Buyer],
    caps: &[Cap],
    n_tiers: usize,
) -> Result<Vec<f64>, LexError> {
    let n = supply.len();
    let mut fixed: Vec<f64> = Vec::new();
    for tier in 0..n_tiers {
        let mut vars = ProblemVariables::new();
        // x[i][j]: from country i to buyer j.
        let x: Vec<Vec<good_lp::Variable>> = (0..n)
            .map(|_| {
                buyers
                    .iter()
                    .map(|_| vars.add(variable().min(0.0)))
                    .collect()
            })
            .collect();
        let served = |j: usize| -> Expression { (0..n).map(|i| x[i][j]).sum() };
        let tier_total = |t: usize| -> Expression {
            buyers
                .iter()
                .enumerate()
                .filter(|(_, b)| b.tier == t)
                .map(|(j, _)| served(j))
                .sum()
        };
        let objective = tier_total(tier);
        let mut model = vars.maximise(objective.clone()).using(highs);
        model.set_verbose(false);
        for i in 0..n {
            let out: Expression = (0..buyers.len()).map(|j| x[i][j]).sum();
            model = model.with(constraint!(out <= supply[i].max(0.0)));
        }
        for (j, b) in buyers.iter().enumerate() {
            model = model.with(constraint!(served(j) <= b.demand.max(0.0)));
        }
        for c in caps.iter().filter(|c| c.exporter != c.importer) {
            let routed: Expression = buyers
                .iter()
                .enumerate()
                .filter(|(_, b)| b.country == c.importer)
                .map(|(j, _)| x[c.exporter][j])
                .sum();
            model = model.with(constraint!(routed <= c.max.max(0.0)));
        }
        for (t, &v) in fixed.iter().enumerate() {
            model = model.with(constraint!(tier_total(t) >= v * (1.0 - 1e-9) - 1e-9));
        }
        let sol = model.solve().map_err(|e| LexError::Solver(e.to_string()))?;
        fixed.push(sol.eval(&objective));
    }
    Ok(fixed)
}
