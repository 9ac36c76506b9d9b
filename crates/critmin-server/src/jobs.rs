//! The job queue: submitted jobs wait for one of a bounded number of
//! workers (a semaphore), run on blocking threads with a cancellation
//! token and a progress counter, and store their result. A request never
//! waits for a job.

use crate::State;
use critmin_app::CancelToken;
use critmin_app::ops::jobs;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A job that is queued or running.
#[derive(Clone, Default)]
pub(crate) struct Live {
    pub cancel: CancelToken,
    pub done: Arc<AtomicU64>,
    pub total: Arc<AtomicU64>,
}

/// The queue.
pub(crate) struct Queue {
    pub permits: Arc<tokio::sync::Semaphore>,
    pub live: Mutex<HashMap<String, Live>>,
}

impl Queue {
    pub fn new(workers: usize) -> Queue {
        Queue {
            permits: Arc::new(tokio::sync::Semaphore::new(workers.max(1))),
            live: Mutex::new(HashMap::new()),
        }
    }

    /// Progress of a live job: (done, total).
    pub fn progress(&self, id: &str) -> Option<(u64, u64)> {
        let live = self.live.lock().ok()?;
        live.get(id).map(|l| {
            (
                l.done.load(Ordering::Relaxed),
                l.total.load(Ordering::Relaxed),
            )
        })
    }

    /// Cancels a live job's work.
    pub fn cancel(&self, id: &str) {
        if let Ok(live) = self.live.lock()
            && let Some(l) = live.get(id)
        {
            l.cancel.cancel();
        }
    }
}

/// Queues job `id`: it runs when a worker is free.
pub(crate) fn spawn(state: Arc<State>, id: String) {
    let live = Live::default();
    if let Ok(mut m) = state.jobs.live.lock() {
        m.insert(id.clone(), live.clone());
    }
    tokio::spawn(async move {
        let Ok(_permit) = state.jobs.permits.clone().acquire_owned().await else {
            return;
        };
        let st = state.clone();
        let job = id.clone();
        let _ = tokio::task::spawn_blocking(move || run(&st, &job, &live)).await;
        if let Ok(mut m) = state.jobs.live.lock() {
            m.remove(&id);
        }
    });
}

fn run(state: &State, id: &str, live: &Live) {
    let now = || critmin_app::ops::alerts::now_or(None).unwrap_or(critmin_intel::alert::Stamp(0));
    if live.cancel.is_cancelled() {
        if let Ok(mut s) = state.store.lock() {
            let _ = jobs::finish_job(&mut s, id, Err(critmin_app::AppError::Cancelled), now());
        }
        return;
    }
    let started = match state.store.lock() {
        Ok(mut s) => jobs::start_job(&mut s, id, now()),
        Err(_) => return,
    };
    let outcome = started.and_then(|(spec, scenario)| {
        let progress = |p: critmin_app::Progress| {
            live.done.store(p.done, Ordering::Relaxed);
            live.total.store(p.total, Ordering::Relaxed);
        };
        let ctx = critmin_app::Context {
            progress: Some(&progress),
            cancel: live.cancel.clone(),
            invocation: Some(format!("critmin serve: job {id}")),
            threads: Some(1),
        };
        jobs::execute(&spec, scenario, &ctx)
    });
    if let Ok(mut s) = state.store.lock() {
        let _ = jobs::finish_job(&mut s, id, outcome, now());
    }
}
