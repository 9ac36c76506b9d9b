//! `cargo bench -p critmin-risk`: the Monte Carlo benchmark on
//! `scenarios/risk-baseline.toml` (futures × months per second on one
//! thread and on all cores, peak memory). Set `CRITMIN_BENCH_RUNS` to change
//! the number of futures (default 1,000).

use std::path::Path;

fn main() {
    let runs = std::env::var("CRITMIN_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let model = critmin_data::baseline();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/risk-baseline.toml");
    let text = std::fs::read_to_string(&path).expect("read risk-baseline.toml");
    let scenario = critmin_format::scenario::parse("risk-baseline.toml", text.as_bytes(), &model)
        .expect("valid scenario");
    let r = critmin_risk::bench::bench(&model, &scenario, runs, Some(120), 1).expect("bench runs");
    println!("cores: {}", r.cores);
    println!("setup: {:.3} s", r.setup_seconds);
    for row in &r.rows {
        println!(
            "threads {:>2}: {} futures x {} months in {:.2} s = {:.0} future-months/s",
            row.threads, row.runs, row.horizon_months, row.seconds, row.future_months_per_second
        );
    }
    if let Some(m) = r.peak_memory_mib {
        println!("peak memory: {m:.0} MiB");
    }
}
