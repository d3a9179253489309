//! The repository's `CHANGELOG.md` (Keep a Changelog), embedded at build time: read into
//! releases for the changelog page, and written out as an Atom 1.0 feed.
//!
//! The reader is tolerant: a release is any `## ` heading, `## [1.2.0] - 2026-12-02` or
//! `## 1.2.0 - 2026-12-02` or `## [Unreleased]`; what follows it up to the next `## ` is its
//! Markdown, whatever its `###` sections are called.

use chrono::NaiveDate;

use crate::{
    html::escape,
    markdown::{self, slug},
};

pub const SOURCE: &str = include_str!("../../CHANGELOG.md");

pub struct Release {
    pub version: String,
    pub date: Option<NaiveDate>,
    /// The anchor on the changelog page.
    pub anchor: String,
    pub html: String,
}

pub struct Changelog {
    /// What comes before the first release, rendered.
    pub intro_html: String,
    pub releases: Vec<Release>,
}

/// `[1.2.0] - 2026-12-02` -> ("1.2.0", the date).
fn heading(line: &str) -> (String, Option<NaiveDate>) {
    let (name, rest) = match line.split_once(" - ").or_else(|| line.split_once(" – ")) {
        Some((name, rest)) => (name, rest),
        None => (line, ""),
    };
    let version = name.trim().trim_start_matches('[').trim_end_matches(']');
    let date = rest
        .split_whitespace()
        .next()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    (version.to_owned(), date)
}

pub fn parse(source: &str) -> Changelog {
    let mut intro = String::new();
    let mut releases: Vec<(String, Option<NaiveDate>, String)> = Vec::new();
    for line in source.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            let (version, date) = heading(h);
            releases.push((version, date, String::new()));
        } else if let Some((_, _, body)) = releases.last_mut() {
            body.push_str(line);
            body.push('\n');
        } else if !line.starts_with("# ") {
            intro.push_str(line);
            intro.push('\n');
        }
    }
    let mut anchors: Vec<String> = Vec::new();
    let releases = releases
        .into_iter()
        .map(|(version, date, body)| {
            let mut anchor = slug(&version);
            if anchor.is_empty() || anchors.contains(&anchor) {
                anchor = format!("release-{}", anchors.len() + 1);
            }
            anchors.push(anchor.clone());
            Release {
                html: markdown::render_prefixed(&body, &format!("{anchor}-")).html,
                version,
                date,
                anchor,
            }
        })
        .collect();
    Changelog {
        intro_html: markdown::render(&intro).html,
        releases,
    }
}

/// Removes what XML 1.0 cannot hold at all (most control characters).
fn xml_text(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect();
    escape(&clean)
}

fn rfc3339(date: NaiveDate) -> String {
    format!("{}T00:00:00Z", date.format("%Y-%m-%d"))
}

/// The Atom 1.0 feed: one entry per dated release (an `Unreleased` section is not a
/// release). Links are relative, resolved against the feed's own URL.
pub fn atom(changelog: &Changelog) -> String {
    let dated: Vec<&Release> = changelog
        .releases
        .iter()
        .filter(|r| r.date.is_some())
        .collect();
    let updated = dated
        .iter()
        .filter_map(|r| r.date)
        .max()
        .unwrap_or_default();
    let mut out = String::from(concat!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n",
        "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
        "  <title>Asteri API changelog</title>\n",
        "  <subtitle>Changes to Asteri's public API, /api/public/v1</subtitle>\n",
        "  <id>urn:asteri:api:changelog</id>\n",
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"/changelog.atom\"/>\n",
        "  <link rel=\"alternate\" type=\"text/html\" href=\"/docs/changelog\"/>\n",
        "  <author><name>Asteri</name></author>\n",
    ));
    out.push_str(&format!("  <updated>{}</updated>\n", rfc3339(updated)));
    for release in dated {
        let date = release.date.unwrap_or_default();
        out.push_str("  <entry>\n");
        out.push_str(&format!(
            "    <title>{}</title>\n",
            xml_text(&format!(
                "{} ({})",
                release.version,
                date.format("%Y-%m-%d")
            ))
        ));
        out.push_str(&format!(
            "    <id>urn:asteri:api:changelog:{}</id>\n",
            xml_text(&release.anchor)
        ));
        out.push_str(&format!("    <updated>{}</updated>\n", rfc3339(date)));
        out.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"/docs/changelog#{}\"/>\n",
            xml_text(&release.anchor)
        ));
        out.push_str(&format!(
            "    <content type=\"html\">{}</content>\n",
            xml_text(&release.html)
        ));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::{Reader, events::Event};

    const SAMPLE: &str = "# Changelog\n\nAll notable changes.\n\n## [Unreleased]\n\n### Added\n\n- Search.\n\n\
        ## [1.1.0] - 2026-12-02\n\n### Changed\n\n- `limit` <b>&</b> \"quotes\" \u{1}.\n\n### Deprecated\n\n- Old thing.\n\n\
        ## 1.0.0 - 2026-11-22\n\n### Added\n\n- The v1 API.\n\n[1.1.0]: https://example.com/compare\n";

    #[test]
    fn releases_are_read_tolerantly() {
        let c = parse(SAMPLE);
        let got: Vec<(&str, Option<String>, &str)> = c
            .releases
            .iter()
            .map(|r| {
                (
                    r.version.as_str(),
                    r.date.map(|d| d.to_string()),
                    r.anchor.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("Unreleased", None, "unreleased"),
                ("1.1.0", Some("2026-12-02".into()), "1-1-0"),
                ("1.0.0", Some("2026-11-22".into()), "1-0-0"),
            ]
        );
        assert!(c.intro_html.contains("All notable changes."));
        assert!(
            c.releases[1]
                .html
                .contains("<h3 id=\"1-1-0-deprecated\">Deprecated</h3>")
        );
    }

    /// The feed parses as XML, element by element, with one entry per dated release and the
    /// text unescaped back to what the changelog says.
    #[test]
    fn the_atom_feed_is_well_formed() {
        let feed = atom(&parse(SAMPLE));
        let mut reader = Reader::from_str(&feed);
        reader.config_mut().check_end_names = true;
        let (mut entries, mut stack, mut content) = (0, Vec::new(), String::new());
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) => {
                    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                    if name == "entry" {
                        entries += 1;
                    }
                    stack.push(name);
                }
                Event::End(_) => {
                    stack.pop();
                }
                Event::Text(t) if stack.last().map(String::as_str) == Some("content") => {
                    content.push_str(&t.decode().unwrap());
                }
                Event::GeneralRef(r) if stack.last().map(String::as_str) == Some("content") => {
                    let name = r.decode().unwrap();
                    content.push_str(quick_xml::escape::resolve_predefined_entity(&name).unwrap());
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert!(stack.is_empty());
        assert_eq!(entries, 2, "{feed}");
        assert!(
            content.contains("<code>limit</code> <b>&amp;</b>"),
            "{content}"
        );
        assert!(!feed.contains('\u{1}'));
        assert!(feed.contains("<updated>2026-12-02T00:00:00Z</updated>"));
    }

    #[test]
    fn the_repository_changelog_reads() {
        let c = parse(SOURCE);
        assert!(!c.releases.is_empty(), "CHANGELOG.md has no `## ` release");
    }
}
