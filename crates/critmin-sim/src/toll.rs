//! Tolling arrangements and concentrate stocks, compiled for the engine
//! (`docs/simulation.md`, "Tolling"): which plants convert each holder's
//! stock, how fast their spare capacity comes on line, and the stock nodes
//! the converted product goes to. The monthly conversion itself is the
//! engine's (`engine/toll.rs`).

use crate::network::{Agreement, Holder, MagnetPlant, MetalPlant, Sep, StockNode, holder_index};
use critmin_model::goods::{MAGNET0, METAL0, OXIDE0};
use critmin_model::{
    Element, ElementSet, Model, Overlay, PerElement, Process, Scenario, Stage, TollStages,
};

/// A holder's stock of one mine's concentrate: its composition (t of each
/// element per t REO) and the tonnes of REO it starts with.
#[derive(Debug, Clone)]
pub(crate) struct ConcNode {
    pub holder: usize,
    pub comp: PerElement,
    pub initial: f64,
}

/// A tolling arrangement with its plants resolved: per stage, the plants
/// of the converter countries with the monthly ramp rate of their spare
/// capacity, `a = 1 / (1 + restart lag)`.
#[derive(Debug, Clone)]
pub(crate) struct Toll {
    pub holder: usize,
    /// Countries whose shortage the holder answers: its sharing
    /// agreement's members, or its own country.
    pub scope: Vec<usize>,
    pub stages: TollStages,
    /// `(separation plant, a)`.
    pub seps: Vec<(usize, f64)>,
    /// `(metal plant, a)`.
    pub metals: Vec<(usize, f64)>,
    /// `(magnet plant, a)`.
    pub magnets: Vec<(usize, f64)>,
    /// Label for reports: `holder: US, JP`.
    pub label: String,
}

/// What the tolling build reads: the inputs, the network's countries and
/// sharing agreements, and the plants an arrangement may use.
pub(crate) struct Inputs<'a> {
    pub model: &'a Model,
    pub scenario: &'a Scenario,
    pub overlay: &'a Overlay,
    pub countries: &'a [critmin_model::CountryCode],
    pub agreements: &'a [Agreement],
    pub seps: &'a [Sep],
    pub metals: &'a [MetalPlant],
    pub magnets: &'a [MagnetPlant],
}

/// The concentrate stocks of the dataset and the overlay (creating their
/// holders), then the scenario's and overlay's tolling arrangements with
/// the product stock nodes they fill (created empty, marked `tolled`).
/// An arrangement for a holder that holds nothing is dropped: it has
/// nothing to convert.
pub(crate) fn build(
    inputs: &Inputs<'_>,
    holders: &mut Vec<Holder>,
    stocks: &mut Vec<StockNode>,
) -> (Vec<ConcNode>, Vec<Toll>) {
    let Inputs {
        model,
        scenario,
        overlay,
        countries,
        agreements,
        ..
    } = *inputs;
    let plants = inputs;
    let cix = |c: critmin_model::CountryCode| countries.iter().position(|&x| x == c);
    let mut conc: Vec<ConcNode> = Vec::new();
    for s in model
        .concentrate_stocks
        .iter()
        .chain(&overlay.concentrate_stocks)
    {
        let Process::Mine { ore, .. } = model.at(s.mine).process else {
            continue;
        };
        let Some(country) = cix(s.country) else {
            continue;
        };
        let h = holder_index(holders, &s.holder, country, scenario, agreements);
        let comp = model.at(ore).shares;
        match conc.iter_mut().find(|x| x.holder == h && x.comp == comp) {
            Some(x) => x.initial += s.reo_t,
            None => conc.push(ConcNode {
                holder: h,
                comp,
                initial: s.reo_t,
            }),
        }
    }
    let mut tolls = Vec::new();
    for t in scenario.policy.tolling.iter().chain(&overlay.tolling) {
        let Some(h) = holders.iter().position(|x| x.name == t.holder) else {
            continue;
        };
        let converters: Vec<usize> = t.converters.iter().filter_map(|&c| cix(c)).collect();
        let lag = |country: usize, stage: Stage| {
            1.0 / (1.0 + model.restart_lag_months(countries[country], stage).max(0.0))
        };
        // The plants of the converter countries at a stage, with their
        // ramp rates.
        let pick = |on: bool, stage: Stage, countries_of: &dyn Fn(usize) -> usize, n: usize| {
            if !on {
                return Vec::new();
            }
            (0..n)
                .filter(|&k| converters.contains(&countries_of(k)))
                .map(|k| (k, lag(countries_of(k), stage)))
                .collect::<Vec<_>>()
        };
        let seps = pick(
            t.stages.separation,
            Stage::Separation,
            &|k| plants.seps[k].country,
            plants.seps.len(),
        );
        let metals = pick(
            t.stages.metal,
            Stage::MetalAlloy,
            &|k| plants.metals[k].country,
            plants.metals.len(),
        );
        let magnets = pick(
            t.stages.magnet,
            Stage::Magnet,
            &|k| plants.magnets[k].country,
            plants.magnets.len(),
        );
        let scope = match holders[h].agreement {
            Some(a) => agreements[a].members.clone(),
            None => vec![holders[h].country],
        };
        tolls.push(Toll {
            holder: h,
            scope,
            stages: t.stages,
            seps,
            metals,
            magnets,
            label: format!(
                "{}: {}",
                t.holder,
                t.converters
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    for toll in &tolls {
        add_product_nodes(toll, &conc, holders, stocks, model.recipes.len());
    }
    (conc, tolls)
}

/// The stock nodes a tolling arrangement's products go to: oxide of each
/// element of the holder's concentrate (separation), metal of each element
/// it holds as oxide (metal), and every magnet grade (magnet), each created
/// empty and marked `tolled`.
fn add_product_nodes(
    toll: &Toll,
    conc: &[ConcNode],
    holders: &[Holder],
    stocks: &mut Vec<StockNode>,
    n_grades: usize,
) {
    let h = toll.holder;
    let held = |stocks: &[StockNode], g: usize| stocks.iter().any(|x| x.holder == h && x.good == g);
    let add = |stocks: &mut Vec<StockNode>, good: usize| {
        if !stocks
            .iter()
            .any(|x| x.holder == h && x.good == good && x.tolled)
        {
            stocks.push(StockNode {
                holder: h,
                country: holders[h].country,
                good,
                initial: 0.0,
                tolled: true,
            });
        }
    };
    if toll.stages.separation {
        let mut els = ElementSet::EMPTY;
        for c in conc.iter().filter(|c| c.holder == h) {
            els = els.union(c.comp.support());
        }
        for e in els.iter() {
            add(stocks, OXIDE0 + e.index());
        }
    }
    if toll.stages.metal {
        for e in Element::ALL {
            if held(stocks, OXIDE0 + e.index()) {
                add(stocks, METAL0 + e.index());
            }
        }
    }
    if toll.stages.magnet {
        // Every grade: the engine makes a grade only from the metal the
        // holder has of each of its elements.
        for g in 0..n_grades {
            add(stocks, MAGNET0 + g);
        }
    }
}
