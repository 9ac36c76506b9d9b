//! What a set of supplier facilities can *usably* deliver at each stage,
//! element by element, when a stage counts only as far as feed exists
//! upstream — the balance problem in its static form.
//!
//! A separation plant's element capacity follows its feed mix (see
//! [`crate::flows`]); here it is usable only as far as the supplier mines
//! its feed list names can fill it. Which mine feeds which plant is a
//! transportation problem, solved exactly per element as a maximum flow:
//!
//! ```text
//! source ─cap─► mine ─► (cracking plant ─cap─►) separation plant ─cap/recovery─► sink
//! ```
//!
//! Metal plants and magnet plants have no feed lists (oxide and metal are
//! traded), so downstream usable supply is the smaller of a stage's own
//! capacity and the usable supply of the stage above: metal by oxide,
//! magnets by metal, element by element. Losses after separation are
//! neglected (metal recovery is about 0.98), and so are cracking losses on
//! the way to separation.

use crate::concentration::STAGES;
use crate::flows::{FacilityFlow, counts_for_stage};
use critmin_model::{CountryCode, Element, FeedRef, Model, PerElement, Process, Stage};

/// Which number of a facility is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Nameplate capacity (what could be made).
    Capacity,
    /// Output: capacity × utilisation (what is made).
    Output,
}

/// Per-stage supply of a set of facilities, t REO-equivalent per element.
/// Arrays are indexed like [`STAGES`].
#[derive(Debug, Clone, PartialEq)]
pub struct ChainSupply {
    /// Each stage's own total, ignoring upstream.
    pub stage_t: [PerElement; 4],
    /// Each stage's supply usable through the chain: separation limited by
    /// the mines that can feed it, metal by usable oxide, magnets by usable
    /// metal.
    pub usable_t: [PerElement; 4],
}

impl ChainSupply {
    /// The index of `stage` in the arrays.
    pub fn index(stage: Stage) -> usize {
        STAGES.iter().position(|s| *s == stage).unwrap_or(0)
    }
}

/// The chain supply of the facilities (among `flows`) located in countries
/// for which `supplier` is true.
pub fn chain_supply(
    model: &Model,
    flows: &[FacilityFlow],
    supplier: impl Fn(CountryCode) -> bool,
    basis: Basis,
) -> ChainSupply {
    let ours: Vec<&FacilityFlow> = flows
        .iter()
        .filter(|fl| supplier(model.at(fl.facility).country))
        .collect();
    let amount = |fl: &FacilityFlow| match basis {
        Basis::Capacity => fl.capacity_reo_t,
        Basis::Output => fl.output_reo_t,
    };
    let mut stage_t = [PerElement::ZERO; 4];
    for fl in &ours {
        let f = model.at(fl.facility);
        if counts_for_stage(f) {
            stage_t[ChainSupply::index(f.stage)].add_scaled(&amount(fl), 1.0);
        }
    }
    let mut usable_t = [PerElement::ZERO; 4];
    usable_t[0] = stage_t[0];
    for e in Element::ALL {
        usable_t[1][e] = separation_usable(model, &ours, basis, e);
        usable_t[2][e] = stage_t[2][e].min(usable_t[1][e]);
        usable_t[3][e] = stage_t[3][e].min(usable_t[2][e]);
    }
    ChainSupply { stage_t, usable_t }
}

/// Whether a feed list admits concentrate from mining-stage facility `m`.
fn admits(model: &Model, feed: &[FeedRef], m: critmin_model::Idx<critmin_model::Facility>) -> bool {
    let f = model.at(m);
    feed.iter().any(|r| match r {
        FeedRef::Facility(i) => *i == m,
        FeedRef::Country(c) => f.is_mine() && f.country == *c,
        FeedRef::Any => f.is_mine(),
    })
}

/// Usable separated output of element `e` from the given facilities: the
/// maximum flow from their mines through their cracking plants to their
/// separation plants.
fn separation_usable(model: &Model, ours: &[&FacilityFlow], basis: Basis, e: Element) -> f64 {
    let amount = |fl: &FacilityFlow| match basis {
        Basis::Capacity => fl.capacity_reo_t[e],
        Basis::Output => fl.output_reo_t[e],
    };
    let pick = |pred: &dyn Fn(&Process) -> bool| -> Vec<&FacilityFlow> {
        ours.iter()
            .copied()
            .filter(|fl| pred(&model.at(fl.facility).process) && amount(fl) > 0.0)
            .collect()
    };
    let mines = pick(&|p| matches!(p, Process::Mine { .. }));
    let crackers = pick(&|p| matches!(p, Process::Cracking { .. }));
    let seps = pick(&|p| matches!(p, Process::Separation { .. }));
    if mines.is_empty() || seps.is_empty() {
        return 0.0;
    }
    // Nodes: 0 source, 1 sink, mines, cracking in/out pairs, separation.
    let m0 = 2;
    let c0 = m0 + mines.len();
    let s0 = c0 + 2 * crackers.len();
    let n = s0 + seps.len();
    let mut g = MaxFlow::new(n);
    for (i, m) in mines.iter().enumerate() {
        g.edge(0, m0 + i, amount(m));
    }
    for (j, c) in crackers.iter().enumerate() {
        let feed = model.at(c.facility).feed();
        for (i, m) in mines.iter().enumerate() {
            if admits(model, feed, m.facility) {
                g.edge(m0 + i, c0 + 2 * j, f64::INFINITY);
            }
        }
        g.edge(c0 + 2 * j, c0 + 2 * j + 1, amount(c));
    }
    let mut recovery = Vec::with_capacity(seps.len());
    for (k, s) in seps.iter().enumerate() {
        let f = model.at(s.facility);
        let r = match f.process {
            Process::Separation { recovery, .. } if recovery > 0.0 => recovery,
            _ => 1.0,
        };
        recovery.push(r);
        let feed = f.feed();
        for (i, m) in mines.iter().enumerate() {
            if admits(model, feed, m.facility) {
                g.edge(m0 + i, s0 + k, f64::INFINITY);
            }
        }
        for (j, c) in crackers.iter().enumerate() {
            if feed.contains(&FeedRef::Facility(c.facility)) {
                g.edge(c0 + 2 * j + 1, s0 + k, f64::INFINITY);
            }
        }
        g.edge(s0 + k, 1, amount(s) / r);
    }
    g.run(0, 1);
    (0..seps.len())
        .map(|k| g.flow(s0 + k, 1) * recovery[k])
        .sum()
}

/// A small dense maximum-flow solver (Edmonds–Karp). The graphs here have
/// at most a few hundred nodes, so a dense matrix is simplest.
struct MaxFlow {
    n: usize,
    cap: Vec<f64>,
    flow: Vec<f64>,
}

const EPS: f64 = 1e-9;

impl MaxFlow {
    fn new(n: usize) -> MaxFlow {
        MaxFlow {
            n,
            cap: vec![0.0; n * n],
            flow: vec![0.0; n * n],
        }
    }

    fn edge(&mut self, u: usize, v: usize, c: f64) {
        self.cap[u * self.n + v] += c;
    }

    fn residual(&self, u: usize, v: usize) -> f64 {
        self.cap[u * self.n + v] - self.flow[u * self.n + v]
    }

    fn flow(&self, u: usize, v: usize) -> f64 {
        self.flow[u * self.n + v]
    }

    fn run(&mut self, s: usize, t: usize) {
        let n = self.n;
        loop {
            let mut prev = vec![usize::MAX; n];
            prev[s] = s;
            let mut queue = std::collections::VecDeque::from([s]);
            while let Some(u) = queue.pop_front() {
                for (v, p) in prev.iter_mut().enumerate() {
                    if *p == usize::MAX && self.residual(u, v) > EPS {
                        *p = u;
                        queue.push_back(v);
                    }
                }
            }
            if prev[t] == usize::MAX {
                return;
            }
            let mut push = f64::INFINITY;
            let mut v = t;
            while v != s {
                let u = prev[v];
                push = push.min(self.residual(u, v));
                v = u;
            }
            if !push.is_finite() || push <= EPS {
                return;
            }
            let mut v = t;
            while v != s {
                let u = prev[v];
                self.flow[u * n + v] += push;
                self.flow[v * n + u] -= push;
                v = u;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MaxFlow;

    #[test]
    fn max_flow_by_hand() {
        // 0 → 2 (5), 0 → 3 (3), 2 → 1 (4), 3 → 1 (10), 2 → 3 (inf):
        // max flow 8 (4 via 2, 1 from 2 over to 3, 3 via 3).
        let mut g = MaxFlow::new(4);
        g.edge(0, 2, 5.0);
        g.edge(0, 3, 3.0);
        g.edge(2, 1, 4.0);
        g.edge(3, 1, 10.0);
        g.edge(2, 3, f64::INFINITY);
        g.run(0, 1);
        assert!((g.flow(2, 1) + g.flow(3, 1) - 8.0).abs() < 1e-9);
    }
}
