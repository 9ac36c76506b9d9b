//! The partner workspace's accounts: organisations and sharing groups,
//! users with argon2id password hashes, API tokens, browser sessions, and
//! the audited decision on every access to a marked item
//! ([`crate::access`]). `critmin admin` and the server call these.
//!
//! Secrets are shown once and stored as hashes: a token is
//! `cmt_<id>_<secret>` and the store keeps the SHA-256 of the secret; a
//! session id is 32 random bytes in a cookie and the store keeps its
//! SHA-256. Secrets are compared in constant time.

use crate::AppError;
use crate::access::{Action, Decision, Marking, Principal, Role, decide};
use crate::ops::alerts::now_or;
use critmin_intel::alert::Stamp;
use critmin_store::Store;
use critmin_store::accounts::{AuditRow, OrgRow, SessionRow, TokenRow, UserRow};
use serde::Serialize;
use subtle::ConstantTimeEq;

/// How long a browser session lasts, minutes (12 hours).
pub const SESSION_MINUTES: i64 = 12 * 60;
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Opens the store at `db` (or the default), creating it if needed: the
/// server's and `critmin admin`'s one file.
pub fn open(db: Option<&std::path::Path>) -> Result<Store, AppError> {
    let db = db.map_or_else(crate::ops::intel::default_db, std::path::Path::to_path_buf);
    crate::ops::intel::open_store(&db)
}

fn internal(e: critmin_store::StoreError) -> AppError {
    match e {
        critmin_store::StoreError::Conflict { what, .. } => AppError::bad("name", what),
        e => AppError::Internal(e.to_string()),
    }
}

/// `n` random bytes as hex, from the operating system.
pub fn random_hex(n: usize) -> Result<String, AppError> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

fn sha256_hex(s: &str) -> String {
    crate::provenance::hash_bytes(s.as_bytes())
}

/// Whether two secrets' hashes are equal, in time independent of where
/// they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// An argon2id hash (PHC string) of `password`.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(hash: &str, password: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A name an organisation, group or user may have: 1–64 of letters,
/// digits, `-`, `_`, `.`.
fn check_name(field: &str, s: &str) -> Result<(), AppError> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(AppError::bad(
            field,
            format!("`{s}`: use 1 to 64 letters, digits, `-`, `_` or `.`"),
        ))
    }
}

/// Adds an organisation, optionally in sharing groups.
pub fn add_org(
    store: &mut Store,
    name: &str,
    title: &str,
    groups: &[String],
) -> Result<(), AppError> {
    check_name("NAME", name)?;
    for g in groups {
        check_name("--group", g)?;
    }
    let at = now_or(None)?.to_string();
    store.add_org(name, title, &at).map_err(internal)?;
    for g in groups {
        store.join_group(g, name).map_err(internal)?;
    }
    Ok(())
}

/// An organisation as listed.
pub type OrgInfo = OrgRow;

/// Every organisation.
pub fn orgs(store: &Store) -> Result<Vec<OrgRow>, AppError> {
    store.orgs().map_err(internal)
}

/// A user as listed (never the hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    /// Login name.
    pub name: String,
    /// Organisation.
    pub org: String,
    /// Role.
    pub role: Role,
    /// Disabled.
    pub disabled: bool,
    /// When added.
    pub created: String,
}

/// Adds a user with a password (at least [`MIN_PASSWORD_CHARS`]).
pub fn add_user(
    store: &mut Store,
    name: &str,
    org: &str,
    role: Role,
    password: &str,
) -> Result<(), AppError> {
    check_name("NAME", name)?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::bad(
            "password",
            format!("use at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let row = UserRow {
        name: name.into(),
        org: org.into(),
        role: role.as_str().into(),
        password_hash: hash_password(password)?,
        disabled: false,
        created: now_or(None)?.to_string(),
    };
    store.add_user(&row).map_err(internal)
}

/// Users, of one organisation or all.
pub fn users(store: &Store, org: Option<&str>) -> Result<Vec<UserInfo>, AppError> {
    Ok(store
        .users(org)
        .map_err(internal)?
        .into_iter()
        .map(|u| UserInfo {
            role: Role::parse(&u.role).unwrap_or(Role::Viewer),
            name: u.name,
            org: u.org,
            disabled: u.disabled,
            created: u.created,
        })
        .collect())
}

/// Disables a user (their sessions and tokens stop working at once).
pub fn disable_user(store: &mut Store, name: &str) -> Result<(), AppError> {
    store.set_disabled(name, true).map_err(internal)
}

/// Makes an API token for `user` at `now`, valid `days` days (`None`:
/// until revoked); returns the token, which is shown this once.
pub fn create_token(
    store: &mut Store,
    user: &str,
    label: &str,
    days: Option<u32>,
    now: Stamp,
) -> Result<String, AppError> {
    let u = store
        .user(user)
        .map_err(internal)?
        .ok_or_else(|| AppError::bad("--user", format!("no user `{user}`")))?;
    if u.disabled {
        return Err(AppError::bad("--user", format!("`{user}` is disabled")));
    }
    let id = random_hex(8)?;
    let secret = random_hex(24)?;
    store
        .add_token(&TokenRow {
            id: id.clone(),
            user: user.into(),
            secret_sha256: sha256_hex(&secret),
            label: label.into(),
            created: now.to_string(),
            expires: days.map(|d| Stamp(now.0 + i64::from(d) * 1440).to_string()),
            revoked: false,
        })
        .map_err(internal)?;
    Ok(format!("cmt_{id}_{secret}"))
}

/// The principal of an enabled user.
pub fn principal_of(store: &Store, user: &str) -> Result<Principal, AppError> {
    let unknown = || AppError::Unauthenticated("unknown or disabled user".into());
    let u = store.user(user).map_err(internal)?.ok_or_else(unknown)?;
    if u.disabled {
        return Err(unknown());
    }
    Ok(Principal {
        groups: store.groups_of(&u.org).map_err(internal)?,
        role: Role::parse(&u.role).unwrap_or(Role::Viewer),
        org: u.org,
        user: u.name,
    })
}

/// Who a bearer token (`cmt_<id>_<secret>`) belongs to, if it is valid at
/// `now`: known, not revoked, not expired, its user enabled.
pub fn authenticate_token(store: &Store, token: &str, now: Stamp) -> Result<Principal, AppError> {
    let bad = || AppError::Unauthenticated("invalid token".into());
    let rest = token.strip_prefix("cmt_").ok_or_else(bad)?;
    let (id, secret) = rest.split_once('_').ok_or_else(bad)?;
    let t = store.token(id).map_err(internal)?.ok_or_else(bad)?;
    let expired = t
        .expires
        .as_deref()
        .and_then(Stamp::parse)
        .is_some_and(|e| now >= e);
    if !same(&t.secret_sha256, &sha256_hex(secret)) || t.revoked || expired {
        return Err(bad());
    }
    principal_of(store, &t.user)
}

/// A new browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The cookie's value (shown this once).
    pub id: String,
    /// The CSRF token the pages carry.
    pub csrf: String,
    /// Who.
    pub principal: Principal,
}

/// Checks a password and opens a session. A wrong user and a wrong
/// password fail alike (and take alike: a dummy hash is verified for an
/// unknown user).
pub fn login(
    store: &mut Store,
    user: &str,
    password: &str,
    now: Stamp,
) -> Result<NewSession, AppError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let fail = || AppError::Unauthenticated("wrong user or password".into());
    let row = store.user(user).map_err(internal)?;
    let ok = match &row {
        Some(u) => verify_password(&u.password_hash, password) && !u.disabled,
        None => {
            let dummy =
                DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default());
            let _ = verify_password(dummy, password);
            false
        }
    };
    if !ok {
        return Err(fail());
    }
    let principal = principal_of(store, user)?;
    let id = random_hex(32)?;
    let csrf = random_hex(32)?;
    store
        .add_session(&SessionRow {
            id_sha256: sha256_hex(&id),
            user: user.into(),
            csrf: csrf.clone(),
            created: now.to_string(),
            expires: Stamp(now.0 + SESSION_MINUTES).to_string(),
            revoked: false,
        })
        .map_err(internal)?;
    Ok(NewSession {
        id,
        csrf,
        principal,
    })
}

/// Who a session cookie belongs to at `now`, and its CSRF token.
pub fn session(store: &Store, id: &str, now: Stamp) -> Result<(Principal, String), AppError> {
    let bad = || AppError::Unauthenticated("no valid session".into());
    let s = store
        .session(&sha256_hex(id))
        .map_err(internal)?
        .ok_or_else(bad)?;
    let expired = Stamp::parse(&s.expires).is_none_or(|e| now >= e);
    if s.revoked || expired {
        return Err(bad());
    }
    Ok((principal_of(store, &s.user)?, s.csrf))
}

/// Whether a request's CSRF token matches its session's.
pub fn csrf_ok(expected: &str, given: &str) -> bool {
    same(expected, given)
}

/// Ends a session.
pub fn logout(store: &mut Store, id: &str) -> Result<(), AppError> {
    store.revoke_session(&sha256_hex(id)).map_err(internal)
}

/// The audit entries of a request that reads many items, written
/// together ([`AuditLog::write`]) in one transaction.
#[derive(Debug, Default)]
pub struct AuditLog(Vec<AuditRow>);

impl AuditLog {
    /// [`decide`], logged: every denial and every granted access to an
    /// AMBER, AMBER+STRICT or RED item gets an entry.
    pub fn decide(
        &mut self,
        p: &Principal,
        action: Action,
        item: &str,
        m: &Marking,
        now: Stamp,
    ) -> Decision {
        use critmin_intel::event::Tlp;
        let d = decide(p, action, m);
        let sensitive = matches!(m.tlp, Tlp::Amber | Tlp::AmberStrict | Tlp::Red);
        if d != Decision::Allow || sensitive {
            self.0.push(AuditRow {
                at: now.to_string(),
                user: p.user.clone(),
                org: p.org.clone(),
                action: format!("{action:?}").to_ascii_lowercase(),
                item: item.into(),
                marking: m.tlp.as_str().into(),
                decision: match d {
                    Decision::Allow => "allow",
                    Decision::Forbidden => "forbidden",
                    Decision::NotFound => "not_found",
                }
                .into(),
            });
        }
        d
    }

    /// Writes the entries.
    pub fn write(self, store: &mut Store) -> Result<(), AppError> {
        store.audit_many(&self.0).map_err(internal)
    }
}

/// [`decide`], audited at once: every denial and every granted access to
/// an AMBER, AMBER+STRICT or RED item is written to the audit log.
pub fn decide_audited(
    store: &mut Store,
    p: &Principal,
    action: Action,
    item: &str,
    m: &Marking,
    now: Stamp,
) -> Result<Decision, AppError> {
    let mut log = AuditLog::default();
    let d = log.decide(p, action, item, m, now);
    log.write(store)?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        let mut s = Store::in_memory().unwrap();
        add_org(&mut s, "JP", "Japan", &["stockpilers".into()]).unwrap();
        add_org(&mut s, "US", "United States", &[]).unwrap();
        add_user(&mut s, "aiko", "JP", Role::Analyst, "correct horse battery").unwrap();
        s
    }

    #[test]
    fn passwords_tokens_and_sessions() {
        let mut s = store();
        let now = Stamp::parse("2026-12-01T00:00Z").unwrap();
        assert!(add_user(&mut s, "bob", "JP", Role::Viewer, "short").is_err());
        assert!(add_user(&mut s, "bob", "XX", Role::Viewer, "long enough password").is_err());
        assert!(add_user(&mut s, "aiko", "JP", Role::Viewer, "long enough password").is_err());
        assert!(login(&mut s, "aiko", "wrong password!!", now).is_err());
        assert!(login(&mut s, "nobody", "correct horse battery", now).is_err());
        let sess = login(&mut s, "aiko", "correct horse battery", now).unwrap();
        assert_eq!(sess.principal.groups, vec!["stockpilers".to_string()]);
        let (p, csrf) = session(&s, &sess.id, now).unwrap();
        assert_eq!((p.org.as_str(), p.role), ("JP", Role::Analyst));
        assert!(csrf_ok(&csrf, &sess.csrf) && !csrf_ok(&csrf, "x"));
        // Expiry and logout.
        assert!(session(&s, &sess.id, Stamp(now.0 + SESSION_MINUTES)).is_err());
        logout(&mut s, &sess.id).unwrap();
        assert!(session(&s, &sess.id, now).is_err());
        // Tokens: valid, tampered, expired; disabling the user ends them.
        let t = create_token(&mut s, "aiko", "script", Some(1), now).unwrap();
        assert_eq!(authenticate_token(&s, &t, now).unwrap().user, "aiko");
        // The last hex digit changed (to another digit whatever it was).
        let last = if t.ends_with('0') { '1' } else { '0' };
        let tampered = format!("{}{last}", &t[..t.len() - 1]);
        assert_ne!(tampered, t);
        assert!(authenticate_token(&s, &tampered, now).is_err());
        assert!(authenticate_token(&s, &t, Stamp(now.0 + 1440)).is_err());
        let sess = login(&mut s, "aiko", "correct horse battery", now).unwrap();
        disable_user(&mut s, "aiko").unwrap();
        assert!(authenticate_token(&s, &t, now).is_err());
        assert!(session(&s, &sess.id, now).is_err());
        assert!(login(&mut s, "aiko", "correct horse battery", now).is_err());
        // The store never holds a secret.
        let row = s.user("aiko").unwrap().unwrap();
        assert!(
            row.password_hash.starts_with("$argon2id$") && !row.password_hash.contains("horse")
        );
    }

    #[test]
    fn denials_and_sensitive_grants_are_audited() {
        use critmin_intel::event::Tlp;
        let mut s = store();
        let now = Stamp::parse("2026-12-01T00:00Z").unwrap();
        let p = principal_of(&s, "aiko").unwrap();
        let mk = |tlp, owner: &str| Marking {
            tlp,
            owner: owner.into(),
            share_with: vec![],
        };
        assert_eq!(
            decide_audited(
                &mut s,
                &p,
                Action::Read,
                "event:a",
                &mk(Tlp::Green, "US"),
                now
            )
            .unwrap(),
            Decision::Allow
        );
        assert_eq!(
            decide_audited(
                &mut s,
                &p,
                Action::Read,
                "event:b",
                &mk(Tlp::Amber, "JP"),
                now
            )
            .unwrap(),
            Decision::Allow
        );
        assert_eq!(
            decide_audited(
                &mut s,
                &p,
                Action::Read,
                "event:c",
                &mk(Tlp::AmberStrict, "US"),
                now
            )
            .unwrap(),
            Decision::NotFound
        );
        let log = s.audit_log(10).unwrap();
        let items: Vec<(&str, &str)> = log
            .iter()
            .map(|a| (a.item.as_str(), a.decision.as_str()))
            .collect();
        assert_eq!(items, vec![("event:c", "not_found"), ("event:b", "allow")]);
    }
}
