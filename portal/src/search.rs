//! The portal's search: an in-memory index of the reference (endpoints, resources, fields),
//! the guides and the error codes, built once at start-up from the OpenAPI document and the
//! embedded guides (see `corpus.rs`), and ranked with BM25F.
//!
//! A few hundred documents do not need tantivy (a long build on 2 cores); this is BM25F as
//! Robertson and Zaragoza describe it, over three fields with their own weights: the title
//! (method and path, or a heading; summary), the keywords (operationId, tags, identifiers)
//! and the body. A query word also matches, at a lower weight, the indexed terms it is a
//! prefix of ("refu" finds `refund`) and those one edit away (two for long words), so that
//! typing and typos still find things.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::tokenize::{self, Term};

/// BM25 saturation of term frequency.
const K1: f64 = 1.2;
/// Weight and length normalisation of each field: title, keywords, body.
const FIELD_WEIGHT: [f64; 3] = [3.0, 2.5, 1.0];
const FIELD_B: [f64; 3] = [0.5, 0.3, 0.75];
/// What a query word is worth when it matches as a prefix, or one or two edits away.
const PREFIX: f64 = 0.6;
const ONE_EDIT: f64 = 0.5;
const TWO_EDITS: f64 = 0.3;
/// A part of an identifier (`rotate` of `rotate_secret`) against a word of its own, in the
/// query and in the index: `invoice_from_estimate` is weaker evidence for "invoice" than
/// the word itself.
const PART: f64 = 0.6;
const INDEXED_PART: f32 = 0.5;
/// Documents whose title or keywords match every word of the query.
const HEAD_BONUS: f64 = 1.5;
/// A query that is exactly a document's name (its first keyword: the operationId, schema,
/// field or error code): "payment" finds the resource `Payment` before the routes.
const NAME_BONUS: f64 = 2.0;
/// Prefix expansions considered per query word (the shortest terms first).
const MAX_PREFIX_TERMS: usize = 40;
/// Query words beyond this are ignored: a query is a few words, not a document.
const MAX_QUERY_WORDS: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Endpoint,
    Resource,
    Field,
    Guide,
    Error,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Endpoint => "endpoint",
            Kind::Resource => "resource",
            Kind::Field => "field",
            Kind::Guide => "guide",
            Kind::Error => "error",
        }
    }

    /// How likely a document of this kind is what a searcher wants, all else equal: the
    /// route and its error come before the schema that mentions the same words.
    fn prior(self) -> f64 {
        match self {
            Kind::Endpoint | Kind::Error => 1.0,
            Kind::Resource | Kind::Guide => 0.9,
            Kind::Field => 0.75,
        }
    }
}

/// One searchable document.
#[derive(Clone, Debug)]
pub struct Doc {
    pub kind: Kind,
    pub title: String,
    pub url: String,
    /// Words that rank like the title without being shown (e.g. an endpoint's summary).
    pub title_extra: String,
    /// Identifiers: operationId, tags, schema and field names.
    pub keywords: String,
    /// Plain text: what snippets are cut from.
    pub body: String,
    /// Multiplies the document's score (request and response envelopes rank below the
    /// resources they carry).
    pub boost: f64,
}

/// A search result.
#[derive(Clone, Debug, Serialize)]
pub struct Hit {
    pub kind: Kind,
    pub title: String,
    pub snippet: String,
    pub url: String,
    pub score: f64,
    /// Byte ranges of `snippet` that matched the query (highlighted on the HTML page).
    #[serde(skip)]
    pub marks: Vec<std::ops::Range<usize>>,
}

#[derive(Clone, Copy, Debug)]
struct Posting {
    doc: u32,
    /// Term frequency per field; a part of an identifier counts [`INDEXED_PART`].
    tf: [f32; 3],
}

pub struct Index {
    docs: Vec<Doc>,
    /// Field lengths of each document, in terms.
    lengths: Vec<[u32; 3]>,
    /// The terms of each document's name (see [`NAME_BONUS`]).
    names: Vec<Vec<String>>,
    average: [f64; 3],
    postings: HashMap<String, Vec<Posting>>,
    /// Every indexed term, sorted: prefix lookups are a range of it.
    vocabulary: Vec<String>,
    /// The whole identifiers among them (`rotate_secret`, `refundpayment`).
    compounds: HashSet<String>,
}

impl Index {
    pub fn new(docs: Vec<Doc>) -> Self {
        let mut postings: HashMap<String, Vec<Posting>> = HashMap::new();
        let mut compounds = HashSet::new();
        let mut lengths = Vec::with_capacity(docs.len());
        let names = docs.iter().map(|d| name_terms(&d.keywords)).collect();
        for (id, doc) in docs.iter().enumerate() {
            let title = format!("{} {}", doc.title, doc.title_extra);
            let fields = [title.as_str(), doc.keywords.as_str(), doc.body.as_str()];
            let mut counts: HashMap<String, [f32; 3]> = HashMap::new();
            let mut length = [0u32; 3];
            for (f, text) in fields.iter().enumerate() {
                for term in tokenize::index_terms(text) {
                    if term.compound {
                        compounds.insert(term.text.clone());
                    }
                    counts.entry(term.text).or_default()[f] +=
                        if term.part { INDEXED_PART } else { 1.0 };
                    length[f] += 1;
                }
            }
            lengths.push(length);
            let doc = u32::try_from(id).expect("fewer than 2^32 documents");
            for (term, tf) in counts {
                postings.entry(term).or_default().push(Posting { doc, tf });
            }
        }
        let n = lengths.len().max(1) as f64;
        let average = [0, 1, 2].map(|f| {
            let total: f64 = lengths.iter().map(|l| f64::from(l[f])).sum();
            (total / n).max(1.0)
        });
        let mut vocabulary: Vec<String> = postings.keys().cloned().collect();
        vocabulary.sort();
        Self {
            docs,
            lengths,
            names,
            average,
            postings,
            vocabulary,
            compounds,
        }
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    pub fn docs(&self) -> &[Doc] {
        &self.docs
    }

    /// BM25F of one term in one posting.
    fn score(&self, posting: &Posting, df: usize) -> f64 {
        let n = self.docs.len() as f64;
        let idf = (1.0 + (n - df as f64 + 0.5) / (df as f64 + 0.5)).ln();
        let length = self.lengths[posting.doc as usize];
        let tf: f64 = (0..3)
            .map(|f| {
                let norm = 1.0 - FIELD_B[f] + FIELD_B[f] * f64::from(length[f]) / self.average[f];
                FIELD_WEIGHT[f] * f64::from(posting.tf[f]) / norm
            })
            .sum();
        idf * tf * (K1 + 1.0) / (tf + K1)
    }

    /// Indexed terms a query term stands for, with their weights: itself, the terms it is
    /// a prefix of (3+ characters), and, when it is not itself indexed, those within one edit
    /// (4+ characters) or two (8+). A plain word expands to plain words only: "voi" stands
    /// for `void`, not for every identifier that starts with it (`voided_at`), which would
    /// outweigh the word itself.
    fn expand(&self, query: &Term) -> Vec<(&str, f64)> {
        let term = query.text.as_str();
        let eligible = |t: &str| query.compound || !self.compounds.contains(t);
        let mut out = Vec::new();
        let exact = self.postings.contains_key(term);
        if let Some((t, _)) = self.postings.get_key_value(term) {
            out.push((t.as_str(), 1.0));
        }
        let length = term.chars().count();
        if length >= 3 {
            let from = self.vocabulary.partition_point(|t| t.as_str() < term);
            let mut longer: Vec<&str> = self.vocabulary[from..]
                .iter()
                .take_while(|t| t.starts_with(term))
                .filter(|t| t.as_str() != term && eligible(t))
                .map(String::as_str)
                .collect();
            longer.sort_by_key(|t| t.len());
            out.extend(
                longer
                    .into_iter()
                    .take(MAX_PREFIX_TERMS)
                    .map(|t| (t, PREFIX)),
            );
        }
        if !exact && length >= 4 {
            let max = if length >= 8 { 2 } else { 1 };
            for t in self.vocabulary.iter().filter(|t| eligible(t)) {
                if let Some(d @ 1..) = tokenize::distance_within(term, t, max)
                    && !out.iter().any(|(o, _)| o == t)
                {
                    out.push((t, if d == 1 { ONE_EDIT } else { TWO_EDITS }));
                }
            }
        }
        out
    }

    /// The best `limit` documents for `query`, best first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let groups: Vec<Vec<Term>> = tokenize::words(query)
            .into_iter()
            .take(MAX_QUERY_WORDS)
            .map(|r| tokenize::word_terms(&query[r]))
            .filter(|terms| !terms.is_empty())
            .collect();
        if groups.is_empty() {
            return Vec::new();
        }
        // Per query word, per document: the best of its terms and their expansions, so that
        // a word never counts twice (`refund` and its prefix expansion `refunded`).
        let mut totals: HashMap<u32, Total> = HashMap::new();
        for group in &groups {
            // doc -> (score, the indexed term, whether it is in the title or keywords)
            let mut best: HashMap<u32, (f64, &str, bool)> = HashMap::new();
            for term in group {
                let weight = if term.part { PART } else { 1.0 };
                let expanded = self.expand(term);
                // The query word's rarity is that of everything it stands for: a prefix
                // that reaches many documents is common, whichever term it hit here.
                let df = expanded
                    .iter()
                    .flat_map(|(t, _)| self.postings[*t].iter().map(|p| p.doc))
                    .collect::<HashSet<u32>>()
                    .len();
                for (indexed, factor) in expanded {
                    for p in &self.postings[indexed] {
                        let s = weight * factor * self.score(p, df);
                        let head = p.tf[0] > 0.0 || p.tf[1] > 0.0;
                        let entry = best.entry(p.doc).or_insert((0.0, indexed, false));
                        if s > entry.0 {
                            *entry = (s, indexed, entry.2 || head);
                        } else {
                            entry.2 |= head;
                        }
                    }
                }
            }
            for (doc, (score, term, head)) in best {
                let total = totals.entry(doc).or_default();
                total.score += score;
                total.matched += 1;
                total.in_head += usize::from(head);
                total.terms.insert(term);
            }
        }
        let words = groups.len();
        let query_name: Vec<String> = groups
            .iter()
            .flat_map(|g| g.iter().filter(|t| !t.part).map(|t| t.text.clone()))
            .collect();
        let mut ranked: Vec<(u32, f64, BTreeSet<&str>)> = totals
            .into_iter()
            .map(|(doc, total)| {
                let d = &self.docs[doc as usize];
                // Documents that match every word of the query come first, and those whose
                // title or keywords hold every word before those that only mention them.
                let coverage = (total.matched as f64 / words as f64).powi(2);
                let head = if total.in_head == words {
                    HEAD_BONUS
                } else {
                    1.0
                };
                let name = if self.names[doc as usize] == query_name {
                    NAME_BONUS
                } else {
                    1.0
                };
                let score = total.score * coverage * head * name * d.kind.prior() * d.boost;
                (doc, score, total.terms)
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(limit)
            .map(|(doc, score, terms)| {
                let d = &self.docs[doc as usize];
                let (snippet, marks) = snippet(d, &terms);
                Hit {
                    kind: d.kind,
                    title: d.title.clone(),
                    snippet,
                    url: d.url.clone(),
                    score: (score * 1000.0).round() / 1000.0,
                    marks,
                }
            })
            .collect()
    }
}

/// The whole terms of the first word of `keywords`: a document's name.
fn name_terms(keywords: &str) -> Vec<String> {
    tokenize::words(keywords)
        .into_iter()
        .next()
        .map(|r| {
            tokenize::word_terms(&keywords[r])
                .into_iter()
                .filter(|t| !t.part)
                .map(|t| t.text)
                .collect()
        })
        .unwrap_or_default()
}

/// What a document collected over the words of a query.
#[derive(Default)]
struct Total<'a> {
    score: f64,
    /// Query words it matched, and how many of them in its title or keywords.
    matched: usize,
    in_head: usize,
    /// The indexed terms that matched, for the snippet.
    terms: BTreeSet<&'a str>,
}

/// Words of a snippet.
const SNIPPET_WORDS: usize = 24;

/// The window of the body with the most matched terms (or its start), and where they are.
fn snippet(doc: &Doc, matched: &BTreeSet<&str>) -> (String, Vec<std::ops::Range<usize>>) {
    let text = if doc.body.trim().is_empty() {
        doc.title.as_str()
    } else {
        doc.body.as_str()
    };
    let words = tokenize::words(text);
    if words.is_empty() {
        return (text.chars().take(200).collect(), Vec::new());
    }
    let hits: Vec<bool> = words
        .iter()
        .map(|r| {
            tokenize::word_terms(&text[r.clone()])
                .iter()
                .any(|t| matched.contains(t.text.as_str()))
        })
        .collect();
    let window = SNIPPET_WORDS.min(words.len());
    let mut best = (0, 0);
    for start in 0..=words.len() - window {
        let count = hits[start..start + window].iter().filter(|h| **h).count();
        if count > best.1 {
            best = (start, count);
        }
    }
    // Start a little before the first match so that it reads in context.
    let first = (best.0..best.0 + window)
        .find(|&i| hits[i])
        .unwrap_or(best.0);
    let start = first.saturating_sub(4).min(words.len() - window);
    let end = start + window;
    let from = if start == 0 { 0 } else { words[start].start };
    let to = if end == words.len() {
        text.len()
    } else {
        words[end - 1].end
    };
    let mut out = String::new();
    if from > 0 {
        out.push_str("… ");
    }
    let offset = out.len() as isize - from as isize;
    out.push_str(text[from..to].trim_end());
    if to < text.len() {
        out.push_str(" …");
    }
    let marks = (start..end)
        .filter(|&i| hits[i])
        .map(|i| {
            let r = &words[i];
            (r.start as isize + offset) as usize..(r.end as isize + offset) as usize
        })
        .collect();
    (out, marks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: Kind, title: &str, keywords: &str, body: &str) -> Doc {
        Doc {
            kind,
            title: title.into(),
            url: format!("/x#{title}"),
            title_extra: String::new(),
            keywords: keywords.into(),
            body: body.into(),
            boost: 1.0,
        }
    }

    fn corpus() -> Index {
        Index::new(vec![
            doc(
                Kind::Guide,
                "Pagination",
                "",
                "Lists return has_more and next_cursor.",
            ),
            doc(
                Kind::Guide,
                "Webhooks",
                "rotate_secret",
                "Rotate the secret of an endpoint.",
            ),
            doc(
                Kind::Field,
                "Appointment.status",
                "status",
                "scheduled, in_progress, completed",
            ),
            doc(
                Kind::Endpoint,
                "POST /payments/{id}/refund",
                "RefundPayment",
                "Refunds a payment.",
            ),
            doc(
                Kind::Resource,
                "Invoice",
                "Invoice",
                "What a customer owes.",
            ),
        ])
    }

    fn titles(index: &Index, q: &str) -> Vec<String> {
        index.search(q, 10).into_iter().map(|h| h.title).collect()
    }

    #[test]
    fn bm25_prefers_rarer_terms_and_shorter_fields() {
        let index = Index::new(vec![
            doc(Kind::Guide, "a", "", "customer customer customer invoice"),
            doc(Kind::Guide, "b", "", "customer"),
            doc(
                Kind::Guide,
                "c",
                "",
                "customer invoice and many other words here to pad it",
            ),
        ]);
        // "invoice" is rarer than "customer": the documents with it come first.
        let got = titles(&index, "customer invoice");
        assert_eq!(got, ["a", "c", "b"]);
        // Same term frequency, shorter body ranks higher.
        let hits = index.search("customer", 10);
        let b = hits.iter().find(|h| h.title == "b").unwrap().score;
        let c = hits.iter().find(|h| h.title == "c").unwrap().score;
        assert!(b > c, "{b} > {c}");
    }

    #[test]
    fn titles_and_keywords_outrank_bodies() {
        let index = Index::new(vec![
            doc(Kind::Guide, "Other", "", "refund refund"),
            doc(Kind::Guide, "Refund", "", "other"),
        ]);
        assert_eq!(titles(&index, "refund")[0], "Refund");
    }

    #[test]
    fn identifiers_whole_and_by_parts() {
        let index = corpus();
        assert_eq!(titles(&index, "in_progress")[0], "Appointment.status");
        assert_eq!(titles(&index, "rotate_secret")[0], "Webhooks");
        assert_eq!(titles(&index, "rotate secret")[0], "Webhooks");
        assert_eq!(titles(&index, "NEXT_CURSOR")[0], "Pagination");
    }

    #[test]
    fn prefixes_and_typos_are_forgiven_at_a_lower_weight() {
        let index = corpus();
        assert_eq!(titles(&index, "refu")[0], "POST /payments/{id}/refund");
        assert_eq!(titles(&index, "refnd")[0], "POST /payments/{id}/refund");
        assert_eq!(titles(&index, "invoce")[0], "Invoice");
        assert_eq!(titles(&index, "paginaton")[0], "Pagination");
        // Two edits only for long words; a short word's far misspelling finds nothing.
        assert!(titles(&index, "rfnd").is_empty());
        let exact = index.search("refund", 1)[0].score;
        let prefix = index.search("refu", 1)[0].score;
        let typo = index.search("refnd", 1)[0].score;
        assert!(exact > prefix && exact > typo, "{exact} {prefix} {typo}");
    }

    #[test]
    fn snippets_carry_the_matched_terms() {
        let body =
            "Lists are newest first. ".repeat(10) + "A cursor is opaque: pass next_cursor back.";
        let index = Index::new(vec![doc(Kind::Guide, "Lists", "", &body)]);
        let hit = &index.search("next_cursor", 1)[0];
        assert!(hit.snippet.contains("next_cursor"), "{}", hit.snippet);
        assert!(hit.snippet.starts_with("… "), "{}", hit.snippet);
        let marked: Vec<&str> = hit.marks.iter().map(|r| &hit.snippet[r.clone()]).collect();
        assert_eq!(marked, ["next_cursor"]);
    }

    #[test]
    fn nothing_for_nothing() {
        let index = corpus();
        assert!(index.search("", 10).is_empty());
        assert!(index.search("the of and", 10).is_empty());
        assert!(index.search("zzzzzz", 10).is_empty());
        assert!(Index::new(Vec::new()).search("refund", 10).is_empty());
    }
}
