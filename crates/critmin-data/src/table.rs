//! Reading one CSV table into rows of text fields, and typed access to a
//! row's fields that records a [`Diagnostic`] for every bad value.
//!
//! Nothing here fails: a table that cannot be read at all becomes an empty
//! table plus diagnostics, a bad field becomes `None` plus a diagnostic. The
//! loader keeps going so that one run reports every problem.

use crate::{Diagnostic, Diagnostics};
use critmin_model::{CountryCode, Element, ElementSet, Month};
use std::collections::HashMap;

/// The declared columns of a table.
pub(crate) struct Schema {
    /// Columns that must be in the header.
    pub required: &'static [&'static str],
    /// Columns that may be in the header.
    pub optional: &'static [&'static str],
    /// Whether element symbols (`Nd`, `Dy` …) are accepted as extra columns.
    pub element_columns: bool,
}

impl Schema {
    /// Whether `name` is one of the schema's columns, spelt exactly (column
    /// names are case-sensitive: an element column is `Nd`, never `nd`).
    fn knows(&self, name: &str) -> bool {
        self.required.contains(&name)
            || self.optional.contains(&name)
            || (self.element_columns && Element::ALL.iter().any(|e| e.symbol() == name))
    }

    /// Every column the schema accepts, element symbols last.
    fn columns(&self) -> Vec<&'static str> {
        let mut all: Vec<&'static str> =
            self.required.iter().chain(self.optional).copied().collect();
        if self.element_columns {
            all.extend(Element::ALL.iter().map(|e| e.symbol()));
        }
        all
    }

    /// The message for a header cell `name` the schema does not know: the
    /// column meant, when a case-insensitive match or a near miss (at most
    /// two edits) identifies it, then what the table accepts.
    fn unknown_column(&self, name: &str) -> String {
        let all = self.columns();
        let lower = name.to_lowercase();
        let suggestion = all
            .iter()
            .find(|c| c.to_lowercase() == lower)
            .map(|c| format!("; column names are case-sensitive: write `{c}`"))
            .or_else(|| {
                all.iter()
                    .map(|c| (edit_distance(&lower, &c.to_lowercase()), *c))
                    .filter(|&(d, c)| d <= 2 && d < c.len())
                    .min()
                    .map(|(_, c)| format!("; did you mean `{c}`?"))
            })
            .unwrap_or_default();
        let mut expected: Vec<&str> = self.required.iter().chain(self.optional).copied().collect();
        if self.element_columns {
            expected.push("element symbols (Sc, Y, La … Lu)");
        }
        format!(
            "unknown column{suggestion} (expected one of: {})",
            expected.join(", ")
        )
    }
}

/// Levenshtein distance between two short strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A table read from CSV: its header and its data rows as text.
pub(crate) struct Table {
    pub file: String,
    columns: HashMap<String, usize>,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

/// One data row: its 1-based line number in the file and its fields.
pub(crate) struct Row {
    pub line: usize,
    pub fields: Vec<String>,
}

impl Table {
    /// An empty table (for an absent optional file).
    pub fn empty(file: &str) -> Table {
        Table {
            file: file.to_string(),
            columns: HashMap::new(),
            header: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Parses `bytes` as a CSV table with `schema`, recording problems in
    /// `diags`.
    pub fn parse(file: &str, bytes: &[u8], schema: &Schema, diags: &mut Diagnostics) -> Table {
        let mut table = Table::empty(file);
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            diags.push(Diagnostic::new(
                file,
                1,
                "(header)",
                format!(
                    "the file is empty; expected a header row with the columns {}",
                    schema.required.join(",")
                ),
            ));
            return table;
        }
        // No comment character: the format has no comment lines, and a row
        // the reader skipped would be a row silently lost (see
        // `starts_with_hash`).
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let mut records = reader.byte_records();
        let Some(header) = table.parse_header(bytes, &mut records, schema, diags) else {
            // Reading rows against a broken header only produces noise.
            return table;
        };
        table.parse_rows(bytes, records, header.len(), diags);
        table
    }

    /// Reads and checks the header row. Returns it when every column is
    /// known, none is repeated and every required one is present.
    fn parse_header(
        &mut self,
        bytes: &[u8],
        records: &mut csv::ByteRecordsIter<'_, &[u8]>,
        schema: &Schema,
        diags: &mut Diagnostics,
    ) -> Option<csv::ByteRecord> {
        let file = self.file.clone();
        let header = match records.next() {
            Some(Ok(rec)) => rec,
            Some(Err(e)) => {
                diags.push(Diagnostic::new(
                    &file,
                    csv_line(&e).unwrap_or(1),
                    "(header)",
                    csv_error(&e),
                ));
                return None;
            }
            None => {
                diags.push(Diagnostic::new(&file, 1, "(header)", "no header row"));
                return None;
            }
        };
        let header_line = header.position().map_or(1, |p| p.line() as usize);
        if starts_with_hash(bytes, &header) {
            diags.push(Diagnostic::new(
                &file,
                header_line,
                "(header)",
                "the first line starts with `#`, but critmin tables have no comment lines: the first line must be the header",
            ));
            return None;
        }
        let mut header_ok = true;
        for (i, raw) in header.iter().enumerate() {
            let name = match std::str::from_utf8(raw) {
                Ok(s) => s.trim().to_string(),
                Err(_) => {
                    diags.push(Diagnostic::new(
                        &file,
                        header_line,
                        format!("column {}", i + 1),
                        "header is not valid UTF-8",
                    ));
                    header_ok = false;
                    continue;
                }
            };
            if name.is_empty() {
                diags.push(Diagnostic::new(
                    &file,
                    header_line,
                    format!("column {}", i + 1),
                    "empty column name in the header",
                ));
                header_ok = false;
            } else if !schema.knows(&name) {
                diags.push(Diagnostic::new(
                    &file,
                    header_line,
                    name.clone(),
                    schema.unknown_column(&name),
                ));
                header_ok = false;
            } else if self.columns.insert(name.clone(), i).is_some() {
                diags.push(Diagnostic::new(
                    &file,
                    header_line,
                    name.clone(),
                    "column appears twice in the header",
                ));
                header_ok = false;
            }
            self.header.push(name);
        }
        for req in schema.required {
            if !self.columns.contains_key(*req) {
                diags.push(Diagnostic::new(
                    &file,
                    header_line,
                    *req,
                    "required column is missing from the header",
                ));
                header_ok = false;
            }
        }
        header_ok.then_some(header)
    }

    /// Reads the data rows after a valid header of `width` columns.
    fn parse_rows(
        &mut self,
        bytes: &[u8],
        records: csv::ByteRecordsIter<'_, &[u8]>,
        width: usize,
        diags: &mut Diagnostics,
    ) {
        for rec in records {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    diags.push(Diagnostic::new(
                        &self.file,
                        csv_line(&e).unwrap_or(0),
                        "(row)",
                        csv_error(&e),
                    ));
                    continue;
                }
            };
            let line = rec.position().map_or(0, |p| p.line() as usize);
            if rec.len() == 1 && rec.get(0).is_some_and(<[u8]>::is_empty) {
                continue; // an empty line, or one of spaces only
            }
            if starts_with_hash(bytes, &rec) {
                diags.push(Diagnostic::new(
                    &self.file,
                    line,
                    "(row)",
                    "starts with `#`, but critmin tables have no comment lines: delete the line (keep remarks in a `note` column), or quote the first cell if the `#` is data",
                ));
                continue;
            }
            if rec.len() != width {
                diags.push(Diagnostic::new(
                    &self.file,
                    line,
                    "(row)",
                    format!("has {} fields but the header has {width}", rec.len()),
                ));
                continue;
            }
            let mut fields = Vec::with_capacity(width);
            let mut ok = true;
            for (i, raw) in rec.iter().enumerate() {
                match std::str::from_utf8(raw) {
                    Ok(s) => fields.push(s.to_string()),
                    Err(_) => {
                        diags.push(Diagnostic::new(
                            &self.file,
                            line,
                            self.header[i].clone(),
                            "not valid UTF-8 (save the file as UTF-8)",
                        ));
                        ok = false;
                        fields.push(String::new());
                    }
                }
            }
            if ok {
                self.rows.push(Row { line, fields });
            }
        }
    }

    /// Whether the header has `col`.
    pub fn has(&self, col: &str) -> bool {
        self.columns.contains_key(col)
    }

    /// A cursor over row `i` that records problems in `diags`.
    pub fn row<'a>(&'a self, row: &'a Row, diags: &'a mut Diagnostics) -> RowCtx<'a> {
        RowCtx {
            table: self,
            row,
            diags,
            ok: true,
        }
    }
}

/// Whether the line of `rec` begins with `#` as its very first byte: what
/// a reader with a comment character would have skipped. A `#` after
/// leading spaces, or inside a quoted cell (`"#1"`), is data.
fn starts_with_hash(bytes: &[u8], rec: &csv::ByteRecord) -> bool {
    rec.position()
        .and_then(|p| bytes.get(p.byte() as usize))
        .is_some_and(|&b| b == b'#')
}

fn csv_line(e: &csv::Error) -> Option<usize> {
    e.position().map(|p| p.line() as usize)
}

fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8 (save the file as UTF-8)".to_string(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("has {len} fields but the header has {expected_len}")
        }
        _ => format!("cannot read CSV: {e}"),
    }
}

/// Typed access to one row's fields. Every accessor that finds a problem
/// records a diagnostic and marks the row as bad (`ok() == false`).
pub(crate) struct RowCtx<'a> {
    table: &'a Table,
    row: &'a Row,
    diags: &'a mut Diagnostics,
    ok: bool,
}

/// The largest quantity critmin accepts in any tonnes column (see
/// [`critmin_model::limits`]).
pub(crate) use critmin_model::limits::MAX_TONNES;

impl<'a> RowCtx<'a> {
    /// The row's line number.
    pub fn line(&self) -> usize {
        self.row.line
    }

    /// Whether no problem was found in this row so far.
    pub fn ok(&self) -> bool {
        self.ok
    }

    /// Marks the row as bad without a message (its cause is reported
    /// elsewhere, e.g. on the row it refers to).
    pub fn poison(&mut self) {
        self.ok = false;
    }

    /// Records a problem with `field`.
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.ok = false;
        self.diags.push(Diagnostic::new(
            &self.table.file,
            self.row.line,
            field,
            message,
        ));
    }

    /// The trimmed text of `col`, or `""` if the column is absent or blank.
    pub fn text(&self, col: &str) -> &'a str {
        self.table
            .columns
            .get(col)
            .map_or("", |&i| self.row.fields[i].trim())
    }

    /// The text of `col`, which must not be blank.
    pub fn required(&mut self, col: &str) -> Option<&'a str> {
        let t = self.text(col);
        if t.is_empty() {
            self.error(col, "is required but blank");
            None
        } else {
            Some(t)
        }
    }

    /// An identifier: `[a-z0-9_-.]`, not blank.
    pub fn id(&mut self, col: &str) -> Option<&'a str> {
        let t = self.required(col)?;
        if t.len() > 100
            || !t
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b))
        {
            self.error(
                col,
                format!(
                    "`{}` is not a valid id: use lower-case letters, digits, `_`, `-` or `.`",
                    clip(t)
                ),
            );
            return None;
        }
        Some(t)
    }

    /// A number in `min..=max`; blank is `None` without a diagnostic unless
    /// `required`.
    pub fn number(&mut self, col: &str, required: bool, min: f64, max: f64) -> Option<f64> {
        let t = self.text(col);
        if t.is_empty() {
            if required {
                self.error(col, "is required but blank");
            }
            return None;
        }
        let cleaned: String = t.chars().filter(|c| *c != '_').collect();
        let v: f64 = match cleaned.parse() {
            Ok(v) => v,
            Err(_) => {
                self.error(col, format!("`{}` is not a number", clip(t)));
                return None;
            }
        };
        if !v.is_finite() {
            self.error(col, format!("`{}` is not a finite number", clip(t)));
            return None;
        }
        if v < min {
            self.error(col, format!("{v} is below the minimum {min}"));
            return None;
        }
        if v > max {
            self.error(col, format!("{v} is above the maximum {max}"));
            return None;
        }
        Some(v)
    }

    /// Tonnes: a finite number in `0..=MAX_TONNES`.
    pub fn tonnes(&mut self, col: &str, required: bool) -> Option<f64> {
        self.number(col, required, 0.0, MAX_TONNES)
    }

    /// A fraction in `0..=1`.
    pub fn fraction(&mut self, col: &str, required: bool) -> Option<f64> {
        let v = self.number(col, required, f64::NEG_INFINITY, f64::INFINITY)?;
        if !(0.0..=1.0).contains(&v) {
            self.error(
                col,
                format!("{v} is not a fraction between 0 and 1 (write 0.85, not 85)"),
            );
            return None;
        }
        Some(v)
    }

    /// A whole number in `min..=max`.
    pub fn integer(&mut self, col: &str, required: bool, min: i64, max: i64) -> Option<i64> {
        let t = self.text(col);
        if t.is_empty() {
            if required {
                self.error(col, "is required but blank");
            }
            return None;
        }
        match t.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Some(v),
            Ok(v) => {
                self.error(col, format!("{v} is outside {min}..={max}"));
                None
            }
            Err(_) => {
                self.error(col, format!("`{}` is not a whole number", clip(t)));
                None
            }
        }
    }

    /// A year, 1900–2200.
    pub fn year(&mut self, col: &str, required: bool) -> Option<i32> {
        self.integer(
            col,
            required,
            i64::from(critmin_model::MIN_YEAR),
            i64::from(critmin_model::MAX_YEAR),
        )
        .map(|y| y as i32)
    }

    /// A month `YYYY-MM`.
    pub fn month(&mut self, col: &str, required: bool) -> Option<Month> {
        let t = self.text(col);
        if t.is_empty() {
            if required {
                self.error(col, "is required but blank");
            }
            return None;
        }
        match t.parse::<Month>() {
            Ok(m) => Some(m),
            Err(e) => {
                self.error(col, e.to_string());
                None
            }
        }
    }

    /// A value of a closed vocabulary, parsed by `parse`; `expected` lists
    /// the accepted spellings.
    pub fn vocab<T>(
        &mut self,
        col: &str,
        required: bool,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let t = self.text(col);
        if t.is_empty() {
            if required {
                self.error(
                    col,
                    format!("is required but blank; expected one of: {expected}"),
                );
            }
            return None;
        }
        let v = parse(t);
        if v.is_none() {
            self.error(col, format!("`{}` is not one of: {expected}", clip(t)));
        }
        v
    }

    /// A country code that must be in `known`.
    pub fn country(&mut self, col: &str, known: &[CountryCode]) -> Option<CountryCode> {
        let t = self.required(col)?;
        self.country_text(col, t, known)
    }

    /// Resolves one country code in `t` (part of a field).
    pub fn country_text(
        &mut self,
        col: &str,
        t: &str,
        known: &[CountryCode],
    ) -> Option<CountryCode> {
        let Some(code) = CountryCode::parse(t) else {
            self.error(
                col,
                format!("`{}` is not a two-letter ISO 3166 country code", clip(t)),
            );
            return None;
        };
        if !known.contains(&code) {
            self.error(
                col,
                format!("unknown country `{code}` (add it to countries.csv)"),
            );
            return None;
        }
        Some(code)
    }

    /// An element set (`all`, `light`, `Nd;Pr` …).
    pub fn elements(&mut self, col: &str, required: bool) -> Option<ElementSet> {
        let t = self.text(col);
        if t.is_empty() {
            if required {
                self.error(col, "is required but blank; expected all, light, heavy, magnet or symbols like Nd;Pr");
            }
            return None;
        }
        match ElementSet::parse(t) {
            Ok(s) => Some(s),
            Err(bad) => {
                self.error(col, format!("`{}` is not a rare earth element (expected all, light, heavy, magnet or symbols like Nd;Pr)", clip(&bad)));
                None
            }
        }
    }
}

/// Shortens a user's value for an error message.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}…")
    }
}
