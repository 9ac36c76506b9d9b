//! The workspace's stored scenarios and jobs (schema version 4). Their
//! markings are kept as the JSON the application layer gives; the store
//! does not read them.

use crate::{Store, StoreError};
use rusqlite::params;

/// A stored scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioRow {
    /// Id (`sc-…`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its TOML.
    pub toml: String,
    /// Its marking, JSON.
    pub marking: String,
    /// When stored.
    pub created: String,
    /// By whom (user name).
    pub created_by: String,
}

/// A job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    /// Id (`job-…`).
    pub id: String,
    /// What to run, JSON.
    pub spec: String,
    /// The result's marking, JSON.
    pub marking: String,
    /// Who submitted it.
    pub created_by: String,
    /// `queued`, `running`, `done`, `failed`, `cancelled`.
    pub status: String,
    /// When submitted.
    pub created: String,
    /// When it started.
    pub started: Option<String>,
    /// When it ended.
    pub finished: Option<String>,
    /// Its result, JSON, when done (only as stored; reads leave it out).
    pub result: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

impl Store {
    /// Stores a scenario.
    pub fn add_scenario(&mut self, s: &ScenarioRow) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO scenarios (id, name, toml, marking, created, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![s.id, s.name, s.toml, s.marking, s.created, s.created_by],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Every stored scenario, newest first.
    pub fn scenarios(&self) -> Result<Vec<ScenarioRow>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, name, toml, marking, created, created_by FROM scenarios ORDER BY created DESC, id")
            .map_err(|e| self.err(e))?;
        st.query_map([], |r| {
            Ok(ScenarioRow {
                id: r.get(0)?,
                name: r.get(1)?,
                toml: r.get(2)?,
                marking: r.get(3)?,
                created: r.get(4)?,
                created_by: r.get(5)?,
            })
        })
        .map_err(|e| self.err(e))?
        .collect::<Result<_, _>>()
        .map_err(|e| self.err(e))
    }

    /// The scenario `id`, if any.
    pub fn scenario(&self, id: &str) -> Result<Option<ScenarioRow>, StoreError> {
        Ok(self.scenarios()?.into_iter().find(|s| s.id == id))
    }

    /// Stores a new job.
    pub fn add_job(&mut self, j: &JobRow) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO jobs (id, spec, marking, created_by, status, created, started, finished, result, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    j.id, j.spec, j.marking, j.created_by, j.status, j.created, j.started, j.finished,
                    j.result, j.error
                ],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records a job's new status (and when it started or ended, its
    /// result or error), in one statement. A job already ended keeps its
    /// end: only `queued` or `running` jobs change.
    pub fn set_job(
        &mut self,
        id: &str,
        status: &str,
        at: &str,
        result: Option<&str>,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        let started = (status == "running").then_some(at);
        let finished = matches!(status, "done" | "failed" | "cancelled").then_some(at);
        self.conn
            .execute(
                "UPDATE jobs SET status = ?2, started = COALESCE(?3, started), finished = COALESCE(?4, finished),
                   result = COALESCE(?5, result), error = COALESCE(?6, error)
                 WHERE id = ?1 AND status IN ('queued', 'running')",
                params![id, status, started, finished, result, error],
            )
            .map(|n| n == 1)
            .map_err(|e| self.err(e))
    }

    fn job_rows(&self, sql: &str, arg: Option<&str>) -> Result<Vec<JobRow>, StoreError> {
        let mut st = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let map = |r: &rusqlite::Row<'_>| {
            Ok(JobRow {
                id: r.get(0)?,
                spec: r.get(1)?,
                marking: r.get(2)?,
                created_by: r.get(3)?,
                status: r.get(4)?,
                created: r.get(5)?,
                started: r.get(6)?,
                finished: r.get(7)?,
                result: r.get(8)?,
                error: r.get(9)?,
            })
        };
        let rows = match arg {
            Some(a) => st.query_map([a], map),
            None => st.query_map([], map),
        }
        .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// A job's result (JSON), if it has one. [`Store::job`] and
    /// [`Store::jobs`] leave results out: they can be large.
    pub fn job_result(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT result FROM jobs WHERE id = ?1", [id], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// The job `id`, if any (without its result).
    pub fn job(&self, id: &str) -> Result<Option<JobRow>, StoreError> {
        Ok(self
            .job_rows(
                "SELECT id, spec, marking, created_by, status, created, started, finished, NULL, error FROM jobs WHERE id = ?1",
                Some(id),
            )?
            .pop())
    }

    /// Every job, newest first (without results).
    pub fn jobs(&self) -> Result<Vec<JobRow>, StoreError> {
        self.job_rows(
            "SELECT id, spec, marking, created_by, status, created, started, finished, NULL, error FROM jobs ORDER BY created DESC, id",
            None,
        )
    }

    /// Marks every job left `queued` or `running` by a server that stopped
    /// as failed (on start-up); returns how many.
    pub fn fail_unfinished_jobs(&mut self, at: &str) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "UPDATE jobs SET status = 'failed', finished = ?1, error = 'the server stopped before the job ended; submit it again'
                 WHERE status IN ('queued', 'running')",
                [at],
            )
            .map_err(|e| self.err(e))
    }
}
