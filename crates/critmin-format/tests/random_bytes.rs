//! Property tests: no input makes the scenario, plan or observed-series
//! reader panic —
//! random bytes, or a shipped file with bytes overwritten — and a valid
//! plan written by `to_toml` reads back to the same plan. Case counts are
//! modest by default; `PROPTEST_CASES` raises them.

use critmin_model::{Element, Good, Idx, Model, Plan, Stockpile};
use proptest::prelude::*;
use std::sync::OnceLock;

fn model() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(critmin_data::baseline)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(64),
        ..ProptestConfig::default()
    }
}

const SCENARIO: &str = include_str!("../../../scenarios/risk-baseline.toml");
const SHARED: &str = include_str!("../../../scenarios/china-total-ban-12m-shared.toml");
const PLAN: &[u8] = b"name = \"p\"\n[[fund]]\nproject = \"nolans\"\nstart = \"2029-07\"\n\n[[stockpile]]\nholder = \"jogmec\"\ncountry = \"JP\"\nform = \"oxide\"\nelement = \"Dy\"\ntonnes = 12.5\n\n[[stockpile]]\nholder = \"us_nds\"\ncountry = \"US\"\nform = \"magnet\"\ngrade = \"ndfeb_ev\"\ntonnes = 3\n";

/// `base` with bytes at some positions replaced (TOML punctuation is
/// likelier than uniform bytes to reach the reader's deeper branches).
fn mutate(base: &[u8], edits: &[(usize, u8)]) -> Vec<u8> {
    const ALPHABET: &[u8] = b"[]{}=\"',.#\n 0123456789-_eE*xyz\xff\xc3";
    let mut out = base.to_vec();
    for &(pos, b) in edits {
        let i = pos % out.len();
        out[i] = ALPHABET[b as usize % ALPHABET.len()];
    }
    out
}

fn reports_or_accepts<T>(r: Result<T, Vec<critmin_model::Diagnostic>>) {
    if let Err(d) = r {
        assert!(!d.is_empty(), "an error without a diagnostic");
        assert!(d.iter().all(|d| d.line >= 1), "{d:?}");
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        reports_or_accepts(critmin_format::scenario::parse("s.toml", &bytes, model()));
        reports_or_accepts(critmin_format::plan::parse("p.toml", &bytes, model()));
        reports_or_accepts(critmin_format::observed::parse("o.csv", &bytes));
        let _ = critmin_format::dataset_of(&bytes);
    }

    #[test]
    fn damaged_scenarios_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        for base in [SCENARIO, SHARED] {
            let bytes = mutate(base.as_bytes(), &edits);
            reports_or_accepts(critmin_format::scenario::parse("s.toml", &bytes, model()));
        }
    }

    #[test]
    fn damaged_plans_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let bytes = mutate(PLAN, &edits);
        reports_or_accepts(critmin_format::plan::parse("p.toml", &bytes, model()));
    }

    #[test]
    fn written_plans_read_back_unchanged(
        name in "[ -~\"\\\\\n\té]{0,30}",
        fund in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
        delays in proptest::collection::vec(0i32..60, 4),
        buys in proptest::collection::vec((0usize..3, 0usize..17, any::<prop::sample::Index>(), 0u64..10_000_000_000), 0..5),
        conc in proptest::collection::vec((any::<prop::sample::Index>(), 0u64..10_000_000_000), 0..3),
        tolls in proptest::collection::vec((0u8..8, proptest::collection::vec(any::<prop::sample::Index>(), 0..3)), 0..4),
    ) {
        let m = model();
        let mut plan = Plan { name, ..Plan::default() };
        for (k, ix) in fund.iter().enumerate() {
            let p = &m.projects[ix.index(m.projects.len())];
            if plan.fund.iter().any(|(id, _)| *id == p.id) {
                continue;
            }
            plan.fund.push((p.id.clone(), p.earliest_start.plus(delays[k])));
        }
        for (form, e, c, milli) in buys {
            let element = Element::ALL[e];
            let good = match form {
                0 => Good::Oxide { element },
                1 => Good::Metal { element },
                _ => Good::Magnet { grade: Idx::new(e % m.recipes.len()) },
            };
            let s = Stockpile {
                holder: format!("holder-{}", plan.stockpiles.len()),
                country: m.countries[c.index(m.countries.len())].code,
                good,
                // Plans are written to the gram.
                tonnes: milli as f64 / 1000.0,
                source: Idx::new(0),
            };
            plan.stockpiles.push(s);
        }
        // Concentrate of a mine and tolling arrangements for some holders.
        let mines: Vec<usize> = (0..m.facilities.len())
            .filter(|&i| matches!(m.facilities[i].process, critmin_model::Process::Mine { .. }))
            .collect();
        for (k, (c, milli)) in conc.iter().enumerate() {
            plan.concentrate_stocks.push(critmin_model::ConcentrateStock {
                holder: format!("conc-{k}"),
                country: m.countries[c.index(m.countries.len())].code,
                mine: Idx::new(mines[c.index(mines.len())]),
                reo_t: *milli as f64 / 1000.0,
                source: Idx::new(0),
            });
        }
        let holders: Vec<(String, critmin_model::CountryCode)> = plan
            .stockpiles
            .iter()
            .map(|s| (s.holder.clone(), s.country))
            .chain(plan.concentrate_stocks.iter().map(|s| (s.holder.clone(), s.country)))
            .collect();
        for ((h, own), (stages, with)) in holders.iter().zip(&tolls) {
            let stages = critmin_model::TollStages {
                separation: stages & 1 != 0,
                metal: stages & 2 != 0,
                magnet: stages & 4 != 0 || *stages == 0,
            };
            let mut converters = vec![*own];
            converters.extend(with.iter().map(|c| m.countries[c.index(m.countries.len())].code));
            // Codes that name a group too read back as the group.
            let converters = m.as_read_back(&converters);
            plan.tolling.push(critmin_model::Tolling { holder: h.clone(), converters, stages });
        }
        let text = critmin_format::plan::to_toml(&plan, m);
        let (again, overlay) = critmin_format::plan::parse("p.toml", text.as_bytes(), m)
            .unwrap_or_else(|d| panic!("{text}\n{d:#?}"));
        prop_assert_eq!(&again, &plan);
        prop_assert_eq!(overlay, plan.overlay(m));
    }
}
