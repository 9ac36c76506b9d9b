//! [`Context`]: what a front end hands an operation besides its request —
//! a progress callback, a cancellation token and the invocation to record
//! in the provenance.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A step of a long operation: `done` of `total` units of `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'a> {
    /// What is running (`"montecarlo"`, `"scenario library"`, …).
    pub stage: &'a str,
    /// Units done.
    pub done: u64,
    /// Units in all.
    pub total: u64,
}

/// Cancels a running operation from another thread (a server's request
/// going away, Ctrl-C). Cheap to clone; all clones share one flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Asks every operation holding a clone to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The shared flag itself, for engines that poll it inside a long step
    /// (the Monte Carlo's workers check it before every future).
    pub fn flag(&self) -> &AtomicBool {
        &self.0
    }

    /// `Err(Cancelled)` once cancelled: call between the steps of an
    /// operation.
    pub fn check(&self) -> Result<(), crate::AppError> {
        if self.is_cancelled() {
            Err(crate::AppError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// The caller's side of an operation.
#[derive(Clone, Default)]
pub struct Context<'a> {
    /// Called as long steps advance (from worker threads too).
    pub progress: Option<&'a (dyn Fn(Progress) + Sync)>,
    /// Checked between steps and, in the Monte Carlo, before every future;
    /// a cancelled operation returns
    /// `AppError::Cancelled` and writes nothing.
    pub cancel: CancelToken,
    /// How the operation was invoked (a command line, an API route), for
    /// the provenance.
    pub invocation: Option<String>,
    /// Worker threads for parallel steps (default: all cores). Results do
    /// not depend on it.
    pub threads: Option<usize>,
}

impl Context<'_> {
    /// Reports progress, if anyone listens.
    pub fn report(&self, stage: &str, done: u64, total: u64) {
        if let Some(p) = self.progress {
            p(Progress { stage, done, total });
        }
    }

    /// Worker threads to use.
    pub fn threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1)
    }
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("progress", &self.progress.is_some())
            .field("cancel", &self.cancel)
            .field("invocation", &self.invocation)
            .field("threads", &self.threads)
            .finish()
    }
}
