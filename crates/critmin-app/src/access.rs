//! Who may do what with a marked item: the one place that decides. Every
//! read and write of a marked item in the application layer — an alert
//! raised for an organisation, an export for a partner, and every request
//! the server answers — asks [`decide`] (or [`may_see`], its read-only
//! form for an organisation); nothing filters by itself.
//!
//! TLP 2.0 (FIRST, 2022), with MISP-style sharing groups:
//!
//! | Marking | Who may read |
//! |---|---|
//! | `TLP:CLEAR` | anyone |
//! | `TLP:GREEN` | every member organisation of the partnership |
//! | `TLP:AMBER` | the owning organisation, the organisations it names, and the members of the sharing groups it names (`group:NAME`) |
//! | `TLP:AMBER+STRICT` | the owning organisation only |
//! | `TLP:RED` | the named individuals only (`user:NAME`); at the level of organisations, the owner |
//!
//! A reader who may not read an item is told it does not exist
//! ([`Decision::NotFound`], 404); one who may read it but not do what was
//! asked is told so ([`Decision::Forbidden`], 403). Writing takes an
//! analyst (or admin) of the owning organisation; reading takes a viewer.
//! A result inherits the most restrictive marking of its inputs
//! ([`Marking::derived`]).

use critmin_intel::event::{Event, Tlp};
use serde::{Deserialize, Serialize};

/// A user's role in their organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads what its organisation may see.
    Viewer,
    /// Also creates and runs: events, scenarios, jobs.
    Analyst,
    /// Also manages the organisation's users and tokens.
    Admin,
}

impl Role {
    /// The role named `s`.
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Some(Role::Viewer),
            "analyst" => Some(Role::Analyst),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }
}

/// Who is asking: a user of an organisation with a role, and the sharing
/// groups the organisation belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The user's name.
    pub user: String,
    /// Their organisation.
    pub org: String,
    /// Their role in it.
    pub role: Role,
    /// The sharing groups their organisation is a member of.
    pub groups: Vec<String>,
}

/// How an item is marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marking {
    /// TLP 2.0.
    pub tlp: Tlp,
    /// The owning organisation.
    pub owner: String,
    /// For AMBER: organisations (`ORG`) and sharing groups (`group:NAME`)
    /// it is shared with; for RED: the individuals (`user:NAME`).
    pub share_with: Vec<String>,
}

impl Marking {
    /// An event's marking.
    pub fn of(e: &Event) -> Marking {
        Marking {
            tlp: e.tlp,
            owner: e.owner.clone(),
            share_with: e.share_with.clone(),
        }
    }

    /// The marking of a result made by `owner` from inputs marked `inputs`:
    /// the most restrictive TLP; for AMBER, only the recipients every AMBER
    /// input shares with; for RED, only the individuals every RED input
    /// names. An input another organisation owns at AMBER+STRICT or RED
    /// makes the result readable by nobody but the people that input
    /// allows — the caller could only use it if it could read it.
    pub fn derived(owner: &str, inputs: &[Marking]) -> Marking {
        let tlp = inputs.iter().map(|m| m.tlp).fold(Tlp::Clear, Tlp::max);
        let common = |t: Tlp| -> Vec<String> {
            let mut sets = inputs.iter().filter(|m| m.tlp == t).map(|m| {
                let mut v = m.share_with.clone();
                // The owner of an AMBER input is one of its recipients.
                if t == Tlp::Amber && !m.owner.eq_ignore_ascii_case(owner) {
                    v.push(m.owner.clone());
                }
                v
            });
            let Some(first) = sets.next() else {
                return Vec::new();
            };
            let mut keep = first;
            for s in sets {
                keep.retain(|x| s.iter().any(|y| y.eq_ignore_ascii_case(x)));
            }
            keep.sort();
            keep.dedup();
            keep
        };
        Marking {
            tlp,
            owner: owner.to_string(),
            share_with: match tlp {
                Tlp::Amber => common(Tlp::Amber),
                Tlp::Red => common(Tlp::Red),
                _ => Vec::new(),
            },
        }
    }
}

/// What is asked of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// See it (and that it exists).
    Read,
    /// Run something on it (a scenario, a job).
    Run,
    /// Change or delete it.
    Write,
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// The item is visible but the action is not the caller's to take (403).
    Forbidden,
    /// The caller may not know the item exists (404).
    NotFound,
}

/// Whether `p` may read an item marked `m`.
fn may_read(p: &Principal, m: &Marking) -> bool {
    let own = p.org.eq_ignore_ascii_case(&m.owner);
    let named = |x: &str| m.share_with.iter().any(|s| s.eq_ignore_ascii_case(x));
    match m.tlp {
        Tlp::Clear | Tlp::Green => true,
        Tlp::Amber => own || named(&p.org) || p.groups.iter().any(|g| named(&format!("group:{g}"))),
        Tlp::AmberStrict => own,
        Tlp::Red => named(&format!("user:{}", p.user)),
    }
}

/// The decision on `p` doing `action` to an item marked `m`.
pub fn decide(p: &Principal, action: Action, m: &Marking) -> Decision {
    if !may_read(p, m) {
        return Decision::NotFound;
    }
    let own = p.org.eq_ignore_ascii_case(&m.owner);
    match action {
        Action::Read => Decision::Allow,
        Action::Run if p.role >= Role::Analyst => Decision::Allow,
        Action::Write if own && p.role >= Role::Analyst => Decision::Allow,
        _ => Decision::Forbidden,
    }
}

/// Whether organisation `org` may see event `e` (an alert raised for it,
/// an export to it): [`decide`] for a viewer of `org` who is not named
/// individually, so a RED event is seen by its owning organisation's own
/// tools only.
pub fn may_see(org: &str, e: &Event) -> bool {
    may_see_marked(org, e.tlp, &e.owner, &e.share_with)
}

/// [`may_see`] on a marking's parts.
pub fn may_see_marked(org: &str, tlp: Tlp, owner: &str, share_with: &[String]) -> bool {
    let m = Marking {
        tlp,
        owner: owner.to_string(),
        share_with: share_with.to_vec(),
    };
    if tlp == Tlp::Red {
        return org.eq_ignore_ascii_case(owner);
    }
    let p = Principal {
        user: String::new(),
        org: org.to_string(),
        role: Role::Viewer,
        groups: Vec::new(),
    };
    decide(&p, Action::Read, &m) == Decision::Allow
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_marking_decides_as_tlp_2_says() {
        let named = vec!["KR".to_string()];
        let table = [
            (Tlp::Clear, [true, true, true]),
            (Tlp::Green, [true, true, true]),
            (Tlp::Amber, [true, true, false]),
            (Tlp::AmberStrict, [true, false, false]),
            (Tlp::Red, [true, false, false]),
        ];
        for (tlp, want) in table {
            let got = ["JP", "KR", "US"].map(|org| may_see_marked(org, tlp, "JP", &named));
            assert_eq!(got, want, "{tlp}");
        }
    }

    fn who(user: &str, org: &str, role: Role, groups: &[&str]) -> Principal {
        Principal {
            user: user.into(),
            org: org.into(),
            role,
            groups: groups.iter().map(|g| (*g).to_string()).collect(),
        }
    }

    #[test]
    fn the_decision_table() {
        use Decision::*;
        let amber = Marking {
            tlp: Tlp::Amber,
            owner: "JP".into(),
            share_with: vec!["KR".into(), "group:stockpilers".into()],
        };
        let red = Marking {
            tlp: Tlp::Red,
            owner: "JP".into(),
            share_with: vec!["user:aiko".into()],
        };
        let strict = Marking {
            tlp: Tlp::AmberStrict,
            ..amber.clone()
        };
        let cases = [
            // (principal, action, marking, expected)
            (
                who("aiko", "JP", Role::Analyst, &[]),
                Action::Write,
                &amber,
                Allow,
            ),
            (
                who("ken", "JP", Role::Viewer, &[]),
                Action::Write,
                &amber,
                Forbidden,
            ),
            (
                who("ken", "JP", Role::Viewer, &[]),
                Action::Read,
                &amber,
                Allow,
            ),
            (
                who("min", "KR", Role::Admin, &[]),
                Action::Write,
                &amber,
                Forbidden,
            ),
            (
                who("min", "KR", Role::Analyst, &[]),
                Action::Run,
                &amber,
                Allow,
            ),
            (
                who("dla", "US", Role::Viewer, &["stockpilers"]),
                Action::Read,
                &amber,
                Allow,
            ),
            (
                who("doe", "US", Role::Admin, &[]),
                Action::Read,
                &amber,
                NotFound,
            ),
            (
                who("doe", "US", Role::Admin, &[]),
                Action::Write,
                &amber,
                NotFound,
            ),
            (
                who("min", "KR", Role::Viewer, &[]),
                Action::Read,
                &strict,
                NotFound,
            ),
            (
                who("ken", "JP", Role::Viewer, &[]),
                Action::Read,
                &strict,
                Allow,
            ),
            (
                who("aiko", "JP", Role::Viewer, &[]),
                Action::Read,
                &red,
                Allow,
            ),
            (
                who("ken", "JP", Role::Admin, &[]),
                Action::Read,
                &red,
                NotFound,
            ),
        ];
        for (p, a, m, want) in cases {
            assert_eq!(decide(&p, a, m), want, "{p:?} {a:?} {m:?}");
        }
    }

    #[test]
    fn a_result_is_marked_as_its_most_restrictive_input() {
        let clear = Marking {
            tlp: Tlp::Clear,
            owner: "US".into(),
            share_with: vec![],
        };
        let amber_kr = Marking {
            tlp: Tlp::Amber,
            owner: "JP".into(),
            share_with: vec!["KR".into(), "US".into()],
        };
        let amber_us = Marking {
            tlp: Tlp::Amber,
            owner: "US".into(),
            share_with: vec!["KR".into()],
        };
        let d = Marking::derived("US", &[clear.clone(), amber_kr.clone(), amber_us]);
        assert_eq!(d.tlp, Tlp::Amber);
        // KR is named by both; JP owns one input but is not named by the other.
        assert_eq!(d.share_with, vec!["KR".to_string()]);
        let red = Marking {
            tlp: Tlp::Red,
            owner: "US".into(),
            share_with: vec!["user:ann".into()],
        };
        let d = Marking::derived("US", &[clear, amber_kr, red]);
        assert_eq!(
            (d.tlp, d.share_with),
            (Tlp::Red, vec!["user:ann".to_string()])
        );
    }
}
