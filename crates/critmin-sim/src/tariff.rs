//! Import tariffs on one cleared market (`docs/simulation.md`, "Tariffs"):
//! trade diversion — importers that levy a tariff take their imports from
//! untariffed sellers first — and the levy on what still crosses a
//! tariffed route.
//!
//! Diversion never changes what any buyer is served. In two steps, on a
//! cleared market:
//! 1. **Idle untariffed stock first.** A seller `y` left with stock after
//!    the market cleared, whose route to `i` is untariffed, takes over
//!    the tariffed flow `x → i` up to what it has left: `x` draws that
//!    much less, `y` that much more.
//! 2. **Partners swap.** A tariffed flow `x → i` and an untariffed flow
//!    `y → j` trade partners (`y → i`, `x → j`) when neither new route is
//!    tariffed; what each country's stock gives is unchanged.
//!
//! No route capped by an export restriction is touched, and no delivery
//! inside a home group (a sharing agreement's members serve each other
//! first) is moved. The result is the routing a buyer in `i` would pick
//! when untariffed material costs it less than tariffed material at the
//! same market price; the mass balance and the caps hold as before.

use crate::alloc::Flow;

/// Flows below this (t REO-eq) are treated as empty.
const EPS: f64 = 1e-12;

/// How a market's routes stand for diversion.
pub(crate) struct Routes<'a> {
    /// `rate(x, c)`: the total tariff rate on the route `x → c` (0 =
    /// untariffed).
    pub rate: &'a dyn Fn(usize, usize) -> f64,
    /// `capped(x, c)`: whether an export restriction caps it this month.
    pub capped: &'a dyn Fn(usize, usize) -> bool,
    /// Each country's home group.
    pub home: &'a [usize],
}

/// Re-routes `flows` away from tariffed routes (see the module doc);
/// `supply` is each country's stock before the market cleared and
/// `drawn` what the market drew from it (updated). Returns the moves as
/// `(x, i, tonnes)`: tonnes moved off the tariffed route `x → i`.
pub(crate) fn divert(
    flows: &mut Vec<Flow>,
    supply: &[f64],
    drawn: &mut [f64],
    routes: &Routes,
) -> Vec<(usize, usize, f64)> {
    let (rate, capped, home) = (routes.rate, routes.capped, routes.home);
    let mut swaps = Vec::new();
    let same_home = |a: usize, b: usize| home.get(a).is_some_and(|h| home.get(b) == Some(h));
    // 1. Idle untariffed stock takes over tariffed flows.
    let n_flows = flows.len();
    for a in 0..n_flows {
        let (x, i) = (flows[a].exporter, flows[a].importer);
        if flows[a].tonnes <= EPS
            || x >= drawn.len()
            || rate(x, i) <= 0.0
            || capped(x, i)
            || same_home(x, i)
        {
            continue;
        }
        for y in 0..supply.len().min(drawn.len()) {
            let idle = supply[y] - drawn[y];
            if flows[a].tonnes <= EPS {
                break;
            }
            if y == x || y == i || idle <= EPS || rate(y, i) > 0.0 || capped(y, i) {
                continue;
            }
            let s = flows[a].tonnes.min(idle);
            flows[a].tonnes -= s;
            drawn[x] -= s;
            drawn[y] += s;
            add(flows, y, i, s);
            swaps.push((x, i, s));
        }
    }
    // 2. Tariffed and untariffed flows swap partners.
    // Every swap empties one of its two flows, and a flow a swap created
    // is untariffed, so this bounds the work generously.
    let mut budget = 4 * flows.len() * flows.len() + 16;
    let mut a = 0;
    while a < flows.len() {
        let (x, i) = (flows[a].exporter, flows[a].importer);
        if flows[a].tonnes <= EPS || rate(x, i) <= 0.0 || capped(x, i) || same_home(x, i) {
            a += 1;
            continue;
        }
        let mut b = 0;
        while b < flows.len() && flows[a].tonnes > EPS && budget > 0 {
            let (y, j) = (flows[b].exporter, flows[b].importer);
            let partner = b != a
                && flows[b].tonnes > EPS
                && j != i
                && rate(y, i) <= 0.0
                && rate(x, j) <= 0.0
                && !same_home(y, j)
                && !capped(y, j)
                && !capped(y, i)
                && !capped(x, j);
            if partner {
                budget -= 1;
                let s = flows[a].tonnes.min(flows[b].tonnes);
                flows[a].tonnes -= s;
                flows[b].tonnes -= s;
                // A country's own material kept at home is no flow.
                if y != i {
                    add(flows, y, i, s);
                }
                if x != j {
                    add(flows, x, j, s);
                }
                swaps.push((x, i, s));
            }
            b += 1;
        }
        a += 1;
    }
    flows.retain(|f| f.tonnes > EPS);
    swaps
}

/// Adds `tonnes` to the flow `x → c`, or appends it.
fn add(flows: &mut Vec<Flow>, x: usize, c: usize, tonnes: f64) {
    match flows
        .iter_mut()
        .find(|f| f.exporter == x && f.importer == c)
    {
        Some(f) => f.tonnes += tonnes,
        None => flows.push(Flow {
            exporter: x,
            importer: c,
            tonnes,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(exporter: usize, importer: usize, tonnes: f64) -> Flow {
        Flow {
            exporter,
            importer,
            tonnes,
        }
    }

    fn total_by(flows: &[Flow], f: impl Fn(&Flow) -> bool) -> f64 {
        flows.iter().filter(|x| f(x)).map(|x| x.tonnes).sum()
    }

    /// Countries 0 (the origin), 1 (levies on 0), 2 (a third seller), 3
    /// (a third buyer).
    #[test]
    fn the_levying_importer_takes_the_third_sellers_material() {
        let rate = |x: usize, c: usize| if x == 0 && c == 1 { 0.25 } else { 0.0 };
        let no_caps = |_: usize, _: usize| false;
        let home = [0, 1, 2, 3];
        let mut flows = vec![flow(0, 1, 10.0), flow(2, 3, 6.0), flow(0, 3, 4.0)];
        let (supply, mut drawn) = ([14.0, 0.0, 6.0, 0.0], [14.0, 0.0, 6.0, 0.0]);
        let routes = Routes {
            rate: &rate,
            capped: &no_caps,
            home: &home,
        };
        let swaps = divert(&mut flows, &supply, &mut drawn, &routes);
        // 6 t moved: 2 now ships to 1, 0 ships to 3.
        assert_eq!(swaps, vec![(0, 1, 6.0)]);
        assert_eq!(
            total_by(&flows, |f| f.exporter == 0 && f.importer == 1),
            4.0
        );
        assert_eq!(
            total_by(&flows, |f| f.exporter == 2 && f.importer == 1),
            6.0
        );
        assert_eq!(
            total_by(&flows, |f| f.exporter == 0 && f.importer == 3),
            10.0
        );
        // What each seller ships and each buyer gets is unchanged.
        for c in 0..4 {
            let before_out = [14.0, 0.0, 6.0, 0.0][c];
            let before_in = [0.0, 10.0, 0.0, 10.0][c];
            assert_eq!(total_by(&flows, |f| f.exporter == c), before_out);
            assert_eq!(total_by(&flows, |f| f.importer == c), before_in);
        }
    }

    #[test]
    fn no_swap_onto_a_route_the_other_importer_also_taxes_or_a_cap_holds() {
        let both = |x: usize, c: usize| {
            if x == 0 && (c == 1 || c == 3) {
                0.1
            } else {
                0.0
            }
        };
        let no_caps = |_: usize, _: usize| false;
        let home = [0, 1, 2, 3];
        let mut flows = vec![flow(0, 1, 10.0), flow(2, 3, 6.0)];
        let (supply, mut drawn) = ([10.0, 0.0, 6.0, 0.0], [10.0, 0.0, 6.0, 0.0]);
        let routes = Routes {
            rate: &both,
            capped: &no_caps,
            home: &home,
        };
        assert!(divert(&mut flows, &supply, &mut drawn, &routes).is_empty());
        let one = |x: usize, c: usize| if x == 0 && c == 1 { 0.1 } else { 0.0 };
        let capped = |x: usize, c: usize| x == 0 && c == 3;
        let routes = Routes {
            rate: &one,
            capped: &capped,
            home: &home,
        };
        assert!(divert(&mut flows, &supply, &mut drawn, &routes).is_empty());
        assert_eq!(flows, vec![flow(0, 1, 10.0), flow(2, 3, 6.0)]);
    }

    #[test]
    fn home_deliveries_stay_and_own_stock_stays_home() {
        let rate = |x: usize, c: usize| if x == 0 && c == 1 { 0.5 } else { 0.0 };
        let no_caps = |_: usize, _: usize| false;
        // 2 and 3 share a home: 2 → 3 is a home-first delivery.
        let mut flows = vec![flow(0, 1, 5.0), flow(2, 3, 5.0)];
        let (supply, mut drawn) = ([5.0, 0.0, 5.0, 0.0], [5.0, 0.0, 5.0, 0.0]);
        let shared = Routes {
            rate: &rate,
            capped: &no_caps,
            home: &[0, 1, 2, 2],
        };
        assert!(divert(&mut flows, &supply, &mut drawn, &shared).is_empty());
        // 1 exports 3 t to 3 while importing 5 t from 0: it keeps its own
        // 3 t, and 0 serves 3 instead.
        let mut flows = vec![flow(0, 1, 5.0), flow(1, 3, 3.0)];
        let (supply, mut drawn) = ([5.0, 3.0, 0.0, 0.0], [5.0, 3.0, 0.0, 0.0]);
        let routes = Routes {
            rate: &rate,
            capped: &no_caps,
            home: &[0, 1, 2, 3],
        };
        let swaps = divert(&mut flows, &supply, &mut drawn, &routes);
        assert_eq!(swaps, vec![(0, 1, 3.0)]);
        assert_eq!(flows, vec![flow(0, 1, 2.0), flow(0, 3, 3.0)]);
    }

    #[test]
    fn idle_untariffed_stock_is_drawn_before_tariffed_stock() {
        // 0 ships 54 t to 1 and 2 ships 16 t of its 20 t: 2's idle 4 t
        // replace 4 t of 0's, which keeps them.
        let rate = |x: usize, c: usize| if x == 0 && c == 1 { 0.25 } else { 0.0 };
        let no_caps = |_: usize, _: usize| false;
        let mut flows = vec![flow(0, 1, 54.0), flow(2, 1, 16.0)];
        let supply = [100.0, 0.0, 20.0];
        let mut drawn = [84.0, 0.0, 16.0];
        let routes = Routes {
            rate: &rate,
            capped: &no_caps,
            home: &[0, 1, 2],
        };
        let swaps = divert(&mut flows, &supply, &mut drawn, &routes);
        assert_eq!(swaps, vec![(0, 1, 4.0)]);
        assert_eq!(flows, vec![flow(0, 1, 50.0), flow(2, 1, 20.0)]);
        assert_eq!(drawn, [80.0, 0.0, 20.0]);
    }
}
