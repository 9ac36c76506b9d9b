//! The report renders in a real browser with no network: run the binary's
//! `assess`, open `report.html` in headless Chromium from a fresh profile
//! with networking features off, and check the screenshot it takes.
//!
//! Chromium is a test dependency that `cargo xtask deps` (and `cargo xtask
//! test`) installs; without it this test fails and says so rather than
//! skipping. Set `CRITMIN_SCREENSHOT=PATH` to keep the PNG (the README's
//! picture is made by `scripts/report-screenshot.sh`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> PathBuf {
    let fixed = Path::new("/usr/bin/chromium");
    if fixed.is_file() {
        return fixed.to_path_buf();
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("chromium"))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "Chromium is not installed (looked for /usr/bin/chromium and `chromium` on PATH); \
                 run `cargo xtask deps` to install it, then run the tests again"
            )
        })
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((w, h))
}

#[test]
fn report_renders_in_headless_chromium_without_network() {
    let browser = chromium();
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(["assess", "--out", "out", "--risk-runs", "40"])
        .current_dir(tmp.path())
        .output()
        .expect("run critmin");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tmp.path().join("out");
    for f in [
        "report.html",
        "metrics.json",
        "stages.csv",
        "groups.csv",
        "targets.csv",
        "gaps.csv",
        "criticality.csv",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("<script"),
        "the report must be self-contained"
    );
    assert!(html.contains("<svg") && html.contains("Partnership scorecard"));

    let png = tmp.path().join("report.png");
    let profile = tmp.path().join("profile");
    let url = format!("file://{}", dir.join("report.html").display());
    let mut child = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1400,4000")
        .arg(&url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("Chromium did not finish within 180 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stderr = child
        .wait_with_output()
        .map(|o| String::from_utf8_lossy(&o.stderr).to_string())
        .unwrap_or_default();
    assert!(status.success(), "Chromium failed ({status}): {stderr}");
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot: {e}\n{stderr}"));
    assert_eq!(png_size(&bytes), Some((1400, 4000)), "not the expected PNG");
    // A blank page compresses to a few kilobytes; charts and tables do not.
    assert!(
        bytes.len() > 150_000,
        "screenshot looks empty: {} bytes",
        bytes.len()
    );
    if let Some(keep) = std::env::var_os("CRITMIN_SCREENSHOT") {
        std::fs::copy(&png, &keep).expect("copy the screenshot");
    }
}
