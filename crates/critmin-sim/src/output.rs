//! Monthly series of a run as rows, for tables, JSON and CSV: the
//! [`MonthlyRecorder`] walks each month's statistics cell by cell.

use crate::engine::{MonthStats, Recorder};
use crate::network::Network;
use critmin_model::{CountryCode, Element, Form, Month};
use serde::Serialize;

/// One country, element and form in one month (t REO-eq).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyRow {
    /// Month.
    pub month: Month,
    /// Country.
    pub country: CountryCode,
    /// Element (serialised as its symbol).
    pub element: Element,
    /// Form: oxide, metal or magnet (magnets by element content).
    pub form: Form,
    /// Final demand as the dataset states it, before any answer to price.
    pub wanted_t: f64,
    /// Of `wanted_t`, lost to price (substitution and the short-run
    /// response): not asked for at the going price.
    pub lost_to_price_t: f64,
    /// Final demand at the going price (`wanted_t − lost_to_price_t`).
    pub demand_t: f64,
    /// Served (market and stockpiles).
    pub served_t: f64,
    /// Unmet: asked for at the going price and not served (rationed).
    pub unmet_t: f64,
    /// Of `served_t`, from stockpiles.
    pub from_stockpile_t: f64,
    /// Price index (1.0 = baseline).
    pub price_index: f64,
    /// Stockpile held in the country at the end of the month.
    pub stockpile_t: f64,
    /// Final buyers' own precautionary stock at the end of the month.
    pub buyer_stock_t: f64,
}

/// Collects [`MonthlyRow`]s for the countries asked for (all if empty),
/// leaving out cells with neither demand nor stockpile.
#[derive(Debug, Default)]
pub struct MonthlyRecorder {
    /// Countries to keep (empty = all).
    pub countries: Vec<CountryCode>,
    /// The rows, by month, country, element, form.
    pub rows: Vec<MonthlyRow>,
}

impl Recorder for MonthlyRecorder {
    fn month(&mut self, net: &Network, _t: usize, s: &MonthStats) {
        let Some(month) = s.month else { return };
        for (c, code) in net.countries_indexed() {
            if !self.countries.is_empty() && !self.countries.contains(&code) {
                continue;
            }
            for cell in s.country_cells(c) {
                let i = cell.index;
                if s.demand[i] <= 0.0 && s.stockpile[i] <= 0.0 {
                    continue;
                }
                self.rows.push(MonthlyRow {
                    month,
                    country: code,
                    element: cell.element,
                    form: cell.form.form(),
                    wanted_t: s.wanted[i],
                    lost_to_price_t: (s.wanted[i] - s.demand[i]).max(0.0),
                    demand_t: s.demand[i],
                    served_t: s.served[i],
                    unmet_t: (s.demand[i] - s.served[i]).max(0.0),
                    from_stockpile_t: s.from_stockpile[i],
                    price_index: s.price_index[i],
                    stockpile_t: s.stockpile[i],
                    buyer_stock_t: s.buyer_stock[i],
                });
            }
        }
    }
}
