//! `critmin serve`: the partner workspace over HTTP — organisations and
//! users log in (a session cookie with a CSRF token for browsers, a bearer
//! token for scripts), and a REST API under `/api/v1`, described by the
//! OpenAPI 3.1 document at `/api/v1/openapi.json`, answers from the
//! application layer (`docs/server.md`).
//!
//! This crate owns HTTP only: routing, authentication from the request,
//! status codes and JSON errors, security headers, limits, shutdown. It
//! contains no analysis and decides no access: every read and write of a
//! marked item is a `critmin-app` operation that asks
//! `critmin_app::access::decide`. It must not depend on the store, the
//! simulator or the solver directly.

mod api;
mod auth;
mod error;
mod jobs;
pub mod openapi;
mod taxii;
mod ui;

pub use api::ROUTES;
pub use error::ApiError;

use axum::Router;
use critmin_app::Store;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The store (accounts, events, alerts).
    pub db: Option<PathBuf>,
    /// Behind a TLS-terminating proxy: cookies are `Secure` and responses
    /// carry HSTS.
    pub behind_tls: bool,
    /// The longest a request may take.
    pub request_timeout: Duration,
    /// Jobs run at once (the rest wait in the queue).
    pub workers: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: None,
            behind_tls: false,
            request_timeout: Duration::from_secs(30),
            workers: 2,
        }
    }
}

/// What the server could not do.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The store would not open.
    #[error("{0}")]
    Store(critmin_app::AppError),
    /// The address would not bind, or serving failed.
    #[error("{addr}: {source}")]
    Io {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// What every handler shares.
pub struct State {
    /// The store; one connection, one writer at a time (SQLite in WAL mode
    /// serialises writers anyway).
    pub(crate) store: Mutex<Store>,
    /// The built-in dataset (loaded once).
    pub(crate) dataset: critmin_app::inputs::Dataset,
    /// Failed logins per user name, for rate limiting.
    pub(crate) login_failures: Mutex<auth::Failures>,
    pub(crate) behind_tls: bool,
    /// The job queue.
    pub(crate) jobs: jobs::Queue,
}

/// The state for `opts`: the store opened (created and migrated if need
/// be) and the built-in dataset loaded.
pub fn state(opts: &Options) -> Result<Arc<State>, ServeError> {
    let mut store =
        critmin_app::ops::accounts::open(opts.db.as_deref()).map_err(ServeError::Store)?;
    // Jobs a stopped server left unfinished will not finish: say so.
    let now = critmin_app::ops::alerts::now_or(None).map_err(ServeError::Store)?;
    critmin_app::ops::jobs::fail_unfinished(&mut store, now).map_err(ServeError::Store)?;
    let dataset = critmin_app::inputs::load_dataset(&critmin_app::DatasetRef::Builtin)
        .map_err(ServeError::Store)?;
    Ok(Arc::new(State {
        store: Mutex::new(store),
        dataset,
        login_failures: Mutex::new(auth::Failures::default()),
        behind_tls: opts.behind_tls,
        jobs: jobs::Queue::new(opts.workers),
    }))
}

/// The whole application: the API, its document, the middleware.
pub fn router(state: Arc<State>, opts: &Options) -> Router {
    api::routes(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            (state, opts.request_timeout),
            api::guard,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(api::MAX_BODY_BYTES))
}

/// Serves `app` on `listener` until `stop` resolves (tests: a server in
/// the same process on a port of their own).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    app: Router,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
}

/// Serves until SIGTERM or Ctrl-C, then stops taking connections and
/// finishes the requests in flight (each write is one SQLite transaction,
/// so none is lost half-done). Prints the address it listens on.
pub async fn serve(opts: Options) -> Result<(), ServeError> {
    let state = state(&opts)?;
    let app = router(state, &opts);
    let listener = tokio::net::TcpListener::bind(opts.addr)
        .await
        .map_err(|source| ServeError::Io {
            addr: opts.addr,
            source,
        })?;
    let addr = listener.local_addr().unwrap_or(opts.addr);
    println!("critmin serve: listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|source| ServeError::Io { addr, source })?;
    println!("critmin serve: stopped");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// [`serve`] on a runtime of its own (the CLI's entry point).
pub fn run(opts: Options) -> Result<(), ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| ServeError::Io {
            addr: opts.addr,
            source,
        })?;
    rt.block_on(serve(opts))
}
