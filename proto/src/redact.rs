//! Redaction of secrets wherever a request lands (the request history, log lines): one set of
//! rules for paths, query strings and bodies, parsed or not.
//!
//! Two things are secrets: a value whose *name* says so ([`is_secret_name`]: `password`,
//! `api_key`, `client_secret`, `signature`, ...), and a value whose *shape* says so whatever
//! its name: the platform's own credentials (`ast_live_`, `ast_test_`, `ast_int_` and any
//! `ast_<kind>_` token, `whsec_`), JWTs, `Bearer`/`Basic` credentials and the password of a
//! URL's user info. A body that is not JSON (or is broken JSON) is scanned tolerantly for
//! `"name": "value"`, `name=value` and `name: value` pairs, because a parser that gives up
//! must not mean that redaction gives up.
//!
//! Every function is idempotent: redacted text redacts to itself, so the gateway and the
//! service that stores the history can both apply it.

use std::borrow::Cow;

use serde_json::Value;

use crate::credentials::{INTERNAL_PREFIX, LIVE_PREFIX, TEST_PREFIX};

pub const REDACTED: &str = "[REDACTED]";
pub const WEBHOOK_SECRET_PREFIX: &str = "whsec_";

/// Substrings of a name (lowercased, separators removed) that make its value a secret.
const SECRET_NAME_PARTS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "signature",
    "authorization",
    "credential",
    "apikey",
    "accesskey",
    "privatekey",
    "cardnumber",
    "cvc",
    "cvv",
];
/// Whole words of a name that make its value a secret (`pwd`, `x-auth`, `key`, `sig`).
const SECRET_NAME_WORDS: &[&str] = &["pwd", "auth", "key", "sig", "otp", "pin"];

/// Whether a parameter or field of this name holds a secret: `password`, `api_key`,
/// `clientSecret`, `x-api-key`, `webhook-signature`, `key`; not `key_id` or `keys`.
pub fn is_secret_name(name: &str) -> bool {
    // Called for every field of every recorded body (a profile of a REST GET put 11% of its
    // instructions here when it allocated its lower-case copies and words), so it works on
    // the bytes in place. Non-ASCII bytes are neither letters nor digits: separators, as the
    // characters they belong to are.
    let bytes = name.as_bytes();
    // Every part and word below has three letters or more, so a name with fewer (the `12`
    // and `2026-12-03T07` that the pair scan finds before the colons of a time) is none.
    if bytes
        .iter()
        .filter(|b| b.is_ascii_alphabetic())
        .nth(2)
        .is_none()
    {
        return false;
    }
    let alphanumeric = || bytes.iter().filter(|b| b.is_ascii_alphanumeric());
    // The letters and digits, lower case: `clientSecret`, `client-secret`, `CLIENT_SECRET`.
    let mut stack = [0u8; 64];
    let mut heap = Vec::new();
    let length = alphanumeric().count();
    let compact: &mut [u8] = if length <= stack.len() {
        &mut stack[..length]
    } else {
        heap.resize(length, 0);
        &mut heap
    };
    for (slot, b) in compact.iter_mut().zip(alphanumeric()) {
        *slot = b.to_ascii_lowercase();
    }
    // Each position against the parts that start with its letter (a first-byte test first:
    // this runs for every member name of every recorded body, twice).
    let contains_part = (0..compact.len()).any(|i| {
        let rest = &compact[i..];
        SECRET_NAME_PARTS.iter().any(|part| {
            let part = part.as_bytes();
            part[0] == rest[0] && rest.starts_with(part)
        })
    });
    if contains_part {
        return true;
    }
    // Words split on separators and camelCase: `apiKey` is `api`, `key`; `API_KEY` too.
    let mut last_word: Option<&[u8]> = None;
    let mut start = 0;
    for i in 0..=bytes.len() {
        let camel = i > 0
            && i < bytes.len()
            && bytes[i].is_ascii_uppercase()
            && bytes[i - 1].is_ascii_lowercase();
        let separator = i == bytes.len() || !bytes[i].is_ascii_alphanumeric();
        if !(separator || camel) {
            continue;
        }
        let word = &bytes[start..i];
        if !word.is_empty() {
            // `key` names a secret only as the last word: `api_key`, not `key_id`.
            if !word.eq_ignore_ascii_case(b"key")
                && SECRET_NAME_WORDS
                    .iter()
                    .any(|w| word.eq_ignore_ascii_case(w.as_bytes()))
            {
                return true;
            }
            last_word = Some(word);
        }
        start = if separator { i + 1 } else { i };
    }
    last_word.is_some_and(|w| w.eq_ignore_ascii_case(b"key"))
}

/// [`is_secret_name`] for the member names of JSON bodies, remembered per thread: bodies
/// repeat a small vocabulary of names (the API's fields), and a profile of a REST GET put
/// ~450 instructions a member in deciding each one anew, on every body, twice.
pub(crate) fn is_secret_member(name: &str) -> bool {
    names::remembered(name, is_secret_name)
}

/// A recorded body: JSON is redacted by field name and by value shape; anything else (broken
/// JSON included) by the tolerant scan of [`text`]. JSON with nothing to redact is kept byte
/// for byte as it came (most bodies: the gateway and the service that stores the history
/// both apply this to every record, and re-serializing an unchanged document was a quarter
/// of the redaction's cost); redacted JSON is written compact.
pub fn body(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    // First read without copies, to learn whether anything is to be redacted at all; only
    // then parsed into a `Value` (the same parser: a document one accepts, so does the other).
    match serde_json::from_slice::<doc::Doc>(bytes) {
        Ok(doc) if !doc.has_secret() => unchanged_body(bytes),
        Ok(_) => match serde_json::from_slice::<Value>(bytes) {
            Ok(mut json) => {
                redact_json(&mut json);
                json.to_string()
            }
            Err(_) => text(&String::from_utf8_lossy(bytes)),
        },
        Err(_) => text(&String::from_utf8_lossy(bytes)),
    }
}

/// What [`body`] answers for a body with nothing to redact: the text as it came. Also for a
/// body found secret-free as it was written (`json::Rendered`), which is not read again.
pub fn unchanged_body(bytes: &[u8]) -> String {
    // JSON is UTF-8 (outside its strings, ASCII); lossy only for what is not JSON.
    String::from_utf8_lossy(bytes).into_owned()
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret_member(key) && !v.is_null() {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::String(s) => {
            if let Cow::Owned(redacted) = redacted(s) {
                *s = redacted;
            }
        }
        _ => {}
    }
}

/// Whether [`text`] would change `s`.
pub(crate) fn has_secret(s: &str) -> bool {
    matches!(redacted(s), Cow::Owned(_))
}

/// A request target (`/path?query`): a path segment that holds a secret (decoded, it is
/// credential-shaped or a secret pair) is replaced whole; so is the value of a query
/// parameter with a secret name or a credential-shaped value.
pub fn target(path_and_query: &str) -> String {
    // Most targets (every gRPC path, REST paths of ids and names) leave a segment only one
    // way to hold a secret: a credential's own shape. Without escapes to decode, a query,
    // pair delimiters, quotes or blanks, no segment can decode differently or hold a pair,
    // a `Bearer` credential or a URL's password; and a credential-shaped token found in a
    // segment is found in the whole target too (at the same place, its run at least as
    // long). So the whole target, read once, decides: the history records every call's
    // target, and splitting it cost ~1,000 instructions a segment (callgrind, stop 29).
    if !path_and_query.bytes().any(|b| {
        matches!(b, b'%' | b'?' | b':' | b'=' | b'"' | b'\'' | b'+') || b.is_ascii_whitespace()
    }) && !has_secret(path_and_query)
    {
        return path_and_query.to_owned();
    }
    by_segment(path_and_query)
}

/// [`target`] read segment by segment, and the query parameter by parameter.
fn by_segment(path_and_query: &str) -> String {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        out.push(if has_secret(&decode(segment, false)) {
            REDACTED
        } else {
            segment
        });
    }
    let mut redacted = out.join("/");
    if let Some(query) = query {
        redacted.push('?');
        redacted.push_str(&self::query(query));
    }
    redacted
}

/// A query string or form body (`a=1&b=2`), each value judged by its name and shape.
pub fn query(query: &str) -> String {
    let params: Vec<String> = query
        .split('&')
        .map(|param| {
            let (name, value) = param.split_once('=').unwrap_or(("", param));
            let decoded = decode(value, true);
            if is_secret_name(&decode(name, true)) && !value.is_empty() || has_secret(&decoded) {
                if name.is_empty() {
                    REDACTED.to_owned()
                } else {
                    format!("{name}={REDACTED}")
                }
            } else {
                param.to_owned()
            }
        })
        .collect();
    params.join("&")
}

/// Percent-decoding, repeated (at most three times) so that double encoding hides nothing;
/// invalid escapes stay as they are, invalid UTF-8 is replaced.
fn decode(raw: &str, form: bool) -> Cow<'_, str> {
    if !(raw.contains('%') || form && raw.contains('+')) {
        return Cow::Borrowed(raw);
    }
    let mut current = raw.to_owned();
    for _ in 0..3 {
        if !(current.contains('%') || form && current.contains('+')) {
            break;
        }
        let bytes = current.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            match bytes[i] {
                b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                },
                b'+' if form => out.push(b' '),
                b => out.push(b),
            }
            i += 1;
        }
        let next = String::from_utf8_lossy(&out).into_owned();
        if next == current {
            break;
        }
        current = next;
    }
    Cow::Owned(current)
}

/// Free text: credential-shaped substrings anywhere, then secret-named pairs (the tolerant
/// scan). Shapes go first so that `Authorization: Basic dXNl...` loses its credential even
/// though the pair's bare value ends at the space after `Basic`.
pub fn text(input: &str) -> String {
    redacted(input).into_owned()
}

/// [`text`], borrowed when nothing changes (most text: no allocation then). `Owned` always
/// differs from the input.
fn redacted(input: &str) -> Cow<'_, str> {
    match shapes(input) {
        Cow::Borrowed(s) => pairs(s),
        Cow::Owned(s) => Cow::Owned(pairs(&s).into_owned()),
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// `"name": value`, `name=value` and `name: value` where the name is a secret's: the value
/// (quoted up to its closing quote or the end, bare up to a delimiter) becomes [`REDACTED`].
fn pairs(input: &str) -> Cow<'_, str> {
    // A pair needs its `:` or `=`; without one the scan below copies every character, so
    // most field values (names, notes, ids) skip its copy into a `Vec<char>`.
    if !input.contains([':', '=']) || !might_pair(input) {
        return Cow::Borrowed(input);
    }
    pairs_scan(input)
}

/// Whether some `:` or `=` follows a secret name (perhaps quoted, then blanks): a byte scan
/// that finds every pair [`pairs_scan`] would redact (it reads the same name backwards from
/// the delimiter), so that text with delimiters but no secret pair (times like
/// `2026-12-02T10:00:00Z`, URLs, prose) skips the scan's copy into a `Vec<char>`.
fn might_pair(input: &str) -> bool {
    let b = input.as_bytes();
    (0..b.len())
        .filter(|&i| matches!(b[i], b':' | b'='))
        .any(|i| {
            let mut end = i;
            while end > 0 && matches!(b[end - 1], b' ' | b'\t') {
                end -= 1;
            }
            if end > 0 && matches!(b[end - 1], b'"' | b'\'') {
                end -= 1;
            }
            let mut start = end;
            while start > 0 && is_name_char(char::from(b[start - 1])) && b[start - 1].is_ascii() {
                start -= 1;
            }
            start < end && is_secret_name(&input[start..end])
        })
}

/// The tolerant scan of [`pairs`], over every character.
fn pairs_scan(input: &str) -> Cow<'_, str> {
    let mut changed = false;
    let chars: Vec<char> = input.chars().collect();
    let mut out = String::with_capacity(input.len());
    let mut i = 0;
    while i < chars.len() {
        // A name: a run of name characters, perhaps quoted.
        let quote = matches!(chars[i], '"' | '\'').then_some(chars[i]);
        let start = i + usize::from(quote.is_some());
        let mut end = start;
        while end < chars.len() && is_name_char(chars[end]) {
            end += 1;
        }
        let at_word_start = i == 0 || !is_name_char(chars[i - 1]);
        if end == start || !at_word_start {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut j = end;
        if let Some(q) = quote {
            if chars.get(j) != Some(&q) {
                out.extend(&chars[i..end]);
                i = end;
                continue;
            }
            j += 1;
        }
        let name: String = chars[start..end].iter().collect();
        while chars.get(j).is_some_and(|c| *c == ' ' || *c == '\t') {
            j += 1;
        }
        if !matches!(chars.get(j), Some(':' | '=')) || !is_secret_name(&name) {
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        j += 1;
        while chars.get(j).is_some_and(|c| *c == ' ' || *c == '\t') {
            j += 1;
        }
        out.extend(&chars[i..j]);
        let (value_start, value_end, close) = match chars.get(j) {
            Some(&q @ ('"' | '\'')) => {
                let mut k = j + 1;
                while k < chars.len() && chars[k] != q {
                    k += if chars[k] == '\\' { 2 } else { 1 };
                }
                let k = k.min(chars.len());
                (j + 1, k, (k < chars.len()).then_some(q))
            }
            // Already redacted (the bare scan would stop at its `]`): kept as it is.
            _ if chars[j..].starts_with(&REDACTED.chars().collect::<Vec<_>>()) => {
                (j, j + REDACTED.len(), None)
            }
            _ => {
                let mut k = j;
                while k < chars.len()
                    && !chars[k].is_whitespace()
                    && !matches!(chars[k], ',' | ';' | '&' | '}' | ']' | ')')
                {
                    k += 1;
                }
                (j, k, None)
            }
        };
        let value: String = chars[value_start..value_end].iter().collect();
        if value_start > j {
            out.push(chars[j]);
        }
        if value.is_empty() || value == "null" || value == REDACTED {
            out.push_str(&value);
        } else {
            out.push_str(REDACTED);
            changed = true;
        }
        if let Some(q) = close {
            out.push(q);
        }
        i = value_end + usize::from(close.is_some());
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(input)
    }
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'~' | b'+' | b'/' | b'=')
}

/// Length of the credential-shaped token starting at `at`, if one does.
fn credential_at(bytes: &[u8], at: usize) -> Option<usize> {
    let rest = &bytes[at..];
    let run = |from: usize, ok: fn(u8) -> bool| {
        rest[from.min(rest.len())..]
            .iter()
            .take_while(|b| ok(**b))
            .count()
    };
    let base64ish = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'/' | b'=');
    for prefix in [
        LIVE_PREFIX,
        TEST_PREFIX,
        INTERNAL_PREFIX,
        WEBHOOK_SECRET_PREFIX,
    ] {
        if rest.starts_with(prefix.as_bytes()) {
            let n = run(prefix.len(), base64ish);
            return (n > 0).then_some(prefix.len() + n);
        }
    }
    // Any other token kind of the platform: `ast_<kind>_` and at least 8 characters.
    if rest.starts_with(b"ast_") {
        let kind = run(4, |b| b.is_ascii_lowercase());
        if (1..=12).contains(&kind) && rest.get(4 + kind) == Some(&b'_') {
            let n = run(5 + kind, base64ish);
            if n >= 8 {
                return Some(5 + kind + n);
            }
        }
    }
    // A JWT: three base64url parts, the first a JSON object (`eyJ`).
    if rest.starts_with(b"eyJ") {
        let b64url = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
        let head = run(0, b64url);
        if head >= 10 && rest.get(head) == Some(&b'.') {
            let payload = run(head + 1, b64url);
            if payload > 0 && rest.get(head + 1 + payload) == Some(&b'.') {
                return Some(head + 2 + payload + run(head + 2 + payload, b64url));
            }
        }
    }
    None
}

/// Credential-shaped substrings: the platform's prefixes, JWTs, the credential after
/// `Bearer`/`Basic`, and a URL's user-info password.
fn shapes(input: &str) -> Cow<'_, str> {
    let bytes = input.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Every shape starts with one of these bytes (`ast_`, `whsec_`, `eyJ`, `bearer` and
        // `basic` in any case, `://`): the others are skipped without the checks below, which
        // cost tens of instructions a byte (most of a recorded body's redaction).
        // And by their second byte (`as`, `wh`, `ey`, `be`/`ba` in any case, `:/`): ids
        // and names are full of the first bytes (hexadecimal ids of `a`, `b` and `e`).
        let next = bytes.get(i + 1).map_or(0, u8::to_ascii_lowercase);
        let possible = match bytes[i] {
            b'a' => next == b's',
            b'w' => next == b'h',
            b'e' => next == b'y',
            b'b' | b'B' => matches!(next, b'e' | b'a'),
            b':' => next == b'/',
            _ => false,
        };
        if !possible {
            i += 1;
            continue;
        }
        let boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        // Credentials are found anywhere, even glued to other text (`id=ast_live_...`).
        let mut cut = credential_at(bytes, i).map(|n| (i, i + n));
        if cut.is_none() && boundary {
            for scheme in ["bearer", "basic"] {
                let s = scheme.len();
                if bytes.len() > i + s
                    && bytes[i..i + s].eq_ignore_ascii_case(scheme.as_bytes())
                    && matches!(bytes[i + s], b' ' | b'\t')
                {
                    let start = i + s + bytes[i + s..].iter().take_while(|b| **b == b' ').count();
                    let n = bytes[start..]
                        .iter()
                        .take_while(|b| is_token_char(**b))
                        .count();
                    if n >= 8 {
                        cut = Some((start, start + n));
                    }
                }
            }
        }
        if cut.is_none() && bytes[i..].starts_with(b"://") {
            // scheme://user:password@host
            let auth = &bytes[i + 3..];
            let end = auth
                .iter()
                .position(|b| matches!(b, b'/' | b'?' | b'#') || b.is_ascii_whitespace())
                .unwrap_or(auth.len());
            if let Some(at) = auth[..end].iter().rposition(|b| *b == b'@')
                && let Some(colon) = auth[..at].iter().position(|b| *b == b':')
                && colon + 1 < at
            {
                cut = Some((i + 3 + colon + 1, i + 3 + at));
            }
        }
        match cut {
            Some((start, end)) if &input[start..end] != REDACTED => {
                out.push_str(&input[copied..start]);
                out.push_str(REDACTED);
                copied = end;
                i = end;
            }
            _ => i += 1,
        }
        while i < bytes.len() && !input.is_char_boundary(i) {
            i += 1;
        }
    }
    if copied == 0 {
        // Nothing was cut (a cut always ends past 0).
        return Cow::Borrowed(input);
    }
    out.push_str(&input[copied..]);
    Cow::Owned(out)
}

#[path = "redact_doc.rs"]
mod doc;

#[path = "redact_names.rs"]
mod names;

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
