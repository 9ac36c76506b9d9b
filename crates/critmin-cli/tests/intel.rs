//! `critmin intel` end to end, from files: ingest is all or nothing and
//! idempotent, the same story from two sources is one event, and a Chinese
//! export-control notice on Dy and Tb projects unmet demand for the US and
//! Japan with a Monte Carlo band while a discovery changes nothing.

use std::path::Path;
use std::process::{Command, Output};

fn critmin(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(args)
        .current_dir(cwd)
        .env_remove("XDG_DATA_HOME")
        .output()
        .expect("run critmin")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).to_string()
}

const NOTICE: &str = r#"{"id":"mofcom-2025-18","source":"MOFCOM","title":"MOFCOM adds dysprosium and terbium to export control list","body":"Exporters of Dy and Tb oxide, metal and magnets need a licence; Japanese and US buyers expect delays.","published":"2025-04-04","kind":"export_control","admiralty":"A1","tlp":"TLP:CLEAR","facts":{"allowed_share":0.3}}
{"id":"nk-1","source":"Nikkei","title":"MOFCOM adds dysprosium and terbium to its export control list","body":"Exporters of Dy and Tb need a licence from April.","published":"2025-04-05","kind":"export_control","tlp":"TLP:CLEAR"}
{"id":"disc-1","source":"Junior miner","title":"Drilling finds new rare earth deposit in Greenland","body":"Assays show high grades of NdPr in a new zone.","published":"2025-04-02","kind":"discovery"}
"#;

fn events(db: &Path, dir: &Path) -> serde_json::Value {
    let out = ok(&critmin(
        &[
            "intel",
            "list",
            "--db",
            db.to_str().unwrap(),
            "--format",
            "json",
        ],
        dir,
    ));
    serde_json::from_str(&out).unwrap()
}

#[test]
fn ingest_is_all_or_nothing_idempotent_and_merges_one_story() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("notice.jsonl"), NOTICE).unwrap();
    let db = d.join("intel.db");
    let dbs = db.to_str().unwrap();
    ok(&critmin(
        &["intel", "ingest", "notice.jsonl", "--db", dbs],
        d,
    ));
    let first = events(&db, d);
    let list = first["events"].as_array().unwrap();
    assert_eq!(
        list.len(),
        2,
        "the two tellings of the notice are one event"
    );
    let notice = list.iter().find(|e| e["kind"] == "export_control").unwrap();
    assert_eq!(notice["sources"].as_array().unwrap().len(), 2);
    // Re-ingesting changes nothing.
    let again = ok(&critmin(
        &["intel", "ingest", "notice.jsonl", "--db", dbs],
        d,
    ));
    assert!(again.contains("0 new events"), "{again}");
    assert_eq!(events(&db, d)["events"], first["events"]);
    // A malformed file beside a good one: exit 2, file:line, nothing stored.
    std::fs::write(
        d.join("more.jsonl"),
        "{\"title\":\"Lynas restarts Kalgoorlie\"}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("bad.jsonl"),
        "{\"title\":\"ok\"}\n{\"title\":\"x\",\"kind\":\"war\"}\n",
    )
    .unwrap();
    let o = critmin(
        &["intel", "ingest", "more.jsonl", "bad.jsonl", "--db", dbs],
        d,
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.jsonl:2") && err.contains("kind"), "{err}");
    assert_eq!(events(&db, d)["events"], first["events"]);
}

#[test]
fn an_export_control_on_dy_and_tb_projects_a_shortfall_and_a_discovery_none() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("notice.jsonl"), NOTICE).unwrap();
    let db = d.join("intel.db");
    let dbs = db.to_str().unwrap();
    ok(&critmin(
        &["intel", "ingest", "notice.jsonl", "--db", dbs],
        d,
    ));
    let list = events(&db, d);
    let id = |kind: &str| -> String {
        list["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == kind)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let assess = |ev: &str| -> serde_json::Value {
        let out = ok(&critmin(
            &[
                "intel",
                "assess",
                ev,
                "--db",
                dbs,
                "--runs",
                "40",
                "--horizon",
                "18",
                "--partners",
                "US,JP",
                "--format",
                "json",
            ],
            d,
        ));
        serde_json::from_str(&out).unwrap()
    };
    let control = assess(&id("export_control"));
    let r = &control;
    assert!(
        r["scenario_toml"]
            .as_str()
            .unwrap()
            .contains("export_restriction")
    );
    assert_eq!(control["provenance"]["seed"], 1);
    for p in r["partners"].as_array().unwrap() {
        let added = p["added_unmet_share"].as_f64().unwrap();
        let p95 = p["unmet_share_p95"].as_f64().unwrap();
        let p5 = p["unmet_share_p5"].as_f64().unwrap();
        assert!(added > 0.0, "{p}");
        assert!(p95 > 0.0 && p95 >= p5, "{p}");
    }
    let discovery = assess(&id("discovery"));
    let r = &discovery;
    assert!(!r["scenario_toml"].as_str().unwrap().contains("[[event]]"));
    for p in r["partners"].as_array().unwrap() {
        assert_eq!(p["added_unmet_share"].as_f64().unwrap(), 0.0, "{p}");
    }
}

const JP_RULES: &str = r#"org = "JP-METI"
utc_offset = "+09:00"
runs = 40

[[rule]]
name = "heavy-rare-earths"
elements = ["Dy", "Tb"]
partners = ["JP"]
unmet_share_above = 0.001

[[deliver]]
to = "stdout"

[[deliver]]
to = "jsonl"
path = "alerts-JP.jsonl"
"#;

fn alerts_json(db: &str, dir: &Path, org: &str) -> Vec<serde_json::Value> {
    let out = ok(&critmin(
        &[
            "intel", "alerts", "--db", db, "--org", org, "--format", "json",
        ],
        dir,
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["alerts"].as_array().unwrap().clone()
}

#[test]
fn a_dy_tb_notice_alerts_japan_and_the_us_once_and_a_discovery_stays_below_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A discovery that names the watched elements: watched, assessed, and
    // below the threshold (the simulator has nothing to change for it).
    let notice = format!(
        "{NOTICE}{}\n",
        r#"{"id":"disc-2","source":"Explorer","title":"Explorer reports dysprosium and terbium grades at Canadian prospect","body":"First assays from the Nechalacho extension show dysprosium and terbium.","published":"2025-04-03","kind":"discovery"}"#
    );
    std::fs::write(d.join("notice.jsonl"), &notice).unwrap();
    std::fs::write(d.join("jp.toml"), JP_RULES).unwrap();
    let us = JP_RULES
        .replace("JP-METI", "US-DOE")
        .replace("+09:00", "-05:00")
        .replace("\"JP\"", "\"US\"")
        .replace("alerts-JP", "alerts-US");
    std::fs::write(d.join("us.toml"), us).unwrap();
    let db = d.join("intel.db");
    let dbs = db.to_str().unwrap();
    for f in ["jp.toml", "us.toml"] {
        ok(&critmin(&["intel", "rules", "set", f, "--db", dbs], d));
    }
    let out = ok(&critmin(
        &[
            "intel",
            "ingest",
            "notice.jsonl",
            "--db",
            dbs,
            "--now",
            "2026-12-04T03:00Z",
        ],
        d,
    ));
    assert!(out.contains("ALERT JP-METI [heavy-rare-earths]"), "{out}");
    assert!(out.contains("ALERT US-DOE [heavy-rare-earths]"), "{out}");
    let events = events(&db, d);
    let discovery = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "discovery" && e["title"].as_str().unwrap().contains("terbium"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (org, partner) in [("JP-METI", "JP"), ("US-DOE", "US")] {
        let alerts = alerts_json(dbs, d, org);
        assert_eq!(alerts.len(), 1, "{org}: {alerts:?}");
        let a = &alerts[0];
        assert_eq!(a["kind"], "event");
        assert_ne!(
            a["event"],
            discovery.as_str(),
            "the discovery raised an alert"
        );
        assert_eq!(a["delivered_at"], "2026-12-04T03:00Z");
        let i = &a["impact"][0];
        assert_eq!(i["partner"], partner);
        let added = i["added_unmet_share"].as_f64().unwrap();
        let (p5, p95) = (
            i["unmet_share_p5"].as_f64().unwrap(),
            i["unmet_share_p95"].as_f64().unwrap(),
        );
        assert!(added > 0.001, "{org}: {i}");
        assert!(p95 > p5 && p95 > 0.0, "{org}: no band: {i}");
        // Delivered to its JSON-lines file too, once.
        let lines = std::fs::read_to_string(d.join(format!("alerts-{partner}.jsonl"))).unwrap();
        assert_eq!(lines.lines().count(), 1, "{lines}");
        let msg: serde_json::Value = serde_json::from_str(lines.trim()).unwrap();
        assert_eq!(msg["alerts"][0]["id"], a["id"]);
    }
    assert!(
        out.contains(&format!(
            "below threshold: JP-METI [heavy-rare-earths] {discovery}"
        )),
        "{out}"
    );
    // No storm: re-ingesting, editing the old events and the schedule's
    // evaluation raise and deliver nothing more.
    ok(&critmin(
        &[
            "intel",
            "ingest",
            "notice.jsonl",
            "--db",
            dbs,
            "--now",
            "2026-12-04T04:00Z",
        ],
        d,
    ));
    std::fs::write(
        d.join("edited.jsonl"),
        notice.replace("expect delays", "expect long delays"),
    )
    .unwrap();
    let out = ok(&critmin(
        &[
            "intel",
            "ingest",
            "edited.jsonl",
            "--db",
            dbs,
            "--now",
            "2026-12-04T05:00Z",
        ],
        d,
    ));
    assert!(out.contains("1 updated"), "{out}");
    assert!(out.contains(" 0 raised"), "{out}");
    let out = ok(&critmin(
        &[
            "intel",
            "evaluate",
            "--db",
            dbs,
            "--now",
            "2026-12-05T00:00Z",
        ],
        d,
    ));
    assert!(out.contains(" 0 raised, 0 delivered"), "{out}");
    for (org, partner) in [("JP-METI", "JP"), ("US-DOE", "US")] {
        assert_eq!(alerts_json(dbs, d, org).len(), 1);
        let lines = std::fs::read_to_string(d.join(format!("alerts-{partner}.jsonl"))).unwrap();
        assert_eq!(lines.lines().count(), 1);
    }
}

#[test]
fn deadlines_quiet_hours_and_a_webhook_on_loopback() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // China's suspension of its October 2025 controls ends 2026-11-10.
    std::fs::write(
        d.join("suspension.jsonl"),
        r#"{"id":"mofcom-2025-70","source":"MOFCOM","title":"China suspends its October 2025 rare earth export controls for a year","body":"The suspension of the controls on dysprosium and terbium technologies runs until 10 November 2026.","published":"2025-11-07","valid_to":"2026-11-10","kind":"policy","admiralty":"A1"}
"#,
    )
    .unwrap();
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let rules = format!(
        r#"org = "JP-METI"
utc_offset = "+09:00"
quiet_hours = "22:00-07:00"

[[rule]]
name = "suspension-ends"
elements = ["Dy"]
kinds = ["policy"]
deadline_lead_days = 30
digest = true

[[deliver]]
to = "webhook"
url = "http://127.0.0.1:{port}/critmin"
"#
    );
    std::fs::write(d.join("jp.toml"), rules).unwrap();
    let db = d.join("intel.db");
    let dbs = db.to_str().unwrap();
    ok(&critmin(
        &["intel", "rules", "set", "jp.toml", "--db", dbs],
        d,
    ));
    // The server takes one request.
    let server = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = s.read(&mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got).to_string();
            if let Some(i) = text.find("\r\n\r\n") {
                let len: usize = text
                    .lines()
                    .find_map(|l| l.strip_prefix("Content-Length: "))
                    .unwrap()
                    .trim()
                    .parse()
                    .unwrap();
                if got.len() >= i + 4 + len {
                    s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                        .unwrap();
                    return text[i + 4..].to_string();
                }
            }
            assert!(n > 0, "the request ended early");
        }
    });
    // 23:30 in Tokyo, 2026-10-20 (21 days before the end): the event
    // (a watch-only rule) and its deadline raise an alert each, held for
    // the digest.
    let out = ok(&critmin(
        &[
            "intel",
            "ingest",
            "suspension.jsonl",
            "--db",
            dbs,
            "--now",
            "2026-10-20T14:30Z",
        ],
        d,
    ));
    assert!(out.contains(" 2 raised, 0 delivered"), "{out}");
    assert!(out.contains(", 2 held"), "{out}");
    // At 07:05 in Tokyo the quiet hours are over but the digest is at 08:00.
    let out = ok(&critmin(
        &[
            "intel",
            "evaluate",
            "--db",
            dbs,
            "--now",
            "2026-10-20T22:05Z",
        ],
        d,
    ));
    assert!(out.contains(" 0 raised, 0 delivered"), "{out}");
    // At 08:05 the schedule sends the digest, one message, to the webhook.
    let out = ok(&critmin(
        &[
            "intel",
            "evaluate",
            "--db",
            dbs,
            "--now",
            "2026-10-20T23:05Z",
        ],
        d,
    ));
    assert!(out.contains(" 0 raised, 2 delivered"), "{out}");
    let body = server.join().unwrap();
    let msg: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(msg["kind"], "digest");
    assert_eq!(msg["alerts"].as_array().unwrap().len(), 2);
    let a = msg["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "deadline")
        .unwrap();
    assert_eq!(a["kind"], "deadline");
    assert_eq!(a["due"], "2026-11-10");
    assert!(
        a["reasons"]
            .to_string()
            .contains("ends 2026-11-10: in 21 days"),
        "{a}"
    );
    let listed = alerts_json(dbs, d, "JP-METI");
    assert_eq!(listed[0]["delivered_at"], "2026-10-20T23:05Z");
    // A bad rules file is refused at its line and nothing changes.
    std::fs::write(
        d.join("bad.toml"),
        "org = \"JP-METI\"\n[[rule]]\nname = \"x\"\nelements = [\"Dy\", \"Xx\"]\n",
    )
    .unwrap();
    let o = critmin(&["intel", "rules", "set", "bad.toml", "--db", dbs], d);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml:4") && err.contains("Xx"), "{err}");
    let rules = ok(&critmin(&["intel", "rules", "list", "--db", dbs], d));
    assert!(rules.contains("suspension-ends"), "{rules}");
}

#[test]
fn an_export_ingested_elsewhere_keeps_every_event_and_marking_and_withholds_by_tlp() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Three markings: CLEAR (the notice), AMBER shared with KR, RED.
    let marked = format!(
        "{NOTICE}{}\n{}\n",
        r#"{"id":"amb-1","source":"JOGMEC","title":"Japanese trader reports Dy oxide shipments held at Tianjin","body":"Licences for Dy oxide to Japan are taking longer than 45 working days.","published":"2025-06-01","kind":"licensing","tlp":"TLP:AMBER","owner":"JP-METI","share_with":["KR-KIGAM"],"facts":{"licence_months":3}}"#,
        r#"{"id":"red-1","source":"JOGMEC","title":"JOGMEC stockpile release plan for Tb","body":"Release of terbium stock to magnet makers.","published":"2025-06-02","kind":"policy","tlp":"TLP:RED","owner":"JP-METI"}"#
    );
    std::fs::write(d.join("marked.jsonl"), marked).unwrap();
    let a = d.join("a.db");
    let b = d.join("b.db");
    let c = d.join("c.db");
    let (a, b, c) = (
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        c.to_str().unwrap(),
    );
    ok(&critmin(&["intel", "ingest", "marked.jsonl", "--db", a], d));
    let before = events(Path::new(a), d);
    for (format, out) in [("stix", "bundle.json"), ("misp-feed", "feed")] {
        let o = ok(&critmin(
            &[
                "intel",
                "export",
                "--format",
                format,
                "--out",
                out,
                "--all",
                "--db",
                a,
                "--now",
                "2026-12-04T00:00Z",
            ],
            d,
        ));
        // The notice told by two sources is one event.
        assert!(o.contains("4 events written"), "{o}");
        let db = if format == "stix" { b } else { c };
        ok(&critmin(&["intel", "ingest", out, "--db", db], d));
        let after = events(Path::new(db), d);
        assert_eq!(
            after["events"], before["events"],
            "{format}: the round trip changed the events"
        );
    }
    // For KR: the AMBER item shared with it, not the RED one.
    let o = ok(&critmin(
        &[
            "intel", "export", "--format", "stix", "--out", "kr.json", "--for", "KR-KIGAM", "--db",
            a,
        ],
        d,
    ));
    assert!(
        o.contains("3 events written") && o.contains("1 withheld"),
        "{o}"
    );
    let kr = std::fs::read_to_string(d.join("kr.json")).unwrap();
    assert!(kr.contains("held at Tianjin") && !kr.contains("release plan"));
    // For nobody in particular: CLEAR and GREEN only.
    let o = ok(&critmin(
        &[
            "intel", "export", "--format", "stix", "--out", "pub.json", "--db", a,
        ],
        d,
    ));
    assert!(
        o.contains("2 events written") && o.contains("2 withheld"),
        "{o}"
    );
}
