//! Where an operation's inputs come from — the dataset, scenarios and
//! plans, each named by a serialisable reference — and how they are read,
//! checked and identified by content for the provenance.

use crate::AppError;
use crate::provenance::{InputId, hash_bytes, hash_files};
use critmin_model::{Diagnostic, Model};
use critmin_sim::{Overlay, Scenario};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Which dataset to read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetRef {
    /// The built-in 2024 baseline compiled into critmin.
    #[default]
    Builtin,
    /// A dataset directory (CSV tables and `dataset.toml`).
    Dir(PathBuf),
    /// The built-in historical dataset of the chain in 2009–2010
    /// (`data/history-2010/`), which the 2010–2013 replay runs on.
    History2010,
}

impl DatasetRef {
    /// `--data DIR` if given, else the built-in baseline.
    pub fn from_option(dir: Option<&Path>) -> DatasetRef {
        dir.map_or(DatasetRef::Builtin, |d| DatasetRef::Dir(d.to_path_buf()))
    }
}

/// A dataset, read and validated.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The model.
    pub model: Model,
    /// Its identity for the provenance.
    pub id: InputId,
}

/// Reads and validates a dataset.
pub fn load_dataset(r: &DatasetRef) -> Result<Dataset, AppError> {
    match r {
        DatasetRef::Builtin => {
            let model = critmin_data::try_baseline()?;
            let content_hash =
                hash_files(critmin_data::BASELINE_FILES.iter().map(|(n, b)| (*n, *b)));
            Ok(Dataset {
                id: InputId {
                    name: model.name.clone(),
                    source: "built-in".into(),
                    content_hash,
                },
                model,
            })
        }
        DatasetRef::History2010 => {
            let model = critmin_data::load(&critmin_data::history_2010_source())?;
            let content_hash = hash_files(
                critmin_data::HISTORY_2010_FILES
                    .iter()
                    .map(|(n, b)| (*n, *b)),
            );
            Ok(Dataset {
                id: InputId {
                    name: model.name.clone(),
                    source: "built-in:history-2010".into(),
                    content_hash,
                },
                model,
            })
        }
        DatasetRef::Dir(dir) => {
            if !dir.is_dir() {
                return Err(AppError::NotFound {
                    message: if dir.exists() {
                        format!("--data {}: not a directory", dir.display())
                    } else {
                        format!(
                            "--data {}: no such directory (`critmin data export DIR` writes the built-in dataset to edit)",
                            dir.display()
                        )
                    },
                });
            }
            let model = critmin_data::load_dir(dir)?;
            let mut files = Vec::new();
            for f in critmin_data::FILES {
                if let Ok(b) = std::fs::read(dir.join(f)) {
                    files.push((*f, b));
                }
            }
            let content_hash = hash_files(files.iter().map(|(n, b)| (*n, b.as_slice())));
            Ok(Dataset {
                id: InputId {
                    name: model.name.clone(),
                    source: dir.display().to_string(),
                    content_hash,
                },
                model,
            })
        }
    }
}

/// Which scenario to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioRef {
    /// A scenario of the built-in library, by name (`china-total-ban-12m`,
    /// with or without `.toml`).
    Builtin(String),
    /// A scenario file.
    File(PathBuf),
    /// Scenario text held in memory (a server's upload), with the name to
    /// show in diagnostics.
    Text {
        /// Shown in diagnostics as the file name.
        name: String,
        /// The TOML.
        text: String,
    },
}

impl ScenarioRef {
    /// What a user typed on a command line: an existing file, else a
    /// built-in scenario's name (checked when it is read).
    pub fn from_arg(arg: &Path) -> ScenarioRef {
        if arg.exists() {
            ScenarioRef::File(arg.to_path_buf())
        } else {
            ScenarioRef::Builtin(arg.display().to_string())
        }
    }
}

/// A built-in scenario: its name, file name, TOML and the dataset it runs
/// on.
#[derive(Debug, Clone)]
pub struct Builtin {
    /// The name to run it by.
    pub name: &'static str,
    /// Its file name.
    pub file: &'static str,
    /// The TOML.
    pub text: &'static str,
    /// The built-in dataset it runs on.
    pub dataset: DatasetRef,
}

/// The built-in scenarios: the library on the baseline, the risk models,
/// then the historical replay on its own dataset.
pub fn builtin_scenarios() -> Vec<Builtin> {
    let on_baseline = critmin_sim::library::LIBRARY
        .iter()
        .chain(critmin_sim::library::RISK_LIBRARY)
        .map(|(f, t)| Builtin {
            name: f.trim_end_matches(".toml"),
            file: f,
            text: t,
            dataset: DatasetRef::Builtin,
        });
    let (f, t) = critmin_data::HISTORY_2010_REPLAY;
    on_baseline
        .chain(std::iter::once(Builtin {
            name: f.trim_end_matches(".toml"),
            file: f,
            text: t,
            dataset: DatasetRef::History2010,
        }))
        .collect()
}

/// The built-in scenario called `name` (with or without `.toml`).
pub fn builtin_scenario(name: &str) -> Result<Builtin, AppError> {
    let stem = name.trim_end_matches(".toml");
    let all = builtin_scenarios();
    if let Some(b) = all.iter().find(|b| b.name == stem) {
        return Ok(b.clone());
    }
    let names: Vec<&str> = all.iter().map(|b| b.name).collect();
    let hint = suggest(stem, &names)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    Err(AppError::NotFound {
        message: format!(
            "`{name}` is neither a scenario file nor a built-in scenario{hint} (built-in: {}; `critmin scenarios list` describes them)",
            names.join(", ")
        ),
    })
}

/// The closest of `candidates` to `s`, if it is close enough to be a typo
/// or a fragment.
pub fn suggest<'a>(s: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let s = s.to_ascii_lowercase();
    let stem = Path::new(&s)
        .file_stem()
        .map_or(s.clone(), |x| x.to_string_lossy().to_string());
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let mut d = edit_distance(&stem, c);
        if stem.len() >= 3 && c.starts_with(stem.as_str()) {
            d = d.min(1);
        }
        if d <= (c.len() / 3).max(2) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A scenario's text, where it came from, and the dataset it names.
#[derive(Debug, Clone)]
pub struct ScenarioText {
    /// Shown in diagnostics.
    pub shown: String,
    /// Where it came from, for the provenance.
    pub source: String,
    /// The TOML.
    pub text: String,
    /// The dataset it names: its `dataset` key resolved against the file's
    /// directory, or a built-in scenario's own dataset.
    pub dataset: Option<DatasetRef>,
}

/// Reads a scenario's bytes; invalid UTF-8 is a diagnostic at the line of
/// the first bad byte.
pub fn read_scenario(r: &ScenarioRef) -> Result<ScenarioText, AppError> {
    let mut builtin_data = None;
    let (shown, source, bytes, dir) = match r {
        ScenarioRef::Builtin(name) => {
            let b = builtin_scenario(name)?;
            if b.dataset != DatasetRef::Builtin {
                builtin_data = Some(b.dataset.clone());
            }
            (
                b.file.to_string(),
                format!("built-in:{}", b.file),
                b.text.as_bytes().to_vec(),
                None,
            )
        }
        ScenarioRef::File(p) => {
            let bytes = read_input(p, "scenario")?;
            let shown = p.display().to_string();
            (
                shown.clone(),
                shown,
                bytes,
                Some(p.parent().unwrap_or(Path::new(".")).to_path_buf()),
            )
        }
        ScenarioRef::Text { name, text } => (
            name.clone(),
            format!("inline:{name}"),
            text.as_bytes().to_vec(),
            None,
        ),
    };
    let text = utf8(&shown, bytes)?;
    let dataset = builtin_data.or_else(|| {
        critmin_format::scenario::dataset_of(&text).map(|d| {
            DatasetRef::Dir(match &dir {
                Some(dir) => dir.join(d),
                None => PathBuf::from(d),
            })
        })
    });
    Ok(ScenarioText {
        shown,
        source,
        text,
        dataset,
    })
}

/// Reads a file the user named; a missing file is `NotFound` naming it.
fn read_input(p: &Path, what: &str) -> Result<Vec<u8>, AppError> {
    std::fs::read(p).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => AppError::NotFound {
            message: format!("no {what} file `{}`", p.display()),
        },
        _ => AppError::NotFound {
            message: format!("cannot read the {what} `{}`: {e}", p.display()),
        },
    })
}

/// The bytes as UTF-8, or a diagnostic at the first invalid byte.
pub fn utf8(shown: &str, bytes: Vec<u8>) -> Result<String, AppError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        let col = 1 + at
            - bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
        AppError::Invalid {
            input: shown.to_string(),
            diagnostics: vec![Diagnostic::new(
                shown,
                line,
                "(file)",
                format!(
                    "byte {} (column {col}) is not UTF-8: save the file as UTF-8 text",
                    at + 1
                ),
            )],
        }
    })
}

/// A scenario parsed against its dataset.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    /// The scenario.
    pub scenario: Scenario,
    /// Its identity for the provenance.
    pub id: InputId,
}

/// Parses scenario text against `model` and checks that it starts no
/// earlier than the dataset's base year: the engine runs the chain as the
/// dataset describes it, so a run that begins before the base year would
/// silently replay an earlier year on today's chain.
pub fn parse_scenario(st: &ScenarioText, model: &Model) -> Result<LoadedScenario, AppError> {
    let scenario =
        critmin_format::scenario::parse(&st.shown, st.text.as_bytes(), model).map_err(|d| {
            AppError::Invalid {
                input: st.shown.clone(),
                diagnostics: d,
            }
        })?;
    if scenario.start.year() < model.base_year {
        let line = st
            .text
            .lines()
            .position(|l| l.trim_start().starts_with("start"))
            .map_or(1, |i| i + 1);
        return Err(AppError::Invalid {
            input: st.shown.clone(),
            diagnostics: vec![Diagnostic::new(
                &st.shown,
                line,
                "start",
                format!(
                    "{} is before the dataset's base year {}: the simulator runs the chain as the dataset describes it in {}, so start in {}-01 or later (to study an earlier year, build a dataset for it)",
                    scenario.start, model.base_year, model.base_year, model.base_year
                ),
            )],
        });
    }
    Ok(LoadedScenario {
        id: InputId {
            name: scenario.name.clone(),
            source: st.source.clone(),
            content_hash: hash_bytes(st.text.as_bytes()),
        },
        scenario,
    })
}

/// Reads a scenario and the dataset it runs on: `data` if given, else the
/// scenario's own `dataset` key, else the built-in baseline.
pub fn load_scenario_and_dataset(
    r: &ScenarioRef,
    data: &DatasetRef,
    explicit_data: bool,
) -> Result<(Dataset, LoadedScenario), AppError> {
    let st = read_scenario(r)?;
    let dref = match (&st.dataset, explicit_data) {
        (Some(d), false) => d.clone(),
        _ => data.clone(),
    };
    let ds = load_dataset(&dref)?;
    let sc = parse_scenario(&st, &ds.model)?;
    Ok((ds, sc))
}

/// A plan file (funded projects, stockpile purchases).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanRef {
    /// A plan file.
    File(PathBuf),
    /// Plan text in memory, with the name shown in diagnostics.
    Text {
        /// Shown in diagnostics.
        name: String,
        /// The TOML.
        text: String,
    },
}

/// Reads a plan and resolves it against `model`.
pub fn load_plan(r: &PlanRef, model: &Model) -> Result<(Overlay, InputId), AppError> {
    let (shown, bytes) = match r {
        PlanRef::File(p) => (p.display().to_string(), read_input(p, "plan")?),
        PlanRef::Text { name, text } => (name.clone(), text.as_bytes().to_vec()),
    };
    let text = utf8(&shown, bytes)?;
    let (plan, overlay) =
        critmin_opt::plan::parse(&shown, &text, model).map_err(|d| AppError::Invalid {
            input: shown.clone(),
            diagnostics: d,
        })?;
    Ok((
        overlay,
        InputId {
            name: plan.name,
            source: shown,
            content_hash: hash_bytes(text.as_bytes()),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let names = ["china-total-ban-12m", "baseline", "risk-baseline"];
        assert_eq!(suggest("china-ban", &names), None);
        assert_eq!(
            suggest("china-total-ban", &names),
            Some("china-total-ban-12m")
        );
        assert_eq!(suggest("baselin", &names), Some("baseline"));
        assert_eq!(suggest("scenarios/baseline.toml", &names), Some("baseline"));
        assert_eq!(suggest("zzz", &names), None);
    }

    #[test]
    fn invalid_utf8_is_located() {
        let e = utf8("s.toml", b"name = \"a\"\nstart = \"\xff\"\n".to_vec()).unwrap_err();
        let AppError::Invalid { diagnostics, .. } = e else {
            panic!("{e:?}")
        };
        assert_eq!(diagnostics[0].line, 2);
        assert!(
            diagnostics[0].message.contains("column 10"),
            "{diagnostics:?}"
        );
    }
}
