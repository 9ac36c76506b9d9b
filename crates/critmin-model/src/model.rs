//! [`Model`]: the static input data of the rare-earth chain — the "ground
//! state" everything else in critmin is derived from.

use crate::{
    Benchmark, Composition, Country, CountryCode, DemandRow, ElementRisk, Facility, Governance,
    Group, GrowthPath, Idx, InventoryPolicy, MagnetRecipe, MineProduction, Price, PriceResponse,
    Project, SectorValue, Source, Stockpile, StockpileTarget,
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
    /// Working inventory rules.
    pub inventories: Vec<InventoryPolicy>,
    /// Base-year demand.
    pub demand: Vec<DemandRow>,
    /// Named demand growth paths.
    pub growth_paths: Vec<GrowthPath>,
    /// Strategic stockpiles.
    pub stockpiles: Vec<Stockpile>,
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
    /// How scarcity moves prices, by element and form.
    pub price_response: Vec<PriceResponse>,
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

    /// Iterates over facilities with their indices.
    pub fn facilities_indexed(&self) -> impl Iterator<Item = (Idx<Facility>, &Facility)> {
        self.facilities
            .iter()
            .enumerate()
            .map(|(i, f)| (Idx::new(i), f))
    }
}
