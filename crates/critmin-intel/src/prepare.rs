//! From a feed's item to a stored event: defaults from the source, the
//! kind classified from the text when the feed gives none, links from the
//! gazetteer, a stable id, and the test that tells the same story told by
//! two sources (`docs/intel.md`, "Ingest").

use crate::event::{Event, Kind, Severity, SourceRef, Status, Tlp};
use crate::feed::Item;
use crate::link::Gazetteer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// What an ingest fills in when a feed does not say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Defaults {
    /// The source's name (the file's, or the `--source` given).
    pub source: String,
    /// The organisation that ingests, and so owns, the items.
    pub owner: String,
    /// The marking of items that carry none.
    pub tlp: Tlp,
}

/// A source's filter: an item is kept if it has any of the keywords (in
/// its title or text, case-insensitive) or any of the categories; an
/// empty filter keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Keywords, any of which keeps an item.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Categories, any of which keeps an item.
    #[serde(default)]
    pub categories: Vec<String>,
}

impl Filter {
    /// Whether `item` passes.
    pub fn keeps(&self, item: &Item) -> bool {
        if self.keywords.is_empty() && self.categories.is_empty() {
            return true;
        }
        let text = format!("{} {}", item.title, item.body).to_lowercase();
        self.keywords
            .iter()
            .any(|k| text.contains(&k.to_lowercase()))
            || self.categories.iter().any(|c| {
                item.categories
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(c.trim()))
            })
    }
}

/// The key an item is known by at its source: its id, else its link, else
/// the hash of its title and day.
pub fn item_key(item: &Item) -> String {
    if let Some(id) = item.id.as_deref().filter(|s| !s.trim().is_empty()) {
        return id.trim().to_string();
    }
    if let Some(l) = item.link.as_deref().filter(|s| !s.trim().is_empty()) {
        return l.trim().to_string();
    }
    let day = item.published.map(|d| d.to_string()).unwrap_or_default();
    format!(
        "sha256:{}",
        &hex(&format!("{}|{day}", item.title.trim()))[..32]
    )
}

/// An event's id from its first source and item key: `ev-` and 16 hex
/// digits of their SHA-256.
pub fn event_id(source: &str, key: &str) -> String {
    format!("ev-{}", &hex(&format!("{source}\u{1f}{key}"))[..16])
}

fn hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The event `item` stands for, linked by `gazetteer`, with `defaults`
/// where the item says nothing.
pub fn to_event(item: &Item, gazetteer: &Gazetteer, defaults: &Defaults) -> Event {
    let source = item
        .source
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| defaults.source.clone());
    let key = item_key(item);
    let text = format!("{}\n{}", item.title, item.body);
    let kind = item.kind.unwrap_or_else(|| classify(&text));
    let mut sources = vec![SourceRef {
        name: source.clone(),
        link: item.link.clone(),
        item: Some(key.clone()),
    }];
    for s in &item.also {
        if !sources.contains(s) {
            sources.push(s.clone());
        }
    }
    Event {
        id: item
            .event_id
            .clone()
            .unwrap_or_else(|| event_id(&source, &key)),
        published: item.published,
        observed: item.observed,
        valid_from: item.valid_from,
        valid_to: item.valid_to,
        title: item.title.trim().to_string(),
        body: item.body.trim().to_string(),
        sources,
        kind,
        links: gazetteer.link(&text),
        severity: item.severity.unwrap_or_else(|| default_severity(kind)),
        status: item.status.unwrap_or(Status::Reported),
        admiralty: item.admiralty,
        tlp: item.tlp.unwrap_or(defaults.tlp),
        owner: item.owner.clone().unwrap_or_else(|| defaults.owner.clone()),
        share_with: item.share_with.clone(),
        facts: item.facts.clone(),
    }
}

/// The severity of an event of `kind` that states none: export controls
/// and outages high, licensing and policy medium, the rest low.
pub fn default_severity(kind: Kind) -> Severity {
    match kind {
        Kind::ExportControl | Kind::FacilityOutage => Severity::High,
        Kind::Licensing | Kind::Policy | Kind::PriceMove | Kind::ProjectMilestone => {
            Severity::Medium
        }
        _ => Severity::Low,
    }
}

/// The kind of a text that states none, by the first rule whose words it
/// has (English and Japanese), `other` when none does.
pub fn classify(text: &str) -> Kind {
    let t = text.to_lowercase();
    let rules: &[(Kind, &[&str])] = &[
        (
            Kind::ExportControl,
            &[
                "export control",
                "export ban",
                "export restriction",
                "export quota",
                "halts exports",
                "suspends exports",
                "export curbs",
                "輸出規制",
                "輸出管理",
                "輸出禁止",
            ],
        ),
        (
            Kind::Licensing,
            &["licence", "license", "permit application", "許可"],
        ),
        (
            Kind::FacilityOutage,
            &[
                "outage",
                "shut down",
                "shutdown",
                "halted",
                "halts production",
                "suspends production",
                "flood",
                "fire at",
                "strike at",
                "force majeure",
                "操業停止",
            ],
        ),
        (
            Kind::FacilityStart,
            &[
                "first production",
                "commissioned",
                "begins production",
                "starts production",
                "first output",
                "restart",
                "生産開始",
            ],
        ),
        (
            Kind::Financing,
            &[
                "loan",
                "financing",
                "funding",
                "grant",
                "equity",
                "raises",
                "investment of",
                "出資",
                "融資",
            ],
        ),
        (
            Kind::ProjectMilestone,
            &[
                "final investment decision",
                "feasibility",
                "construction",
                "project",
                "delay",
                "milestone",
            ],
        ),
        (Kind::PriceMove, &["price", "prices", "per kg", "価格"]),
        (
            Kind::TradeData,
            &[
                "customs",
                "exports fell",
                "exports rose",
                "imports",
                "shipments",
                "通関",
            ],
        ),
        (
            Kind::Discovery,
            &[
                "discovery",
                "deposit",
                "drilling",
                "resource estimate",
                "埋蔵",
            ],
        ),
        (
            Kind::Policy,
            &[
                "stockpile",
                "tariff",
                "policy",
                "strategy",
                "regulation",
                "備蓄",
                "政策",
            ],
        ),
    ];
    for (kind, words) in rules {
        if words.iter().any(|w| t.contains(w)) {
            return *kind;
        }
    }
    Kind::Other
}

/// The words of a text that tell stories apart: lower-case letters and
/// digits of three or more characters (CJK characters one by one), less
/// common English words.
fn story_words(text: &str) -> BTreeSet<String> {
    const STOP: &[&str] = &[
        "the", "and", "for", "with", "from", "that", "this", "its", "has", "have", "will", "says",
        "said", "after", "over", "into", "new", "are", "was", "were", "been", "but", "not", "per",
        "all", "more", "than", "out",
    ];
    let mut out = BTreeSet::new();
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
            continue;
        }
        if word.len() >= 3 && !STOP.contains(&word.as_str()) {
            out.insert(std::mem::take(&mut word));
        }
        word.clear();
        if !c.is_ascii() && c.is_alphanumeric() {
            out.insert(c.to_string());
        }
    }
    out
}

/// Whether `new` may be merged into the stored event `stored` without
/// showing it to anyone its own marking does not allow.
fn may_join(stored: &Event, new: &Event) -> bool {
    use crate::event::Tlp;
    match new.tlp {
        Tlp::Clear => true,
        Tlp::Green => stored.tlp != Tlp::Clear,
        _ => {
            let mut sa = stored.share_with.clone();
            let mut sb = new.share_with.clone();
            sa.sort();
            sb.sort();
            stored.tlp == new.tlp && stored.owner.eq_ignore_ascii_case(&new.owner) && sa == sb
        }
    }
}

/// Whether two events tell the same story: the same kind, published
/// within three days of each other (or either undated), markings that let
/// `b` join `a` (`a` is the stored event; see `may_join`), the same linked
/// entities of the model where both have any, and headlines and texts
/// that share at least half their distinctive words (Jaccard ≥ 0.5).
pub fn same_story(a: &Event, b: &Event) -> bool {
    if a.kind != b.kind {
        return false;
    }
    // A new item joins a stored story only if everyone who may read the
    // stored event may read the new item: a CLEAR item joins anything, a
    // GREEN one anything but a CLEAR event, and an AMBER, AMBER+STRICT or
    // RED one only an event under the very same marking. Otherwise the
    // stored event's readers would learn who else reported it, or an
    // owner's item would be handed to another owner's event.
    if !may_join(a, b) {
        return false;
    }
    if let (Some(x), Some(y)) = (a.published, b.published) {
        if (x.ordinal() - y.ordinal()).abs() > 3 {
            return false;
        }
    }
    let ents = |e: &Event| -> BTreeSet<(crate::EntityKind, String)> {
        e.links
            .iter()
            .filter(|l| {
                matches!(
                    l.kind,
                    crate::EntityKind::Element | crate::EntityKind::Facility
                )
            })
            .map(|l| (l.kind, l.id.clone()))
            .collect()
    };
    let (ea, eb) = (ents(a), ents(b));
    if !ea.is_empty() && !eb.is_empty() && ea != eb {
        return false;
    }
    let wa = story_words(&format!("{} {}", a.title, a.body));
    let wb = story_words(&format!("{} {}", b.title, b.body));
    let inter = wa.intersection(&wb).count() as f64;
    let union = wa.union(&wb).count() as f64;
    union > 0.0 && inter / union >= 0.5
}

/// Merges `other`'s sources into `into` (the same story, told again).
/// Returns whether anything was added.
pub fn merge_sources(into: &mut Event, other: &Event) -> bool {
    let mut added = false;
    for s in &other.sources {
        if !into
            .sources
            .iter()
            .any(|x| x.name == s.name && x.item == s.item)
        {
            into.sources.push(s.clone());
            added = true;
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_classified_from_the_text() {
        assert_eq!(
            classify("MOFCOM announces export controls on seven rare earths"),
            Kind::ExportControl
        );
        assert_eq!(
            classify("中国商務部、レアアース輸出規制を発表"),
            Kind::ExportControl
        );
        assert_eq!(
            classify("Flood halts production at Kalgoorlie"),
            Kind::FacilityOutage
        );
        assert_eq!(classify("NdPr prices climb to USD 80/kg"), Kind::PriceMove);
        assert_eq!(classify("A quiet week"), Kind::Other);
    }

    #[test]
    fn ids_are_stable_and_keys_fall_back_in_order() {
        let mut item = Item {
            title: "T".into(),
            ..Item::default()
        };
        let k = item_key(&item);
        assert!(k.starts_with("sha256:"));
        item.link = Some("https://x/1".into());
        assert_eq!(item_key(&item), "https://x/1");
        item.id = Some("guid-1".into());
        assert_eq!(item_key(&item), "guid-1");
        assert_eq!(event_id("Reuters", "guid-1"), event_id("Reuters", "guid-1"));
        assert_ne!(event_id("Reuters", "guid-1"), event_id("Nikkei", "guid-1"));
    }
}
