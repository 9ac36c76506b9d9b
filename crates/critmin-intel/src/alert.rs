//! Alert rules and their evaluation: which events an organisation watches,
//! what projected impact makes one worth an alert, when measures and
//! licences fall due, and when an alert may be delivered (quiet hours,
//! digests). Pure: the application layer assesses the events, stores the
//! alerts and delivers them (`docs/intel.md`, "Alerts").
//!
//! A rules file is TOML, one per organisation:
//!
//! ```toml
//! org = "JP-METI"
//! utc_offset = "+09:00"        # local time for quiet hours and digests
//! quiet_hours = "22:00-07:00"  # nothing delivered in this window
//! digest_at = "08:00"          # digest rules deliver once a day here
//! runs = 100                   # Monte Carlo futures per assessment
//!
//! [[rule]]
//! name = "heavy-ree-controls"
//! elements = ["Dy", "Tb"]
//! kinds = ["export_control", "licensing"]
//! partners = ["JP"]
//! min_severity = "medium"
//! unmet_share_above = 0.001    # projected added unmet share, 0..1
//!
//! [[deliver]]
//! to = "jsonl"
//! path = "alerts-jp.jsonl"
//! ```

use crate::event::{Admiralty, Day, EntityKind, Event, Kind, Severity, Status, Tlp};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One organisation's rules, as parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// The organisation the alerts are for.
    pub org: String,
    /// Local time's offset from UTC, `+09:00` (default `+00:00`).
    #[serde(default)]
    pub utc_offset: Option<String>,
    /// A daily window, local `HH:MM-HH:MM`, in which nothing is delivered:
    /// alerts raised in it wait for its end.
    #[serde(default)]
    pub quiet_hours: Option<String>,
    /// Local `HH:MM` at which digest rules' alerts are delivered, one
    /// message a day (default `08:00`).
    #[serde(default)]
    pub digest_at: Option<String>,
    /// Monte Carlo futures per impact assessment (default 100).
    #[serde(default = "default_runs")]
    pub runs: usize,
    /// Months each assessment simulates (default 24).
    #[serde(default = "default_horizon")]
    pub horizon_months: u32,
    /// Seed of the assessments (default 1).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The rules.
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
    /// Where alerts go (default: standard output only).
    #[serde(default)]
    pub deliver: Vec<Delivery>,
}

fn default_runs() -> usize {
    100
}
fn default_horizon() -> u32 {
    24
}
fn default_seed() -> u64 {
    1
}
fn default_lead() -> u32 {
    30
}
fn default_true() -> bool {
    true
}

/// One rule: what it watches and what makes an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique within the file.
    pub name: String,
    /// Watched elements (symbols). Within a list any entity matches;
    /// across the lists given, every list must match.
    #[serde(default)]
    pub elements: Vec<String>,
    /// Watched countries (ISO codes).
    #[serde(default)]
    pub countries: Vec<String>,
    /// Watched facilities (ids).
    #[serde(default)]
    pub facilities: Vec<String>,
    /// Watched companies (ids as the gazetteer makes them).
    #[serde(default)]
    pub companies: Vec<String>,
    /// Watched projects (ids).
    #[serde(default)]
    pub projects: Vec<String>,
    /// Only these kinds (default: all).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Partners whose projected impact the thresholds are checked on.
    #[serde(default)]
    pub partners: Vec<String>,
    /// Least severity (default `low`).
    #[serde(default)]
    pub min_severity: Option<String>,
    /// Worst information credibility accepted, 1 (confirmed) to 6 (cannot
    /// be judged); an event without a grade counts as 6.
    #[serde(default)]
    pub max_credibility: Option<u8>,
    /// Worst source reliability accepted, `A` to `F`; an event without a
    /// grade counts as `F`.
    #[serde(default)]
    pub min_reliability: Option<String>,
    /// Alert when a partner's projected added unmet share exceeds this
    /// (0..1).
    #[serde(default)]
    pub unmet_share_above: Option<f64>,
    /// Alert when a partner's stockpile cover lost exceeds this, months.
    #[serde(default)]
    pub cover_lost_months_above: Option<f64>,
    /// Alert when the peak price index of the event's elements exceeds
    /// this (baseline 1).
    #[serde(default)]
    pub price_index_above: Option<f64>,
    /// Deliver in the daily digest rather than at once.
    #[serde(default)]
    pub digest: bool,
    /// Raise deadline alerts for the watched events' expiries and licence
    /// timers (default true).
    #[serde(default = "default_true")]
    pub deadlines: bool,
    /// Days before a deadline its alert is raised (default 30).
    #[serde(default = "default_lead")]
    pub deadline_lead_days: u32,
}

/// Where an organisation's alerts are delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case", deny_unknown_fields)]
pub enum Delivery {
    /// Printed by the front end that evaluated them.
    Stdout,
    /// Appended to a JSON-lines file, one alert (or digest) per line.
    Jsonl {
        /// The file.
        path: String,
    },
    /// POSTed as JSON to an `http://` URL on this machine (a relay or
    /// chat bridge listening on a loopback address).
    Webhook {
        /// The URL.
        url: String,
    },
}

/// A rules file's problem, at its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// 1-based line.
    pub line: usize,
    /// The key at fault, or `(file)`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// What a rule needs checked against the model: entity ids it names, by
/// kind, with the line they are on (the caller knows the model).
pub type NamedEntities = Vec<(EntityKind, String, usize)>;

/// Parses a rules file. Every unknown key, wrong type, unknown kind,
/// severity or grade, duplicate rule name and threshold out of range is
/// an error at its line; the entities named are returned for the caller
/// to check against the dataset.
pub fn parse_rules(text: &str) -> Result<(RuleSet, NamedEntities), Vec<RuleError>> {
    let set: RuleSet = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        });
        vec![RuleError {
            line,
            field: "(file)".into(),
            message: e.message().trim().to_string(),
        }]
    })?;
    let mut errs = Vec::new();
    let line_of = |needle: &str, from: usize| -> usize {
        text.get(from..)
            .and_then(|t| t.find(needle))
            .map_or(1, |i| text[..from + i].matches('\n').count() + 1)
    };
    let mut named = Vec::new();
    if set.org.trim().is_empty() {
        errs.push(err(line_of("org", 0), "org", "must name an organisation"));
    }
    for (key, value) in [
        ("utc_offset", &set.utc_offset),
        ("quiet_hours", &set.quiet_hours),
        ("digest_at", &set.digest_at),
    ] {
        let Some(v) = value else { continue };
        let ok = match key {
            "utc_offset" => parse_offset(v).is_some(),
            "quiet_hours" => parse_window(v).is_some(),
            _ => parse_clock(v).is_some(),
        };
        if !ok {
            let want = match key {
                "utc_offset" => "+HH:MM or -HH:MM",
                "quiet_hours" => "HH:MM-HH:MM",
                _ => "HH:MM",
            };
            errs.push(err(line_of(key, 0), key, &format!("`{v}` is not {want}")));
        }
    }
    if set.runs == 0 || set.runs > 100_000 {
        errs.push(err(line_of("runs", 0), "runs", "must be 1 to 100000"));
    }
    if set.horizon_months == 0 || set.horizon_months > 240 {
        errs.push(err(
            line_of("horizon_months", 0),
            "horizon_months",
            "must be 1 to 240",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut from = 0;
    for r in &set.rules {
        let at = text
            .get(from..)
            .and_then(|t| t.find(&format!("\"{}\"", r.name)))
            .map_or(from, |i| from + i);
        from = at;
        let line = text[..at].matches('\n').count() + 1;
        if r.name.trim().is_empty() {
            errs.push(err(line, "name", "a rule needs a name"));
        } else if !seen.insert(r.name.clone()) {
            errs.push(err(
                line,
                "name",
                &format!("rule `{}` is named twice", r.name),
            ));
        }
        let here = |key: &str| line_of(key, at);
        for k in &r.kinds {
            if Kind::parse(k).is_none() {
                errs.push(err(
                    here("kinds"),
                    "kinds",
                    &format!("`{k}` is not a kind: {}", Kind::NAMES),
                ));
            }
        }
        if let Some(s) = &r.min_severity
            && Severity::parse(s).is_none()
        {
            errs.push(err(
                here("min_severity"),
                "min_severity",
                &format!("`{s}` is not {}", Severity::NAMES),
            ));
        }
        if let Some(c) = r.max_credibility
            && !(1..=6).contains(&c)
        {
            errs.push(err(
                here("max_credibility"),
                "max_credibility",
                "credibility runs from 1 (confirmed) to 6 (cannot be judged)",
            ));
        }
        if let Some(g) = &r.min_reliability
            && Admiralty::parse(&format!("{g}1")).is_none()
        {
            errs.push(err(
                here("min_reliability"),
                "min_reliability",
                "reliability runs from A (completely reliable) to F (cannot be judged)",
            ));
        }
        for (key, v, max) in [
            ("unmet_share_above", r.unmet_share_above, 1.0),
            ("cover_lost_months_above", r.cover_lost_months_above, 1e6),
            ("price_index_above", r.price_index_above, 1e6),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && (0.0..=max).contains(&v))
            {
                errs.push(err(here(key), key, &format!("must be 0 to {max}")));
            }
        }
        if r.thresholds() && r.partners.is_empty() {
            errs.push(err(
                line,
                "partners",
                "a rule with impact thresholds must name the partners they are checked on",
            ));
        }
        for (kind, ids, key) in [
            (EntityKind::Element, &r.elements, "elements"),
            (EntityKind::Country, &r.countries, "countries"),
            (EntityKind::Facility, &r.facilities, "facilities"),
            (EntityKind::Company, &r.companies, "companies"),
            (EntityKind::Project, &r.projects, "projects"),
            (EntityKind::Country, &r.partners, "partners"),
        ] {
            for id in ids {
                named.push((kind, id.clone(), here(key)));
            }
        }
    }
    for d in &set.deliver {
        let (key, ok, want) = match d {
            Delivery::Stdout => continue,
            Delivery::Jsonl { path } => ("path", !path.trim().is_empty(), "a file"),
            Delivery::Webhook { url } => (
                "url",
                url.starts_with("http://"),
                "an http:// URL on this machine",
            ),
        };
        if !ok {
            errs.push(err(line_of(key, 0), key, &format!("must be {want}")));
        }
    }
    if errs.is_empty() {
        Ok((set, named))
    } else {
        Err(errs)
    }
}

fn err(line: usize, field: &str, message: &str) -> RuleError {
    RuleError {
        line,
        field: field.into(),
        message: message.into(),
    }
}

impl Rule {
    /// Whether the rule has impact thresholds (and so needs an assessment).
    pub fn thresholds(&self) -> bool {
        self.unmet_share_above.is_some()
            || self.cover_lost_months_above.is_some()
            || self.price_index_above.is_some()
    }

    /// Whether `e` is an event this rule watches: not resolved, of a
    /// watched kind, severe and credible enough, and linked to a watched
    /// entity of every list the rule gives. The reasons are the entities
    /// that matched.
    pub fn watches(&self, e: &Event) -> Option<Vec<String>> {
        if e.status == Status::Resolved {
            return None;
        }
        if !self.kinds.is_empty() && !self.kinds.iter().any(|k| Kind::parse(k) == Some(e.kind)) {
            return None;
        }
        let min = self
            .min_severity
            .as_deref()
            .and_then(Severity::parse)
            .unwrap_or(Severity::Low);
        if e.severity < min {
            return None;
        }
        let (rel, cred) = e
            .admiralty
            .map_or(('F', 6), |a| (a.reliability, a.credibility));
        if self.max_credibility.is_some_and(|m| cred > m) {
            return None;
        }
        if let Some(r) = self
            .min_reliability
            .as_deref()
            .and_then(|r| r.chars().next())
            && rel > r.to_ascii_uppercase()
        {
            return None;
        }
        let mut reasons = Vec::new();
        for (kind, watched) in [
            (EntityKind::Element, &self.elements),
            (EntityKind::Country, &self.countries),
            (EntityKind::Facility, &self.facilities),
            (EntityKind::Company, &self.companies),
            (EntityKind::Project, &self.projects),
        ] {
            if watched.is_empty() {
                continue;
            }
            let hits: Vec<&str> = e
                .linked(kind)
                .into_iter()
                .filter(|id| watched.iter().any(|w| w.eq_ignore_ascii_case(id)))
                .collect();
            if hits.is_empty() {
                return None;
            }
            reasons.push(format!("{}: {}", kind.as_str(), hits.join(", ")));
        }
        if reasons.is_empty() {
            reasons.push("every event of its kinds".into());
        }
        Some(reasons)
    }

    /// The thresholds `impacts` cross (empty: none). Without thresholds a
    /// watched event always alerts.
    pub fn crossed(&self, impacts: &[Impact]) -> Vec<String> {
        let mut out = Vec::new();
        for i in impacts.iter().filter(|i| {
            self.partners
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&i.partner))
        }) {
            if let Some(t) = self.unmet_share_above
                && i.added_unmet_share > t
            {
                out.push(format!(
                    "{}: projected added unmet share {:.2} % > {:.2} %",
                    i.partner,
                    100.0 * i.added_unmet_share,
                    100.0 * t
                ));
            }
            if let Some(t) = self.cover_lost_months_above
                && i.cover_months_lost > t
            {
                out.push(format!(
                    "{}: cover lost {:.2} months > {t}",
                    i.partner, i.cover_months_lost
                ));
            }
            if let Some(t) = self.price_index_above
                && i.peak_price_index > t
            {
                out.push(format!(
                    "{}: peak price index {:.2} > {t}",
                    i.partner, i.peak_price_index
                ));
            }
        }
        out
    }
}

/// An event's projected impact on one partner, as the assessment gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Impact {
    /// The partner (ISO code).
    pub partner: String,
    /// Added unmet share of its demand over the run, single run (0..1).
    pub added_unmet_share: f64,
    /// Unmet share with the event over the futures: 5th percentile.
    pub unmet_share_p5: f64,
    /// Median.
    pub unmet_share_p50: f64,
    /// 95th percentile.
    pub unmet_share_p95: f64,
    /// Stockpile cover lost, months of its consumption.
    pub cover_months_lost: f64,
    /// Peak world price index of the event's elements (baseline 1).
    pub peak_price_index: f64,
}

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A watched event whose impact crosses a threshold.
    Event,
    /// A watched measure's expiry or a licence timer falls due.
    Deadline,
}

/// A raised alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable: the same organisation, rule, event, kind and due day always
    /// give the same id, so an alert is raised once however often its
    /// event is re-ingested or edited.
    pub id: String,
    /// The organisation it is for.
    pub org: String,
    /// The rule that raised it.
    pub rule: String,
    /// Event or deadline.
    pub kind: AlertKind,
    /// The event.
    pub event: String,
    /// Its headline.
    pub title: String,
    /// Its severity.
    pub severity: Severity,
    /// Its marking (an alert is marked as its event).
    pub tlp: Tlp,
    /// When raised (UTC).
    pub raised_at: Stamp,
    /// Not delivered before (quiet hours, digest).
    pub deliver_after: Stamp,
    /// Whether it goes in the daily digest.
    pub digest: bool,
    /// For a deadline: the day due.
    pub due: Option<Day>,
    /// Why: the entities matched, the thresholds crossed, the deadline.
    pub reasons: Vec<String>,
    /// The projected impact on the rule's partners (empty when the rule has
    /// no thresholds and no assessment was run).
    pub impact: Vec<Impact>,
}

impl Alert {
    /// The id of the alert `org`'s `rule` raises on `event` (and `due`).
    pub fn make_id(
        org: &str,
        rule: &str,
        kind: AlertKind,
        event: &str,
        due: Option<Day>,
    ) -> String {
        let key = format!(
            "{org}\n{rule}\n{kind:?}\n{event}\n{}",
            due.map(|d| d.to_string()).unwrap_or_default()
        );
        crate::prepare::event_id("alert", &key).replacen("ev-", "al-", 1)
    }
}

/// The deadlines an event sets: its end (`valid_to`: a measure's expiry, a
/// suspension's end) and, for licensing, the day a licence decision is due
/// (publication plus `licence_months`).
pub fn deadlines(e: &Event) -> Vec<(Day, String)> {
    let mut out = Vec::new();
    if let Some(d) = e.valid_to {
        out.push((d, format!("ends {d}")));
    }
    if let (Some(m), Some(p)) = (e.facts.licence_months, e.valid_from.or(e.published))
        && (e.kind == Kind::Licensing || e.kind == Kind::ExportControl)
    {
        let due = Day::from_ordinal(p.ordinal() + (m * 30.44).round() as i64);
        out.push((
            due,
            format!("licence decisions due {due} ({m} months after {p})"),
        ));
    }
    out
}

/// The deadline alerts `rule` raises on `e` at `now`: each deadline from
/// `deadline_lead_days` before it to the same number of days after (a
/// schedule that missed it still says so once).
pub fn due_deadlines(rule: &Rule, e: &Event, now: Stamp) -> Vec<(Day, String)> {
    if !rule.deadlines {
        return Vec::new();
    }
    let today = now.day().ordinal();
    let lead = i64::from(rule.deadline_lead_days);
    deadlines(e)
        .into_iter()
        .filter(|(d, _)| {
            let k = d.ordinal() - today;
            -lead <= k && k <= lead
        })
        .map(|(d, why)| {
            let k = d.ordinal() - today;
            let when = match k {
                0 => "today".to_string(),
                k if k > 0 => format!("in {k} days"),
                k => format!("{} days ago", -k),
            };
            (d, format!("{why}: {when}"))
        })
        .collect()
}

/// A moment, UTC, to the minute: minutes since 1970-01-01T00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(pub i64);

impl Stamp {
    /// `YYYY-MM-DDTHH:MM[:SS][Z]`, or a day (its midnight).
    pub fn parse(s: &str) -> Option<Stamp> {
        let s = s.trim();
        let day = Day::parse(s.get(..10)?)?;
        let rest = s[10..].trim_start_matches(['T', ' ']).trim_end_matches('Z');
        let minutes = if rest.is_empty() {
            0
        } else {
            parse_clock(rest.get(..5)?)? as i64
        };
        Some(Stamp(day.ordinal() * 1440 + minutes))
    }

    /// From seconds since the epoch.
    pub fn from_unix_seconds(s: i64) -> Stamp {
        Stamp(s.div_euclid(60))
    }

    /// The day (UTC).
    pub fn day(self) -> Day {
        Day::from_ordinal(self.0.div_euclid(1440))
    }

    /// The minute of the day at `offset` minutes from UTC.
    fn local_minute(self, offset: i32) -> u32 {
        (self.0 + i64::from(offset)).rem_euclid(1440) as u32
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0.rem_euclid(1440);
        write!(f, "{}T{:02}:{:02}Z", self.day(), m / 60, m % 60)
    }
}

impl Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Stamp, D::Error> {
        let s = String::deserialize(d)?;
        Stamp::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a time")))
    }
}

/// `HH:MM` as minutes of the day.
fn parse_clock(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && s.trim().len() == 5).then_some(h * 60 + m)
}

/// `+HH:MM` / `-HH:MM` as minutes.
fn parse_offset(s: &str) -> Option<i32> {
    let s = s.trim();
    let sign = match s.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let m = parse_clock(&s[1..])? as i32;
    (m <= 14 * 60).then_some(sign * m)
}

/// `HH:MM-HH:MM` as (from, to) minutes.
fn parse_window(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('-')?;
    Some((parse_clock(a)?, parse_clock(b)?))
}

impl RuleSet {
    fn offset(&self) -> i32 {
        self.utc_offset
            .as_deref()
            .and_then(parse_offset)
            .unwrap_or(0)
    }

    /// The first moment at or after `t` outside the quiet hours.
    pub fn after_quiet(&self, t: Stamp) -> Stamp {
        let Some((from, to)) = self.quiet_hours.as_deref().and_then(parse_window) else {
            return t;
        };
        let m = t.local_minute(self.offset());
        let quiet = if from <= to {
            from <= m && m < to
        } else {
            m >= from || m < to
        };
        if !quiet {
            return t;
        }
        let wait = (i64::from(to) - i64::from(m)).rem_euclid(1440);
        Stamp(t.0 + wait)
    }

    /// When an alert raised at `t` may be delivered: at once (after the
    /// quiet hours), or for a digest rule at the next digest time.
    pub fn deliver_after(&self, t: Stamp, digest: bool) -> Stamp {
        if !digest {
            return self.after_quiet(t);
        }
        let at = self
            .digest_at
            .as_deref()
            .and_then(parse_clock)
            .unwrap_or(8 * 60);
        let m = t.local_minute(self.offset());
        let wait = (i64::from(at) - i64::from(m)).rem_euclid(1440);
        self.after_quiet(Stamp(t.0 + wait))
    }

    /// The alerts of `rule` on event `e` raised at `now`: one for the
    /// event when it crosses a threshold (or the rule has none), one per
    /// deadline due. `impacts` is the event's assessment (empty when none
    /// was run); `reasons` what [`Rule::watches`] matched.
    pub fn alerts_for(
        &self,
        rule: &Rule,
        e: &Event,
        reasons: &[String],
        impacts: &[Impact],
        now: Stamp,
    ) -> Vec<Alert> {
        let mut out = Vec::new();
        let make = |kind, due, why: Vec<String>, impact: Vec<Impact>| Alert {
            id: Alert::make_id(&self.org, &rule.name, kind, &e.id, due),
            org: self.org.clone(),
            rule: rule.name.clone(),
            kind,
            event: e.id.clone(),
            title: e.title.clone(),
            severity: e.severity,
            tlp: e.tlp,
            raised_at: now,
            deliver_after: self.deliver_after(now, rule.digest),
            digest: rule.digest,
            due,
            reasons: why,
            impact,
        };
        let mine: Vec<Impact> = impacts
            .iter()
            .filter(|i| {
                rule.partners
                    .iter()
                    .any(|p| p.eq_ignore_ascii_case(&i.partner))
            })
            .cloned()
            .collect();
        let crossed = rule.crossed(impacts);
        if !rule.thresholds() || !crossed.is_empty() {
            let mut why = reasons.to_vec();
            why.extend(crossed);
            out.push(make(AlertKind::Event, None, why, mine.clone()));
        }
        for (due, why) in due_deadlines(rule, e, now) {
            let mut w = reasons.to_vec();
            w.push(why);
            out.push(make(AlertKind::Deadline, Some(due), w, mine.clone()));
        }
        out
    }
}

impl Day {
    /// The day `n` days after 1970-01-01.
    pub fn from_ordinal(n: i64) -> Day {
        // Howard Hinnant's civil_from_days.
        let z = n + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Day { year, month, day }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Facts, Link, SourceRef};

    fn event(kind: Kind, elements: &[&str]) -> Event {
        Event {
            id: "ev-1".into(),
            published: Day::parse("2025-10-09"),
            observed: None,
            valid_from: None,
            valid_to: Day::parse("2026-11-10"),
            title: "t".into(),
            body: String::new(),
            sources: vec![SourceRef {
                name: "s".into(),
                link: None,
                item: None,
            }],
            kind,
            links: elements
                .iter()
                .map(|e| Link {
                    kind: EntityKind::Element,
                    id: (*e).into(),
                    alias: (*e).into(),
                })
                .collect(),
            severity: Severity::High,
            status: crate::event::Status::Reported,
            admiralty: Admiralty::parse("B2"),
            tlp: Tlp::Green,
            owner: "o".into(),
            share_with: vec![],
            facts: Facts::default(),
        }
    }

    const RULES: &str = r#"org = "JP-METI"
utc_offset = "+09:00"
quiet_hours = "22:00-07:00"
digest_at = "08:00"

[[rule]]
name = "heavy"
elements = ["Dy", "Tb"]
kinds = ["export_control"]
partners = ["JP"]
unmet_share_above = 0.001

[[rule]]
name = "watch"
elements = ["Nd"]
digest = true
"#;

    #[test]
    fn days_round_trip_through_ordinals() {
        for n in [-1000, 0, 59, 60, 365, 20_000, 20_767, 40_000] {
            assert_eq!(Day::from_ordinal(n).ordinal(), n);
        }
        assert_eq!(Day::from_ordinal(0).to_string(), "1970-01-01");
    }

    #[test]
    fn rules_parse_and_bad_ones_name_their_line() {
        let (set, named) = parse_rules(RULES).unwrap();
        assert_eq!(set.rules.len(), 2);
        assert_eq!(set.runs, 100);
        assert!(
            named
                .iter()
                .any(|(k, id, line)| *k == EntityKind::Element && id == "Tb" && *line == 8)
        );
        let bad = RULES.replace(
            "kinds = [\"export_control\"]",
            "kinds = [\"export_controls\"]",
        );
        let e = parse_rules(&bad).unwrap_err();
        assert_eq!((e[0].line, e[0].field.as_str()), (9, "kinds"));
        let bad = RULES.replace("digest = true", "digest = true\ncolour = 1");
        let e = parse_rules(&bad).unwrap_err();
        assert_eq!(e[0].line, 17, "{e:?}");
        assert!(e[0].message.contains("colour"), "{e:?}");
        let bad = RULES.replace("partners = [\"JP\"]\n", "");
        let e = parse_rules(&bad).unwrap_err();
        assert_eq!(e[0].field, "partners");
        let bad = RULES.replace("\"22:00-07:00\"", "\"late\"");
        assert_eq!(parse_rules(&bad).unwrap_err()[0].line, 3);
    }

    #[test]
    fn thresholds_decide_and_deadlines_fall_due_once_in_their_window() {
        let (set, _) = parse_rules(RULES).unwrap();
        let heavy = &set.rules[0];
        let e = event(Kind::ExportControl, &["Dy"]);
        let why = heavy.watches(&e).unwrap();
        assert!(heavy.watches(&event(Kind::Discovery, &["Dy"])).is_none());
        assert!(
            heavy
                .watches(&event(Kind::ExportControl, &["Nd"]))
                .is_none()
        );
        let low = Impact {
            partner: "JP".into(),
            added_unmet_share: 0.0005,
            unmet_share_p5: 0.0,
            unmet_share_p50: 0.0,
            unmet_share_p95: 0.0,
            cover_months_lost: 0.0,
            peak_price_index: 1.0,
        };
        let high = Impact {
            added_unmet_share: 0.02,
            ..low.clone()
        };
        let now = Stamp::parse("2026-09-01T03:00Z").unwrap(); // 12:00 in Tokyo
        assert!(
            set.alerts_for(heavy, &e, &why, std::slice::from_ref(&low), now)
                .is_empty()
        );
        let a = set.alerts_for(heavy, &e, &why, std::slice::from_ref(&high), now);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].deliver_after, now);
        // Forty days before the 2026-11-10 end the deadline is not due;
        // thirty days before, it is, and the same id comes back.
        let early = Stamp::parse("2026-10-01T03:00Z").unwrap();
        assert!(due_deadlines(heavy, &e, early).is_empty());
        let due = Stamp::parse("2026-10-11T03:00Z").unwrap();
        let a1 = set.alerts_for(heavy, &e, &why, std::slice::from_ref(&low), due);
        assert_eq!(a1.len(), 1);
        assert_eq!(a1[0].kind, AlertKind::Deadline);
        assert!(
            a1[0].reasons.last().unwrap().contains("in 30 days"),
            "{a1:?}"
        );
        let a2 = set.alerts_for(heavy, &e, &why, &[low], Stamp(due.0 + 1440 * 3));
        assert_eq!(a1[0].id, a2[0].id);
    }

    #[test]
    fn quiet_hours_and_digests_hold_delivery() {
        let (set, _) = parse_rules(RULES).unwrap();
        // 23:30 in Tokyo (14:30Z): held to 07:00 Tokyo (22:00Z).
        let t = Stamp::parse("2026-09-01T14:30Z").unwrap();
        assert_eq!(set.deliver_after(t, false).to_string(), "2026-09-01T22:00Z");
        // A digest alert at 12:00 Tokyo waits for 08:00 Tokyo next day.
        let t = Stamp::parse("2026-09-01T03:00Z").unwrap();
        assert_eq!(set.deliver_after(t, true).to_string(), "2026-09-01T23:00Z");
        assert_eq!(
            Stamp::parse("2026-09-01").unwrap().to_string(),
            "2026-09-01T00:00Z"
        );
    }

    #[test]
    fn licence_timers_are_deadlines() {
        let mut e = event(Kind::Licensing, &["Dy"]);
        e.valid_to = None;
        e.facts.licence_months = Some(1.5);
        let d = deadlines(&e);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].0.to_string(), "2025-11-24"); // 46 days (1.5 × 30.44) after 2025-10-09
    }
}
