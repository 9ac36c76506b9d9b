//! The metrics, scorecard and criticality results as [`CsvTable`]s — the
//! one place their column layout is defined, used by the report's CSV files
//! and by `critmin metrics --format csv`.

use crate::csv::{CsvTable, num, opt};
use critmin_metrics::criticality::CriticalityRow;
use critmin_metrics::targets::{Gap, TargetValue};
use critmin_metrics::{GroupMetric, StageMetric};

/// Concentration by stage and element: `stages.csv`.
pub fn stages(rows: &[StageMetric]) -> CsvTable {
    let mut t = CsvTable::new(
        "stages",
        &[
            "element",
            "stage",
            "year",
            "world_output_t",
            "world_capacity_t",
            "china_share",
            "hhi_points",
            "allied_share",
            "allied_capacity_share",
            "top_countries",
        ],
    );
    for r in rows {
        let top: Vec<String> = r
            .shares
            .iter()
            .take(5)
            .map(|s| format!("{}:{}", s.country, num(s.share)))
            .collect();
        t.push(vec![
            r.element.clone(),
            r.stage.to_string(),
            r.year.to_string(),
            num(r.world_output_t),
            num(r.world_capacity_t),
            num(r.china_share),
            num(r.hhi),
            num(r.allied_share),
            num(r.allied_capacity_share),
            top.join(";"),
        ]);
    }
    t
}

/// Exposure by group and element: `groups.csv`.
pub fn groups(rows: &[GroupMetric]) -> CsvTable {
    let mut t = CsvTable::new(
        "groups",
        &[
            "group",
            "element",
            "year",
            "demand_t",
            "import_reliance_share",
            "import_reliance_mining_share",
            "import_reliance_separation_share",
            "import_reliance_metal_alloy_share",
            "import_reliance_magnet_share",
            "self_sufficiency_share",
            "own_self_sufficiency_share",
            "nameplate_self_sufficiency_share",
            "own_supply_t",
            "allied_supply_t",
            "stock_t",
            "cover_months",
        ],
    );
    for r in rows {
        let b = &r.import_reliance_by_stage;
        t.push(vec![
            r.group.clone(),
            r.element.clone(),
            r.year.to_string(),
            num(r.demand_t),
            opt(r.import_reliance),
            opt(b.mining),
            opt(b.separation),
            opt(b.metal_alloy),
            opt(b.magnet),
            opt(r.self_sufficiency),
            opt(r.own_self_sufficiency),
            opt(r.nameplate_self_sufficiency),
            num(r.own_supply_t),
            num(r.allied_supply_t),
            num(r.stock_t),
            opt(r.cover_months),
        ]);
    }
    t
}

/// The scorecard, one row per target and year: `targets.csv`.
pub fn targets(rows: &[TargetValue]) -> CsvTable {
    let mut t = CsvTable::new(
        "targets",
        &[
            "id",
            "year",
            "value",
            "unit",
            "goal_low",
            "goal_high",
            "goal_year",
            "status",
        ],
    );
    for r in rows {
        t.push(vec![
            r.id.to_string(),
            r.year.to_string(),
            opt(r.value),
            r.unit.to_string(),
            num(r.goal_low),
            num(r.goal_high),
            r.goal_year.to_string(),
            r.status.as_str().to_string(),
        ]);
    }
    t
}

/// The gaps to the goals: `gaps.csv`.
pub fn gaps(rows: &[Gap]) -> CsvTable {
    let mut t = CsvTable::new(
        "gaps",
        &[
            "target",
            "stage",
            "element",
            "year",
            "required_t",
            "available_t",
            "missing_t",
        ],
    );
    for r in rows {
        t.push(vec![
            r.target.to_string(),
            r.stage.to_string(),
            r.element.to_string(),
            r.year.to_string(),
            num(r.required_t),
            num(r.available_t),
            num(r.missing_t),
        ]);
    }
    t
}

/// Supply-risk scores per element: `criticality.csv`.
pub fn criticality(rows: &[CriticalityRow]) -> CsvTable {
    let mut t = CsvTable::new(
        "criticality",
        &[
            "element",
            "year",
            "consumer",
            "eu_supply_risk_score",
            "eu_supply_risk_stage",
            "eu_economic_importance_score",
            "eu_critical",
            "hhi_wgi_mining_score",
            "hhi_wgi_separation_score",
            "usgs_disruption_potential_score",
            "usgs_trade_exposure_score",
            "usgs_economic_vulnerability_score",
            "usgs_supply_risk_score",
            "import_reliance_share",
            "eol_rir_share",
            "si_sr_score",
            "si_ei_score",
        ],
    );
    for r in rows {
        t.push(vec![
            r.element.to_string(),
            r.year.to_string(),
            r.consumer.clone(),
            num(r.eu_supply_risk),
            r.eu_supply_risk_stage.to_string(),
            num(r.eu_economic_importance),
            r.eu_critical.to_string(),
            num(r.hhi_wgi_mining),
            num(r.hhi_wgi_separation),
            num(r.usgs_disruption_potential),
            num(r.usgs_trade_exposure),
            num(r.usgs_economic_vulnerability),
            num(r.usgs_supply_risk),
            num(r.import_reliance),
            num(r.eol_rir),
            num(r.si_sr),
            num(r.si_ei),
        ]);
    }
    t
}
