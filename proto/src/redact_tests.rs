use super::*;

const KEY: &str = "ast_live_4fKq9ZrT2mXw8LpB7cYd1NvE";

#[test]
fn secret_names() {
    for name in [
        "password",
        "Password",
        "api_key",
        "apiKey",
        "API_KEY",
        "x-api-key",
        "key",
        "KEY",
        "secret",
        "client_secret",
        "clientSecret",
        "access_token",
        "token",
        "webhook-signature",
        "sig",
        "authorization",
        "Authorization",
        "private_key",
        "secret_key",
        "card_number",
        "pwd",
        "x-auth",
    ] {
        assert!(is_secret_name(name), "{name} names a secret");
    }
    for name in [
        "name", "key_id", "keys", "email", "monkey", "keyboard", "status", "cursor", "limit",
        "notes", "shipping",
    ] {
        assert!(!is_secret_name(name), "{name} names no secret");
    }
}

/// The first version of [`is_secret_name`] (allocating its lower-case copies and words):
/// the reference the allocation-free one must agree with.
fn is_secret_name_reference(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let compact: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
    if SECRET_NAME_PARTS.iter().any(|p| compact.contains(p)) {
        return true;
    }
    let mut words = vec![String::new()];
    let mut previous = ' ';
    for c in name.chars() {
        let camel = c.is_ascii_uppercase() && previous.is_ascii_lowercase();
        if !c.is_ascii_alphanumeric() || camel {
            words.push(String::new());
        }
        if c.is_ascii_alphanumeric() {
            words.last_mut().unwrap().push(c.to_ascii_lowercase());
        }
        previous = c;
    }
    words.retain(|w| !w.is_empty());
    words
        .iter()
        .any(|w| w != "key" && SECRET_NAME_WORDS.contains(&w.as_str()))
        || words.last().is_some_and(|w| w == "key")
}

#[test]
fn secret_names_agree_with_the_reference() {
    // Every name of up to three pieces from an alphabet of words, separators, cases and
    // non-ASCII characters, and a few long ones (past the 64-byte stack buffer).
    let pieces = [
        "", "key", "Key", "KEY", "api", "Api", "id", "pwd", "Pwd", "auth", "sig", "otp", "pin",
        "pass", "word", "Word", "secret", "tok", "en", "monkey", "_", "-", ".", " ", "é", "ß", "K",
        "k", "E", "y", "9", "keyId", "apiKEY", "xAuth",
    ];
    let mut names = Vec::new();
    for a in pieces {
        for b in pieces {
            for c in pieces {
                names.push(format!("{a}{b}{c}"));
            }
        }
    }
    names.push(format!("{}_key", "x".repeat(80)));
    names.push(format!("{}Secret{}", "é".repeat(40), "a".repeat(40)));
    names.push(format!("key_{}", "y".repeat(100)));
    for name in &names {
        assert_eq!(
            is_secret_name(name),
            is_secret_name_reference(name),
            "{name:?}"
        );
    }
    assert!(names.len() > 30_000);
}

#[test]
fn targets() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlX2hlcmU";
    let cases: &[(String, String)] = &[
        (
            format!("/api/public/v1/customers?api_key={KEY}"),
            "/api/public/v1/customers?api_key=[REDACTED]".into(),
        ),
        (
            "/customers?token=abc&limit=5".into(),
            "/customers?token=[REDACTED]&limit=5".into(),
        ),
        (
            "/customers?secret=s3&password=p&Signature=x&authorization=y&limit=2".into(),
            "/customers?secret=[REDACTED]&password=[REDACTED]&Signature=[REDACTED]\
             &authorization=[REDACTED]&limit=2"
                .into(),
        ),
        (
            format!("/api/public/v1/customers/{KEY}"),
            "/api/public/v1/customers/[REDACTED]".into(),
        ),
        (
            format!("/customers/{KEY}/notes?x=1"),
            "/customers/[REDACTED]/notes?x=1".into(),
        ),
        // Percent-encoded (twice) and glued to another value: still found.
        (
            "/customers/%2561st_live_abcdefgh12345678".into(),
            "/customers/[REDACTED]".into(),
        ),
        (
            format!("/customers?cursor=c1&q=id%3D{KEY}"),
            "/customers?cursor=c1&q=[REDACTED]".into(),
        ),
        (
            format!("/customers?note=Bearer%20{jwt}"),
            "/customers?note=[REDACTED]".into(),
        ),
        (
            "/customers?whsec=whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY".into(),
            "/customers?whsec=[REDACTED]".into(),
        ),
        (format!("/x?{KEY}"), "/x?[REDACTED]".into()),
        // Nothing secret: unchanged, byte for byte.
        (
            "/customers/cus_0190a?limit=10&cursor=abc%3D&key_id=key_1".into(),
            "/customers/cus_0190a?limit=10&cursor=abc%3D&key_id=key_1".into(),
        ),
        ("/customers?token=".into(), "/customers?token=".into()),
    ];
    for (input, expected) in cases {
        assert_eq!(&target(input), expected, "{input}");
        assert_eq!(&target(expected), expected, "idempotent: {expected}");
    }
}

#[test]
fn a_target_read_whole_is_redacted_as_read_segment_by_segment() {
    // Segments a target's fast path must judge as the segment-by-segment reading does:
    // plain ids and names, every credential shape (glued to other text, at a segment's end,
    // followed by more segments), near misses, and what redaction already wrote.
    let segments = [
        "",
        "api",
        "v1",
        "cus_01a2426010ff751b94e246ba25d8063d",
        "asteri.v1.CustomersService",
        "GetCustomer",
        KEY,
        "ast_test_T5xBSRLBXBloODPwQMktIP2iT5itJbp5",
        "ast_int_abcdefgh",
        "ast_oauth_abcdefgh12",
        "ast_oauth_abc",
        "ast_x",
        "id-ast_live_abc",
        "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY",
        "whsec_",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlX2hlcmU",
        "eyJhbGciOiJIUzI1NiJ9",
        "eyJhbGciOiJIUzI1NiJ9.",
        "[REDACTED]",
        "bearer",
        "basic",
        "café",
        "a.b-c_d~e",
    ];
    let mut checked = 0;
    for a in segments {
        for b in segments {
            for c in ["", "/", "/notes", "/ast_live_", "/eyJhbGciOiJIUzI1NiJ9.x"] {
                let target = format!("/{a}/{b}{c}");
                assert_eq!(
                    super::target(&target),
                    super::by_segment(&target),
                    "{target}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, segments.len() * segments.len() * 5);
}

#[test]
fn bodies() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlX2hlcmU";
    let cases: &[(String, String)] = &[
        // Parsed JSON: by name (any value but null) and by shape.
        (
            r#"{"name":"A","password":"hunter2","nested":{"api_key":"x"},"secret":null}"#.into(),
            r#"{"name":"A","password":"[REDACTED]","nested":{"api_key":"[REDACTED]"},"secret":null}"#
                .into(),
        ),
        (
            format!(r#"{{"notes":"key {KEY} here","tags":["{jwt}"]}}"#),
            r#"{"notes":"key [REDACTED] here","tags":["[REDACTED]"]}"#.into(),
        ),
        (
            r#"{"notes":"{\"password\":\"in a string\"}"}"#.into(),
            r#"{"notes":"{\"password\":\"[REDACTED]\"}"}"#.into(),
        ),
        // Broken JSON: the tolerant scan.
        (
            r#"{"password":"hunter2""#.into(),
            r#"{"password":"[REDACTED]""#.into(),
        ),
        (
            r#"{"name": "A", "Password" : "hun\"ter2", "x": 1,"#.into(),
            r#"{"name": "A", "Password" : "[REDACTED]", "x": 1,"#.into(),
        ),
        (r#"{"password":"hunter2"#.into(), r#"{"password":"[REDACTED]"#.into()),
        (r#"{"password": 12345,"#.into(), r#"{"password": [REDACTED],"#.into()),
        (
            r#"{'client_secret': 'abc', "token":null"#.into(),
            r#"{'client_secret': '[REDACTED]', "token":null"#.into(),
        ),
        (
            format!(r#"{{"notes": "mine is {KEY}"#),
            r#"{"notes": "mine is [REDACTED]"#.into(),
        ),
        // Form bodies and plain text.
        (
            "name=A&password=hunter2&api_key=k".into(),
            "name=A&password=[REDACTED]&api_key=[REDACTED]".into(),
        ),
        (
            "Authorization: Basic dXNlcjpwYXNzd29yZA==".into(),
            "Authorization: [REDACTED] [REDACTED]".into(),
        ),
        (
            "sent Bearer abcdefghijklmnop yesterday".into(),
            "sent Bearer [REDACTED] yesterday".into(),
        ),
        (
            "db postgres://app:s3cr3t@db.internal:5432/x".into(),
            "db postgres://app:[REDACTED]@db.internal:5432/x".into(),
        ),
        (
            "plain ast_test_zzz, whsec_abc+/= and ast_int_q".into(),
            "plain [REDACTED], [REDACTED] and [REDACTED]".into(),
        ),
        (
            "future ast_oauth_ABCDEFGH12345678 kinds".into(),
            "future [REDACTED] kinds".into(),
        ),
        // Nothing secret: unchanged.
        (
            r#"{"name":"Ann","key_id":"key_1","email":"a@b.co"}"#.into(),
            r#"{"name":"Ann","key_id":"key_1","email":"a@b.co"}"#.into(),
        ),
        ("ast_ is not a key; astute".into(), "ast_ is not a key; astute".into()),
        ("https://example.com/a?b=c".into(), "https://example.com/a?b=c".into()),
        ("¡señal é ünïcode!".into(), "¡señal é ünïcode!".into()),
        (String::new(), String::new()),
    ];
    for (input, expected) in cases {
        assert_eq!(&body(input.as_bytes()), expected, "{input}");
        assert_eq!(
            &body(expected.as_bytes()),
            expected,
            "idempotent: {expected}"
        );
    }
    assert!(body(b"\xff\xfepassword=hunter2").ends_with("password=[REDACTED]"));
    // JSON with nothing to redact is kept as it came; redacted JSON is written compact.
    let spaced = "{ \"name\": \"Ann\",\n  \"n\": 1.50 }";
    assert_eq!(body(spaced.as_bytes()), spaced);
    assert_eq!(
        body(b"{ \"name\": \"Ann\", \"password\": \"x\" }"),
        r#"{"name":"Ann","password":"[REDACTED]"}"#
    );
}

/// The redaction of a value tells whether it changed: `Owned` only when it did.
#[test]
fn unchanged_text_is_borrowed() {
    for unchanged in [
        "",
        "Ann",
        "a=b",
        "key_id: 1",
        "ast_ x",
        "[REDACTED]",
        "password=[REDACTED]",
    ] {
        assert!(
            matches!(super::redacted(unchanged), std::borrow::Cow::Borrowed(_)),
            "{unchanged}"
        );
    }
    for changed in ["password=x", "Bearer abcdefghijkl", "x ast_test_abc"] {
        assert!(
            matches!(super::redacted(changed), std::borrow::Cow::Owned(_)),
            "{changed}"
        );
    }
}

/// The byte pre-scan of `pairs` never skips text that the full scan would change: every
/// string of up to five pieces from an alphabet of names, quotes, blanks and delimiters.
#[test]
fn the_pair_prescan_misses_no_pair() {
    const PIECES: &[&str] = &[
        "password",
        "token",
        "name",
        "x",
        "\"",
        "'",
        " ",
        "\t",
        ":",
        "=",
        "key",
        "é",
        "[REDACTED]",
    ];
    let mut stack = vec![(String::new(), 0)];
    let (mut checked, mut pairs) = (0, 0);
    while let Some((s, depth)) = stack.pop() {
        let skipped = !super::might_pair(&s);
        let changed = matches!(super::pairs_scan(&s), std::borrow::Cow::Owned(_));
        assert!(!(skipped && changed), "{s:?}");
        checked += 1;
        pairs += usize::from(changed);
        if depth < 5 {
            stack.extend(PIECES.iter().map(|p| (format!("{s}{p}"), depth + 1)));
        }
    }
    assert!(checked > 400_000 && pairs > 1_000, "{checked} {pairs}");
}

/// The copy-free reading of a body finds a secret exactly when redacting its `Value` changes
/// it, so that a body kept as it came is one the redaction would have left alone.
#[test]
fn the_document_check_agrees_with_the_redaction() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlX2hlcmU";
    let values = [
        "null".to_owned(),
        "1".into(),
        "true".into(),
        r#""[REDACTED]""#.into(),
        r#""Ann""#.into(),
        r#""2026-12-02T10:00:00Z""#.into(),
        r#""password=x""#.into(),
        r#""pass\u0077ord=x""#.into(),
        format!(r#""key {KEY}""#),
        format!(r#""{jwt}""#),
        r#"["a", "token: t"]"#.into(),
        r#"{"n": {"secret": null}}"#.into(),
        r#"{"n": {"secret": 0}}"#.into(),
        "[]".into(),
        "{}".into(),
    ];
    let names = [
        "name",
        "password",
        "key_id",
        "api_key",
        "pass\\u0077ord",
        "notes",
    ];
    let mut changed = 0;
    for a in &values {
        for b in &values {
            for name in names {
                for body in [
                    format!(r#"{{"{name}": {a}, "other": {b}}}"#),
                    format!("[{a}, {{\"{name}\": {b}}}]"),
                    a.clone(),
                ] {
                    let doc: super::doc::Doc = serde_json::from_str(&body).expect(&body);
                    let mut value: serde_json::Value = serde_json::from_str(&body).unwrap();
                    let before = value.clone();
                    super::redact_json(&mut value);
                    assert_eq!(doc.has_secret(), value != before, "{body}");
                    changed += usize::from(value != before);
                }
            }
        }
    }
    assert!(changed > 500, "{changed}");
}

/// The shape scan looks only at bytes that can start a shape: each kind is still found at
/// the start, in the middle and at the end of text, whatever its neighbours.
#[test]
fn shapes_are_found_wherever_they_start() {
    use crate::credentials::{INTERNAL_PREFIX, LIVE_PREFIX, TEST_PREFIX};
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlX2hlcmU";
    let shapes = [
        format!("{LIVE_PREFIX}abc"),
        format!("{TEST_PREFIX}abc"),
        format!("{INTERNAL_PREFIX}abc"),
        format!("{}abc", super::WEBHOOK_SECRET_PREFIX),
        "ast_oauth_ABCDEFGH12345678".to_owned(),
        jwt.to_owned(),
        "Bearer abcdefghijkl".to_owned(),
        "BASIC abcdefghijkl".to_owned(),
        "bearer abcdefghijkl".to_owned(),
    ];
    for shape in &shapes {
        for text in [shape.clone(), format!("é {shape}"), format!("x, {shape} é")] {
            assert!(super::has_secret(&text), "{text}");
        }
    }
    assert!(super::has_secret("see https://u:pw@host/x"));
    assert!(!super::has_secret("see https://host/x and bearer"));
}
