//! Exchange formats end to end: events written as a STIX 2.1 bundle and as
//! a MISP feed and read back give the same events, every field and the
//! TLP included; third-party STIX, RSS and Atom samples read; and no input
//! makes a parser panic. Property case counts are modest by default; set
//! `PROPTEST_CASES` to raise them.

use critmin_intel::export::{to_misp_feed, to_stix_bundle};
use critmin_intel::feed::{Parsed, parse_misp, parse_misp_manifest, parse_rss, parse_stix};
use critmin_intel::prepare::{Defaults, to_event};
use critmin_intel::{
    Admiralty, Day, EntityKind, Event, Facts, Gazetteer, Item, Kind, Severity, SourceRef, Status,
    Tlp,
};
use proptest::prelude::*;
use std::sync::OnceLock;

fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| Gazetteer::new(&critmin_data::baseline(), &[]))
}

fn defaults() -> Defaults {
    Defaults {
        source: "exchange-test".into(),
        owner: "ingesting-org".into(),
        tlp: Tlp::Clear,
    }
}

fn day(s: &str) -> Option<Day> {
    Some(Day::parse(s).expect("a test date"))
}

/// An event with every field set, linked as an ingest would link it.
#[allow(clippy::too_many_arguments)]
fn event(
    n: usize,
    title: &str,
    body: &str,
    kind: Kind,
    severity: Severity,
    status: Status,
    tlp: Tlp,
    owner: &str,
) -> Event {
    let mut e = Event {
        id: format!("ev-{n:016x}"),
        published: day("2025-04-04"),
        observed: day("2025-04-05"),
        valid_from: day("2025-04-10"),
        valid_to: day("2026-04-09"),
        title: title.into(),
        body: body.into(),
        sources: vec![
            SourceRef {
                name: "MOFCOM".into(),
                link: Some(format!("https://mofcom.example/notice/{n}")),
                item: Some(format!("notice-{n}")),
            },
            SourceRef {
                name: "Reuters".into(),
                link: None,
                item: Some(format!("reuters-{n}")),
            },
            SourceRef {
                name: "Nikkei".into(),
                link: Some(format!("https://nikkei.example/{n}")),
                item: Some(format!("https://nikkei.example/{n}")),
            },
        ],
        kind,
        links: Vec::new(),
        severity,
        status,
        admiralty: Admiralty::new(['A', 'B', 'C', 'D', 'F'][n % 5], 1 + (n % 6) as u8),
        tlp,
        owner: owner.into(),
        share_with: vec!["jogmec".into(), "meti".into()],
        facts: Facts {
            elements: vec!["Dy".into(), "Tb".into()],
            forms: vec!["oxide".into(), "metal".into()],
            exporters: vec!["CN".into()],
            importers: vec!["JP".into(), "US".into()],
            allowed_share: Some(0.25),
            remaining_share: Some(0.6),
            delay_months: Some(6),
            licence_months: Some(1.5),
        },
    };
    e.links = gazetteer().link(&format!("{}\n{}", e.title, e.body));
    e
}

/// Five events, one per TLP level, every severity and status among them.
fn events() -> Vec<Event> {
    vec![
        event(
            1,
            "China adds dysprosium and terbium to export controls",
            "MOFCOM requires licences for Dy and Tb oxide exports from China.\nShipments to Japan slow.",
            Kind::ExportControl,
            Severity::Critical,
            Status::Confirmed,
            Tlp::Clear,
            "jogmec",
        ),
        event(
            2,
            "Lynas Kalgoorlie outage",
            "Flood halts production at the Kalgoorlie plant in Australia.",
            Kind::FacilityOutage,
            Severity::High,
            Status::Reported,
            Tlp::Green,
            "jogmec",
        ),
        event(
            3,
            "NdPr oxide prices climb",
            "Neodymium oxide prices rose 12% \"in a week\" — traders cite <tight> supply & stockpiling.",
            Kind::PriceMove,
            Severity::Medium,
            Status::Rumour,
            Tlp::Amber,
            "metals-desk",
        ),
        event(
            4,
            "Mountain Pass magnet plant delayed",
            "Construction delay of six months at the United States magnet project.",
            Kind::ProjectMilestone,
            Severity::Low,
            Status::Resolved,
            Tlp::AmberStrict,
            "metals-desk",
        ),
        event(
            5,
            "希土類の輸出規制、ベトナムが検討",
            "Vietnam weighs a rare earth export ban. 中国商務部も。",
            Kind::Policy,
            Severity::High,
            Status::Confirmed,
            Tlp::Red,
            "jogmec",
        ),
    ]
}

fn ingest(items: &[Item]) -> Vec<Event> {
    items
        .iter()
        .map(|i| to_event(i, gazetteer(), &defaults()))
        .collect()
}

fn by_id(mut v: Vec<Event>) -> Vec<Event> {
    v.sort_by(|a, b| a.id.cmp(&b.id));
    v
}

#[test]
fn the_test_events_link_and_cover_every_marking() {
    let evs = events();
    let tlps: Vec<Tlp> = evs.iter().map(|e| e.tlp).collect();
    assert_eq!(
        tlps,
        [
            Tlp::Clear,
            Tlp::Green,
            Tlp::Amber,
            Tlp::AmberStrict,
            Tlp::Red
        ]
    );
    assert!(
        evs[0].linked(EntityKind::Country).contains(&"CN"),
        "{:?}",
        evs[0].links
    );
    assert!(evs.iter().all(|e| e.admiralty.is_some()));
}

#[test]
fn a_stix_bundle_reads_back_as_the_same_events() {
    let evs = events();
    let bundle = to_stix_bundle(&evs, "2025-10-09T08:00:00Z");
    assert_eq!(bundle, to_stix_bundle(&evs, "2025-10-09T08:00:00Z"));
    let items = parse_stix("out.stix.json", bundle.as_bytes()).unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(
        items.len(),
        evs.len(),
        "one item per event, none per report"
    );
    for (item, e) in items.iter().zip(&evs) {
        assert_eq!(item.event_id.as_deref(), Some(e.id.as_str()));
        assert_eq!(item.tlp, Some(e.tlp));
    }
    assert_eq!(ingest(&items), evs);
}

#[test]
fn a_misp_feed_reads_back_as_the_same_events() {
    let evs = events();
    let files = to_misp_feed(&evs);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "files come sorted by name");
    assert_eq!(files, to_misp_feed(&evs), "deterministic");
    let file = |name: &str| {
        files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_bytes())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let uuids = parse_misp_manifest("manifest.json", file("manifest.json")).unwrap();
    assert_eq!(uuids.len(), evs.len());
    let mut back = Vec::new();
    for u in &uuids {
        let name = format!("{u}.json");
        let items = parse_misp(&name, file(&name)).unwrap_or_else(|d| panic!("{d:#?}"));
        assert_eq!(items.len(), 1);
        back.extend(ingest(&items));
    }
    assert_eq!(by_id(back), by_id(evs));
}

#[test]
fn a_misp_tag_stricter_than_the_event_wins() {
    let evs = &events()[..1];
    let files = to_misp_feed(evs);
    let (name, text) = files.iter().find(|(n, _)| n != "manifest.json").unwrap();
    let text = text.replace("\"tlp:clear\"", "\"TLP:RED\"");
    let items = parse_misp(name, text.as_bytes()).unwrap();
    assert_eq!(items[0].tlp, Some(Tlp::Red));
}

#[test]
fn a_third_party_stix_report_bundle_reads() {
    let bundle = br#"{
  "type": "bundle",
  "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
  "objects": [
    {
      "type": "identity",
      "spec_version": "2.1",
      "id": "identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283",
      "created": "2025-03-01T00:00:00.000Z",
      "modified": "2025-03-01T00:00:00.000Z",
      "name": "Example Analytics",
      "identity_class": "organization"
    },
    {
      "type": "marking-definition",
      "spec_version": "2.1",
      "id": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
      "created": "2022-10-01T00:00:00.000Z",
      "name": "TLP:AMBER",
      "extensions": {
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
          "extension_type": "property-extension",
          "tlp_2_0": "amber"
        }
      }
    },
    {
      "type": "location",
      "spec_version": "2.1",
      "id": "location--c3794ffd-0e71-4670-aa4d-978b4cbdc72c",
      "created": "2025-03-01T00:00:00.000Z",
      "modified": "2025-03-01T00:00:00.000Z",
      "country": "MM"
    },
    {
      "type": "relationship",
      "spec_version": "2.1",
      "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
      "created": "2025-03-01T00:00:00.000Z",
      "modified": "2025-03-01T00:00:00.000Z",
      "relationship_type": "related-to",
      "source_ref": "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
      "target_ref": "location--c3794ffd-0e71-4670-aa4d-978b4cbdc72c"
    },
    {
      "type": "report",
      "spec_version": "2.1",
      "id": "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
      "created_by_ref": "identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283",
      "created": "2025-03-01T00:00:00.000Z",
      "modified": "2025-03-02T00:00:00.000Z",
      "name": "Myanmar border closure halts rare earth concentrate shipments to China",
      "description": "Kachin mines suspend exports; dysprosium feed for Chinese separation plants tightens.",
      "published": "2025-03-02T06:00:00Z",
      "report_types": ["threat-report"],
      "labels": ["supply-disruption"],
      "external_references": [
        { "source_name": "example-analytics", "url": "https://analytics.example/r/77", "external_id": "R-77" }
      ],
      "object_refs": ["location--c3794ffd-0e71-4670-aa4d-978b4cbdc72c"],
      "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]
    }
  ]
}"#;
    let items = parse_stix("vendor.json", bundle).unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(items.len(), 1);
    let it = &items[0];
    assert_eq!(it.position, 5);
    assert_eq!(it.tlp, Some(Tlp::Amber));
    assert_eq!(it.categories, ["supply-disruption", "threat-report"]);
    assert_eq!(it.link.as_deref(), Some("https://analytics.example/r/77"));
    let e = to_event(it, gazetteer(), &defaults());
    assert_eq!(e.title, it.title);
    assert_eq!(e.published, day("2025-03-02"));
    assert_eq!(e.tlp, Tlp::Amber);
    assert_eq!(e.owner, "ingesting-org");
    assert_eq!(e.sources[0].name, "exchange-test");
    assert_eq!(
        e.sources[0].item.as_deref(),
        Some("report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3")
    );
    assert!(
        e.linked(EntityKind::Country).contains(&"CN"),
        "{:?}",
        e.links
    );
    // Read twice, the same event id: ids do not depend on the run.
    let again = to_event(
        &parse_stix("vendor.json", bundle).unwrap()[0],
        gazetteer(),
        &defaults(),
    );
    assert_eq!(again.id, e.id);
}

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>Rare Earth Wire</title>
    <link>https://wire.example/</link>
    <description>Rare-earth supply news</description>
    <item>
      <title>China tightens export controls on rare earth magnets</title>
      <link>https://wire.example/2025/10/09/magnets</link>
      <guid isPermaLink="false">wire-2025-1009-01</guid>
      <pubDate>Thu, 09 Oct 2025 08:00:00 +0800</pubDate>
      <category>policy</category>
      <category>China</category>
      <description><![CDATA[<p>MOFCOM&#39;s notice covers <b>NdFeB</b> magnets &amp; the equipment to make them.</p><script>track()</script>]]></description>
    </item>
    <item>
      <title>Dysprosium oxide prices climb</title>
      <link>https://wire.example/2025/10/10/dy</link>
      <pubDate>Fri, 10 Oct 2025 09:00:00 GMT</pubDate>
      <content:encoded><![CDATA[<div>Dy oxide rose to USD 300/kg&nbsp;in Europe.</div>]]></content:encoded>
    </item>
  </channel>
</rss>
"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="text">Ministry notices</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2025-11-01T00:00:00Z</updated>
  <entry>
    <title type="html">Licence delays &lt;em&gt;ease&lt;/em&gt; for terbium</title>
    <link rel="self" href="https://ministry.example/feed/17"/>
    <link rel="alternate" href="https://ministry.example/notices/17"/>
    <id>tag:ministry.example,2025:notice-17</id>
    <updated>2025-11-01T10:00:00Z</updated>
    <category term="licensing"/>
    <summary type="html">&lt;p&gt;Terbium licences now take six weeks.&lt;/p&gt;</summary>
  </entry>
  <entry>
    <title>Untitled?</title>
    <id>tag:ministry.example,2025:notice-18</id>
    <published>2025-10-30T23:30:00-02:00</published>
    <updated>2025-11-02T10:00:00Z</updated>
    <content type="html">&lt;ul&gt;&lt;li&gt;one&lt;/li&gt;&lt;li&gt;two&lt;/li&gt;&lt;/ul&gt;</content>
  </entry>
</feed>
"#;

#[test]
fn an_rss_sample_reads() {
    let items = parse_rss("wire.xml", RSS.as_bytes()).unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(items.len(), 2);
    let a = &items[0];
    assert_eq!(a.id.as_deref(), Some("wire-2025-1009-01"));
    assert_eq!(
        a.link.as_deref(),
        Some("https://wire.example/2025/10/09/magnets")
    );
    assert_eq!(a.source.as_deref(), Some("Rare Earth Wire"));
    assert_eq!(
        a.body,
        "MOFCOM's notice covers NdFeB magnets & the equipment to make them."
    );
    assert_eq!(a.published, day("2025-10-09"));
    assert_eq!(a.categories, ["policy", "China"]);
    let b = &items[1];
    assert_eq!(b.id, None);
    assert_eq!(b.body, "Dy oxide rose to USD 300/kg in Europe.");
    assert_eq!(b.position, 2);
    let evs = ingest(&items);
    assert_eq!(evs[0].kind, Kind::ExportControl);
    assert_eq!(evs[0].sources[0].name, "Rare Earth Wire");
    assert_eq!(evs[1].kind, Kind::PriceMove);
    assert!(
        evs[1].linked(EntityKind::Element).contains(&"Dy"),
        "{:?}",
        evs[1].links
    );
    let again = ingest(&parse_rss("wire.xml", RSS.as_bytes()).unwrap());
    assert_eq!(again, evs, "the same feed, the same events");
}

#[test]
fn an_atom_sample_reads() {
    let items = parse_rss("notices.atom", ATOM.as_bytes()).unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(items.len(), 2);
    let a = &items[0];
    assert_eq!(a.title, "Licence delays ease for terbium");
    assert_eq!(
        a.link.as_deref(),
        Some("https://ministry.example/notices/17")
    );
    assert_eq!(a.id.as_deref(), Some("tag:ministry.example,2025:notice-17"));
    assert_eq!(a.body, "Terbium licences now take six weeks.");
    assert_eq!(
        a.published,
        day("2025-11-01"),
        "updated, when not published"
    );
    assert_eq!(a.categories, ["licensing"]);
    assert_eq!(a.source.as_deref(), Some("Ministry notices"));
    let b = &items[1];
    assert_eq!(b.published, day("2025-10-31"), "published, in UTC");
    assert_eq!(b.body, "one\ntwo");
    assert_eq!(b.link, None);
    let e = to_event(a, gazetteer(), &defaults());
    assert_eq!(e.kind, Kind::Licensing);
}

/// A parser, with the items dropped for the manifest's.
type Parser = fn(&str, &[u8]) -> Parsed;

/// Every parser, for the properties.
fn parsers() -> [(&'static str, Parser); 4] {
    [
        ("rss", parse_rss),
        ("stix", parse_stix),
        ("misp", parse_misp),
        ("manifest", |f, b| {
            parse_misp_manifest(f, b).map(|_| Vec::new())
        }),
    ]
}

/// A valid document of each format.
fn samples() -> Vec<Vec<u8>> {
    let evs = events();
    let misp = to_misp_feed(&evs);
    let file = |name: &str| {
        misp.iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone().into_bytes())
            .unwrap_or_default()
    };
    let event_file = misp
        .iter()
        .find(|(n, _)| n != "manifest.json")
        .map(|(_, t)| t.clone().into_bytes())
        .unwrap_or_default();
    vec![
        RSS.as_bytes().to_vec(),
        ATOM.as_bytes().to_vec(),
        to_stix_bundle(&evs, "2025-10-09T08:00:00Z").into_bytes(),
        event_file,
        file("manifest.json"),
    ]
}

fn all_diagnostics_are_readable(r: &Parsed) -> bool {
    match r {
        Ok(_) => true,
        Err(d) => !d.is_empty() && d.iter().all(|x| x.line >= 1 && !x.message.is_empty()),
    }
}

#[test]
fn huge_fields_are_diagnosed_not_panicked_on() {
    let big = "rare earth ".repeat(200_000); // 2.2 MB
    let rss = format!(
        r#"<rss version="2.0"><channel><title>W</title><item><title>t</title><description>{big}</description></item></channel></rss>"#
    );
    let d = parse_rss("big.xml", rss.as_bytes()).unwrap_err();
    assert!(d.iter().any(|x| x.field == "body"), "{d:?}");
    let mut e = events().remove(0);
    e.title = big.trim().to_string();
    let d = parse_stix(
        "big.json",
        to_stix_bundle(&[e.clone()], "2025-10-09T08:00:00Z").as_bytes(),
    )
    .unwrap_err();
    assert!(d.iter().any(|x| x.field == "title"), "{d:?}");
    let misp = to_misp_feed(&[e]);
    let d = parse_misp("big.json", misp[0].1.as_bytes()).unwrap_err();
    assert!(d.iter().any(|x| x.field == "title"), "{d:?}");
    let key = "k".repeat(2_000_000);
    let d =
        parse_misp_manifest("manifest.json", format!("{{\"{key}\":{{}}}}").as_bytes()).unwrap_err();
    assert!(d[0].message.len() < 200, "messages stay short");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_xml = format!(
        r#"<rss version="2.0"><channel><title>W</title>{}"#,
        "<item><title>".repeat(50_000)
    );
    for (name, parse) in parsers() {
        let bytes = if name == "rss" {
            deep_xml.as_bytes()
        } else {
            deep_json.as_bytes()
        };
        let r = parse("deep", bytes);
        assert!(all_diagnostics_are_readable(&r), "{name}");
    }
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// Text of the kind a feed carries: words, markup, entities, quotes,
/// control characters, non-ASCII.
fn texty() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            6 => "[a-zA-Z0-9 ]{1,8}",
            1 => Just("<p>".to_string()),
            1 => Just("&amp;".to_string()),
            1 => Just("\"".to_string()),
            1 => Just("\\".to_string()),
            1 => Just("\n".to_string()),
            1 => Just("Dy oxide".to_string()),
            1 => Just("China".to_string()),
            1 => Just("レアアース".to_string()),
            1 => any::<char>().prop_map(String::from),
        ],
        1..20,
    )
    .prop_map(|v| v.concat())
}

fn tlp() -> impl Strategy<Value = Tlp> {
    prop::sample::select(vec![
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ])
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..800)) {
        for (_, parse) in parsers() {
            let r = parse("random", &bytes);
            prop_assert!(all_diagnostics_are_readable(&r));
        }
    }

    #[test]
    fn truncated_or_corrupted_documents_never_panic(
        which in 0usize..5,
        cut in 0.0f64..1.0,
        flip in prop::option::of((0.0f64..1.0, any::<u8>())),
    ) {
        let mut doc = samples().swap_remove(which);
        let n = (doc.len() as f64 * cut) as usize;
        doc.truncate(n);
        if let Some((at, b)) = flip {
            if !doc.is_empty() {
                let i = ((doc.len() as f64 * at) as usize).min(doc.len() - 1);
                doc[i] = b;
            }
        }
        for (_, parse) in parsers() {
            let r = parse("cut", &doc);
            prop_assert!(all_diagnostics_are_readable(&r));
        }
    }

    #[test]
    fn huge_random_fields_never_panic(
        which in 0usize..5,
        filler in prop::sample::select(vec!["x", "<b>", "&amp;", "é", "\\u0000", "]]>", "\"", "\u{1F600}"]),
        repeat in 1usize..300_000,
    ) {
        let doc = String::from_utf8_lossy(&samples().swap_remove(which)).into_owned();
        let big = filler.repeat(repeat);
        // Into the middle of the first string value or text node.
        let at = doc.find("Rare Earth Wire").or_else(|| doc.find("Licence")).or_else(|| doc.find("China")).unwrap_or(0);
        let doc = format!("{}{}{}", &doc[..at], big, &doc[at..]);
        for (_, parse) in parsers() {
            let r = parse("huge", doc.as_bytes());
            prop_assert!(all_diagnostics_are_readable(&r));
        }
    }

    #[test]
    fn any_event_round_trips_through_stix_and_misp(
        title in texty(),
        body in texty(),
        source in "[A-Za-z][A-Za-z ]{0,10}",
        item in "[a-z0-9:/.-]{1,30}",
        tlp in tlp(),
        kind in prop::sample::select(Kind::ALL.to_vec()),
        sev in prop::sample::select(vec![Severity::Low, Severity::Medium, Severity::High, Severity::Critical]),
        status in prop::sample::select(vec![Status::Rumour, Status::Reported, Status::Confirmed, Status::Resolved]),
        share in prop::option::of(0u32..=100),
        day_n in 0i64..20_000,
    ) {
        let mut e = events().remove(0);
        e.title = title.trim().to_string();
        prop_assume!(!e.title.is_empty());
        e.body = body.trim().to_string();
        e.sources[0].name = source.trim().to_string();
        e.sources[0].item = Some(item);
        e.tlp = tlp;
        e.kind = kind;
        e.severity = sev;
        e.status = status;
        e.facts.allowed_share = share.map(|s| f64::from(s) / 100.0);
        let d = Day::parse("1990-01-01").unwrap().ordinal() + day_n;
        let (y, m, dd) = civil(d);
        e.published = Day::parse(&format!("{y:04}-{m:02}-{dd:02}"));
        e.links = gazetteer().link(&format!("{}\n{}", e.title, e.body));
        let evs = vec![e];

        let bundle = to_stix_bundle(&evs, "2025-10-09T08:00:00Z");
        let items = parse_stix("p.json", bundle.as_bytes());
        prop_assert!(items.is_ok(), "{:?}", items);
        prop_assert_eq!(&ingest(&items.unwrap()), &evs);

        let files = to_misp_feed(&evs);
        let items = parse_misp("p.json", files[0].1.as_bytes());
        prop_assert!(items.is_ok(), "{:?}", items);
        prop_assert_eq!(&ingest(&items.unwrap()), &evs);
    }
}

/// The civil date of a day count since 1970-01-01 (Hinnant's
/// civil_from_days).
fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}
