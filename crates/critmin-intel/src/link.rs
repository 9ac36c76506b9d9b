//! Entity linking: a gazetteer of surface forms built from the dataset
//! (element names and symbols, country names, facility, company and
//! project names) and an alias table (`data/intel/aliases.csv`: short
//! forms, demonyms, capitals, Japanese names, a user's own), matched in
//! one pass over the text (`docs/intel.md`, "Linking").
//!
//! Short and common forms link everything to everything unless they are
//! held back, so every alias carries a weight: a distinctive name (three
//! or more characters, not marked `ambiguous`) links on sight; an element
//! symbol, any alias of two characters or fewer (unless the table pins its
//! case, as for `US`) and every alias the table marks `ambiguous` links
//! only with supporting context — for an element
//! symbol, another element next to it (`Dy, Tb`, `NdPr`), a chemical
//! formula (`Dy2O3`) or a word of the trade right after it (`oxide`,
//! `metal`, `prices`, `-doped`); for any other ambiguous alias, words of the
//! rare-earth trade elsewhere in the text. Overlapping matches keep the
//! longest (`La Rochelle` is a place, not lanthanum), and a case-sensitive
//! alias (`US`, `EU`, symbols) does not match other cases (`us`, `Eu`).

use crate::event::{EntityKind, Link};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use critmin_model::{Element, Model, Process};
use std::collections::BTreeSet;

/// One row of an alias table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    /// What it names.
    pub kind: EntityKind,
    /// The entity's id.
    pub id: String,
    /// The surface form.
    pub alias: String,
    /// Whether it has common uses that are not the entity.
    pub ambiguous: bool,
    /// Whether only its exact case matches.
    pub case_sensitive: bool,
}

/// Parses an alias table (`kind,id,alias,lang,note`; the note's words
/// `ambiguous` and `case_sensitive` set the flags). Returns the rows or
/// the first problem as `(line, field, message)`.
pub fn parse_aliases(text: &str) -> Result<Vec<Alias>, (usize, String, String)> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| (1, "(header)".to_string(), e.to_string()))?
        .clone();
    let want = ["kind", "id", "alias", "lang", "note"];
    if headers.iter().collect::<Vec<_>>() != want {
        return Err((
            1,
            "(header)".into(),
            format!("the header must be `{}`", want.join(",")),
        ));
    }
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| (line, "(row)".to_string(), e.to_string()))?;
        let kind = EntityKind::parse(&rec[0]).ok_or_else(|| {
            (
                line,
                "kind".to_string(),
                format!(
                    "`{}` is not an entity kind: element, country, company, facility, project",
                    &rec[0]
                ),
            )
        })?;
        let alias = rec[2].trim().to_string();
        if alias.is_empty() || rec[1].trim().is_empty() {
            return Err((line, "alias".into(), "id and alias are required".into()));
        }
        let note = rec[4].to_ascii_lowercase();
        out.push(Alias {
            kind,
            id: rec[1].trim().to_string(),
            alias,
            ambiguous: note.contains("ambiguous"),
            case_sensitive: note.contains("case_sensitive"),
        });
    }
    Ok(out)
}

/// A company's id: its name in lower case, every run of other characters
/// than letters and digits one `_` (`MP Materials` → `mp_materials`).
pub fn company_id(name: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            gap = false;
        } else {
            gap = true;
        }
    }
    out
}

/// The companies of a dataset: every facility operator but `various`, as
/// `(id, name)`, sorted by id.
pub fn companies(model: &Model) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = model
        .facilities
        .iter()
        .map(|f| f.operator.trim())
        .filter(|o| !o.is_empty() && !o.eq_ignore_ascii_case("various"))
        .map(|o| (company_id(o), o.to_string()))
        .collect();
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// One pattern's candidates.
#[derive(Debug, Clone)]
struct Entry {
    kind: EntityKind,
    id: String,
    /// The alias as written in the table or dataset.
    form: String,
    case_sensitive: bool,
    /// Needs supporting context to link.
    held_back: bool,
    /// An element symbol (its own context rules).
    symbol: bool,
}

/// The gazetteer: every surface form, matched in one pass.
pub struct Gazetteer {
    patterns: Vec<String>,
    entries: Vec<Vec<Entry>>,
    ac: AhoCorasick,
    /// Each facility's project, for linking a project through its
    /// facility.
    projects: Vec<(String, String)>,
}

/// Words of the rare-earth trade: a held-back alias links only in a text
/// that has one.
const TRADE_WORDS: &[&str] = &[
    "rare earth",
    "rare-earth",
    "magnet",
    "oxide",
    "ndfeb",
    "ndpr",
    "separation",
    "refinery",
    "concentrate",
    "mine",
    "mining",
    "reo",
    "lanthanide",
    "dysprosium",
    "neodymium",
    "terbium",
    "mountain pass",
    "レアアース",
    "希土類",
    "磁石",
];

/// Words that say a symbol just before them is an element.
const ELEMENT_CONTEXT: &[&str] = &[
    "oxide",
    "oxides",
    "metal",
    "metals",
    "alloy",
    "alloys",
    "price",
    "prices",
    "concentrate",
    "content",
    "magnet",
    "magnets",
    "carbonate",
    "chloride",
    "fluoride",
    "feed",
    "output",
    "supply",
    "supplies",
    "export",
    "exports",
    "imports",
    "production",
    "doped",
    "demand",
    "tonnes",
    "kg",
    "grade",
    "powder",
    "salts",
    "compounds",
    "licences",
    "licenses",
    "shipments",
    "stocks",
    "stockpile",
    "recovery",
    "circuit",
];

/// Words that say a facility's project is meant.
const PROJECT_WORDS: &[&str] = &[
    "project",
    "construction",
    "final investment decision",
    "fid",
    "commissioning",
    "phase",
    "expansion",
    "permit",
    "feasibility",
    "loan",
    "financing",
    "funding",
    "grant",
    "delay",
    "offtake",
    "first output",
    "first production",
    "opened",
    "opens",
    "commissioned",
    "fund",
    "build",
    "プロジェクト",
];

impl Gazetteer {
    /// The gazetteer of `model` with `aliases` added.
    pub fn new(model: &Model, aliases: &[Alias]) -> Gazetteer {
        let mut rows: Vec<Entry> = Vec::new();
        let mut add = |kind, id: &str, form: &str, ambiguous: bool, case_sensitive: bool| {
            let form = form.trim();
            if form.is_empty() {
                return;
            }
            let short = form.chars().count() <= 2;
            rows.push(Entry {
                kind,
                id: id.to_string(),
                form: form.to_string(),
                case_sensitive: case_sensitive || short,
                // A short form links on sight only when the table pins its
                // case (`US`, `EU`).
                held_back: ambiguous || (short && !case_sensitive),
                symbol: false,
            });
        };
        for e in Element::ALL {
            add(EntityKind::Element, e.symbol(), e.name(), false, false);
        }
        for c in &model.countries {
            if c.code.as_str() == "ZZ" {
                continue;
            }
            for name in short_forms(&c.name, true) {
                add(EntityKind::Country, c.code.as_str(), &name, false, false);
            }
        }
        for (id, name) in companies(model) {
            for form in short_forms(&name, false) {
                add(EntityKind::Company, &id, &form, false, false);
            }
        }
        for f in &model.facilities {
            // An aggregate row ("Vietnam, aggregate") is named by its
            // country, not a plant: only the alias table names it.
            let aggregate =
                f.operator.trim().is_empty() || f.operator.eq_ignore_ascii_case("various");
            if aggregate {
                continue;
            }
            for form in short_forms(&f.name, false) {
                // A facility's name alone ("Stillwater") can be a place.
                let one_word = !form.contains(' ');
                add(EntityKind::Facility, &f.id, &form, one_word, false);
            }
        }
        for a in aliases {
            add(a.kind, &a.id, &a.alias, a.ambiguous, a.case_sensitive);
        }
        // Element symbols: case-sensitive, held back, with their own
        // context rules.
        for e in Element::ALL {
            rows.push(Entry {
                kind: EntityKind::Element,
                id: e.symbol().to_string(),
                form: e.symbol().to_string(),
                case_sensitive: true,
                held_back: true,
                symbol: true,
            });
        }
        // One pattern per distinct lower-cased form.
        rows.sort_by(|a, b| {
            (a.form.to_lowercase(), a.kind, &a.id).cmp(&(b.form.to_lowercase(), b.kind, &b.id))
        });
        let mut patterns: Vec<String> = Vec::new();
        let mut entries: Vec<Vec<Entry>> = Vec::new();
        for r in rows {
            let key = r.form.to_lowercase();
            if patterns.last() != Some(&key) {
                patterns.push(key);
                entries.push(Vec::new());
            }
            let list = entries.last_mut().expect("pushed");
            if !list
                .iter()
                .any(|x| x.kind == r.kind && x.id == r.id && x.form == r.form)
            {
                list.push(r);
            }
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .expect("the gazetteer's patterns build");
        let projects = model
            .projects
            .iter()
            .map(|p| (model.at(p.facility).id.clone(), p.id.clone()))
            .collect();
        Gazetteer {
            patterns,
            entries,
            ac,
            projects,
        }
    }

    /// Number of distinct surface forms.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Whether it has no surface form.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The entities `text` names, sorted by kind and id, each once (with
    /// the first surface form that linked it).
    pub fn link(&self, text: &str) -> Vec<Link> {
        let lower = text.to_lowercase();
        let trade = TRADE_WORDS.iter().any(|w| lower.contains(w));
        let mut found: Vec<(usize, usize, &Entry)> = Vec::new();
        for m in self.ac.find_iter(text) {
            let (s, e) = (m.start(), m.end());
            let surface = &text[s..e];
            for entry in &self.entries[m.pattern().as_usize()] {
                if entry.case_sensitive && surface != entry.form {
                    continue;
                }
                if !boundaries_ok(text, s, e, entry.symbol) {
                    continue;
                }
                found.push((s, e, entry));
            }
        }
        let mut out: BTreeSet<Link> = BTreeSet::new();
        let symbols: Vec<(usize, usize)> = found
            .iter()
            .filter(|(_, _, x)| x.kind == EntityKind::Element)
            .map(|(s, e, _)| (*s, *e))
            .collect();
        for &(s, e, entry) in &found {
            let ok = if !entry.held_back {
                true
            } else if entry.symbol {
                symbol_in_context(text, s, e, &symbols)
            } else {
                trade
            };
            if ok {
                out.insert(Link {
                    kind: entry.kind,
                    id: entry.id.clone(),
                    alias: text[s..e].to_string(),
                });
            }
        }
        // A project through its facility, when the text is about building.
        let building = PROJECT_WORDS.iter().any(|w| contains_word(&lower, w));
        if building {
            let facilities: Vec<String> = out
                .iter()
                .filter(|l| l.kind == EntityKind::Facility)
                .map(|l| l.id.clone())
                .collect();
            for (fac, project) in &self.projects {
                if facilities.contains(fac) {
                    out.insert(Link {
                        kind: EntityKind::Project,
                        id: project.clone(),
                        alias: format!("(project of {fac})"),
                    });
                }
            }
        }
        // One link per entity: the first alias in sort order.
        let mut v: Vec<Link> = out.into_iter().collect();
        v.dedup_by(|a, b| a.kind == b.kind && a.id == b.id);
        v
    }
}

/// The forms a dataset name is written in: the whole name and, when it
/// has one, the part before its first `(`, `,`, ` - ` or ` / ` (at least
/// two words, or one of six or more characters), and — for a country
/// (`other_names`) — the words in its parentheses when they are a name
/// (`Myanmar (Burma)` → `Burma`). A plant's or company's parentheses
/// qualify it (`(Texas)`, `(Rosatom)`) and name something else.
fn short_forms(name: &str, other_names: bool) -> Vec<String> {
    let mut out = vec![name.trim().to_string()];
    let cut = [" (", ",", " - ", " / ", ":"]
        .iter()
        .filter_map(|c| name.find(c))
        .min();
    if let Some(i) = cut {
        let head = name[..i].trim();
        if head.contains(' ') || head.chars().count() >= 6 {
            out.push(head.to_string());
        }
    }
    if let (true, Some(a), Some(b)) = (other_names, name.find('('), name.find(')')) {
        if a < b {
            let inner = name[a + 1..b].trim();
            let words = inner.split_whitespace().count();
            if (1..=3).contains(&words)
                && inner.chars().next().is_some_and(char::is_uppercase)
                && !inner.contains("as ")
            {
                out.push(inner.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether a match at `s..e` stands alone: an ASCII letter or digit may
/// not touch it on either side when its own edge is one (so `Ce` does not
/// match inside `Celsius`); an element symbol may be followed by a digit
/// (`Dy2O3`).
fn boundaries_ok(text: &str, s: usize, e: usize, symbol: bool) -> bool {
    let m = &text[s..e];
    let first = m.chars().next();
    let last = m.chars().next_back();
    let before = text[..s].chars().next_back();
    let after = text[e..].chars().next();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if word(first) && word(before) {
        return false;
    }
    if word(last) && word(after) {
        let digit_after = after.is_some_and(|c| c.is_ascii_digit());
        if !(symbol && digit_after) {
            return false;
        }
    }
    true
}

/// Whether an element symbol at `s..e` is meant as one: followed by a
/// digit (a formula), joined to another element match (`Dy, Tb`, `NdPr`,
/// `Dy-Tb`, `Nd and Pr`), or followed by a word of the element trade.
fn symbol_in_context(text: &str, s: usize, e: usize, elements: &[(usize, usize)]) -> bool {
    if text[e..].chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return true;
    }
    let joined = |gap: &str| {
        let g = gap.trim();
        g.is_empty() || matches!(g, "," | "-" | "/" | "and" | "or" | "&" | ", and" | "+")
    };
    for &(s2, e2) in elements {
        if (s2, e2) == (s, e) {
            continue;
        }
        if e2 <= s && s - e2 <= 6 && joined(&text[e2..s]) {
            return true;
        }
        if s2 >= e && s2 - e <= 6 && joined(&text[e..s2]) {
            return true;
        }
    }
    let rest = text[e..].trim_start_matches(['-', ' ', '\u{a0}']);
    let next: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    ELEMENT_CONTEXT.contains(&next.as_str())
}

/// Whether `hay` (lower case) contains `word` as a whole word (or, for a
/// non-ASCII word, anywhere).
fn contains_word(hay: &str, word: &str) -> bool {
    if !word.is_ascii() {
        return hay.contains(word);
    }
    let mut from = 0;
    while let Some(i) = hay[from..].find(word) {
        let s = from + i;
        let e = s + word.len();
        let before = hay[..s].chars().next_back();
        let after = hay[e..].chars().next();
        let w = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if !w(before) && !w(after) {
            return true;
        }
        from = e;
    }
    false
}

/// The facility ids a dataset has that are mines (for tests and the
/// impact assessment).
pub fn is_mine(model: &Model, id: &str) -> bool {
    model
        .facilities
        .iter()
        .any(|f| f.id == id && matches!(f.process, Process::Mine { .. }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaz() -> Gazetteer {
        let m = critmin_data::baseline();
        let aliases = parse_aliases(
            "kind,id,alias,lang,note\n\
             country,CN,Chinese,en,\n\
             country,JP,Japan,en,\n\
             country,EU,EU,en,case_sensitive\n\
             company,mp_materials,MP,en,ambiguous case_sensitive\n\
             element,Nd,NdPr,en,case_sensitive\n\
             element,Pr,NdPr,en,case_sensitive\n\
             facility,la_rochelle,La Rochelle,en,\n",
        )
        .unwrap();
        Gazetteer::new(&m, &aliases)
    }

    fn ids(links: &[Link], kind: EntityKind) -> Vec<String> {
        links
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.id.clone())
            .collect()
    }

    #[test]
    fn symbols_link_in_context_and_not_elsewhere() {
        let g = gaz();
        let l = g.link("Chinese exporters need licences for Dy and Tb oxide; NdPr prices rose");
        assert_eq!(ids(&l, EntityKind::Element), ["Dy", "Nd", "Pr", "Tb"]);
        assert_eq!(ids(&l, EntityKind::Country), ["CN"]);
        let l = g.link(
            "The CEO of the La Rochelle plant told us the EU will act; PR team on the Y-axis",
        );
        assert!(ids(&l, EntityKind::Element).is_empty(), "{l:?}");
        assert_eq!(ids(&l, EntityKind::Facility), ["la_rochelle"]);
        assert_eq!(ids(&l, EntityKind::Country), ["EU"]);
        let l = g.link("Y2O3 and Eu-doped phosphor");
        assert_eq!(ids(&l, EntityKind::Element), ["Eu", "Y"]);
    }

    #[test]
    fn an_ambiguous_alias_needs_the_trade_in_the_text() {
        let g = gaz();
        let l = g.link("MP says rare earth magnet output will double");
        assert_eq!(ids(&l, EntityKind::Company), ["mp_materials"]);
        let l = g.link("An MP asked the minister about the budget");
        assert!(ids(&l, EntityKind::Company).is_empty(), "{l:?}");
    }

    #[test]
    fn company_ids_are_slugs_of_operator_names() {
        assert_eq!(company_id("MP Materials"), "mp_materials");
        assert_eq!(
            company_id("China Northern Rare Earth (Baogang)"),
            "china_northern_rare_earth_baogang"
        );
        assert_eq!(
            short_forms("Myanmar (Burma)", true),
            ["Burma", "Myanmar", "Myanmar (Burma)"]
        );
        // A plant's parentheses qualify it; they are not another name.
        assert_eq!(
            short_forms("Seadrift light and heavy RE separation (Texas)", false),
            [
                "Seadrift light and heavy RE separation",
                "Seadrift light and heavy RE separation (Texas)"
            ]
        );
    }
}
