//! A malformed feed file never panics and leaves the store exactly as it
//! was: random bytes, truncations, invalid UTF-8 and huge fields in every
//! format, beside a good file in the same ingest, change nothing stored.

use critmin_app::Context;
use critmin_app::ops::intel::{IngestRequest, ingest};
use critmin_store::Store;
use proptest::prelude::*;
use std::path::Path;

const JSONL: &str = r#"{"id":"n18","source":"MOFCOM","title":"MOFCOM adds dysprosium and terbium to export controls","body":"Licences needed for Dy and Tb oxide and metal.","published":"2025-04-04","kind":"export_control","tlp":"TLP:GREEN"}
{"id":"ly1","source":"Reuters","title":"Lynas restarts Kalgoorlie cracking plant after outage","body":"Output resumes at Kalgoorlie.","published":"2025-05-01","kind":"facility_start"}
"#;

const CSV: &str = "id,source,title,body,published,kind\nc1,Nikkei,Japan stockpile agency buys terbium,JOGMEC buys Tb oxide.,2025-06-01,policy\n";

const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Iluka Eneabba refinery wins new financing</title><link>http://wire/1</link><guid>w1</guid><pubDate>Tue, 03 Jun 2025 08:00:00 GMT</pubDate><description>A&amp;B loan for the refinery.</description></item>
</channel></rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><id>urn:w</id><updated>2025-06-04T00:00:00Z</updated>
<entry><title>Solvay La Rochelle expands separation</title><id>urn:w:2</id><updated>2025-06-04T00:00:00Z</updated><summary>More capacity at La Rochelle.</summary></entry>
</feed>"#;

fn samples(store_dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let db = store_dir.join("seed.db");
    let s = Store::open(&db).unwrap();
    let bundle = critmin_intel::export::to_stix_bundle(&s.all().unwrap(), "2025-10-09T08:00:00Z");
    vec![
        ("x.jsonl", JSONL.as_bytes().to_vec()),
        ("x.csv", CSV.as_bytes().to_vec()),
        ("x.rss", RSS.as_bytes().to_vec()),
        ("x.atom", ATOM.as_bytes().to_vec()),
        ("x.json", bundle.into_bytes()),
    ]
}

fn run(db: &Path, files: &[&Path]) -> Result<(), critmin_app::AppError> {
    ingest(
        &IngestRequest {
            inputs: files.iter().map(|f| f.display().to_string()).collect(),
            db: Some(db.to_path_buf()),
            alerts: false,
            ..Default::default()
        },
        &Context::default(),
    )
    .map(|_| ())
}

/// A store holding the good samples, and its content digest.
fn seeded(dir: &Path) -> String {
    let db = dir.join("seed.db");
    for (name, text) in [
        ("a.jsonl", JSONL),
        ("b.csv", CSV),
        ("c.rss", RSS),
        ("d.atom", ATOM),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        run(&db, &[&p]).unwrap();
    }
    Store::open(&db).unwrap().content_digest().unwrap()
}

#[derive(Debug, Clone)]
enum Damage {
    Truncate(f64),
    Bytes(f64, Vec<u8>),
    BadUtf8(f64),
    Huge(f64, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (0.0..1.0f64).prop_map(Damage::Truncate),
        (0.0..1.0f64, prop::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(a, b)| Damage::Bytes(a, b)),
        (0.0..1.0f64).prop_map(Damage::BadUtf8),
        (0.0..1.0f64, 1usize..2_000_000).prop_map(|(a, n)| Damage::Huge(a, n)),
    ]
}

fn apply(doc: &[u8], d: &Damage) -> Vec<u8> {
    let at = |f: f64| ((doc.len() as f64 * f) as usize).min(doc.len());
    let mut v = doc.to_vec();
    match d {
        Damage::Truncate(f) => v.truncate(at(*f)),
        Damage::Bytes(f, b) => {
            let i = at(*f);
            v.splice(i..i, b.iter().copied());
        }
        Damage::BadUtf8(f) => {
            let i = at(*f);
            v.splice(i..i, [0xC3, 0x28, 0xFF]);
        }
        Damage::Huge(f, n) => {
            let i = at(*f);
            v.splice(i..i, std::iter::repeat_n(b'x', *n));
        }
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_malformed_file_changes_nothing_stored(which in 0usize..5, d in damage()) {
        let dir = tempfile::tempdir().unwrap();
        let before = seeded(dir.path());
        let db = dir.path().join("seed.db");
        let (name, doc) = samples(dir.path()).swap_remove(which);
        let bad = dir.path().join(name);
        std::fs::write(&bad, apply(&doc, &d)).unwrap();
        // A good new file beside it: stored only if the damaged one parses.
        let good = dir.path().join("new.jsonl");
        std::fs::write(&good, r#"{"id":"new-1","source":"Wire","title":"Arafura Nolans reaches final investment decision","published":"2025-07-01","kind":"financing"}
"#).unwrap();
        match run(&db, &[&good, &bad]) {
            Err(e) => {
                prop_assert!(e.is_invalid_input(), "{e}");
                let s = Store::open(&db).unwrap();
                prop_assert_eq!(s.content_digest().unwrap(), before);
                prop_assert_eq!(s.integrity_check().unwrap(), "ok");
            }
            Ok(()) => {
                // The damage left a valid file (a cut at a line's end, bytes
                // inside a text): it was stored like any other.
            }
        }
    }
}
