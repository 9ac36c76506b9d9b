//! Reading TOML with line numbers: a thin layer over `toml`'s spanned parse
//! tree that records a [`Diagnostic`] for every missing, mistyped or unknown
//! key, so scenario and plan files report `file:line: key: problem`.

use critmin_data::Diagnostic;
use critmin_model::{ElementSet, Month};
use std::collections::BTreeSet;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A parsed TOML document and the diagnostics found in it.
pub(crate) struct Doc<'i> {
    pub file: String,
    text: &'i str,
    pub diags: Vec<Diagnostic>,
}

impl<'i> Doc<'i> {
    /// Parses `text`; on a syntax error returns the diagnostic.
    pub fn parse(file: &str, text: &'i str) -> Result<(Doc<'i>, Spanned<DeTable<'i>>), Diagnostic> {
        match DeTable::parse(text) {
            Ok(t) => Ok((
                Doc {
                    file: file.to_string(),
                    text,
                    diags: Vec::new(),
                },
                t,
            )),
            Err(e) => {
                let line = e.span().map_or(1, |s| line_of(text, s.start));
                Err(Diagnostic {
                    file: file.to_string(),
                    line,
                    field: "(toml)".into(),
                    message: e.message().trim().replace('\n', " "),
                })
            }
        }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, pos: usize) -> usize {
        line_of(self.text, pos)
    }

    /// Records a problem.
    pub fn error(&mut self, line: usize, field: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            file: self.file.clone(),
            line,
            field: field.to_string(),
            message: message.into(),
        });
    }
}

fn line_of(text: &str, pos: usize) -> usize {
    text.as_bytes()[..pos.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
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

/// A value with the line it is on.
pub(crate) struct At<T> {
    pub value: T,
    pub line: usize,
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

    fn field(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn raw(&mut self, key: &str) -> Option<(&'t Spanned<DeValue<'i>>, usize)> {
        self.used.insert(key.to_string());
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(k, v)| (v, k.span().start))
    }

    /// A string value.
    pub fn str(&mut self, doc: &mut Doc, key: &str, required: bool) -> Option<At<String>> {
        let Some((v, pos)) = self.raw(key) else {
            if required {
                doc.error(self.line, &self.field(key), "is required but missing");
            }
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

    /// A number (integer or float).
    pub fn number(
        &mut self,
        doc: &mut Doc,
        key: &str,
        required: bool,
        min: f64,
        max: f64,
    ) -> Option<At<f64>> {
        let Some((v, pos)) = self.raw(key) else {
            if required {
                doc.error(self.line, &self.field(key), "is required but missing");
            }
            return None;
        };
        let line = doc.line(pos);
        let parsed: Option<f64> = match v.get_ref() {
            DeValue::Integer(i) if i.radix() == 10 => i.as_str().replace('_', "").parse().ok(),
            DeValue::Float(f) => f.as_str().replace('_', "").parse().ok(),
            _ => None,
        };
        match parsed {
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

    /// A whole number.
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
            if required {
                doc.error(self.line, &self.field(key), "is required but missing");
            }
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

    /// A list of numbers.
    pub fn numbers(&mut self, doc: &mut Doc, key: &str) -> Option<At<Vec<f64>>> {
        let Some((v, pos)) = self.raw(key) else {
            doc.error(self.line, &self.field(key), "is required but missing");
            return None;
        };
        let line = doc.line(pos);
        let DeValue::Array(a) = v.get_ref() else {
            doc.error(line, &self.field(key), "must be a list of numbers");
            return None;
        };
        let mut out = Vec::new();
        for item in a.iter() {
            let x: Option<f64> = match item.get_ref() {
                DeValue::Integer(i) if i.radix() == 10 => i.as_str().replace('_', "").parse().ok(),
                DeValue::Float(f) => f.as_str().replace('_', "").parse().ok(),
                _ => None,
            };
            match x.filter(|x| x.is_finite()) {
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
