//! The portfolio chosen on sampled futures (sample-average approximation):
//! the same seed gives the same answer; it is evaluated on futures not used
//! to choose it, and that figure is reported with its standard error; and
//! at USD 3, 4 and 5bn, where the budget binds its marginal value is
//! positive, and the binding stage is named (issue 12's must-show).

use critmin_app::Context;
use critmin_app::ops::optimize::{PortfolioRequest, portfolio};

fn sampled(budget_musd: f64, futures: usize, seed: u64) -> PortfolioRequest {
    PortfolioRequest {
        budget_musd,
        futures: Some(futures),
        seed,
        out_of_sample: 60,
        ..Default::default()
    }
}

#[test]
fn sampled_futures_are_reproducible_and_checked_out_of_sample() {
    let ctx = Context::default();
    let a = portfolio(&sampled(4000.0, 16, 7), &ctx).unwrap();
    let b = portfolio(&sampled(4000.0, 16, 7), &ctx).unwrap();
    assert_eq!(
        serde_json::to_value(&a.result).unwrap(),
        serde_json::to_value(&b.result).unwrap(),
        "same seed, same portfolio and figures"
    );
    assert_eq!(a.provenance.seed, Some(7));
    let r = &a.result;
    let s = r.sampling.as_ref().expect("sampling is reported");
    assert_eq!((s.futures, s.out_of_sample_futures), (16, 60));
    assert!(s.distinct_futures <= 16 && s.distinct_futures == r.scenarios.len());
    let w: f64 = r.scenario_weights.iter().sum();
    assert!((w - 1.0).abs() < 1e-9, "{w}");
    assert!(s.out_of_sample_gain_stderr_musd >= 0.0);
    assert!(
        (s.out_of_sample_baseline_objective
            - s.out_of_sample_objective
            - s.out_of_sample_gain_musd)
            .abs()
            < 1e-6
    );
    // A portfolio that buys something gains out of sample too.
    if !r.selected.is_empty() {
        assert!(s.out_of_sample_gain_musd > 0.0, "{s:?}");
    }
}

#[test]
fn where_the_budget_binds_its_marginal_value_is_positive_and_the_binding_stage_is_named() {
    let ctx = Context::default();
    for budget in [3000.0, 4000.0, 5000.0] {
        let r = portfolio(&sampled(budget, 12, 1), &ctx).unwrap().result;
        assert!(r.binding_stage.is_some(), "{budget}: {:?}", r.stage_relief);
        if r.budget_binds {
            assert!(
                r.marginal_value_next_per_musd.is_some_and(|v| v > 0.0),
                "{budget}: {:?}",
                r.marginal_value_next_per_musd
            );
        } else {
            // Not binding: the next frontier budget buys nothing better.
            let next = r.frontier.iter().find(|f| f.budget_musd > budget).unwrap();
            assert!(next.objective >= r.objective - 1e-3, "{budget}: {next:?}");
        }
        assert!(r.sampling.is_some());
    }
}

#[test]
fn a_budget_too_small_for_the_useful_projects_binds_with_a_positive_marginal_value() {
    let ctx = Context::default();
    let req = PortfolioRequest {
        budget_musd: 200.0,
        frontier_budgets_musd: vec![0.0, 200.0, 500.0],
        ..sampled(200.0, 12, 1)
    };
    let r = portfolio(&req, &ctx).unwrap().result;
    assert!(r.budget_binds, "{:?}", r.frontier);
    assert!(r.marginal_value_next_per_musd.unwrap() > 0.0);
    assert!(r.binding_stage.is_some());
}
