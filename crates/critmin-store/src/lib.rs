//! The intelligence store: events, their sources and links in one SQLite
//! file (WAL journal, foreign keys on, full-text search by FTS5), under a
//! schema whose versions migrate in order (`PRAGMA user_version`).
//!
//! This crate owns the file and its schema. Every write is one
//! transaction: an ingest stores all of a file's events or none, and a
//! crash at any point leaves the store as the last commit left it. It
//! depends on `critmin-intel` for the event model and must not depend on
//! the simulator, the application layer or any front end. Besides events
//! it keeps the alert rules and alerts (schema v2) and the partner
//! workspace's accounts ([`accounts`], v3) and its scenarios and jobs
//! ([`jobs`], v4).

use critmin_intel::alert::Alert;
use critmin_intel::event::{
    Admiralty, Day, EntityKind, Event, Kind, Link, Severity, SourceRef, Status, Tlp,
};
use critmin_intel::prepare::{merge_sources, same_story};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::path::Path;

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("{path}: {source}")]
    Sqlite {
        /// The store's file.
        path: String,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// The file was made by a newer critmin.
    #[error(
        "{path}: the store's schema is version {found}; this critmin knows versions up to {known} — use a newer critmin"
    )]
    TooNew {
        /// The store's file.
        path: String,
        /// Its version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// A name is taken, or what it refers to does not exist.
    #[error("{path}: {what}")]
    Conflict {
        /// The store's file.
        path: String,
        /// What.
        what: String,
    },
    /// A stored value does not read back.
    #[error("{path}: event {id}: {message}")]
    Corrupt {
        /// The store's file.
        path: String,
        /// The event.
        id: String,
        /// What is wrong.
        message: String,
    },
}

pub mod accounts;
pub mod jobs;

/// The schema, one migration per version: version `n` is reached by
/// applying `MIGRATIONS[n - 1]`. Append only; never edit a released step.
pub const MIGRATIONS: &[&str] = &[
    // 1: events, sources, links, full-text index, ingest log.
    "CREATE TABLE events (
        id TEXT PRIMARY KEY,
        published TEXT, observed TEXT, valid_from TEXT, valid_to TEXT,
        title TEXT NOT NULL, body TEXT NOT NULL,
        kind TEXT NOT NULL, severity INTEGER NOT NULL, status TEXT NOT NULL,
        reliability TEXT, credibility INTEGER,
        tlp TEXT NOT NULL, owner TEXT NOT NULL,
        share_with TEXT NOT NULL, facts TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        first_ingest INTEGER NOT NULL, last_change INTEGER NOT NULL
     ) STRICT;
     CREATE INDEX events_by_day ON events(kind, published);
     CREATE TABLE sources (
        event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        source TEXT NOT NULL, item_key TEXT NOT NULL, link TEXT,
        position INTEGER NOT NULL,
        PRIMARY KEY (source, item_key)
     ) STRICT;
     CREATE INDEX sources_by_event ON sources(event_id, position);
     CREATE TABLE links (
        event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        kind TEXT NOT NULL, entity TEXT NOT NULL, alias TEXT NOT NULL,
        PRIMARY KEY (event_id, kind, entity)
     ) STRICT;
     CREATE INDEX links_by_entity ON links(kind, entity);
     CREATE VIRTUAL TABLE events_fts USING fts5(event_id UNINDEXED, title, body);
     CREATE TABLE ingests (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL, format TEXT NOT NULL,
        items INTEGER NOT NULL, added INTEGER NOT NULL, merged INTEGER NOT NULL,
        updated INTEGER NOT NULL, unchanged INTEGER NOT NULL, filtered INTEGER NOT NULL
     ) STRICT;",
    // 2: alert rules (one TOML file per organisation) and raised alerts.
    "CREATE TABLE rules (
        org TEXT PRIMARY KEY, toml TEXT NOT NULL, stored_at TEXT NOT NULL
     ) STRICT;
     CREATE TABLE alerts (
        id TEXT PRIMARY KEY, org TEXT NOT NULL, rule TEXT NOT NULL,
        kind TEXT NOT NULL, event_id TEXT NOT NULL,
        raised_at TEXT NOT NULL, deliver_after TEXT NOT NULL, delivered_at TEXT,
        body TEXT NOT NULL
     ) STRICT;
     CREATE INDEX alerts_by_org ON alerts(org, raised_at);
     CREATE INDEX alerts_due ON alerts(delivered_at, deliver_after);
     CREATE TABLE impacts (
        key TEXT PRIMARY KEY, event_id TEXT NOT NULL, body TEXT NOT NULL
     ) STRICT;",
    // 3: the partner workspace's accounts: organisations, sharing groups,
    // users (argon2 hashes), API tokens and sessions (SHA-256 of their
    // secrets, never the secrets), and the audit log.
    "CREATE TABLE orgs (
        name TEXT PRIMARY KEY, title TEXT NOT NULL, created TEXT NOT NULL
     ) STRICT;
     CREATE TABLE sharing_groups (
        name TEXT NOT NULL, org TEXT NOT NULL REFERENCES orgs(name),
        PRIMARY KEY (name, org)
     ) STRICT;
     CREATE TABLE users (
        name TEXT PRIMARY KEY, org TEXT NOT NULL REFERENCES orgs(name),
        role TEXT NOT NULL, password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL
     ) STRICT;
     CREATE TABLE tokens (
        id TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name),
        secret_sha256 TEXT NOT NULL, label TEXT NOT NULL,
        created TEXT NOT NULL, expires TEXT, revoked INTEGER NOT NULL DEFAULT 0
     ) STRICT;
     CREATE TABLE sessions (
        id_sha256 TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name),
        csrf TEXT NOT NULL, created TEXT NOT NULL, expires TEXT NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0
     ) STRICT;
     CREATE TABLE audit (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, org TEXT NOT NULL,
        action TEXT NOT NULL, item TEXT NOT NULL, marking TEXT NOT NULL, decision TEXT NOT NULL
     ) STRICT;",
    // 4: the workspace's scenarios and jobs, each with its marking (JSON
    // of TLP, owner and share_with).
    "CREATE TABLE scenarios (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, toml TEXT NOT NULL,
        marking TEXT NOT NULL, created TEXT NOT NULL, created_by TEXT NOT NULL
     ) STRICT;
     CREATE TABLE jobs (
        id TEXT PRIMARY KEY, spec TEXT NOT NULL, marking TEXT NOT NULL,
        created_by TEXT NOT NULL, status TEXT NOT NULL,
        created TEXT NOT NULL, started TEXT, finished TEXT,
        result TEXT, error TEXT
     ) STRICT;
     CREATE INDEX jobs_by_status ON jobs(status, created);",
    // 5: when each ingest was committed (what TAXII calls an object's
    // date added).
    "ALTER TABLE ingests ADD COLUMN at TEXT;",
];

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: String,
}

/// What one ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestSummary {
    /// Items read.
    pub items: usize,
    /// New events.
    pub added: usize,
    /// Items that told a stored story again: their source joined it.
    pub merged: usize,
    /// Items already stored whose content changed.
    pub updated: usize,
    /// Items already stored unchanged (a re-ingest).
    pub unchanged: usize,
    /// Items the source's filter left out.
    pub filtered: usize,
    /// The ids of the events added, merged into or updated, in order.
    pub touched: Vec<String>,
    /// The ids of the events added (the ones alerts fire on).
    pub new_ids: Vec<String>,
}

/// A search or listing's filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// FTS5 query over title and body.
    pub text: Option<String>,
    /// Only these kinds.
    pub kinds: Vec<Kind>,
    /// Only events linked to this entity.
    pub entity: Option<(EntityKind, String)>,
    /// Published on or after.
    pub since: Option<Day>,
    /// At most this many, newest first.
    pub limit: Option<usize>,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and migrates it to
    /// this build's schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let name = path.display().to_string();
        let err = |source| StoreError::Sqlite {
            path: name.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        let mut store = Store { conn, path: name };
        store.setup()?;
        Ok(store)
    }

    /// An in-memory store (tests).
    pub fn in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Sqlite {
            path: ":memory:".into(),
            source,
        })?;
        let mut store = Store {
            conn,
            path: ":memory:".into(),
        };
        store.setup()?;
        Ok(store)
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn setup(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
            )
            .map_err(|e| self.err(e))?;
        self.migrate()
    }

    /// The store's schema version.
    pub fn version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let found = self.version()?;
        let known = schema_version();
        if found > known {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found,
                known,
            });
        }
        for v in found..known {
            let sql = MIGRATIONS[v as usize];
            let path = self.path.clone();
            let tx = self
                .conn
                .transaction()
                .map_err(|source| StoreError::Sqlite {
                    path: path.clone(),
                    source,
                })?;
            tx.execute_batch(sql)
                .and_then(|()| tx.pragma_update(None, "user_version", v + 1))
                .and_then(|()| tx.commit())
                .map_err(|source| StoreError::Sqlite { path, source })?;
        }
        Ok(())
    }

    /// Stores a file's events in one transaction: an event whose source
    /// item is stored already is unchanged or updated; one that tells a
    /// stored story again ([`same_story`]) adds its source to it; the rest
    /// are added. `filtered` is what the source's filter left out (logged).
    pub fn ingest(
        &mut self,
        file: &str,
        format: &str,
        events: &[Event],
        filtered: usize,
    ) -> Result<IngestSummary, StoreError> {
        let path = self.path.clone();
        let sq = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sq)?;
        let ingest_no: i64 = tx
            .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM ingests", [], |r| {
                r.get(0)
            })
            .map_err(sq)?;
        let mut s = IngestSummary {
            items: events.len() + filtered,
            filtered,
            ..IngestSummary::default()
        };
        for ev in events {
            let key = ev
                .sources
                .first()
                .map(|x| (x.name.clone(), x.item.clone().unwrap_or_default()));
            let known: Option<String> = match &key {
                Some((src, item)) => tx
                    .query_row(
                        "SELECT event_id FROM sources WHERE source = ?1 AND item_key = ?2",
                        params![src, item],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(sq)?,
                None => None,
            };
            if let Some(id) = known {
                let stored = load(&tx, &id, &path)?;
                // An item merged into another source's story: the story's
                // content is its first source's, so nothing changes.
                let first = stored
                    .sources
                    .first()
                    .map(|x| (x.name.clone(), x.item.clone().unwrap_or_default()));
                if first != key {
                    s.unchanged += 1;
                    continue;
                }
                let mut next = ev.clone();
                next.id = id.clone();
                // Sources merged into the stored event stay.
                merge_sources(&mut next, &stored);
                next.sources.sort_by_key(|x| {
                    stored
                        .sources
                        .iter()
                        .position(|y| y.name == x.name && y.item == x.item)
                        .unwrap_or(usize::MAX)
                });
                if content_hash(&next) == content_hash(&stored) {
                    s.unchanged += 1;
                } else {
                    write(&tx, &next, ingest_no, true).map_err(sq)?;
                    s.updated += 1;
                    s.touched.push(id);
                }
                continue;
            }
            // The same story already stored (by another source)?
            let candidates = stories_near(&tx, ev).map_err(sq)?;
            let mut merged = false;
            for id in candidates {
                let mut stored = load(&tx, &id, &path)?;
                if same_story(&stored, ev) {
                    if merge_sources(&mut stored, ev) {
                        write(&tx, &stored, ingest_no, true).map_err(sq)?;
                    }
                    s.merged += 1;
                    s.touched.push(id);
                    merged = true;
                    break;
                }
            }
            if merged {
                continue;
            }
            if tx
                .query_row("SELECT 1 FROM events WHERE id = ?1", [&ev.id], |_| Ok(()))
                .optional()
                .map_err(sq)?
                .is_some()
            {
                // The id is taken by another source's item (a round trip
                // of critmin's own export keeps ids): the same event.
                let mut stored = load(&tx, &ev.id, &path)?;
                if merge_sources(&mut stored, ev) {
                    write(&tx, &stored, ingest_no, true).map_err(sq)?;
                    s.merged += 1;
                    s.touched.push(ev.id.clone());
                } else {
                    s.unchanged += 1;
                }
                continue;
            }
            write(&tx, ev, ingest_no, false).map_err(sq)?;
            s.added += 1;
            s.touched.push(ev.id.clone());
            s.new_ids.push(ev.id.clone());
        }
        tx.execute(
            "INSERT INTO ingests (id, file, format, items, added, merged, updated, unchanged, filtered, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            params![
                ingest_no,
                file,
                format,
                s.items as i64,
                s.added as i64,
                s.merged as i64,
                s.updated as i64,
                s.unchanged as i64,
                s.filtered as i64
            ],
        )
        .map_err(sq)?;
        tx.commit().map_err(sq)?;
        Ok(s)
    }

    /// The event `id`, if stored.
    pub fn get(&self, id: &str) -> Result<Option<Event>, StoreError> {
        let exists = self
            .conn
            .query_row("SELECT 1 FROM events WHERE id = ?1", [id], |_| Ok(()))
            .optional()
            .map_err(|e| self.err(e))?;
        match exists {
            Some(()) => load(&self.conn, id, &self.path).map(Some),
            None => Ok(None),
        }
    }

    /// Events matching `q`, newest first (by publication, then id).
    pub fn find(&self, q: &Query) -> Result<Vec<Event>, StoreError> {
        let mut sql = String::from("SELECT e.id FROM events e WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(t) = &q.text {
            sql.push_str(" AND e.id IN (SELECT event_id FROM events_fts WHERE events_fts MATCH ?)");
            args.push(t.clone().into());
        }
        if !q.kinds.is_empty() {
            let marks = vec!["?"; q.kinds.len()].join(", ");
            sql.push_str(&format!(" AND e.kind IN ({marks})"));
            for k in &q.kinds {
                args.push(k.as_str().to_string().into());
            }
        }
        if let Some((kind, id)) = &q.entity {
            sql.push_str(" AND e.id IN (SELECT event_id FROM links WHERE kind = ? AND entity = ?)");
            args.push(kind.as_str().to_string().into());
            args.push(id.clone().into());
        }
        if let Some(d) = q.since {
            sql.push_str(" AND e.published >= ?");
            args.push(d.to_string().into());
        }
        sql.push_str(" ORDER BY e.published DESC, e.id");
        if let Some(n) = q.limit {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        let ids: Vec<String> = {
            let mut st = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
            st.query_map(rusqlite::params_from_iter(args), |r| r.get(0))
                .map_err(|e| self.err(e))?
                .collect::<Result<_, _>>()
                .map_err(|e| self.err(e))?
        };
        ids.iter()
            .map(|id| load(&self.conn, id, &self.path))
            .collect()
    }

    /// Every event, in id order (exports, content comparisons).
    pub fn all(&self) -> Result<Vec<Event>, StoreError> {
        let ids: Vec<String> = {
            let mut st = self
                .conn
                .prepare("SELECT id FROM events ORDER BY id")
                .map_err(|e| self.err(e))?;
            st.query_map([], |r| r.get(0))
                .map_err(|e| self.err(e))?
                .collect::<Result<_, _>>()
                .map_err(|e| self.err(e))?
        };
        ids.iter()
            .map(|id| load(&self.conn, id, &self.path))
            .collect()
    }

    /// Sets the schema version as a newer critmin would (tests of the
    /// version check only).
    #[doc(hidden)]
    pub fn set_version_for_tests(&self, v: i64) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "user_version", v)
            .map_err(|e| self.err(e))
    }

    /// `PRAGMA integrity_check`: `ok`, or what SQLite found.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        let rows: Vec<String> = {
            let mut st = self
                .conn
                .prepare("PRAGMA integrity_check")
                .map_err(|e| self.err(e))?;
            st.query_map([], |r| r.get(0))
                .map_err(|e| self.err(e))?
                .collect::<Result<_, _>>()
                .map_err(|e| self.err(e))?
        };
        Ok(rows.join("; "))
    }

    /// Stores `org`'s rules file (replacing the one stored), as validated
    /// by the caller.
    pub fn set_rules(&mut self, org: &str, toml: &str, at: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO rules (org, toml, stored_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(org) DO UPDATE SET toml = excluded.toml, stored_at = excluded.stored_at",
                params![org, toml, at],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Every organisation's rules file: (org, TOML, when stored), by org.
    pub fn rules(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT org, toml, stored_at FROM rules ORDER BY org")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Stores the alerts not raised before (by id), in one transaction, and
    /// returns those: an alert already raised — its event re-ingested,
    /// edited, or evaluated again on schedule — is not raised twice.
    pub fn raise(&mut self, alerts: &[Alert]) -> Result<Vec<Alert>, StoreError> {
        let path = self.path.clone();
        let sq = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sq)?;
        let mut new = Vec::new();
        for a in alerts {
            let body = serde_json::to_string(a).map_err(|e| StoreError::Corrupt {
                path: path.clone(),
                id: a.id.clone(),
                message: e.to_string(),
            })?;
            let n = tx
                .execute(
                    "INSERT OR IGNORE INTO alerts (id, org, rule, kind, event_id, raised_at, deliver_after, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        a.id,
                        a.org,
                        a.rule,
                        format!("{:?}", a.kind).to_ascii_lowercase(),
                        a.event,
                        a.raised_at.to_string(),
                        a.deliver_after.to_string(),
                        body
                    ],
                )
                .map_err(sq)?;
            if n == 1 {
                new.push(a.clone());
            }
        }
        tx.commit().map_err(sq)?;
        Ok(new)
    }

    /// Stored alerts, oldest first: of `org` only when given, raised on or
    /// after `since` when given, and only the undelivered ones due by
    /// `due_by` when given. Each comes with when it was delivered.
    pub fn alerts(
        &self,
        org: Option<&str>,
        since: Option<&str>,
        due_by: Option<&str>,
    ) -> Result<Vec<(Alert, Option<String>)>, StoreError> {
        let mut sql = String::from("SELECT id, body, delivered_at FROM alerts WHERE 1 = 1");
        let mut args: Vec<String> = Vec::new();
        if let Some(o) = org {
            sql.push_str(" AND org = ?");
            args.push(o.to_string());
        }
        if let Some(s) = since {
            sql.push_str(" AND raised_at >= ?");
            args.push(s.to_string());
        }
        if let Some(d) = due_by {
            sql.push_str(" AND delivered_at IS NULL AND deliver_after <= ?");
            args.push(d.to_string());
        }
        sql.push_str(" ORDER BY raised_at, id");
        let rows: Vec<(String, String, Option<String>)> = {
            let mut st = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
            st.query_map(rusqlite::params_from_iter(args), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| self.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))?
        };
        rows.into_iter()
            .map(|(id, body, at)| {
                serde_json::from_str(&body)
                    .map(|a| (a, at))
                    .map_err(|e| StoreError::Corrupt {
                        path: self.path.clone(),
                        id,
                        message: e.to_string(),
                    })
            })
            .collect()
    }

    /// How many alerts are stored and not yet delivered.
    pub fn held_alerts(&self) -> Result<usize, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM alerts WHERE delivered_at IS NULL",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }

    /// Whether the alert `id` was raised before.
    pub fn has_alert(&self, id: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row("SELECT 1 FROM alerts WHERE id = ?1", [id], |_| Ok(()))
            .optional()
            .map(|x| x.is_some())
            .map_err(|e| self.err(e))
    }

    /// A kept impact assessment (`key`: the event's content, the settings
    /// and the dataset, as the caller makes it).
    pub fn impact(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT body FROM impacts WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Keeps an impact assessment.
    pub fn set_impact(&mut self, key: &str, event: &str, body: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO impacts (key, event_id, body) VALUES (?1, ?2, ?3)",
                params![key, event, body],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Every event's id and when it was first stored (its ingest's commit
    /// time, `YYYY-MM-DDTHH:MM:SS.sssZ`), in that order then by id.
    pub fn added_times(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT e.id, COALESCE(i.at, '1970-01-01T00:00:00.000Z') FROM events e
                 LEFT JOIN ingests i ON i.id = e.first_ingest ORDER BY 2, 1",
            )
            .map_err(|e| self.err(e))?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))
    }

    /// The ingests committed, in order: (number, file, items, added).
    pub fn ingest_log(&self) -> Result<Vec<(i64, String, i64, i64)>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, file, items, added FROM ingests ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Records the alerts `ids` as delivered at `at`.
    pub fn mark_delivered(&mut self, ids: &[String], at: &str) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sq = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sq)?;
        for id in ids {
            tx.execute(
                "UPDATE alerts SET delivered_at = ?2 WHERE id = ?1 AND delivered_at IS NULL",
                params![id, at],
            )
            .map_err(sq)?;
        }
        tx.commit().map_err(sq)
    }

    /// A digest of every stored event's content (sources and links
    /// included), for comparing two stores or a store before and after.
    pub fn content_digest(&self) -> Result<String, StoreError> {
        let events = self.all()?;
        let mut all = String::new();
        for e in &events {
            all.push_str(&e.id);
            all.push(':');
            all.push_str(&content_hash(e));
            all.push('\n');
        }
        Ok(critmin_intel::prepare::event_id("digest", &all))
    }
}

/// The hash of everything an event says (its id aside): what tells an
/// edit from a re-ingest.
pub fn content_hash(e: &Event) -> String {
    let mut v = e.clone();
    v.id = String::new();
    let json = serde_json::to_string(&v).unwrap_or_default();
    critmin_intel::prepare::event_id("content", &json)
}

/// Ids of stored events of the same kind published within three days of
/// `ev` (all of its kind when it is undated; the undated ones always):
/// the candidates for the same story.
fn stories_near(tx: &Transaction<'_>, ev: &Event) -> rusqlite::Result<Vec<String>> {
    // Days are `YYYY-MM-DD` text, so a range of them is a range of text
    // (and the `events_by_day` index serves it).
    let (lo, hi) = match ev.published {
        Some(d) => (
            Day::from_ordinal(d.ordinal() - 3).to_string(),
            Day::from_ordinal(d.ordinal() + 3).to_string(),
        ),
        None => (String::new(), "~".to_string()),
    };
    let mut st = tx.prepare_cached(
        "SELECT id FROM events WHERE kind = ?1
           AND (published IS NULL OR published BETWEEN ?2 AND ?3)
         ORDER BY published, id",
    )?;
    let rows = st.query_map(params![ev.kind.as_str(), lo, hi], |r| r.get::<_, String>(0))?;
    rows.collect()
}

/// Writes `e` (replacing it when `replace`), its sources, links and
/// full-text entry.
fn write(tx: &Transaction<'_>, e: &Event, ingest: i64, replace: bool) -> rusqlite::Result<()> {
    let day = |d: Option<Day>| d.map(|d| d.to_string());
    let facts = serde_json::to_string(&e.facts).unwrap_or_else(|_| "{}".into());
    let share = serde_json::to_string(&e.share_with).unwrap_or_else(|_| "[]".into());
    // One statement for a new event and an edit: an edit keeps the event's
    // first ingest and replaces the rest.
    tx.execute(
        "INSERT INTO events (id, published, observed, valid_from, valid_to, title, body, kind,
           severity, status, reliability, credibility, tlp, owner, share_with, facts,
           content_hash, first_ingest, last_change)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18)
         ON CONFLICT(id) DO UPDATE SET published = excluded.published, observed = excluded.observed,
           valid_from = excluded.valid_from, valid_to = excluded.valid_to, title = excluded.title,
           body = excluded.body, kind = excluded.kind, severity = excluded.severity,
           status = excluded.status, reliability = excluded.reliability,
           credibility = excluded.credibility, tlp = excluded.tlp, owner = excluded.owner,
           share_with = excluded.share_with, facts = excluded.facts,
           content_hash = excluded.content_hash, last_change = excluded.last_change",
        params![
            e.id,
            day(e.published),
            day(e.observed),
            day(e.valid_from),
            day(e.valid_to),
            e.title,
            e.body,
            e.kind.as_str(),
            e.severity as i64,
            e.status.as_str(),
            e.admiralty.map(|a| a.reliability.to_string()),
            e.admiralty.map(|a| i64::from(a.credibility)),
            e.tlp.as_str(),
            e.owner,
            share,
            facts,
            content_hash(e),
            ingest
        ],
    )?;
    if replace {
        tx.execute("DELETE FROM sources WHERE event_id = ?1", [&e.id])?;
        tx.execute("DELETE FROM links WHERE event_id = ?1", [&e.id])?;
        tx.execute("DELETE FROM events_fts WHERE event_id = ?1", [&e.id])?;
    }
    for (i, s) in e.sources.iter().enumerate() {
        tx.execute(
            "INSERT OR REPLACE INTO sources (event_id, source, item_key, link, position) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![e.id, s.name, s.item.clone().unwrap_or_default(), s.link, i as i64],
        )?;
    }
    for l in &e.links {
        tx.execute(
            "INSERT OR IGNORE INTO links (event_id, kind, entity, alias) VALUES (?1, ?2, ?3, ?4)",
            params![e.id, l.kind.as_str(), l.id, l.alias],
        )?;
    }
    tx.execute(
        "INSERT INTO events_fts (event_id, title, body) VALUES (?1, ?2, ?3)",
        params![e.id, e.title, e.body],
    )?;
    Ok(())
}

/// Reads event `id` back.
fn load(conn: &Connection, id: &str, path: &str) -> Result<Event, StoreError> {
    let corrupt = |m: String| StoreError::Corrupt {
        path: path.to_string(),
        id: id.to_string(),
        message: m,
    };
    let sq = |source| StoreError::Sqlite {
        path: path.to_string(),
        source,
    };
    type Row = (
        [Option<String>; 4],
        String,
        String,
        String,
        i64,
        String,
        Option<String>,
        Option<i64>,
        String,
        String,
        String,
        String,
    );
    let row: Row = conn
        .query_row(
            "SELECT published, observed, valid_from, valid_to, title, body, kind, severity, status,
                    reliability, credibility, tlp, owner, share_with, facts FROM events WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    [r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?],
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                    r.get(12)?,
                    r.get(13)?,
                    r.get(14)?,
                ))
            },
        )
        .map_err(sq)?;
    let (days, title, body, kind, severity, status, rel, cred, tlp, owner, share, facts) = row;
    let day = |s: &Option<String>| -> Result<Option<Day>, StoreError> {
        match s {
            None => Ok(None),
            Some(s) => Day::parse(s)
                .map(Some)
                .ok_or_else(|| corrupt(format!("`{s}` is not a date"))),
        }
    };
    let severity = match severity {
        1 => Severity::Low,
        2 => Severity::Medium,
        3 => Severity::High,
        4 => Severity::Critical,
        x => return Err(corrupt(format!("severity {x}"))),
    };
    let admiralty = match (rel, cred) {
        (Some(r), Some(c)) => Some(
            r.chars()
                .next()
                .and_then(|r| Admiralty::new(r, c as u8))
                .ok_or_else(|| corrupt(format!("Admiralty {r}{c}")))?,
        ),
        _ => None,
    };
    let mut sources = Vec::new();
    {
        let mut st = conn
            .prepare_cached(
                "SELECT source, item_key, link FROM sources WHERE event_id = ?1 ORDER BY position",
            )
            .map_err(sq)?;
        let rows = st
            .query_map([id], |r| {
                Ok(SourceRef {
                    name: r.get(0)?,
                    item: {
                        let k: String = r.get(1)?;
                        (!k.is_empty()).then_some(k)
                    },
                    link: r.get(2)?,
                })
            })
            .map_err(sq)?;
        for r in rows {
            sources.push(r.map_err(sq)?);
        }
    }
    let mut links = Vec::new();
    {
        let mut st = conn
            .prepare_cached(
                "SELECT kind, entity, alias FROM links WHERE event_id = ?1 ORDER BY kind, entity",
            )
            .map_err(sq)?;
        let rows = st
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(sq)?;
        for r in rows {
            let (k, e, a) = r.map_err(sq)?;
            let kind = EntityKind::parse(&k).ok_or_else(|| corrupt(format!("link kind {k}")))?;
            links.push(Link {
                kind,
                id: e,
                alias: a,
            });
        }
    }
    links.sort();
    Ok(Event {
        id: id.to_string(),
        published: day(&days[0])?,
        observed: day(&days[1])?,
        valid_from: day(&days[2])?,
        valid_to: day(&days[3])?,
        title,
        body,
        sources,
        kind: Kind::parse(&kind).ok_or_else(|| corrupt(format!("kind {kind}")))?,
        links,
        severity,
        status: Status::parse(&status).ok_or_else(|| corrupt(format!("status {status}")))?,
        admiralty,
        tlp: Tlp::parse(&tlp).ok_or_else(|| corrupt(format!("TLP {tlp}")))?,
        owner,
        share_with: serde_json::from_str(&share).map_err(|e| corrupt(e.to_string()))?,
        facts: serde_json::from_str(&facts).map_err(|e| corrupt(e.to_string()))?,
    })
}
