//! Markdown (the guides, the changelog) to HTML with stable heading ids, and to the plain-text
//! sections the search index reads. One pass decides the ids, so that a search hit's link
//! and the rendered page's anchor are the same string.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// A heading's anchor: lowercase letters, digits and `_` kept, anything else one `-`.
/// `rate_limited` stays `rate_limited`, so error codes are their own anchors.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// One part of a document, from a heading to the next of level 2 or 3.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The heading's anchor; empty for the text before the first heading.
    pub id: String,
    pub heading: String,
    /// 1 to 6; 0 for the text before the first heading.
    pub level: u8,
    /// Plain text of the section, headings excluded.
    pub text: String,
}

/// A rendered Markdown document.
pub struct Rendered {
    pub html: String,
    /// The first `#` heading.
    pub title: Option<String>,
    /// The plain text of the first paragraph.
    pub first_paragraph: String,
    /// Split at `##` and `###` headings; a `#` heading starts nothing.
    pub sections: Vec<Section>,
}

fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

pub fn render(markdown: &str) -> Rendered {
    render_prefixed(markdown, "")
}

/// [`render`] with every heading anchor prefixed, for documents shown together on one page
/// (the changelog's releases each have an `Added` section).
pub fn render_prefixed(markdown: &str, prefix: &str) -> Rendered {
    // First pass: the text of each heading, its anchor (unique within the document), and
    // the sections.
    let mut ids: Vec<String> = Vec::new();
    let mut title = None;
    let mut sections = vec![Section {
        id: String::new(),
        heading: String::new(),
        level: 0,
        text: String::new(),
    }];
    let mut heading: Option<(u8, String)> = None;
    // The first paragraph: None before it, Some(false) inside, Some(true) after.
    let mut first: Option<bool> = None;
    let mut first_paragraph = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match &event {
            Event::Start(Tag::Paragraph) if first.is_none() => first = Some(false),
            Event::End(TagEnd::Paragraph) if first == Some(false) => first = Some(true),
            Event::Text(t) | Event::Code(t) if first == Some(false) => first_paragraph.push_str(t),
            Event::SoftBreak | Event::HardBreak if first == Some(false) => {
                first_paragraph.push(' ');
            }
            _ => {}
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level_number(level), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, text)) = heading.take() else {
                    continue;
                };
                let base = format!("{prefix}{}", slug(&text));
                let mut id = base.clone();
                let mut n = 1;
                while ids.contains(&id) {
                    n += 1;
                    id = format!("{base}-{n}");
                }
                ids.push(id.clone());
                if level == 1 && title.is_none() {
                    title = Some(text.clone());
                }
                match level {
                    2 | 3 => sections.push(Section {
                        id,
                        heading: text,
                        level,
                        text: String::new(),
                    }),
                    // Smaller headings belong to the section they are in.
                    4.. => push_text(&mut sections, &format!(" {text} ")),
                    _ => {}
                }
            }
            Event::Text(t) | Event::Code(t) => match heading.as_mut() {
                Some((_, h)) => h.push_str(&t),
                None => push_text(&mut sections, &t),
            },
            Event::SoftBreak | Event::HardBreak => push_text(&mut sections, " "),
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::CodeBlock | TagEnd::TableCell,
            ) => {
                push_text(&mut sections, " ");
            }
            _ => {}
        }
    }
    for s in &mut sections {
        s.text = s.text.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    sections.retain(|s| s.level > 0 || !s.text.is_empty());

    // Second pass: the HTML, with the anchors decided above.
    let mut next = ids.into_iter();
    let events = Parser::new_ext(markdown, options()).map(|event| match event {
        Event::Start(Tag::Heading {
            level,
            id: None,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level,
            id: next.next().map(CowStr::from),
            classes,
            attrs,
        }),
        Event::Start(Tag::Heading { .. }) => {
            next.next();
            event
        }
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    Rendered {
        html: out,
        title,
        first_paragraph,
        sections,
    }
}

fn push_text(sections: &mut [Section], text: &str) {
    if let Some(last) = sections.last_mut() {
        last.text.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_identifiers() {
        assert_eq!(slug("rate_limited"), "rate_limited");
        assert_eq!(slug("400 Bad Request"), "400-bad-request");
        assert_eq!(slug("[1.0.0] - 2026-12-02"), "1-0-0-2026-12-02");
        assert_eq!(slug("  Verify (Python)  "), "verify-python");
    }

    #[test]
    fn headings_get_unique_ids_and_sections() {
        let md = "# Title\n\nIntro `code`.\n\n## 409 Conflict\n\n### conflict\n\n**HTTP 409.** A clash.\n\n## Other\n\n### conflict\n\nAgain.\n";
        let r = render(md);
        assert_eq!(r.title.as_deref(), Some("Title"));
        assert_eq!(r.first_paragraph, "Intro code.");
        assert!(
            r.html.contains(r#"<h1 id="title">Title</h1>"#),
            "{}",
            r.html
        );
        assert!(r.html.contains(r#"<h3 id="conflict">conflict</h3>"#));
        assert!(r.html.contains(r#"<h3 id="conflict-2">conflict</h3>"#));
        let got: Vec<(&str, u8, &str)> = r
            .sections
            .iter()
            .map(|s| (s.id.as_str(), s.level, s.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("", 0, "Intro code."),
                ("409-conflict", 2, ""),
                ("conflict", 3, "HTTP 409. A clash."),
                ("other", 2, ""),
                ("conflict-2", 3, "Again."),
            ]
        );
    }

    #[test]
    fn tables_render() {
        let r = render("| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(r.html.contains("<table>"), "{}", r.html);
    }
}
