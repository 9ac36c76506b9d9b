//! Authorisation over HTTP, checked against the marking rules written out
//! independently here: (1) a generated table — every role of every
//! organisation against events of every marking and relation, through
//! every reading endpoint (list, get, search) — each cell's expected
//! status checked, the table written to `target/authz-table.csv`; (2)
//! 10,000 randomised requests across three organisations with zero leaks
//! of AMBER, AMBER+STRICT or RED content.

use critmin_app::access::Role;
use critmin_app::ops::accounts;
use std::collections::BTreeMap;
use std::fmt::Write as _;

const ORGS: [&str; 3] = ["JP", "KR", "US"];
const ROLES: [Role; 3] = [Role::Viewer, Role::Analyst, Role::Admin];
const PASSWORD: &str = "a long enough passphrase";

fn groups(org: &str) -> Vec<&'static str> {
    match org {
        "JP" | "KR" => vec!["stockpilers"],
        _ => vec![],
    }
}

/// One posted event: its owner, marking, share list, and a marker word
/// unique to it.
#[derive(Clone, Debug)]
struct Ev {
    owner: &'static str,
    tlp: &'static str,
    share: Vec<String>,
    marker: String,
    id: String,
}

/// The rule, written from the TLP 2.0 table in docs/server.md (not by
/// calling the code under test).
fn may_see(user: &str, org: &str, e: &Ev) -> bool {
    let named = |x: &str| e.share.iter().any(|s| s == x);
    match e.tlp {
        "TLP:CLEAR" | "TLP:GREEN" => true,
        "TLP:AMBER" => {
            org == e.owner || named(org) || groups(org).iter().any(|g| named(&format!("group:{g}")))
        }
        "TLP:AMBER+STRICT" => org == e.owner,
        "TLP:RED" => named(&format!("user:{user}")),
        _ => unreachable!(),
    }
}

fn user_name(org: &str, role: Role) -> String {
    format!("{}-{}", org.to_lowercase(), role.as_str())
}

struct Fixture {
    base: String,
    tokens: BTreeMap<String, String>,
    events: Vec<Ev>,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn get(a: &ureq::Agent, url: &str, token: &str) -> (u16, String) {
    let mut r = a
        .get(url)
        .header("authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    (
        r.status().as_u16(),
        r.body_mut().read_to_string().unwrap_or_default(),
    )
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("authz.db");
    let mut tokens = BTreeMap::new();
    {
        let mut s = accounts::open(Some(&db)).unwrap();
        let now = critmin_app::ops::alerts::now_or(None).unwrap();
        for org in ORGS {
            let g: Vec<String> = groups(org).iter().map(|x| (*x).to_string()).collect();
            accounts::add_org(&mut s, org, org, &g).unwrap();
            for role in ROLES {
                let u = user_name(org, role);
                accounts::add_user(&mut s, &u, org, role, PASSWORD).unwrap();
                tokens.insert(
                    u.clone(),
                    accounts::create_token(&mut s, &u, "test", None, now).unwrap(),
                );
            }
        }
    }
    let opts = critmin_server::Options {
        db: Some(db),
        ..Default::default()
    };
    let state = critmin_server::state(&opts).unwrap();
    let app = critmin_server::router(state, &opts);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(l.local_addr().unwrap()).unwrap();
            critmin_server::serve_with(l, app, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
    });
    let base = format!("http://{}", addr_rx.recv().unwrap());
    // Every owner posts one event of each marking and relation.
    let a = agent();
    let mut events = Vec::new();
    for owner in ORGS {
        let other = ORGS.iter().find(|o| **o != owner).unwrap();
        let specs: Vec<(&str, Vec<String>)> = vec![
            ("TLP:CLEAR", vec![]),
            ("TLP:GREEN", vec![]),
            ("TLP:AMBER", vec![]),
            ("TLP:AMBER", vec![(*other).to_string()]),
            ("TLP:AMBER", vec!["group:stockpilers".into()]),
            ("TLP:AMBER+STRICT", vec![]),
            (
                "TLP:RED",
                vec![format!("user:{}", user_name(owner, Role::Viewer))],
            ),
            (
                "TLP:RED",
                vec![format!("user:{}", user_name(other, Role::Admin))],
            ),
        ];
        let mut body = String::new();
        for (i, (tlp, share)) in specs.iter().enumerate() {
            let marker = format!("zq{}{}x{i}", owner.to_lowercase(), tlp.len());
            let share_json = serde_json::to_string(share).unwrap();
            writeln!(
                body,
                r#"{{"id":"{owner}-{i}","source":"{owner}-desk","title":"Desk note {marker} on terbium supply","body":"Item {marker}.","published":"2025-0{}-1{i}","kind":"other","tlp":"{tlp}","share_with":{share_json}}}"#,
                1 + ORGS.iter().position(|o| *o == owner).unwrap()
            )
            .unwrap();
            events.push(Ev {
                owner,
                tlp,
                share: share.clone(),
                marker,
                id: String::new(),
            });
        }
        let token = &tokens[&user_name(owner, Role::Analyst)];
        let mut r = a
            .post(&format!("{base}/api/v1/events"))
            .header("authorization", &format!("Bearer {token}"))
            .send(body.as_str())
            .unwrap();
        let text = r.body_mut().read_to_string().unwrap();
        assert_eq!(r.status().as_u16(), 200, "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let ids = v["touched"].as_array().unwrap();
        assert_eq!(ids.len(), specs.len(), "{v}");
        let n = events.len();
        for (e, id) in events[n - specs.len()..].iter_mut().zip(ids) {
            e.id = id.as_str().unwrap().to_string();
        }
    }
    // And one simulation job per marking, by each organisation's analyst:
    // derived results, kept in `events` as their ids with the marking.
    for owner in ORGS {
        let other = ORGS.iter().find(|o| **o != owner).unwrap();
        let token = &tokens[&user_name(owner, Role::Analyst)];
        for (tlp, share) in [
            ("TLP:GREEN", vec![]),
            ("TLP:AMBER", vec![(*other).to_string()]),
            ("TLP:AMBER+STRICT", vec![]),
            (
                "TLP:RED",
                vec![format!("user:{}", user_name(owner, Role::Viewer))],
            ),
        ] {
            let body = serde_json::json!({"kind": "simulate", "scenario": "baseline", "horizon_months": 1, "tlp": tlp, "share_with": share}).to_string();
            let mut r = a
                .post(&format!("{base}/api/v1/jobs"))
                .header("authorization", &format!("Bearer {token}"))
                .header("content-type", "application/json")
                .send(body.as_str())
                .unwrap();
            let text = r.body_mut().read_to_string().unwrap();
            assert_eq!(r.status().as_u16(), 202, "{text}");
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let id = v["id"].as_str().unwrap().to_string();
            events.push(Ev {
                owner,
                tlp,
                share,
                marker: id.clone(),
                id,
            });
        }
    }
    Fixture {
        base,
        tokens,
        events,
        _dir: dir,
        _stop: tx,
    }
}

#[test]
fn the_generated_table_and_ten_thousand_random_requests_leak_nothing() {
    let f = fixture();
    let a = agent();
    // (1) The table.
    let mut table =
        String::from("user,org,role,event,owner,tlp,share_with,endpoint,expected,got\n");
    let mut cells = 0;
    for org in ORGS {
        for role in ROLES {
            let user = user_name(org, role);
            let token = &f.tokens[&user];
            let (s, events_list) = get(&a, &format!("{}/api/v1/events?limit=1000", f.base), token);
            assert_eq!(s, 200);
            let (s, jobs_list) = get(&a, &format!("{}/api/v1/jobs", f.base), token);
            assert_eq!(s, 200);
            // Everything the user's TAXII collections hold, page by page.
            let mut pulled = String::new();
            let (s, cols) = get(&a, &format!("{}/taxii2/api/collections/", f.base), token);
            assert_eq!(s, 200, "{cols}");
            let cols: serde_json::Value = serde_json::from_str(&cols).unwrap();
            for c in cols["collections"].as_array().unwrap() {
                let cid = c["id"].as_str().unwrap();
                let mut next: Option<String> = None;
                loop {
                    let url = format!(
                        "{}/taxii2/api/collections/{cid}/objects/?limit=3{}",
                        f.base,
                        next.as_ref()
                            .map(|n| format!("&next={n}"))
                            .unwrap_or_default()
                    );
                    let (s, page) = get(&a, &url, token);
                    assert_eq!(s, 200, "{page}");
                    pulled.push_str(&page);
                    let v: serde_json::Value = serde_json::from_str(&page).unwrap();
                    match v["next"].as_str() {
                        Some(n) if v["more"] == true => next = Some(n.to_string()),
                        _ => break,
                    }
                }
            }
            for e in &f.events {
                let see = may_see(&user, org, e);
                let job = e.id.starts_with("job-");
                let (path, list) = if job {
                    ("jobs", &jobs_list)
                } else {
                    ("events", &events_list)
                };
                let (gs, gbody) = get(&a, &format!("{}/api/v1/{path}/{}", f.base, e.id), token);
                // For an event, a search for its marker word; for a job,
                // its result.
                let (third, tbody) = if job {
                    let (s, b) = get(
                        &a,
                        &format!("{}/api/v1/jobs/{}/result", f.base, e.id),
                        token,
                    );
                    (
                        "result",
                        if s == 200 || b.contains("not done") {
                            1
                        } else {
                            0
                        },
                    )
                } else {
                    let (_, b) = get(
                        &a,
                        &format!("{}/api/v1/events?text={}", f.base, e.marker),
                        token,
                    );
                    ("search", u16::from(b.contains(&e.marker)))
                };
                let taxii = (
                    "taxii",
                    u16::from(see && !job),
                    u16::from(!job && pulled.contains(&e.marker)),
                );
                let checks = [
                    taxii,
                    ("get", if see { 200 } else { 404 }, gs),
                    ("list", u16::from(see), u16::from(list.contains(&e.marker))),
                    (third, u16::from(see), tbody),
                ];
                for (endpoint, want, got) in checks {
                    writeln!(
                        table,
                        "{user},{org},{},{},{},{},{},{endpoint},{want},{got}",
                        role.as_str(),
                        e.id,
                        e.owner,
                        e.tlp,
                        e.share.join(";"),
                    )
                    .unwrap();
                    assert_eq!(want, got, "{user} {endpoint} {e:?}");
                    cells += 1;
                }
                if !see {
                    assert!(!gbody.contains(&e.marker));
                }
            }
        }
    }
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/authz-table.csv");
    std::fs::write(&out, &table).unwrap();
    assert_eq!(cells, 9 * f.events.len() * 4);
    assert_eq!(f.events.len(), 24 + 12);

    // TAXII's discovery and API root; a collection of another group is not
    // there for an organisation outside it.
    let us = &f.tokens[&user_name("US", Role::Viewer)];
    let mut r = a
        .get(&format!("{}/taxii2/", f.base))
        .header("authorization", &format!("Bearer {us}"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers().get("content-type").unwrap().to_str().unwrap(),
        "application/taxii+json;version=2.1"
    );
    let d: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(d["api_roots"][0], "/taxii2/api/");
    let (s, root) = get(&a, &format!("{}/taxii2/api/", f.base), us);
    assert!(
        s == 200 && root.contains("application/taxii+json;version=2.1"),
        "{root}"
    );
    let (s, _) = get(
        &a,
        &format!(
            "{}/taxii2/api/collections/group-stockpilers/objects/",
            f.base
        ),
        us,
    );
    assert_eq!(s, 404);
    let (s, _) = get(
        &a,
        &format!("{}/taxii2/api/collections/org-JP/", f.base),
        us,
    );
    assert_eq!(s, 404);
    assert_eq!(
        a.get(&format!("{}/taxii2/", f.base))
            .call()
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    // added_after: nothing after the last object added.
    let mut r = a
        .get(&format!(
            "{}/taxii2/api/collections/public/objects/",
            f.base
        ))
        .header("authorization", &format!("Bearer {us}"))
        .call()
        .unwrap();
    let last = r
        .headers()
        .get("x-taxii-date-added-last")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let all = r.body_mut().read_to_string().unwrap();
    assert!(all.contains("x-critmin-supply-event"));
    let (s, after) = get(
        &a,
        &format!(
            "{}/taxii2/api/collections/public/objects/?added_after={last}",
            f.base
        ),
        us,
    );
    assert_eq!(s, 200);
    let v: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert!(
        v["objects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["type"] != "x-critmin-supply-event"),
        "{after}"
    );
    assert_eq!(v["more"], false);

    // (2) Random requests: a user, an endpoint, an event; nothing a user
    // may not see appears in any answer.
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let users: Vec<(String, &str)> = ORGS
        .iter()
        .flat_map(|o| ROLES.iter().map(move |r| (user_name(o, *r), *o)))
        .collect();
    let mut leaks = Vec::new();
    let mut endpoints = std::collections::BTreeSet::new();
    let mut timing: BTreeMap<String, (usize, f64)> = BTreeMap::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for _ in 0..10_000 {
        let (user, org) = &users[(next() % users.len() as u64) as usize];
        let e = &f.events[(next() % f.events.len() as u64) as usize];
        let token = &f.tokens[user];
        let url = match next() % 10 {
            0 => format!("{}/api/v1/events", f.base),
            1 => format!("{}/api/v1/events/{}", f.base, e.id),
            2 => format!("{}/api/v1/events?text={}", f.base, e.marker),
            3 => format!(
                "{}/api/v1/events?text=terbium&limit={}",
                f.base,
                1 + next() % 30
            ),
            4 => format!("{}/api/v1/jobs", f.base),
            5 => format!("{}/api/v1/jobs/{}", f.base, e.id),
            6 => format!("{}/api/v1/jobs/{}/result", f.base, e.id),
            7 => format!("{}/api/v1/alerts", f.base),
            8 => format!("{}/taxii2/api/collections/", f.base),
            _ => {
                let c = ["public", "org-JP", "org-KR", "org-US", "group-stockpilers"]
                    [(next() % 5) as usize];
                format!(
                    "{}/taxii2/api/collections/{c}/objects/?limit={}",
                    f.base,
                    1 + next() % 20
                )
            }
        };
        endpoints.insert(
            url.split('?')
                .next()
                .unwrap_or_default()
                .replace(&e.id, "{id}")
                .replace(&f.base, ""),
        );
        let t0 = std::time::Instant::now();
        let (s, body) = get(&a, &url, token);
        let kind = url
            .split('?')
            .next()
            .unwrap_or_default()
            .replace(&e.id, "{id}")
            .replace(&f.base, "");
        let slot = timing.entry(kind).or_insert((0usize, 0f64));
        slot.0 += 1;
        slot.1 += t0.elapsed().as_secs_f64();
        *statuses.entry(s).or_default() += 1;
        for hidden in f.events.iter().filter(|x| !may_see(user, org, x)) {
            // Its text or its id: either says it exists.
            if body.contains(&hidden.marker) || body.contains(&hidden.id) {
                leaks.push(format!("{user} {url}: {}", hidden.marker));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks: {:?}",
        leaks.len(),
        &leaks[..leaks.len().min(5)]
    );
    assert!(
        statuses.get(&404).copied().unwrap_or(0) > 100,
        "{statuses:?}"
    );
    for (k, (n, t)) in &timing {
        eprintln!("  {k}: {n} requests, {:.2} ms each", 1000.0 * t / *n as f64);
    }
    eprintln!(
        "10,000 random requests: statuses {statuses:?}, 0 leaks; table of {cells} cells in {}",
        out.display()
    );
}
