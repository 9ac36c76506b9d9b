//! CSV tables for spreadsheet users: a name, a header and rows of text,
//! written with RFC 4180 quoting.

/// One CSV table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CsvTable {
    /// File stem, e.g. `stages` (written as `stages.csv`).
    pub name: String,
    /// Column names.
    pub header: Vec<String>,
    /// Rows; each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl CsvTable {
    /// An empty table with these columns.
    pub fn new(name: &str, header: &[&str]) -> CsvTable {
        CsvTable {
            name: name.to_string(),
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// The file name, `NAME.csv`.
    pub fn file_name(&self) -> String {
        format!("{}.csv", self.name)
    }

    /// The table as CSV text, one header line, `\n` line ends.
    pub fn to_csv(&self) -> String {
        let mut out = line(&self.header);
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}

/// One CSV line with a trailing newline, quoting fields that need it.
fn line(cells: &[String]) -> String {
    let quoted: Vec<String> = cells.iter().map(|c| field(c)).collect();
    let mut s = quoted.join(",");
    s.push('\n');
    s
}

fn field(c: &str) -> String {
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c.to_string()
    }
}

/// A number for CSV: up to six decimals, no trailing zeros.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// An optional number: blank when absent.
pub fn opt(v: Option<f64>) -> String {
    v.map_or_else(String::new, num)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_numbers() {
        let mut t = CsvTable::new("x", &["a", "b"]);
        t.push(vec!["1,5".into(), "say \"hi\"".into()]);
        assert_eq!(t.to_csv(), "a,b\n\"1,5\",\"say \"\"hi\"\"\"\n");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(-0.0000001), "0");
        assert_eq!(opt(None), "");
    }
}
