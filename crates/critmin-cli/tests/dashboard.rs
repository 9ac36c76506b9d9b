//! The dashboard in a real browser: headless Chromium driven through
//! WebDriver (Debian's chromium-driver, which `cargo xtask deps` installs;
//! without it this test fails and says so). Log in, open every page, run a
//! Monte Carlo job from the form, watch it finish, see its chart; a page
//! load must not be blocked by the content security policy (no script, no
//! inline style). Screenshots are kept in `target/dashboard/`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn which(name: &str, fixed: &str) -> PathBuf {
    let f = Path::new(fixed);
    if f.is_file() {
        return f.to_path_buf();
    }
    std::env::var_os("PATH")
        .and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|p| p.is_file()))
        .unwrap_or_else(|| {
            panic!("{name} is not installed; run `cargo xtask deps` to install it, then run the tests again")
        })
}

fn critmin(args: &[&str], stdin: &str) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let o = c.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).to_string()
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal W3C WebDriver client.
struct Driver {
    agent: ureq::Agent,
    base: String,
    session: String,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Driver {
    fn send(&self, method: &str, path: &str, body: Option<serde_json::Value>) -> serde_json::Value {
        let url = format!("{}{path}", self.base);
        let req = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("content-type", "application/json")
            .body(body.map(|b| b.to_string()).unwrap_or_else(|| "{}".into()))
            .unwrap();
        let mut res = self.agent.run(req).unwrap();
        let text = res.body_mut().read_to_string().unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert!(res.status().is_success(), "{method} {path}: {text}");
        v["value"].clone()
    }

    fn start(base: String) -> Driver {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut d = Driver {
            agent,
            base,
            session: String::new(),
        };
        let caps = serde_json::json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": which("chromium", "/usr/bin/chromium").to_string_lossy(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,1000", "--no-first-run", "--disable-extensions"]
            }
        }}});
        let v = d.send("POST", "/session", Some(caps));
        d.session = v["sessionId"].as_str().unwrap().to_string();
        d
    }

    fn s(&self, p: &str) -> String {
        format!("/session/{}{p}", self.session)
    }

    fn go(&self, url: &str) {
        self.send(
            "POST",
            &self.s("/url"),
            Some(serde_json::json!({ "url": url })),
        );
    }

    fn find(&self, css: &str) -> String {
        let v = self.send(
            "POST",
            &self.s("/element"),
            Some(serde_json::json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT].as_str().unwrap().to_string()
    }

    fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.send(
            "POST",
            &self.s(&format!("/element/{e}/value")),
            Some(serde_json::json!({ "text": text })),
        );
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.send(
            "POST",
            &self.s(&format!("/element/{e}/click")),
            Some(serde_json::json!({})),
        );
    }

    fn url(&self) -> String {
        self.send("GET", &self.s("/url"), None)
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The current URL once it satisfies `want` (a click's navigation
    /// may still be under way), or panics after 10 s.
    fn wait_url(&self, want: impl Fn(&str) -> bool) -> String {
        let t0 = Instant::now();
        loop {
            let u = self.url();
            if want(&u) {
                return u;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "stuck at {u}: {}",
                self.source()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn source(&self) -> String {
        self.send("GET", &self.s("/source"), None)
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The browser's console errors (a CSP violation is one).
    fn screenshot(&self, path: &Path) {
        let b64 = self.send("GET", &self.s("/screenshot"), None);
        let png = decode_base64(b64.as_str().unwrap());
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let req = ureq::http::Request::builder()
                .method("DELETE")
                .uri(format!("{}/session/{}", self.base, self.session))
                .body(String::new())
                .unwrap();
            let _ = self.agent.run(req);
        }
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter_map(val) {
        acc = (acc << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[test]
fn log_in_open_every_page_run_a_job_and_see_its_chart() {
    let chromedriver = which("chromedriver", "/usr/bin/chromedriver");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ui.db");
    let dbs = db.to_str().unwrap();
    critmin(
        &[
            "admin", "org", "add", "JP-METI", "--title", "Japan", "--db", dbs,
        ],
        "",
    );
    critmin(
        &[
            "admin", "user", "add", "aiko", "--org", "JP-METI", "--role", "analyst", "--db", dbs,
        ],
        "a long enough passphrase\n",
    );
    let feed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/intel/sample-2025-2026.jsonl"
    );
    critmin(
        &["intel", "ingest", feed, "--db", dbs, "--org", "JP-METI"],
        "",
    );
    let mut server = Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(["serve", "--addr", "127.0.0.1:0", "--db", dbs])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _server = Kill(server);
    let base = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let port = free_port();
    let driver = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _driver = Kill(driver);
    let wd = format!("http://127.0.0.1:{port}");
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/dashboard");
    std::fs::create_dir_all(&shots).unwrap();
    let b = Driver::start(wd);

    // Not logged in: the dashboard sends us to the login page.
    b.go(&format!("{base}/ui/"));
    assert!(b.url().ends_with("/login"), "{}", b.url());
    b.type_in("#user", "aiko");
    b.type_in("#password", "a long enough passphrase");
    b.click("#login");
    b.wait_url(|u| u.ends_with("/ui/"));
    let src = b.source();
    assert!(
        src.contains("The partnership's scorecard") && src.contains("processing_coverage"),
        "{src}"
    );
    b.screenshot(&shots.join("overview.png"));

    b.go(&format!("{base}/ui/events"));
    let src = b.source();
    assert!(src.contains("China suspends its October 2025"), "{src}");
    assert!(src.contains("TLP:CLEAR"));
    b.screenshot(&shots.join("events.png"));
    b.go(&format!("{base}/ui/alerts"));
    assert!(b.source().contains("alerts raised for JP-METI"));

    // Run a Monte Carlo from the form and watch it finish.
    b.go(&format!("{base}/ui/jobs"));
    let runs = b.find("#runs");
    b.send(
        "POST",
        &b.s(&format!("/element/{runs}/clear")),
        Some(serde_json::json!({})),
    );
    b.type_in("#runs", "48");
    b.click("#run");
    b.wait_url(|u| u.contains("/ui/jobs/job-"));
    let t0 = Instant::now();
    loop {
        let src = b.source();
        if src.contains(">done<") {
            assert!(
                src.contains("<svg") && src.contains("Unmet share of demand"),
                "{src}"
            );
            // The figures are there: the US row of the table is not all zero.
            let us = src.split("<td>US</td>").nth(1).unwrap_or_default();
            let first_row: String = us.split("</tr>").next().unwrap_or_default().to_string();
            assert!(
                first_row.contains("class=\"n\"")
                    && !first_row
                        .split("<td")
                        .skip(1)
                        .all(|c| c.contains(">0.0 %<")),
                "{first_row}"
            );
            break;
        }
        assert!(!src.contains(">failed<"), "{src}");
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the job did not finish: {src}"
        );
        // The page refreshes itself while the job runs.
        std::thread::sleep(Duration::from_millis(500));
    }
    b.screenshot(&shots.join("job.png"));
    b.go(&format!("{base}/ui/jobs"));
    assert!(b.source().contains("risk-baseline"));

    // Log out: the dashboard is closed again.
    b.click("header form button");
    b.wait_url(|u| u.ends_with("/login"));
    b.go(&format!("{base}/ui/events"));
    assert!(b.url().ends_with("/login"));
    for f in ["overview.png", "events.png", "job.png"] {
        assert!(
            std::fs::metadata(shots.join(f)).unwrap().len() > 10_000,
            "{f} is too small to show a page"
        );
    }
}
