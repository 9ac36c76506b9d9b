//! Tolling, month by month (`docs/simulation.md`, "Tolling"): plants of a
//! holder's converter countries turn its stock into the form its scope is
//! short of, out of the capacity they have left after their own orders,
//! and return the product to the holder's stock — concentrate into oxide
//! at separation plants, oxide into metal at metal plants, metal into
//! magnets of the grade the scope is short of at magnet plants (a grade is
//! a recipe: under contract a plant makes its client's grade). What a stage converts is capped by
//!
//! - the holder's release rule (a month's share of what a stock node has
//!   held; all of what tolling itself made),
//! - the plants' spare capacity (nameplate less what they made), ramped up
//!   from the first month the scope was short by `1 − (1 − a)ⁿ`, `a = 1 / (1 + restart lag)` (the
//!   stock optimiser's ramp, `critmin-opt`'s `forms::ramp_spare`),
//! - and last month's shortfall of final demand in the scope (unmet
//!   before any stockpile release) for what the product leads to, less
//!   what the holder's stock further down the chain can release in a
//!   month.
//!
//! Mass balance: what leaves a stock is `released`, the product going back
//! into stock is `stockpiled`, and the difference is a process loss.

use super::Engine;
use critmin_model::goods::{MAGNET0, METAL0, OXIDE0};
use critmin_model::{Element, PerElement};

impl Engine<'_> {
    /// Whether any tolling arrangement runs (fixed for the run).
    pub(super) fn tolling(&self) -> bool {
        !self.net.tolls.is_empty()
    }

    /// The usable share of a plant's spare capacity in month `t` under
    /// arrangement `k`, for ramp rate `a`.
    fn ramp(&self, k: usize, t: usize, a: f64) -> f64 {
        let first = self.toll_first[k];
        if first == usize::MAX || t < first {
            return 0.0;
        }
        1.0 - (1.0 - a).powi((t - first + 1) as i32)
    }

    /// Last month's shortfall of final demand (unmet before stockpile
    /// releases) in arrangement `k`'s scope of good `g`, in the good's
    /// unit.
    fn scope_unmet(&self, k: usize, g: usize) -> f64 {
        let ng = self.net.n_goods();
        self.net.tolls[k]
            .scope
            .iter()
            .map(|&c| self.unmet_prev[c * ng + g])
            .sum()
    }

    /// What arrangement `k`'s holder can release of good `g` in a month
    /// (every node: its rule's share of what it has held, all of what
    /// tolling made), in the good's unit.
    fn releasable(&self, k: usize, g: usize) -> f64 {
        let h = self.net.tolls[k].holder;
        let rate = self.net.holders[h].rule.max_release_share_per_month;
        self.net
            .stocks
            .iter()
            .enumerate()
            .filter(|(_, n)| n.holder == h && n.good == g)
            .map(|(s, n)| {
                if n.tolled {
                    self.stock_left[s]
                } else {
                    (rate * self.stock_peak[s]).min(self.stock_left[s])
                }
            })
            .sum()
    }

    /// Need for element `e` made into `form` (0 oxide, 1 metal), t REO-eq:
    /// what the scope was short of last month that the holder's stock of
    /// that form and after it cannot release in a month, stage by stage —
    /// each magnet grade's shortfall beyond its magnets' release, plus the
    /// metal shortfall, beyond what its metal can release; for oxide, that
    /// plus the oxide shortfall beyond what its oxide can release.
    fn element_need(&self, k: usize, e: Element, form: usize) -> f64 {
        let net = self.net;
        let mut magnets = 0.0;
        for (g, reo) in net.grade_reo.iter().enumerate() {
            if reo[e] > 0.0 {
                let good = MAGNET0 + g;
                magnets += (self.scope_unmet(k, good) - self.releasable(k, good)).max(0.0) * reo[e];
            }
        }
        let metal = METAL0 + e.index();
        let need_metal =
            (self.scope_unmet(k, metal) + magnets - self.releasable(k, metal)).max(0.0);
        if form == 1 {
            return need_metal;
        }
        let oxide = OXIDE0 + e.index();
        (self.scope_unmet(k, oxide) + need_metal - self.releasable(k, oxide)).max(0.0)
    }

    /// What stock node `s` may give tolling this month: all of it if
    /// tolling made it, else its rule's monthly share of its peak less
    /// what it released this month.
    fn toll_avail(&self, s: usize) -> f64 {
        let node = &self.net.stocks[s];
        if node.tolled {
            return self.stock_left[s];
        }
        let rate = self.net.holders[node.holder]
            .rule
            .max_release_share_per_month;
        (rate * self.stock_peak[s] - self.stock_out[s])
            .min(self.stock_left[s])
            .max(0.0)
    }

    /// The tolled node of arrangement `k`'s holder for good `g`.
    fn tolled_node(&self, k: usize, g: usize) -> Option<usize> {
        let h = self.net.tolls[k].holder;
        self.net
            .stocks
            .iter()
            .position(|n| n.holder == h && n.good == g && n.tolled)
    }

    /// Puts `q` (engine unit) of tolled product into node `s`.
    fn stock_product(&mut self, s: usize, q: f64) {
        self.stock_left[s] += q;
        self.stock_peak[s] = self.stock_peak[s].max(self.stock_left[s]);
    }

    /// Marks the first month any arrangement's scope was short (from last
    /// month's unmet demand): the ramp-up counts from there.
    pub(super) fn toll_start(&mut self, t: usize) {
        let ng = self.net.n_goods();
        for k in 0..self.net.tolls.len() {
            if self.toll_first[k] != usize::MAX {
                continue;
            }
            let short = (0..ng).any(|g| self.scope_unmet(k, g) > 1e-9);
            if short {
                self.toll_first[k] = t;
            }
        }
        self.stock_out.iter_mut().for_each(|x| *x = 0.0);
    }

    /// Concentrate into oxide: each arrangement with a separation stage
    /// sends its holder's concentrate to the converter countries'
    /// separation plants with room left this month, up to the oxide its
    /// scope needs.
    pub(super) fn toll_separation(&mut self, t: usize) {
        let net = self.net;
        for k in 0..net.tolls.len() {
            let toll = &net.tolls[k];
            if toll.seps.is_empty() || self.toll_first[k] == usize::MAX {
                continue;
            }
            let h = toll.holder;
            let rate = net.holders[h].rule.max_release_share_per_month;
            let mut need = PerElement::ZERO;
            for e in Element::ALL {
                need[e] = self.element_need(k, e, 0);
            }
            for j in 0..net.conc_stocks.len() {
                let node = &net.conc_stocks[j];
                if node.holder != h {
                    continue;
                }
                let mut avail = (rate * node.initial).min(self.conc_left[j]);
                for &(s, a) in &toll.seps {
                    let sep = &net.seps[s];
                    if !self.runs(sep.facility, sep.first, sep.last, t) {
                        continue;
                    }
                    // Nameplate less what it made: tolling pays to run
                    // capacity idle at the plant's own utilisation.
                    let cap = sep.cap_month * self.capacity_factor(sep.facility);
                    let room = (cap - self.sep_made[s]).max(0.0) * self.ramp(k, t, a);
                    let out_per_t = sep.recovery * node.comp.total_of(sep.elements);
                    if avail <= 1e-12 || room <= 1e-12 || out_per_t <= 0.0 {
                        continue;
                    }
                    // Concentrate for the most-needed element it yields.
                    let for_need = sep
                        .elements
                        .iter()
                        .filter(|&e| node.comp[e] > 0.0)
                        .map(|e| need[e] / (node.comp[e] * sep.recovery))
                        .fold(0.0, f64::max);
                    let x = avail.min(room / out_per_t).min(for_need);
                    if x <= 1e-12 {
                        continue;
                    }
                    avail -= x;
                    self.conc_left[j] -= x;
                    let mut made = 0.0;
                    for (e, share) in node.comp.iter() {
                        let q = x * share;
                        if q <= 0.0 {
                            continue;
                        }
                        self.stats.balance.released[e] += q;
                        if !sep.elements.contains(e) {
                            self.stats.balance.losses[e] += q;
                            continue;
                        }
                        let o = q * sep.recovery;
                        self.stats.balance.stockpiled[e] += o;
                        self.stats.balance.losses[e] += q - o;
                        need[e] = (need[e] - o).max(0.0);
                        made += o;
                        if let Some(n) = self.tolled_node(k, OXIDE0 + e.index()) {
                            self.stock_product(n, o);
                        }
                    }
                    self.sep_room[s] -= made;
                    self.sep_made[s] += made;
                    self.stats.tolled[k][0] += made;
                }
            }
        }
    }

    /// Oxide into metal: each arrangement with a metal stage sends its
    /// holder's oxide (what tolling made first) to the converter
    /// countries' metal plants with room left, up to the metal its scope
    /// needs.
    pub(super) fn toll_metal(&mut self, t: usize) {
        let net = self.net;
        for k in 0..net.tolls.len() {
            let toll = &net.tolls[k];
            if toll.metals.is_empty() || self.toll_first[k] == usize::MAX {
                continue;
            }
            for e in Element::ALL {
                let mut need = self.element_need(k, e, 1);
                if need <= 1e-12 {
                    continue;
                }
                let sources = self.sources(k, OXIDE0 + e.index());
                let mut avail: f64 = sources.iter().map(|&(_, a)| a).sum();
                let Some(dst) = self.tolled_node(k, METAL0 + e.index()) else {
                    continue;
                };
                for &(p, a) in &toll.metals {
                    let m = &net.metals[p];
                    if m.mix[e] <= 0.0
                        || avail <= 1e-12
                        || need <= 1e-12
                        || !self.runs(m.facility, m.first, m.last, t)
                    {
                        continue;
                    }
                    let cap = m.cap_month * self.capacity_factor(m.facility);
                    let room = (cap - self.metal_made[p]).max(0.0) * m.mix[e] * self.ramp(k, t, a);
                    let rec = m.recovery.max(1e-9);
                    let x = avail.min(room / rec).min(need / rec);
                    if x <= 1e-12 {
                        continue;
                    }
                    self.draw(&sources, avail, x);
                    avail -= x;
                    let o = x * m.recovery;
                    need -= o;
                    self.stats.balance.released[e] += x;
                    self.stats.balance.stockpiled[e] += o;
                    self.stats.balance.losses[e] += x - o;
                    self.metal_made[p] += o;
                    self.stock_product(dst, o);
                    self.stats.tolled[k][1] += o;
                }
            }
        }
    }

    /// Metal into magnets: each arrangement with a magnet stage has the
    /// converter countries' magnet plants make the grades its scope is
    /// short of from its holder's metal, in each grade's recipe, out of
    /// their room left (t magnet, whatever grade they make for their own
    /// market), up to the magnets its scope needs. `made[plant]` is what each plant
    /// made for the market this month, t magnet.
    pub(super) fn toll_magnets(&mut self, t: usize, made: &mut [f64]) {
        let net = self.net;
        for k in 0..net.tolls.len() {
            let toll = &net.tolls[k];
            if toll.magnets.is_empty() || self.toll_first[k] == usize::MAX {
                continue;
            }
            for g in 0..net.grade_reo.len() {
                let good = MAGNET0 + g;
                let mut need = (self.scope_unmet(k, good) - self.releasable(k, good)).max(0.0);
                if need <= 1e-12 {
                    continue;
                }
                let Some(dst) = self.tolled_node(k, good) else {
                    continue;
                };
                let content = &net.good_content[good];
                // Per element of the recipe: the holder's metal it may use.
                let sources: Vec<Vec<(usize, f64)>> = content
                    .iter()
                    .map(|&(e, _)| self.sources(k, METAL0 + e.index()))
                    .collect();
                let mut avail: Vec<f64> = sources
                    .iter()
                    .map(|s| s.iter().map(|&(_, a)| a).sum())
                    .collect();
                for &(p, a) in &toll.magnets {
                    // A grade is a recipe, not a line: under contract a
                    // plant makes the grade its client is short of.
                    let m = &net.magnets[p];
                    if need <= 1e-12 || !self.runs(m.facility, m.first, m.last, t) {
                        continue;
                    }
                    let cap = m.cap_month * self.capacity_factor(m.facility);
                    let room = (cap - made[p]).max(0.0) * self.ramp(k, t, a);
                    let mut z = room.min(need);
                    for (i, &(_, q)) in content.iter().enumerate() {
                        z = z.min(avail[i] / q);
                    }
                    if z <= 1e-12 {
                        continue;
                    }
                    for (i, &(e, q)) in content.iter().enumerate() {
                        self.draw(&sources[i], avail[i], z * q);
                        avail[i] -= z * q;
                        self.stats.balance.released[e] += z * q;
                        self.stats.balance.stockpiled[e] += z * q;
                    }
                    made[p] += z;
                    need -= z;
                    self.stock_product(dst, z);
                    self.stats.tolled[k][2] += z * net.good_content_total[good];
                }
            }
        }
    }

    /// The holder's stock nodes of good `g` that tolling may draw on,
    /// with what each may give: what tolling made first, then the rest.
    fn sources(&self, k: usize, g: usize) -> Vec<(usize, f64)> {
        let h = self.net.tolls[k].holder;
        let mut out: Vec<(usize, f64)> = self
            .net
            .stocks
            .iter()
            .enumerate()
            .filter(|(_, n)| n.holder == h && n.good == g)
            .map(|(s, _)| (s, self.toll_avail(s)))
            .filter(|&(_, a)| a > 1e-12)
            .collect();
        out.sort_by_key(|&(s, _)| (!self.net.stocks[s].tolled, s));
        out
    }

    /// Draws `x` from `sources` (with `total` available among them), in
    /// order.
    fn draw(&mut self, sources: &[(usize, f64)], total: f64, x: f64) {
        let mut left = x.min(total);
        for &(s, _) in sources {
            if left <= 0.0 {
                break;
            }
            let a = self.toll_avail(s);
            let take = a.min(left);
            self.stock_left[s] -= take;
            self.stock_out[s] += take;
            left -= take;
        }
    }

    /// Last month's shortfall of final demand per country and good (unmet
    /// plus what stockpiles released to it), for the next month's tolling.
    pub(super) fn roll_unmet(&mut self) {
        std::mem::swap(&mut self.unmet_prev, &mut self.unmet_now);
        self.unmet_now.iter_mut().for_each(|x| *x = 0.0);
    }
}

/// Cells of the per-country, per-good unmet vectors tolling reads.
pub(super) fn unmet_cells(n_countries: usize, n_goods: usize, tolling: bool) -> Vec<f64> {
    if tolling {
        vec![0.0; n_countries * n_goods]
    } else {
        Vec::new()
    }
}
