//! Distributions as scenario files write them: a number (always that
//! value) or a table `{ dist = "triangular", min = …, mode = …, max = … }`.

use crate::read::{Doc, Obj};
use critmin_model::Dist;

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
