//! Writing events for other tools: a STIX 2.1 bundle and a MISP feed.
//! Both are deterministic (the same events give the same bytes) and both
//! carry every field of every event, so that critmin reading its own
//! export back ([`crate::feed::parse_stix`], [`crate::feed::parse_misp`])
//! gets the same events.
//!
//! # STIX 2.1 ([`to_stix_bundle`])
//!
//! Ids are UUIDs made from the SHA-256 of a seed (the event id, the owner,
//! the country code) with the version nibble set to 5 and the RFC 4122
//! variant bits, so an event keeps its STIX ids from one export to the
//! next (a later export is a later version: same id, later `modified`).
//! The bundle holds, in this order:
//!
//! - an `identity` for critmin (`identity_class` `system`) and the
//!   `extension-definition` of `x-critmin-supply-event` (a `new-sdo`
//!   extension, schema [`SCHEMA_URL`], version `1.0`); both carry the fixed
//!   timestamp [`EXTENSION_CREATED`], not `created`, since they are the same
//!   published objects in every bundle;
//! - the TLP 2.0 `marking-definition`s the events use, verbatim as OASIS
//!   publishes them (see [`TLP2_MARKINGS`]);
//! - an `identity` (`organization`) per distinct owner and a `location`
//!   (`country` = the critmin country code) per distinct linked country,
//!   each sorted;
//! - per event, in input order: a `report` (`name` = title, `description`
//!   = body, `published` = the published day at `T00:00:00Z` or else
//!   `created`, `labels` = `[kind]`, `external_references` = the sources
//!   that have a link or an item id, `object_refs` = the event's
//!   `x-critmin-supply-event` and its locations, `created_by_ref` = the
//!   owner) and the `x-critmin-supply-event` itself, whose properties are
//!   every field of the event: `critmin_id`, `published`, `observed`,
//!   `valid_from`, `valid_to`, `title`, `body`, `sources` (`name`, `link`,
//!   `item`), `kind`, `links`, `severity`, `status`, `admiralty` (`"B2"`),
//!   `tlp`, `owner`, `share_with`, `facts`.
//!
//! Every STIX object an event produces carries its TLP in
//! `object_marking_refs`. Empty lists, empty strings (but the title) and
//! missing values are left out, as STIX asks. `created` is written as
//! given: pass an RFC 3339 UTC timestamp (`2025-10-09T08:00:00Z`). Events
//! with an id already seen are left out (the first is kept).
//!
//! # MISP feed ([`to_misp_feed`])
//!
//! The files of a MISP feed directory, sorted by name: one `<uuid>.json`
//! per event (`{"Event": {…}}`) and `manifest.json` (uuid → `info`, `date`,
//! `threat_level_id`, `analysis`, `timestamp`, `Orgc`, `Tag`). The uuid is
//! made from the event id as for STIX. An event maps to: `info` = title;
//! `date` = published (else observed, else valid_from, else 1970-01-01);
//! `timestamp` = that day's midnight UTC; `threat_level_id` critical and
//! high → 1, medium → 2, low → 3; `analysis` rumour → 0 (initial),
//! reported → 1 (ongoing), confirmed and resolved → 2 (completed); `Orgc`
//! = the owner; tags `tlp:<level>` (lower case, TLP 2.0 names) and
//! `critmin:kind="<kind>"`; attributes: the body as a `text` attribute,
//! each source link as a `link` attribute (comment: the source's name),
//! and the whole event as critmin's JSON in a `text` attribute whose
//! comment is [`MISP_EVENT_COMMENT`] (`critmin-event`), from which
//! [`crate::feed::parse_misp`] restores every field. No `hashes.csv` is
//! written: MISP keys it by MD5, which this crate does not compute.

use crate::event::{
    Admiralty, Day, EntityKind, Event, Facts, Kind, Link, Severity, SourceRef, Status, Tlp,
};
use crate::feed::Item;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The STIX type of critmin's own objects.
pub const SUPPLY_EVENT_TYPE: &str = "x-critmin-supply-event";

/// Where the `x-critmin-supply-event` properties are documented.
pub const SCHEMA_URL: &str = "https://github.com/critmin/critmin/blob/main/docs/intel.md";

/// The timestamp of critmin's extension definition and its identity.
pub const EXTENSION_CREATED: &str = "2025-01-01T00:00:00.000Z";

/// The comment of the MISP attribute that carries an event as critmin's
/// JSON.
pub const MISP_EVENT_COMMENT: &str = "critmin-event";

/// The TLP 2.0 marking definitions for STIX 2.1, as OASIS publishes them
/// (`oasis-open/cti-stix-common-objects`,
/// `extension-definition-specifications/tlp-2.0/`): each a
/// `marking-definition` created `2022-10-01T00:00:00.000Z`, named
/// `TLP:<LEVEL>`, with the property extension [`TLP2_EXTENSION`].
pub const TLP2_MARKINGS: [(Tlp, &str); 5] = [
    (
        Tlp::Clear,
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    ),
    (
        Tlp::Green,
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    ),
    (
        Tlp::Amber,
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    ),
    (
        Tlp::AmberStrict,
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    ),
    (
        Tlp::Red,
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    ),
];

/// The TLP 1.0 marking definitions STIX 2.1 predefines (WHITE, GREEN,
/// AMBER, RED; `stix2.v21.common` in `oasis-open/cti-python-stix2`), read
/// but never written. WHITE is read as CLEAR.
pub const TLP1_MARKINGS: [(Tlp, &str); 4] = [
    (
        Tlp::Clear,
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    ),
    (
        Tlp::Green,
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    ),
    (
        Tlp::Amber,
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    ),
    (
        Tlp::Red,
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
    ),
];

/// The extension definition the TLP 2.0 marking definitions use.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// The id of the TLP 2.0 marking definition of `tlp`.
pub fn tlp_marking_id(tlp: Tlp) -> &'static str {
    TLP2_MARKINGS
        .iter()
        .find(|(t, _)| *t == tlp)
        .map_or("", |(_, id)| id)
}

/// The level of a standard TLP marking definition id, 2.0 or 1.0.
pub fn tlp_of_marking_id(id: &str) -> Option<Tlp> {
    TLP2_MARKINGS
        .iter()
        .chain(TLP1_MARKINGS.iter())
        .find(|(_, x)| *x == id)
        .map(|(t, _)| *t)
}

/// A UUID from the SHA-256 of `seed`, marked version 5 and RFC 4122
/// variant: the same seed, the same UUID.
pub fn uuid_from(seed: &str) -> String {
    let h = Sha256::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The id of critmin's `x-critmin-supply-event` extension definition.
pub fn extension_id() -> String {
    format!(
        "extension-definition--{}",
        uuid_from("extension-definition|x-critmin-supply-event")
    )
}

fn stix_id(kind: &str, seed: &str) -> String {
    format!("{kind}--{}", uuid_from(&format!("{kind}|{seed}")))
}

/// The MISP event uuid of critmin event `id`.
pub fn misp_uuid(id: &str) -> String {
    uuid_from(&format!("misp-event|{id}"))
}

/// A source as the `x-critmin-supply-event` writes it (no nulls).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct WireSource {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    item: Option<String>,
}

/// The properties of an `x-critmin-supply-event`: every field of an
/// [`Event`], the id as `critmin_id`, the Admiralty grade as `"B2"`, and
/// nothing empty.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SupplyEvent {
    critmin_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    published: Option<Day>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    observed: Option<Day>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid_from: Option<Day>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid_to: Option<Day>,
    title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    body: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sources: Vec<WireSource>,
    kind: Kind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
    severity: Severity,
    status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    admiralty: Option<String>,
    tlp: Tlp,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    owner: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    share_with: Vec<String>,
    #[serde(default, skip_serializing_if = "facts_are_empty")]
    facts: Facts,
}

fn facts_are_empty(f: &Facts) -> bool {
    *f == Facts::default()
}

impl SupplyEvent {
    fn of(e: &Event) -> SupplyEvent {
        SupplyEvent {
            critmin_id: e.id.clone(),
            published: e.published,
            observed: e.observed,
            valid_from: e.valid_from,
            valid_to: e.valid_to,
            title: e.title.clone(),
            body: e.body.clone(),
            sources: e
                .sources
                .iter()
                .map(|s| WireSource {
                    name: s.name.clone(),
                    link: s.link.clone(),
                    item: s.item.clone(),
                })
                .collect(),
            kind: e.kind,
            links: e.links.clone(),
            severity: e.severity,
            status: e.status,
            admiralty: e.admiralty.map(|a| a.to_string()),
            tlp: e.tlp,
            owner: e.owner.clone(),
            share_with: e.share_with.clone(),
            facts: e.facts.clone(),
        }
    }

    /// The event these properties describe, or what is wrong with them.
    pub(crate) fn into_event(self) -> Result<Event, String> {
        let admiralty = match self.admiralty.as_deref() {
            None => None,
            Some(s) => Some(Admiralty::parse(s).ok_or_else(|| {
                format!("`admiralty`: `{s}` is not an Admiralty grade (A–F and 1–6, e.g. B2)")
            })?),
        };
        Ok(Event {
            id: self.critmin_id,
            published: self.published,
            observed: self.observed,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            title: self.title,
            body: self.body,
            sources: self
                .sources
                .into_iter()
                .map(|s| SourceRef {
                    name: s.name,
                    link: s.link,
                    item: s.item,
                })
                .collect(),
            kind: self.kind,
            links: self.links,
            severity: self.severity,
            status: self.status,
            admiralty,
            tlp: self.tlp,
            owner: self.owner,
            share_with: self.share_with,
            facts: self.facts,
        })
    }
}

/// The item that gives `e` back when ingested: its id as `event_id`, its
/// first source as the item's source, link and id, the other sources as
/// `also`, every other field as it is (links are the gazetteer's to
/// recompute).
pub(crate) fn item_of_event(e: Event, position: usize) -> Item {
    let mut sources = e.sources.into_iter();
    let first = sources.next();
    Item {
        id: first.as_ref().and_then(|s| s.item.clone()),
        event_id: Some(e.id),
        also: sources.collect(),
        source: first.as_ref().map(|s| s.name.clone()),
        link: first.and_then(|s| s.link),
        published: e.published,
        observed: e.observed,
        valid_from: e.valid_from,
        valid_to: e.valid_to,
        title: e.title,
        body: e.body,
        kind: Some(e.kind),
        severity: Some(e.severity),
        status: Some(e.status),
        admiralty: e.admiralty,
        tlp: Some(e.tlp),
        owner: (!e.owner.is_empty()).then_some(e.owner),
        share_with: e.share_with,
        categories: Vec::new(),
        facts: e.facts,
        position,
    }
}

/// The TLP 2.0 marking definition of `tlp`, verbatim.
fn marking_object(tlp: Tlp) -> Value {
    let level = tlp.as_str().trim_start_matches("TLP:").to_ascii_lowercase();
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp_marking_id(tlp),
        "created": "2022-10-01T00:00:00.000Z",
        "name": tlp.as_str(),
        "extensions": {
            TLP2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": level,
            }
        }
    })
}

/// Events with distinct ids, the first of each kept.
fn distinct(events: &[Event]) -> Vec<&Event> {
    let mut seen = HashSet::new();
    events
        .iter()
        .filter(|e| seen.insert(e.id.as_str()))
        .collect()
}

/// Sets `key` to `v` unless it is empty (STIX and MISP leave empty
/// properties out).
fn put(map: &mut Map<String, Value>, key: &str, v: Value) {
    let empty = match &v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    if !empty {
        map.insert(key.to_string(), v);
    }
}

/// A STIX 2.1 bundle of `events`, stamped `created` (see the module
/// documentation for the mapping).
pub fn to_stix_bundle(events: &[Event], created: &str) -> String {
    let events = distinct(events);
    let ext_id = extension_id();
    let critmin_identity = stix_id("identity", "critmin-extension-author");
    let owner_id = |o: &str| stix_id("identity", &format!("org|{o}"));
    let location_id = |c: &str| stix_id("location", &format!("country|{c}"));

    let mut objects = vec![
        json!({
            "type": "identity",
            "spec_version": "2.1",
            "id": critmin_identity,
            "created": EXTENSION_CREATED,
            "modified": EXTENSION_CREATED,
            "name": "critmin",
            "identity_class": "system",
        }),
        json!({
            "type": "extension-definition",
            "spec_version": "2.1",
            "id": ext_id,
            "created_by_ref": critmin_identity,
            "created": EXTENSION_CREATED,
            "modified": EXTENSION_CREATED,
            "name": SUPPLY_EVENT_TYPE,
            "description": "A rare-earth supply-chain intelligence event as critmin stores it: what happened, when, who reported it, how far it is established and trusted, its TLP marking and owner, the model entities it names and the facts its impact assessment reads.",
            "schema": SCHEMA_URL,
            "version": "1.0",
            "extension_types": ["new-sdo"],
        }),
    ];
    let tlps: BTreeSet<Tlp> = events.iter().map(|e| e.tlp).collect();
    objects.extend(tlps.into_iter().map(marking_object));
    let owners: BTreeSet<&str> = events
        .iter()
        .map(|e| e.owner.as_str())
        .filter(|o| !o.is_empty())
        .collect();
    for o in owners {
        objects.push(json!({
            "type": "identity",
            "spec_version": "2.1",
            "id": owner_id(o),
            "created": created,
            "modified": created,
            "name": o,
            "identity_class": "organization",
        }));
    }
    let countries: BTreeSet<&str> = events
        .iter()
        .flat_map(|e| e.linked(EntityKind::Country))
        .collect();
    for c in countries {
        objects.push(json!({
            "type": "location",
            "spec_version": "2.1",
            "id": location_id(c),
            "created": created,
            "modified": created,
            "country": c,
        }));
    }
    for e in &events {
        let marking = json!([tlp_marking_id(e.tlp)]);
        let event_id = stix_id(SUPPLY_EVENT_TYPE, &e.id);
        let mut refs = vec![Value::String(event_id.clone())];
        refs.extend(
            e.linked(EntityKind::Country)
                .into_iter()
                .map(|c| Value::String(location_id(c))),
        );
        let external: Vec<Value> = e
            .sources
            .iter()
            .filter(|s| s.link.is_some() || s.item.is_some())
            .map(|s| {
                let mut r = Map::new();
                r.insert("source_name".into(), Value::String(s.name.clone()));
                if let Some(l) = &s.link {
                    r.insert("url".into(), Value::String(l.clone()));
                }
                if let Some(i) = &s.item {
                    r.insert("external_id".into(), Value::String(i.clone()));
                }
                Value::Object(r)
            })
            .collect();
        let published = e
            .published
            .map_or_else(|| created.to_string(), |d| format!("{d}T00:00:00Z"));
        let mut report = Map::new();
        for (k, v) in [
            ("type", json!("report")),
            ("spec_version", json!("2.1")),
            ("id", json!(stix_id("report", &e.id))),
            ("created", json!(created)),
            ("modified", json!(created)),
            ("name", json!(e.title)),
            ("published", json!(published)),
            ("labels", json!([e.kind.as_str()])),
            ("object_refs", Value::Array(refs)),
            ("object_marking_refs", marking.clone()),
        ] {
            report.insert(k.into(), v);
        }
        put(&mut report, "description", json!(e.body));
        put(&mut report, "external_references", Value::Array(external));
        if !e.owner.is_empty() {
            report.insert("created_by_ref".into(), json!(owner_id(&e.owner)));
        }
        objects.push(Value::Object(report));

        let mut obj = match serde_json::to_value(SupplyEvent::of(e)) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        for (k, v) in [
            ("type", json!(SUPPLY_EVENT_TYPE)),
            ("spec_version", json!("2.1")),
            ("id", json!(event_id)),
            ("created", json!(created)),
            ("modified", json!(created)),
            ("object_marking_refs", marking),
            (
                "extensions",
                json!({ ext_id.clone(): { "extension_type": "new-sdo" } }),
            ),
        ] {
            obj.insert(k.into(), v);
        }
        if !e.owner.is_empty() {
            obj.insert("created_by_ref".into(), json!(owner_id(&e.owner)));
        }
        objects.push(Value::Object(obj));
    }
    let seed: Vec<&str> = std::iter::once(created)
        .chain(events.iter().map(|e| e.id.as_str()))
        .collect();
    let bundle = json!({
        "type": "bundle",
        "id": format!("bundle--{}", uuid_from(&format!("bundle|{}", seed.join("\u{1f}")))),
        "objects": objects,
    });
    let mut out = serde_json::to_string_pretty(&bundle).unwrap_or_default();
    out.push('\n');
    out
}

/// The MISP `threat_level_id` of a severity.
pub(crate) fn misp_threat_level(s: Severity) -> u8 {
    match s {
        Severity::Critical | Severity::High => 1,
        Severity::Medium => 2,
        Severity::Low => 3,
    }
}

/// The MISP `analysis` of a status.
pub(crate) fn misp_analysis(s: Status) -> u8 {
    match s {
        Status::Rumour => 0,
        Status::Reported => 1,
        Status::Confirmed | Status::Resolved => 2,
    }
}

/// The MISP tag of a TLP level (`tlp:amber+strict`).
pub(crate) fn misp_tlp_tag(t: Tlp) -> String {
    t.as_str().to_ascii_lowercase()
}

/// The files of a MISP feed of `events`, sorted by name (see the module
/// documentation for the mapping).
pub fn to_misp_feed(events: &[Event]) -> Vec<(String, String)> {
    let mut files = BTreeMap::new();
    let mut manifest = Map::new();
    for e in distinct(events) {
        let uuid = misp_uuid(&e.id);
        let date = e
            .published
            .or(e.observed)
            .or(e.valid_from)
            .map_or_else(|| "1970-01-01".to_string(), |d| d.to_string());
        let timestamp = Day::parse(&date).map_or(0, |d| d.ordinal() * 86_400);
        let orgc = json!({
            "name": e.owner,
            "uuid": uuid_from(&format!("misp-org|{}", e.owner)),
        });
        let tags = json!([
            { "name": misp_tlp_tag(e.tlp) },
            { "name": format!("critmin:kind=\"{}\"", e.kind) },
        ]);
        let threat = misp_threat_level(e.severity);
        let analysis = misp_analysis(e.status);
        let attribute = |n: usize, ty: &str, category: &str, value: &str, comment: &str| {
            json!({
                "uuid": uuid_from(&format!("misp-attribute|{}|{n}", e.id)),
                "type": ty,
                "category": category,
                "to_ids": false,
                "value": value,
                "comment": comment,
                "timestamp": timestamp.to_string(),
            })
        };
        let mut attributes = Vec::new();
        if !e.body.is_empty() {
            attributes.push(attribute(0, "text", "Other", &e.body, ""));
        }
        for (i, s) in e.sources.iter().enumerate() {
            if let Some(l) = &s.link {
                attributes.push(attribute(1 + i, "link", "External analysis", l, &s.name));
            }
        }
        let whole = serde_json::to_string(e).unwrap_or_default();
        attributes.push(attribute(
            usize::MAX,
            "text",
            "Internal reference",
            &whole,
            MISP_EVENT_COMMENT,
        ));
        let event = json!({
            "Event": {
                "uuid": uuid,
                "info": e.title,
                "date": date,
                "threat_level_id": threat.to_string(),
                "analysis": analysis.to_string(),
                "timestamp": timestamp.to_string(),
                "publish_timestamp": timestamp.to_string(),
                "published": true,
                "Orgc": orgc,
                "Tag": tags,
                "Attribute": attributes,
            }
        });
        manifest.insert(
            uuid.clone(),
            json!({
                "Orgc": orgc,
                "Tag": tags,
                "info": e.title,
                "date": date,
                "analysis": analysis,
                "threat_level_id": threat,
                "timestamp": timestamp,
            }),
        );
        let mut text = serde_json::to_string_pretty(&event).unwrap_or_default();
        text.push('\n');
        files.insert(format!("{uuid}.json"), text);
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(manifest)).unwrap_or_default();
    text.push('\n');
    files.insert("manifest.json".to_string(), text);
    files.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, tlp: Tlp) -> Event {
        Event {
            id: id.into(),
            published: Day::parse("2025-04-04"),
            observed: None,
            valid_from: None,
            valid_to: None,
            title: "MOFCOM adds Dy and Tb to export controls".into(),
            body: "Licences are required.".into(),
            sources: vec![SourceRef {
                name: "MOFCOM".into(),
                link: Some("https://example.org/1".into()),
                item: Some("n-1".into()),
            }],
            kind: Kind::ExportControl,
            links: vec![Link {
                kind: EntityKind::Country,
                id: "CN".into(),
                alias: "China".into(),
            }],
            severity: Severity::High,
            status: Status::Confirmed,
            admiralty: Admiralty::parse("A1"),
            tlp,
            owner: "jogmec".into(),
            share_with: vec![],
            facts: Facts::default(),
        }
    }

    #[test]
    fn uuids_are_version_5_rfc_4122_and_stable() {
        let u = uuid_from("x");
        assert_eq!(u, uuid_from("x"));
        assert_ne!(u, uuid_from("y"));
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "5");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
    }

    #[test]
    fn markings_are_the_published_tlp_ids() {
        assert_eq!(
            tlp_marking_id(Tlp::AmberStrict),
            "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
        );
        assert_eq!(
            tlp_of_marking_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
            Some(Tlp::Clear)
        );
        for (t, id) in TLP2_MARKINGS {
            assert_eq!(tlp_of_marking_id(id), Some(t));
            assert_eq!(tlp_marking_id(t), id);
        }
    }

    #[test]
    fn a_bundle_is_deterministic_and_marks_every_event_object() {
        let evs = [event("ev-1", Tlp::Amber), event("ev-2", Tlp::Red)];
        let a = to_stix_bundle(&evs, "2025-10-09T08:00:00Z");
        assert_eq!(a, to_stix_bundle(&evs, "2025-10-09T08:00:00Z"));
        let v: Value = serde_json::from_str(&a).unwrap();
        let objs = v["objects"].as_array().unwrap();
        let of = |t: &str| objs.iter().filter(|o| o["type"] == t).count();
        assert_eq!(of("extension-definition"), 1);
        assert_eq!(of("marking-definition"), 2);
        assert_eq!(of("identity"), 2, "critmin and the one owner");
        assert_eq!(of("location"), 1);
        assert_eq!(of("report"), 2);
        assert_eq!(of(SUPPLY_EVENT_TYPE), 2);
        for o in objs
            .iter()
            .filter(|o| o["type"] == "report" || o["type"] == SUPPLY_EVENT_TYPE)
        {
            assert_eq!(o["object_marking_refs"].as_array().unwrap().len(), 1);
            assert_eq!(o["spec_version"], "2.1");
        }
        let x = objs
            .iter()
            .find(|o| o["type"] == SUPPLY_EVENT_TYPE)
            .unwrap();
        assert_eq!(x["critmin_id"], "ev-1");
        assert_eq!(x["admiralty"], "A1");
        assert!(x["extensions"][extension_id()]["extension_type"] == "new-sdo");
        assert!(x.get("observed").is_none() && x.get("share_with").is_none());
    }

    #[test]
    fn a_misp_feed_has_a_manifest_and_one_file_per_event() {
        let evs = [event("ev-1", Tlp::AmberStrict), event("ev-1", Tlp::Red)];
        let files = to_misp_feed(&evs);
        assert_eq!(files.len(), 2, "duplicates are left out");
        assert_eq!(files[0].0, format!("{}.json", misp_uuid("ev-1")));
        assert_eq!(files[1].0, "manifest.json");
        let v: Value = serde_json::from_str(&files[0].1).unwrap();
        assert_eq!(v["Event"]["Tag"][0]["name"], "tlp:amber+strict");
        assert_eq!(v["Event"]["threat_level_id"], "1");
        assert_eq!(v["Event"]["analysis"], "2");
        assert_eq!(v["Event"]["timestamp"], "1743724800");
    }
}
