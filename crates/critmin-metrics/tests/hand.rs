//! Hand-computed checks of every metric on small datasets written inline.
//! Each dataset is the same little world — an ore of 20 % Nd and 80 % Ce,
//! the allies US, JP and AU, China and Malaysia outside — with the
//! facilities, demand and stockpiles a case needs. Every expected number is
//! worked out in the comment beside it.

use critmin_data::{MemorySource, load};
use critmin_metrics::exposure::GroupMetric;
use critmin_metrics::targets::Status;
use critmin_metrics::{Projection, Scope, metrics, scorecard};
use critmin_model::Model;

const HEAD: &str = "id,name,country,stage,process,capacity_t_per_yr,utilisation,status,start,end,ore,feed,recovery,elements,product,grade,source\n";

/// A dataset from facility rows, demand rows and optional extra tables
/// (`(file, full contents)`).
fn world(facilities: &str, demand: &str, extra: &[(&str, &str)]) -> Model {
    let mut files: Vec<(String, String)> = vec![
        (
            "dataset.toml".into(),
            "name = \"hand\"\ndescription = \"hand-computed\"\nbase_year = 2024\n[units]\nmass = \"t\"\noxide_basis = \"REO\"\ncurrency = \"USD\"\n[groups]\nallied = [\"US\", \"JP\", \"AU\"]\n".into(),
        ),
        (
            "sources.csv".into(),
            "id,publication,year,confidence,note\ns,hand,2024,E,estimate for tests\n".into(),
        ),
        (
            "countries.csv".into(),
            "code,name\nAU,Australia\nCN,China\nJP,Japan\nMY,Malaysia\nUS,United States\n".into(),
        ),
        (
            "compositions.csv".into(),
            "id,name,Nd,Ce,source\nore,Ore,20,80,s\nnd,Nd metal,100,,s\n".into(),
        ),
        (
            "recipes.csv".into(),
            "grade,element,kg_metal_per_t,source\ng,Nd,300,s\n".into(),
        ),
        ("facilities.csv".into(), format!("{HEAD}{facilities}")),
        (
            "demand.csv".into(),
            format!("country,sector,form,element,grade,t_per_yr,source\n{demand}"),
        ),
    ];
    for (f, c) in extra {
        files.push((f.to_string(), c.to_string()));
    }
    let src = MemorySource {
        prefix: "hand/".into(),
        files: files
            .into_iter()
            .map(|(n, c)| (n, c.into_bytes()))
            .collect(),
    };
    load(&src).unwrap_or_else(|e| panic!("{e}: {:#?}", e.diagnostics()))
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() < 1e-6 * want.abs().max(1.0)
}

fn group_row(m: &Model, group: &str, scope: &str, year: i32) -> GroupMetric {
    metrics(m, &Projection::default(), year, &[group])
        .unwrap()
        .groups
        .into_iter()
        .find(|g| g.element == scope)
        .unwrap_or_else(|| panic!("no {group} {scope} row"))
}

/// A mine of 1000 t REO in AU and one of 4000 t in CN; CN separates its
/// own, MY separates the AU ore at half its 1000 t capacity.
const CHAIN: &str = "\
mine_au,Mine AU,AU,mining,mine,1000,1,operating,,,ore,,,,,,s
mine_cn,Mine CN,CN,mining,mine,4000,1,operating,,,ore,,,,,,s
sep_cn,Sep CN,CN,separation,,4000,1,operating,,,,country:CN,1,all,,,s
sep_my,Sep MY,MY,separation,,1000,0.5,operating,,,,mine_au,1,all,,,s
";

#[test]
fn concentration_shares_and_hhi() {
    let m = world(CHAIN, "JP,catalysts,oxide,Ce,,100,s\n", &[]);
    let r = metrics(&m, &Projection::default(), 2024, &["JP"]).unwrap();
    let row = |stage: &str, el: &str| {
        r.stages
            .iter()
            .find(|s| s.stage.as_str() == stage && s.element == el)
            .unwrap()
            .clone()
    };
    let check = |stage: &str, el: &str, out: f64, china: f64, allied: f64, hhi: f64| {
        let s = row(stage, el);
        assert!(
            close(s.world_output_t, out),
            "{stage} {el} output {}",
            s.world_output_t
        );
        assert!(
            close(s.china_share, china),
            "{stage} {el} china {}",
            s.china_share
        );
        assert!(
            close(s.allied_share, allied),
            "{stage} {el} allied {}",
            s.allied_share
        );
        assert!(close(s.hhi, hhi), "{stage} {el} hhi {}", s.hhi);
    };
    // Mining: CN 4000, AU 1000 → 0.8 / 0.2; HHI 80² + 20² = 6800.
    check("mining", "all", 5000.0, 0.8, 0.2, 6800.0);
    check("mining", "Nd", 1000.0, 0.8, 0.2, 6800.0);
    // Separation: CN 4000, MY 500 → 8/9 and 1/9; HHI (800/9)² + (100/9)².
    let hhi = (800.0f64 / 9.0).powi(2) + (100.0f64 / 9.0).powi(2);
    check("separation", "all", 4500.0, 8.0 / 9.0, 0.0, hhi);
    // The magnet total is Nd only here: 800 + 100 t.
    check("separation", "magnet", 900.0, 8.0 / 9.0, 0.0, hhi);
    // Capacity counts nameplate: 4000 + 1000.
    assert!(close(row("separation", "all").world_capacity_t, 5000.0));
}

#[test]
fn import_reliance_is_net_imports_over_consumption() {
    // US consumes 500 t of Ce oxide and makes nothing: reliance 1.
    let m = world(CHAIN, "US,catalysts,oxide,Ce,,500,s\n", &[]);
    let r = group_row(&m, "US", "Ce", 2024);
    assert_eq!(r.import_reliance, Some(1.0));
    // A US mine of 1000 t (800 t Ce) exports its concentrate: no reliance at
    // mining (a net exporter), still 1 at separation.
    let chain = format!("{CHAIN}mine_us,Mine US,US,mining,mine,1000,1,operating,,,ore,,,,,,s\n");
    let m = world(&chain, "US,catalysts,oxide,Ce,,500,s\n", &[]);
    let r = group_row(&m, "US", "Ce", 2024);
    assert_eq!(r.import_reliance_by_stage.mining, Some(0.0));
    assert_eq!(r.import_reliance_by_stage.separation, Some(1.0));
    assert_eq!(r.import_reliance, Some(1.0));
    // A US separation plant making 375 t REO at 0.8 utilisation = 300 t,
    // of which Ce 240: (500 − 240) / 500 = 0.52.
    let chain =
        format!("{chain}sep_us,Sep US,US,separation,,375,0.8,operating,,,,mine_us,1,all,,,s\n");
    let m = world(&chain, "US,catalysts,oxide,Ce,,500,s\n", &[]);
    let r = group_row(&m, "US", "Ce", 2024);
    assert!(
        close(r.import_reliance.unwrap(), 0.52),
        "{:?}",
        r.import_reliance
    );
    // Totals sum net imports per element: Nd demand 100 t against 60 t of
    // US Nd output is 40 t short; Ce is 260 short → (40 + 260) / 600 = 0.5.
    let m = world(
        &chain,
        "US,catalysts,oxide,Ce,,500,s\nUS,electronics,oxide,Nd,,100,s\n",
        &[],
    );
    let r = group_row(&m, "US", "all", 2024);
    assert!(
        close(r.import_reliance.unwrap(), 0.5),
        "{:?}",
        r.import_reliance
    );
    // No demand, no reliance.
    let r = group_row(&m, "JP", "all", 2024);
    assert_eq!(r.import_reliance, None);
}

#[test]
fn self_sufficiency_counts_capacity_only_as_far_as_feed_exists() {
    let demand = "JP,electronics,oxide,Nd,,100,s\n";
    // Japan separates 250 t REO/yr of AU ore (20 % Nd → 50 t Nd): half its
    // 100 t Nd demand. The AU mine could feed 200 t Nd, so feed is no limit.
    let fed =
        format!("{CHAIN}sep_jp,Sep JP,JP,separation,,250,0.5,operating,,,,mine_au,1,all,,,s\n");
    let m = world(&fed, demand, &[]);
    let r = group_row(&m, "JP", "Nd", 2024);
    assert!(close(r.self_sufficiency.unwrap(), 0.5), "{r:?}");
    assert!(close(r.nameplate_self_sufficiency.unwrap(), 0.5));
    assert!(close(r.allied_supply_t, 50.0));
    // Japan has no mine of its own: its own chain supplies nothing.
    assert_eq!(r.own_self_sufficiency, Some(0.0));
    // The same plant fed only from China: no allied feed upstream, so its
    // capacity counts for nothing, though nameplate says 0.5.
    let unfed =
        format!("{CHAIN}sep_jp,Sep JP,JP,separation,,250,0.5,operating,,,,country:CN,1,all,,,s\n");
    let m = world(&unfed, demand, &[]);
    let r = group_row(&m, "JP", "Nd", 2024);
    assert_eq!(r.self_sufficiency, Some(0.0));
    assert!(close(r.nameplate_self_sufficiency.unwrap(), 0.5));
    // A small allied mine (100 t REO, 20 t Nd) limits the plant to 20 t:
    // 0.2. Two allied plants sharing it cannot both use it: still 0.2.
    let small = "\
mine_au,Mine AU,AU,mining,mine,100,1,operating,,,ore,,,,,,s
sep_jp,Sep JP,JP,separation,,250,0.5,operating,,,,mine_au,1,all,,,s
sep_us,Sep US,US,separation,,250,0.5,operating,,,,*,1,all,,,s
";
    let m = world(small, demand, &[]);
    let r = group_row(&m, "JP", "Nd", 2024);
    assert!(close(r.self_sufficiency.unwrap(), 0.2), "{r:?}");
    // Recovery: a plant recovering 0.8 of its feed turns the 20 t into 16 t.
    let lossy = "\
mine_au,Mine AU,AU,mining,mine,100,1,operating,,,ore,,,,,,s
sep_jp,Sep JP,JP,separation,,250,0.5,operating,,,,mine_au,0.8,all,,,s
";
    let m = world(lossy, demand, &[]);
    let r = group_row(&m, "JP", "Nd", 2024);
    assert!(close(r.self_sufficiency.unwrap(), 0.16), "{r:?}");
}

#[test]
fn magnets_need_metal_and_oxide_upstream() {
    // JP wants 1000 t of magnets of 300 kg Nd per t: 300 t Nd metal =
    // 300 × 1.16638 = 349.9 t Nd2O3-equivalent at every stage.
    let nd = 300.0 * critmin_model::Element::Nd.oxide_per_metal();
    let demand = "JP,ev_motors,magnet,,g,1000,s\n";
    // Allied magnet capacity 2000 t (ample), metal 175 t Nd metal/yr
    // (= 204.1 t REO-eq), separation 250 t REO × 20 % = 50 t Nd (+ the
    // AU mine's 200 t Nd of feed): separation binds at 50 / 349.9.
    let chain = format!(
        "{CHAIN}sep_jp,Sep JP,JP,separation,,250,1,operating,,,,mine_au,1,all,,,s\n\
metal_jp,Metal JP,JP,metal_alloy,,175,1,operating,,,,,,,nd,,s\n\
magnet_jp,Magnet JP,JP,magnet,,2000,0.5,operating,,,,,,,,g,s\n"
    );
    let m = world(&chain, demand, &[]);
    let r = group_row(&m, "JP", "Nd", 2024);
    assert!(close(r.demand_t, nd), "{}", r.demand_t);
    assert!(close(r.self_sufficiency.unwrap(), 50.0 / nd), "{r:?}");
    // Nameplate: min(mining 200, sep 50, metal 204.1, magnet 699.8) / 349.9.
    assert!(close(r.nameplate_self_sufficiency.unwrap(), 50.0 / nd));
    // Import reliance: JP makes 1000 t of magnets (349.9 t Nd-eq) but no
    // mine output → mining and separation 1, magnet 0, metal 1 − 204.1/349.9.
    let b = r.import_reliance_by_stage;
    assert_eq!(b.magnet, Some(0.0));
    let metal_reo = 175.0 * critmin_model::Element::Nd.oxide_per_metal();
    assert!(close(b.metal_alloy.unwrap(), 1.0 - metal_reo / nd));
    assert!(close(b.separation.unwrap(), 1.0 - 250.0 * 0.2 / nd));
}

#[test]
fn months_of_cover() {
    let stock = [
        (
            "stockpiles.csv",
            "holder,country,form,element,grade,tonnes,source\njogmec,JP,oxide,Nd,,50,s\nus_nds,US,oxide,Nd,,25,s\n",
        ),
        (
            "growth.csv",
            "path,sector,elements,from_year,to_year,annual_growth_pct,source\nsteady,*,all,2025,2035,10,s\n",
        ),
    ];
    let m = world(
        CHAIN,
        "JP,electronics,oxide,Nd,,100,s\nUS,electronics,oxide,Nd,,200,s\n",
        &stock,
    );
    let check = |group: &str, year: i32, months: f64| {
        let r = group_row(&m, group, "Nd", year);
        assert!(
            close(r.cover_months.unwrap(), months),
            "{group} {year}: {r:?}"
        );
    };
    // 50 t against 100 t/yr: 6 months.
    check("JP", 2024, 6.0);
    // Demand grows 10 % in 2025: 50 / (110 / 12) = 5.4545 months.
    check("JP", 2025, 50.0 / (110.0 / 12.0));
    // US+JP: 75 t against 300 t/yr = 3 months.
    check("us_jp", 2024, 3.0);
    // Without demand there is no cover figure (and no per-element row).
    let r = group_row(&m, "AU", "all", 2024);
    assert_eq!(r.cover_months, None);
}

#[test]
fn scorecard_follows_projects_and_funding() {
    // US+JP need 100 t Nd oxide a year; the only allied separation is a JP
    // plant (300 t REO → 60 t Nd at full use, 0.75 used → 45 t) fed by the
    // AU mine, starting 2027-01. Its project is `committed` or `seeking`.
    let chain = format!(
        "{CHAIN}sep_jp,Sep JP,JP,separation,,300,0.75,construction,2027-01,,,mine_au,1,all,,,s\n"
    );
    let project = |funding: &str| {
        format!(
            "id,facility,capex_usd,lead_time_months,earliest_start,sponsors,funding,source\nsep_jp,sep_jp,1e8,24,2027-01,JP,{funding},s\n"
        )
    };
    let stock = "holder,country,form,element,grade,tonnes,source\njogmec,JP,oxide,Nd,,150,s\n";
    let committed = project("committed");
    let m = world(
        &chain,
        "JP,electronics,oxide,Nd,,100,s\n",
        &[("projects.csv", &committed), ("stockpiles.csv", stock)],
    );
    let card = scorecard(&m, &Projection::default()).unwrap();
    let at = |id: &str, year: i32| {
        card.targets
            .iter()
            .find(|t| t.id == id && t.year == year)
            .unwrap()
            .clone()
    };
    let check = |id: &str, year: i32, value: f64, status: Status| {
        let t = at(id, year);
        assert!(close(t.value.unwrap(), value), "{id} {year}: {t:?}");
        assert_eq!(t.status, status, "{id} {year}: {t:?}");
    };
    // Coverage: 0 until the plant starts, then 60 / 100 = 0.6 ≥ 0.5.
    check("processing_coverage", 2024, 0.0, Status::OffTrack);
    check("processing_coverage", 2026, 0.0, Status::OffTrack);
    check("processing_coverage", 2027, 0.6, Status::OnTrack);
    check("processing_coverage", 2035, 0.6, Status::OnTrack);
    // Dependency: allied output 45 t against allied demand 100 t →
    // 1 − 0.45 = 0.55 from 2027. The straight line from 1.0 to 0.3 over six
    // years asks for −0.35 by 2027; −0.45 is more → on track.
    check("import_dependency", 2024, 1.0, Status::OffTrack);
    check("import_dependency", 2027, 0.55, Status::OnTrack);
    // By 2030 it needs the full 0.7: 0.45 / 0.7 = 0.64 → at risk.
    check("import_dependency", 2030, 0.55, Status::AtRisk);
    // Reserves: 150 t against 100 t/yr = 18 months, in the 12–24 range.
    check("reserve_months", 2024, 18.0, Status::OnTrack);
    assert_eq!(card.targets.len(), 3 * 12, "three targets, 2024–2035");
    // The gap in 2030 for dependency at separation: 0.7 × 100 − 45 = 25 t.
    let gap = card
        .gaps
        .iter()
        .find(|g| {
            g.target == "import_dependency"
                && g.stage == "separation"
                && g.element == critmin_model::Element::Nd
        })
        .unwrap();
    assert!(close(gap.missing_t, 25.0), "{gap:?}");
    // Measured other ways in 2030: on expected output the plant covers
    // 45 of the 100 t; the allies' demand is JP's alone here, so the
    // allied measures equal US+JP's; dependency on nameplate is 1 − 0.6.
    let measure = |id: &str, group: &str, basis: &str| {
        card.measures
            .iter()
            .find(|m| m.id == id && m.group == group && m.basis == basis && m.year == 2030)
            .and_then(|m| m.value)
            .unwrap()
    };
    assert!(close(measure("coverage", "us_jp", "nameplate"), 0.6));
    assert!(close(measure("coverage", "us_jp", "output"), 0.45));
    assert!(close(measure("coverage", "allied", "nameplate"), 0.6));
    assert!(close(measure("coverage", "allied", "output"), 0.45));
    assert!(close(
        measure("import_dependency", "allied", "nameplate"),
        0.4
    ));
    assert!(close(
        measure("import_dependency", "allied", "output"),
        0.55
    ));
    // Coverage holds from 2030 to the horizon; dependency is at risk in
    // 2030, so it has no "until".
    let headline = |id: &str| card.headlines.iter().find(|h| h.id == id).unwrap().clone();
    let h = headline("processing_coverage");
    assert_eq!(
        (h.status, h.on_track_until, h.off_track_from),
        (Status::OnTrack, Some(2035), None)
    );
    let h = headline("import_dependency");
    assert_eq!(
        (h.status, h.on_track_until, h.off_track_from),
        (Status::AtRisk, None, None)
    );
    // The committed plant's USD 100m counts from its first year of output.
    let invest = |year: i32| {
        card.impacts
            .iter()
            .find(|i| i.year == year)
            .unwrap()
            .investment_musd
    };
    assert!(close(invest(2026), 0.0) && close(invest(2027), 100.0) && close(invest(2035), 100.0));

    // Seeking finance: the plant is not counted, unless --with-pipeline.
    let seeking = project("seeking");
    let m = world(
        &chain,
        "JP,electronics,oxide,Nd,,100,s\n",
        &[("projects.csv", &seeking)],
    );
    let card = scorecard(&m, &Projection::default()).unwrap();
    let v = card
        .targets
        .iter()
        .find(|t| t.id == "processing_coverage" && t.year == 2030)
        .unwrap();
    assert_eq!(v.value, Some(0.0));
    let with = Projection {
        with_pipeline: true,
        ..Projection::default()
    };
    let card = scorecard(&m, &with).unwrap();
    let v = card
        .targets
        .iter()
        .find(|t| t.id == "processing_coverage" && t.year == 2030)
        .unwrap();
    assert!(close(v.value.unwrap(), 0.6));
}

#[test]
fn facilities_start_and_close_by_their_dates() {
    // A plant starting 2025-07 counts for 6 of 12 months in 2025; one
    // closing 2026-04 counts 3 months in 2026 and nothing after.
    let chain = "\
mine_au,Mine AU,AU,mining,mine,1000,1,operating,,2026-04,ore,,,,,,s
mine_cn,Mine CN,CN,mining,mine,1200,1,construction,2025-07,,ore,,,,,,s
";
    let m = world(chain, "JP,electronics,oxide,Nd,,100,s\n", &[]);
    let out = |year: i32| {
        metrics(&m, &Projection::default(), year, &["JP"])
            .unwrap()
            .stages
            .into_iter()
            .find(|s| s.stage.as_str() == "mining" && s.element == Scope::All.label())
            .map_or(0.0, |s| s.world_output_t)
    };
    assert!(close(out(2024), 1000.0));
    assert!(close(out(2025), 1000.0 + 600.0));
    assert!(close(out(2026), 250.0 + 1200.0));
    assert!(close(out(2027), 1200.0));
}

#[test]
fn capacity_trends_grow_capacity_month_by_month() {
    // China's separation grows 12 %/yr over 2025–2026, its mining likewise;
    // Malaysia has no trend. Each month of a year counts a twelfth of the
    // capacity grown to that month: 1.12^(k/12) in month k of 2025 (k = 0
    // for January), 1.12² = 1.2544 from 2027 on.
    let trends = "country,stage,from_year,to_year,annual_growth_pct,source\n\
                  CN,separation,2025,2026,12,s\n\
                  CN,mining,2025,2026,12,s\n";
    let chain = format!(
        "{CHAIN}mine_cn2,Mine CN 2,CN,mining,mine,1200,1,construction,2025-07,,ore,,,,,,s\n"
    );
    let m = world(
        &chain,
        "JP,electronics,oxide,Nd,,100,s\n",
        &[("capacity_trends.csv", trends)],
    );
    let row = |stage: &str, year: i32| {
        metrics(&m, &Projection::default(), year, &["JP"])
            .unwrap()
            .stages
            .into_iter()
            .find(|s| s.stage.as_str() == stage && s.element == Scope::All.label())
            .unwrap()
    };
    // The base year is untouched: 4000 + 1000 t of separation capacity.
    assert!(close(row("separation", 2024).world_capacity_t, 5000.0));
    // 2025: Σ_{k=0..11} 1.12^(k/12) / 12 = 1.0538748257, so China has
    // 4000 × 1.0538748257 = 4215.4993028 t; Malaysia still 1000.
    let sep = row("separation", 2025);
    assert!(
        close(sep.world_capacity_t, 5_215.499_302_784_394),
        "{sep:?}"
    );
    // 2027: 4000 × 1.2544 = 5017.6 t of Chinese output (utilisation 1)
    // against Malaysia's 500: China's share 5017.6 / 5517.6.
    let sep = row("separation", 2027);
    assert!(close(sep.world_capacity_t, 5017.6 + 1000.0), "{sep:?}");
    assert!(close(sep.china_share, 5017.6 / 5517.6), "{sep:?}");
    // A Chinese mine of 1200 t starting 2025-07 counts its six months at
    // the factors of July to December: 1200 × Σ_{k=6..11} 1.12^(k/12) / 12
    // = 1200 × 6.5023524066 / 12 = 650.2352407 t, on top of 1000 t in AU
    // and 4000 × 1.0538748257 in CN.
    let mining = row("mining", 2025);
    assert!(
        close(
            mining.world_output_t,
            1000.0 + 4_215.499_302_784_393 + 650.235_240_662_625_1
        ),
        "{mining:?}"
    );
    // From 2027 both Chinese mines have grown by 1.2544.
    let mining = row("mining", 2027);
    assert!(
        close(mining.world_output_t, 1000.0 + 5200.0 * 1.2544),
        "{mining:?}"
    );
}

#[test]
fn unknown_groups_and_paths_are_errors() {
    let m = world(CHAIN, "JP,electronics,oxide,Nd,,100,s\n", &[]);
    let e = metrics(&m, &Projection::default(), 2024, &["atlantis"]).unwrap_err();
    assert!(e.to_string().contains("atlantis"), "{e}");
    let growth = [(
        "growth.csv",
        "path,sector,elements,from_year,to_year,annual_growth_pct,source\nsteady,*,all,2025,2035,2,s\n",
    )];
    let m = world(CHAIN, "JP,electronics,oxide,Nd,,100,s\n", &growth);
    let p = Projection {
        path: "nope".into(),
        with_pipeline: false,
    };
    let e = metrics(&m, &p, 2024, &["JP"]).unwrap_err();
    assert!(e.to_string().contains("steady"), "{e}");
}

#[test]
fn criticality_scores_by_hand() {
    let extra = [
        (
            "governance.csv",
            "country,wgi_0_10,trade_factor,source\nCN,6,1.2,s\nAU,2,1,s\n",
        ),
        (
            "criticality.csv",
            "element,eol_rir,si_sr,si_ei,economic_vulnerability,source\nNd,0.01,0.95,0.9,0.6,s\n",
        ),
        (
            "sectors.csv",
            "sector,value_added_usd,source\nelectronics,300,s\nev_motors,150,s\n",
        ),
    ];
    let m = world(CHAIN, "JP,electronics,oxide,Nd,,100,s\n", &extra);
    let rows =
        critmin_metrics::criticality::criticality(&m, &Projection::default(), 2024, "JP").unwrap();
    let nd = rows
        .iter()
        .find(|r| r.element == critmin_model::Element::Nd)
        .unwrap();
    // Mining shares CN 0.8, AU 0.2: 0.64 × 6 × 1.2 + 0.04 × 2 × 1 = 4.688.
    assert!(close(nd.hhi_wgi_mining, 4.688), "{nd:?}");
    // Separation CN 8/9, MY 1/9 (no governance row: WGI 5, t 1).
    let sep = 64.0 / 81.0 * 6.0 * 1.2 + 1.0 / 81.0 * 5.0;
    assert!(close(nd.hhi_wgi_separation, sep), "{nd:?}");
    // JP imports everything (IR 1), so its sourcing mix is the world's and
    // SR = HHI · (1 − 0.01) · 0.95 at the higher stage, separation.
    assert!(close(nd.eu_supply_risk, sep * 0.99 * 0.95), "{nd:?}");
    assert_eq!(nd.eu_supply_risk_stage.as_str(), "separation");
    // All of JP's Nd goes to electronics, the largest sector (Q = 10): EI = 10 × 0.9.
    assert!(close(nd.eu_economic_importance, 9.0), "{nd:?}");
    assert!(nd.eu_critical);
    // USGS: DP = max(0.64 × 0.6 + 0.04 × 0.2, 64/81 × 0.6 + 1/81 × 0.5); TE 1; EV 0.6.
    let dp = 64.0 / 81.0 * 0.6 + 1.0 / 81.0 * 0.5;
    assert!(close(nd.usgs_disruption_potential, dp), "{nd:?}");
    assert!(close(nd.usgs_supply_risk, dp * 0.6), "{nd:?}");
    // Ce has no inputs row: neutral defaults, flagged.
    let ce = rows
        .iter()
        .find(|r| r.element == critmin_model::Element::Ce)
        .unwrap();
    assert!(!ce.inputs_given && ce.usgs_supply_risk == 0.0);
}
