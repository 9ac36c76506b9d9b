//! Scenarios as the simulator consumes them: events (what happens when)
//! and policies (how the partners respond), their ids resolved against a
//! [`Model`]. Plain data: the file format that produces them lives in
//! `critmin-format`, the engine that runs them in `critmin-sim`.

use crate::{CountryCode, ElementSet, Facility, Form, Idx, Model, Month, Project, Sector};
use serde::Serialize;

/// A set of forms, as a bit mask over [`Form`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct FormSet(u8);

impl FormSet {
    /// Concentrate, oxide, metal and magnet.
    pub const TRADED: FormSet = FormSet(0b1111);

    /// Whether `f` is in the set.
    pub fn contains(self, f: Form) -> bool {
        self.0 & (1 << f.index()) != 0
    }

    /// This set plus `f`.
    #[must_use]
    pub fn with(self, f: Form) -> FormSet {
        FormSet(self.0 | (1 << f.index()))
    }
}

/// Which importers an export restriction applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Importers {
    /// Every country but the exporter.
    All,
    /// These countries.
    Only(Vec<CountryCode>),
}

impl Importers {
    /// Whether `c` is covered.
    pub fn contains(&self, c: CountryCode) -> bool {
        match self {
            Importers::All => true,
            Importers::Only(v) => v.contains(&c),
        }
    }
}

/// What an event does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum EventKind {
    /// Exports of some elements and forms from some countries are limited to
    /// a share of their normal (baseline) flow.
    ExportRestriction {
        /// Exporting countries.
        exporters: Vec<CountryCode>,
        /// Importing countries.
        importers: Importers,
        /// Elements covered: a mixed good (concentrate, magnet) is covered if
        /// it contains any of them.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
        /// Allowed share of normal flow, 0..1 (0 = ban).
        allowed_share: f64,
    },
    /// Exports of some elements and forms from some countries may total at
    /// most a tonnage per calendar year (2010-style quotas): exporters ship
    /// as buyers ask until the year's quota is used up (or, paced evenly,
    /// at most what is left over the months left in the year), and the
    /// quota starts afresh each January of the event.
    ExportQuota {
        /// Exporting countries (the quota is shared by all of them).
        exporters: Vec<CountryCode>,
        /// Importing countries.
        importers: Importers,
        /// Elements covered.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
        /// The quota, t REO-eq per calendar year.
        tonnes_per_year: f64,
        /// Whether the quota is paced evenly over the year (each month at
        /// most what is left ÷ the months left) rather than shipped first
        /// come, first served.
        even: bool,
    },
    /// Demand of some sectors in some importing countries may not be
    /// served from some exporters' material (a sourcing rule such as US
    /// DFARS 225.7018 for defence magnets, or a licensing regime that
    /// denies military end users): the segment buys only from other
    /// sellers.
    SourcingBan {
        /// Exporting countries whose material the segment may not take.
        exporters: Vec<CountryCode>,
        /// Importing countries whose segment it is.
        importers: Importers,
        /// Sectors of the segment.
        sectors: Vec<Sector>,
        /// Elements covered: a mixed good is covered if it contains any.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
    },
    /// An import tariff: buyers in the importers pay `rate` × the value of
    /// what they take from the exporters (ad valorem, on the exporter's
    /// price). Importers' buyers turn to untariffed sellers first (trade
    /// diversion), and the tariff they still pay raises the price they
    /// answer (Section 301 duties on Chinese magnets and oxides, for one).
    Tariff {
        /// Origins the tariff falls on.
        exporters: Vec<CountryCode>,
        /// Countries that levy it.
        importers: Importers,
        /// Elements covered: a mixed good is covered if it contains any.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
        /// Ad valorem rate, a share of the value, 0..10 (0.25 = 25 %).
        rate: f64,
    },
    /// Part of what export restrictions keep from buyers reaches them
    /// anyway through a third country, later and dearer.
    Leakage {
        /// Exporting countries whose restricted flows leak.
        exporters: Vec<CountryCode>,
        /// Importing countries they reach.
        importers: Importers,
        /// Elements covered.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
        /// Share of the flow the restrictions keep from unserved buyers
        /// that leaks, 0..1.
        share: f64,
        /// Months in transit, 1..24.
        lag_months: u32,
        /// Extra price the leaked material costs, as a share of its
        /// baseline price, 0..10.
        premium: f64,
    },
    /// A price floor (contract for difference) on a separation plant's
    /// oxide output: each month the payer pays the plant the gap between
    /// the floor and the market price on what it made of the covered
    /// elements (the US Department of Defense's USD 110/kg NdPr floor for
    /// MP Materials from July 2025).
    PriceFloor {
        /// The separation plant.
        facility: Idx<Facility>,
        /// The elements whose oxide output the floor covers.
        elements: ElementSet,
        /// The floor, USD per kg of oxide of the covered elements' blend.
        floor_usd_per_kg: f64,
        /// Who pays (for reports).
        payer: String,
    },
    /// A stockpile holder buys oxide or metal from the market, up to a
    /// target, at a pace, while the price stays below a ceiling (JOGMEC's
    /// 60 days, the US Project Vault): it buys after every consumer.
    StockpilePurchase {
        /// Holder (as in `stockpiles.csv`).
        holder: String,
        /// Elements bought.
        elements: ElementSet,
        /// Form bought: oxide or metal.
        form: Form,
        /// Stock to reach per element, t REO-eq.
        target_t: f64,
        /// Most bought per element and month, t REO-eq.
        tonnes_per_month: f64,
        /// Price index in the holder's country above which it does not buy.
        max_price_index: f64,
    },
    /// An offtake agreement: a share of a plant's output is delivered to a
    /// buyer country's stock as it is made, outside the market (the US
    /// Department of Defense buys all of the 10X magnet plant's output).
    Offtake {
        /// The plant (separation, metal/alloy or magnet).
        facility: Idx<Facility>,
        /// The buyer's country.
        buyer: CountryCode,
        /// Share of the plant's output, 0..1.
        share: f64,
    },
    /// A facility runs at a share of its capacity.
    FacilityOutage {
        /// The facility.
        facility: Idx<Facility>,
        /// Remaining share of capacity, 0..1.
        remaining_share: f64,
    },
    /// Demand of some countries and sectors is multiplied by a factor.
    DemandShock {
        /// Countries (empty = all).
        countries: Vec<CountryCode>,
        /// Sectors (empty = all).
        sectors: Vec<Sector>,
        /// Elements whose goods are affected (a magnet if its recipe holds any).
        elements: ElementSet,
        /// Multiplier on demand (1.5 = +50 %).
        factor: f64,
    },
    /// A pipeline project starts later than its facility's start month.
    ProjectDelay {
        /// The project.
        project: Idx<Project>,
        /// Months of delay.
        months: u32,
    },
    /// A holder releases stock every month of the event, whatever the rules.
    StockpileRelease {
        /// The holder.
        holder: String,
        /// Elements released (all the holder's goods containing them).
        elements: ElementSet,
        /// Tonnes per month (t REO-eq) at most, across the goods.
        tonnes_per_month: f64,
    },
}

/// An event with its dates (both inclusive).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// First month affected.
    pub from: Month,
    /// Last month affected.
    pub to: Month,
    /// What happens.
    pub kind: EventKind,
    /// Line in the scenario file (for messages).
    pub line: usize,
}

impl Event {
    /// Whether the event is in force in `m`.
    pub fn active(&self, m: Month) -> bool {
        self.from <= m && m <= self.to
    }
}

/// When a holder releases stock and how fast. A scenario's rule states
/// only what differs from [`Policy::default_rule`]: fields it leaves out
/// keep their defaults (so restating one default never disables the
/// default trigger).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseRule {
    /// The holder (as in `stockpiles.csv`).
    pub holder: String,
    /// Release when the country's unmet share of a good the holder has
    /// exceeds this (0..1).
    pub trigger_unmet_share: Option<f64>,
    /// Release when the price index of a good the holder has exceeds this.
    pub trigger_price_index: Option<f64>,
    /// At most this share of the initial holding per month, 0..1.
    pub max_release_share_per_month: f64,
}

/// How an agreement shares released stock between its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SharingRule {
    /// In proportion to each member's unmet demand, whatever the sector.
    ProRata,
    /// Priority tier by tier across members (defence first), pro rata within
    /// a tier.
    DefenceFirst,
    /// IEA-style coordinated release: the members answer their combined
    /// shortfall together, each contributing its share of the members'
    /// consumption of the good (what it can release, if less; no member
    /// tops up another's share), and the release goes to the members'
    /// unmet demand pro rata.
    Coordinated,
}

impl SharingRule {
    /// Every rule, as scenario files and the optimiser spell it.
    pub const NAMES: &'static str = "pro_rata, defence_first, coordinated";

    /// The rule a scenario file or an option spells `name` (`-` or `_`).
    pub fn parse(name: &str) -> Option<SharingRule> {
        match name.replace('-', "_").as_str() {
            "pro_rata" => Some(SharingRule::ProRata),
            "defence_first" => Some(SharingRule::DefenceFirst),
            "coordinated" => Some(SharingRule::Coordinated),
            _ => None,
        }
    }
}

/// Partners that pool their stockpile releases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharingAgreement {
    /// Name.
    pub name: String,
    /// Member countries.
    pub members: Vec<CountryCode>,
    /// How releases are shared.
    pub rule: SharingRule,
}

/// A tolling arrangement (`[[policy.tolling]]`): plants convert a
/// holder's stock for it in an emergency and return the product to its
/// stock instead of selling it — concentrate into oxide at separation
/// plants, oxide into metal at metal/alloy plants, metal into magnets at
/// magnet plants — out of the capacity they have spare, ramping up over
/// their country's restart lag (`docs/simulation.md`, "Tolling").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tolling {
    /// The holder whose stock is converted.
    pub holder: String,
    /// Countries whose plants convert it (the holder's own country when
    /// the entry names none).
    pub converters: Vec<CountryCode>,
    /// Stages that convert: separation, metal/alloy, magnet.
    pub stages: TollStages,
}

/// The stages of a tolling arrangement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TollStages {
    /// Concentrate → oxide at separation plants.
    pub separation: bool,
    /// Oxide → metal at metal/alloy plants.
    pub metal: bool,
    /// Metal → magnets at magnet plants.
    pub magnet: bool,
}

impl TollStages {
    /// Every stage.
    pub const ALL: TollStages = TollStages {
        separation: true,
        metal: true,
        magnet: true,
    };

    /// The stage names a scenario file uses.
    pub const NAMES: &'static str = "separation, metal, magnet";

    /// Adds the stage named `name`; false for an unknown name.
    pub fn add(&mut self, name: &str) -> bool {
        match name {
            "separation" => self.separation = true,
            "metal" => self.metal = true,
            "magnet" => self.magnet = true,
            _ => return false,
        }
        true
    }

    /// The stages' names, in chain order.
    pub fn names(self) -> Vec<&'static str> {
        [
            (self.separation, "separation"),
            (self.metal, "metal"),
            (self.magnet, "magnet"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| n)
        .collect()
    }
}

/// How the partners respond.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    /// Priority tiers of final demand, highest first. Every sector is in
    /// exactly one tier. Production lines (metal and magnet plants buying
    /// their inputs) rank just after the first tier.
    pub tiers: Vec<Vec<Sector>>,
    /// Stockpile release rules; holders without one use
    /// [`Policy::default_rule`].
    pub release_rules: Vec<ReleaseRule>,
    /// Sharing agreements.
    pub sharing: Vec<SharingAgreement>,
    /// Tolling arrangements.
    pub tolling: Vec<Tolling>,
}

impl Policy {
    /// Defence first, everything else second.
    pub fn default_tiers() -> Vec<Vec<Sector>> {
        vec![
            vec![Sector::Defence],
            Sector::ALL
                .iter()
                .copied()
                .filter(|s| *s != Sector::Defence)
                .collect(),
        ]
    }

    /// The rule for holders the scenario does not mention: release when
    /// more than 2 % of the country's demand for a good goes unmet, at most
    /// 10 % of the initial holding a month.
    pub fn default_rule(holder: &str) -> ReleaseRule {
        ReleaseRule {
            holder: holder.to_string(),
            trigger_unmet_share: Some(0.02),
            trigger_price_index: None,
            max_release_share_per_month: 0.10,
        }
    }

    /// The release rule of `holder`.
    pub fn rule_for(&self, holder: &str) -> ReleaseRule {
        self.release_rules
            .iter()
            .find(|r| r.holder == holder)
            .cloned()
            .unwrap_or_else(|| Policy::default_rule(holder))
    }

    /// The 0-based tier of `sector`.
    pub fn tier_of(&self, sector: Sector) -> usize {
        self.tiers
            .iter()
            .position(|t| t.contains(&sector))
            .unwrap_or(self.tiers.len())
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            tiers: Policy::default_tiers(),
            release_rules: Vec::new(),
            sharing: Vec::new(),
            tolling: Vec::new(),
        }
    }
}

/// A scenario, its references resolved against a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// What it replays and why (free text).
    pub description: String,
    /// First simulated month.
    pub start: Month,
    /// Number of months simulated.
    pub horizon_months: u32,
    /// Demand growth path (a path of the dataset).
    pub demand_path: String,
    /// Dataset directory as written in the file (relative to it), if not
    /// the built-in baseline.
    pub dataset: Option<String>,
    /// Events.
    pub events: Vec<Event>,
    /// Policies.
    pub policy: Policy,
    /// Random event sources for Monte Carlo runs (ignored by a single
    /// simulation).
    pub risks: Vec<crate::risk::Risk>,
    /// Uncertain inputs for Monte Carlo runs (ignored by a single
    /// simulation).
    pub uncertainty: crate::risk::Uncertainty,
}

impl Scenario {
    /// A scenario with no events: `horizon_months` from `start` on the
    /// `steady` path (or the model's first path if it has no `steady`).
    pub fn baseline(model: &Model, start: Month, horizon_months: u32) -> Scenario {
        let path = if model.growth_path("steady").is_some() || model.growth_paths.is_empty() {
            "steady".to_string()
        } else {
            model.growth_paths[0].name.clone()
        };
        Scenario {
            name: "baseline".into(),
            description: String::new(),
            start,
            horizon_months,
            demand_path: path,
            dataset: None,
            events: Vec::new(),
            policy: Policy::default(),
            risks: Vec::new(),
            uncertainty: crate::risk::Uncertainty::default(),
        }
    }

    /// The last simulated month.
    pub fn end(&self) -> Month {
        self.start.plus(self.horizon_months as i32 - 1)
    }
}
