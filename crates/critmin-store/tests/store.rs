//! The store's contract: migrations in order, idempotent ingest, the same
//! story from two sources kept as one event with both, edits recorded as
//! updates, search by text, entity and day.

use critmin_intel::event::{
    Day, EntityKind, Event, Facts, Kind, Link, Severity, SourceRef, Status, Tlp,
};
use critmin_store::{Query, Store, StoreError, schema_version};

fn event(id: &str, source: &str, item: &str, title: &str, day: &str) -> Event {
    Event {
        id: id.into(),
        published: Day::parse(day),
        observed: None,
        valid_from: None,
        valid_to: None,
        title: title.into(),
        body: format!("{title}. More text about the measure."),
        sources: vec![SourceRef {
            name: source.into(),
            link: Some(format!("https://{source}/{item}")),
            item: Some(item.into()),
        }],
        kind: Kind::ExportControl,
        links: vec![Link {
            kind: EntityKind::Element,
            id: "Dy".into(),
            alias: "dysprosium".into(),
        }],
        severity: Severity::High,
        status: Status::Reported,
        admiralty: critmin_intel::event::Admiralty::parse("B2"),
        tlp: Tlp::Green,
        owner: "jogmec".into(),
        share_with: vec![],
        facts: Facts {
            elements: vec!["Dy".into()],
            ..Facts::default()
        },
    }
}

#[test]
fn a_new_store_is_at_the_current_version_and_a_newer_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("intel.db");
    let s = Store::open(&path).unwrap();
    assert_eq!(s.version().unwrap(), schema_version());
    drop(s);
    // Reopening migrates nothing and keeps the version.
    assert_eq!(
        Store::open(&path).unwrap().version().unwrap(),
        schema_version()
    );
    {
        let c = rusqlite_like_bump(&path, schema_version() + 1);
        assert!(c);
    }
    match Store::open(&path) {
        Err(StoreError::TooNew { found, known, .. }) => {
            assert_eq!((found, known), (schema_version() + 1, schema_version()));
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a store from a newer critmin opened"),
    }
}

/// Sets the store's `user_version` through a second connection.
fn rusqlite_like_bump(path: &std::path::Path, v: i64) -> bool {
    let s = Store::open(path).unwrap();
    s.set_version_for_tests(v).is_ok()
}

#[test]
fn re_ingesting_is_idempotent_and_an_edit_is_an_update() {
    let mut s = Store::in_memory().unwrap();
    let evs = vec![
        event(
            "ev-1",
            "mofcom",
            "n18",
            "China controls dysprosium exports",
            "2025-04-04",
        ),
        event(
            "ev-2",
            "reuters",
            "r9",
            "Lynas flood halts Kalgoorlie",
            "2025-05-01",
        ),
    ];
    let a = s.ingest("f.jsonl", "jsonl", &evs, 0).unwrap();
    assert_eq!((a.added, a.unchanged), (2, 0));
    let before = s.content_digest().unwrap();
    let b = s.ingest("f.jsonl", "jsonl", &evs, 0).unwrap();
    assert_eq!((b.added, b.merged, b.updated, b.unchanged), (0, 0, 0, 2));
    assert_eq!(s.content_digest().unwrap(), before);
    let mut edited = evs[1].clone();
    edited.status = Status::Confirmed;
    let c = s.ingest("g.jsonl", "jsonl", &[edited], 0).unwrap();
    assert_eq!((c.updated, c.added), (1, 0));
    assert_eq!(s.get("ev-2").unwrap().unwrap().status, Status::Confirmed);
    assert_eq!(s.get("ev-1").unwrap().unwrap(), {
        let mut e = evs[0].clone();
        e.links.sort();
        e
    });
}

#[test]
fn the_same_story_from_two_sources_is_one_event_with_both() {
    let mut s = Store::in_memory().unwrap();
    let a = event(
        "ev-a",
        "mofcom",
        "n18",
        "China adds dysprosium to export control list",
        "2025-04-04",
    );
    let b = event(
        "ev-b",
        "nikkei",
        "x77",
        "China adds dysprosium to its export control list",
        "2025-04-05",
    );
    s.ingest("a", "jsonl", &[a], 0).unwrap();
    let r = s.ingest("b", "jsonl", std::slice::from_ref(&b), 0).unwrap();
    assert_eq!((r.added, r.merged), (0, 1));
    let all = s.all().unwrap();
    assert_eq!(all.len(), 1);
    let names: Vec<&str> = all[0].sources.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["mofcom", "nikkei"]);
    // The second source's item is now known: re-ingesting it is no change.
    let r = s.ingest("b", "jsonl", &[b], 0).unwrap();
    assert_eq!(r.unchanged, 1);
    // A different story on another day is its own event.
    let c = event(
        "ev-c",
        "nikkei",
        "x78",
        "Japan stockpiles terbium oxide",
        "2025-06-01",
    );
    assert_eq!(s.ingest("c", "jsonl", &[c], 0).unwrap().added, 1);
}

#[test]
fn search_by_text_entity_kind_and_day() {
    let mut s = Store::in_memory().unwrap();
    let mut e2 = event(
        "ev-2",
        "reuters",
        "r9",
        "Flood halts Kalgoorlie cracking plant",
        "2025-05-01",
    );
    e2.kind = Kind::FacilityOutage;
    e2.links = vec![Link {
        kind: EntityKind::Facility,
        id: "kalgoorlie".into(),
        alias: "Kalgoorlie".into(),
    }];
    let evs = vec![
        event(
            "ev-1",
            "mofcom",
            "n18",
            "China controls dysprosium exports",
            "2025-04-04",
        ),
        e2,
    ];
    s.ingest("f", "jsonl", &evs, 0).unwrap();
    let ids = |q: &Query| -> Vec<String> { s.find(q).unwrap().into_iter().map(|e| e.id).collect() };
    assert_eq!(
        ids(&Query {
            text: Some("flood".into()),
            ..Query::default()
        }),
        ["ev-2"]
    );
    assert_eq!(
        ids(&Query {
            entity: Some((EntityKind::Element, "Dy".into())),
            ..Query::default()
        }),
        ["ev-1"]
    );
    assert_eq!(
        ids(&Query {
            kinds: vec![Kind::FacilityOutage],
            ..Query::default()
        }),
        ["ev-2"]
    );
    assert_eq!(
        ids(&Query {
            since: Day::parse("2025-04-10"),
            ..Query::default()
        }),
        ["ev-2"]
    );
    assert_eq!(ids(&Query::default()), ["ev-2", "ev-1"]);
    assert_eq!(s.integrity_check().unwrap(), "ok");
}

#[test]
fn a_version_1_store_migrates_to_the_current_schema_and_keeps_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("intel.db");
    // A store exactly as version 1 wrote it: its one migration, its
    // version, and an event written through the current code (the events
    // tables have not changed since).
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(critmin_store::MIGRATIONS[0]).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
    }
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        let tables: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('rules', 'alerts')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0);
    }
    // Opening migrates in order; ingest and alerts work on the result.
    let mut s = Store::open(&path).unwrap();
    assert_eq!(s.version().unwrap(), schema_version());
    assert!(schema_version() >= 2);
    let e = event("ev-1", "mofcom", "n18", "China controls Dy", "2025-04-04");
    s.ingest("f.jsonl", "jsonl", std::slice::from_ref(&e), 0)
        .unwrap();
    s.set_rules("JP", "org = \"JP\"", "2026-01-01T00:00Z")
        .unwrap();
    assert_eq!(s.rules().unwrap().len(), 1);
    assert_eq!(s.integrity_check().unwrap(), "ok");
}

#[test]
fn an_alert_is_raised_once_and_delivered_once() {
    use critmin_intel::alert::{Alert, AlertKind, Stamp};
    let mut s = Store::in_memory().unwrap();
    let t = Stamp::parse("2026-11-01T09:00Z").unwrap();
    let a = Alert {
        id: Alert::make_id("JP", "heavy", AlertKind::Event, "ev-1", None),
        org: "JP".into(),
        rule: "heavy".into(),
        kind: AlertKind::Event,
        event: "ev-1".into(),
        title: "China controls Dy".into(),
        severity: Severity::High,
        tlp: Tlp::Green,
        raised_at: t,
        deliver_after: Stamp(t.0 + 60),
        digest: false,
        due: None,
        reasons: vec!["element: Dy".into()],
        impact: vec![],
    };
    assert_eq!(s.raise(std::slice::from_ref(&a)).unwrap().len(), 1);
    // Raised again (a re-ingest, an edit, the schedule): nothing new.
    let mut later = a.clone();
    later.raised_at = Stamp(t.0 + 600);
    assert!(s.raise(&[later]).unwrap().is_empty());
    let now = t.to_string();
    assert!(
        s.alerts(None, None, Some(&now)).unwrap().is_empty(),
        "held an hour"
    );
    let due = Stamp(t.0 + 60).to_string();
    let got = s.alerts(Some("JP"), None, Some(&due)).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, a);
    s.mark_delivered(std::slice::from_ref(&a.id), &due).unwrap();
    assert!(s.alerts(None, None, Some(&due)).unwrap().is_empty());
    let all = s.alerts(Some("JP"), Some("2026-11-01"), None).unwrap();
    assert_eq!(all[0].1.as_deref(), Some(due.as_str()));
    assert!(s.alerts(Some("US"), None, None).unwrap().is_empty());
}

#[test]
fn the_same_story_under_another_marking_stays_its_own_event() {
    let mut s = Store::in_memory().unwrap();
    let a = event(
        "ev-a",
        "mofcom",
        "n18",
        "China adds dysprosium to export control list",
        "2025-04-04",
    );
    s.ingest("a", "jsonl", &[a], 0).unwrap();
    // The same words, but RED, AMBER for KR, or another owner's AMBER:
    // each a new event, and the GREEN one keeps its one source.
    let mut red = event(
        "ev-r",
        "desk",
        "r1",
        "China adds dysprosium to its export control list",
        "2025-04-05",
    );
    red.tlp = Tlp::Red;
    let mut amber = event(
        "ev-m",
        "desk",
        "m1",
        "China adds dysprosium to its export control list",
        "2025-04-05",
    );
    amber.tlp = Tlp::Amber;
    amber.share_with = vec!["KR".into()];
    let mut other = event(
        "ev-o",
        "desk",
        "o1",
        "China adds dysprosium to its export control list",
        "2025-04-05",
    );
    other.owner = "dla".into();
    other.tlp = Tlp::Amber;
    let r = s.ingest("b", "jsonl", &[red, amber, other], 0).unwrap();
    assert_eq!((r.added, r.merged), (3, 0));
    assert_eq!(s.get("ev-a").unwrap().unwrap().sources.len(), 1);
}
