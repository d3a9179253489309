//! The portal's HTML: one layout (landmarks, a labelled search form, the guides' navigation)
//! around each page's main content. Pages are plain strings built once or per request; every
//! value that did not come from the portal's own Markdown is escaped.

use crate::{assets, guides::Guide};

/// Escapes text for HTML and XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Which top-level section a page belongs to (marked `aria-current` in the navigation).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Guide,
    Reference,
    Changelog,
    Search,
}

/// Progressive enhancement of the search form: results as you type, from the search API.
/// Without JavaScript the form submits to `/docs/search`, rendered on the server.
const SEARCH_SCRIPT: &str = r#"<script>
(() => {
  const form = document.getElementById("search-form");
  const input = document.getElementById("search-input");
  const panel = document.getElementById("search-live");
  if (!form || !input || !panel || !window.fetch) return;
  let timer = null;
  let latest = 0;
  const clear = () => { panel.replaceChildren(); panel.hidden = true; };
  const show = async () => {
    const q = input.value.trim();
    if (!q) return clear();
    const ticket = ++latest;
    let body;
    try {
      const response = await fetch("/api/public/v1/search?limit=8&q=" + encodeURIComponent(q));
      if (!response.ok) return clear();
      body = await response.json();
    } catch (_) { return clear(); }
    if (ticket !== latest) return;
    const list = document.createElement("ul");
    for (const hit of body.data) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = hit.url;
      link.textContent = hit.title;
      const kind = document.createElement("span");
      kind.className = "kind kind-" + hit.kind;
      kind.textContent = hit.kind;
      const snippet = document.createElement("p");
      snippet.textContent = hit.snippet;
      item.append(kind, link, snippet);
      list.append(item);
    }
    const status = document.createElement("p");
    status.className = "count";
    status.textContent = body.data.length ? body.data.length + " results" : "No results";
    panel.replaceChildren(status, list);
    panel.hidden = false;
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(show, 120); });
  input.addEventListener("keydown", (e) => { if (e.key === "Escape") { input.value = ""; clear(); } });
})();
</script>"#;

pub struct Page<'a> {
    pub title: &'a str,
    pub section: Section,
    pub guides: &'a [Guide],
    /// The slug of the guide shown, for `aria-current`.
    pub current_guide: Option<&'a str>,
    /// The value of the search box.
    pub query: &'a str,
    pub main: String,
    /// Extra markup at the end of the body (the reference's scripts).
    pub scripts: String,
    /// The reference uses the whole width, without the guides' sidebar.
    pub wide: bool,
}

fn current(yes: bool) -> &'static str {
    if yes { " aria-current=\"page\"" } else { "" }
}

impl Page<'_> {
    pub fn render(&self) -> String {
        let nav_item = |href: &str, label: &str, section: Section| {
            format!(
                "<li><a href=\"{href}\"{}>{label}</a></li>",
                current(self.section == section)
            )
        };
        let sidebar = if self.wide {
            String::new()
        } else {
            let items: String = self
                .guides
                .iter()
                .map(|g| {
                    format!(
                        "<li><a href=\"{}\"{}>{}</a></li>",
                        g.url(),
                        current(self.current_guide == Some(g.slug)),
                        escape(&g.title)
                    )
                })
                .collect();
            format!(
                "<nav class=\"sidebar\" aria-labelledby=\"guides-heading\"><h2 id=\"guides-heading\">Guides</h2><ul>{items}</ul></nav>"
            )
        };
        format!(
            r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Asteri API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{css}">
<link rel="alternate" type="application/atom+xml" title="Asteri API changelog" href="/changelog.atom">
</head>
<body class="{body_class}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/docs">Asteri API</a>
<nav aria-label="Main"><ul>{home}{reference}{changelog}</ul></nav>
<form id="search-form" role="search" action="/docs/search" method="get">
<label for="search-input">Search the docs</label>
<input id="search-input" type="search" name="q" value="{query}" placeholder="refund payment, rate_limited, webhook signature" autocomplete="off" maxlength="256">
<button type="submit">Search</button>
<div id="search-live" class="live" role="region" aria-live="polite" aria-label="Search results as you type" hidden></div>
</form>
</header>
<div class="layout">
{sidebar}
<main id="main" tabindex="-1">
{main}
</main>
</div>
<footer><p>Asteri public API v1 · <a href="/docs/openapi.json">OpenAPI document</a> · <a href="/changelog.atom">Changelog feed</a></p></footer>
{search}
{scripts}
</body>
</html>
"##,
            title = escape(self.title),
            css = assets::url(assets::CSS),
            body_class = if self.wide { "wide" } else { "" },
            home = nav_item("/docs", "Guides", Section::Home),
            reference = nav_item("/docs/reference", "API reference", Section::Reference),
            changelog = nav_item("/docs/changelog", "Changelog", Section::Changelog),
            query = escape(self.query),
            main = self.main,
            search = SEARCH_SCRIPT,
            scripts = self.scripts,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }
}
