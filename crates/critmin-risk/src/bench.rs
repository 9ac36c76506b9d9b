//! The Monte Carlo benchmark behind `critmin bench` and `cargo bench`:
//! futures × months per second on a scenario, on one thread and on all,
//! with the process's peak memory.

use crate::mc::{McConfig, McError, MonteCarlo};
use critmin_model::Model;
use critmin_sim::{Overlay, Scenario};
use serde::Serialize;
use std::time::Instant;

/// One timed configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchRow {
    /// Threads used.
    pub threads: usize,
    /// Futures run.
    pub runs: usize,
    /// Months per future.
    pub horizon_months: u32,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Futures × months per second.
    pub future_months_per_second: f64,
}

/// The benchmark's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchReport {
    /// Logical cores the machine reports.
    pub cores: usize,
    /// Time to prepare the scenario (network and normal flows), seconds.
    pub setup_seconds: f64,
    /// One row per thread count.
    pub rows: Vec<BenchRow>,
    /// Peak resident memory of the process (VmHWM), MiB, if known.
    pub peak_memory_mib: Option<f64>,
}

/// Runs `runs` futures of `scenario` on one thread and on all cores.
pub fn bench(
    model: &Model,
    scenario: &Scenario,
    runs: usize,
    horizon: Option<u32>,
    seed: u64,
) -> Result<BenchReport, McError> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut cfg = McConfig {
        runs,
        seed,
        threads: 1,
        horizon_months: horizon,
        focus_countries: Vec::new(),
        focus_elements: Vec::new(),
    };
    let t0 = Instant::now();
    let mc = MonteCarlo::new(model, scenario, &Overlay::default(), &cfg)?;
    let setup_seconds = t0.elapsed().as_secs_f64();
    let mut rows = Vec::new();
    let mut counts = vec![1];
    if cores > 1 {
        counts.push(cores);
    }
    for threads in counts {
        cfg.threads = threads;
        let t = Instant::now();
        let r = mc.run(&cfg, &|_| {})?;
        let seconds = t.elapsed().as_secs_f64();
        rows.push(BenchRow {
            threads,
            runs,
            horizon_months: r.horizon_months,
            seconds,
            future_months_per_second: (runs as f64 * f64::from(r.horizon_months))
                / seconds.max(1e-9),
        });
    }
    Ok(BenchReport {
        cores,
        setup_seconds,
        rows,
        peak_memory_mib: peak_memory_mib(),
    })
}

/// The process's peak resident set (Linux `/proc/self/status` VmHWM), MiB.
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
