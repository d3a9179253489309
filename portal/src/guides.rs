//! The guides: Markdown files in `portal/guides/`, embedded in the binary and rendered once
//! at start-up.

use crate::markdown::{self, Section};

/// Slug and source of every guide, in the order the portal lists them.
const SOURCES: &[(&str, &str)] = &[
    (
        "getting-started",
        include_str!("../guides/getting-started.md"),
    ),
    (
        "authentication",
        include_str!("../guides/authentication.md"),
    ),
    ("errors", include_str!("../guides/errors.md")),
    ("rate-limits", include_str!("../guides/rate-limits.md")),
    ("pagination", include_str!("../guides/pagination.md")),
    ("idempotency", include_str!("../guides/idempotency.md")),
    ("webhooks", include_str!("../guides/webhooks.md")),
];

/// The guide whose `###` sections are the error codes.
pub const ERRORS: &str = "errors";

pub struct Guide {
    pub slug: &'static str,
    pub title: String,
    /// The first paragraph, for the portal's home page.
    pub summary: String,
    pub html: String,
    pub sections: Vec<Section>,
}

impl Guide {
    pub fn url(&self) -> String {
        format!("/docs/guides/{}", self.slug)
    }
}

pub fn load() -> Vec<Guide> {
    SOURCES
        .iter()
        .map(|(slug, source)| {
            let rendered = markdown::render(source);
            let summary = first_sentences(&rendered.first_paragraph);
            Guide {
                slug,
                title: rendered.title.unwrap_or_else(|| (*slug).to_owned()),
                summary,
                html: rendered.html,
                sections: rendered.sections,
            }
        })
        .collect()
}

/// Up to two sentences of `text`.
fn first_sentences(text: &str) -> String {
    let mut end = text.len();
    let mut seen = 0;
    for (at, _) in text.match_indices(". ") {
        seen += 1;
        if seen == 2 {
            end = at + 1;
            break;
        }
    }
    text[..end].to_owned()
}

/// An error code documented by a section of the errors guide, and its HTTP status.
pub struct ErrorCode<'a> {
    pub section: &'a Section,
    pub status: Option<u16>,
}

/// The error codes of the errors guide: its `###` sections, each opening with its status
/// (`**HTTP 429.**`).
pub fn error_codes(guide: &Guide) -> Vec<ErrorCode<'_>> {
    guide
        .sections
        .iter()
        .filter(|s| s.level == 3)
        .map(|section| ErrorCode {
            section,
            status: section
                .text
                .strip_prefix("HTTP ")
                .and_then(|rest| rest.get(..3))
                .and_then(|n| n.parse().ok()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guide_has_a_title_a_summary_and_sections() {
        let guides = load();
        assert_eq!(guides.len(), SOURCES.len());
        for g in &guides {
            assert!(!g.title.is_empty() && g.title != g.slug, "{}", g.slug);
            assert!(!g.summary.is_empty(), "{} has no first paragraph", g.slug);
            assert!(g.sections.iter().any(|s| s.level == 2), "{}", g.slug);
        }
    }

    #[test]
    fn every_error_code_has_its_status() {
        let guides = load();
        let errors = guides.iter().find(|g| g.slug == ERRORS).unwrap();
        let codes = error_codes(errors);
        assert!(codes.len() >= 25, "{}", codes.len());
        for code in &codes {
            let id = &code.section.id;
            assert_eq!(id, &code.section.heading, "an error heading is its code");
            let status = code
                .status
                .unwrap_or_else(|| panic!("{id} names no status"));
            assert!((400..600).contains(&status), "{id}: {status}");
        }
        let status = |id: &str| codes.iter().find(|c| c.section.id == id).unwrap().status;
        assert_eq!(status("rate_limited"), Some(429));
        assert_eq!(status("validation_failed"), Some(422));
        assert_eq!(status("organization_required"), Some(400));
    }
}
