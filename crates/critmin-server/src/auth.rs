//! Who is calling: a bearer token (`Authorization: Bearer cmt_…`) or a
//! session cookie (`critmin_session`, HttpOnly, SameSite=Strict), checked
//! by the application layer. A request with a session that changes state
//! must carry the session's CSRF token in `X-CSRF-Token`. Failed logins
//! are limited per user name.

use crate::State;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use critmin_app::access::Principal;
use critmin_app::ops::accounts;
use std::collections::HashMap;
use std::sync::Arc;

/// The session cookie's name.
pub const COOKIE: &str = "critmin_session";
/// The CSRF header's name.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Failed logins allowed per user name in [`WINDOW_MINUTES`].
pub const MAX_FAILURES: usize = 5;
/// The window of [`MAX_FAILURES`], minutes.
pub const WINDOW_MINUTES: i64 = 15;

/// The caller of a request, authenticated.
pub struct Caller {
    /// Who.
    pub principal: Principal,
    /// The session's CSRF token, when the caller came with a cookie.
    pub csrf: Option<String>,
}

/// The current time.
pub(crate) fn now() -> Result<critmin_intel::alert::Stamp, ApiError> {
    critmin_app::ops::alerts::now_or(None).map_err(ApiError::from)
}

/// The value of cookie `name` in the request, if any.
pub(crate) fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<Arc<State>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<State>) -> Result<Self, ApiError> {
        Caller::authenticate(parts, state, true)
    }
}

impl Caller {
    /// Who is calling. With `csrf_header`, a state-changing request that
    /// came with the session cookie must carry `X-CSRF-Token`; without it
    /// (the dashboard's forms, which carry the token as a field), the
    /// handler checks the field itself.
    pub(crate) fn authenticate(
        parts: &Parts,
        state: &Arc<State>,
        csrf_header: bool,
    ) -> Result<Caller, ApiError> {
        let now = now()?;
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let store = state.store.lock().map_err(|_| poisoned())?;
        if let Some(t) = bearer {
            let principal = accounts::authenticate_token(&store, t, now)?;
            return Ok(Caller {
                principal,
                csrf: None,
            });
        }
        let Some(id) = cookie(&parts.headers, COOKIE) else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "log in (POST /api/v1/session) or send a bearer token",
            ));
        };
        let (principal, csrf) = accounts::session(&store, &id, now)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe && csrf_header {
            let given = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !accounts::csrf_ok(&csrf, given) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "a request that changes state needs the session's X-CSRF-Token",
                ));
            }
        }
        Ok(Caller {
            principal,
            csrf: Some(csrf),
        })
    }
}

pub(crate) fn poisoned() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error (logged)",
    )
}

/// Failed logins per user name: the minutes (since the epoch) they came.
#[derive(Default)]
pub struct Failures(HashMap<String, Vec<i64>>);

impl Failures {
    /// Whether `user` may try again at `now` (fewer than [`MAX_FAILURES`]
    /// failures in the last [`WINDOW_MINUTES`]).
    pub fn allowed(&mut self, user: &str, now: i64) -> bool {
        let v = self.0.entry(user.to_string()).or_default();
        v.retain(|t| now - t < WINDOW_MINUTES);
        v.len() < MAX_FAILURES
    }

    /// Records a failure.
    pub fn fail(&mut self, user: &str, now: i64) {
        self.0.entry(user.to_string()).or_default().push(now);
        // Bounded: forget the oldest names when too many are tracked.
        if self.0.len() > 100_000 {
            self.0
                .retain(|_, v| v.iter().any(|t| now - t < WINDOW_MINUTES));
        }
    }

    /// Forgets `user`'s failures (after a success).
    pub fn clear(&mut self, user: &str) {
        self.0.remove(user);
    }
}
