//! Calendar months, the model's unit of time (`2027-03`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A calendar month, stored as months since January of year 0.
///
/// Written and parsed as `YYYY-MM`. Years 1900–2200 are accepted; anything
/// else is almost certainly a typo in a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

/// Earliest year a [`Month`] may have.
pub const MIN_YEAR: i32 = 1900;
/// Latest year a [`Month`] may have.
pub const MAX_YEAR: i32 = 2200;

impl Month {
    /// The month `year-month` (`month` 1–12), if in range.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        Some(Month(year * 12 + month as i32 - 1))
    }

    /// January of `year`.
    pub fn january(year: i32) -> Option<Month> {
        Month::new(year, 1)
    }

    /// The calendar year.
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// The month of the year, 1–12.
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// This month plus `n` months (`n` may be negative).
    #[must_use]
    pub fn plus(self, n: i32) -> Month {
        Month(self.0 + n)
    }

    /// Months from `earlier` to `self` (negative if `self` is earlier).
    pub fn since(self, earlier: Month) -> i32 {
        self.0 - earlier.0
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// Why a month failed to parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthParseError(pub String);

impl fmt::Display for MonthParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a month: expected YYYY-MM with year {MIN_YEAR}-{MAX_YEAR}, e.g. 2027-03",
            self.0
        )
    }
}

impl std::error::Error for MonthParseError {}

impl FromStr for Month {
    type Err = MonthParseError;
    fn from_str(s: &str) -> Result<Month, MonthParseError> {
        let err = || MonthParseError(s.to_string());
        let t = s.trim();
        let (y, m) = t.split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let year: i32 = y.parse().map_err(|_| err())?;
        let month: u32 = m.parse().map_err(|_| err())?;
        Month::new(year, month).ok_or_else(err)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        let check = |s: &str, ok: Option<&str>| {
            assert_eq!(
                s.parse::<Month>().ok().map(|m| m.to_string()).as_deref(),
                ok,
                "{s}"
            );
        };
        check("2027-03", Some("2027-03"));
        check(" 2024-12 ", Some("2024-12"));
        check("2024-13", None);
        check("2024-00", None);
        check("2024-1", None);
        check("24-01", None);
        check("2024/01", None);
        check("1800-01", None);
        check("+202-01", None);
        check("", None);
    }

    #[test]
    fn arithmetic() {
        let m: Month = "2024-11".parse().unwrap();
        assert_eq!(m.plus(2).to_string(), "2025-01");
        assert_eq!(m.plus(-11).to_string(), "2023-12");
        assert_eq!(m.plus(14).since(m), 14);
        assert_eq!(m.year(), 2024);
        assert_eq!(m.month(), 11);
    }
}
