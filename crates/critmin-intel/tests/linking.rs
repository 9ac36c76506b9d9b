//! The linker against the labelled set (`data/intel/labelled.jsonl`, its
//! rules in `data/intel/README.md`): micro-averaged precision and recall
//! per entity kind over every item, the bar 0.9 for elements,
//! countries and facilities with companies.

use critmin_intel::event::EntityKind;
use critmin_intel::link::{Gazetteer, parse_aliases};
use serde::Deserialize;
use std::collections::BTreeSet;

const LABELLED: &str = include_str!("../../../data/intel/labelled.jsonl");

#[derive(Deserialize)]
#[allow(dead_code)]
struct Labelled {
    id: String,
    kind: String,
    title: String,
    body: String,
    published: String,
    elements: Vec<String>,
    countries: Vec<String>,
    facilities: Vec<String>,
    companies: Vec<String>,
    projects: Vec<String>,
}

#[derive(Default, Debug, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn precision(self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    fn recall(self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
}

fn score() -> (Vec<(&'static str, Counts)>, Vec<String>, usize) {
    let model = critmin_data::baseline();
    let aliases =
        parse_aliases(critmin_data::INTEL_ALIASES).expect("the built-in alias table reads");
    let g = Gazetteer::new(&model, &aliases);
    let groups: [(&str, &[EntityKind]); 5] = [
        ("element", &[EntityKind::Element]),
        ("country", &[EntityKind::Country]),
        (
            "facility+company",
            &[EntityKind::Facility, EntityKind::Company],
        ),
        ("facility", &[EntityKind::Facility]),
        ("project", &[EntityKind::Project]),
    ];
    let mut counts = vec![Counts::default(); groups.len()];
    let mut misses = Vec::new();
    let mut n = 0;
    for line in LABELLED.lines().filter(|l| !l.trim().is_empty()) {
        let item: Labelled = serde_json::from_str(line).expect("a labelled item");
        n += 1;
        let links = g.link(&format!("{}\n{}", item.title, item.body));
        let gold = |k: EntityKind| -> Vec<String> {
            match k {
                EntityKind::Element => item.elements.clone(),
                EntityKind::Country => item.countries.clone(),
                EntityKind::Facility => item.facilities.clone(),
                EntityKind::Company => item.companies.clone(),
                EntityKind::Project => item.projects.clone(),
            }
        };
        for (gi, (_, kinds)) in groups.iter().enumerate() {
            let want: BTreeSet<(EntityKind, String)> = kinds
                .iter()
                .flat_map(|k| gold(*k).into_iter().map(move |id| (*k, id)))
                .collect();
            let got: BTreeSet<(EntityKind, String)> = links
                .iter()
                .filter(|l| kinds.contains(&l.kind))
                .map(|l| (l.kind, l.id.clone()))
                .collect();
            let c = &mut counts[gi];
            c.tp += want.intersection(&got).count();
            for x in got.difference(&want) {
                c.fp += 1;
                misses.push(format!("{} extra {:?} {}", item.id, x.0, x.1));
            }
            for x in want.difference(&got) {
                c.fn_ += 1;
                misses.push(format!("{} missed {:?} {}", item.id, x.0, x.1));
            }
        }
    }
    let named = groups.iter().map(|(n, _)| *n).zip(counts).collect();
    misses.sort();
    misses.dedup();
    (named, misses, n)
}

#[test]
fn linking_reaches_the_bar_on_the_labelled_set() {
    let (counts, misses, n) = score();
    assert!(n >= 150, "the labelled set has {n} items");
    for (name, c) in &counts {
        eprintln!(
            "{name:17} precision {:.3} recall {:.3} (tp {}, fp {}, fn {})",
            c.precision(),
            c.recall(),
            c.tp,
            c.fp,
            c.fn_
        );
    }
    for (name, c) in &counts {
        if matches!(*name, "element" | "country" | "facility+company") {
            assert!(
                c.precision() >= 0.9 && c.recall() >= 0.9,
                "{name}: precision {:.3}, recall {:.3}; misses:\n{}",
                c.precision(),
                c.recall(),
                misses.join("\n")
            );
        }
    }
}
