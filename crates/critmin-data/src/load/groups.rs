//! The manifest's groups resolved to countries: nested groups expanded,
//! cycles refused (naming every group on the cycle), and the built-in
//! `allied` and `us_jp` added when the manifest does not define them.

use crate::manifest::{EU_GROUP, GroupDef};
use crate::table::clip;
use crate::{Diagnostic, Diagnostics};
use critmin_model::{ALLIED, CountryCode, DEFAULT_ALLIED, Group, US_JP};
use std::collections::BTreeSet;

/// Whether `member` names a country (upper case, two letters) rather than
/// a group.
fn as_country(member: &str) -> Option<CountryCode> {
    CountryCode::parse(member).filter(|_| member.chars().all(|c| c.is_ascii_uppercase()))
}

/// Every group the manifest defines, with its members resolved; the
/// built-in groups appended unless the manifest defines them.
pub(super) fn resolve(
    defs: &[GroupDef],
    known: &[CountryCode],
    file: &str,
    diags: &mut Diagnostics,
) -> Vec<Group> {
    report_cycles(defs, file, diags);
    let expander = Expander { defs, known, file };
    let mut groups = Vec::new();
    for def in defs {
        let mut out = BTreeSet::new();
        expander.expand(def, &mut Vec::new(), &mut out, Some(diags));
        groups.push(Group {
            name: def.name.clone(),
            members: out.into_iter().collect(),
        });
    }
    check_eu(defs, &groups, known, file, diags);
    add_builtins(&mut groups, known);
    groups
}

/// The `eu` group, when the dataset also lists the country `EU`, must
/// contain it: `EU` in a scenario resolves to the group, so a group
/// without the country would make the country unreachable by name.
fn check_eu(
    defs: &[GroupDef],
    groups: &[Group],
    known: &[CountryCode],
    file: &str,
    diags: &mut Diagnostics,
) {
    let Some(eu) = CountryCode::parse(EU_GROUP).filter(|c| known.contains(c)) else {
        return;
    };
    for (def, group) in defs.iter().zip(groups) {
        if def.name == EU_GROUP && !group.contains(eu) {
            let line = def.members.first().map_or(1, |m| m.1);
            diags.push(Diagnostic::new(
                file,
                line,
                format!("groups.{EU_GROUP}"),
                "countries.csv lists the country EU, and `EU` names this group wherever a region is asked for: include \"EU\" in it",
            ));
        }
    }
}

/// Reports every cycle of groups that contain each other (`a` in `b`, `b`
/// in `a`; or `a` in itself), once, on the member that closes it.
fn report_cycles(defs: &[GroupDef], file: &str, diags: &mut Diagnostics) {
    let mut reported: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut done = vec![false; defs.len()];
    for start in 0..defs.len() {
        let mut stack = Vec::new();
        visit(
            defs,
            start,
            &mut stack,
            &mut done,
            &mut |cycle, line, from| {
                // The same cycle is found from each of its groups: report it
                // once, as a set of names.
                let mut key: Vec<String> = cycle.to_vec();
                key.sort();
                if reported.insert(key) {
                    diags.push(Diagnostic::new(
                    file,
                    line,
                    format!("groups.{from}"),
                    if cycle.len() == 1 {
                        format!("group `{from}` includes itself")
                    } else {
                        format!(
                            "groups include each other in a cycle: {} → {}; a group may not contain itself, directly or through other groups",
                            cycle.join(" → "),
                            cycle[0]
                        )
                    },
                ));
                }
            },
        );
    }
}

/// Depth-first walk from `i`; calls `found(cycle, line, group)` for each
/// member line that leads back to a group on the current path.
fn visit(
    defs: &[GroupDef],
    i: usize,
    stack: &mut Vec<usize>,
    done: &mut [bool],
    found: &mut dyn FnMut(&[String], usize, &str),
) {
    if done[i] {
        return;
    }
    stack.push(i);
    for (member, line) in &defs[i].members {
        if as_country(member).is_some() {
            continue;
        }
        let Some(j) = defs.iter().position(|d| d.name == *member) else {
            continue;
        };
        if let Some(pos) = stack.iter().position(|&k| k == j) {
            let cycle: Vec<String> = stack[pos..].iter().map(|&k| defs[k].name.clone()).collect();
            found(&cycle, *line, &defs[i].name);
        } else {
            visit(defs, j, stack, done, found);
        }
    }
    stack.pop();
    done[i] = true;
}

/// Resolves the manifest's group definitions to countries.
struct Expander<'a> {
    defs: &'a [GroupDef],
    known: &'a [CountryCode],
    file: &'a str,
}

impl Expander<'_> {
    /// Adds `def`'s members to `out`, expanding nested groups. Problems are
    /// reported (for the top-level group only) when `diags` is given; a
    /// cycle was reported by `report_cycles` and is cut here.
    fn expand(
        &self,
        def: &GroupDef,
        stack: &mut Vec<String>,
        out: &mut BTreeSet<CountryCode>,
        mut diags: Option<&mut Diagnostics>,
    ) {
        stack.push(def.name.clone());
        for (member, line) in &def.members {
            let problem = if let Some(code) = as_country(member) {
                if self.known.contains(&code) {
                    out.insert(code);
                    None
                } else {
                    Some(format!(
                        "unknown country `{code}` (add it to countries.csv)"
                    ))
                }
            } else if let Some(nested) = self.defs.iter().find(|d| d.name == *member) {
                if !stack.contains(member) {
                    self.expand(nested, stack, out, None);
                }
                None
            } else {
                Some(format!(
                    "`{}` is neither a country code (upper case) nor a group defined here",
                    clip(member)
                ))
            };
            if let (Some(msg), Some(d)) = (problem, diags.as_deref_mut()) {
                d.push(Diagnostic::new(
                    self.file,
                    *line,
                    format!("groups.{}", def.name),
                    msg,
                ));
            }
        }
        stack.pop();
    }
}

/// Adds the built-in groups the manifest does not define.
fn add_builtins(groups: &mut Vec<Group>, known: &[CountryCode]) {
    let builtin = |names: &[&str], groups: &[Group]| -> Vec<CountryCode> {
        let mut out = BTreeSet::new();
        for n in names {
            if let Some(g) = groups.iter().find(|g| g.name == *n) {
                out.extend(g.members.iter().copied());
            } else if let Some(c) = CountryCode::parse(n).filter(|c| known.contains(c)) {
                out.insert(c);
            }
        }
        out.into_iter().collect()
    };
    if !groups.iter().any(|g| g.name == ALLIED) {
        let members = builtin(&DEFAULT_ALLIED, groups);
        groups.push(Group {
            name: ALLIED.into(),
            members,
        });
    }
    if !groups.iter().any(|g| g.name == US_JP) {
        let members = builtin(&["US", "JP"], groups);
        groups.push(Group {
            name: US_JP.into(),
            members,
        });
    }
}
