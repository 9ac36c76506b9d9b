//! Stockpile purchase rules against hand computation, on the one-country
//! chain of `common`: AA mines and separates 100 t Nd REO a month and buys
//! 50 t; what is left is written off (no working inventory), so a holder
//! may buy it. The holder `reserve` holds 1 t of Nd metal (so that it
//! exists) and buys Nd oxide.

use critmin_model::{CountryCode, Element, Good, Idx, Model, Stockpile};
use critmin_sim::{Network, Overlay};

mod common;
use common::EPS;

fn chain() -> Model {
    let mut m = common::chain(&[("AA", 600.0)], 1.0);
    m.stockpiles.push(Stockpile {
        holder: "reserve".into(),
        country: CountryCode::parse("AA").unwrap(),
        good: Good::Metal {
            element: Element::Nd,
        },
        tonnes: 1.0,
        source: Idx::new(0),
    });
    m
}

/// AA's Nd oxide stockpile and price index, month by month.
fn run(m: &Model, events: &str) -> (Vec<f64>, Vec<f64>) {
    let text = format!("name = \"buy\"\nstart = \"2025-01\"\nhorizon_months = 8\n{events}");
    let s = critmin_format::scenario::parse("b.toml", text.as_bytes(), m)
        .unwrap_or_else(|d| panic!("{d:?}"));
    let rows: Vec<_> = common::nd_oxide_rows(&Network::build(m, &s, &Overlay::default()).unwrap())
        .into_iter()
        .filter(|r| r.country.as_str() == "AA")
        .collect();
    (
        rows.iter().map(|r| r.stockpile_t).collect(),
        rows.iter().map(|r| r.price_index).collect(),
    )
}

const BUY: &str = "\n[[event]]\nkind = \"stockpile_purchase\"\nfrom = \"2025-01\"\nholder = \"reserve\"\nelements = [\"Nd\"]\nform = \"oxide\"\ntarget_t = 120\ntonnes_per_month = 50\nCEILING\n";

#[test]
fn a_holder_buys_what_consumers_leave_at_its_pace_up_to_its_target() {
    // 50 t are left each month: 50, 50, then the 20 t the target lacks.
    // Nobody is rationed, so the price stays at 1.
    let (stock, price) = run(&chain(), &BUY.replace("CEILING", ""));
    let want = [50.0, 100.0, 120.0, 120.0, 120.0, 120.0, 120.0, 120.0];
    for (t, (s, w)) in stock.iter().zip(want).enumerate() {
        assert!(
            (s - w).abs() < 1e-9,
            "month {t}: holds {s} t, by hand {w}\n{stock:?}"
        );
    }
    assert!(price.iter().all(|p| (p - 1.0).abs() < 1e-12));
}

#[test]
fn buying_moves_the_price_and_stops_above_the_ceiling() {
    // The mine at 60 %: 10 t are left after AA's 50 t. The holder asks for
    // 50 t and gets 10: the month's orders (100 t) are rationed to 60 t,
    // so the index rises toward (60/100)^(−1/ε); above the ceiling of 1.5
    // the holder waits until the index falls back below it.
    let outage = "\n[[event]]\nkind = \"facility_outage\"\nfrom = \"2025-01\"\nfacility = \"mine\"\nremaining_share = 0.6\n";
    let events = format!(
        "{outage}{}",
        BUY.replace("CEILING", "max_price_index = 1.5")
    );
    let (stock, price) = run(&chain(), &events);
    let (mut held, mut p) = (0.0f64, 1.0f64);
    for t in 0..stock.len() {
        let ask = if p <= 1.5 {
            50.0f64.min(120.0 - held)
        } else {
            0.0
        };
        let got = ask.min(10.0);
        held += got;
        let target = if got < ask {
            ((50.0 + got) / (50.0 + ask)).powf(-1.0 / EPS)
        } else {
            1.0
        };
        p = (p * target).sqrt();
        assert!(
            (stock[t] - held).abs() < 1e-9,
            "month {t}: holds {}, by hand {held}",
            stock[t]
        );
        assert!(
            (price[t] - p).abs() < 1e-9 * p,
            "month {t}: index {}, by hand {p}",
            price[t]
        );
    }
    assert!(
        price.iter().any(|&q| q > 1.5),
        "the purchases moved the price"
    );
}
