//! The intelligence event: what happened, when, who says so and how far to
//! trust it, how it is marked for sharing, and what of the model it names.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of development an event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An export ban, quota or restriction.
    ExportControl,
    /// A licensing requirement, approval, delay or denial.
    Licensing,
    /// A plant or mine stops or cuts output.
    FacilityOutage,
    /// A plant or mine starts or resumes output.
    FacilityStart,
    /// A project's decision, permit, construction step or delay.
    ProjectMilestone,
    /// Loans, grants, equity, offtake financing.
    Financing,
    /// Stockpile targets, tariffs, procurement rules, price floors.
    Policy,
    /// A price moves.
    PriceMove,
    /// Customs and trade statistics.
    TradeData,
    /// A new deposit or drilling result.
    Discovery,
    /// Anything else.
    Other,
}

impl Kind {
    /// Every kind, in order.
    pub const ALL: [Kind; 11] = [
        Kind::ExportControl,
        Kind::Licensing,
        Kind::FacilityOutage,
        Kind::FacilityStart,
        Kind::ProjectMilestone,
        Kind::Financing,
        Kind::Policy,
        Kind::PriceMove,
        Kind::TradeData,
        Kind::Discovery,
        Kind::Other,
    ];

    /// The names a feed uses.
    pub const NAMES: &'static str = "export_control, licensing, facility_outage, facility_start, project_milestone, financing, policy, price_move, trade_data, discovery, other";

    /// The kind named `s` (`export_control`, …; `-` and case are tolerated).
    pub fn parse(s: &str) -> Option<Kind> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Kind::ALL.into_iter().find(|k| k.as_str() == norm)
    }

    /// The kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ExportControl => "export_control",
            Kind::Licensing => "licensing",
            Kind::FacilityOutage => "facility_outage",
            Kind::FacilityStart => "facility_start",
            Kind::ProjectMilestone => "project_milestone",
            Kind::Financing => "financing",
            Kind::Policy => "policy",
            Kind::PriceMove => "price_move",
            Kind::TradeData => "trade_data",
            Kind::Discovery => "discovery",
            Kind::Other => "other",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far an event is established, as analysts grade it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Unverified talk.
    Rumour,
    /// Reported by a source, not yet confirmed.
    Reported,
    /// Confirmed (an official notice, the company itself, two independent
    /// sources).
    Confirmed,
    /// Over: the measure lapsed, the plant restarted.
    Resolved,
}

impl Status {
    /// The names a feed uses.
    pub const NAMES: &'static str = "rumour, reported, confirmed, resolved";

    /// The status named `s` (`rumor` is accepted).
    pub fn parse(s: &str) -> Option<Status> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rumour" | "rumor" => Some(Status::Rumour),
            "reported" => Some(Status::Reported),
            "confirmed" => Some(Status::Confirmed),
            "resolved" => Some(Status::Resolved),
            _ => None,
        }
    }

    /// The status's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Rumour => "rumour",
            Status::Reported => "reported",
            Status::Confirmed => "confirmed",
            Status::Resolved => "resolved",
        }
    }
}

/// How much an event matters, 1 (low) to 4 (critical).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Low = 1,
    /// Worth watching.
    Medium = 2,
    /// Likely to move supply.
    High = 3,
    /// Moves supply now.
    Critical = 4,
}

impl Severity {
    /// The names a feed uses.
    pub const NAMES: &'static str = "low, medium, high, critical (or 1–4)";

    /// The severity named `s`, or given as 1–4.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" | "1" => Some(Severity::Low),
            "medium" | "2" => Some(Severity::Medium),
            "high" | "3" => Some(Severity::High),
            "critical" | "4" => Some(Severity::Critical),
            _ => None,
        }
    }

    /// The severity's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// A TLP 2.0 marking (FIRST, August 2022): who may see an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tlp {
    /// `TLP:CLEAR`: public.
    #[serde(rename = "TLP:CLEAR")]
    Clear,
    /// `TLP:GREEN`: the community (all partnership members).
    #[serde(rename = "TLP:GREEN")]
    Green,
    /// `TLP:AMBER`: the owner and the organisations it names.
    #[serde(rename = "TLP:AMBER")]
    Amber,
    /// `TLP:AMBER+STRICT`: the owning organisation only.
    #[serde(rename = "TLP:AMBER+STRICT")]
    AmberStrict,
    /// `TLP:RED`: named individuals only.
    #[serde(rename = "TLP:RED")]
    Red,
}

impl Tlp {
    /// The markings a feed may use.
    pub const NAMES: &'static str = "TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED (the `TLP:` prefix may be left out; TLP 1.0's WHITE is CLEAR)";

    /// The marking `s` (`TLP:AMBER+STRICT`, `amber+strict`, `white` for
    /// TLP 1.0's WHITE).
    pub fn parse(s: &str) -> Option<Tlp> {
        let t = s.trim().to_ascii_uppercase();
        let t = t.strip_prefix("TLP:").unwrap_or(&t).trim();
        match t {
            "CLEAR" | "WHITE" => Some(Tlp::Clear),
            "GREEN" => Some(Tlp::Green),
            "AMBER" => Some(Tlp::Amber),
            "AMBER+STRICT" | "AMBER STRICT" => Some(Tlp::AmberStrict),
            "RED" => Some(Tlp::Red),
            _ => None,
        }
    }

    /// The marking as written, `TLP:…`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// The more restrictive of two markings.
    pub fn max(self, other: Tlp) -> Tlp {
        std::cmp::max(self, other)
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An Admiralty (NATO) grade: the source's reliability A (completely
/// reliable) to F (cannot be judged) and the information's credibility 1
/// (confirmed by other sources) to 6 (cannot be judged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Admiralty {
    /// `A`–`F`.
    pub reliability: char,
    /// 1–6.
    pub credibility: u8,
}

impl Admiralty {
    /// A grade from its parts, if both are in range.
    pub fn new(reliability: char, credibility: u8) -> Option<Admiralty> {
        let r = reliability.to_ascii_uppercase();
        (('A'..='F').contains(&r) && (1..=6).contains(&credibility)).then_some(Admiralty {
            reliability: r,
            credibility,
        })
    }

    /// A grade written `B2`.
    pub fn parse(s: &str) -> Option<Admiralty> {
        let mut c = s.trim().chars();
        let r = c.next()?;
        let n: u8 = c.as_str().trim().parse().ok()?;
        Admiralty::new(r, n)
    }
}

impl fmt::Display for Admiralty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.reliability, self.credibility)
    }
}

/// A calendar day, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–31.
    pub day: u32,
}

impl Day {
    /// The day of `s`: `YYYY-MM-DD`, optionally followed by a time
    /// (`2025-04-04T10:00:00Z`), or a month `YYYY-MM` (its first day).
    pub fn parse(s: &str) -> Option<Day> {
        let s = s.trim();
        let date = s.split(['T', ' ']).next()?;
        let mut parts = date.split('-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = match parts.next() {
            Some(d) => d.parse().ok()?,
            None => 1,
        };
        if parts.next().is_some() || !(1900..=2200).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        let d = Day { year, month, day };
        (1..=d.days_in_month()).contains(&day).then_some(d)
    }

    fn days_in_month(self) -> u32 {
        match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            _ if (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0 => 29,
            _ => 28,
        }
    }

    /// Days since 1970-01-01 (civil calendar).
    pub fn ordinal(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The month it falls in.
    pub fn month_of(self) -> critmin_model::Month {
        critmin_model::Month::new(self.year, self.month).expect("a valid day's month is valid")
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Day, D::Error> {
        let s = String::deserialize(d)?;
        Day::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a date")))
    }
}

/// What kind of model entity a link names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// An element (id: its symbol).
    Element,
    /// A country (id: its code).
    Country,
    /// A company (id: its slug, from the dataset's facility operators).
    Company,
    /// A facility (id: as in `facilities.csv`).
    Facility,
    /// A pipeline project (id: as in `projects.csv`).
    Project,
}

impl EntityKind {
    /// Every kind, in order.
    pub const ALL: [EntityKind; 5] = [
        EntityKind::Element,
        EntityKind::Country,
        EntityKind::Company,
        EntityKind::Facility,
        EntityKind::Project,
    ];

    /// The kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Element => "element",
            EntityKind::Country => "country",
            EntityKind::Company => "company",
            EntityKind::Facility => "facility",
            EntityKind::Project => "project",
        }
    }

    /// The kind named `s`.
    pub fn parse(s: &str) -> Option<EntityKind> {
        EntityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim().to_ascii_lowercase())
    }
}

/// A model entity an event names, with the surface form that matched.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Link {
    /// What it is.
    pub kind: EntityKind,
    /// Its id.
    pub id: String,
    /// The alias that matched, as written in the event.
    pub alias: String,
}

/// Where an event was reported.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourceRef {
    /// The source (a feed's name, an outlet, a ministry).
    pub name: String,
    /// Link to the item, if any.
    pub link: Option<String>,
    /// The item's own id at the source (a GUID, a STIX id), if any.
    pub item: Option<String>,
}

/// An intelligence event, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Stable id: `ev-` and the first 16 hex digits of the SHA-256 of its
    /// first source and item key.
    pub id: String,
    /// When it was published.
    pub published: Option<Day>,
    /// When an analyst observed it.
    pub observed: Option<Day>,
    /// When the development takes effect and ends.
    pub valid_from: Option<Day>,
    /// When it ends (a measure's expiry, a plant's restart).
    pub valid_to: Option<Day>,
    /// Headline.
    pub title: String,
    /// Text.
    pub body: String,
    /// Every source that reported it (the same story from two sources is
    /// one event with both).
    pub sources: Vec<SourceRef>,
    /// Kind.
    pub kind: Kind,
    /// Entities of the model it names.
    pub links: Vec<Link>,
    /// How much it matters.
    pub severity: Severity,
    /// How far it is established.
    pub status: Status,
    /// Source reliability and information credibility.
    pub admiralty: Option<Admiralty>,
    /// Who may see it.
    pub tlp: Tlp,
    /// The organisation that owns it.
    pub owner: String,
    /// Organisations an AMBER item is shared with (besides the owner).
    pub share_with: Vec<String>,
    /// What the simulator needs to turn it into a scenario fragment, when
    /// the feed states it.
    pub facts: Facts,
}

/// The structured part of an event that the impact assessment reads
/// (`impact`): which goods, routes and shares a measure touches. Every
/// field is optional; what is missing is inferred from the links.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// Element symbols (default: the linked elements).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<String>,
    /// Forms touched: concentrate, oxide, metal, magnet (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<String>,
    /// Exporting countries (default: the linked countries that export).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exporters: Vec<String>,
    /// Importing countries the measure covers (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub importers: Vec<String>,
    /// Share of normal exports still allowed, 0..1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_share: Option<f64>,
    /// Share of a facility's capacity left in an outage, 0..1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_share: Option<f64>,
    /// Months a project slips.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_months: Option<u32>,
    /// Months a licence takes to grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence_months: Option<f64>,
}

impl Event {
    /// The ids of its links of `kind`, sorted, each once.
    pub fn linked(&self, kind: EntityKind) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .links
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.id.as_str())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_validate_and_count() {
        assert_eq!(Day::parse("2025-04-04").unwrap().to_string(), "2025-04-04");
        assert_eq!(
            Day::parse("2025-10-09T08:00:00Z").unwrap().to_string(),
            "2025-10-09"
        );
        assert_eq!(Day::parse("2026-11").unwrap().to_string(), "2026-11-01");
        assert!(Day::parse("2025-02-29").is_none());
        assert!(Day::parse("2024-02-29").is_some());
        assert!(Day::parse("2025-13-01").is_none());
        assert!(Day::parse("yesterday").is_none());
        assert_eq!(Day::parse("1970-01-01").unwrap().ordinal(), 0);
        let a = Day::parse("2025-10-09").unwrap().ordinal();
        let b = Day::parse("2026-11-10").unwrap().ordinal();
        assert_eq!(b - a, 397);
    }

    #[test]
    fn markings_grades_and_vocabularies_parse() {
        assert_eq!(Tlp::parse("amber+strict"), Some(Tlp::AmberStrict));
        assert_eq!(Tlp::parse("TLP:WHITE"), Some(Tlp::Clear));
        assert_eq!(Tlp::Green.max(Tlp::Red), Tlp::Red);
        assert_eq!(Admiralty::parse("b2").unwrap().to_string(), "B2");
        assert!(Admiralty::parse("G1").is_none() && Admiralty::parse("A7").is_none());
        assert_eq!(Kind::parse("Export-Control"), Some(Kind::ExportControl));
        assert_eq!(Status::parse("rumor"), Some(Status::Rumour));
        assert_eq!(Severity::parse("3"), Some(Severity::High));
    }
}
