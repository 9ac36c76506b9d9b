//! Capacity growth trends: the steady, announced growth of a country's
//! capacity at one stage (China's annual mining and separation quotas), as
//! opposed to the discrete plants of the project pipeline.
//!
//! A dataset's facility capacities describe its base year. Without trends
//! they stay there for ever while demand grows along its path, and every
//! projection runs into a deficit that no disruption caused. A trend scales
//! the capacity of *every* facility of its country and stage (whatever its
//! status: its `start` and `end` still decide whether it runs) by compound
//! monthly growth, so a quota that rises 6 %/yr raises each of the
//! country's plants by 6 %/yr rather than adding a fictitious plant.

use crate::{CountryCode, Idx, Month, Source, Stage};
use serde::Serialize;

/// Compound growth of the capacity of one country's facilities at one
/// stage, from January of `from_year` to December of `to_year`.
///
/// The growth is continuous by month: `m` months into the trend the factor
/// is `(1 + annual_growth_pct / 100)^(m / 12)`, so it reaches one full year's
/// growth in January of `from_year + 1` and its full product
/// `(1 + g/100)^(to_year − from_year + 1)` in January of `to_year + 1`, where
/// it stays. Before `from_year` the factor is 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityTrend {
    /// The country whose facilities grow.
    pub country: CountryCode,
    /// The stage (never [`Stage::EndUse`], which has no facilities).
    pub stage: Stage,
    /// First year of growth: the factor is 1 up to January of this year.
    pub from_year: i32,
    /// Last year of growth: the factor is constant from January of the
    /// year after.
    pub to_year: i32,
    /// Growth per year in percent (6.0 = +6 %/yr; above −100).
    pub annual_growth_pct: f64,
    /// Where the rate comes from.
    pub source: Idx<Source>,
}

impl CapacityTrend {
    /// Months of growth elapsed by `month`: from January of `from_year` up to
    /// `month`, clipped to `0..=12 × (to_year − from_year + 1)`.
    pub fn months_elapsed(&self, month: Month) -> i32 {
        let since = (month.year() - self.from_year) * 12 + month.month() as i32 - 1;
        let span = 12 * (self.to_year - self.from_year + 1);
        since.clamp(0, span.max(0))
    }

    /// The capacity factor of this trend alone in `month` (1.0 before it
    /// starts).
    pub fn factor(&self, month: Month) -> f64 {
        let m = self.months_elapsed(month);
        if m == 0 {
            return 1.0;
        }
        (1.0 + self.annual_growth_pct / 100.0).powf(f64::from(m) / 12.0)
    }

    /// Whether the trend applies to a facility of `country` at `stage`.
    pub fn applies_to(&self, country: CountryCode, stage: Stage) -> bool {
        self.country == country && self.stage == stage
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trend(from_year: i32, to_year: i32, pct: f64) -> CapacityTrend {
        CapacityTrend {
            country: CountryCode::CN,
            stage: Stage::Separation,
            from_year,
            to_year,
            annual_growth_pct: pct,
            source: Idx::new(0),
        }
    }

    fn month(s: &str) -> Month {
        s.parse().unwrap()
    }

    #[test]
    fn months_elapsed_are_clipped() {
        let t = trend(2025, 2026, 10.0);
        let check = |m: &str, want: i32| assert_eq!(t.months_elapsed(month(m)), want, "{m}");
        check("2020-06", 0);
        check("2024-12", 0);
        check("2025-01", 0);
        check("2025-07", 6);
        check("2026-01", 12);
        check("2026-12", 23);
        check("2027-01", 24);
        check("2040-01", 24);
        // A reversed trend (only a hand-built model can have one) never grows.
        assert_eq!(trend(2030, 2025, 10.0).months_elapsed(month("2031-01")), 0);
    }

    #[test]
    fn factor_by_hand() {
        let t = trend(2025, 2026, 10.0);
        let check = |m: &str, want: f64| {
            let got = t.factor(month(m));
            assert!((got - want).abs() < 1e-12, "{m}: {got} != {want}");
        };
        check("2024-06", 1.0);
        check("2025-01", 1.0);
        // Six months of 10 %/yr: 1.1^0.5 = 1.048808848…
        check("2025-07", 1.048_808_848_170_151_5);
        check("2026-01", 1.1);
        // Full product 1.1² from 2027-01 on.
        check("2027-01", 1.21);
        check("2035-09", 1.21);
        assert!(t.applies_to(CountryCode::CN, Stage::Separation));
        assert!(!t.applies_to(CountryCode::CN, Stage::Mining));
        assert!(!t.applies_to(CountryCode::US, Stage::Separation));
    }
}
