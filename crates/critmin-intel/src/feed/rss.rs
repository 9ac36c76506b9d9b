//! RSS 2.0 and Atom 1.0 feeds (and what else `feed-rs` reads: RSS 0.9x
//! and 1.0, JSON Feed), an item per entry:
//!
//! - `id` = the entry's GUID or Atom id (none when the feed gives none:
//!   `feed-rs`'s stand-in ids are turned off, since one of them is random
//!   and would give the item a new event id at every ingest; the link or
//!   the title and day key the item instead);
//! - `link` = the first link whose `rel` is `alternate` or absent, else
//!   the first link;
//! - `title` = the entry's title (required), `body` = its summary (RSS
//!   `description`) or else its content (`content:encoded`, Atom
//!   `content`), both as plain text: HTML tags stripped (`script` and
//!   `style` with their contents), paragraphs set apart by a blank line,
//!   list items and `<br>` on lines of their own, and the common entities
//!   decoded (`&amp;` `&lt;` `&gt;` `&quot;` `&#39;` `&apos;` `&nbsp;`,
//!   numeric references, a few typographic ones); a title is stripped
//!   only when the feed marks it HTML;
//! - `published` = the day of the entry's published date, else its
//!   updated date (a date the parser cannot read is left out);
//! - `categories` = the entries' category terms; `source` = the feed's
//!   title, if any; `position` = the entry's 1-based number.
//!
//! A file that is no feed is one diagnostic at line 1, field `(feed)`.

use super::{Item, Parsed, check_item};
use crate::event::Day;
use critmin_model::Diagnostic;

/// Parses an RSS or Atom feed.
pub fn parse_rss(file: &str, bytes: &[u8]) -> Parsed {
    let parser = feed_rs::parser::Builder::new()
        .id_generator(|_, _, _| String::new())
        .build();
    // feed-rs is third-party code reading untrusted bytes: a panic in it
    // is reported as a diagnostic rather than taking the caller down.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(bytes)));
    let feed = match parsed {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => {
            return Err(vec![Diagnostic::new(
                file,
                1,
                "(feed)",
                format!("is not an RSS 2.0 or Atom 1.0 feed: {e}"),
            )]);
        }
        Err(_) => {
            return Err(vec![Diagnostic::new(
                file,
                1,
                "(feed)",
                "could not be read as an RSS or Atom feed (the feed parser failed)",
            )]);
        }
    };
    let source = feed.title.as_ref().map(text_of).filter(|t| !t.is_empty());
    let mut diags = Vec::new();
    let mut items = Vec::new();
    for (i, entry) in feed.entries.into_iter().enumerate() {
        let link = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or_else(|| entry.links.first())
            .map(|l| l.href.trim().to_string())
            .filter(|h| !h.is_empty());
        let summary = entry
            .summary
            .as_ref()
            .map(|t| html_to_text(&t.content))
            .filter(|s| !s.is_empty());
        let body = summary
            .or_else(|| {
                entry
                    .content
                    .as_ref()
                    .and_then(|c| c.body.as_deref())
                    .map(html_to_text)
            })
            .unwrap_or_default();
        let published = entry
            .published
            .or(entry.updated)
            .and_then(|d| Day::parse(&d.to_rfc3339()));
        let mut categories: Vec<String> = Vec::new();
        for c in &entry.categories {
            let t = c.term.trim();
            if !t.is_empty() && !categories.iter().any(|x| x == t) {
                categories.push(t.to_string());
            }
        }
        let item = Item {
            id: Some(entry.id.trim().to_string()).filter(|s| !s.is_empty()),
            link,
            title: entry.title.as_ref().map(text_of).unwrap_or_default(),
            body,
            published,
            categories,
            source: source.clone(),
            position: i + 1,
            ..Item::default()
        };
        let before = diags.len();
        check_item(file, &item, &mut diags);
        if diags.len() == before {
            items.push(item);
        }
    }
    if diags.is_empty() {
        Ok(items)
    } else {
        Err(diags)
    }
}

/// A feed text as plain text: stripped of HTML if it is marked HTML.
fn text_of(t: &feed_rs::model::Text) -> String {
    if t.content_type.to_string().contains("html") {
        html_to_text(&t.content)
    } else {
        collapse(&t.content)
    }
}

/// Elements that stand as paragraphs: a blank line before and after.
const PARAGRAPHS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "dl",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
];

/// Elements that stand on a line of their own.
const LINES: &[&str] = &["dd", "div", "dt", "figcaption", "li", "tr"];

/// HTML as plain text: tags stripped (`script`, `style` and comments with
/// their contents), paragraphs set apart by a blank line, list items,
/// rows and `<br>` on lines of their own, entities decoded, spaces
/// collapsed. A `<` not followed by a letter, `/`, `!` or `?` is text.
pub(crate) fn html_to_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len());
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let start = i + off;
        out.push_str(&html[i..start]);
        let rest = &html[start + 1..];
        let next = rest.chars().next();
        if !next.is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?')) {
            out.push('<');
            i = start + 1;
            continue;
        }
        if rest.starts_with("!--") {
            i = lower[start..]
                .find("-->")
                .map_or(html.len(), |e| start + e + 3);
            continue;
        }
        let end = html[start..]
            .find('>')
            .map_or(html.len(), |e| start + e + 1);
        let tag = &lower[start + 1..end.saturating_sub(1).max(start + 1)];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        i = end;
        if !tag.starts_with('/') && (name == "script" || name == "style") {
            let close = format!("</{name}");
            i = lower[end..].find(&close).map_or(html.len(), |e| {
                let after = end + e;
                lower[after..]
                    .find('>')
                    .map_or(html.len(), |g| after + g + 1)
            });
            continue;
        }
        // Inline elements (`b`, `a`, `span`) join their text as written.
        let n = name.as_str();
        if n == "br" {
            out.push('\n');
        } else if n == "td" || n == "th" {
            out.push(' ');
        } else if LINES.contains(&n) {
            if !out.ends_with('\n') {
                out.push('\n');
            }
        } else if PARAGRAPHS.contains(&n) {
            while !out.ends_with("\n\n") {
                out.push('\n');
            }
        }
    }
    out.push_str(&html[i.min(html.len())..]);
    collapse(&decode_entities(&out))
}

/// Decodes the common HTML entities and numeric character references;
/// others are left as written.
pub(crate) fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let semi = rest[1..].find(';').filter(|&n| n <= 10).map(|n| n + 1);
        let decoded = semi.and_then(|n| entity(&rest[1..n]).map(|c| (c, n + 1)));
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return Some(match code {
            0 => '\u{fffd}',
            c => char::from_u32(c).unwrap_or('\u{fffd}'),
        });
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "deg" => '°',
        "euro" => '€',
        _ => return None,
    })
}

/// Spaces collapsed within lines, lines trimmed, runs of blank lines cut
/// to one, the whole trimmed.
fn collapse(s: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in s.lines() {
        let l = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if l.is_empty() && lines.last().is_none_or(|p| p.is_empty()) {
            continue;
        }
        lines.push(l);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            html_to_text("<p>Dy &amp; Tb <b>oxide</b></p><p>up&nbsp;20&#37; &#x2014; a &lt; b</p>"),
            "Dy & Tb oxide\n\nup 20% — a < b"
        );
        assert_eq!(
            html_to_text("a<script>alert('<p>')</script>b<style>p{}</style>c<!-- <p> -->d"),
            "abcd"
        );
        assert_eq!(html_to_text("prices < 50 & rising"), "prices < 50 & rising");
        assert_eq!(html_to_text("cut off <a href=\"x"), "cut off");
        assert_eq!(
            html_to_text("&#0; &#xFFFFFFFF; &bogus; &amp"),
            "\u{fffd} \u{fffd} &bogus; &amp"
        );
        assert_eq!(html_to_text("<br/>x<br>\n\n\n<br>y"), "x\n\ny");
    }

    #[test]
    fn rss_items_become_items() {
        let rss = br#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Rare Earth Wire</title>
<item><title>MOFCOM curbs Dy exports</title><link>https://w.example/1</link>
<guid>w-1</guid><pubDate>Fri, 04 Apr 2025 10:00:00 GMT</pubDate>
<category>policy</category><category>china</category>
<description>&lt;p&gt;Licences &amp;amp; quotas.&lt;/p&gt;</description></item>
<item><title>Second</title><link>https://w.example/2</link></item>
</channel></rss>"#;
        let items = parse_rss("f.xml", rss).unwrap();
        assert_eq!(items.len(), 2);
        let a = &items[0];
        assert_eq!(a.id.as_deref(), Some("w-1"));
        assert_eq!(a.link.as_deref(), Some("https://w.example/1"));
        assert_eq!(a.body, "Licences & quotas.");
        assert_eq!(a.published.unwrap().to_string(), "2025-04-04");
        assert_eq!(a.categories, ["policy", "china"]);
        assert_eq!(a.source.as_deref(), Some("Rare Earth Wire"));
        assert_eq!((a.position, items[1].position), (1, 2));
        assert_eq!(items[1].id, None, "no stand-in id");
    }

    #[test]
    fn entries_without_titles_and_non_feeds_are_errors() {
        let rss = br#"<rss version="2.0"><channel><title>W</title>
<item><title>ok</title></item><item><description>no title</description></item></channel></rss>"#;
        let d = parse_rss("f.xml", rss).unwrap_err();
        assert_eq!((d[0].line, d[0].field.as_str()), (2, "title"));
        let d = parse_rss("f.xml", b"not a feed").unwrap_err();
        assert_eq!((d.len(), d[0].line, d[0].field.as_str()), (1, 1, "(feed)"));
        assert!(parse_rss("f.xml", b"<html><body/></html>").is_err());
    }
}
