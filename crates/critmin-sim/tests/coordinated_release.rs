//! IEA-style coordinated release against hand computation, on the chain of
//! `common`: AA mines and separates 100 t Nd REO a month and stops all
//! exports; BB wants 50 t a month and holds 500 t, CC wants 150 t and
//! holds 100 t, both releasing everything they may when any of their
//! agreement's demand goes unmet.
//!
//! Coordinated, each contributes its consumption share (BB ¼, CC ¾) of the
//! 200 t shortfall: month 1 BB 50 t, CC 100 t (all it has); the 150 t go
//! pro rata, BB 37.5 t and CC 112.5 t. From month 2 CC has nothing and BB
//! gives its 50 t: 12.5 t and 37.5 t. Pooled pro rata, the 600 t cover the
//! whole 200 t a month for three months.

use critmin_model::{CountryCode, Element, Good, Idx, Model, Stockpile};
use critmin_sim::{Network, Overlay};

mod common;

fn chain() -> Model {
    let mut m = common::chain(&[("BB", 600.0), ("CC", 1800.0)], 1.0);
    for (holder, country, t) in [("bb_reserve", "BB", 500.0), ("cc_reserve", "CC", 100.0)] {
        m.stockpiles.push(Stockpile {
            holder: holder.into(),
            country: CountryCode::parse(country).unwrap(),
            good: Good::Oxide {
                element: Element::Nd,
            },
            tonnes: t,
            source: Idx::new(0),
        });
    }
    m
}

/// Per month, (BB, CC) tonnes served from stockpiles and (BB, CC) held.
fn run(rule: &str) -> Vec<([f64; 2], [f64; 2])> {
    let m = chain();
    let mut text = String::from(
        "name = \"iea\"\nstart = \"2025-01\"\nhorizon_months = 5\n\
         [[event]]\nkind = \"export_restriction\"\nfrom = \"2025-01\"\nexporter = \"AA\"\n\
         importers = \"*\"\nelements = \"all\"\nallowed_share = 0.0\n",
    );
    for h in ["bb_reserve", "cc_reserve"] {
        text.push_str(&format!(
            "[[policy.stockpile]]\nholder = \"{h}\"\ntrigger_unmet_share = 0.0\n\
             max_release_share_per_month = 1.0\n"
        ));
    }
    text.push_str(&format!(
        "[[policy.sharing]]\nname = \"bc\"\nmembers = [\"BB\", \"CC\"]\nrule = \"{rule}\"\n"
    ));
    let s = critmin_format::scenario::parse("iea.toml", text.as_bytes(), &m)
        .unwrap_or_else(|d| panic!("{d:?}"));
    let rows = common::nd_oxide_rows(&Network::build(&m, &s, &Overlay::default()).unwrap());
    let mut out = Vec::new();
    for month in 0..5 {
        let at = |c: &str| {
            rows.iter()
                .filter(|r| r.country.as_str() == c)
                .nth(month)
                .map(|r| (r.from_stockpile_t, r.stockpile_t))
                .unwrap()
        };
        let (b, c) = (at("BB"), at("CC"));
        out.push(([b.0, c.0], [b.1, c.1]));
    }
    out
}

fn close(got: [f64; 2], want: [f64; 2], what: &str, month: usize) {
    for k in 0..2 {
        assert!(
            (got[k] - want[k]).abs() < 1e-9,
            "month {month}: {what} {got:?}, by hand {want:?}"
        );
    }
}

#[test]
fn each_member_contributes_its_consumption_share_and_no_more() {
    let runs = run("coordinated");
    let mut held = [500.0f64, 100.0];
    for (t, (served, stock)) in runs.into_iter().enumerate() {
        // quotas: ¼ and ¾ of the 200 t shortfall, capped by what is left
        let give = [held[0].min(50.0), held[1].min(150.0)];
        let total = give[0] + give[1];
        held = [held[0] - give[0], held[1] - give[1]];
        close(served, [total * 0.25, total * 0.75], "served", t);
        close(stock, held, "held", t);
    }
}

#[test]
fn a_pool_lets_the_large_holder_carry_the_small_one() {
    let runs = run("pro_rata");
    let mut left = 600.0f64;
    for (t, (served, stock)) in runs.into_iter().enumerate() {
        let rel = left.min(200.0);
        left -= rel;
        close(served, [rel * 0.25, rel * 0.75], "served", t);
        // drawn in proportion to what each could release (all it holds)
        assert!(
            (stock[0] + stock[1] - left).abs() < 1e-9,
            "month {t}: {stock:?} vs {left}"
        );
    }
}

#[test]
fn an_unknown_rule_is_refused_with_its_line() {
    let m = chain();
    let text = "name = \"x\"\nstart = \"2025-01\"\nhorizon_months = 2\n\
                [[policy.sharing]]\nname = \"bc\"\nmembers = [\"BB\", \"CC\"]\nrule = \"iea\"\n";
    let d = critmin_format::scenario::parse("x.toml", text.as_bytes(), &m).unwrap_err();
    let msg = format!("{d:?}");
    assert!(
        msg.contains("line: 7") && msg.contains("coordinated"),
        "{msg}"
    );
}
