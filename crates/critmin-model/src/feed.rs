//! Feed mixing: the typical element mix of what a mining-stage facility
//! delivers or a plant takes in, from the ores of the mines its feed list
//! reaches. The simulator, the chain LP and the static metrics all split
//! concentrate by this one mix.

use crate::{Facility, FeedRef, Idx, Model, PerElement, Process};

/// How many cracking/separation hops [`feed_mix`] follows before it gives
/// up (a feed cycle is a dataset error, reported by the loader; this bound
/// only keeps the recursion finite).
const MAX_FEED_DEPTH: u32 = 8;

/// Weight of a feed source with no output, so that a plant fed only by
/// idle mines still gets their mix rather than none.
const MIN_SOURCE_WEIGHT_T_PER_YR: f64 = 1e-9;

/// The typical element mix (fractions of REO summing to 1, or all zero if
/// unknown) of what a mining-stage facility delivers, or of the feed a
/// separation plant takes. Feed sources are weighted by their base-year
/// output: the mix is a property of the plant, not of a year, so capacity
/// trends do not shift it.
pub fn feed_mix(model: &Model, f: &Facility) -> PerElement {
    feed_mix_depth(model, f, 0)
}

fn feed_mix_depth(model: &Model, f: &Facility, depth: u32) -> PerElement {
    match &f.process {
        Process::Mine { ore, .. } => model.at(*ore).shares,
        Process::Cracking { feed, .. } | Process::Separation { feed, .. }
            if depth < MAX_FEED_DEPTH =>
        {
            let mut mix = PerElement::ZERO;
            let mut weight = 0.0;
            for (_, src) in feed_sources(model, feed) {
                let w = src.output_t_per_yr().max(MIN_SOURCE_WEIGHT_T_PER_YR);
                mix.add_scaled(&feed_mix_depth(model, src, depth + 1), w);
                weight += w;
            }
            if weight > 0.0 {
                mix.scaled(1.0 / weight)
            } else {
                mix
            }
        }
        _ => PerElement::ZERO,
    }
}

/// The mining-stage facilities a feed list names: mines and cracking plants
/// named directly; for `country:XX` and `*`, every *mine* there (cracking
/// plants only pass on what mines produce). In facility order, each once.
pub fn feed_sources<'m>(model: &'m Model, feed: &[FeedRef]) -> Vec<(Idx<Facility>, &'m Facility)> {
    let mut out: Vec<(Idx<Facility>, &Facility)> = Vec::new();
    for r in feed {
        match r {
            FeedRef::Facility(i) => out.push((*i, model.at(*i))),
            FeedRef::Country(c) => out.extend(
                model
                    .facilities_indexed()
                    .filter(|(_, f)| f.is_mine() && f.country == *c),
            ),
            FeedRef::Any => out.extend(model.facilities_indexed().filter(|(_, f)| f.is_mine())),
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.dedup_by_key(|(i, _)| *i);
    out
}
