//! Uncertainty in a scenario: `[[risk]]` entries and `[uncertainty]`
//! inputs. The types are plain data in `critmin-model` (re-exported here),
//! their reading is `critmin-format`'s and their sampling `critmin-risk`'s.

pub use critmin_model::risk::{Dist, Risk, RiskTemplate, Uncertainty, monthly_from_yearly};
