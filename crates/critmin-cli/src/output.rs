//! Terminal output: plain-text tables (aligned columns, no colour, readable
//! when piped) and [`Out`], the one writer of standard output, which turns
//! a closed pipe into a quiet exit.

use crate::cmd::{CliError, Result};
use std::io::Write;

/// Standard output, written through one handle.
pub struct Out {
    inner: Box<dyn Write>,
}

impl Out {
    /// The process's standard output.
    pub fn stdout() -> Out {
        Out {
            inner: Box::new(std::io::stdout()),
        }
    }

    /// Writes `s`; a closed pipe becomes [`CliError::ClosedPipe`].
    pub fn write(&mut self, s: &str) -> Result {
        self.inner
            .write_all(s.as_bytes())
            .and_then(|()| self.inner.flush())
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    CliError::ClosedPipe
                } else {
                    CliError::Io(e)
                }
            })
    }

    /// Writes `s` and a newline.
    pub fn line(&mut self, s: &str) -> Result {
        self.write(s)?;
        self.write("\n")
    }
}

/// A table with a header row; numbers are right-aligned.
pub struct TextTable {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
}

impl TextTable {
    /// A table with these column names; `right[i]` right-aligns column `i`.
    pub fn new(header: &[&str], right: &[bool]) -> TextTable {
        TextTable {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            right: right.to_vec(),
        }
    }

    /// Appends a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders with two spaces between columns.
    pub fn render(&self) -> String {
        let n = self.header.len();
        let mut width = vec![0usize; n];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(n) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        let line = |r: &Vec<String>, out: &mut String| {
            let mut cells = Vec::with_capacity(n);
            for (i, w) in width.iter().enumerate() {
                let c = r.get(i).map_or("", String::as_str);
                let pad = w.saturating_sub(c.chars().count());
                if self.right.get(i).copied().unwrap_or(false) {
                    cells.push(format!("{}{c}", " ".repeat(pad)));
                } else {
                    cells.push(format!("{c}{}", " ".repeat(pad)));
                }
            }
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        };
        line(&self.header, &mut out);
        let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&rule.join("  "));
        out.push('\n');
        for r in &self.rows {
            line(r, &mut out);
        }
        out
    }
}

/// Tonnes with thousands separators and no decimals (`12,345`), or one
/// decimal below 10.
pub fn tonnes(v: f64) -> String {
    if v.abs() < 10.0 && v != 0.0 {
        return format!("{v:.1}");
    }
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

/// A fraction as a percentage with one decimal (`91.2%`).
pub fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// An optional fraction as a percentage, `—` when absent.
pub fn opt_pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), pct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(tonnes(390000.0), "390,000");
        assert_eq!(tonnes(1234.4), "1,234");
        assert_eq!(tonnes(5.25), "5.2");
        assert_eq!(tonnes(-1500.0), "-1,500");
        assert_eq!(tonnes(0.0), "0");
        assert_eq!(pct(0.9123), "91.2%");
        assert_eq!(opt_pct(None), "—");
    }
}
