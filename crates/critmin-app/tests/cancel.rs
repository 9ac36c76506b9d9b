//! Cancellation reaches inside the Monte Carlo: a token cancelled while the
//! futures run stops the operation within about one future per worker, and
//! it returns `AppError::Cancelled`, not a partial result.

use critmin_app::ops::montecarlo::{MonteCarloRequest, montecarlo};
use critmin_app::{AppError, CancelToken, Context, Progress};
use std::sync::atomic::{AtomicU64, Ordering};

fn request(runs: usize) -> MonteCarloRequest {
    MonteCarloRequest {
        runs,
        seed: 3,
        horizon_months: Some(24),
        ..MonteCarloRequest::default()
    }
}

#[test]
fn cancelling_mid_run_stops_the_futures() {
    let cancel = CancelToken::new();
    let done = AtomicU64::new(0);
    let token = cancel.clone();
    let progress = |p: Progress| {
        if p.stage == "montecarlo" {
            done.fetch_max(p.done, Ordering::Relaxed);
            if p.done >= 5 {
                token.cancel();
            }
        }
    };
    let threads = 2;
    let ctx = Context {
        progress: Some(&progress),
        cancel,
        threads: Some(threads),
        ..Context::default()
    };
    let runs = 5_000;
    let err = montecarlo(&request(runs), &ctx).expect_err("a cancelled run must not succeed");
    assert!(matches!(err, AppError::Cancelled), "got {err:?}");
    let reached = done.load(Ordering::Relaxed);
    // Each worker may finish the future it had started when the flag rose.
    assert!(
        reached <= 5 + threads as u64,
        "{reached} futures ran after cancelling at 5"
    );
}

#[test]
fn a_token_cancelled_before_the_start_runs_nothing() {
    let cancel = CancelToken::new();
    cancel.cancel();
    let ctx = Context {
        cancel,
        ..Context::default()
    };
    let err = montecarlo(&request(10), &ctx).expect_err("cancelled");
    assert!(matches!(err, AppError::Cancelled), "got {err:?}");
}

#[test]
fn an_uncancelled_run_is_unchanged_by_the_token() {
    let ctx = Context {
        threads: Some(2),
        ..Context::default()
    };
    let a = montecarlo(&request(16), &ctx).expect("runs");
    let one = Context {
        threads: Some(1),
        ..Context::default()
    };
    let b = montecarlo(&request(16), &one).expect("runs");
    let ja = serde_json::to_value(&a.result).unwrap();
    let jb = serde_json::to_value(&b.result).unwrap();
    assert_eq!(ja, jb, "thread count changed the result");
}
