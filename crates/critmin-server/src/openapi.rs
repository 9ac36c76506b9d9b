//! The OpenAPI 3.1 document of the API, generated from the handlers'
//! annotations and the types they take and return (utoipa).

use crate::api;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "critmin partner workspace API",
        description = "Rare-earth supply-chain metrics, scenarios and shared intelligence under TLP 2.0 markings. Authenticate with a session (POST /api/v1/session; state-changing requests then carry X-CSRF-Token) or `Authorization: Bearer cmt_…`. Anything the caller may not know exists answers 404.",
        license(name = "Apache-2.0")
    ),
    paths(
        api::health,
        api::login,
        api::logout,
        api::me,
        api::list_events,
        api::post_events,
        api::get_event,
        api::alerts,
        api::metrics,
        api::targets,
        api::scenarios,
        api::save_scenario,
        api::validate_scenario,
        api::get_scenario,
        api::list_jobs,
        api::submit_job,
        api::get_job,
        api::cancel_job,
        api::job_result,
        api::orgs,
        api::users,
        api::openapi,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ApiError))
)]
struct Doc;

/// The document, as JSON.
pub fn document() -> String {
    Doc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".into())
}
