//! [`Model`]: the static input data of the rare-earth chain — the "ground
//! state" everything else in critmin is derived from.

use crate::{
    Benchmark, CapacityTrend, Composition, ConcentratePrice, ConcentrateStock, Country,
    CountryCode, DemandResponse, DemandRow, ElementRisk, Facility, Governance, Group, GrowthPath,
    Idx, InventoryPolicy, MagnetPrice, MagnetRecipe, MineProduction, Month, Precaution, Price,
    PriceResponse, ProcessingCost, Project, SectorValue, Source, Stockpile, StockpileTarget,
    SupplyResponse,
};
use serde::Serialize;

/// A complete, validated dataset. Every cross-reference (a facility's ore,
/// a row's source) has been resolved to an [`Idx`], so code that holds a
/// `Model` may index its tables without checks.
///
/// Build one with `critmin-data` (which reads and validates the CSV format)
/// or by hand in tests.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Model {
    /// Dataset name.
    pub name: String,
    /// One-paragraph description.
    pub description: String,
    /// The base year: the year facility utilisation and demand describe.
    pub base_year: i32,
    /// The sources table.
    pub sources: Vec<Source>,
    /// The countries known to the dataset.
    pub countries: Vec<Country>,
    /// Named groups, incl. `allied` and `us_jp`.
    pub groups: Vec<Group>,
    /// Ore and product compositions.
    pub compositions: Vec<Composition>,
    /// Magnet recipes by grade.
    pub recipes: Vec<MagnetRecipe>,
    /// Facilities at every stage, incl. planned ones.
    pub facilities: Vec<Facility>,
    /// Growth of the capacity of a country's facilities at a stage after
    /// the base year (see [`Model::capacity_factor`]).
    pub capacity_trends: Vec<CapacityTrend>,
    /// Working inventory rules.
    pub inventories: Vec<InventoryPolicy>,
    /// Base-year demand.
    pub demand: Vec<DemandRow>,
    /// Named demand growth paths.
    pub growth_paths: Vec<GrowthPath>,
    /// Strategic stockpiles.
    pub stockpiles: Vec<Stockpile>,
    /// Strategic stocks of concentrate.
    pub concentrate_stocks: Vec<ConcentrateStock>,
    /// Stockpile targets.
    pub stockpile_targets: Vec<StockpileTarget>,
    /// The project pipeline.
    pub projects: Vec<Project>,
    /// Published national mine production and reserves.
    pub mine_production: Vec<MineProduction>,
    /// Published aggregates the facility data must reproduce.
    pub benchmarks: Vec<Benchmark>,
    /// Baseline prices.
    pub prices: Vec<Price>,
    /// Finished-magnet prices by grade (none: magnets are valued at their
    /// metal content).
    pub magnet_prices: Vec<MagnetPrice>,
    /// Concentrate prices by mine (none: the stockpile optimiser offers no
    /// concentrate).
    pub concentrate_prices: Vec<ConcentratePrice>,
    /// Value added and allied cost premium by stage (none: portfolios
    /// report no premium).
    pub processing_costs: Vec<ProcessingCost>,
    /// How scarcity moves prices, by element and form.
    pub price_response: Vec<PriceResponse>,
    /// How final demand answers price, by sector and elements (a demand
    /// row with no matching row does not).
    pub demand_response: Vec<DemandResponse>,
    /// How facilities answer price, by stage and country (a facility with
    /// no matching row keeps the instant utilisation response of
    /// `price_response.csv` and builds nothing).
    pub supply_response: Vec<SupplyResponse>,
    /// How buyers hold precautionary stock, by stage and country (none
    /// without a matching row).
    pub precaution: Vec<Precaution>,
    /// Governance and trade-restriction inputs per producing country.
    pub governance: Vec<Governance>,
    /// Supply-risk inputs per element.
    pub element_risk: Vec<ElementRisk>,
    /// Value added per end-use sector.
    pub sector_values: Vec<SectorValue>,
}

/// Tables whose rows can be looked up by [`Idx`].
pub trait Table<T> {
    /// The row at `i`.
    fn get(&self, i: Idx<T>) -> &T;
}

macro_rules! table {
    ($t:ty, $field:ident) => {
        impl Table<$t> for Model {
            fn get(&self, i: Idx<$t>) -> &$t {
                &self.$field[i.get()]
            }
        }
    };
}
table!(Source, sources);
table!(Composition, compositions);
table!(MagnetRecipe, recipes);
table!(Facility, facilities);
table!(Project, projects);

impl Model {
    /// The row at `i` of whichever table `T` names.
    pub fn at<T>(&self, i: Idx<T>) -> &T
    where
        Model: Table<T>,
    {
        Table::get(self, i)
    }

    /// The group called `name`, if any.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(name))
    }

    /// The country with this code, if the dataset knows it.
    pub fn country(&self, code: CountryCode) -> Option<&Country> {
        self.countries.iter().find(|c| c.code == code)
    }

    /// Resolves a country code or group name to its member countries:
    /// `US` → `[US]`, `allied` → the group's members.
    pub fn resolve_region(&self, name: &str) -> Option<Vec<CountryCode>> {
        if let Some(g) = self.group(name) {
            return Some(g.members.clone());
        }
        let code = CountryCode::parse(name)?;
        self.country(code).map(|c| vec![c.code])
    }

    /// Countries as a scenario or plan file would read them back when
    /// written as codes: each code resolved as a region name (a code that
    /// is also a group's name stands for the group), sorted, each once.
    pub fn as_read_back(&self, codes: &[CountryCode]) -> Vec<CountryCode> {
        let mut out: Vec<CountryCode> = codes
            .iter()
            .flat_map(|c| self.resolve_region(c.as_str()).unwrap_or_else(|| vec![*c]))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The facility with this id.
    pub fn facility_idx(&self, id: &str) -> Option<Idx<Facility>> {
        self.facilities
            .iter()
            .position(|f| f.id == id)
            .map(Idx::new)
    }

    /// The recipe of this grade.
    pub fn recipe_idx(&self, grade: &str) -> Option<Idx<MagnetRecipe>> {
        self.recipes
            .iter()
            .position(|r| r.grade == grade)
            .map(Idx::new)
    }

    /// The growth path called `name`.
    pub fn growth_path(&self, name: &str) -> Option<&GrowthPath> {
        self.growth_paths.iter().find(|p| p.name == name)
    }

    /// How much a facility's capacity has grown by `month` under the
    /// dataset's capacity trends: the product, over every trend of the
    /// facility's country and stage, of `(1 + g/100)^(m/12)`, where `g` is
    /// the trend's `annual_growth_pct` and `m` the months elapsed from
    /// January of its `from_year` to `month`, clipped to
    /// `0..=12 × (to_year − from_year + 1)` ([`CapacityTrend::factor`]).
    ///
    /// 1.0 when no trend matches or before every matching trend starts, so
    /// base-year figures are unchanged by trends that start after the base
    /// year. The factor applies to every facility of the country and stage
    /// whatever its status; whether the facility runs in `month` is still
    /// [`Facility::active_in`]'s to say. Capacity in `month` is
    /// `capacity_t_per_yr × capacity_factor(facility, month)`, and output
    /// grows with it at the facility's utilisation.
    ///
    /// # Panics
    /// If `facility` is not an index into this model's facilities.
    pub fn capacity_factor(&self, facility: Idx<Facility>, month: Month) -> f64 {
        let f = self.at(facility);
        self.capacity_trends
            .iter()
            .filter(|t| t.applies_to(f.country, f.stage))
            .map(|t| t.factor(month))
            .product()
    }

    /// How long idle capacity of `stage` in `country` takes to restart,
    /// months: its `supply_response.csv` row (its own, else `*`); 0
    /// without one.
    pub fn restart_lag_months(&self, country: CountryCode, stage: crate::Stage) -> f64 {
        let rows = self.supply_response.iter().filter(|r| r.stage == stage);
        let own = rows.clone().find(|r| r.country == Some(country));
        own.or_else(|| rows.clone().find(|r| r.country.is_none()))
            .map_or(0.0, |r| r.restart_lag_months)
    }

    /// A mine's concentrate price, USD per kg of REO contained (the latest
    /// year given), if `concentrate_prices.csv` lists it.
    pub fn concentrate_price(&self, mine: Idx<Facility>) -> Option<f64> {
        self.concentrate_prices
            .iter()
            .filter(|p| p.mine == mine)
            .max_by_key(|p| p.year)
            .map(|p| p.usd_per_kg_reo)
    }

    /// Iterates over facilities with their indices.
    pub fn facilities_indexed(&self) -> impl Iterator<Item = (Idx<Facility>, &Facility)> {
        self.facilities
            .iter()
            .enumerate()
            .map(|(i, f)| (Idx::new(i), f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Confidence, Process, Stage, Status};

    /// A model with one separation plant in China, one in the US, and the
    /// given trends (country, stage, from, to, %/yr).
    fn model(trends: &[(CountryCode, Stage, i32, i32, f64)]) -> Model {
        let mut m = Model {
            base_year: 2024,
            ..Model::default()
        };
        m.sources.push(Source {
            id: "s".into(),
            publication: "test".into(),
            locator: String::new(),
            year: 2024,
            citation: String::new(),
            confidence: Confidence::E,
            note: "estimate for a test".into(),
        });
        for (id, country) in [("sep_cn", CountryCode::CN), ("sep_us", CountryCode::US)] {
            m.facilities.push(Facility {
                id: id.into(),
                name: id.into(),
                operator: String::new(),
                country,
                stage: Stage::Separation,
                capacity_t_per_yr: 1000.0,
                utilisation: 1.0,
                status: Status::Operating,
                start: None,
                end: None,
                process: Process::Separation {
                    feed: Vec::new(),
                    recovery: 0.95,
                    elements: crate::ElementSet::ALL,
                },
                unit_cost_usd_per_t: None,
                waste_t_per_t_reo: None,
                direct_jobs: None,
                source: Idx::new(0),
            });
        }
        for &(country, stage, from_year, to_year, annual_growth_pct) in trends {
            m.capacity_trends.push(CapacityTrend {
                country,
                stage,
                from_year,
                to_year,
                annual_growth_pct,
                source: Idx::new(0),
            });
        }
        m
    }

    fn check(m: &Model, facility: &str, month: &str, want: f64) {
        let i = m.facility_idx(facility).unwrap();
        let got = m.capacity_factor(i, month.parse().unwrap());
        assert!(
            (got - want).abs() < 1e-12,
            "{facility} {month}: {got} != {want}"
        );
    }

    #[test]
    fn capacity_factor_by_hand() {
        use CountryCode as C;
        // China's separation +6 %/yr over 2025–2035 (11 years).
        let m = model(&[(C::CN, Stage::Separation, 2025, 2035, 6.0)]);
        check(&m, "sep_cn", "2024-07", 1.0); // before from_year
        check(&m, "sep_cn", "2025-01", 1.0); // no month elapsed yet
        check(&m, "sep_cn", "2026-01", 1.06);
        // 2030-07: 66 months, 1.06^5.5 = 1.06^5 × 1.06^0.5
        //        = 1.3382255776 × 1.0295630141 = 1.3777875592…
        check(&m, "sep_cn", "2030-07", 1.06_f64.powi(5) * 1.06_f64.sqrt());
        check(&m, "sep_cn", "2030-07", 1.377_787_559_217_830_1);
        // After to_year: the full product 1.06^11 = 1.8982985583…
        check(&m, "sep_cn", "2036-01", 1.898_298_558_335_426);
        check(&m, "sep_cn", "2050-12", 1.06_f64.powi(11));
        // Other countries and stages are untouched.
        check(&m, "sep_us", "2030-07", 1.0);
        let mining = model(&[(C::CN, Stage::Mining, 2025, 2035, 6.0)]);
        check(&mining, "sep_cn", "2030-07", 1.0);
    }

    #[test]
    fn trends_of_the_same_facility_multiply() {
        use CountryCode as C;
        // +10 %/yr in 2025 and −50 %/yr in 2027: in 2028 the factor is
        // 1.1 × 0.5 = 0.55; in 2027-07, 1.1 × 0.5^0.5 = 0.7778174593…
        let m = model(&[
            (C::CN, Stage::Separation, 2025, 2025, 10.0),
            (C::CN, Stage::Separation, 2027, 2027, -50.0),
        ]);
        check(&m, "sep_cn", "2025-12", 1.1_f64.powf(11.0 / 12.0));
        check(&m, "sep_cn", "2026-06", 1.1);
        check(&m, "sep_cn", "2027-07", 0.777_817_459_305_202_2);
        check(&m, "sep_cn", "2028-01", 0.55);
        check(&m, "sep_us", "2028-01", 1.0);
    }
}
