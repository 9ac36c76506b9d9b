//! Countries (ISO 3166-1 alpha-2 codes) and named groups of countries.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An ISO 3166-1 alpha-2 country code such as `US`, `JP` or `CN`, always
/// upper-case ASCII. `EU` (an ISO "exceptionally reserved" code) is accepted
/// for datasets that treat the European Union as one region.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses a two-letter code, case-insensitively.
    pub fn parse(s: &str) -> Option<CountryCode> {
        let b = s.trim().as_bytes();
        if b.len() != 2 || !b.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        Some(CountryCode([
            b[0].to_ascii_uppercase(),
            b[1].to_ascii_uppercase(),
        ]))
    }

    /// The code as a `&str`.
    pub fn as_str(&self) -> &str {
        // Always two ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// China, whose share of each stage critmin reports everywhere.
    pub const CN: CountryCode = CountryCode(*b"CN");
    /// The United States.
    pub const US: CountryCode = CountryCode(*b"US");
    /// Japan.
    pub const JP: CountryCode = CountryCode(*b"JP");
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CountryCode, D::Error> {
        let s = String::deserialize(d)?;
        CountryCode::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("`{s}` is not a two-letter country code"))
        })
    }
}

/// A country known to the dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code.
    pub code: CountryCode,
    /// English short name.
    pub name: String,
}

/// A named group of countries, e.g. `allied` or `us_jp`. Members are
/// resolved countries; groups named inside a group's definition in the
/// manifest are expanded when the dataset is loaded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Name, lower-case, e.g. `allied`.
    pub name: String,
    /// Member countries, sorted and without duplicates.
    pub members: Vec<CountryCode>,
}

impl Group {
    /// Whether `c` is a member.
    pub fn contains(&self, c: CountryCode) -> bool {
        self.members.binary_search(&c).is_ok()
    }
}

/// Name of the built-in group of the partnership's members.
pub const ALLIED: &str = "allied";
/// Name of the built-in group of the United States and Japan.
pub const US_JP: &str = "us_jp";

/// The partnership as the mission defines it: the United States, Japan,
/// Australia, Canada, the United Kingdom, Korea and the European Union. The EU
/// entry names the group `eu`, which the manifest defines (or the code `EU`
/// when the dataset treats the EU as one region).
pub const DEFAULT_ALLIED: [&str; 7] = ["US", "JP", "AU", "CA", "GB", "KR", "eu"];

/// The 27 member states of the European Union (2024).
pub const EU_MEMBERS: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse() {
        assert_eq!(CountryCode::parse("us"), Some(CountryCode::US));
        assert_eq!(CountryCode::parse(" JP "), Some(CountryCode::JP));
        assert_eq!(CountryCode::parse("USA"), None);
        assert_eq!(CountryCode::parse("U1"), None);
        assert_eq!(CountryCode::parse("é"), None);
        assert_eq!(CountryCode::CN.to_string(), "CN");
    }
}
