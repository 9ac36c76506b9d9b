//! The scenario library of `scenarios/`, compiled into the binary so that
//! `critmin assess` can run it anywhere.

/// `(file name, TOML text)` of every library scenario, in the order the
/// report shows them.
pub const LIBRARY: &[(&str, &str)] = &[
    (
        "baseline.toml",
        include_str!("../../../scenarios/baseline.toml"),
    ),
    (
        "embargo-japan-2010.toml",
        include_str!("../../../scenarios/embargo-japan-2010.toml"),
    ),
    (
        "china-heavy-ree-licensing-2025.toml",
        include_str!("../../../scenarios/china-heavy-ree-licensing-2025.toml"),
    ),
    (
        "china-licensing-2025-2026.toml",
        include_str!("../../../scenarios/china-licensing-2025-2026.toml"),
    ),
    (
        "china-total-ban-12m.toml",
        include_str!("../../../scenarios/china-total-ban-12m.toml"),
    ),
    (
        "china-total-ban-12m-shared.toml",
        include_str!("../../../scenarios/china-total-ban-12m-shared.toml"),
    ),
    (
        "china-ban-us-12m.toml",
        include_str!("../../../scenarios/china-ban-us-12m.toml"),
    ),
    (
        "china-ban-japan-12m.toml",
        include_str!("../../../scenarios/china-ban-japan-12m.toml"),
    ),
    (
        "lynas-malaysia-outage.toml",
        include_str!("../../../scenarios/lynas-malaysia-outage.toml"),
    ),
    (
        "mountain-pass-outage.toml",
        include_str!("../../../scenarios/mountain-pass-outage.toml"),
    ),
    (
        "us-section-301-magnets-2026.toml",
        include_str!("../../../scenarios/us-section-301-magnets-2026.toml"),
    ),
];

/// `(file name, TOML text)` of the risk models (for `critmin montecarlo`,
/// `critmin bench` and the risk section of `critmin assess`).
pub const RISK_LIBRARY: &[(&str, &str)] = &[(
    "risk-baseline.toml",
    include_str!("../../../scenarios/risk-baseline.toml"),
)];
