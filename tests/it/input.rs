//! Input that looks valid but is not: emails a person would not mean (fullwidth letters,
//! mixed scripts, invisible characters, `..` in the domain, IP literals) are 422 naming the
//! field on team members and customers alike; good ones are stored normalised (NFC, domain
//! lowercased); team members' emails are unique per organization regardless of case; a media
//! type that does not parse is 422 and leaves nothing behind.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const SCOPES: &[&str] = &[
    "read:team",
    "write:team",
    "read:customers",
    "write:customers",
    "read:files",
    "write:files",
];

/// Addresses that parse somewhere but that no person would mean, with what makes them so.
const BAD_EMAILS: &[(&str, &str)] = &[
    ("fullwidth letters", "\u{ff41}\u{ff44}\u{ff41}@example.com"),
    ("fullwidth domain", "ada@\u{ff45}xample.com"),
    ("mixed scripts (Cyrillic a)", "p\u{430}ypal@example.com"),
    ("mixed scripts in the domain", "ada@p\u{430}ypal.com"),
    ("zero-width space", "ad\u{200b}a@example.com"),
    ("right-to-left override", "ada\u{202e}@example.com"),
    ("consecutive dots in the domain", "ada@example..com"),
    ("consecutive dots in the local part", "ada..b@example.com"),
    ("IP literal", "ada@[127.0.0.1]"),
    ("bare IP address", "ada@192.168.0.1"),
    ("no dot in the domain", "ada@localhost"),
    ("display name", "Ada <ada@example.com>"),
];

async fn list(app: &TestApp, t: &Tenant, path: &str) -> Vec<Value> {
    let (status, body) = call(app, t, Method::GET, path, None).await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn emails_a_person_would_not_mean_are_422_naming_the_field() {
    let app = spawn_app().await;
    let t = app.tenant_with(SCOPES).await;
    for (what, bad) in BAD_EMAILS {
        let body = fails(
            &app,
            &t,
            Method::POST,
            "/team_members",
            Some(json!({"name": "Ann", "email": bad})),
            422,
            "validation_failed",
        )
        .await;
        let message = body["errors"]["email"][0].as_str().unwrap_or_default();
        assert!(
            message.starts_with("must be a valid email address"),
            "{what}: {body}"
        );

        let body = fails(
            &app,
            &t,
            Method::POST,
            "/customers",
            Some(json!({"name": "Cy", "emails": ["ok@example.com", bad]})),
            422,
            "validation_failed",
        )
        .await;
        assert!(body["errors"]["emails[1]"].is_array(), "{what}: {body}");
        assert!(body["errors"].get("emails[0]").is_none(), "{what}: {body}");
    }
    assert!(list(&app, &t, "/team_members").await.is_empty());
    assert!(list(&app, &t, "/customers").await.is_empty());

    // The same rule on PATCH.
    let (status, member) = call(
        &app,
        &t,
        Method::POST,
        "/team_members",
        Some(json!({"name": "Ann", "email": "ann@example.com"})),
    )
    .await;
    assert_eq!(status, 201, "{member}");
    let body = fails(
        &app,
        &t,
        Method::PATCH,
        &format!("/team_members/{}", id_of(&member)),
        Some(json!({"email": "ann@exam\u{200b}ple.com"})),
        422,
        "validation_failed",
    )
    .await;
    assert!(body["errors"]["email"].is_array(), "{body}");
    app.shutdown().await;
}

#[tokio::test]
async fn good_addresses_are_stored_normalised() {
    let app = spawn_app().await;
    let t = app.tenant_with(SCOPES).await;
    // NFD (e + U+0301) and an uppercase domain: stored NFC with the domain lowercased; the
    // local part keeps its case.
    let (status, member) = call(
        &app,
        &t,
        Method::POST,
        "/team_members",
        Some(json!({"name": "Rene", "email": " Re\u{301}ne@EXAMPLE.Com "})),
    )
    .await;
    assert_eq!(status, 201, "{member}");
    assert_eq!(member["email"], "R\u{e9}ne@example.com");
    let (_, read_back) = call(
        &app,
        &t,
        Method::GET,
        &format!("/team_members/{}", id_of(&member)),
        None,
    )
    .await;
    assert_eq!(read_back["email"], "R\u{e9}ne@example.com");

    let customer = app
        .create_customer(
            &t,
            json!({"name": "Ada", "emails": ["Ada@Example.COM", "\u{438}\u{432}\u{430}\u{43d}@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}"]}),
        )
        .await;
    assert_eq!(
        customer["emails"],
        json!([
            "Ada@example.com",
            "\u{438}\u{432}\u{430}\u{43d}@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}"
        ])
    );
    let (status, patched) = call(
        &app,
        &t,
        Method::PATCH,
        &format!("/customers/{}", id_of(&customer)),
        Some(json!({"emails": ["Zoe\u{308}@Mail.Example.ORG"]})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["emails"], json!(["Zo\u{eb}@mail.example.org"]));
    app.shutdown().await;
}

#[tokio::test]
async fn team_member_emails_are_unique_per_organization_regardless_of_case() {
    let app = spawn_app().await;
    let t = app.tenant_with(SCOPES).await;
    let create = |email: &'static str| {
        let app = &app;
        let t = &t;
        async move {
            call(
                app,
                t,
                Method::POST,
                "/team_members",
                Some(json!({"name": "Dee", "email": email})),
            )
            .await
        }
    };
    let (status, first) = create("dup@example.com").await;
    assert_eq!(status, 201, "{first}");
    for again in ["DUP@example.com", "dup@EXAMPLE.com", " Dup@Example.Com "] {
        let (status, body) = create(again).await;
        assert_eq!(status, 409, "{again}: {body}");
        assert_eq!(body["code"], "conflict", "{body}");
    }
    // A PATCH onto another member's address is the same conflict; onto its own, in another
    // case, it is a change like any other.
    let (status, other) = create("other@example.com").await;
    assert_eq!(status, 201, "{other}");
    let body = fails(
        &app,
        &t,
        Method::PATCH,
        &format!("/team_members/{}", id_of(&other)),
        Some(json!({"email": "Dup@example.com"})),
        409,
        "conflict",
    )
    .await;
    // The constraint and its SQL stay in the log.
    assert!(
        !body["message"].as_str().unwrap().contains("email_key"),
        "{body}"
    );
    let (status, recased) = call(
        &app,
        &t,
        Method::PATCH,
        &format!("/team_members/{}", id_of(&first)),
        Some(json!({"email": "Dup@example.com"})),
    )
    .await;
    assert_eq!(status, 200, "{recased}");
    assert_eq!(recased["email"], "Dup@example.com");
    assert_eq!(list(&app, &t, "/team_members").await.len(), 2);

    // Uniqueness is per organization: another tenant may have the same person.
    let elsewhere = app.tenant_with(SCOPES).await;
    let (status, body) = call(
        &app,
        &elsewhere,
        Method::POST,
        "/team_members",
        Some(json!({"name": "Dee", "email": "DUP@example.com"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_media_type_that_does_not_parse_is_422_and_nothing_is_stored() {
    let app = spawn_app().await;
    let t = app.tenant_with(SCOPES).await;
    // Written by hand: an HTTP client's own multipart builder refuses to send this type.
    for bad in [
        "text/plain; a=\"b",
        "text/plain; charset",
        "image/",
        "text/plain; a=\"b\"c",
    ] {
        let body = format!(
            "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
             Content-Type: {bad}\r\n\r\nhello\r\n--b--\r\n"
        );
        let response = app
            .req(&t, Method::POST, "/files")
            .header("content-type", "multipart/form-data; boundary=b")
            .body(body)
            .send()
            .await
            .unwrap();
        let error = expect_error(response, 422, "validation_failed").await;
        assert!(error["errors"]["mime_type"].is_array(), "{bad}: {error}");
    }
    assert!(list(&app, &t, "/files").await.is_empty());
    let leftovers: Vec<_> = walk(&app.files_dir);
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A type that parses is stored in one canonical form and served back as such.
    let body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
                Content-Type: Text/Plain;Charset=UTF-8;name=\"a b\"\r\n\r\nhello\r\n--b--\r\n";
    let (status, file) = read(
        app.req(&t, Method::POST, "/files")
            .header("content-type", "multipart/form-data; boundary=b")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{file}");
    assert_eq!(file["mime_type"], "text/plain; charset=utf-8; name=\"a b\"");
    let download = app
        .req(&t, Method::GET, &format!("/files/{}/content", id_of(&file)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        download.headers()["content-type"],
        "text/plain; charset=utf-8; name=\"a b\""
    );
    app.shutdown().await;
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}
