//! Clearing one market for one good in one month: sellers are countries with
//! stock, buyers have a country, a priority tier and a demand, and some
//! exporter→importer routes may be capped by an export restriction.
//!
//! The rule, which the test suite checks against an LP solved by HiGHS:
//! 1. **Priority.** Tiers are served lexicographically: tier 0 gets the most
//!    any routing can give it; tier 1 the most it can get without taking
//!    anything from tier 0; and so on.
//! 2. **Fairness.** Within a tier, countries get the same fraction of their
//!    demand where routes allow (max–min fair); buyers in one country and
//!    tier get the same fraction.
//! 3. **Routing.** Restricted exporters ship what their caps allow first;
//!    every other seller serves its own country first and exports pro rata
//!    to what it has left.
//!
//! Why a closed form: when no route is capped (the usual month) the market
//! clears in O(buyers + countries) with no search. With caps, the maximum
//! flow of this network (unrestricted sellers reach every buyer) has a
//! closed form over subsets of the few restricted exporters, so the
//! lexicographic and fair amounts come from a handful of cheap evaluations
//! rather than a general max-flow per tier.

/// A buyer in a market.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Buyer {
    /// Country index.
    pub country: usize,
    /// Priority tier, 0 = highest.
    pub tier: usize,
    /// Quantity wanted this month.
    pub demand: f64,
}

/// A capped route: at most `max` may go from `exporter` to `importer`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cap {
    /// Exporting country index.
    pub exporter: usize,
    /// Importing country index.
    pub importer: usize,
    /// Maximum quantity this month.
    pub max: f64,
}

/// One market to clear.
#[derive(Debug, Clone, Copy)]
pub struct Market<'a> {
    /// Stock available per country (index = country).
    pub supply: &'a [f64],
    /// The buyers.
    pub buyers: &'a [Buyer],
    /// Capped routes (an exporter never caps its own country).
    pub caps: &'a [Cap],
    /// Number of tiers (every buyer's tier is below it).
    pub n_tiers: usize,
    /// Home group of each country (countries in a sharing agreement share
    /// one); empty = every country is its own home.
    pub home: &'a [usize],
}

/// A shipment between two countries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flow {
    /// From.
    pub exporter: usize,
    /// To.
    pub importer: usize,
    /// Quantity.
    pub tonnes: f64,
}

/// The result of clearing a market.
#[derive(Debug, Clone, Default)]
pub struct Allocation {
    /// Quantity served per buyer (same order as the buyers).
    pub served: Vec<f64>,
    /// Quantity drawn from each country's stock.
    pub drawn: Vec<f64>,
    /// Cross-border shipments (only if asked for, or if routes are capped).
    pub flows: Vec<Flow>,
}

const INF: f64 = f64::INFINITY;

/// Clears markets, reusing its buffers between calls.
#[derive(Debug, Default)]
pub struct Allocator {
    /// Compacted copy of the market (only countries with stock or buyers).
    compact: Compact,
    /// The compact market's result.
    inner: Allocation,
    scratch: [Vec<f64>; 5],
    home_buf: Vec<usize>,
    /// 0, 1, 2 … (the home of each country when there are no groups).
    identity: Vec<usize>,
    /// Buffers of the capped path.
    cs: CappedScratch,
    /// Per-country buffers of the direct uncapped pass, zero between calls.
    zeroed: [Vec<f64>; 4],
    bucket_idx: Vec<u32>,
    bucket_start: Vec<usize>,
    /// need[c]: quantity to deliver into country c.
    need: Vec<f64>,
    left: Vec<f64>,
    fixed: Vec<f64>,
    trial: Vec<f64>,
    served_country_tier: Vec<f64>,
    restricted: Vec<usize>,
    cap_matrix: Vec<f64>,
    frozen: Vec<bool>,
    frozen_at: Vec<f64>,
}

impl Allocator {
    /// A new allocator.
    pub fn new() -> Allocator {
        Allocator::default()
    }

    /// Clears `m` into `out`. Flows are filled when `want_flows` is true or
    /// when routes are capped.
    pub fn allocate(&mut self, m: &Market, want_flows: bool, out: &mut Allocation) {
        // No cap (the usual month): one seller (every concentrate pool,
        // many oxide markets) or several, each in a direct pass.
        if m.caps.iter().all(|c| c.exporter == c.importer) {
            let mut sellers = m.supply.iter().enumerate().filter(|(_, s)| **s > 0.0);
            if let (Some((x, _)), None) = (sellers.next(), sellers.next()) {
                single_seller(m, x, want_flows, out);
            } else {
                self.uncapped_direct(m, want_flows, out);
            }
            return;
        }
        // Work on the countries that have stock or buyers only: markets
        // involve a handful of the dataset's countries.
        let mut c = std::mem::take(&mut self.compact);
        let mut inner = std::mem::take(&mut self.inner);
        c.build(m);
        let cm = Market {
            supply: &c.supply,
            buyers: &c.buyers,
            caps: &c.caps,
            n_tiers: m.n_tiers,
            home: &c.home,
        };
        self.allocate_dense(&cm, want_flows, &mut inner);
        out.served.clear();
        out.served.extend_from_slice(&inner.served);
        out.drawn.clear();
        out.drawn.resize(m.supply.len(), 0.0);
        for (k, &d) in inner.drawn.iter().enumerate() {
            out.drawn[c.orig[k]] = d;
        }
        out.flows.clear();
        out.flows.extend(inner.flows.iter().map(|f| Flow {
            exporter: c.orig[f.exporter],
            importer: c.orig[f.importer],
            tonnes: f.tonnes,
        }));
        self.compact = c;
        self.inner = inner;
    }

    /// [`Allocator::allocate`] without caps, on the original country
    /// indices: the same rule as [`Allocator::uncapped`] (home groups first,
    /// then an equal share of what is left anywhere), touching only the
    /// sellers and the buyers' home groups.
    fn uncapped_direct(&mut self, m: &Market, want_flows: bool, out: &mut Allocation) {
        let n = m.supply.len();
        out.served.clear();
        out.served.resize(m.buyers.len(), 0.0);
        out.drawn.clear();
        out.drawn.resize(n, 0.0);
        out.flows.clear();
        if self.identity.len() < n {
            self.identity = (0..n).collect();
        }
        let homes: &[usize] = if m.home.len() == n {
            m.home
        } else {
            &self.identity[..n]
        };
        let home = |c: usize| homes[c];
        // These buffers are all zero between calls (each call zeroes what
        // it touched), so no per-call fill over every country.
        let [left, gdem, gleft, gfrac] = &mut self.zeroed;
        for v in [&mut *left, &mut *gdem, &mut *gleft, &mut *gfrac] {
            if v.len() < n {
                v.resize(n, 0.0);
            }
        }
        // Sellers and their stock left.
        let sellers = &mut self.home_buf;
        sellers.clear();
        for (c, &sup) in m.supply.iter().enumerate() {
            if sup > 0.0 {
                left[c] = sup;
                sellers.push(c);
            }
        }
        let (idx, start) = (&mut self.bucket_idx, &mut self.bucket_start);
        tier_buckets(m.buyers, m.n_tiers, idx, start);
        for t in 0..m.n_tiers {
            let tier = &idx[start[t]..start[t + 1]];
            if tier.is_empty() {
                continue;
            }
            for &i in tier {
                let b = &m.buyers[i as usize];
                gdem[home(b.country)] += b.demand.max(0.0);
            }
            for &c in sellers.iter() {
                gleft[home(c)] += left[c];
            }
            // Home step: each group's own stock.
            let mut rem_total = 0.0;
            for &i in tier {
                let b = &m.buyers[i as usize];
                let g = home(b.country);
                if gfrac[g] == 0.0 && gdem[g] > 0.0 {
                    // First buyer of the group this tier: settle the group.
                    let h = gdem[g].min(gleft[g]);
                    gfrac[g] = if h > 0.0 { h / gdem[g] } else { -1.0 };
                    rem_total += gdem[g] - h.max(0.0);
                }
            }
            for &c in sellers.iter() {
                let g = home(c);
                if gfrac[g] > 0.0 && gleft[g] > 0.0 {
                    let h = gdem[g] * gfrac[g];
                    let draw = left[c] * h / gleft[g];
                    out.drawn[c] += draw;
                    if want_flows {
                        for b in tier
                            .iter()
                            .map(|&i| &m.buyers[i as usize])
                            .filter(|b| home(b.country) == g && b.country != c)
                        {
                            let q = draw * b.demand.max(0.0) / gdem[g];
                            match out
                                .flows
                                .iter_mut()
                                .find(|f| f.exporter == c && f.importer == b.country)
                            {
                                Some(f) => f.tonnes += q,
                                None => out.flows.push(Flow {
                                    exporter: c,
                                    importer: b.country,
                                    tonnes: q,
                                }),
                            }
                        }
                    }
                }
            }
            for &c in sellers.iter() {
                let g = home(c);
                if gfrac[g] > 0.0 && gleft[g] > 0.0 {
                    left[c] -= left[c] * (gdem[g] * gfrac[g]) / gleft[g];
                }
            }
            // Export step: an equal share of what is left anywhere.
            let l: f64 = sellers.iter().map(|&c| left[c]).sum();
            let f = if rem_total > 0.0 && l > 0.0 {
                (l / rem_total).min(1.0)
            } else {
                0.0
            };
            for &i in tier {
                let i = i as usize;
                let b = &m.buyers[i];
                let g = home(b.country);
                let hf = gfrac[g].max(0.0);
                let d = b.demand.max(0.0);
                out.served[i] = d * (hf + (1.0 - hf) * f);
                if want_flows && f > 0.0 && hf < 1.0 {
                    let need = d * (1.0 - hf) * f;
                    for &c in sellers.iter() {
                        if c != b.country && left[c] > 0.0 {
                            let q = need * left[c] / l;
                            match out
                                .flows
                                .iter_mut()
                                .find(|fl| fl.exporter == c && fl.importer == b.country)
                            {
                                Some(fl) => fl.tonnes += q,
                                None => out.flows.push(Flow {
                                    exporter: c,
                                    importer: b.country,
                                    tonnes: q,
                                }),
                            }
                        }
                    }
                }
            }
            if f > 0.0 {
                let k = rem_total * f / l;
                for &c in sellers.iter() {
                    let d = left[c] * k;
                    out.drawn[c] += d;
                    left[c] -= d;
                }
            }
            // Reset the groups touched this tier.
            for &i in tier {
                let g = home(m.buyers[i as usize].country);
                gdem[g] = 0.0;
                gfrac[g] = 0.0;
            }
            for &c in sellers.iter() {
                gleft[home(c)] = 0.0;
            }
        }
        for &c in sellers.iter() {
            left[c] = 0.0;
        }
    }

    /// [`Allocator::allocate`] on a market whose countries are all active.
    fn allocate_dense(&mut self, m: &Market, want_flows: bool, out: &mut Allocation) {
        let n = m.supply.len();
        out.served.clear();
        out.served.resize(m.buyers.len(), 0.0);
        out.drawn.clear();
        out.drawn.resize(n, 0.0);
        out.flows.clear();
        // Home groups; a capped route between two members splits them.
        let mut home = std::mem::take(&mut self.home_buf);
        home.clear();
        if m.home.len() == n {
            home.extend_from_slice(m.home);
        } else {
            home.extend(0..n);
        }
        for c in m.caps {
            if c.exporter != c.importer && home[c.exporter] == home[c.importer] {
                let g = home[c.exporter];
                for (k, h) in home.iter_mut().enumerate() {
                    if *h == g {
                        *h = k;
                    }
                }
            }
        }
        let active_caps = m.caps.iter().any(|c| c.exporter != c.importer);
        if active_caps {
            self.capped(m, &home, out);
        } else {
            self.uncapped(m, &home, want_flows, out);
        }
        self.home_buf = home;
    }

    /// No capped route: tier by tier, each home group's buyers draw on the
    /// group's own stock first, then every buyer with demand left gets the
    /// same share of what remains anywhere.
    fn uncapped(&mut self, m: &Market, home: &[usize], want_flows: bool, out: &mut Allocation) {
        let n = m.supply.len();
        self.left.clear();
        self.left.extend(m.supply.iter().map(|s| s.max(0.0)));
        self.served_country_tier.clear();
        self.served_country_tier.resize(m.n_tiers * n, 0.0);
        let [mut tier_dem, mut dem, mut gdem, mut gleft, mut rem] =
            std::mem::take(&mut self.scratch);
        for (v, len) in [
            (&mut tier_dem, m.n_tiers * n),
            (&mut dem, n),
            (&mut gdem, n),
            (&mut gleft, n),
            (&mut rem, n),
        ] {
            v.clear();
            v.resize(len, 0.0);
        }
        for b in m.buyers {
            tier_dem[b.tier * n + b.country] += b.demand.max(0.0);
        }
        for t in 0..m.n_tiers {
            dem.copy_from_slice(&tier_dem[t * n..(t + 1) * n]);
            if dem.iter().all(|d| *d <= 0.0) {
                continue;
            }
            gdem.iter_mut().for_each(|x| *x = 0.0);
            gleft.iter_mut().for_each(|x| *x = 0.0);
            for c in 0..n {
                gdem[home[c]] += dem[c];
                gleft[home[c]] += self.left[c];
            }
            // Home step.
            for c in 0..n {
                let g = home[c];
                let frac = if gdem[g] > 0.0 {
                    (gleft[g] / gdem[g]).min(1.0)
                } else {
                    0.0
                };
                self.served_country_tier[t * n + c] = dem[c] * frac;
                rem[c] = dem[c] * (1.0 - frac);
            }
            for c in 0..n {
                let g = home[c];
                if gleft[g] <= 0.0 || self.left[c] <= 0.0 {
                    continue;
                }
                let h = gdem[g].min(gleft[g]);
                let draw = self.left[c] * h / gleft[g];
                out.drawn[c] += draw;
                if want_flows && gdem[g] > 0.0 {
                    for b in 0..n {
                        if b != c && home[b] == g && dem[b] > 0.0 {
                            out.flows.push(Flow {
                                exporter: c,
                                importer: b,
                                tonnes: draw * dem[b] / gdem[g],
                            });
                        }
                    }
                }
            }
            for c in 0..n {
                let g = home[c];
                if gleft[g] > 0.0 {
                    let h = gdem[g].min(gleft[g]);
                    self.left[c] -= self.left[c] * h / gleft[g];
                }
            }
            // Export step.
            let r: f64 = rem.iter().sum();
            let l: f64 = self.left.iter().sum();
            if r <= 0.0 || l <= 0.0 {
                continue;
            }
            let f = (l / r).min(1.0);
            for c in 0..n {
                if rem[c] > 0.0 {
                    self.served_country_tier[t * n + c] += rem[c] * f;
                    if want_flows {
                        for i in 0..n {
                            if i != c && self.left[i] > 0.0 {
                                out.flows.push(Flow {
                                    exporter: i,
                                    importer: c,
                                    tonnes: rem[c] * f * self.left[i] / l,
                                });
                            }
                        }
                    }
                }
            }
            let k = r * f / l;
            for i in 0..n {
                let d = self.left[i] * k;
                out.drawn[i] += d;
                self.left[i] -= d;
            }
        }
        for (i, b) in m.buyers.iter().enumerate() {
            let d = tier_dem[b.tier * n + b.country];
            if d > 0.0 {
                out.served[i] =
                    b.demand.max(0.0) * self.served_country_tier[b.tier * n + b.country] / d;
            }
        }
    }

    /// Some routes capped: lexicographic tiers, max–min fair countries.
    fn capped(&mut self, m: &Market, home: &[usize], out: &mut Allocation) {
        let n = m.supply.len();
        let nt = m.n_tiers;
        // Cap matrix over restricted exporters only (moved out of `self`
        // while `self`'s other buffers are in use).
        let mut restricted = std::mem::take(&mut self.restricted);
        let mut cap_matrix = std::mem::take(&mut self.cap_matrix);
        restricted.clear();
        for c in m.caps {
            if c.exporter != c.importer && !restricted.contains(&c.exporter) {
                restricted.push(c.exporter);
            }
        }
        restricted.sort_unstable();
        let r = restricted.len();
        cap_matrix.clear();
        cap_matrix.resize(r * n, INF);
        for c in m.caps {
            if c.exporter == c.importer {
                continue;
            }
            let k = restricted
                .iter()
                .position(|&x| x == c.exporter)
                .unwrap_or(0);
            let cell = &mut cap_matrix[k * n + c.importer];
            *cell = cell.min(c.max.max(0.0));
        }
        let net = Net {
            supply: m.supply,
            restricted: &restricted,
            caps: &cap_matrix,
            n,
        };

        // Demand per country and tier.
        self.served_country_tier.clear();
        self.served_country_tier.resize(nt * n, 0.0);
        self.fixed.clear();
        self.fixed.resize(n, 0.0);
        let mut cs = std::mem::take(&mut self.cs);
        let mut tier_dem = std::mem::take(&mut cs.tier_dem);
        tier_dem.clear();
        tier_dem.resize(nt * n, 0.0);
        for b in m.buyers {
            tier_dem[b.tier * n + b.country] += b.demand.max(0.0);
        }
        // A ledger of each country's stock, drawn home first, to set the
        // home floors of the next tier.
        let mut est_left = std::mem::take(&mut cs.est_left);
        est_left.clear();
        est_left.extend(m.supply.iter().map(|s| s.max(0.0)));
        let mut floor = std::mem::take(&mut cs.floor);
        floor.clear();
        floor.resize(n, 0.0);
        for t in 0..nt {
            let dem = &tier_dem[t * n..(t + 1) * n];
            let total: f64 = dem.iter().sum();
            if total <= 0.0 {
                continue;
            }
            // Everything servable?
            self.trial.clear();
            self.trial
                .extend(self.fixed.iter().zip(dem).map(|(f, d)| f + d));
            let want: f64 = self.trial.iter().sum();
            if net.max_flow(&self.trial) >= want - 1e-9 * (1.0 + want) {
                for c in 0..n {
                    self.served_country_tier[t * n + c] = dem[c];
                    self.fixed[c] += dem[c];
                }
                debit(&mut est_left, home, dem, &mut cs.g1, &mut cs.g2);
                continue;
            }
            // Home floors: what each home group's own stock covers, scaled
            // down until routable with the tiers above.
            home_floors(home, dem, &est_left, &mut floor, &mut cs.g1, &mut cs.g2);
            self.scale_floors(&net, &mut floor, &mut cs.points);
            // Then max–min fair shares of the rest: x = floor + f·(dem − floor).
            self.frozen.clear();
            self.frozen.resize(n, false);
            self.frozen_at.clear();
            self.frozen_at.resize(n, 0.0);
            for c in 0..n {
                if dem[c] - floor[c] <= 0.0 {
                    self.frozen[c] = true;
                    self.frozen_at[c] = floor[c].min(dem[c]);
                }
            }
            let mut lo = 0.0f64;
            if net.restricted.len() == 1 {
                lo = self.max_min_single(&net, dem, &floor, &mut cs);
            }
            self.max_min_bisect(&net, dem, &floor, lo);
            let mut got = std::mem::take(&mut cs.got);
            got.clear();
            got.resize(n, 0.0);
            for c in 0..n {
                let x = self.frozen_at[c].min(dem[c]);
                self.served_country_tier[t * n + c] = x;
                self.fixed[c] += x;
                got[c] = x;
            }
            debit(&mut est_left, home, &got, &mut cs.g1, &mut cs.g2);
            cs.got = got;
        }
        // Route the fixed totals; what cannot be routed (rounding) is taken
        // back from the lowest tiers.
        self.need.clear();
        self.need.extend_from_slice(&self.fixed);
        let mut routed = std::mem::take(&mut cs.received);
        route_capped(&net, &mut self.need, &mut self.left, out, &mut routed);
        for c in 0..n {
            let mut short = (self.fixed[c] - routed[c]).max(0.0);
            for t in (0..nt).rev() {
                if short <= 0.0 {
                    break;
                }
                let cell = &mut self.served_country_tier[t * n + c];
                let take = cell.min(short);
                *cell -= take;
                short -= take;
            }
        }
        // Buyers in one country and tier share pro rata.
        for (i, b) in m.buyers.iter().enumerate() {
            let d = tier_dem[b.tier * n + b.country];
            if d > 0.0 {
                out.served[i] =
                    b.demand.max(0.0) * (self.served_country_tier[b.tier * n + b.country] / d);
            }
        }
        self.restricted = restricted;
        self.cap_matrix = cap_matrix;
        cs.tier_dem = tier_dem;
        cs.est_left = est_left;
        cs.floor = floor;
        cs.received = routed;
        self.cs = cs;
    }

    /// Scales a tier's home floors (what each home group's own stock
    /// covers) down until they are routable on top of the tiers above:
    /// exactly with one restricted exporter, by bisection otherwise.
    fn scale_floors(&mut self, net: &Net, floor: &mut [f64], points: &mut Vec<f64>) {
        let n = net.n;
        let floor_ok = |k: f64, s: &mut Self| {
            s.trial.clear();
            for c in 0..n {
                s.trial.push(s.fixed[c] + k * floor[c]);
            }
            let want: f64 = s.trial.iter().sum();
            net.max_flow(&s.trial) >= want - 1e-9 * (1.0 + want)
        };
        if net.restricted.len() == 1 {
            let lambda = net.single_max_f(&self.fixed, floor, 0.0, points);
            if lambda.0 < 1.0 {
                floor.iter_mut().for_each(|x| *x *= lambda.0);
            }
        } else if !floor_ok(1.0, self) {
            let (mut a, mut b) = (0.0f64, 1.0f64);
            for _ in 0..60 {
                let mid = 0.5 * (a + b);
                if floor_ok(mid, self) {
                    a = mid;
                } else {
                    b = mid;
                }
                if b - a < 1e-12 {
                    break;
                }
            }
            floor.iter_mut().for_each(|x| *x *= a);
        }
    }

    /// Max–min fair shares above the floors with one restricted exporter:
    /// the feasible set has two constraints (total stock, and what must
    /// come from unrestricted sellers), so the largest common fraction is
    /// a breakpoint search. Freezes every country and returns the last
    /// fraction reached.
    fn max_min_single(
        &mut self,
        net: &Net,
        dem: &[f64],
        floor: &[f64],
        cs: &mut CappedScratch,
    ) -> f64 {
        let n = net.n;
        let amount = |c: usize, f: f64| floor[c] + f * (dem[c] - floor[c]);
        let mut lo = 0.0f64;
        let mut base = std::mem::take(&mut cs.base);
        let mut dir = std::mem::take(&mut cs.dir);
        base.clear();
        base.resize(n, 0.0);
        dir.clear();
        dir.resize(n, 0.0);
        while self.frozen.iter().any(|f| !f) {
            for c in 0..n {
                if self.frozen[c] {
                    base[c] = self.fixed[c] + self.frozen_at[c];
                    dir[c] = 0.0;
                } else {
                    base[c] = self.fixed[c] + floor[c];
                    dir[c] = dem[c] - floor[c];
                }
            }
            let (f, bind) = net.single_max_f(&base, &dir, lo, &mut cs.points);
            lo = f;
            let mut froze_any = false;
            for c in 0..n {
                if self.frozen[c] {
                    continue;
                }
                let x = amount(c, f);
                let over_cap =
                    self.fixed[c] + x >= net.cap(0, c) - 1e-9 * (1.0 + net.cap(0, c).min(1e300));
                if f >= 1.0 || bind != Bind::Caps || over_cap {
                    self.frozen[c] = true;
                    self.frozen_at[c] = if f >= 1.0 { dem[c] } else { x };
                    froze_any = true;
                }
            }
            if !froze_any {
                // Numerical safety: nobody froze; stop at f.
                for c in 0..n {
                    if !self.frozen[c] {
                        self.frozen[c] = true;
                        self.frozen_at[c] = amount(c, f);
                    }
                }
            }
        }
        cs.base = base;
        cs.dir = dir;
        lo
    }

    /// Max–min fair shares above the floors by bisection on the common
    /// fraction, from `lo`: at each round, the countries that cannot grow
    /// beyond the fraction reached are frozen there.
    fn max_min_bisect(&mut self, net: &Net, dem: &[f64], floor: &[f64], lo: f64) {
        let n = net.n;
        let amount = |c: usize, f: f64| floor[c] + f * (dem[c] - floor[c]);
        let mut lo = lo;
        while self.frozen.iter().any(|f| !f) {
            let feasible = |f: f64, s: &mut Self| {
                s.trial.clear();
                for c in 0..n {
                    let x = if s.frozen[c] {
                        s.frozen_at[c]
                    } else {
                        amount(c, f)
                    };
                    s.trial.push(s.fixed[c] + x);
                }
                let want: f64 = s.trial.iter().sum();
                net.max_flow(&s.trial) >= want - 1e-9 * (1.0 + want)
            };
            let (mut a, mut b) = (lo, 1.0f64);
            if feasible(1.0, self) {
                a = 1.0;
            } else {
                for _ in 0..60 {
                    let mid = 0.5 * (a + b);
                    if feasible(mid, self) {
                        a = mid;
                    } else {
                        b = mid;
                    }
                    if b - a < 1e-12 {
                        break;
                    }
                }
            }
            let f = a;
            lo = f;
            // Freeze those that cannot grow beyond f.
            let mut froze_any = false;
            let bump = (f + 1e-7).min(1.0);
            for c in 0..n {
                if self.frozen[c] {
                    continue;
                }
                if f >= 1.0 {
                    self.frozen[c] = true;
                    self.frozen_at[c] = dem[c];
                    froze_any = true;
                    continue;
                }
                self.trial.clear();
                for k in 0..n {
                    let x = if self.frozen[k] {
                        self.frozen_at[k]
                    } else if k == c {
                        amount(k, bump)
                    } else {
                        amount(k, f)
                    };
                    self.trial.push(self.fixed[k] + x);
                }
                let want: f64 = self.trial.iter().sum();
                if net.max_flow(&self.trial) < want - 1e-9 * (1.0 + want) {
                    self.frozen[c] = true;
                    self.frozen_at[c] = amount(c, f);
                    froze_any = true;
                }
            }
            if !froze_any {
                for c in 0..n {
                    if !self.frozen[c] {
                        self.frozen[c] = true;
                        self.frozen_at[c] = amount(c, f);
                    }
                }
            }
        }
    }
}

/// Buyer indices grouped by tier (a counting sort): the buyers of tier `t`
/// are `idx[start[t]..start[t + 1]]`, in their original order.
fn tier_buckets(buyers: &[Buyer], n_tiers: usize, idx: &mut Vec<u32>, start: &mut Vec<usize>) {
    start.clear();
    start.resize(n_tiers + 1, 0);
    for b in buyers {
        start[b.tier.min(n_tiers - 1) + 1] += 1;
    }
    for t in 0..n_tiers {
        start[t + 1] += start[t];
    }
    idx.clear();
    idx.resize(buyers.len(), 0);
    let mut next: [usize; 16] = [0; 16];
    let k = n_tiers.min(16);
    next[..k].copy_from_slice(&start[..k]);
    for (i, b) in buyers.iter().enumerate() {
        let t = b.tier.min(n_tiers - 1).min(15);
        idx[next[t]] = i as u32;
        next[t] += 1;
    }
}

/// The fills of one seller's `stock` among `buyers`, no route capped: tier
/// by tier, buyers at the seller's home group first, then the others, pro
/// rata within each (what [`single_seller`] serves, without the per-country
/// draws and flows). Used for concentrate pools in months without
/// restrictions on concentrate.
pub(crate) fn serve_single(
    stock: f64,
    seller_home: usize,
    buyers: &[Buyer],
    n_tiers: usize,
    home: &[usize],
    served: &mut Vec<f64>,
) {
    served.clear();
    served.resize(buyers.len(), 0.0);
    let mut left = stock.max(0.0);
    for t in 0..n_tiers {
        let (mut d_home, mut d_other) = (0.0, 0.0);
        for b in buyers.iter().filter(|b| b.tier == t) {
            if home.get(b.country).copied().unwrap_or(b.country) == seller_home {
                d_home += b.demand.max(0.0);
            } else {
                d_other += b.demand.max(0.0);
            }
        }
        if d_home + d_other <= 0.0 {
            continue;
        }
        let h = d_home.min(left);
        left -= h;
        let o = d_other.min(left);
        left -= o;
        let fh = if d_home > 0.0 { h / d_home } else { 0.0 };
        let fo = if d_other > 0.0 { o / d_other } else { 0.0 };
        for (i, b) in buyers.iter().enumerate().filter(|(_, b)| b.tier == t) {
            let at_home = home.get(b.country).copied().unwrap_or(b.country) == seller_home;
            served[i] = b.demand.max(0.0) * if at_home { fh } else { fo };
        }
    }
}

/// [`Allocator::allocate`] when `x` is the only seller and no route is
/// capped: tier by tier, buyers at the seller's home first, then the others,
/// pro rata within each.
fn single_seller(m: &Market, x: usize, want_flows: bool, out: &mut Allocation) {
    let n = m.supply.len();
    out.served.clear();
    out.served.resize(m.buyers.len(), 0.0);
    out.drawn.clear();
    out.drawn.resize(n, 0.0);
    out.flows.clear();
    let home = |c: usize| if m.home.len() == n { m.home[c] } else { c };
    let hx = home(x);
    let total = m.supply[x].max(0.0);
    let mut left = total;
    for t in 0..m.n_tiers {
        let (mut d_home, mut d_other) = (0.0, 0.0);
        for b in m.buyers.iter().filter(|b| b.tier == t) {
            if home(b.country) == hx {
                d_home += b.demand.max(0.0);
            } else {
                d_other += b.demand.max(0.0);
            }
        }
        if d_home + d_other <= 0.0 {
            continue;
        }
        let h = d_home.min(left);
        left -= h;
        let o = d_other.min(left);
        left -= o;
        let (fh, fo) = (
            if d_home > 0.0 { h / d_home } else { 0.0 },
            if d_other > 0.0 { o / d_other } else { 0.0 },
        );
        for (i, b) in m.buyers.iter().enumerate().filter(|(_, b)| b.tier == t) {
            out.served[i] = b.demand.max(0.0) * if home(b.country) == hx { fh } else { fo };
        }
    }
    out.drawn[x] = total - left;
    if want_flows {
        for (i, b) in m.buyers.iter().enumerate() {
            if b.country != x && out.served[i] > 0.0 {
                match out.flows.iter_mut().find(|f| f.importer == b.country) {
                    Some(f) => f.tonnes += out.served[i],
                    None => out.flows.push(Flow {
                        exporter: x,
                        importer: b.country,
                        tonnes: out.served[i],
                    }),
                }
            }
        }
    }
}

/// A market restricted to its active countries (with stock or buyers),
/// renumbered densely.
#[derive(Debug, Default)]
struct Compact {
    /// Original index → compact index (`usize::MAX` if inactive).
    map: Vec<usize>,
    /// Compact index → original index.
    orig: Vec<usize>,
    supply: Vec<f64>,
    buyers: Vec<Buyer>,
    caps: Vec<Cap>,
    home: Vec<usize>,
    leader: Vec<usize>,
}

impl Compact {
    fn build(&mut self, m: &Market) {
        let n = m.supply.len();
        self.map.clear();
        self.map.resize(n, usize::MAX);
        self.orig.clear();
        let add = |c: usize, map: &mut Vec<usize>, orig: &mut Vec<usize>| {
            if map[c] == usize::MAX {
                map[c] = orig.len();
                orig.push(c);
            }
        };
        for (c, &s) in m.supply.iter().enumerate() {
            if s > 0.0 {
                add(c, &mut self.map, &mut self.orig);
            }
        }
        for b in m.buyers {
            add(b.country, &mut self.map, &mut self.orig);
        }
        // Keep the original order so results do not depend on who came first.
        self.orig.sort_unstable();
        for (k, &c) in self.orig.iter().enumerate() {
            self.map[c] = k;
        }
        self.supply.clear();
        self.supply.extend(self.orig.iter().map(|&c| m.supply[c]));
        self.buyers.clear();
        self.buyers.extend(m.buyers.iter().map(|b| Buyer {
            country: self.map[b.country],
            ..*b
        }));
        self.caps.clear();
        for cap in m.caps {
            let (x, c) = (self.map[cap.exporter], self.map[cap.importer]);
            if x != usize::MAX && c != usize::MAX {
                self.caps.push(Cap {
                    exporter: x,
                    importer: c,
                    max: cap.max,
                });
            }
        }
        // Home groups: the first active member leads.
        self.leader.clear();
        self.leader.resize(n, usize::MAX);
        self.home.clear();
        for (k, &c) in self.orig.iter().enumerate() {
            let h = if m.home.len() == n { m.home[c] } else { c };
            if self.leader[h] == usize::MAX {
                self.leader[h] = k;
            }
            self.home.push(self.leader[h]);
        }
    }
}

/// Buffers the capped path reuses between calls.
#[derive(Debug, Default)]
struct CappedScratch {
    tier_dem: Vec<f64>,
    est_left: Vec<f64>,
    floor: Vec<f64>,
    base: Vec<f64>,
    dir: Vec<f64>,
    got: Vec<f64>,
    g1: Vec<f64>,
    g2: Vec<f64>,
    points: Vec<f64>,
    received: Vec<f64>,
}

/// Home floors of one tier: each home group's demand covered by its own
/// (estimated) stock, shared among members in proportion to demand.
fn home_floors(
    home: &[usize],
    dem: &[f64],
    left: &[f64],
    floor: &mut [f64],
    gdem: &mut Vec<f64>,
    gleft: &mut Vec<f64>,
) {
    let n = dem.len();
    gdem.clear();
    gdem.resize(n, 0.0);
    gleft.clear();
    gleft.resize(n, 0.0);
    for c in 0..n {
        gdem[home[c]] += dem[c];
        gleft[home[c]] += left[c];
    }
    for c in 0..n {
        let g = home[c];
        floor[c] = if gdem[g] > 0.0 {
            dem[c] * (gleft[g] / gdem[g]).min(1.0)
        } else {
            0.0
        };
    }
}

/// Draws `got` from the ledger: each home group's own stock first, the rest
/// pro rata from everyone's.
fn debit(
    left: &mut [f64],
    home: &[usize],
    got: &[f64],
    gneed: &mut Vec<f64>,
    gleft: &mut Vec<f64>,
) {
    let n = got.len();
    gneed.clear();
    gneed.resize(n, 0.0);
    gleft.clear();
    gleft.resize(n, 0.0);
    for c in 0..n {
        gneed[home[c]] += got[c];
        gleft[home[c]] += left[c];
    }
    let mut rest = 0.0;
    for g in 0..n {
        let take = gneed[g].min(gleft[g]);
        rest += gneed[g] - take;
        if gleft[g] > 0.0 {
            for c in 0..n {
                if home[c] == g {
                    left[c] -= left[c] * take / gleft[g];
                }
            }
        }
    }
    let total: f64 = left.iter().sum();
    if rest > 0.0 && total > 0.0 {
        let k = (rest / total).min(1.0);
        for x in left.iter_mut() {
            *x -= *x * k;
        }
    }
}

/// The network of a capped market: every unrestricted seller reaches every
/// country; restricted sellers reach countries within their caps.
struct Net<'a> {
    supply: &'a [f64],
    restricted: &'a [usize],
    /// Row per restricted exporter, column per importer; `INF` = uncapped.
    caps: &'a [f64],
    n: usize,
}

/// Which constraint stopped a fraction from growing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bind {
    /// Nothing: the fraction reached 1.
    None,
    /// All stock is used.
    Total,
    /// The unrestricted sellers' stock is used by countries the restricted
    /// exporter cannot serve more of.
    Caps,
}

impl Net<'_> {
    /// With one restricted exporter X: the largest `f` in `[f0, 1]` for
    /// which delivering `base[c] + f·dir[c]` to every country is feasible.
    /// Feasible means total ≤ all stock, and what countries take beyond
    /// X's caps to them ≤ the unrestricted sellers' stock.
    fn single_max_f(
        &self,
        base: &[f64],
        dir: &[f64],
        f0: f64,
        points: &mut Vec<f64>,
    ) -> (f64, Bind) {
        let n = self.n;
        let x = self.restricted[0];
        let s_x = self.supply[x].max(0.0);
        let s_u: f64 = (0..n)
            .filter(|&c| c != x)
            .map(|c| self.supply[c].max(0.0))
            .sum();
        let tol = 1e-9 * (1.0 + s_u + s_x);
        // Total stock.
        let b_sum: f64 = base.iter().sum();
        let d_sum: f64 = dir.iter().sum();
        let f_total = if d_sum > 0.0 {
            (s_u + s_x - b_sum) / d_sum
        } else {
            f64::INFINITY
        };
        // Excess over caps, piecewise linear and convex in f: a sweep over
        // the breakpoints where countries reach their caps. `points` holds
        // (breakpoint, slope added) pairs, flattened.
        let (mut v, mut slope) = (0.0, 0.0);
        points.clear();
        for c in 0..n {
            let cap = self.cap(0, c);
            if !cap.is_finite() {
                continue;
            }
            let at0 = base[c] + f0 * dir[c] - cap;
            if at0 > 0.0 {
                v += at0;
                slope += dir[c];
            } else if dir[c] > 0.0 {
                let b = (cap - base[c]) / dir[c];
                if b < 1.0 {
                    points.push(b.max(f0));
                    points.push(dir[c]);
                }
            }
        }
        let mut pairs: Vec<(f64, f64)> = Vec::with_capacity(points.len() / 2);
        for k in (0..points.len()).step_by(2) {
            pairs.push((points[k], points[k + 1]));
        }
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let limit = s_u + tol;
        let f_caps = if v > limit {
            f0
        } else {
            let mut f = f0;
            let mut found = f64::INFINITY;
            for &(b, d) in pairs.iter().chain(std::iter::once(&(1.0, 0.0))) {
                let v_b = v + slope * (b - f);
                if v_b > limit {
                    found = if slope > 0.0 {
                        (f + (s_u - v) / slope).clamp(f, b)
                    } else {
                        f
                    };
                    break;
                }
                f = b;
                v = v_b;
                slope += d;
            }
            found
        };
        let f = f_total.min(f_caps).min(1.0).max(f0);
        let bind = if f_total.min(f_caps) >= 1.0 {
            Bind::None
        } else if f_total <= f_caps {
            Bind::Total
        } else {
            Bind::Caps
        };
        (f, bind)
    }

    fn is_restricted(&self, c: usize) -> bool {
        self.restricted.contains(&c)
    }

    fn cap(&self, k: usize, importer: usize) -> f64 {
        if self.restricted[k] == importer {
            INF
        } else {
            self.caps[k * self.n + importer]
        }
    }

    /// Maximum total deliverable to countries wanting `need[c]`: the
    /// minimum cut, which is either every buyer's demand, or the
    /// unrestricted sellers' stock plus, over subsets T of restricted
    /// sellers, the stock of T plus what the others' routes can carry.
    fn max_flow(&self, need: &[f64]) -> f64 {
        let total: f64 = need.iter().sum();
        let s_u: f64 = (0..self.n)
            .filter(|c| !self.is_restricted(*c))
            .map(|c| self.supply[c].max(0.0))
            .sum();
        let r = self.restricted.len();
        let mut best = INF;
        for mask in 0u32..(1u32 << r) {
            let mut cut = 0.0;
            for k in 0..r {
                if mask & (1 << k) != 0 {
                    cut += self.supply[self.restricted[k]].max(0.0);
                }
            }
            for (c, &d) in need.iter().enumerate() {
                if d <= 0.0 {
                    continue;
                }
                let mut reach = 0.0;
                for k in 0..r {
                    if mask & (1 << k) == 0 {
                        reach += self.cap(k, c);
                    }
                }
                cut += d.min(reach);
            }
            best = best.min(cut);
        }
        total.min(s_u + best)
    }
}

/// Routes `need` through a capped network: restricted sellers ship what
/// their caps allow (own country first), then unrestricted sellers cover the
/// rest as in [`route_uncapped`]. Returns what each country received.
fn route_capped(
    net: &Net,
    need: &mut [f64],
    left: &mut Vec<f64>,
    out: &mut Allocation,
    received: &mut Vec<f64>,
) {
    let n = net.n;
    received.clear();
    received.resize(n, 0.0);
    left.clear();
    left.extend(net.supply.iter().map(|s| s.max(0.0)));
    // One restricted seller: its own country first, then its capped
    // routes pro rata (any order that exhausts its stock or the caps is a
    // maximum). Several: a max flow, which needs no such order.
    if net.restricted.len() == 1 {
        let x = net.restricted[0];
        let own = need[x].min(left[x]);
        need[x] -= own;
        left[x] -= own;
        received[x] += own;
        out.drawn[x] += own;
    }
    if net.restricted.len() == 1 {
        let x = net.restricted[0];
        let mut want = 0.0;
        for c in 0..n {
            if c != x && !net.is_restricted(c) {
                want += need[c].min(net.cap(0, c));
            }
        }
        if want > 0.0 && left[x] > 0.0 {
            let k = (left[x] / want).min(1.0);
            for c in 0..n {
                if c == x || net.is_restricted(c) {
                    continue;
                }
                let q = need[c].min(net.cap(0, c)) * k;
                if q > 0.0 {
                    need[c] -= q;
                    left[x] -= q;
                    received[c] += q;
                    out.drawn[x] += q;
                    out.flows.push(Flow {
                        exporter: x,
                        importer: c,
                        tonnes: q,
                    });
                }
            }
        }
    } else if !net.restricted.is_empty() {
        restricted_max_flow(net, need, left, received, out);
    }
    // Unrestricted sellers.
    let mut import_total = 0.0;
    for c in 0..n {
        // A restricted exporter's own remaining need is served by the
        // unrestricted sellers below.
        if !net.is_restricted(c) {
            let own = need[c].min(left[c]);
            left[c] -= own;
            need[c] -= own;
            received[c] += own;
            out.drawn[c] += own;
        }
        import_total += need[c];
    }
    let avail: f64 = (0..n)
        .filter(|c| !net.is_restricted(*c))
        .map(|c| left[c])
        .sum();
    if import_total > 0.0 && avail > 0.0 {
        let k = (avail / import_total).min(1.0);
        for c in 0..n {
            if need[c] <= 0.0 {
                continue;
            }
            let take = need[c] * k;
            for i in 0..n {
                if net.is_restricted(i) || left[i] <= 0.0 || i == c {
                    continue;
                }
                let q = take * left[i] / avail;
                out.drawn[i] += q;
                out.flows.push(Flow {
                    exporter: i,
                    importer: c,
                    tonnes: q,
                });
            }
            received[c] += take;
            need[c] -= take;
        }
        // Update what is left (for completeness; not used afterwards).
        let used = (import_total * k).min(avail);
        for i in 0..n {
            if !net.is_restricted(i) {
                left[i] -= left[i] / avail * used;
            }
        }
    }
}

/// Max flow from several restricted sellers into countries, by augmenting
/// paths on the small bipartite graph (exporters × importers).
fn restricted_max_flow(
    net: &Net,
    need: &mut [f64],
    left: &mut [f64],
    received: &mut [f64],
    out: &mut Allocation,
) {
    let n = net.n;
    let r = net.restricted.len();
    // flow[k][c]
    let mut flow = vec![0.0; r * n];
    // Residual capacities: source→k (left), k→c (cap − flow, reverse flow), c→sink (need).
    loop {
        // BFS over nodes: 0 = source, 1..=r exporters, r+1..=r+n importers, sink.
        let nodes = r + n + 2;
        let sink = nodes - 1;
        let mut prev = vec![usize::MAX; nodes];
        prev[0] = 0;
        let mut queue = std::collections::VecDeque::new();
        queue.push_back(0usize);
        while let Some(u) = queue.pop_front() {
            if u == sink {
                break;
            }
            let visit = |v: usize,
                         ok: bool,
                         prev: &mut Vec<usize>,
                         q: &mut std::collections::VecDeque<usize>| {
                if ok && prev[v] == usize::MAX {
                    prev[v] = u;
                    q.push_back(v);
                }
            };
            if u == 0 {
                for k in 0..r {
                    visit(
                        1 + k,
                        left[net.restricted[k]] > 1e-12,
                        &mut prev,
                        &mut queue,
                    );
                }
            } else if u <= r {
                let k = u - 1;
                for c in 0..n {
                    let res = net.cap(k, c) - flow[k * n + c];
                    visit(1 + r + c, res > 1e-12, &mut prev, &mut queue);
                }
            } else if u < sink {
                let c = u - 1 - r;
                visit(sink, need[c] > 1e-12, &mut prev, &mut queue);
                for k in 0..r {
                    visit(1 + k, flow[k * n + c] > 1e-12, &mut prev, &mut queue);
                }
            }
        }
        if prev[sink] == usize::MAX {
            break;
        }
        // Bottleneck.
        let mut v = sink;
        let mut bottleneck = INF;
        while v != 0 {
            let u = prev[v];
            let res = if u == 0 {
                left[net.restricted[v - 1]]
            } else if v == sink {
                need[u - 1 - r]
            } else if u <= r {
                net.cap(u - 1, v - 1 - r) - flow[(u - 1) * n + (v - 1 - r)]
            } else {
                flow[(v - 1) * n + (u - 1 - r)]
            };
            bottleneck = bottleneck.min(res);
            v = u;
        }
        if bottleneck <= 1e-12 || !bottleneck.is_finite() {
            break;
        }
        let mut v = sink;
        while v != 0 {
            let u = prev[v];
            if u == 0 {
                left[net.restricted[v - 1]] -= bottleneck;
            } else if v == sink {
                need[u - 1 - r] -= bottleneck;
            } else if u <= r {
                flow[(u - 1) * n + (v - 1 - r)] += bottleneck;
            } else {
                flow[(v - 1) * n + (u - 1 - r)] -= bottleneck;
            }
            v = u;
        }
    }
    for k in 0..r {
        let x = net.restricted[k];
        for c in 0..n {
            let q = flow[k * n + c];
            if q > 0.0 {
                received[c] += q;
                out.drawn[x] += q;
                if c != x {
                    out.flows.push(Flow {
                        exporter: x,
                        importer: c,
                        tonnes: q,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        supply: &[f64],
        buyers: &[(usize, usize, f64)],
        caps: &[(usize, usize, f64)],
    ) -> Allocation {
        let buyers: Vec<Buyer> = buyers
            .iter()
            .map(|&(country, tier, demand)| Buyer {
                country,
                tier,
                demand,
            })
            .collect();
        let caps: Vec<Cap> = caps
            .iter()
            .map(|&(exporter, importer, max)| Cap {
                exporter,
                importer,
                max,
            })
            .collect();
        let n_tiers = buyers.iter().map(|b| b.tier + 1).max().unwrap_or(1);
        let mut out = Allocation::default();
        Allocator::new().allocate(
            &Market {
                supply,
                buyers: &buyers,
                caps: &caps,
                n_tiers,
                home: &[],
            },
            true,
            &mut out,
        );
        out
    }

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-6, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn plenty_serves_everyone() {
        let a = run(&[100.0, 0.0], &[(0, 0, 10.0), (1, 1, 20.0)], &[]);
        close(&a.served, &[10.0, 20.0]);
        close(&a.drawn, &[30.0, 0.0]);
    }

    #[test]
    fn higher_tier_first_then_pro_rata() {
        // 30 t for tier 0 (10) and tier 1 (20 + 20), all of it abroad:
        // tier 1 gets half, whoever asks.
        let a = run(
            &[0.0, 0.0, 30.0],
            &[(0, 0, 10.0), (0, 1, 20.0), (1, 1, 20.0)],
            &[],
        );
        close(&a.served, &[10.0, 10.0, 10.0]);
        // Home first within a tier: country 0's own stock serves its tier-1
        // buyer before any is exported.
        let a = run(
            &[30.0, 0.0],
            &[(0, 0, 10.0), (0, 1, 20.0), (1, 1, 20.0)],
            &[],
        );
        close(&a.served, &[10.0, 20.0, 0.0]);
    }

    #[test]
    fn domestic_stock_is_drawn_first() {
        let a = run(&[10.0, 10.0], &[(0, 0, 5.0), (1, 0, 10.0)], &[]);
        // Country 1 draws its own 10; country 0 its own 5.
        close(&a.drawn, &[5.0, 10.0]);
        assert!(a.flows.iter().all(|f| f.tonnes.abs() < 1e-12));
    }

    #[test]
    fn a_ban_routes_around_the_exporter() {
        // Country 0 exports nothing to 1; country 2 has 5 t. Buyer in 1
        // wants 10, buyer in 2 wants 10: 2's own stock goes first to 2? No:
        // max served overall; 0's stock can serve 2, 2's stock serves 1.
        let a = run(
            &[20.0, 0.0, 5.0],
            &[(1, 0, 10.0), (2, 0, 10.0)],
            &[(0, 1, 0.0)],
        );
        // Max flow: 1 can only get 2's 5 t; 2 gets 10 from 0. Fair fraction:
        // both could have 0.5? 1 is capped at 5 (0.5), 2 gets the rest (1.0).
        close(&a.served, &[5.0, 10.0]);
        assert!(
            !a.flows
                .iter()
                .any(|f| f.exporter == 0 && f.importer == 1 && f.tonnes > 1e-9)
        );
    }

    #[test]
    fn a_quota_caps_the_route() {
        let a = run(&[100.0, 0.0], &[(1, 0, 50.0)], &[(0, 1, 12.5)]);
        close(&a.served, &[12.5]);
        let shipped: f64 = a
            .flows
            .iter()
            .filter(|f| f.exporter == 0 && f.importer == 1)
            .map(|f| f.tonnes)
            .sum();
        assert!((shipped - 12.5).abs() < 1e-9);
    }

    #[test]
    fn two_restricted_exporters() {
        // Exporters 0 and 1 each capped at 5 to country 2.
        let a = run(
            &[10.0, 10.0, 0.0],
            &[(2, 0, 20.0), (0, 1, 10.0)],
            &[(0, 2, 5.0), (1, 2, 5.0)],
        );
        close(&a.served, &[10.0, 10.0]);
    }
}

#[cfg(test)]
mod regression {
    use super::*;

    #[test]
    fn domestic_lower_tier_after_a_capped_export() {
        let supply = [74.16828595779498, 0.0];
        let buyers = [
            Buyer {
                country: 0,
                tier: 1,
                demand: 40.757226080925626,
            },
            Buyer {
                country: 1,
                tier: 0,
                demand: 54.91005694743509,
            },
        ];
        let caps = [Cap {
            exporter: 0,
            importer: 1,
            max: 5.199913681778282,
        }];
        let mut out = Allocation::default();
        Allocator::new().allocate(
            &Market {
                supply: &supply,
                buyers: &buyers,
                caps: &caps,
                n_tiers: 3,
                home: &[],
            },
            true,
            &mut out,
        );
        assert!(
            (out.served[1] - 5.199913681778282).abs() < 1e-6,
            "{:?}",
            out.served
        );
        assert!(
            (out.served[0] - 40.757226080925626).abs() < 1e-6,
            "{:?}",
            out.served
        );
    }
}
