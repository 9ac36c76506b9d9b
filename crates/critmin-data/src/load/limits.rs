//! Bounds on compounded growth, checked once every table is read: a
//! capacity grown by its trends and a demand grown by its path stay within
//! [`MAX_GROWN_TONNES`], so that every valid dataset can be simulated and
//! solved (see `critmin_model::limits`).

use crate::table::clip;
use crate::{Diagnostic, Diagnostics};
use critmin_model::limits::MAX_GROWN_TONNES;
use critmin_model::{CapacityTrend, CountryCode, Model, Stage, good_elements};

pub(super) use critmin_model::limits::{
    MAX_GROWTH_PCT, MIN_GROWTH_PCT, TREND_MAX_YEAR, TREND_MIN_YEAR,
};

/// Where the rows `check` may blame were read: parallel to the model's
/// `capacity_trends` and `demand`.
#[derive(Default)]
pub(super) struct Lines {
    pub trends_file: String,
    pub trends: Vec<usize>,
    pub demand_file: String,
    pub demand: Vec<usize>,
}

/// Reports every capacity and demand that growth takes above
/// [`MAX_GROWN_TONNES`].
pub(super) fn check(model: &Model, base_year: i32, lines: &Lines, diags: &mut Diagnostics) {
    capacities(model, lines, diags);
    demand(model, base_year, lines, diags);
}

/// The peak factor of the trends of one country and stage, with the index
/// (in `model.capacity_trends`) of the trend at whose end it is reached.
/// Trends of one country and stage do not overlap (the loader refuses it),
/// and each is monotone, so the product peaks at the end of some trend or
/// never rises above 1.
fn peak_factor(
    trends: &[CapacityTrend],
    country: CountryCode,
    stage: Stage,
) -> (f64, Option<usize>) {
    let mut mine: Vec<(usize, &CapacityTrend)> = trends
        .iter()
        .enumerate()
        .filter(|(_, t)| t.applies_to(country, stage))
        .collect();
    mine.sort_by_key(|(_, t)| t.from_year);
    let (mut product, mut peak, mut at) = (1.0_f64, 1.0_f64, None);
    for (i, t) in mine {
        let years = f64::from((t.to_year - t.from_year + 1).max(0));
        product *= (1.0 + t.annual_growth_pct / 100.0).powf(years);
        if product > peak {
            (peak, at) = (product, Some(i));
        }
    }
    (peak, at)
}

fn capacities(model: &Model, lines: &Lines, diags: &mut Diagnostics) {
    // One diagnostic per country and stage: the largest facility it grows.
    let mut seen: Vec<(CountryCode, Stage)> = Vec::new();
    for f in &model.facilities {
        if seen.contains(&(f.country, f.stage)) {
            continue;
        }
        seen.push((f.country, f.stage));
        let (peak, Some(at)) = peak_factor(&model.capacity_trends, f.country, f.stage) else {
            continue;
        };
        let Some(largest) = model
            .facilities
            .iter()
            .filter(|g| g.country == f.country && g.stage == f.stage)
            .max_by(|a, b| a.capacity_t_per_yr.total_cmp(&b.capacity_t_per_yr))
        else {
            continue;
        };
        let grown = largest.capacity_t_per_yr * peak;
        if grown > MAX_GROWN_TONNES {
            let t = &model.capacity_trends[at];
            diags.push(Diagnostic::new(
                &lines.trends_file,
                lines.trends.get(at).copied().unwrap_or(1),
                "annual_growth_pct",
                format!(
                    "the {} {} trends up to this row multiply capacity by {peak:.4e} by the end of {}, so `{}` ({} t/yr) would reach {grown:.4e} t/yr, above the limit of {MAX_GROWN_TONNES:e} t/yr for a grown capacity; lower the rate or shorten the years",
                    t.country,
                    t.stage,
                    t.to_year,
                    clip(&largest.id),
                    largest.capacity_t_per_yr
                ),
            ));
        }
    }
}

fn demand(model: &Model, base_year: i32, lines: &Lines, diags: &mut Diagnostics) {
    for (i, d) in model.demand.iter().enumerate() {
        let elements = good_elements(d.good, &model.recipes);
        // The first path that takes the row over the limit is enough to act on.
        let over = model.growth_paths.iter().find_map(|p| {
            let first = p.rules.iter().map(|r| r.from_year).min()?;
            let last = p.rules.iter().map(|r| r.to_year).max()?;
            // `GrowthPath::factor`, year by year in both directions: after
            // the base year the rates compound; before it they are undone,
            // so a shrinking rule there grows demand going back.
            let mut peak = None;
            let mut f = 1.0;
            for y in base_year + 1..=last {
                f *= 1.0 + p.rate(y, d.sector, elements);
                let t = d.t_per_yr * f;
                if t.is_nan() || t > MAX_GROWN_TONNES {
                    peak = Some((y, t));
                    break;
                }
            }
            let mut f = 1.0;
            for y in (first..=base_year).rev() {
                if peak.is_some() {
                    break;
                }
                f /= 1.0 + p.rate(y, d.sector, elements);
                let t = d.t_per_yr * f;
                if t.is_nan() || t > MAX_GROWN_TONNES {
                    peak = Some((y - 1, t));
                }
            }
            peak.map(|(y, t)| (p.name.as_str(), y, t))
        });
        if let Some((path, year, t)) = over {
            diags.push(Diagnostic::new(
                &lines.demand_file,
                lines.demand.get(i).copied().unwrap_or(1),
                "t_per_yr",
                format!(
                    "on the growth path `{}` this demand reaches {t:.4e} t/yr in {year}, above the limit of {MAX_GROWN_TONNES:e} t/yr for a grown demand; lower the demand or the path's rates",
                    clip(path)
                ),
            ));
        }
    }
}
