//! The partner workspace's accounts: organisations and their sharing
//! groups, users, API tokens, sessions, and the audit log (schema
//! version 3). Secrets never reach this file: passwords arrive as argon2
//! PHC strings, tokens and session ids as the SHA-256 of their secret.

use crate::{Store, StoreError};
use rusqlite::{OptionalExtension, params};

/// An organisation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrgRow {
    /// Short name (`JP-METI`).
    pub name: String,
    /// Full name.
    pub title: String,
    /// When added.
    pub created: String,
    /// The sharing groups it is a member of.
    pub groups: Vec<String>,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// Login name.
    pub name: String,
    /// Organisation.
    pub org: String,
    /// `viewer`, `analyst` or `admin`.
    pub role: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Disabled users cannot log in and their sessions and tokens fail.
    pub disabled: bool,
    /// When added.
    pub created: String,
}

/// An API token (its secret's SHA-256 only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Public id (the part of the token before the secret).
    pub id: String,
    /// Whose.
    pub user: String,
    /// SHA-256 of the secret, hex.
    pub secret_sha256: String,
    /// What it is for.
    pub label: String,
    /// When made.
    pub created: String,
    /// When it stops working, if ever.
    pub expires: Option<String>,
    /// Revoked.
    pub revoked: bool,
}

/// A browser session (its id's SHA-256 only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// SHA-256 of the session id, hex.
    pub id_sha256: String,
    /// Whose.
    pub user: String,
    /// The CSRF token every state-changing request must carry.
    pub csrf: String,
    /// When made.
    pub created: String,
    /// When it expires.
    pub expires: String,
    /// Revoked (logged out).
    pub revoked: bool,
}

/// One audited access.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    /// When.
    pub at: String,
    /// Who (user name, or `-` for none).
    pub user: String,
    /// Their organisation.
    pub org: String,
    /// What they asked (`read`, `write`, `run`).
    pub action: String,
    /// The item (`event:ev-…`).
    pub item: String,
    /// Its marking.
    pub marking: String,
    /// `allow`, `forbidden` or `not_found`.
    pub decision: String,
}

impl Store {
    fn sq(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn conflict(&self, what: String) -> StoreError {
        StoreError::Conflict {
            path: self.path.clone(),
            what,
        }
    }

    /// Adds an organisation (an error if the name is taken).
    pub fn add_org(&mut self, name: &str, title: &str, at: &str) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO orgs (name, title, created) VALUES (?1, ?2, ?3)",
                params![name, title, at],
            )
            .map_err(self.sq())?;
        if n == 0 {
            return Err(self.conflict(format!("organisation `{name}` exists already")));
        }
        Ok(())
    }

    /// Puts organisation `org` in sharing group `group`.
    pub fn join_group(&mut self, group: &str, org: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO sharing_groups (name, org) VALUES (?1, ?2)",
                params![group, org],
            )
            .map(|_| ())
            .map_err(self.sq())
    }

    /// Every organisation, by name, with its groups.
    pub fn orgs(&self) -> Result<Vec<OrgRow>, StoreError> {
        let rows: Vec<(String, String, String)> = {
            let mut st = self
                .conn
                .prepare("SELECT name, title, created FROM orgs ORDER BY name")
                .map_err(self.sq())?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(self.sq())?
                .collect::<Result<_, _>>()
                .map_err(self.sq())?
        };
        rows.into_iter()
            .map(|(name, title, created)| {
                let groups = self.groups_of(&name)?;
                Ok(OrgRow {
                    name,
                    title,
                    created,
                    groups,
                })
            })
            .collect()
    }

    /// The sharing groups `org` is in, by name.
    pub fn groups_of(&self, org: &str) -> Result<Vec<String>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT name FROM sharing_groups WHERE org = ?1 ORDER BY name")
            .map_err(self.sq())?;
        st.query_map([org], |r| r.get(0))
            .map_err(self.sq())?
            .collect::<Result<_, _>>()
            .map_err(self.sq())
    }

    /// Adds a user (an error if the name is taken or the organisation
    /// unknown).
    pub fn add_user(&mut self, u: &UserRow) -> Result<(), StoreError> {
        if !self.orgs()?.iter().any(|o| o.name == u.org) {
            return Err(self.conflict(format!("no organisation `{}`", u.org)));
        }
        let n = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO users (name, org, role, password_hash, disabled, created)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    u.name,
                    u.org,
                    u.role,
                    u.password_hash,
                    i64::from(u.disabled),
                    u.created
                ],
            )
            .map_err(self.sq())?;
        if n == 0 {
            return Err(self.conflict(format!("user `{}` exists already", u.name)));
        }
        Ok(())
    }

    fn user_rows(&self, sql: &str, arg: Option<&str>) -> Result<Vec<UserRow>, StoreError> {
        let mut st = self.conn.prepare_cached(sql).map_err(self.sq())?;
        let map = |r: &rusqlite::Row<'_>| {
            Ok(UserRow {
                name: r.get(0)?,
                org: r.get(1)?,
                role: r.get(2)?,
                password_hash: r.get(3)?,
                disabled: r.get::<_, i64>(4)? != 0,
                created: r.get(5)?,
            })
        };
        let rows = match arg {
            Some(a) => st.query_map([a], map),
            None => st.query_map([], map),
        }
        .map_err(self.sq())?;
        rows.collect::<Result<_, _>>().map_err(self.sq())
    }

    /// The user `name`, if any.
    pub fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(self
            .user_rows(
                "SELECT name, org, role, password_hash, disabled, created FROM users WHERE name = ?1",
                Some(name),
            )?
            .pop())
    }

    /// Users, of one organisation or all, by name.
    pub fn users(&self, org: Option<&str>) -> Result<Vec<UserRow>, StoreError> {
        match org {
            Some(o) => self.user_rows(
                "SELECT name, org, role, password_hash, disabled, created FROM users WHERE org = ?1 ORDER BY name",
                Some(o),
            ),
            None => self.user_rows(
                "SELECT name, org, role, password_hash, disabled, created FROM users ORDER BY name",
                None,
            ),
        }
    }

    /// Disables (or enables) a user; disabling also revokes their
    /// sessions and tokens. An error if there is no such user.
    pub fn set_disabled(&mut self, name: &str, disabled: bool) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sq = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sq)?;
        let n = tx
            .execute(
                "UPDATE users SET disabled = ?2 WHERE name = ?1",
                params![name, i64::from(disabled)],
            )
            .map_err(sq)?;
        if n == 0 {
            return Err(StoreError::Conflict {
                path,
                what: format!("no user `{name}`"),
            });
        }
        if disabled {
            tx.execute("UPDATE sessions SET revoked = 1 WHERE user = ?1", [name])
                .map_err(sq)?;
            tx.execute("UPDATE tokens SET revoked = 1 WHERE user = ?1", [name])
                .map_err(sq)?;
        }
        tx.commit().map_err(sq)
    }

    /// Stores a token.
    pub fn add_token(&mut self, t: &TokenRow) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO tokens (id, user, secret_sha256, label, created, expires, revoked)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    t.id,
                    t.user,
                    t.secret_sha256,
                    t.label,
                    t.created,
                    t.expires,
                    i64::from(t.revoked)
                ],
            )
            .map(|_| ())
            .map_err(self.sq())
    }

    /// The token `id`, if any.
    pub fn token(&self, id: &str) -> Result<Option<TokenRow>, StoreError> {
        self.conn
            .query_row(
                "SELECT id, user, secret_sha256, label, created, expires, revoked FROM tokens WHERE id = ?1",
                [id],
                |r| {
                    Ok(TokenRow {
                        id: r.get(0)?,
                        user: r.get(1)?,
                        secret_sha256: r.get(2)?,
                        label: r.get(3)?,
                        created: r.get(4)?,
                        expires: r.get(5)?,
                        revoked: r.get::<_, i64>(6)? != 0,
                    })
                },
            )
            .optional()
            .map_err(self.sq())
    }

    /// Revokes a token.
    pub fn revoke_token(&mut self, id: &str) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE tokens SET revoked = 1 WHERE id = ?1", [id])
            .map(|_| ())
            .map_err(self.sq())
    }

    /// Stores a session.
    pub fn add_session(&mut self, s: &SessionRow) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO sessions (id_sha256, user, csrf, created, expires, revoked)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    s.id_sha256,
                    s.user,
                    s.csrf,
                    s.created,
                    s.expires,
                    i64::from(s.revoked)
                ],
            )
            .map(|_| ())
            .map_err(self.sq())
    }

    /// The session whose id hashes to `id_sha256`, if any.
    pub fn session(&self, id_sha256: &str) -> Result<Option<SessionRow>, StoreError> {
        self.conn
            .query_row(
                "SELECT id_sha256, user, csrf, created, expires, revoked FROM sessions WHERE id_sha256 = ?1",
                [id_sha256],
                |r| {
                    Ok(SessionRow {
                        id_sha256: r.get(0)?,
                        user: r.get(1)?,
                        csrf: r.get(2)?,
                        created: r.get(3)?,
                        expires: r.get(4)?,
                        revoked: r.get::<_, i64>(5)? != 0,
                    })
                },
            )
            .optional()
            .map_err(self.sq())
    }

    /// Revokes a session (log out).
    pub fn revoke_session(&mut self, id_sha256: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE sessions SET revoked = 1 WHERE id_sha256 = ?1",
                [id_sha256],
            )
            .map(|_| ())
            .map_err(self.sq())
    }

    /// Appends to the audit log.
    pub fn audit(&mut self, a: &AuditRow) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO audit (at, user, org, action, item, marking, decision)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![a.at, a.user, a.org, a.action, a.item, a.marking, a.decision],
            )
            .map(|_| ())
            .map_err(self.sq())
    }

    /// Appends several entries to the audit log in one transaction.
    pub fn audit_many(&mut self, rows: &[AuditRow]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let sq = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sq)?;
        for a in rows {
            tx.execute(
                "INSERT INTO audit (at, user, org, action, item, marking, decision)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![a.at, a.user, a.org, a.action, a.item, a.marking, a.decision],
            )
            .map_err(sq)?;
        }
        tx.commit().map_err(sq)
    }

    /// The newest `limit` audit entries, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditRow>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT at, user, org, action, item, marking, decision FROM audit ORDER BY id DESC LIMIT ?1",
            )
            .map_err(self.sq())?;
        st.query_map([limit as i64], |r| {
            Ok(AuditRow {
                at: r.get(0)?,
                user: r.get(1)?,
                org: r.get(2)?,
                action: r.get(3)?,
                item: r.get(4)?,
                marking: r.get(5)?,
                decision: r.get(6)?,
            })
        })
        .map_err(self.sq())?
        .collect::<Result<_, _>>()
        .map_err(self.sq())
    }
}
