//! Precautionary stocks against hand computation, on the small chain of
//! `common`: AA mines and separates 100 t Nd REO a month and buys 30 t of
//! it, BB buys 30 t, and 40 t a month are left over (written off: the
//! chain holds no working inventory). From January to March AA may export
//! only 40 % of BB's normal 30 t. BB's final buyers keep a precautionary
//! stock: smoothing 0 months (the price is compared with the month
//! before's), a trigger at a rise of 25 %, at most 4 months of their 30 t,
//! built at 1 month a month and released at 0.2 months a month.

use critmin_model::{CountryCode, Element, Form, Model, Precaution, Stage};
use critmin_sim::{MonthlyRecorder, MonthlyRow, Network, Overlay, simulate_with};

mod common;
use common::EPS;

const MONTHLY_T: f64 = 30.0;

fn chain(with_precaution: bool) -> Model {
    let mut m = common::chain(&[("AA", 12.0 * MONTHLY_T), ("BB", 12.0 * MONTHLY_T)], 1.0);
    if with_precaution {
        m.precaution.push(Precaution {
            country: Some(CountryCode::parse("BB").unwrap()),
            stage: Stage::EndUse,
            smoothing_months: 0.0,
            trigger_rise: 0.25,
            max_months: 4.0,
            build_months_per_month: 1.0,
            release_months_per_month: 0.2,
            source: critmin_model::Idx::new(0),
        });
    }
    m
}

/// BB's Nd oxide rows month by month.
fn bb_rows(m: &Model, months: u32) -> Vec<MonthlyRow> {
    let text = format!(
        "name = \"cap\"\nstart = \"2025-01\"\nhorizon_months = {months}\n\n[[event]]\nkind = \"export_restriction\"\nfrom = \"2025-01\"\nto = \"2025-03\"\nexporter = \"AA\"\nallowed_share = 0.4\n"
    );
    let s = critmin_format::scenario::parse("p.toml", text.as_bytes(), m).unwrap();
    let net = Network::build(m, &s, &Overlay::default()).unwrap();
    let mut rec = MonthlyRecorder::default();
    let summary = simulate_with(&net, &mut rec);
    assert!(summary.max_balance_error_ratio <= 1.0, "mass balance");
    rec.rows
        .into_iter()
        .filter(|r| r.country.as_str() == "BB" && r.element == Element::Nd && r.form == Form::Oxide)
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn buyers_stock_up_while_prices_rise_and_draw_the_stock_down_once_they_fall() {
    let rows = bb_rows(&chain(true), 24);
    let price: Vec<f64> = rows.iter().map(|r| r.price_index).collect();
    let stock: Vec<f64> = rows.iter().map(|r| r.buyer_stock_t).collect();
    let served: Vec<f64> = rows.iter().map(|r| r.served_t).collect();
    // By hand. January: nothing has risen yet; BB gets its capped 12 t of
    // 30 and bids toward (12/30)^(−1/ε) from 1 (half the gap in log
    // space: the square root).
    let p0 = (0.4f64.powf(-1.0 / EPS)).sqrt();
    // February: the index rose from 1 to p0, past the trigger: one month
    // of stock is wanted, half the 30 t gap is ordered below every
    // consumer; the cap is used up by consumption, so the order gets
    // nothing, and the price sees 12 t served of 30 + 15 t asked: the
    // target (12/45)^(−4) is above the ceiling of 100.
    let p1 = (p0 * 100.0).sqrt();
    // March: two months wanted, 30 t ordered, nothing got: the ceiling
    // again.
    let p2 = (p1 * 100.0).sqrt();
    // Meanwhile AA is walled off: its cap binds and it is left with 58 t
    // of its 100 t (it holds no working stock), so its index falls from 1
    // toward ((30 + 58) / 30)^(−1/ε), held at the floor.
    let floor = common::MIN_INDEX;
    let aa_target = ((30.0 + 58.0) / 30.0f64).powf(-1.0 / EPS).max(floor);
    let a0 = aa_target.sqrt();
    let a1 = (a0 * aa_target).sqrt();
    let a2 = (a1 * aa_target).sqrt();
    // April, free trade: three months wanted (90 t), 45 t ordered; AA's
    // and BB's 60 t of use are served first, the order gets the 40 t left.
    // AA and BB form one market again, starting from the mean of their
    // prices weighted by what each asked (AA 30 t, BB 30 + 45 t), and
    // heading for 100 t served of 105 t asked.
    let merged = (30.0 * a2 + 75.0 * p2) / 105.0;
    let p3 = (merged * (100.0f64 / 105.0).powf(-1.0 / EPS)).sqrt();
    // May: the index fell (p3 < p2): 2.8 months wanted (84 t), half the
    // 44 t gap (22 t) ordered and served; nobody is short, so the index
    // heads back to 1.
    // June: 2.6 months (78 t) wanted, 8 t ordered; July: 2.4 months (72 t),
    // 1 t; from August the target is below the stock, which serves BB's
    // use by what it exceeds the target: 0.2 months (6 t) a month.
    let mut want_stock = vec![0.0, 0.0, 0.0, 40.0, 62.0, 70.0, 71.0, 66.0];
    while want_stock.len() < 24 {
        let last = *want_stock.last().unwrap();
        want_stock.push((last - 0.2 * MONTHLY_T).max(0.0));
    }
    for (t, want) in [p0, p1, p2, p3].iter().enumerate() {
        assert!(
            close(price[t], *want),
            "month {t}: index {} by hand {want}",
            price[t]
        );
    }
    assert!(price[4] < price[3] && price[4] > 1.0);
    for t in 0..24 {
        assert!(
            (stock[t] - want_stock[t]).abs() < 1e-9,
            "month {t}: BB's buyers hold {} t, by hand {}\n{stock:?}",
            stock[t],
            want_stock[t]
        );
        let want_served = if t < 3 { 12.0 } else { MONTHLY_T };
        assert!(
            close(served[t], want_served),
            "month {t}: served {}",
            served[t]
        );
    }
    // The stock is gone by month 18 (2.2 months at 0.2 a month from July).
    assert_eq!(stock[18], 0.0);
}

#[test]
fn precautionary_buying_raises_the_price_of_a_shortage() {
    let with = bb_rows(&chain(true), 6);
    let without = bb_rows(&chain(false), 6);
    for t in 0..3 {
        assert!(
            with[t].price_index >= without[t].price_index - 1e-12,
            "month {t}: {} with precaution vs {} without",
            with[t].price_index,
            without[t].price_index
        );
    }
    assert!(with[1].price_index > without[1].price_index);
    // Without precaution no buyer holds stock.
    assert!(without.iter().all(|r| r.buyer_stock_t == 0.0));
}
