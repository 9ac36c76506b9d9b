//! `dataset.toml`: the manifest (name, base year, units, groups).

use crate::{Diagnostic, Diagnostics};
use critmin_model::{ALLIED, CountryCode, US_JP};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    base_year: Spanned<i64>,
    units: Option<Spanned<Units>>,
    #[serde(default)]
    groups: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Units {
    mass: Option<Spanned<String>>,
    oxide_basis: Option<Spanned<String>>,
    currency: Option<Spanned<String>>,
}

/// A group as written in the manifest, members not yet resolved.
pub(crate) struct GroupDef {
    pub name: String,
    /// Members as written, each with its line.
    pub members: Vec<(String, usize)>,
}

/// The validated manifest.
pub(crate) struct Manifest {
    pub name: String,
    pub description: String,
    pub base_year: i32,
    pub groups: Vec<GroupDef>,
}

/// Why `name` may not name a group, if it may not. A region name in a
/// scenario or a command (`countries = ["JP"]`, `--group jp`) is looked up
/// as a group first and case-insensitively (`Model::resolve_region`), so a
/// group `jp` would silently replace Japan everywhere, and a group
/// `Allied` the built-in `allied`. `eu` is the one two-letter group the
/// format defines: the built-in `allied` names it (`DEFAULT_ALLIED`), and
/// the loader checks that it keeps the country `EU` when the dataset has it.
fn reserved_group_name(name: &str) -> Option<String> {
    if let Some(code) = CountryCode::parse(name).filter(|_| name.trim() == name) {
        if !name.eq_ignore_ascii_case(EU_GROUP) {
            return Some(format!(
                "`{name}` is named like the country code {code}: region names are looked up as groups first, so it would replace {code} everywhere; choose a name of three or more characters"
            ));
        }
    }
    for builtin in [ALLIED, US_JP, EU_GROUP] {
        if name != builtin && name.eq_ignore_ascii_case(builtin) {
            return Some(format!(
                "`{name}` is named like the built-in group `{builtin}`: write `{builtin}` to redefine it"
            ));
        }
    }
    None
}

/// The group the built-in `allied` names for the European Union.
pub(crate) const EU_GROUP: &str = "eu";

/// The lines of a text: byte offsets of its line starts, found once, so
/// that each offset's line is a bisection (a manifest of n groups costs
/// O(n log n), not O(n × file size)).
struct Lines(Vec<usize>);

impl Lines {
    fn new(bytes: &[u8]) -> Lines {
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
    fn of(&self, pos: usize) -> usize {
        self.0.partition_point(|&s| s <= pos)
    }
}

pub(crate) fn parse(file: &str, bytes: &[u8], diags: &mut Diagnostics) -> Option<Manifest> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.strip_prefix('\u{feff}').unwrap_or(t),
        Err(e) => {
            let line = Lines::new(bytes).of(e.valid_up_to());
            diags.push(Diagnostic::new(
                file,
                line,
                "(file)",
                "not valid UTF-8 (save the file as UTF-8)",
            ));
            return None;
        }
    };
    let lines = Lines::new(text.as_bytes());
    let parsed: File = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            let line = e.span().map_or(1, |s| lines.of(s.start));
            let msg = e.message().trim().replace('\n', " ");
            // Name the key when serde reports one.
            let field = msg
                .split('`')
                .nth(1)
                .filter(|_| msg.contains("field") || msg.contains("key"))
                .unwrap_or("(toml)")
                .to_string();
            diags.push(Diagnostic::new(file, line, field, msg));
            return None;
        }
    };
    let mut ok = true;
    let name = parsed.name.get_ref().trim().to_string();
    if name.is_empty() {
        diags.push(Diagnostic::new(
            file,
            lines.of(parsed.name.span().start),
            "name",
            "is blank",
        ));
        ok = false;
    }
    let by = *parsed.base_year.get_ref();
    let base_year = if (2000..=2100).contains(&by) {
        by as i32
    } else {
        diags.push(Diagnostic::new(
            file,
            lines.of(parsed.base_year.span().start),
            "base_year",
            format!("{by} is not a plausible base year (2000-2100)"),
        ));
        ok = false;
        0
    };
    if let Some(units) = &parsed.units {
        let u = units.get_ref();
        let mut check = |key: &str, v: &Option<Spanned<String>>, want: &str| {
            if let Some(v) = v {
                if !v.get_ref().trim().eq_ignore_ascii_case(want) {
                    diags.push(Diagnostic::new(
                        file,
                        lines.of(v.span().start),
                        format!("units.{key}"),
                        format!(
                            "`{}` is not supported: critmin datasets use `{want}`",
                            v.get_ref()
                        ),
                    ));
                    ok = false;
                }
            }
        };
        check("mass", &u.mass, "t");
        check("oxide_basis", &u.oxide_basis, "REO");
        check("currency", &u.currency, "USD");
    }
    let mut groups = Vec::new();
    for (gname, members) in &parsed.groups {
        let line = lines.of(members.span().start);
        // A bad group name is reported and the group skipped, so the other
        // groups are still checked (the diagnostic keeps the model out).
        if let Some(problem) = reserved_group_name(gname) {
            diags.push(Diagnostic::new(
                file,
                line,
                format!("groups.{gname}"),
                problem,
            ));
            continue;
        }
        if gname.is_empty()
            || !gname
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            diags.push(Diagnostic::new(
                file,
                line,
                format!("groups.{gname}"),
                "group names are lower-case letters, digits and `_` (country codes are upper case)",
            ));
            continue;
        }
        let list = members
            .get_ref()
            .iter()
            .map(|m| (m.get_ref().trim().to_string(), lines.of(m.span().start)))
            .collect();
        groups.push(GroupDef {
            name: gname.clone(),
            members: list,
        });
    }
    ok.then_some(Manifest {
        name,
        description: parsed.description.trim().to_string(),
        base_year,
        groups,
    })
}

#[cfg(test)]
mod line_tests {
    use super::Lines;

    #[test]
    fn lines_are_found_by_bisection() {
        let l = Lines::new(b"a\nbc\n\nd");
        let want = [1, 1, 2, 2, 2, 3, 4, 4];
        for (pos, line) in want.iter().enumerate() {
            assert_eq!(l.of(pos), *line, "offset {pos}");
        }
    }
}
