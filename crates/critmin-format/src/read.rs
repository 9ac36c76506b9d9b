//! The one TOML reader of critmin's formats: a thin layer over `toml`'s
//! spanned parse tree that records a [`Diagnostic`] for every missing,
//! mistyped or unknown key, so scenario and plan files report
//! `file:line: key: problem`.
//!
//! Input is bytes, not `str`: invalid UTF-8 is reported at the line of the
//! first invalid byte instead of failing before any location is known.
//! Line numbers come from a table of line starts built once and searched
//! by bisection, so reading a file is linear in its size (rescanning the
//! text for every key made it quadratic).

use critmin_model::{Diagnostic, ElementSet, Month};
use serde::Serialize;
use std::collections::BTreeSet;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Byte offsets where each line starts, for offset → line in `O(log n)`.
pub(crate) struct Lines(Vec<usize>);

impl Lines {
    pub fn new(bytes: &[u8]) -> Lines {
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines(starts)
    }

    /// 1-based line of byte offset `pos`.
    pub fn line(&self, pos: usize) -> usize {
        self.0.partition_point(|&s| s <= pos).max(1)
    }
}

/// A value with the line it is on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct At<T> {
    /// The value.
    pub value: T,
    /// 1-based line in the file.
    pub line: usize,
}

/// A parsed TOML document and the diagnostics found in it.
pub(crate) struct Doc {
    pub file: String,
    lines: Lines,
    pub diags: Vec<Diagnostic>,
}

impl Doc {
    /// Decodes and parses `bytes`; on invalid UTF-8 or a syntax error
    /// returns the one diagnostic.
    pub fn parse<'i>(
        file: &str,
        bytes: &'i [u8],
    ) -> Result<(Doc, Spanned<DeTable<'i>>), Diagnostic> {
        let lines = Lines::new(bytes);
        let text = match std::str::from_utf8(bytes) {
            // A byte-order mark has no newline, so offsets after it keep
            // their lines.
            Ok(t) => t,
            Err(e) => {
                return Err(Diagnostic::new(
                    file,
                    lines.line(e.valid_up_to()),
                    "(file)",
                    "not valid UTF-8 (save the file as UTF-8)",
                ));
            }
        };
        let (text, shift) = match text.strip_prefix('\u{feff}') {
            Some(t) => (t, 3),
            None => (text, 0),
        };
        match DeTable::parse(text) {
            Ok(t) => {
                let lines = if shift == 0 {
                    lines
                } else {
                    Lines::new(text.as_bytes())
                };
                Ok((
                    Doc {
                        file: file.to_string(),
                        lines,
                        diags: Vec::new(),
                    },
                    t,
                ))
            }
            Err(e) => {
                let line = e
                    .span()
                    .map_or(1, |s| Lines::new(text.as_bytes()).line(s.start));
                Err(Diagnostic::new(
                    file,
                    line,
                    "(toml)",
                    e.message().trim().replace('\n', " "),
                ))
            }
        }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, pos: usize) -> usize {
        self.lines.line(pos)
    }

    /// Records a problem.
    pub fn error(&mut self, line: usize, field: &str, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::new(&self.file, line, field, message));
    }

    /// The diagnostics, sorted and without repeats.
    pub fn finish(self) -> Vec<Diagnostic> {
        sorted(self.diags)
    }
}

/// Diagnostics in file order, each once.
pub(crate) fn sorted(mut d: Vec<Diagnostic>) -> Vec<Diagnostic> {
    d.sort();
    d.dedup();
    d
}

/// One TOML table being read: tracks which keys were used so that unknown
/// keys can be reported.
pub(crate) struct Obj<'t, 'i> {
    table: &'t DeTable<'i>,
    /// Line of the table itself (its first key, or its header).
    pub line: usize,
    /// Prefix for field names in messages, e.g. `event[2].`.
    prefix: String,
    used: BTreeSet<String>,
}

/// A number as TOML wrote it (decimal integers and floats only: a hex
/// tonnage is more likely a typo than intended).
fn number_of(v: &DeValue) -> Option<f64> {
    match v {
        DeValue::Integer(i) if i.radix() == 10 => i.as_str().replace('_', "").parse().ok(),
        DeValue::Float(f) => f.as_str().replace('_', "").parse().ok(),
        _ => None,
    }
}

impl<'t, 'i> Obj<'t, 'i> {
    pub fn new(doc: &Doc, table: TableRef<'t, 'i>, prefix: &str) -> Obj<'t, 'i> {
        let first_key = table.0.iter().map(|(k, _)| k.span().start).min();
        let line = doc.line(first_key.unwrap_or(table.1));
        Obj {
            table: table.0,
            line,
            prefix: prefix.to_string(),
            used: BTreeSet::new(),
        }
    }

    /// The field name of `key` in messages.
    pub fn field(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn raw(&mut self, key: &str) -> Option<(&'t Spanned<DeValue<'i>>, usize)> {
        self.used.insert(key.to_string());
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(k, v)| (v, k.span().start))
    }

    fn missing(&self, doc: &mut Doc, key: &str, required: bool) {
        if required {
            doc.error(self.line, &self.field(key), "is required but missing");
        }
    }

    /// A string value.
    pub fn str(&mut self, doc: &mut Doc, key: &str, required: bool) -> Option<At<String>> {
        let Some((v, pos)) = self.raw(key) else {
            self.missing(doc, key, required);
            return None;
        };
        let line = doc.line(pos);
        match v.get_ref() {
            DeValue::String(s) => Some(At {
                value: s.to_string(),
                line,
            }),
            _ => {
                doc.error(line, &self.field(key), "must be a string (in quotes)");
                None
            }
        }
    }

    /// A number (integer or float) in `min..=max`.
    pub fn number(
        &mut self,
        doc: &mut Doc,
        key: &str,
        required: bool,
        min: f64,
        max: f64,
    ) -> Option<At<f64>> {
        let Some((v, pos)) = self.raw(key) else {
            self.missing(doc, key, required);
            return None;
        };
        let line = doc.line(pos);
        match number_of(v.get_ref()) {
            Some(x) if x.is_finite() && x >= min && x <= max => Some(At { value: x, line }),
            Some(x) if x.is_finite() => {
                doc.error(
                    line,
                    &self.field(key),
                    format!("{x} is outside {min}..={max}"),
                );
                None
            }
            _ => {
                doc.error(line, &self.field(key), "must be a finite number");
                None
            }
        }
    }

    /// A whole number in `min..=max`.
    pub fn integer(
        &mut self,
        doc: &mut Doc,
        key: &str,
        required: bool,
        min: i64,
        max: i64,
    ) -> Option<At<i64>> {
        let at = self.number(doc, key, required, min as f64, max as f64)?;
        if at.value.fract() != 0.0 {
            doc.error(at.line, &self.field(key), "must be a whole number");
            return None;
        }
        Some(At {
            value: at.value as i64,
            line: at.line,
        })
    }

    /// A month written as `"YYYY-MM"`.
    pub fn month(&mut self, doc: &mut Doc, key: &str, required: bool) -> Option<At<Month>> {
        let at = self.str(doc, key, required)?;
        match at.value.parse::<Month>() {
            Ok(m) => Some(At {
                value: m,
                line: at.line,
            }),
            Err(e) => {
                doc.error(at.line, &self.field(key), e.to_string());
                None
            }
        }
    }

    /// A string or a list of strings (a single string is a one-item list).
    pub fn strings(&mut self, doc: &mut Doc, key: &str, required: bool) -> Option<At<Vec<String>>> {
        let Some((v, pos)) = self.raw(key) else {
            self.missing(doc, key, required);
            return None;
        };
        let line = doc.line(pos);
        match v.get_ref() {
            DeValue::String(s) => Some(At {
                value: vec![s.to_string()],
                line,
            }),
            DeValue::Array(a) => {
                let mut out = Vec::new();
                for item in a.iter() {
                    match item.get_ref() {
                        DeValue::String(s) => out.push(s.to_string()),
                        _ => {
                            doc.error(line, &self.field(key), "must be a list of strings");
                            return None;
                        }
                    }
                }
                Some(At { value: out, line })
            }
            _ => {
                doc.error(
                    line,
                    &self.field(key),
                    "must be a string or a list of strings",
                );
                None
            }
        }
    }

    /// A sub-table (`key = { … }` or `[section.key]`), if present.
    pub fn table(&mut self, doc: &mut Doc, key: &str) -> Option<TableRef<'t, 'i>> {
        let (v, pos) = self.raw(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(TableRef(t, v.span().start)),
            _ => {
                doc.error(doc.line(pos), &self.field(key), "must be a table");
                None
            }
        }
    }

    /// Whether `key` holds a number (rather than a table).
    pub fn is_number(&self, key: &str) -> bool {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .is_some_and(|(_, v)| matches!(v.get_ref(), DeValue::Integer(_) | DeValue::Float(_)))
    }

    /// Whether `key` is present.
    pub fn has(&self, key: &str) -> bool {
        self.table.iter().any(|(k, _)| k.get_ref().as_ref() == key)
    }

    /// A list of finite numbers (required).
    pub fn numbers(&mut self, doc: &mut Doc, key: &str) -> Option<At<Vec<f64>>> {
        let Some((v, pos)) = self.raw(key) else {
            self.missing(doc, key, true);
            return None;
        };
        let line = doc.line(pos);
        let DeValue::Array(a) = v.get_ref() else {
            doc.error(line, &self.field(key), "must be a list of numbers");
            return None;
        };
        let mut out = Vec::new();
        for item in a.iter() {
            match number_of(item.get_ref()).filter(|x| x.is_finite()) {
                Some(x) => out.push(x),
                None => {
                    doc.error(line, &self.field(key), "must be a list of finite numbers");
                    return None;
                }
            }
        }
        Some(At { value: out, line })
    }

    /// Element set: `"all"`, `"heavy"`, `["Dy", "Tb"]` …
    pub fn elements(&mut self, doc: &mut Doc, key: &str, required: bool) -> Option<At<ElementSet>> {
        let at = self.strings(doc, key, required)?;
        let joined = at.value.join(";");
        match ElementSet::parse(&joined) {
            Ok(s) => Some(At {
                value: s,
                line: at.line,
            }),
            Err(bad) => {
                doc.error(
                    at.line,
                    &self.field(key),
                    format!("`{bad}` is not a rare earth element (use symbols like \"Dy\", or all, light, heavy, magnet)"),
                );
                None
            }
        }
    }

    /// An array of tables (`[[event]]`) or a single table.
    pub fn tables(&mut self, doc: &mut Doc, key: &str) -> Vec<TableRef<'t, 'i>> {
        let Some((v, pos)) = self.raw(key) else {
            return Vec::new();
        };
        match v.get_ref() {
            DeValue::Array(a) => {
                let mut out = Vec::new();
                for item in a.iter() {
                    match item.get_ref() {
                        DeValue::Table(t) => out.push(TableRef(t, item.span().start)),
                        _ => doc.error(
                            doc.line(pos),
                            &self.field(key),
                            "must be tables ([[...]] sections)",
                        ),
                    }
                }
                out
            }
            DeValue::Table(t) => vec![TableRef(t, v.span().start)],
            _ => {
                doc.error(
                    doc.line(pos),
                    &self.field(key),
                    "must be a table or [[...]] sections",
                );
                Vec::new()
            }
        }
    }

    /// A table that may appear once (`[policy]`, or a single `[[policy]]`):
    /// a second one is an error, not silently ignored.
    pub fn single_table(&mut self, doc: &mut Doc, key: &str) -> Option<TableRef<'t, 'i>> {
        let all = self.tables(doc, key);
        if let Some(second) = all.get(1) {
            let line = doc.line(second.1);
            doc.error(
                line,
                &self.field(key),
                format!(
                    "appears {} times; give one `[{}]` section",
                    all.len(),
                    self.field(key)
                ),
            );
        }
        all.first().copied()
    }

    /// The prefix of field names, e.g. `event[2].`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Reports every key that no accessor asked for.
    pub fn finish(&mut self, doc: &mut Doc, expected: &str) {
        for (k, _) in self.table.iter() {
            let name = k.get_ref().as_ref();
            if !self.used.contains(name) {
                let line = doc.line(k.span().start);
                doc.error(
                    line,
                    &self.field(name),
                    format!("unknown key; expected one of: {expected}"),
                );
            }
        }
    }
}

/// A table and the byte offset where it starts.
#[derive(Clone, Copy)]
pub(crate) struct TableRef<'t, 'i>(pub &'t DeTable<'i>, pub usize);

impl<'t, 'i> TableRef<'t, 'i> {
    /// The document's root table.
    pub fn root(t: &'t Spanned<DeTable<'i>>) -> TableRef<'t, 'i> {
        TableRef(t.get_ref(), t.span().start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_found_by_bisection() {
        let l = Lines::new(b"a\nbb\n\nc");
        let got: Vec<usize> = (0..7).map(|p| l.line(p)).collect();
        assert_eq!(got, [1, 1, 2, 2, 2, 3, 4]);
        assert_eq!(l.line(100), 4);
    }

    #[test]
    fn invalid_utf8_is_located_at_its_line() {
        let Err(d) = Doc::parse("s.toml", b"name = \"x\"\n\nstart = \"\xff\"\n") else {
            panic!("invalid UTF-8 accepted");
        };
        assert_eq!(
            d.to_string(),
            "s.toml:3: (file): not valid UTF-8 (save the file as UTF-8)"
        );
    }
}
