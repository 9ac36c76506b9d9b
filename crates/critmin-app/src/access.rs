//! Who may see what: the one function that decides whether an
//! organisation may read a marked item. Every read of a marked item in the
//! application layer — an alert raised for an organisation, an export for
//! a partner, and the server's handlers after it — asks [`may_see`];
//! nothing filters by itself.
//!
//! TLP 2.0 (FIRST, 2022): `CLEAR` is public; `GREEN` is the community (all
//! partnership members); `AMBER` is the owner and the organisations it
//! names; `AMBER+STRICT` and `RED` the owning organisation only (RED's
//! named individuals are a matter for the server's users; at the level of
//! organisations only the owner qualifies).

use critmin_intel::event::{Event, Tlp};

/// Whether organisation `org` may see an item marked `tlp`, owned by
/// `owner` and shared with `share_with`.
pub fn may_see_marked(org: &str, tlp: Tlp, owner: &str, share_with: &[String]) -> bool {
    let own = org.eq_ignore_ascii_case(owner);
    match tlp {
        Tlp::Clear | Tlp::Green => true,
        Tlp::Amber => own || share_with.iter().any(|s| s.eq_ignore_ascii_case(org)),
        Tlp::AmberStrict | Tlp::Red => own,
    }
}

/// Whether organisation `org` may see event `e`.
pub fn may_see(org: &str, e: &Event) -> bool {
    may_see_marked(org, e.tlp, &e.owner, &e.share_with)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_marking_decides_as_tlp_2_says() {
        let named = vec!["KR".to_string()];
        let table = [
            (Tlp::Clear, [true, true, true]),
            (Tlp::Green, [true, true, true]),
            (Tlp::Amber, [true, true, false]),
            (Tlp::AmberStrict, [true, false, false]),
            (Tlp::Red, [true, false, false]),
        ];
        for (tlp, want) in table {
            let got = ["JP", "KR", "US"].map(|org| may_see_marked(org, tlp, "JP", &named));
            assert_eq!(got, want, "{tlp}");
        }
    }
}
