//! The one parser of event kinds, shared by deterministic `[[event]]`
//! entries and `[[risk]]` templates. It is generic over how a parameter
//! is given: a fixed number ([`f64`]) for events, a distribution
//! ([`Dist`]) for risks; everything else — keys, defaults, the meaning of
//! `"*"`, element, form and sector vocabularies — is read by the same code,
//! so the two cannot drift apart again.

use crate::read::{At, Doc, Obj};
use critmin_model::{Dist, ElementSet, Form, FormSet, Sector};
use serde::Serialize;

/// How an event's parameter is written: a number, or a distribution.
pub(crate) trait Value: Sized + Clone + PartialEq + Serialize {
    /// Reads the value at `key`, which must lie in `lo..=hi`.
    fn read(
        doc: &mut Doc,
        o: &mut Obj,
        key: &str,
        required: bool,
        lo: f64,
        hi: f64,
    ) -> Option<Self>;
    /// Reads a count (months): a whole number for a fixed value.
    fn read_count(
        doc: &mut Doc,
        o: &mut Obj,
        key: &str,
        required: bool,
        lo: f64,
        hi: f64,
    ) -> Option<Self> {
        Self::read(doc, o, key, required, lo, hi)
    }
    /// The value that is always `x`.
    fn fixed(x: f64) -> Self;
    /// Reads the optional value at `key` (in `lo..=hi`), `default` when the
    /// key is absent; a present but invalid value was reported and is
    /// `None`.
    fn read_or(
        doc: &mut Doc,
        o: &mut Obj,
        key: &str,
        lo: f64,
        hi: f64,
        default: f64,
    ) -> Option<Self> {
        let given = o.has(key);
        match Self::read(doc, o, key, false, lo, hi) {
            Some(v) => Some(v),
            None if !given => Some(Self::fixed(default)),
            None => None,
        }
    }
}

impl Value for f64 {
    fn read(
        doc: &mut Doc,
        o: &mut Obj,
        key: &str,
        required: bool,
        lo: f64,
        hi: f64,
    ) -> Option<f64> {
        o.number(doc, key, required, lo, hi).map(|a| a.value)
    }

    fn read_count(
        doc: &mut Doc,
        o: &mut Obj,
        key: &str,
        required: bool,
        lo: f64,
        hi: f64,
    ) -> Option<f64> {
        o.integer(doc, key, required, lo as i64, hi as i64)
            .map(|a| a.value as f64)
    }

    fn fixed(x: f64) -> f64 {
        x
    }
}

impl Value for Dist {
    fn read(
        doc: &mut Doc,
        o: &mut Obj,
        key: &str,
        required: bool,
        lo: f64,
        hi: f64,
    ) -> Option<Dist> {
        crate::dist::dist(doc, o, key, required, lo, hi)
    }

    fn fixed(x: f64) -> Dist {
        Dist::Fixed(x)
    }
}

/// What an event (or a risk's template) does, ids unresolved. `V` is how
/// its main parameter is given: `f64` for events, [`Dist`] for risks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KindSpec<V> {
    /// Exports limited to a share of their normal flow.
    ExportRestriction {
        /// Exporting countries or groups.
        exporters: At<Vec<String>>,
        /// Importing countries or groups; `None` = every importer (`"*"`).
        importers: Option<At<Vec<String>>>,
        /// Elements covered.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
        /// Allowed share of normal flow, 0..1.
        allowed_share: V,
    },
    /// Exports capped by a tonnage per calendar year (events only).
    ExportQuota {
        /// Exporting countries or groups.
        exporters: At<Vec<String>>,
        /// Importing countries or groups; `None` = every importer.
        importers: Option<At<Vec<String>>>,
        /// Elements covered.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
        /// t REO-eq per calendar year, 0..`MAX_TONNES`.
        tonnes_per_year: V,
        /// `pacing = "even"`: at most what is left over the months left
        /// each month (else `"first_come"`, the default).
        even: bool,
    },
    /// Exports need a licence (events only): none is granted for the
    /// first `delay_months`, then a share `approval_share` of the normal
    /// flow is; compiled into export restrictions.
    Licensing {
        /// Exporting countries or groups.
        exporters: At<Vec<String>>,
        /// Importing countries or groups; `None` = every importer.
        importers: Option<At<Vec<String>>>,
        /// Elements covered.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
        /// Share of normal flow licensed once reviews are through, 0..1.
        approval_share: V,
        /// Months before the first licence, 0..120 (whole months).
        delay_months: V,
        /// Importer sectors never licensed (e.g. military end users):
        /// compiled into a sourcing ban for the event's months.
        denied_sectors: Vec<Sector>,
    },
    /// An offtake agreement (events only).
    Offtake {
        /// Facility id.
        facility: At<String>,
        /// Buyer country (one code).
        buyer: At<String>,
        /// Share of output, 0..1.
        share: V,
    },
    /// A stockpile holder buys from the market (events only).
    StockpilePurchase {
        /// Holder (as in `stockpiles.csv`).
        holder: At<String>,
        /// Elements bought (required).
        elements: ElementSet,
        /// `oxide` or `metal`.
        form: Form,
        /// Target per element, t REO-eq.
        target_t: V,
        /// Pace per element and month, t REO-eq.
        tonnes_per_month: V,
        /// Price ceiling (index), default 1000 (none).
        max_price_index: V,
    },
    /// A price floor on a separation plant's oxide output (events only).
    PriceFloor {
        /// Facility id.
        facility: At<String>,
        /// Elements covered (required).
        elements: ElementSet,
        /// Floor, USD/kg, > 0.
        floor_usd_per_kg: V,
        /// Who pays.
        payer: String,
    },
    /// An import tariff on some origins' goods (events only).
    Tariff {
        /// Exporting countries or groups the tariff falls on.
        exporters: At<Vec<String>>,
        /// Importing countries or groups that levy it; `None` = every importer.
        importers: Option<At<Vec<String>>>,
        /// Elements covered.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
        /// Ad valorem rate, 0..10.
        rate: V,
    },
    /// Restricted flows leak through a third country (events only).
    Leakage {
        /// Exporting countries or groups.
        exporters: At<Vec<String>>,
        /// Importing countries or groups; `None` = every importer.
        importers: Option<At<Vec<String>>>,
        /// Elements covered.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
        /// Share of the blocked flow that leaks, 0..1.
        share: V,
        /// Months in transit, 1..24 (whole months).
        lag_months: V,
        /// Extra price as a share of the baseline price, 0..10.
        premium: V,
    },
    /// Demand of some sectors in some importers may not be served from
    /// some exporters' material (events only).
    SourcingBan {
        /// Exporting countries or groups whose material is banned.
        exporters: At<Vec<String>>,
        /// Importing countries or groups; `None` = every importer.
        importers: Option<At<Vec<String>>>,
        /// Sectors of the segment (required, not empty).
        sectors: Vec<Sector>,
        /// Elements covered.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
    },
    /// A facility runs at a share of its capacity.
    FacilityOutage {
        /// Facility id.
        facility: At<String>,
        /// Remaining share of capacity, 0..1 (default 0).
        remaining_share: V,
    },
    /// Demand multiplied by a factor.
    DemandShock {
        /// Countries or groups; `None` = all (`"*"`).
        countries: Option<At<Vec<String>>>,
        /// Sectors; empty = all (`"*"`).
        sectors: Vec<Sector>,
        /// Elements whose goods are affected.
        elements: ElementSet,
        /// Multiplier on demand, 0..100.
        factor: V,
    },
    /// A pipeline project starts later.
    ProjectDelay {
        /// Project id.
        project: At<String>,
        /// Months of delay, 0..240.
        months: V,
    },
    /// A holder releases stock every month of the event (events only).
    StockpileRelease {
        /// Holder (as in `stockpiles.csv`).
        holder: At<String>,
        /// Elements released.
        elements: ElementSet,
        /// Tonnes per month (t REO-eq) at most, 0..`MAX_TONNES`.
        tonnes_per_month: V,
    },
}

/// Which kinds a table may name.
#[derive(Clone, Copy)]
pub(crate) enum Kinds {
    /// `[[event]]`: every kind.
    Event,
    /// `[[risk]]`: every kind but `stockpile_release`.
    Risk,
}

/// The keys of each kind (after the entry's own common keys).
fn kind_keys(kind: &str) -> &'static str {
    match kind {
        "export_restriction" => "exporter, importers, elements, forms, allowed_share",
        "export_quota" => "exporter, importers, elements, forms, tonnes_per_year, pacing",
        "sourcing_ban" => "exporter, importers, sector, elements, forms",
        "leakage" => "exporter, importers, elements, forms, share, lag_months, premium",
        "tariff" => "exporter, importers, elements, forms, rate",
        "price_floor" => "facility, elements, floor_usd_per_kg, payer",
        "offtake" => "facility, buyer, share",
        "stockpile_purchase" => {
            "holder, elements, form, target_t, tonnes_per_month, max_price_index"
        }
        "licensing" => {
            "exporter, importers, elements, forms, approval_share, delay_months, denied_sectors"
        }
        "facility_outage" => "facility, remaining_share",
        "demand_shock" => "country, sector, elements, factor",
        "project_delay" => "project, months",
        _ => "holder, elements, tonnes_per_month",
    }
}

/// The keys every trade measure shares (`export_restriction`,
/// `export_quota`, `licensing`): exporters (required), importers (`None`:
/// everyone), elements (default all) and forms (default all four traded).
#[allow(clippy::type_complexity)]
fn trade_keys(
    doc: &mut Doc,
    o: &mut Obj,
) -> (
    Option<At<Vec<String>>>,
    Option<At<Vec<String>>>,
    Option<At<ElementSet>>,
    Option<FormSet>,
) {
    let exporters = o.strings(doc, "exporter", true);
    let importers = all_or(o.strings(doc, "importers", false));
    let elements = o.elements(doc, "elements", false);
    let forms = match o.strings(doc, "forms", false) {
        None => Some(FormSet::TRADED),
        Some(a) => forms(doc, &o.field("forms"), &a),
    };
    (exporters, importers, elements, forms)
}

/// Reads the kind-specific keys of `o` (whose `kind` is `kind`) and
/// reports unknown keys; `common` lists the keys the caller reads itself.
pub(crate) fn parse_kind<V: Value>(
    doc: &mut Doc,
    o: &mut Obj,
    kind: &At<String>,
    kinds: Kinds,
    common: &str,
) -> Option<KindSpec<V>> {
    let expected = |k: &str| format!("{common}, {}", kind_keys(k));
    match kind.value.as_str() {
        "export_restriction" => {
            let (exporters, importers, elements, forms) = trade_keys(doc, o);
            let share = V::read(doc, o, "allowed_share", true, 0.0, 1.0);
            o.finish(doc, &expected("export_restriction"));
            Some(KindSpec::ExportRestriction {
                exporters: exporters?,
                importers,
                elements: elements.map_or(ElementSet::ALL, |a| a.value),
                forms: forms?,
                allowed_share: share?,
            })
        }
        "export_quota" if matches!(kinds, Kinds::Event) => {
            let (exporters, importers, elements, forms) = trade_keys(doc, o);
            let tonnes = V::read(
                doc,
                o,
                "tonnes_per_year",
                true,
                0.0,
                critmin_model::limits::MAX_TONNES,
            );
            let pacing = o.str(doc, "pacing", false);
            o.finish(doc, &expected("export_quota"));
            let even = match pacing.as_ref().map(|a| a.value.as_str()) {
                None | Some("first_come") => Some(false),
                Some("even") => Some(true),
                Some(other) => {
                    let line = pacing.as_ref().map_or(o.line, |a| a.line);
                    doc.error(
                        line,
                        &o.field("pacing"),
                        format!("`{other}` is not a quota pacing: first_come, even"),
                    );
                    None
                }
            };
            Some(KindSpec::ExportQuota {
                exporters: exporters?,
                importers,
                elements: elements.map_or(ElementSet::ALL, |a| a.value),
                forms: forms?,
                tonnes_per_year: tonnes?,
                even: even?,
            })
        }
        "licensing" if matches!(kinds, Kinds::Event) => {
            let (exporters, importers, elements, forms) = trade_keys(doc, o);
            let approval = V::read(doc, o, "approval_share", true, 0.0, 1.0);
            let delay = V::read_count(doc, o, "delay_months", true, 0.0, 120.0);
            let denied = match o.strings(doc, "denied_sectors", false) {
                None => Some(Vec::new()),
                Some(a) => sectors(doc, &o.field("denied_sectors"), &a),
            };
            o.finish(doc, &expected("licensing"));
            Some(KindSpec::Licensing {
                exporters: exporters?,
                importers,
                elements: elements.map_or(ElementSet::ALL, |a| a.value),
                forms: forms?,
                approval_share: approval?,
                delay_months: delay?,
                denied_sectors: denied?,
            })
        }
        "offtake" if matches!(kinds, Kinds::Event) => {
            let facility = o.str(doc, "facility", true);
            let buyer = o.str(doc, "buyer", true);
            let share = V::read(doc, o, "share", true, 0.0, 1.0);
            o.finish(doc, &expected("offtake"));
            Some(KindSpec::Offtake {
                facility: facility?,
                buyer: buyer?,
                share: share?,
            })
        }
        "stockpile_purchase" if matches!(kinds, Kinds::Event) => {
            let holder = o.str(doc, "holder", true);
            let elements = o.elements(doc, "elements", true);
            let form_at = o.str(doc, "form", true);
            let max = critmin_model::limits::MAX_TONNES;
            let target = V::read(doc, o, "target_t", true, 0.0, max);
            let pace = V::read(doc, o, "tonnes_per_month", true, 0.0, max);
            let ceiling = V::read_or(doc, o, "max_price_index", 1.0, 1000.0, 1000.0);
            o.finish(doc, &expected("stockpile_purchase"));
            let form = match form_at.as_ref().map(|a| a.value.as_str()) {
                Some("oxide") => Some(Form::Oxide),
                Some("metal") => Some(Form::Metal),
                Some(other) => {
                    let line = form_at.as_ref().map_or(o.line, |a| a.line);
                    doc.error(
                        line,
                        &o.field("form"),
                        format!("`{other}` is not a form a stockpile buys: oxide, metal"),
                    );
                    None
                }
                None => None,
            };
            Some(KindSpec::StockpilePurchase {
                holder: holder?,
                elements: elements?.value,
                form: form?,
                target_t: target?,
                tonnes_per_month: pace?,
                max_price_index: ceiling?,
            })
        }
        "price_floor" if matches!(kinds, Kinds::Event) => {
            let facility = o.str(doc, "facility", true);
            let elements = o.elements(doc, "elements", true);
            let floor = V::read(doc, o, "floor_usd_per_kg", true, 0.001, 1.0e6);
            let payer = o.str(doc, "payer", false);
            o.finish(doc, &expected("price_floor"));
            Some(KindSpec::PriceFloor {
                facility: facility?,
                elements: elements?.value,
                floor_usd_per_kg: floor?,
                payer: payer.map_or_else(String::new, |a| a.value),
            })
        }
        "leakage" if matches!(kinds, Kinds::Event) => {
            let (exporters, importers, elements, forms) = trade_keys(doc, o);
            let share = V::read(doc, o, "share", true, 0.0, 1.0);
            let lag = V::read_count(doc, o, "lag_months", true, 1.0, 24.0);
            let premium = V::read_or(doc, o, "premium", 0.0, 10.0, 0.0);
            o.finish(doc, &expected("leakage"));
            Some(KindSpec::Leakage {
                exporters: exporters?,
                importers,
                elements: elements.map_or(ElementSet::ALL, |a| a.value),
                forms: forms?,
                share: share?,
                lag_months: lag?,
                premium: premium?,
            })
        }
        "tariff" if matches!(kinds, Kinds::Event) => {
            let exporters = o.strings(doc, "exporter", true);
            let importers = all_or(o.strings(doc, "importers", false));
            let elements = o.elements(doc, "elements", false);
            let forms = match o.strings(doc, "forms", false) {
                None => Some(FormSet::default().with(Form::Oxide).with(Form::Metal).with(Form::Magnet)),
                Some(a) => forms(doc, &o.field("forms"), &a).and_then(|f| {
                    if f.contains(Form::Concentrate) {
                        doc.error(
                            a.line,
                            &o.field("forms"),
                            "concentrate has no market price in the model (it is routed to plants by feed), so a tariff on it has nothing to levy: name oxide, metal or magnet",
                        );
                        None
                    } else {
                        Some(f)
                    }
                }),
            };
            let rate = V::read(doc, o, "rate", true, 0.0, 10.0);
            o.finish(doc, &expected("tariff"));
            Some(KindSpec::Tariff {
                exporters: exporters?,
                importers,
                elements: elements.map_or(ElementSet::ALL, |a| a.value),
                forms: forms?,
                rate: rate?,
            })
        }
        "sourcing_ban" if matches!(kinds, Kinds::Event) => {
            let (exporters, importers, elements, forms) = trade_keys(doc, o);
            let line = o.line;
            let sectors = match o.strings(doc, "sector", true) {
                None => None,
                Some(a) => sectors(doc, &o.field("sector"), &a),
            };
            o.finish(doc, &expected("sourcing_ban"));
            let sectors = match sectors {
                Some(v) if v.is_empty() => {
                    doc.error(
                        line,
                        &o.field("sector"),
                        "name the sectors the ban applies to (\"*\" is not allowed: a ban on everyone is an export_restriction)",
                    );
                    None
                }
                other => other,
            };
            Some(KindSpec::SourcingBan {
                exporters: exporters?,
                importers,
                sectors: sectors?,
                elements: elements.map_or(ElementSet::ALL, |a| a.value),
                forms: forms?,
            })
        }
        "facility_outage" => {
            let facility = o.str(doc, "facility", true);
            // Absent, a full outage.
            let share = V::read_or(doc, o, "remaining_share", 0.0, 1.0, 0.0);
            o.finish(doc, &expected("facility_outage"));
            Some(KindSpec::FacilityOutage {
                facility: facility?,
                remaining_share: share?,
            })
        }
        "demand_shock" => {
            let countries = all_or(o.strings(doc, "country", false));
            let sectors = match o.strings(doc, "sector", false) {
                None => Some(Vec::new()),
                Some(a) => sectors(doc, &o.field("sector"), &a),
            };
            let elements = o.elements(doc, "elements", false);
            let factor = V::read(doc, o, "factor", true, 0.0, 100.0);
            o.finish(doc, &expected("demand_shock"));
            Some(KindSpec::DemandShock {
                countries,
                sectors: sectors?,
                elements: elements.map_or(ElementSet::ALL, |a| a.value),
                factor: factor?,
            })
        }
        "project_delay" => {
            let project = o.str(doc, "project", true);
            let months = V::read_count(doc, o, "months", true, 0.0, 240.0);
            o.finish(doc, &expected("project_delay"));
            Some(KindSpec::ProjectDelay {
                project: project?,
                months: months?,
            })
        }
        "stockpile_release" if matches!(kinds, Kinds::Event) => {
            let holder = o.str(doc, "holder", true);
            let elements = o.elements(doc, "elements", false);
            let tonnes = V::read(
                doc,
                o,
                "tonnes_per_month",
                true,
                0.0,
                critmin_model::limits::MAX_TONNES,
            );
            o.finish(doc, &expected("stockpile_release"));
            Some(KindSpec::StockpileRelease {
                holder: holder?,
                elements: elements.map_or(ElementSet::ALL, |a| a.value),
                tonnes_per_month: tonnes?,
            })
        }
        other => {
            let (what, list) = match kinds {
                Kinds::Event => (
                    "an event kind",
                    "export_restriction, export_quota, licensing, sourcing_ban, leakage, tariff, price_floor, offtake, facility_outage, demand_shock, project_delay, stockpile_release, stockpile_purchase",
                ),
                Kinds::Risk => (
                    "a risk kind",
                    "export_restriction, facility_outage, demand_shock, project_delay",
                ),
            };
            doc.error(
                kind.line,
                &o.field("kind"),
                format!("`{other}` is not {what}: {list}"),
            );
            // The other keys cannot be checked against an unknown kind.
            None
        }
    }
}

/// A list of countries where `"*"` anywhere means every one (`None`).
fn all_or(a: Option<At<Vec<String>>>) -> Option<At<Vec<String>>> {
    a.filter(|a| !a.value.iter().any(|s| s == "*"))
}

/// Sectors where `"*"` anywhere means every sector (the empty list), as
/// for countries and importers: `["defence", "*"]` is all sectors.
pub(crate) fn sectors(doc: &mut Doc, field: &str, a: &At<Vec<String>>) -> Option<Vec<Sector>> {
    if a.value.iter().any(|s| s == "*") {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    for s in &a.value {
        match Sector::parse(s) {
            Some(x) if !out.contains(&x) => out.push(x),
            Some(_) => {}
            None => {
                doc.error(
                    a.line,
                    field,
                    format!("`{s}` is not one of: {}", Sector::expected()),
                );
                return None;
            }
        }
    }
    Some(out)
}

/// A list of traded forms.
pub(crate) fn forms(doc: &mut Doc, field: &str, a: &At<Vec<String>>) -> Option<FormSet> {
    let mut set = FormSet::default();
    for f in &a.value {
        match Form::parse(f).filter(|f| *f != Form::Product) {
            Some(form) => set = set.with(form),
            None => {
                doc.error(
                    a.line,
                    field,
                    format!("`{f}` is not a traded form: concentrate, oxide, metal, magnet"),
                );
                return None;
            }
        }
    }
    Some(set)
}
