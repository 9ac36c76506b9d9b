//! The report document: a title, headline figures and a list of sections,
//! rendered to one self-contained HTML file (inline CSS, inline SVG, system
//! fonts; no script, no network) plus each section's CSV tables.
//!
//! The report is built to be appended to: any analysis adds a [`Section`]
//! (title, HTML body — typically charts from [`crate::svg`] and tables from
//! [`table_html`] — and CSV tables) and the page, its table of contents and
//! its files follow.

use crate::csv::CsvTable;
use crate::svg::esc;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A headline figure shown in a card at the top.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    /// What it is, e.g. `China's share of separation`.
    pub label: String,
    /// The value as shown, e.g. `93%`.
    pub value: String,
    /// A line under the value (goal, year …).
    pub detail: String,
    /// A status chip: `on_track`, `at_risk`, `off_track`, or empty.
    pub status: String,
}

/// One section of the report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Section {
    /// Anchor id (`[a-z0-9-]`).
    pub id: String,
    /// Heading.
    pub title: String,
    /// A one-paragraph summary under the heading (plain text).
    pub lead: String,
    /// The body, HTML (charts, tables, notes).
    pub body: String,
    /// CSV tables written next to the report and linked from the section.
    pub tables: Vec<CsvTable>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// Page title.
    pub title: String,
    /// Line under the title (dataset, year, settings).
    pub subtitle: String,
    /// Headline cards.
    pub headlines: Vec<Headline>,
    /// Sections, in order.
    pub sections: Vec<Section>,
    /// Footer text (plain).
    pub footer: String,
}

/// Why the report could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file or the directory could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

/// The report's style sheet (the server's dashboard serves it as a file:
/// its content security policy allows no inline style).
pub const CSS: &str = r#"
:root{--ink:#1f2933;--muted:#6b7280;--line:#e3e6ea;--bg:#f6f7f9;--card:#fff;--accent:#1f4e8c;--red:#c2413b;--amber:#d08a1e;--green:#2f8f5b}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{background:linear-gradient(120deg,#13294b 0%,#1f4e8c 60%,#2f6fb0 100%);color:#fff;padding:34px 48px 70px}
header h1{margin:0 0 6px;font-size:28px;font-weight:650;letter-spacing:-.01em}
header p{margin:0;color:#d6e2f3;font-size:14.5px}
nav{display:flex;flex-wrap:wrap;gap:6px 18px;margin-top:18px;font-size:13.5px}
nav a{color:#fff;text-decoration:none;border-bottom:1px solid rgba(255,255,255,.35)}
main{max-width:1240px;margin:0 auto;padding:26px 40px 40px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:14px;margin:-52px 0 26px}
.card{background:var(--card);border-radius:10px;padding:14px 16px 12px;box-shadow:0 1px 3px rgba(16,24,40,.08),0 4px 14px rgba(16,24,40,.06)}
.card .k{font-size:12.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:28px;font-weight:680;margin:2px 0 0;font-variant-numeric:tabular-nums}
.card .d{font-size:12.5px;color:var(--muted)}
section{background:var(--card);border-radius:12px;padding:22px 26px 20px;margin:0 0 22px;box-shadow:0 1px 3px rgba(16,24,40,.06);overflow-x:auto}
section h2{margin:0 0 4px;font-size:20px;font-weight:650}
section .lead{margin:0 0 16px;color:#374151;max-width:980px}
.grid2{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:18px 28px}
.split{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:18px 28px;align-items:start}
.grid3{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:16px 22px}
svg.chart{width:100%;height:auto;display:block;font-family:inherit}
svg .ctitle{font-size:14px;font-weight:650;fill:var(--ink)}
svg .tick{font-size:10.5px;fill:var(--muted)}
svg .label{font-size:12px;fill:var(--ink)}
svg .inbar{font-size:10.5px;fill:#fff;font-weight:600}
svg .note{font-size:11px;fill:var(--muted)}
svg .legend{font-size:11px;fill:#374151}
svg .axis{font-size:12px;fill:#374151}
svg .plabel{font-size:11.5px;font-weight:600;fill:var(--ink)}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums;margin:6px 0 4px}
th{text-align:left;font-weight:600;color:#374151;border-bottom:2px solid var(--line);padding:6px 8px;white-space:nowrap}
td{border-bottom:1px solid var(--line);padding:5px 8px}
td.n,th.n{text-align:right}
tr:hover td{background:#fafbfc}
.split table{font-size:12px}.split th{white-space:normal}.split td,.split th{padding:4px 6px}
.chip{display:inline-block;border-radius:999px;padding:1px 9px;font-size:11.5px;font-weight:600;color:#fff;white-space:nowrap}
.on_track{background:var(--green)}.at_risk{background:var(--amber)}.off_track{background:var(--red)}.unknown{background:#9ca3af}
.bar{position:relative;height:14px;min-width:90px;background:#eef0f3;border-radius:3px;overflow:hidden}
.bar span{position:absolute;left:0;top:0;bottom:0;background:var(--accent);border-radius:3px}
.bar.red span{background:var(--red)}
.files{font-size:12.5px;color:var(--muted);margin-top:10px}
.files a{color:var(--accent)}
.small{font-size:12.5px;color:var(--muted)}
details{margin-top:10px}summary{cursor:pointer;color:var(--accent);font-size:13.5px}
footer{max-width:1240px;margin:0 auto;padding:0 40px 40px;color:var(--muted);font-size:12.5px}
@media (max-width:900px){.grid2,.grid3,.split{grid-template-columns:1fr}main{padding:20px}header{padding:24px}}
"#;

impl Report {
    /// The page as one HTML document.
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(64 * 1024);
        let _ = write!(
            s,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n<p>{}</p>\n<nav>",
            esc(&self.title),
            esc(&self.title),
            esc(&self.subtitle)
        );
        for sec in &self.sections {
            let _ = write!(s, "<a href=\"#{}\">{}</a>", esc(&sec.id), esc(&sec.title));
        }
        s.push_str("</nav>\n</header>\n<main>\n");
        if !self.headlines.is_empty() {
            s.push_str("<div class=\"cards\">");
            for h in &self.headlines {
                let chip = if h.status.is_empty() {
                    String::new()
                } else {
                    format!(" {}", status_chip(&h.status))
                };
                let _ = write!(
                    s,
                    "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"d\">{}{chip}</div></div>",
                    esc(&h.label),
                    esc(&h.value),
                    esc(&h.detail)
                );
            }
            s.push_str("</div>\n");
        }
        for sec in &self.sections {
            let _ = write!(
                s,
                "<section id=\"{}\">\n<h2>{}</h2>\n<p class=\"lead\">{}</p>\n{}\n",
                esc(&sec.id),
                esc(&sec.title),
                esc(&sec.lead),
                sec.body
            );
            if !sec.tables.is_empty() {
                s.push_str("<p class=\"files\">Tables for spreadsheets: ");
                let links: Vec<String> = sec
                    .tables
                    .iter()
                    .map(|t| format!("<a href=\"{0}\">{0}</a>", esc(&t.file_name())))
                    .collect();
                s.push_str(&links.join(" · "));
                s.push_str("</p>\n");
            }
            s.push_str("</section>\n");
        }
        let _ = write!(
            s,
            "</main>\n<footer>{}</footer>\n</body>\n</html>\n",
            esc(&self.footer)
        );
        s
    }

    /// Every file of the report: `report.html` and each section's CSV
    /// tables, as `(file name, contents)`.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut out = vec![("report.html".to_string(), self.render())];
        for t in self.sections.iter().flat_map(|s| &s.tables) {
            out.push((t.file_name(), t.to_csv()));
        }
        out
    }

    /// Writes [`Report::files`] into `dir` (created if needed) and returns
    /// the paths written.
    pub fn write_dir(&self, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
        write_files(dir, &self.files())
    }
}

/// Writes `(name, contents)` pairs into `dir`, creating it.
pub fn write_files(dir: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// A status chip (`on_track` → a green "on track").
pub fn status_chip(status: &str) -> String {
    format!(
        "<span class=\"chip {}\">{}</span>",
        esc(status),
        esc(&status.replace('_', " "))
    )
}

/// A horizontal bar for a fraction in a table cell (red when `alarm`).
pub fn bar_cell(fraction: f64, text: &str, alarm: bool) -> String {
    format!(
        "<div class=\"bar{}\" title=\"{}\"><span style=\"width:{:.1}%\"></span></div>",
        if alarm { " red" } else { "" },
        esc(text),
        (fraction.clamp(0.0, 1.0) * 100.0)
    )
}

/// A cell of [`table_html`]: HTML content and whether it is numeric
/// (right-aligned).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Content, HTML (escape text with [`esc`]).
    pub html: String,
    /// Right-align.
    pub numeric: bool,
}

impl Cell {
    /// A text cell (escaped).
    pub fn text(s: &str) -> Cell {
        Cell {
            html: esc(s),
            numeric: false,
        }
    }

    /// A numeric cell (escaped, right-aligned).
    pub fn num(s: &str) -> Cell {
        Cell {
            html: esc(s),
            numeric: true,
        }
    }

    /// Raw HTML.
    pub fn html(s: String) -> Cell {
        Cell {
            html: s,
            numeric: false,
        }
    }
}

/// An HTML table; `numeric[i]` right-aligns header `i`.
pub fn table_html(header: &[(&str, bool)], rows: &[Vec<Cell>]) -> String {
    let mut s = String::from("<table><thead><tr>");
    for (h, n) in header {
        let _ = write!(
            s,
            "<th{}>{}</th>",
            if *n { " class=\"n\"" } else { "" },
            esc(h)
        );
    }
    s.push_str("</tr></thead><tbody>");
    for r in rows {
        s.push_str("<tr>");
        for c in r {
            let _ = write!(
                s,
                "<td{}>{}</td>",
                if c.numeric { " class=\"n\"" } else { "" },
                c.html
            );
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_sections_and_files() {
        let mut t = CsvTable::new("x", &["a"]);
        t.push(vec!["1".into()]);
        let r = Report {
            title: "T <1>".into(),
            subtitle: "s".into(),
            headlines: vec![Headline {
                label: "l".into(),
                value: "9%".into(),
                detail: "d".into(),
                status: "off_track".into(),
            }],
            sections: vec![Section {
                id: "one".into(),
                title: "One".into(),
                lead: "lead".into(),
                body: "<p>b</p>".into(),
                tables: vec![t],
            }],
            footer: "f".into(),
        };
        let html = r.render();
        assert!(html.contains("T &lt;1&gt;") && html.contains("href=\"#one\""));
        assert!(html.contains("chip off_track") && html.contains("href=\"x.csv\""));
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "no network"
        );
        let files = r.files();
        assert_eq!(files.len(), 2);
        assert_eq!(files[1], ("x.csv".to_string(), "a\n1\n".to_string()));
    }
}
