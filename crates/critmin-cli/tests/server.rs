//! `critmin serve` end to end over real HTTP on loopback: accounts made
//! with `critmin admin`, login with a session cookie and CSRF token, bearer
//! tokens, 401/403/404 as documented, events posted by one organisation
//! seen by exactly the organisations their markings allow, the OpenAPI
//! document in step with the routes, and a clean stop on SIGTERM.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

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
    assert!(
        o.status.success(),
        "critmin {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

struct Server {
    child: Child,
    base: String,
}

fn start(db: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    Server { child, base }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// (status, body as JSON or Null, headers of interest)
fn call(
    a: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, serde_json::Value, Vec<(String, String)>) {
    let mut req = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut res = a
        .run(req.body(body.unwrap_or("").to_string()).unwrap())
        .unwrap();
    let status = res.status().as_u16();
    let hs = res
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let text = res.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        hs,
    )
}

#[test]
fn the_workspace_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.db");
    let dbs = db.to_str().unwrap();
    for (org, groups) in [
        ("JP-METI", "stockpilers"),
        ("KR-KIGAM", "stockpilers"),
        ("US-DOE", ""),
    ] {
        let mut args = vec!["admin", "org", "add", org, "--db", dbs];
        if !groups.is_empty() {
            args.extend(["--group", groups]);
        }
        critmin(&args, "");
    }
    for (user, org, role) in [
        ("aiko", "JP-METI", "analyst"),
        ("ken", "JP-METI", "viewer"),
        ("min", "KR-KIGAM", "viewer"),
        ("sam", "US-DOE", "admin"),
    ] {
        critmin(
            &[
                "admin", "user", "add", user, "--org", org, "--role", role, "--db", dbs,
            ],
            "a long enough passphrase\n",
        );
    }
    let sam_token = critmin(
        &["admin", "token", "create", "--user", "sam", "--db", dbs],
        "",
    );
    let srv = start(&db);
    let a = agent();
    let u = |p: &str| format!("{}{p}", srv.base);

    // No identity: 401 with a stable code; the health check needs none.
    let (s, b, hs) = call(&a, "GET", &u("/api/v1/events"), &[], None);
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let header = |k: &str| hs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert!(
        header("content-security-policy")
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(call(&a, "GET", &u("/api/v1/health"), &[], None).0, 200);
    assert_eq!(
        call(&a, "GET", &u("/api/v1/nothing-here"), &[], None).0,
        404
    );

    // Login: a wrong password is 401, then a session cookie and CSRF token.
    let (s, _, _) = call(
        &a,
        "POST",
        &u("/api/v1/session"),
        &[("content-type", "application/json")],
        Some(r#"{"user":"aiko","password":"wrong"}"#),
    );
    assert_eq!(s, 401);
    let (s, me, hs) = call(
        &a,
        "POST",
        &u("/api/v1/session"),
        &[("content-type", "application/json")],
        Some(r#"{"user":"aiko","password":"a long enough passphrase"}"#),
    );
    assert_eq!(s, 200, "{me}");
    let set = hs
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .unwrap()
        .1
        .clone();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();
    let csrf = me["csrf"].as_str().unwrap().to_string();
    let jsonl = r#"{"id":"jp-1","source":"JOGMEC","title":"JOGMEC sees Tb oxide licences delayed at Tianjin","body":"Licences for terbium oxide to Japan take over 45 working days.","published":"2025-06-01","kind":"licensing","tlp":"TLP:AMBER","share_with":["group:stockpilers"]}
{"id":"jp-2","source":"JOGMEC","title":"JOGMEC plans release of dysprosium stock","body":"Release to magnet makers of Dy oxide.","published":"2025-06-02","kind":"policy","tlp":"TLP:AMBER+STRICT"}
{"id":"jp-3","source":"JOGMEC","title":"Lynas Malaysia ships first heavy rare earth oxide to Japan","body":"Dy and Tb oxide from Kuantan.","published":"2025-06-03","kind":"trade_data","tlp":"TLP:GREEN"}
"#;
    // A state change with the cookie but no CSRF token is refused.
    let (s, b, _) = call(
        &a,
        "POST",
        &u("/api/v1/events"),
        &[("cookie", &cookie)],
        Some(jsonl),
    );
    assert_eq!((s, b["error"]["code"].as_str()), (403, Some("csrf")));
    let (s, b, _) = call(
        &a,
        "POST",
        &u("/api/v1/events"),
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        Some(jsonl),
    );
    assert_eq!((s, b["added"].as_u64()), (200, Some(3)), "{b}");
    let ids: Vec<String> = b["touched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();

    // A viewer may not post; nobody posts in another organisation's name.
    let login = |user: &str| -> (String, String) {
        let (s, me, hs) = call(
            &a,
            "POST",
            &u("/api/v1/session"),
            &[("content-type", "application/json")],
            Some(&format!(
                r#"{{"user":"{user}","password":"a long enough passphrase"}}"#
            )),
        );
        assert_eq!(s, 200);
        let c = hs
            .iter()
            .find(|(k, _)| k == "set-cookie")
            .unwrap()
            .1
            .split(';')
            .next()
            .unwrap()
            .to_string();
        (c, me["csrf"].as_str().unwrap().to_string())
    };
    let (kc, kx) = login("ken");
    let (s, _, _) = call(
        &a,
        "POST",
        &u("/api/v1/events"),
        &[("cookie", &kc), ("x-csrf-token", &kx)],
        Some(jsonl),
    );
    assert_eq!(s, 403);
    let foreign = r#"{"id":"x","title":"t","owner":"US-DOE"}"#;
    let (s, _, _) = call(
        &a,
        "POST",
        &u("/api/v1/events"),
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        Some(foreign),
    );
    assert_eq!(s, 403);

    // Who sees what: JP all three; KR (in the group) the AMBER and GREEN;
    // US (bearer token) the GREEN only, and 404 for the others.
    let (mc, _) = login("min");
    let count = |hdr: (&str, &str)| -> usize {
        let (s, b, _) = call(&a, "GET", &u("/api/v1/events"), &[hdr], None);
        assert_eq!(s, 200, "{b}");
        b["events"].as_array().unwrap().len()
    };
    let bearer = format!("Bearer {sam_token}");
    assert_eq!(count(("cookie", &kc)), 3);
    assert_eq!(count(("cookie", &mc)), 2);
    assert_eq!(count(("authorization", &bearer)), 1);
    for id in &ids {
        let (s, b, _) = call(
            &a,
            "GET",
            &u(&format!("/api/v1/events/{id}")),
            &[("authorization", &bearer)],
            None,
        );
        if s == 200 {
            assert_eq!(b["tlp"], "TLP:GREEN");
        } else {
            assert_eq!((s, b["error"]["code"].as_str()), (404, Some("not_found")));
        }
    }
    // Search cannot find what the caller may not see.
    let (_, b, _) = call(
        &a,
        "GET",
        &u("/api/v1/events?text=dysprosium"),
        &[("cookie", &mc)],
        None,
    );
    assert!(b["events"].as_array().unwrap().is_empty(), "{b}");
    // Admin-only listing: 403 for a viewer, the own organisation's users for an admin.
    assert_eq!(
        call(&a, "GET", &u("/api/v1/users"), &[("cookie", &kc)], None).0,
        403
    );
    let (s, b, _) = call(
        &a,
        "GET",
        &u("/api/v1/users"),
        &[("authorization", &bearer)],
        None,
    );
    assert_eq!(s, 200);
    assert_eq!(b["users"].as_array().unwrap().len(), 1);
    assert!(!b.to_string().contains("argon2"));
    // The model's answers.
    let (s, b, _) = call(
        &a,
        "GET",
        &u("/api/v1/metrics"),
        &[("authorization", &bearer)],
        None,
    );
    assert_eq!(s, 200);
    assert!(b["provenance"]["dataset"].is_object(), "{b}");

    // Scenarios and jobs.
    let jp = [
        ("cookie", cookie.as_str()),
        ("x-csrf-token", csrf.as_str()),
        ("content-type", "application/json"),
    ];
    let (s, b, _) = call(
        &a,
        "POST",
        &u("/api/v1/scenarios"),
        &jp,
        Some(r#"{"name":"bad","toml":"name = \"x\"\nstart = \"2026-13\"\n"}"#),
    );
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "{b}"
    );
    assert!(
        b["error"]["diagnostics"][0]
            .as_str()
            .unwrap()
            .starts_with("bad.toml:"),
        "{b}"
    );
    let toml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/china-ban-japan-12m.toml"
    ))
    .unwrap();
    let body = serde_json::json!({"name": "jp-ban", "toml": toml, "tlp": "TLP:AMBER", "share_with": ["group:stockpilers"]}).to_string();
    let (s, sc, _) = call(&a, "POST", &u("/api/v1/scenarios"), &jp, Some(&body));
    assert_eq!(s, 201, "{sc}");
    let sc_id = sc["id"].as_str().unwrap().to_string();
    let stored = |hdr: (&str, &str)| -> usize {
        call(&a, "GET", &u("/api/v1/scenarios"), &[hdr], None).1["stored"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        (stored(("cookie", &mc)), stored(("authorization", &bearer))),
        (1, 0)
    );
    assert_eq!(
        call(
            &a,
            "GET",
            &u(&format!("/api/v1/scenarios/{sc_id}")),
            &[("authorization", &bearer)],
            None
        )
        .0,
        404
    );
    // A job on it asks for CLEAR but is marked AMBER (its input's marking).
    let body = format!(r#"{{"kind":"simulate","scenario":"{sc_id}","tlp":"TLP:CLEAR"}}"#);
    let (s, job, _) = call(&a, "POST", &u("/api/v1/jobs"), &jp, Some(&body));
    assert_eq!(s, 202, "{job}");
    assert_eq!(job["marking"]["tlp"], "TLP:AMBER");
    let sim_id = job["id"].as_str().unwrap().to_string();
    // A Monte Carlo job on a built-in scenario, the organisation's own.
    let (s, job, _) = call(
        &a,
        "POST",
        &u("/api/v1/jobs"),
        &jp,
        Some(r#"{"kind":"montecarlo","scenario":"risk-baseline","runs":64,"horizon_months":12}"#),
    );
    assert_eq!(s, 202, "{job}");
    let mc_id = job["id"].as_str().unwrap().to_string();
    // A viewer cannot submit; KR cannot see the AMBER+STRICT job.
    let (kx_hdr, mc_hdr) = (
        [
            ("cookie", kc.as_str()),
            ("x-csrf-token", kx.as_str()),
            ("content-type", "application/json"),
        ],
        ("cookie", mc.as_str()),
    );
    assert_eq!(
        call(
            &a,
            "POST",
            &u("/api/v1/jobs"),
            &kx_hdr,
            Some(r#"{"kind":"simulate","scenario":"baseline"}"#)
        )
        .0,
        403
    );
    assert_eq!(
        call(
            &a,
            "POST",
            &u(&format!("/api/v1/jobs/{mc_id}/cancel")),
            &kx_hdr,
            None
        )
        .0,
        403
    );
    let wait = |id: &str| -> serde_json::Value {
        for _ in 0..600 {
            let (s, j, _) = call(
                &a,
                "GET",
                &u(&format!("/api/v1/jobs/{id}")),
                &[("cookie", &kc)],
                None,
            );
            assert_eq!(s, 200, "{j}");
            if ["done", "failed", "cancelled"].contains(&j["status"].as_str().unwrap()) {
                return j;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("job {id} did not finish");
    };
    assert_eq!(wait(&mc_id)["status"], "done");
    assert_eq!(wait(&sim_id)["status"], "done");
    let (s, r, _) = call(
        &a,
        "GET",
        &u(&format!("/api/v1/jobs/{mc_id}/result")),
        &[("cookie", &kc)],
        None,
    );
    assert_eq!(s, 200);
    assert_eq!(r["provenance"]["seed"], 1);
    assert_eq!(
        r["runs"],
        64,
        "{}",
        &r.to_string()[..300.min(r.to_string().len())]
    );
    assert_eq!(
        call(
            &a,
            "GET",
            &u(&format!("/api/v1/jobs/{mc_id}/result")),
            &[mc_hdr],
            None
        )
        .0,
        404
    );
    // KR (in the group) reads the simulation derived from the AMBER scenario; US does not.
    assert_eq!(
        call(
            &a,
            "GET",
            &u(&format!("/api/v1/jobs/{sim_id}/result")),
            &[mc_hdr],
            None
        )
        .0,
        200
    );
    assert_eq!(
        call(
            &a,
            "GET",
            &u(&format!("/api/v1/jobs/{sim_id}/result")),
            &[("authorization", &bearer)],
            None
        )
        .0,
        404
    );
    // A long job is cancelled while it runs.
    let (_, job, _) = call(
        &a,
        "POST",
        &u("/api/v1/jobs"),
        &jp,
        Some(r#"{"kind":"montecarlo","scenario":"risk-baseline","runs":100000}"#),
    );
    let long = job["id"].as_str().unwrap().to_string();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (s, _, _) = call(
        &a,
        "POST",
        &u(&format!("/api/v1/jobs/{long}/cancel")),
        &jp,
        None,
    );
    assert_eq!(s, 200);
    assert_eq!(wait(&long)["status"], "cancelled");

    // The dashboard's forms carry the CSRF token as a field: without the
    // right one a form post is refused.
    let form = [
        ("cookie", cookie.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let (s, b, _) = call(
        &a,
        "POST",
        &u("/ui/jobs"),
        &form,
        Some("csrf=wrong&scenario=baseline&kind=simulate"),
    );
    assert_eq!((s, b["error"]["code"].as_str()), (403, Some("csrf")));
    let (s, _, hs) = call(
        &a,
        "POST",
        &u("/ui/jobs"),
        &form,
        Some(&format!("csrf={csrf}&scenario=baseline&kind=simulate")),
    );
    assert_eq!(s, 303);
    assert!(
        hs.iter()
            .any(|(k, v)| k == "location" && v.starts_with("/ui/jobs/job-"))
    );
    // A page without a session goes to the login page.
    let (s, _, hs) = call(&a, "GET", &u("/ui/jobs"), &[], None);
    assert_eq!(s, 303);
    assert!(hs.iter().any(|(k, v)| k == "location" && v == "/login"));

    // The document lists exactly the routes.
    let (s, doc, _) = call(&a, "GET", &u("/api/v1/openapi.json"), &[], None);
    assert_eq!(s, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for m in ops.as_object().unwrap().keys() {
            documented.push((m.clone(), path.clone()));
        }
    }
    documented.sort();
    let mut routes: Vec<(String, String)> = critmin_server_routes();
    routes.sort();
    assert_eq!(documented, routes);

    // Logout revokes the session.
    let (s, _, _) = call(
        &a,
        "DELETE",
        &u("/api/v1/session"),
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        None,
    );
    assert_eq!(s, 204);
    assert_eq!(
        call(&a, "GET", &u("/api/v1/me"), &[("cookie", &cookie)], None).0,
        401
    );

    // SIGTERM: a clean stop.
    let pid = srv.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = srv.child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("stopped"));
}

/// The routes the server declares (`critmin_server::ROUTES`), read from its
/// source so this test needs no dependency on the server crate.
fn critmin_server_routes() -> Vec<(String, String)> {
    let src = include_str!("../../critmin-server/src/api.rs");
    let start = src.find("pub const ROUTES").unwrap();
    let end = start + src[start..].find("];").unwrap();
    src[start..end]
        .lines()
        .filter_map(|l| {
            let l = l.trim().strip_prefix("(\"")?;
            let (m, rest) = l.split_once("\", \"")?;
            let p = rest.split_once('"')?.0;
            Some((m.to_string(), p.to_string()))
        })
        .collect()
}
