//! The portal's handlers: HTML pages, the search API, the reference's document and the
//! changelog feed.

use axum::{
    Json,
    extract::{Path, RawQuery, State},
    response::{IntoResponse, Response},
};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

use crate::{
    Portal, PortalError, SearchQuery, assets, corpus,
    html::{Page, Section, escape},
    reference::SCHEMAS_TAG,
    search::Hit,
};

/// What the pages may load: only the portal's own origin (the vendored Redoc included), and
/// the `blob:` worker Redoc starts for its search. Inline scripts are the portal's own.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

fn html_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn page<'a>(portal: &'a Portal, title: &'a str, section: Section, main: String) -> Page<'a> {
    Page {
        title,
        section,
        guides: &portal.0.guides,
        current_guide: None,
        query: "",
        main,
        scripts: String::new(),
        wide: false,
    }
}

pub async fn home(State(portal): State<Portal>) -> Response {
    let cards: String = portal
        .0
        .guides
        .iter()
        .map(|g| {
            format!(
                "<li><h3><a href=\"{}\">{}</a></h3><p>{}</p></li>",
                g.url(),
                escape(&g.title),
                escape(&g.summary)
            )
        })
        .collect();
    let main = format!(
        "<h1>Asteri API</h1>\
         <p class=\"lead\">Build on Asteri's field-service platform: customers, appointments, \
         estimates, invoices, payments, files and webhooks, over one REST API at \
         <code>/api/public/v1</code>. Search above, or start with a guide.</p>\
         <section aria-labelledby=\"guides-title\"><h2 id=\"guides-title\">Guides</h2>\
         <ul class=\"cards\">{cards}</ul></section>\
         <section aria-labelledby=\"more-title\"><h2 id=\"more-title\">Reference</h2><ul>\
         <li><a href=\"/docs/reference\">API reference</a>: every route, parameter, field and \
         error, with examples in curl and TypeScript.</li>\
         <li><a href=\"/docs/changelog\">Changelog</a> (also as an \
         <a href=\"/changelog.atom\">Atom feed</a>).</li></ul></section>"
    );
    html_response(
        StatusCode::OK,
        page(&portal, "Developer portal", Section::Home, main).render(),
    )
}

pub async fn guide(State(portal): State<Portal>, Path(slug): Path<String>) -> Response {
    let Some(guide) = portal.0.guides.iter().find(|g| g.slug == slug) else {
        let main = format!(
            "<h1>No such guide</h1><p>There is no guide <code>{}</code>. The guides are listed \
             on the <a href=\"/docs\">home page</a>.</p>",
            escape(&slug)
        );
        return html_response(
            StatusCode::NOT_FOUND,
            page(&portal, "Not found", Section::Guide, main).render(),
        );
    };
    let mut p = page(
        &portal,
        &guide.title,
        Section::Guide,
        format!("<article class=\"guide\">{}</article>", guide.html),
    );
    p.current_guide = Some(guide.slug);
    html_response(StatusCode::OK, p.render())
}

/// One route of the reference's outline: method, path, summary.
pub type OutlineEntry = (String, String, String);
/// Each tag with its routes.
pub type Outline = Vec<(String, Vec<OutlineEntry>)>;

/// Each tag with its operations, in the document's order (untagged ones under "Other").
pub fn outline(openapi: &Value) -> Outline {
    let prefix = corpus::server_prefix(openapi);
    let mut out: Outline = Vec::new();
    for (path, method, op) in corpus::operations(openapi) {
        let tag = op
            .pointer("/tags/0")
            .and_then(Value::as_str)
            .unwrap_or("Other")
            .to_owned();
        let summary = op
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let entry = (
            method.to_uppercase(),
            corpus::full_path(&prefix, path),
            summary,
        );
        match out.iter_mut().find(|(t, _)| *t == tag) {
            Some((_, ops)) => ops.push(entry),
            None => out.push((tag, vec![entry])),
        }
    }
    out
}

pub async fn reference(State(portal): State<Portal>) -> Response {
    // Shown until Redoc replaces it, and to readers without JavaScript.
    let outline: String = portal
        .0
        .reference_outline
        .iter()
        .map(|(tag, ops)| {
            let items: String = ops
                .iter()
                .map(|(method, path, summary)| {
                    format!(
                        "<li><code>{} {}</code> {}</li>",
                        escape(method),
                        escape(path),
                        escape(summary)
                    )
                })
                .collect();
            format!("<h2>{}</h2><ul>{items}</ul>", escape(tag))
        })
        .collect();
    let main = format!(
        "<h1 class=\"visually-hidden\">API reference</h1>\
         <div id=\"redoc-container\"><p>The interactive reference needs JavaScript; here are \
         the routes. The <a href=\"/docs/openapi.json\">OpenAPI document</a> has everything \
         else.</p>{outline}</div>"
    );
    let scripts = format!(
        r#"<script src="{redoc}"></script>
<script>
Redoc.init("/docs/openapi.json", {{
  schemaDefinitionsTagName: "{SCHEMAS_TAG}",
  expandResponses: "200,201",
  jsonSampleExpandLevel: 2,
  sortTagsAlphabetically: true,
  theme: {{
    typography: {{
      fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
      headings: {{ fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" }},
      code: {{ fontFamily: "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace" }}
    }}
  }}
}}, document.getElementById("redoc-container"));
</script>"#,
        redoc = assets::url(assets::REDOC),
    );
    let mut p = page(&portal, "API reference", Section::Reference, main);
    p.scripts = scripts;
    p.wide = true;
    html_response(StatusCode::OK, p.render())
}

pub async fn changelog(State(portal): State<Portal>) -> Response {
    let releases: String = portal
        .0
        .changelog
        .releases
        .iter()
        .map(|r| {
            let date = r
                .date
                .map(|d| {
                    let d = d.format("%Y-%m-%d");
                    format!(" <time datetime=\"{d}\">{d}</time>")
                })
                .unwrap_or_default();
            format!(
                "<section class=\"release\" aria-labelledby=\"{a}\"><h2 id=\"{a}\">{}{date}</h2>{}</section>",
                escape(&r.version),
                r.html,
                a = escape(&r.anchor),
            )
        })
        .collect();
    let main = format!(
        "<h1>Changelog</h1>{}<p>Follow it in a feed reader: <a href=\"/changelog.atom\">Atom \
         feed</a>.</p>{releases}",
        portal.0.changelog.intro_html
    );
    html_response(
        StatusCode::OK,
        page(&portal, "Changelog", Section::Changelog, main).render(),
    )
}

/// A hit's snippet with its matched words in `<mark>`.
fn marked_snippet(hit: &Hit) -> String {
    let mut out = String::new();
    let mut at = 0;
    for r in &hit.marks {
        if r.start < at || r.end > hit.snippet.len() {
            continue;
        }
        out.push_str(&escape(&hit.snippet[at..r.start]));
        out.push_str("<mark>");
        out.push_str(&escape(&hit.snippet[r.clone()]));
        out.push_str("</mark>");
        at = r.end;
    }
    out.push_str(&escape(&hit.snippet[at..]));
    out
}

/// `/docs/search?q=`: the results rendered on the server, for readers without JavaScript
/// and for links to a search.
pub async fn search(State(portal): State<Portal>, RawQuery(query): RawQuery) -> Response {
    let (status, q, main) = match SearchQuery::parse(query.as_deref()) {
        Ok(search) => {
            let hits = portal.search(&search.q, search.limit);
            let items: String = hits
                .iter()
                .map(|h| {
                    format!(
                        "<li><span class=\"kind kind-{k}\">{k}</span> <a href=\"{}\">{}</a><p>{}</p></li>",
                        escape(&h.url),
                        escape(&h.title),
                        marked_snippet(h),
                        k = h.kind.as_str(),
                    )
                })
                .collect();
            let count = match hits.len() {
                0 => "No results.".to_owned(),
                1 => "1 result.".to_owned(),
                n => format!("{n} results."),
            };
            let main = format!(
                "<h1>Search results for “{}”</h1><p class=\"count\">{count}</p><ol class=\"results\">{items}</ol>",
                escape(&search.q)
            );
            (StatusCode::OK, search.q, main)
        }
        Err(err) => {
            let (status, body) = err.to_parts();
            let problems: String = body
                .get("errors")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(field, messages)| {
                    let messages: Vec<&str> = messages
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    format!(
                        "<li><code>{}</code> {}</li>",
                        escape(field),
                        escape(&messages.join("; "))
                    )
                })
                .collect();
            let main = format!(
                "<h1>Search</h1><p>Type a few words in the search box: a route (“refund \
                 payment”), a field (<code>next_cursor</code>), an error code \
                 (<code>rate_limited</code>).</p><ul>{problems}</ul>"
            );
            (status, String::new(), main)
        }
    };
    let mut p = page(&portal, "Search", Section::Search, main);
    p.query = &q;
    html_response(status, p.render())
}

/// `GET /api/public/v1/search?q=&limit=`.
pub async fn search_api(
    State(portal): State<Portal>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, PortalError> {
    let search = SearchQuery::parse(query.as_deref())?;
    let hits = portal.search(&search.q, search.limit);
    Ok(Json(json!({
        "object": "list",
        "data": hits,
        "query": search.q,
    })))
}

/// The document the reference renders.
pub async fn openapi(State(portal): State<Portal>) -> Response {
    let mut response = portal.0.reference_json.clone().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

pub async fn atom(State(portal): State<Portal>) -> Response {
    let mut response = portal.0.atom.clone().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
