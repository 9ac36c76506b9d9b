//! The stockpile LP: months of cover are met; more months cost more; and
//! simulating the written stockpile keeps each partner's unmet share of
//! each element within the goal plus the stated tolerance
//! (`docs/optimization.md`).

use critmin_model::{CountryCode, Element, ElementSet, Model};
use critmin_opt::stockpile::{StockpileRequest, optimise, simulated_unmet_share};

fn scenario(model: &Model, file: &str) -> critmin_sim::Scenario {
    let (_, text) = critmin_sim::library::LIBRARY
        .iter()
        .find(|(f, _)| *f == file)
        .unwrap();
    critmin_format::scenario::parse(file, text.as_bytes(), model).unwrap()
}

fn request(model: &Model) -> StockpileRequest {
    StockpileRequest {
        partners: vec![
            CountryCode::parse("US").unwrap(),
            CountryCode::parse("JP").unwrap(),
        ],
        elements: ElementSet::parse("magnet").unwrap(),
        target_months: None,
        max_unmet_share: None,
        scenarios: vec![scenario(model, "china-total-ban-12m.toml")],
        cover_year: 2030,
        path: "steady".into(),
        holding_cost_pct_per_yr: 2.0,
        holding_years: 7.0,
        credit_conversion: false,
    }
}

#[test]
fn months_of_cover_are_met_and_more_months_cost_more() {
    let model = critmin_data::baseline();
    let mut last = 0.0;
    for months in [0.0, 6.0, 12.0, 24.0] {
        let mut r = request(&model);
        r.target_months = Some(months);
        let res = optimise(&model, &r).unwrap();
        for c in &res.cover {
            let m = c.cover_months.unwrap();
            assert!(
                m >= months - 1e-6,
                "{} {}: {m} < {months}",
                c.country,
                c.element
            );
        }
        assert!(
            res.cost_musd >= last - 1e-9,
            "{months}: {} < {last}",
            res.cost_musd
        );
        last = res.cost_musd;
    }
    assert!(last > 0.0);
}

#[test]
fn contradictory_requests_are_errors() {
    let model = critmin_data::baseline();
    let r = request(&model);
    assert!(
        optimise(&model, &r)
            .unwrap_err()
            .to_string()
            .contains("give --target-months")
    );
    let mut r = request(&model);
    r.max_unmet_share = Some(1.5);
    assert!(optimise(&model, &r).is_err());
    let mut r = request(&model);
    r.target_months = Some(-3.0);
    assert!(optimise(&model, &r).is_err());
}

/// The tolerance stated in docs/optimization.md: simulated with the
/// written stockpile, each partner's unmet share of Nd and Pr is within
/// 1 percentage point of the goal, and of Dy and Tb within 10 points (the
/// simulator's magnet plants cut production when released magnets meet
/// demand, and released oxide is shared with metal plants, so part of the
/// heavy-element shortfall comes back); every share falls.
#[test]
fn simulating_the_stockpile_keeps_unmet_demand_near_the_goal() {
    let model = critmin_data::baseline();
    for (file, goal) in [
        ("china-total-ban-12m.toml", 0.05),
        ("embargo-japan-2010.toml", 0.02),
    ] {
        let mut r = request(&model);
        r.scenarios = vec![scenario(&model, file)];
        r.max_unmet_share = Some(goal);
        let res = optimise(&model, &r).unwrap();
        let before = simulated_unmet_share(&model, &r, &Default::default()).unwrap();
        let overlay = res.plan(&model).overlay(&model);
        let after = simulated_unmet_share(&model, &r, &overlay).unwrap();
        for (k, c) in r.partners.iter().enumerate() {
            for e in r.elements.iter() {
                let tol = if matches!(e, Element::Nd | Element::Pr) {
                    0.01
                } else {
                    0.10
                };
                let (b, a) = (before[0][k][e], after[0][k][e]);
                assert!(
                    a <= goal + tol && a < b,
                    "{file} {c} {}: simulated unmet share {a:.3} (goal {goal}, tolerance {tol}, before {b:.3})",
                    e.symbol()
                );
            }
        }
    }
}

#[test]
fn a_plan_of_oxide_and_metal_cannot_reach_a_magnet_shortage_and_is_flagged_with_the_reason() {
    // About 12 months of US magnet-REE use held as Nd and Pr oxide and
    // metal, simulated under a year-long Chinese export stop: the US
    // shortage is in magnets, which the stock cannot become, so the check
    // says so.
    let model = critmin_data::baseline();
    let mut req = request(&model);
    req.target_months = Some(12.0);
    let us = CountryCode::parse("US").unwrap();
    let mut plan = critmin_sim::Overlay::default();
    for (good, t) in [
        (
            critmin_model::Good::Oxide {
                element: Element::Nd,
            },
            1500.0,
        ),
        (
            critmin_model::Good::Metal {
                element: Element::Nd,
            },
            1500.0,
        ),
        (
            critmin_model::Good::Oxide {
                element: Element::Pr,
            },
            500.0,
        ),
    ] {
        plan.stockpiles.push(critmin_model::Stockpile {
            holder: "us_nds".into(),
            country: us,
            good,
            tonnes: t,
            source: critmin_model::Idx::new(0),
        });
    }
    let checks = critmin_opt::check_plan(&model, &req, &plan, &[]).unwrap();
    assert_eq!(checks.len(), 2, "one check per partner and scenario");
    let us = checks.iter().find(|c| c.country.as_str() == "US").unwrap();
    assert!((us.removed_t - (us.unmet_without_t - us.unmet_with_t)).abs() < 1e-6);
    let flag = us.flag.as_deref().expect("the US check is flagged");
    assert!(flag.contains("in magnets"), "{flag}");
    // The flag's own arithmetic: less than a fifth of what it could remove.
    assert!(us.removed_t < 0.2 * us.held_t.min(us.unmet_without_t));
    assert_eq!(us.claimed_removed_t, None, "no claim was made for it");
}

/// The least-cost 12-month cover for US+JP, checked under `file`.
fn cover_plan_checks(file: &str, credit_conversion: bool) -> Vec<critmin_opt::PlanCheck> {
    let model = critmin_data::baseline();
    let mut req = request(&model);
    req.target_months = Some(12.0);
    req.scenarios = vec![scenario(&model, file)];
    req.credit_conversion = credit_conversion;
    let r = optimise(&model, &req).unwrap();
    assert!(
        r.holdings
            .iter()
            .any(|h| h.form == critmin_model::Form::Magnet && h.tonnes > 100.0),
        "a magnet shortage is covered with magnets: {:?}",
        r.holdings
    );
    critmin_opt::check_plan(&model, &req, &r.plan(&model).overlay(&model), &r.claims).unwrap()
}

#[test]
fn the_least_cost_12_month_cover_removes_at_least_80_percent_of_what_it_claims() {
    // The must-show: simulated under a 12-month total Chinese
    // export stop — alone and with the US–Japan pooled release — the
    // plan removes at least 80 % of the unmet demand the optimiser claims
    // it removes, for each partner and for both together.
    for file in [
        "china-total-ban-12m.toml",
        "china-total-ban-12m-shared.toml",
    ] {
        let checks = cover_plan_checks(file, false);
        assert_eq!(checks.len(), 2);
        let (mut removed, mut claimed) = (0.0, 0.0);
        for c in &checks {
            let cl = c.claimed_removed_t.expect("a claim per partner");
            assert!(
                cl > 100.0,
                "{file} {}: the claim is substantial ({cl})",
                c.country
            );
            let a = c.agreement.unwrap();
            assert!(a >= 0.8, "{file} {}: {:.3} of the claim", c.country, a);
            assert!(c.flag.is_none(), "{file}: {:?}", c.flag);
            removed += c.removed_t;
            claimed += cl;
        }
        assert!(removed >= 0.8 * claimed, "{file}: {removed} of {claimed}");
    }
}

#[test]
fn counting_on_conversion_that_the_market_does_not_deliver_is_flagged() {
    // With the partners' spare metal and magnet capacity counted on, the
    // optimiser buys cheaper oxide and metal for the US; the simulation
    // delivers much less of the claim (the plants sell into the world
    // market), and the check flags it.
    let checks = cover_plan_checks("china-total-ban-12m.toml", true);
    let us = checks.iter().find(|c| c.country.as_str() == "US").unwrap();
    assert!(us.agreement.unwrap() < 0.8, "{us:?}");
    assert!(us.flag.as_deref().unwrap().contains("claimed"), "{us:?}");
}
