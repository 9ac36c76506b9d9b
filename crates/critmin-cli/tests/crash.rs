//! A large ingest killed with SIGKILL at random points loses nothing it
//! committed: after every kill the store passes `PRAGMA integrity_check`,
//! holds exactly the events its committed ingests added (no file half
//! stored), and re-ingesting the same files reaches the same content as an
//! ingest that was never interrupted. Also prints the ingest's throughput
//! (a figure for the record, never asserted: this machine is noisy).
//!
//! `CRITMIN_CRASH_EVENTS` (default 10,000) and `CRITMIN_CRASH_KILLS`
//! (default 6) size it.

use critmin_store::Store;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }
}

/// `n` realistic events in files of 500, JSON lines.
fn write_feed(dir: &Path, n: usize) {
    let mut r = Rng(20_261_204);
    let subjects = [
        "Lynas",
        "MP Materials",
        "Iluka",
        "Neo Performance Materials",
        "Solvay",
        "Energy Fuels",
        "Shin-Etsu",
        "JL Mag",
        "Arafura",
        "Mountain Pass",
        "Mt Weld",
        "Kuantan",
        "Baotou",
    ];
    let elements = [
        "dysprosium",
        "terbium",
        "neodymium",
        "praseodymium",
        "samarium",
        "yttrium",
        "NdPr",
        "lanthanum",
        "cerium",
        "europium",
    ];
    let kinds = [
        ("export_control", "restricts exports of"),
        ("facility_outage", "halts output of"),
        ("facility_start", "starts producing"),
        ("financing", "secures funding for"),
        ("price_move", "sees prices jump for"),
        ("trade_data", "reports shipments of"),
        ("policy", "sets new rules on"),
        ("discovery", "reports new grades of"),
    ];
    let files = n.div_ceil(500);
    for f in 0..files {
        let mut text = String::new();
        for i in 0..500.min(n - f * 500) {
            let k = f * 500 + i;
            let (kind, verb) = kinds[(r.next() % kinds.len() as u64) as usize];
            let who = r.pick(&subjects);
            let what = r.pick(&elements);
            let day = 1 + r.next() % 28;
            let month = 1 + r.next() % 12;
            let year = 2015 + r.next() % 11;
            text.push_str(&format!(
                "{{\"id\":\"syn-{k}\",\"source\":\"wire-{}\",\"title\":\"{who} {verb} {what} (report {k})\",\"body\":\"Item {k}: {who} {verb} {what}; sources say the change follows talks in week {}.\",\"published\":\"{year}-{month:02}-{day:02}\",\"kind\":\"{kind}\"}}\n",
                k % 7,
                r.next() % 52
            ));
        }
        std::fs::write(dir.join(format!("feed-{f:03}.jsonl")), text).unwrap();
    }
}

fn ingest(feed: &Path, db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_critmin"));
    c.args(["intel", "ingest", "--no-alerts", "--db"])
        .arg(db)
        .arg(feed)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Integrity, and exactly the events the committed ingests added.
fn check(db: &Path) -> (usize, usize) {
    let s = Store::open(db).unwrap();
    assert_eq!(s.integrity_check().unwrap(), "ok");
    let log = s.ingest_log().unwrap();
    let added: i64 = log.iter().map(|x| x.3).sum();
    let events = s.all().unwrap().len();
    assert_eq!(
        events as i64, added,
        "the store holds {events} events but its committed ingests added {added}"
    );
    (log.len(), events)
}

#[test]
fn killing_a_large_ingest_loses_nothing_committed() {
    let n: usize = std::env::var("CRITMIN_CRASH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let kills: usize = std::env::var("CRITMIN_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed");
    std::fs::create_dir(&feed).unwrap();
    write_feed(&feed, n);

    // The reference: one uninterrupted ingest, timed.
    let clean = dir.path().join("clean.db");
    let t = Instant::now();
    assert!(ingest(&feed, &clean).status().unwrap().success());
    let secs = t.elapsed().as_secs_f64();
    let (_, stored) = check(&clean);
    eprintln!(
        "ingest of {n} events ({stored} stored after merging) in {secs:.2} s: {:.0} events/s (this build's profile; the figure, not a test)",
        n as f64 / secs
    );
    let want = Store::open(&clean).unwrap().content_digest().unwrap();

    // Each time a fresh ingest, killed at a point spread over the clean
    // run's length, then completed by re-ingesting the same files.
    let mut r = Rng(7);
    for k in 0..kills {
        let db = dir.path().join(format!("killed-{k}.db"));
        let at = Duration::from_secs_f64(secs * (0.05 + 0.9 * (r.next() % 1000) as f64 / 1000.0));
        let mut child = ingest(&feed, &db).spawn().unwrap();
        std::thread::sleep(at);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        let (ingests, events) = if db.exists() { check(&db) } else { (0, 0) };
        assert!(ingest(&feed, &db).status().unwrap().success());
        check(&db);
        assert_eq!(Store::open(&db).unwrap().content_digest().unwrap(), want);
        eprintln!(
            "kill {k} after {:.2} s{}: {ingests} committed ingests, {events} events, integrity ok; re-ingest reaches the clean content",
            at.as_secs_f64(),
            if finished { " (had finished)" } else { "" }
        );
    }
}
