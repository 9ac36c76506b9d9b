//! Uncertainty in a scenario file: `[[risk]]` entries that draw events at
//! random (onset probability, duration and parameters as distributions,
//! correlation groups) and `[uncertainty]` inputs (demand growth, mine
//! output, project delays). This module owns the types and their TOML
//! reading; sampling belongs to the Monte Carlo engine (`critmin-risk`).

use crate::scenario::{FormSet, Importers};
use crate::toml_read::{Doc, Obj};
use critmin_model::{CountryCode, ElementSet, Facility, Idx, Model, Project, Sector};

/// A probability distribution of one number.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Always this value.
    Fixed(f64),
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Triangular on `[min, max]` with mode `mode`.
    Triangular {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// Normal, clamped to the parameter's valid range.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Log-normal: `exp(N(ln median, sigma²))`.
    LogNormal {
        /// Median.
        median: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// One of `values`, with probabilities proportional to `weights`.
    Discrete {
        /// The values.
        values: Vec<f64>,
        /// Their weights (same length, ≥ 0, not all 0).
        weights: Vec<f64>,
    },
}

impl Dist {
    /// The distribution's mean (for reports and tests).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => 0.5 * (min + max),
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Dist::Normal { mean, .. } => *mean,
            Dist::LogNormal { median, sigma } => median * (0.5 * sigma * sigma).exp(),
            Dist::Discrete { values, weights } => {
                let w: f64 = weights.iter().sum();
                values.iter().zip(weights).map(|(v, p)| v * p).sum::<f64>() / w
            }
        }
    }
}

/// The event a risk draws, with its parameters as distributions.
#[derive(Debug, Clone, PartialEq)]
pub enum RiskTemplate {
    /// An export restriction whose allowed share is drawn.
    ExportRestriction {
        /// Exporters.
        exporters: Vec<CountryCode>,
        /// Importers.
        importers: Importers,
        /// Elements covered.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
        /// Allowed share of normal flow, 0..1.
        allowed_share: Dist,
    },
    /// A facility outage whose remaining share is drawn.
    FacilityOutage {
        /// The facility.
        facility: Idx<Facility>,
        /// Remaining share of capacity, 0..1.
        remaining_share: Dist,
    },
    /// A demand shock whose factor is drawn.
    DemandShock {
        /// Countries (empty = all).
        countries: Vec<CountryCode>,
        /// Sectors (empty = all).
        sectors: Vec<Sector>,
        /// Elements.
        elements: ElementSet,
        /// Multiplier.
        factor: Dist,
    },
    /// A project delay (applied once, at the first onset).
    ProjectDelay {
        /// The project.
        project: Idx<Project>,
        /// Months of delay.
        months: Dist,
    },
}

/// A random event source.
#[derive(Debug, Clone, PartialEq)]
pub struct Risk {
    /// Name (for reports).
    pub name: String,
    /// Correlation group: risks of one group share one onset process and
    /// one duration (they happen together); their parameters are drawn
    /// separately.
    pub group: Option<String>,
    /// Probability that the risk (or its group) starts in a month when it
    /// is not already in force.
    pub onset_per_month: f64,
    /// How long an occurrence lasts, months (rounded, at least 1).
    pub duration_months: Dist,
    /// What it does.
    pub template: RiskTemplate,
    /// Line in the scenario file.
    pub line: usize,
}

/// Uncertain inputs drawn once per future.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Uncertainty {
    /// Multiplier on the demand path's growth (1 = the path as written;
    /// 0 = no growth), drawn once per future.
    pub demand_growth: Option<Dist>,
    /// Multiplier on each mine's output, drawn per mine and future.
    pub mine_output: Option<Dist>,
    /// Delay of every pipeline project, months, drawn per project and
    /// future.
    pub project_delay_months: Option<Dist>,
}

impl Uncertainty {
    /// Whether nothing is uncertain.
    pub fn is_empty(&self) -> bool {
        self.demand_growth.is_none()
            && self.mine_output.is_none()
            && self.project_delay_months.is_none()
    }
}

/// Reads a distribution at `key`: a number, or a table `{ dist = "…", … }`.
/// Its support must lie within `lo..=hi` (normal distributions are clamped
/// when sampled).
pub(crate) fn dist(
    doc: &mut Doc,
    o: &mut Obj,
    key: &str,
    required: bool,
    lo: f64,
    hi: f64,
) -> Option<Dist> {
    let field = format!("{}{key}", o.prefix());
    if o.is_number(key) || !o.has(key) {
        return o
            .number(doc, key, required, lo, hi)
            .map(|a| Dist::Fixed(a.value));
    }
    let t = o.table(doc, key)?;
    let mut d = Obj::new(doc, t, &format!("{field}."));
    let kind = d.str(doc, "dist", true)?;
    let line = kind.line;
    let num = |doc: &mut Doc, d: &mut Obj, k: &str, lo: f64, hi: f64| {
        d.number(doc, k, true, lo, hi).map(|a| a.value)
    };
    let out = match kind.value.as_str() {
        "fixed" => num(doc, &mut d, "value", lo, hi).map(Dist::Fixed),
        "uniform" => {
            let (min, max) = (
                num(doc, &mut d, "min", lo, hi),
                num(doc, &mut d, "max", lo, hi),
            );
            match (min, max) {
                (Some(min), Some(max)) if min <= max => Some(Dist::Uniform { min, max }),
                (Some(_), Some(_)) => {
                    doc.error(line, &field, "min must not exceed max");
                    None
                }
                _ => None,
            }
        }
        "triangular" => {
            let (min, mode, max) = (
                num(doc, &mut d, "min", lo, hi),
                num(doc, &mut d, "mode", lo, hi),
                num(doc, &mut d, "max", lo, hi),
            );
            match (min, mode, max) {
                (Some(min), Some(mode), Some(max)) if min <= mode && mode <= max => {
                    Some(Dist::Triangular { min, mode, max })
                }
                (Some(_), Some(_), Some(_)) => {
                    doc.error(line, &field, "need min ≤ mode ≤ max");
                    None
                }
                _ => None,
            }
        }
        "normal" => {
            let mean = num(doc, &mut d, "mean", lo, hi);
            let sd = num(doc, &mut d, "sd", 0.0, f64::MAX);
            Some(Dist::Normal {
                mean: mean?,
                sd: sd?,
            })
        }
        "lognormal" => {
            let median = num(doc, &mut d, "median", lo.max(1e-300), hi);
            let sigma = num(doc, &mut d, "sigma", 0.0, 10.0);
            Some(Dist::LogNormal {
                median: median?,
                sigma: sigma?,
            })
        }
        "discrete" => {
            let values = d.numbers(doc, "values");
            let weights = d.numbers(doc, "weights");
            match (values, weights) {
                (Some(v), Some(w)) => {
                    if v.value.is_empty() || v.value.len() != w.value.len() {
                        doc.error(
                            v.line,
                            &field,
                            "values and weights must be non-empty lists of the same length",
                        );
                        None
                    } else if w.value.iter().any(|x| *x < 0.0) || w.value.iter().sum::<f64>() <= 0.0
                    {
                        doc.error(w.line, &field, "weights must be ≥ 0 and not all zero");
                        None
                    } else if v.value.iter().any(|x| *x < lo || *x > hi) {
                        doc.error(v.line, &field, format!("values must lie in {lo}..={hi}"));
                        None
                    } else {
                        Some(Dist::Discrete {
                            values: v.value,
                            weights: w.value,
                        })
                    }
                }
                _ => None,
            }
        }
        other => {
            doc.error(line, &format!("{field}.dist"), format!("`{other}` is not a distribution: fixed, uniform, triangular, normal, lognormal, discrete"));
            None
        }
    };
    d.finish(
        doc,
        "dist, value, min, mode, max, mean, sd, median, sigma, values, weights",
    );
    out
}

/// Converts a yearly probability to a monthly one: `1 − (1 − p)^(1/12)`.
pub fn monthly_from_yearly(p: f64) -> f64 {
    1.0 - (1.0 - p).powf(1.0 / 12.0)
}

/// Resolves country codes and group names (`doc`, field, line, names).
pub(crate) type Resolver<'a> =
    dyn Fn(&mut Doc, &str, usize, &[String]) -> Option<Vec<CountryCode>> + 'a;

/// Reads one `[[risk]]` entry.
pub(crate) fn parse_risk(
    doc: &mut Doc,
    o: &mut Obj,
    model: &Model,
    resolve: &Resolver,
) -> Option<Risk> {
    let line = o.line;
    let prefix = o.prefix().to_string();
    let name = o.str(doc, "name", false).map(|a| a.value);
    let group = o.str(doc, "group", false).map(|a| a.value);
    let kind = o.str(doc, "kind", true);
    let per_month = o.number(doc, "onset_probability_per_month", false, 0.0, 1.0);
    let per_year = o.number(doc, "onset_probability_per_year", false, 0.0, 1.0);
    let onset = match (&per_month, &per_year) {
        (Some(m), None) => Some(m.value),
        (None, Some(y)) => Some(monthly_from_yearly(y.value)),
        (Some(m), Some(_)) => {
            doc.error(
                m.line,
                &format!("{prefix}onset_probability_per_month"),
                "give the onset probability per month or per year, not both",
            );
            None
        }
        (None, None) => {
            doc.error(
                line,
                &format!("{prefix}onset_probability_per_year"),
                "is required (or onset_probability_per_month)",
            );
            None
        }
    };
    let duration = dist(doc, o, "duration_months", false, 0.0, 600.0).unwrap_or(Dist::Fixed(1.0));
    let kind = kind?;
    let template = match kind.value.as_str() {
        "export_restriction" => {
            let exporters = o.strings(doc, "exporter", true);
            let importers = o.strings(doc, "importers", false);
            let elements = o.elements(doc, "elements", false);
            let forms = o.strings(doc, "forms", false);
            let share = dist(doc, o, "allowed_share", true, 0.0, 1.0);
            o.finish(doc, "name, group, kind, onset_probability_per_month, onset_probability_per_year, duration_months, exporter, importers, elements, forms, allowed_share");
            let exporters = exporters
                .and_then(|a| resolve(doc, &format!("{prefix}exporter"), a.line, &a.value));
            let importers = match importers {
                None => Some(Importers::All),
                Some(a) if a.value.iter().any(|s| s == "*") => Some(Importers::All),
                Some(a) => resolve(doc, &format!("{prefix}importers"), a.line, &a.value)
                    .map(Importers::Only),
            };
            let forms = match forms {
                None => Some(FormSet::TRADED),
                Some(a) => crate::scenario::parse_forms_pub(doc, &format!("{prefix}forms"), &a),
            };
            RiskTemplate::ExportRestriction {
                exporters: exporters?,
                importers: importers?,
                elements: elements.map_or(ElementSet::ALL, |a| a.value),
                forms: forms?,
                allowed_share: share?,
            }
        }
        "facility_outage" => {
            let fac = o.str(doc, "facility", true);
            let share =
                dist(doc, o, "remaining_share", false, 0.0, 1.0).unwrap_or(Dist::Fixed(0.0));
            o.finish(doc, "name, group, kind, onset_probability_per_month, onset_probability_per_year, duration_months, facility, remaining_share");
            let fac = fac?;
            let Some(idx) = model.facility_idx(&fac.value) else {
                doc.error(
                    fac.line,
                    &format!("{prefix}facility"),
                    format!("unknown facility `{}`", fac.value),
                );
                return None;
            };
            RiskTemplate::FacilityOutage {
                facility: idx,
                remaining_share: share,
            }
        }
        "demand_shock" => {
            let countries = o.strings(doc, "country", false);
            let sectors = o.strings(doc, "sector", false);
            let elements = o.elements(doc, "elements", false);
            let factor = dist(doc, o, "factor", true, 0.0, 100.0);
            o.finish(doc, "name, group, kind, onset_probability_per_month, onset_probability_per_year, duration_months, country, sector, elements, factor");
            let countries = match countries {
                None => Some(Vec::new()),
                Some(a) if a.value.iter().any(|s| s == "*") => Some(Vec::new()),
                Some(a) => resolve(doc, &format!("{prefix}country"), a.line, &a.value),
            };
            let mut list = Vec::new();
            if let Some(a) = sectors {
                for s in a.value.iter().filter(|s| *s != "*") {
                    match Sector::parse(s) {
                        Some(x) => list.push(x),
                        None => {
                            doc.error(
                                a.line,
                                &format!("{prefix}sector"),
                                format!("`{s}` is not one of: {}", Sector::expected()),
                            );
                            return None;
                        }
                    }
                }
            }
            RiskTemplate::DemandShock {
                countries: countries?,
                sectors: list,
                elements: elements.map_or(ElementSet::ALL, |a| a.value),
                factor: factor?,
            }
        }
        "project_delay" => {
            let project = o.str(doc, "project", true);
            let months = dist(doc, o, "months", true, 0.0, 240.0);
            o.finish(doc, "name, group, kind, onset_probability_per_month, onset_probability_per_year, duration_months, project, months");
            let project = project?;
            let Some(idx) = model
                .projects
                .iter()
                .position(|p| p.id == project.value)
                .map(Idx::new)
            else {
                doc.error(
                    project.line,
                    &format!("{prefix}project"),
                    format!("unknown project `{}`", project.value),
                );
                return None;
            };
            RiskTemplate::ProjectDelay {
                project: idx,
                months: months?,
            }
        }
        other => {
            doc.error(kind.line, &format!("{prefix}kind"), format!("`{other}` is not a risk kind: export_restriction, facility_outage, demand_shock, project_delay"));
            return None;
        }
    };
    Some(Risk {
        name: name.unwrap_or_else(|| kind.value.clone()),
        group,
        onset_per_month: onset?,
        duration_months: duration,
        template,
        line,
    })
}

/// Reads the `[uncertainty]` table.
pub(crate) fn parse_uncertainty(doc: &mut Doc, o: &mut Obj) -> Uncertainty {
    let u = Uncertainty {
        demand_growth: dist(doc, o, "demand_growth", false, 0.0, 10.0),
        mine_output: dist(doc, o, "mine_output", false, 0.0, 10.0),
        project_delay_months: dist(doc, o, "project_delay_months", false, 0.0, 240.0),
    };
    o.finish(doc, "demand_growth, mine_output, project_delay_months");
    u
}
