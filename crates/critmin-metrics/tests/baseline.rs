//! The built-in baseline reproduces the published aggregates it was built
//! from (tolerance 5 %, relative), and every number in it has a source.

use critmin_metrics::{TOTAL_REO, stage_summary};
use critmin_model::{BenchmarkMetric, CountryCode, Stage};

fn within(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs()
}

#[test]
fn baseline_is_valid() {
    if let Err(e) = critmin_data::try_baseline() {
        let lines: Vec<String> = e.diagnostics().iter().map(ToString::to_string).collect();
        panic!("{e}\n{}", lines.join("\n"));
    }
}

#[test]
fn stage_totals_and_shares_match_the_benchmarks() {
    let m = critmin_data::baseline();
    assert!(
        m.benchmarks.len() >= 4,
        "the baseline states its benchmarks"
    );
    let year = m.base_year;
    let rows = stage_summary(&m, year);
    let reo = |stage: Stage| {
        rows.iter()
            .find(|r| r.stage == stage && r.element == TOTAL_REO)
            .expect("REO row")
    };
    for b in m.benchmarks.iter().filter(|b| b.year == year) {
        let row = reo(b.stage);
        match b.metric {
            BenchmarkMetric::WorldOutputT => {
                assert!(
                    within(row.world_output_t, b.value, 0.05),
                    "{}: world output {} vs published {}",
                    b.id,
                    row.world_output_t,
                    b.value
                );
            }
            BenchmarkMetric::Share => {
                let c = b.country.expect("share names a country");
                let got = row
                    .shares
                    .iter()
                    .find(|s| s.country == c)
                    .map_or(0.0, |s| s.share);
                assert!(
                    within(got, b.value, 0.05),
                    "{}: {c} share {got:.3} vs published {}",
                    b.id,
                    b.value
                );
            }
        }
    }
    // The published floors the mission quotes, whatever the benchmarks say.
    let cn = |stage: Stage| {
        reo(stage)
            .shares
            .iter()
            .find(|s| s.country == CountryCode::CN)
            .map_or(0.0, |s| s.share)
    };
    assert!(
        cn(Stage::Separation) >= 0.85,
        "China separation share {}",
        cn(Stage::Separation)
    );
    assert!(
        cn(Stage::Magnet) >= 0.90,
        "China magnet share {}",
        cn(Stage::Magnet)
    );
}

#[test]
fn mining_output_by_country_matches_usgs() {
    let m = critmin_data::baseline();
    let year = m.base_year;
    let rows = stage_summary(&m, year);
    let mining = rows
        .iter()
        .find(|r| r.stage == Stage::Mining && r.element == TOTAL_REO)
        .unwrap();
    let published_world: f64 = m
        .mine_production
        .iter()
        .filter(|p| p.year == year)
        .filter_map(|p| p.production_t_reo)
        .sum();
    assert!(published_world > 0.0, "mine_production has {year}");
    assert!(
        within(mining.world_output_t, published_world, 0.05),
        "world mining {} vs USGS {}",
        mining.world_output_t,
        published_world
    );
    for p in m.mine_production.iter().filter(|p| p.year == year) {
        let (Some(c), Some(published)) = (p.country, p.production_t_reo) else {
            continue;
        };
        if published < 1000.0 {
            continue;
        }
        let got = mining
            .shares
            .iter()
            .find(|s| s.country == c)
            .map_or(0.0, |s| s.share)
            * mining.world_output_t;
        assert!(
            within(got, published, 0.05),
            "{c}: facilities produce {got:.0} t REO, USGS {published}"
        );
    }
}

/// China's capacity trends raise its separation capacity in 2030 by the
/// mean of the twelve monthly factors, and leave the base year alone.
#[test]
fn china_separation_capacity_grows_with_its_trend() {
    let m = critmin_data::baseline();
    let trend = m
        .capacity_trends
        .iter()
        .find(|t| t.country == CountryCode::CN && t.stage == Stage::Separation)
        .expect("the baseline has a trend for China's separation");
    assert_eq!(
        (trend.from_year, trend.to_year, trend.annual_growth_pct),
        (2025, 2035, 6.0)
    );
    let flat = critmin_model::Model {
        capacity_trends: Vec::new(),
        ..m.clone()
    };
    let china_separation = |model: &critmin_model::Model, year: i32| -> f64 {
        critmin_metrics::flows::facility_flows(model, year)
            .iter()
            .filter(|fl| {
                let f = model.at(fl.facility);
                f.country == CountryCode::CN && f.stage == Stage::Separation
            })
            .map(|fl| fl.capacity_native_t)
            .sum()
    };
    // 2030-01 is 60 months into the trend, 2030-12 is 71:
    // Σ_{k=60..71} 1.06^(k/12) / 12 = 1.06^5 × 1.0272106952 = 1.3746396259.
    let factor = 1.374_639_625_860_455_8;
    let (grown, base) = (china_separation(&m, 2030), china_separation(&flat, 2030));
    assert!(base > 300_000.0, "China separates {base} t REO/yr");
    assert!(
        within(grown, base * factor, 1e-12),
        "2030: {grown} vs {base} × {factor}"
    );
    assert_eq!(
        china_separation(&m, m.base_year),
        china_separation(&flat, m.base_year),
        "base year unchanged"
    );
}

/// Reads the raw CSV tables of the baseline (independently of the loader)
/// and checks that every row holding a number cites a source that exists.
#[test]
fn every_numeric_row_cites_a_source() {
    let files = critmin_data::BASELINE_FILES;
    let text = |name: &str| {
        String::from_utf8(files.iter().find(|(n, _)| *n == name).unwrap().1.to_vec()).unwrap()
    };
    let rows = |name: &str| -> Vec<Vec<String>> {
        text(name)
            .lines()
            .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
            .map(split_csv)
            .collect()
    };
    let sources: Vec<String> = rows("sources.csv")
        .into_iter()
        .skip(1)
        .map(|r| r[0].clone())
        .collect();
    let mut checked = 0;
    for (name, _) in files
        .iter()
        .filter(|(n, _)| n.ends_with(".csv") && *n != "sources.csv" && *n != "countries.csv")
    {
        let table = rows(name);
        let header = &table[0];
        let src_col = header
            .iter()
            .position(|h| h == "source")
            .unwrap_or_else(|| panic!("{name} has no source column"));
        for (i, row) in table.iter().enumerate().skip(1) {
            let numeric = row
                .iter()
                .enumerate()
                .any(|(j, v)| j != src_col && !v.is_empty() && v.parse::<f64>().is_ok());
            if numeric {
                let s = &row[src_col];
                assert!(
                    sources.contains(s),
                    "{name} row {i}: source `{s}` is not in sources.csv"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} numeric rows found");
}

#[test]
fn estimates_say_so() {
    let m = critmin_data::baseline();
    for s in &m.sources {
        if s.confidence.is_estimate() {
            assert!(
                !s.note.trim().is_empty(),
                "source {} ({}) needs a note",
                s.id,
                s.confidence
            );
        }
    }
}

/// Splits one CSV line, honouring double quotes.
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}
