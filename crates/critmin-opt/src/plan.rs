//! Plan files: the decisions an optimiser took — projects the fund
//! finances, with the month each starts producing, and stockpile
//! purchases — as a TOML overlay that `critmin simulate --plan` (and later
//! `montecarlo`) lay over the dataset, so anyone can check an optimiser's
//! claim by simulation. The format is in `docs/optimization.md`:
//!
//! ```toml
//! name = "portfolio at USD 4000 million"
//!
//! [[fund]]
//! project = "nolans"      # a project id of projects.csv
//! start = "2029-07"       # first month of output
//!
//! [[stockpile]]
//! holder = "jogmec"
//! country = "JP"
//! form = "oxide"          # oxide | metal | magnet
//! element = "Dy"          # oxide and metal; magnets name a `grade`
//! tonnes = 120.5          # in the form's unit (t REO, t metal, t magnet)
//! ```
//!
//! [`parse`] reports every problem as `file:line: key: message` and
//! resolves ids against the model into a [`critmin_sim::Overlay`];
//! [`apply`] folds an overlay into a copy of the model (funded projects
//! become committed with the plan's start month, purchases become
//! stockpile rows) so that the static metrics — the scorecard — can be
//! computed "after".

use critmin_data::Diagnostic;
use critmin_model::{
    CountryCode, Element, Funding, Good, Idx, Model, Month, Project, Source, Status, Stockpile,
};
use critmin_sim::Overlay;
use std::fmt::Write as _;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A plan as written in a file, ids unresolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// What the plan is (free text).
    pub name: String,
    /// Projects financed and their first month of output.
    pub fund: Vec<(String, Month)>,
    /// Stockpile purchases.
    pub stockpiles: Vec<Stockpile>,
}

impl Plan {
    /// The plan as TOML, with a comment per line for people reading it.
    pub fn to_toml(&self, model: &Model) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# A critmin plan: check it with `critmin simulate SCENARIO --plan FILE`."
        );
        let _ = writeln!(out, "name = {}", quote(&self.name));
        for (id, start) in &self.fund {
            let _ = writeln!(out, "\n[[fund]]");
            let _ = writeln!(out, "project = {}", quote(id));
            let _ = writeln!(out, "start = \"{start}\"");
        }
        for s in &self.stockpiles {
            let _ = writeln!(out, "\n[[stockpile]]");
            let _ = writeln!(out, "holder = {}", quote(&s.holder));
            let _ = writeln!(out, "country = \"{}\"", s.country);
            let _ = writeln!(out, "form = \"{}\"", s.good.form());
            match s.good {
                Good::Oxide { element } | Good::Metal { element } => {
                    let _ = writeln!(out, "element = \"{}\"", element.symbol());
                }
                Good::Magnet { grade } => {
                    let name = model.recipes.get(grade.get()).map_or("", |r| &r.grade);
                    let _ = writeln!(out, "grade = {}", quote(name));
                }
            }
            let _ = writeln!(out, "tonnes = {:.3}", s.tonnes);
        }
        out
    }

    /// Resolves project ids into an overlay (the plan's ids must exist: a
    /// plan made by [`parse`] or by an optimiser guarantees it).
    pub fn overlay(&self, model: &Model) -> Overlay {
        Overlay {
            funded: self
                .fund
                .iter()
                .filter_map(|(id, m)| {
                    model
                        .projects
                        .iter()
                        .position(|p| &p.id == id)
                        .map(|i| (Idx::new(i), *m))
                })
                .collect(),
            stockpiles: self.stockpiles.clone(),
        }
    }
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A copy of `model` with `overlay` applied: funded projects are committed
/// and their facilities start in the plan's month; purchases are added to
/// the stockpiles (citing the first source, as a plan has none of its own).
pub fn apply(model: &Model, overlay: &Overlay) -> Model {
    let mut m = model.clone();
    for &(p, start) in &overlay.funded {
        let Some(project) = m.projects.get_mut(p.get()) else {
            continue;
        };
        project.funding = Funding::Committed;
        let f = project.facility;
        if let Some(fac) = m.facilities.get_mut(f.get()) {
            fac.start = Some(start);
            if fac.status == Status::Closed {
                fac.status = Status::Planned;
            }
        }
    }
    let source: Idx<Source> = Idx::new(0);
    for s in &overlay.stockpiles {
        m.stockpiles.push(Stockpile {
            source,
            ..s.clone()
        });
    }
    m
}

struct Reader<'a> {
    file: String,
    text: &'a str,
    diags: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn line(&self, pos: usize) -> usize {
        self.text.as_bytes()[..pos.min(self.text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn error(&mut self, line: usize, field: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            file: self.file.clone(),
            line,
            field: field.to_string(),
            message: message.into(),
        });
    }
}

/// One `[[fund]]` or `[[stockpile]]` table being read.
struct Row<'t, 'i> {
    table: &'t DeTable<'i>,
    line: usize,
    prefix: String,
}

impl<'t, 'i> Row<'t, 'i> {
    fn get(&self, key: &str) -> Option<(&'t Spanned<DeValue<'i>>, usize)> {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(k, v)| (v, k.span().start))
    }

    fn str(&self, r: &mut Reader, key: &str, required: bool) -> Option<(String, usize)> {
        let field = format!("{}{key}", self.prefix);
        let Some((v, pos)) = self.get(key) else {
            if required {
                r.error(self.line, &field, "is required but missing");
            }
            return None;
        };
        let line = r.line(pos);
        match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), line)),
            _ => {
                r.error(line, &field, "must be a string (in quotes)");
                None
            }
        }
    }

    fn number(&self, r: &mut Reader, key: &str) -> Option<(f64, usize)> {
        let field = format!("{}{key}", self.prefix);
        let Some((v, pos)) = self.get(key) else {
            r.error(self.line, &field, "is required but missing");
            return None;
        };
        let line = r.line(pos);
        let parsed: Option<f64> = match v.get_ref() {
            DeValue::Integer(i) if i.radix() == 10 => i.as_str().replace('_', "").parse().ok(),
            DeValue::Float(f) => f.as_str().replace('_', "").parse().ok(),
            _ => None,
        };
        match parsed {
            Some(x) if (0.0..1e9).contains(&x) => Some((x, line)),
            Some(x) if x.is_finite() => {
                r.error(line, &field, format!("{x} is outside 0..1e9"));
                None
            }
            _ => {
                r.error(line, &field, "must be a finite number");
                None
            }
        }
    }

    fn unknown_keys(&self, r: &mut Reader, expected: &[&str]) {
        for (k, _) in self.table.iter() {
            let name = k.get_ref().as_ref();
            if !expected.contains(&name) {
                let line = r.line(k.span().start);
                r.error(
                    line,
                    &format!("{}{name}", self.prefix),
                    format!("unknown key; expected one of: {}", expected.join(", ")),
                );
            }
        }
    }
}

fn tables<'t, 'i>(
    r: &mut Reader,
    root: &'t DeTable<'i>,
    key: &str,
) -> Vec<(&'t DeTable<'i>, usize)> {
    let Some((k, v)) = root.iter().find(|(k, _)| k.get_ref().as_ref() == key) else {
        return Vec::new();
    };
    let line = r.line(k.span().start);
    match v.get_ref() {
        DeValue::Array(a) => {
            let mut out = Vec::new();
            for item in a.iter() {
                match item.get_ref() {
                    DeValue::Table(t) => out.push((t, item.span().start)),
                    _ => r.error(line, key, "must be [[...]] sections"),
                }
            }
            out
        }
        DeValue::Table(t) => vec![(t, v.span().start)],
        _ => {
            r.error(line, key, "must be [[...]] sections");
            Vec::new()
        }
    }
}

/// Parses a plan file, resolving ids against `model`: every problem is
/// returned at once.
pub fn parse(file: &str, text: &str, model: &Model) -> Result<(Plan, Overlay), Vec<Diagnostic>> {
    let mut r = Reader {
        file: file.to_string(),
        text,
        diags: Vec::new(),
    };
    let root = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => {
            let line = e.span().map_or(1, |s| r.line(s.start));
            r.error(line, "(toml)", e.message().trim().replace('\n', " "));
            return Err(r.diags);
        }
    };
    let root = root.get_ref();
    let mut plan = Plan::default();
    for (k, v) in root.iter() {
        let name = k.get_ref().as_ref();
        let line = r.line(k.span().start);
        match name {
            "name" => match v.get_ref() {
                DeValue::String(s) => plan.name = s.to_string(),
                _ => r.error(line, "name", "must be a string (in quotes)"),
            },
            "fund" | "stockpile" => {}
            _ => r.error(
                line,
                name,
                "unknown key; expected one of: name, fund, stockpile",
            ),
        }
    }
    let mut funded: Vec<(Idx<Project>, Month)> = Vec::new();
    for (i, (t, pos)) in tables(&mut r, root, "fund").into_iter().enumerate() {
        let row = Row {
            table: t,
            line: r.line(pos),
            prefix: format!("fund[{}].", i + 1),
        };
        row.unknown_keys(&mut r, &["project", "start", "capex_musd"]);
        let project = row.str(&mut r, "project", true);
        let start = row.str(&mut r, "start", true);
        let start = start.and_then(|(s, line)| match s.parse::<Month>() {
            Ok(m) => Some((m, line)),
            Err(e) => {
                r.error(line, &format!("{}start", row.prefix), e.to_string());
                None
            }
        });
        let Some((id, line)) = project else { continue };
        let Some(pi) = model.projects.iter().position(|p| p.id == id) else {
            let known: Vec<&str> = model.projects.iter().map(|p| p.id.as_str()).collect();
            r.error(
                line,
                &format!("{}project", row.prefix),
                format!(
                    "unknown project `{id}`; projects.csv has: {}",
                    known.join(", ")
                ),
            );
            continue;
        };
        if funded.iter().any(|(p, _)| p.get() == pi) {
            r.error(
                line,
                &format!("{}project", row.prefix),
                format!("project `{id}` is funded twice"),
            );
            continue;
        }
        let Some((start, sline)) = start else {
            continue;
        };
        let p = &model.projects[pi];
        if start < p.earliest_start {
            r.error(
                sline,
                &format!("{}start", row.prefix),
                format!(
                    "{start} is before the project's earliest start {}",
                    p.earliest_start
                ),
            );
            continue;
        }
        funded.push((Idx::new(pi), start));
        plan.fund.push((id, start));
    }
    for (i, (t, pos)) in tables(&mut r, root, "stockpile").into_iter().enumerate() {
        let row = Row {
            table: t,
            line: r.line(pos),
            prefix: format!("stockpile[{}].", i + 1),
        };
        row.unknown_keys(
            &mut r,
            &["holder", "country", "form", "element", "grade", "tonnes"],
        );
        let holder = row.str(&mut r, "holder", true);
        let country = row.str(&mut r, "country", true).and_then(|(c, line)| {
            match CountryCode::parse(&c).filter(|cc| model.country(*cc).is_some()) {
                Some(cc) => Some(cc),
                None => {
                    r.error(
                        line,
                        &format!("{}country", row.prefix),
                        format!("`{c}` is not a country of the dataset (countries.csv)"),
                    );
                    None
                }
            }
        });
        let form = row.str(&mut r, "form", true);
        let element = row.str(&mut r, "element", false);
        let grade = row.str(&mut r, "grade", false);
        let tonnes = row.number(&mut r, "tonnes");
        let good = match form.as_ref().map(|(f, l)| (f.as_str(), *l)) {
            Some(("oxide" | "metal", line)) => match &element {
                None => {
                    r.error(
                        line,
                        &format!("{}element", row.prefix),
                        "is required for oxide and metal",
                    );
                    None
                }
                Some((sym, eline)) => match Element::from_symbol(sym) {
                    None => {
                        r.error(
                            *eline,
                            &format!("{}element", row.prefix),
                            format!("`{sym}` is not a rare earth element symbol"),
                        );
                        None
                    }
                    Some(e) if form.as_ref().is_some_and(|(f, _)| f == "oxide") => {
                        Some(Good::Oxide { element: e })
                    }
                    Some(e) => Some(Good::Metal { element: e }),
                },
            },
            Some(("magnet", line)) => match &grade {
                None => {
                    r.error(
                        line,
                        &format!("{}grade", row.prefix),
                        "is required for magnets",
                    );
                    None
                }
                Some((g, gline)) => match model.recipe_idx(g) {
                    Some(i) => Some(Good::Magnet { grade: i }),
                    None => {
                        let known: Vec<&str> =
                            model.recipes.iter().map(|r| r.grade.as_str()).collect();
                        r.error(
                            *gline,
                            &format!("{}grade", row.prefix),
                            format!("unknown grade `{g}`; recipes.csv has: {}", known.join(", ")),
                        );
                        None
                    }
                },
            },
            Some((other, line)) => {
                r.error(
                    line,
                    &format!("{}form", row.prefix),
                    format!("`{other}` is not a stockpile form; use oxide, metal or magnet"),
                );
                None
            }
            None => None,
        };
        if let (Some((holder, _)), Some(country), Some(good), Some((tonnes, _))) =
            (holder, country, good, tonnes)
        {
            plan.stockpiles.push(Stockpile {
                holder,
                country,
                good,
                tonnes,
                source: Idx::new(0),
            });
        }
    }
    if r.diags.is_empty() {
        let overlay = Overlay {
            funded,
            stockpiles: plan.stockpiles.clone(),
        };
        Ok((plan, overlay))
    } else {
        r.diags.sort_by_key(|d| d.line);
        Err(r.diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expect: &[&str]) {
        let model = critmin_data::baseline();
        match parse("plan.toml", text, &model) {
            Ok(_) => assert!(expect.is_empty(), "expected errors {expect:?}"),
            Err(d) => {
                let got: Vec<String> = d.iter().map(|d| d.to_string()).collect();
                assert_eq!(got.len(), expect.len(), "{got:#?}");
                for (g, e) in got.iter().zip(expect) {
                    assert!(g.contains(e), "`{g}` should contain `{e}`");
                }
            }
        }
    }

    #[test]
    fn good_plans_parse_and_round_trip() {
        let model = critmin_data::baseline();
        let text = "name = \"p\"\n[[fund]]\nproject = \"nolans\"\nstart = \"2029-07\"\n\n[[stockpile]]\nholder = \"jogmec\"\ncountry = \"JP\"\nform = \"oxide\"\nelement = \"Dy\"\ntonnes = 12.5\n\n[[stockpile]]\nholder = \"us_nds\"\ncountry = \"US\"\nform = \"magnet\"\ngrade = \"ndfeb_ev\"\ntonnes = 3\n";
        let (plan, overlay) = parse("plan.toml", text, &model).unwrap();
        assert_eq!(overlay.funded.len(), 1);
        assert_eq!(overlay.stockpiles.len(), 2);
        let again = plan.to_toml(&model);
        let (plan2, _) = parse("again.toml", &again, &model).unwrap();
        assert_eq!(plan, plan2);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        check(
            "[[fund]]\nproject = \"atlantis\"\nstart = \"2029-07\"\n",
            &["plan.toml:2: fund[1].project: unknown project `atlantis`"],
        );
        check(
            "[[fund]]\nproject = \"nolans\"\nstart = \"2026-01\"\n",
            &["plan.toml:3: fund[1].start: 2026-01 is before the project's earliest start 2029-07"],
        );
        check(
            "[[fund]]\nproject = \"nolans\"\nstart = \"2029-07\"\n[[fund]]\nproject = \"nolans\"\nstart = \"2030-01\"\n",
            &["plan.toml:5: fund[2].project: project `nolans` is funded twice"],
        );
        check(
            "colour = 1\n[[stockpile]]\nholder = \"x\"\ncountry = \"QQ\"\nform = \"oxide\"\nelement = \"Xx\"\ntonnes = -1\nsize = 2\n",
            &[
                "plan.toml:1: colour: unknown key",
                "plan.toml:4: stockpile[1].country: `QQ` is not a country",
                "plan.toml:6: stockpile[1].element: `Xx` is not a rare earth",
                "plan.toml:7: stockpile[1].tonnes: -1 is outside",
                "plan.toml:8: stockpile[1].size: unknown key",
            ],
        );
        check("[[fund]\n", &["plan.toml:1: (toml)"]);
    }
}
