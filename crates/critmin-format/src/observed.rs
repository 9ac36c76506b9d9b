//! Observed series for a backtest (`critmin backtest SCENARIO --observed
//! FILE.csv`, `docs/backtest.md`): a CSV table with one observation per
//! row — `series`, `month` (`YYYY-MM`), `value` (> 0, in the series'
//! unit) and optional `period` (`month`, the default, or `year`: an annual
//! mean or total, placed in any month of its year), `unit`, `source`,
//! `confidence` and `note`, which are kept for the reader. The series
//! names are resolved by the backtest, not here.

use critmin_model::{Diagnostic, Month};
use serde::Serialize;

/// What one observation stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// The month itself.
    Month,
    /// The calendar year of `month`: a price's annual mean, a flow's
    /// annual total.
    Year,
}

/// One observed value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    /// Series name, as written.
    pub series: String,
    /// The month (for a yearly observation, any month of its year).
    pub month: Month,
    /// What the observation stands for.
    pub period: Period,
    /// The value, > 0, in the series' unit.
    pub value: f64,
    /// The unit as written (may be empty).
    pub unit: String,
    /// The source as written (may be empty).
    pub source: String,
    /// Line in the file.
    pub line: usize,
}

const REQUIRED: &[&str] = &["series", "month", "value"];
const OPTIONAL: &[&str] = &["period", "unit", "source", "confidence", "note"];

/// Splits one CSV line into fields (double quotes protect commas; `""` is
/// a quote), or `None` if a quote is left open.
fn fields(line: &str) -> Option<Vec<String>> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut()?.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            _ => out.last_mut()?.push(c),
        }
    }
    (!quoted).then_some(out)
}

/// Reads the observations of `bytes` (named `file` in diagnostics):
/// every problem at once, each as `file:line: column: message`.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Vec<Observation>, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.strip_prefix('\u{feff}').unwrap_or(t),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            return Err(vec![Diagnostic::new(
                file,
                line,
                "(file)",
                "not valid UTF-8 (save the file as UTF-8)",
            )]);
        }
    };
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(vec![Diagnostic::new(
            file,
            1,
            "(file)",
            "is empty: expected a header `series,month,value`",
        )]);
    };
    let header: Vec<String> = fields(header)
        .unwrap_or_default()
        .into_iter()
        .map(|h| h.trim().to_string())
        .collect();
    for h in &header {
        if !REQUIRED.contains(&h.as_str()) && !OPTIONAL.contains(&h.as_str()) {
            diags.push(Diagnostic::new(
                file,
                1,
                h.clone(),
                format!(
                    "unknown column; the columns are {} and optionally {}",
                    REQUIRED.join(", "),
                    OPTIONAL.join(", ")
                ),
            ));
        }
    }
    for r in REQUIRED {
        if !header.iter().any(|h| h == r) {
            diags.push(Diagnostic::new(file, 1, *r, "required column is missing"));
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut out = Vec::new();
    for (i, raw) in lines {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let Some(f) = fields(raw) else {
            diags.push(Diagnostic::new(
                file,
                line,
                "(row)",
                "a quote is not closed",
            ));
            continue;
        };
        if f.len() != header.len() {
            diags.push(Diagnostic::new(
                file,
                line,
                "(row)",
                format!("has {} fields but the header has {}", f.len(), header.len()),
            ));
            continue;
        }
        let get = |name: &str| col(name).map_or("", |k| f[k].trim());
        let mut bad = |field: &str, msg: String| {
            diags.push(Diagnostic::new(file, line, field, msg));
        };
        let series = get("series").to_string();
        if series.is_empty() {
            bad("series", "is blank".into());
        }
        let month = match get("month").parse::<Month>() {
            Ok(m) => Some(m),
            Err(_) => {
                bad(
                    "month",
                    format!("`{}` is not a month (YYYY-MM)", get("month")),
                );
                None
            }
        };
        let value = match get("value").parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Some(v),
            Ok(v) => {
                bad(
                    "value",
                    format!("{v} must be a finite number above 0 (errors are log-ratios)"),
                );
                None
            }
            Err(_) => {
                bad("value", format!("`{}` is not a number", get("value")));
                None
            }
        };
        let period = match get("period") {
            "" | "month" => Some(Period::Month),
            "year" => Some(Period::Year),
            other => {
                bad("period", format!("`{other}` is not one of: month, year"));
                None
            }
        };
        if let (false, Some(month), Some(value), Some(period)) =
            (series.is_empty(), month, value, period)
        {
            out.push(Observation {
                series,
                month,
                period,
                value,
                unit: get("unit").to_string(),
                source: get("source").to_string(),
                line,
            });
        }
    }
    if out.is_empty() && diags.is_empty() {
        diags.push(Diagnostic::new(file, 1, "(file)", "has no observations"));
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_and_every_problem_is_reported_with_its_line() {
        let ok = parse(
            "o.csv",
            b"series,month,value,period,note\nprice:Nd:oxide:world,2011-07,\"120,5\",year,\"a, b\"\n",
        );
        assert!(ok.is_err(), "a comma in a number is not a number");
        let o = parse(
            "o.csv",
            b"series,month,value\nprice:Nd:oxide:world,2011-07,120.5\n",
        )
        .unwrap();
        assert_eq!(o[0].value, 120.5);
        assert_eq!(o[0].period, Period::Month);
        let bad = parse(
            "o.csv",
            b"series,month,value,colour\nx,2011-13,-1\n,2011-01,abc\n",
        )
        .unwrap_err();
        assert!(
            bad[0]
                .to_string()
                .contains("o.csv:1: colour: unknown column")
        );
        let bad = parse("o.csv", b"series,month,value\nx,2011-13,-1\n,2011-01,abc\n").unwrap_err();
        let text: Vec<String> = bad.iter().map(|d| d.to_string()).collect();
        assert!(
            text.iter().any(|d| d.starts_with("o.csv:2: month:")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|d| d.starts_with("o.csv:2: value:")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|d| d.starts_with("o.csv:3: series:")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|d| d.starts_with("o.csv:3: value:")),
            "{text:?}"
        );
        assert!(parse("o.csv", &[0xff, 0xfe]).is_err());
    }
}
