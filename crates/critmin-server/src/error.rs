//! JSON errors with stable codes: `{"error": {"code", "message",
//! "diagnostics"?}}`. The code says what kind of failure it is and never
//! changes; the message is for people.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use critmin_app::AppError;
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ApiError {
    /// The HTTP status.
    #[serde(skip)]
    pub status: u16,
    /// Stable code: `unauthenticated`, `forbidden`, `csrf`, `not_found`,
    /// `bad_request`, `invalid_input`, `infeasible`, `rate_limited`,
    /// `too_large`, `timeout`, `cancelled`, `internal`.
    pub code: &'static str,
    /// What went wrong, in words.
    pub message: String,
    /// For `invalid_input`: every problem at `file:line: field`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<String>,
}

/// The envelope of an error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ApiError,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: status.as_u16(),
            code,
            message: message.into(),
            diagnostics: Vec::new(),
        }
    }

    /// 404 for anything the caller may not know exists.
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such item")
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        match e {
            AppError::Invalid { input, diagnostics } => ApiError {
                status: 422,
                code: "invalid_input",
                message: format!("`{input}` has {} problem(s)", diagnostics.len()),
                diagnostics: diagnostics.iter().map(ToString::to_string).collect(),
            },
            AppError::BadRequest { field, message } => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("{field}: {message}"),
            ),
            AppError::NotFound { .. } => ApiError::not_found(),
            AppError::Unauthenticated(m) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", m)
            }
            AppError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            AppError::Infeasible(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "infeasible", m)
            }
            AppError::Cancelled => ApiError::new(StatusCode::CONFLICT, "cancelled", "cancelled"),
            // The details of an internal failure stay in the server's log.
            e => {
                eprintln!("critmin serve: internal error: {e}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error (logged)",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(ErrorBody { error: self })).into_response()
    }
}
