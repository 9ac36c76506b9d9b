//! Property tests: whatever bytes a table holds, loading reports problems
//! and never panics. Case counts are modest by default; set
//! `PROPTEST_CASES` to raise them.

use critmin_data::{MemorySource, load};
use proptest::prelude::*;
use std::path::Path;

fn minimal() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal");
    critmin_data::FILES
        .iter()
        .filter_map(|f| std::fs::read(dir.join(f)).ok().map(|b| (f.to_string(), b)))
        .collect()
}

fn with_file(file: &str, bytes: Vec<u8>) -> MemorySource {
    let mut files = minimal();
    files.retain(|(n, _)| n != file);
    files.push((file.to_string(), bytes));
    MemorySource {
        prefix: String::new(),
        files,
    }
}

/// Bytes that look a little like CSV: digits, letters, commas, quotes,
/// newlines, and the odd invalid byte.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(b"abcdefxyzNdDyCN0123456789.,-e_ ;:*".to_vec()),
            2 => Just(b','),
            2 => Just(b'\n'),
            1 => Just(b'"'),
            1 => any::<u8>(),
        ],
        0..400,
    )
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bytes_in_any_table_never_panic(
        which in 0..critmin_data::FILES.len(),
        bytes in prop::collection::vec(any::<u8>(), 0..600),
    ) {
        let file = critmin_data::FILES[which];
        let _ = load(&with_file(file, bytes));
    }

    #[test]
    fn csv_like_garbage_after_a_valid_header_never_panics(which in 0..critmin_data::FILES.len(), body in csvish()) {
        let file = critmin_data::FILES[which];
        let original = minimal().into_iter().find(|(n, _)| n == file).map(|(_, b)| b).unwrap_or_default();
        let header: Vec<u8> = original.split(|&b| b == b'\n').next().unwrap_or_default().to_vec();
        let mut bytes = header;
        bytes.push(b'\n');
        bytes.extend(body);
        match load(&with_file(file, bytes)) {
            Ok(_) => {}
            Err(e) => prop_assert!(e.diagnostics().iter().all(|d| d.line >= 1 && !d.message.is_empty())),
        }
    }

    #[test]
    fn truncating_a_valid_table_never_panics(which in 0..critmin_data::FILES.len(), cut in 0usize..2000) {
        let file = critmin_data::FILES[which];
        let original = minimal().into_iter().find(|(n, _)| n == file).map(|(_, b)| b).unwrap_or_default();
        let cut = cut.min(original.len());
        let _ = load(&with_file(file, original[..cut].to_vec()));
    }
}
