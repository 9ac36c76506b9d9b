//! [`AppError`]: every way an operation can fail, typed so that each front
//! end maps it to its own convention (the CLI to an exit status, the server
//! to an HTTP status, Python to an exception) without parsing messages.

use critmin_model::Diagnostic;

/// Why an operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// An input (dataset, scenario, plan) was read but has problems, each
    /// listed with its file, line and field.
    #[error("`{input}` has {} problem(s)", .diagnostics.len())]
    Invalid {
        /// The input, as the user named it.
        input: String,
        /// Every problem, in file and line order.
        diagnostics: Vec<Diagnostic>,
    },
    /// A request field is out of range or names something unknown.
    #[error("{field}: {message}")]
    BadRequest {
        /// The request field (the CLI's flag name, e.g. `--year`).
        field: String,
        /// What is wrong and, where possible, what would be right.
        message: String,
    },
    /// An input file, directory or built-in name does not exist.
    #[error("{message}")]
    NotFound {
        /// What was looked for and, where one exists, a suggestion.
        message: String,
    },
    /// The request is valid but has no solution (an optimiser's constraints
    /// cannot all hold).
    #[error("infeasible: {0}")]
    Infeasible(String),
    /// No valid identity came with the request (no or a bad session or
    /// token, a wrong password).
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller may see the item but not do what it asked.
    #[error("{0}")]
    Forbidden(String),
    /// The caller cancelled the operation.
    #[error("cancelled")]
    Cancelled,
    /// Something failed that the request could not have prevented (a file
    /// could not be written, the solver failed).
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// A bad request about `field`.
    pub fn bad(field: &str, message: impl Into<String>) -> AppError {
        AppError::BadRequest {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// True if the caller's input was at fault (the CLI's exit status 2).
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            AppError::Invalid { .. } | AppError::BadRequest { .. } | AppError::NotFound { .. }
        )
    }
}

impl From<critmin_data::LoadError> for AppError {
    fn from(e: critmin_data::LoadError) -> Self {
        match e {
            critmin_data::LoadError::Invalid {
                dataset,
                diagnostics,
            } => AppError::Invalid {
                input: dataset,
                diagnostics,
            },
            e => AppError::NotFound {
                message: e.to_string(),
            },
        }
    }
}

impl From<critmin_metrics::MetricsError> for AppError {
    fn from(e: critmin_metrics::MetricsError) -> Self {
        let field = match &e {
            critmin_metrics::MetricsError::UnknownPath { .. } => "--path",
            critmin_metrics::MetricsError::UnknownGroup { .. } => "--group",
            _ => "request",
        };
        AppError::bad(field, e.to_string())
    }
}

impl From<critmin_opt::OptError> for AppError {
    fn from(e: critmin_opt::OptError) -> Self {
        use critmin_opt::OptError;
        match e {
            OptError::Infeasible(m) => AppError::Infeasible(m),
            e @ (OptError::Solver(_) | OptError::Simulation { .. }) => {
                AppError::Internal(e.to_string())
            }
            e => AppError::bad("request", e.to_string()),
        }
    }
}

impl From<critmin_sim::NetworkError> for AppError {
    fn from(e: critmin_sim::NetworkError) -> Self {
        AppError::bad("scenario", e.to_string())
    }
}

impl From<critmin_risk::McError> for AppError {
    fn from(e: critmin_risk::McError) -> Self {
        match e {
            critmin_risk::McError::Cancelled => AppError::Cancelled,
            e => AppError::bad("montecarlo", e.to_string()),
        }
    }
}
