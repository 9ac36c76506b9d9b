//! [`Diagnostic`]: one problem found in an input file, located by file,
//! line and field. Every reader of user input (datasets, scenarios, plans)
//! reports its problems in this one shape, so every front end can print,
//! serialise or count them the same way.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One problem found in an input file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The file, as the user named it (`data/mine/facilities.csv`).
    pub file: String,
    /// 1-based line number (1 for problems with the whole file).
    pub line: usize,
    /// The column or key at fault, or `(header)`, `(row)`, `(table)`.
    pub field: String,
    /// What is wrong, in words a spreadsheet user can act on.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at `file:line` about `field`.
    pub fn new(
        file: &str,
        line: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            file: file.to_string(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.field, self.message
        )
    }
}
