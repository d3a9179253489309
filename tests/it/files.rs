//! Files over REST (multipart uploads, streamed downloads) and over gRPC (client-streaming
//! uploads): contents and checksums, the size limit, bad forms, deletion of the object,
//! scopes, idempotent uploads, tenant isolation on every route, and the guarantee that a
//! failed or abandoned upload leaves neither a record nor an object.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use reqwest::{
    Method, Response,
    multipart::{Form, Part},
};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use storage::{OrgId, PageQuery, audit};
use tokio::io::AsyncWriteExt as _;

use crate::helpers::*;

mod grpc;
mod s3;

const FILE_SCOPES: &[&str] = &["read:files", "write:files", "delete:files"];

/// Deterministic bytes that do not compress to nothing.
fn content(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x2545_f491;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Every file under `dir` (staging files of unfinished uploads included).
fn stored(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(stored(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn form(name: &str, mime: Option<&str>, bytes: Vec<u8>) -> Form {
    let part = Part::bytes(bytes).file_name(name.to_owned());
    let part = match mime {
        Some(mime) => part.mime_str(mime).unwrap(),
        None => part,
    };
    Form::new().part("file", part)
}

async fn upload(app: &TestApp, t: &Tenant, form: Form) -> Response {
    app.req(t, Method::POST, "/files")
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn list(app: &TestApp, t: &Tenant, query: &str) -> Value {
    let (status, body) = read(
        app.req(t, Method::GET, &format!("/files{query}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn upload_and_download_round_trip() {
    let app = spawn_app().await;
    let t = app.tenant_with(FILE_SCOPES).await;
    let bytes = content(300 * 1024 + 17);
    let (status, file) = read(
        upload(
            &app,
            &t,
            form("report.pdf", Some("application/pdf"), bytes.clone()),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{file}");
    let id = file["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("file_"), "{file}");
    assert_eq!(file["name"], "report.pdf");
    assert_eq!(file["mime_type"], "application/pdf");
    assert_eq!(file["size_bytes"], json!(bytes.len()));
    assert_eq!(file["checksum_sha256"], sha256(&bytes));
    assert_eq!(file["status"], "ready");
    assert_eq!(file["bucket"], "local");
    assert_eq!(file["storage_key"], format!("{}/{id}", t.org));
    assert!(file["created_at"].as_str().unwrap().ends_with('Z'));
    let on_disk = app.files_dir.join(&t.org).join(&id);
    assert_eq!(std::fs::read(&on_disk).unwrap(), bytes);

    let (status, got) = read(
        app.req(&t, Method::GET, &format!("/files/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &got), (200, &file));

    let response = app
        .req(&t, Method::GET, &format!("/files/{id}/content"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let h = response.headers();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["content-length"], bytes.len().to_string().as_str());
    assert_eq!(
        h["content-disposition"],
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["x-request-id"].to_str().unwrap().starts_with("req_"));
    assert!(h.contains_key("ratelimit-remaining"));
    let downloaded = response.bytes().await.unwrap();
    assert_eq!(downloaded.len(), bytes.len());
    assert_eq!(sha256(&downloaded), sha256(&bytes));

    // Lists and their filters.
    let all = list(&app, &t, "").await;
    assert_eq!(all["data"], json!([file.clone()]));
    assert_eq!(
        list(&app, &t, "?status=ready").await["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        list(&app, &t, "?status=processing").await["data"],
        json!([])
    );
    assert_eq!(
        list(&app, &t, "?updated_since=2999-01-01T00:00:00Z").await["data"],
        json!([])
    );

    // Created `processing`, then made `ready`: two audited steps, two events, in order.
    let (store, org, q) = (
        app.platform.store.clone(),
        OrgId::new(&t.org),
        PageQuery {
            limit: 10,
            starting_after: None,
        },
    );
    let events = audit::list_events(&store, &org, None, &q)
        .await
        .unwrap()
        .items;
    let types: Vec<&str> = events.iter().rev().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["file.created", "file.processed"]);
    assert_eq!(events[1].data["status"], "processing");
    assert_eq!(events[0].data["status"], "ready");
    let only_files = audit::AuditFilter {
        resource_type: Some("file".into()),
        ..Default::default()
    };
    let trail = audit::list_audit(&store, &org, &only_files, &q)
        .await
        .unwrap()
        .items;
    let actions: Vec<&str> = trail.iter().rev().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["file.create", "file.process"]);
    app.shutdown().await;
}

#[tokio::test]
async fn types_are_sniffed_and_names_kept_in_unicode() {
    let app = spawn_app().await;
    let t = app.tenant_with(FILE_SCOPES).await;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(content(1000));
    let (status, file) =
        read(upload(&app, &t, form("r\u{e9}sum\u{e9} 1.png", None, png)).await).await;
    assert_eq!(status, 201, "{file}");
    assert_eq!(file["mime_type"], "image/png");
    assert_eq!(file["name"], "r\u{e9}sum\u{e9} 1.png");
    let response = app
        .req(
            &t,
            Method::GET,
            &format!("/files/{}/content", file["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"r_sum_ 1.png\"; filename*=UTF-8''r%C3%A9sum%C3%A9%201.png"
    );

    let (status, file) =
        read(upload(&app, &t, form("notes", None, b"plain words".to_vec())).await).await;
    assert_eq!(status, 201, "{file}");
    assert_eq!(file["mime_type"], "application/octet-stream");
    app.shutdown().await;
}

#[tokio::test]
async fn bad_forms_are_refused_and_leave_nothing() {
    let app = spawn_app().await;
    let t = app.tenant_with(FILE_SCOPES).await;
    let no_file = Form::new().text("name", "report.pdf");
    let body = expect_error(upload(&app, &t, no_file).await, 400, "invalid_request").await;
    assert!(
        body["errors"]["name"][0]
            .as_str()
            .unwrap()
            .contains("named file"),
        "{body}"
    );

    let wrong_part = Form::new().part("document", Part::bytes(b"x".to_vec()).file_name("a.txt"));
    let body = expect_error(upload(&app, &t, wrong_part).await, 400, "invalid_request").await;
    assert!(body["errors"]["document"].is_array(), "{body}");

    let empty = app
        .req(&t, Method::POST, "/files")
        .header("content-type", "multipart/form-data; boundary=b")
        .body("--b--\r\n")
        .send()
        .await
        .unwrap();
    let body = expect_error(empty, 400, "invalid_request").await;
    assert!(
        body["errors"]["file"][0]
            .as_str()
            .unwrap()
            .contains("is required"),
        "{body}"
    );

    let two = form("a.txt", None, b"one".to_vec()).text("extra", "two");
    let body = expect_error(upload(&app, &t, two).await, 400, "invalid_request").await;
    assert!(body["errors"]["extra"].is_array(), "{body}");

    let json = app
        .req(&t, Method::POST, "/files")
        .json(&json!({"name": "a.txt"}))
        .send()
        .await
        .unwrap();
    let body = expect_error(json, 415, "unsupported_media_type").await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("multipart/form-data"),
        "{body}"
    );

    let query = app
        .req(&t, Method::POST, "/files?name=x")
        .multipart(form("a.txt", None, b"x".to_vec()))
        .send()
        .await
        .unwrap();
    expect_error(query, 400, "invalid_request").await;

    let empty_file = upload(&app, &t, form("empty.txt", None, Vec::new())).await;
    let body = expect_error(empty_file, 422, "validation_failed").await;
    assert_eq!(body["errors"]["file"], json!(["must not be empty"]));

    let nameless = Form::new().part("file", Part::bytes(b"abc".to_vec()));
    let body = expect_error(upload(&app, &t, nameless).await, 422, "validation_failed").await;
    assert!(body["errors"]["name"].is_array(), "{body}");

    let bad_type = app
        .req(&t, Method::POST, "/files")
        .header("content-type", "multipart/form-data; boundary=b")
        .body(
            "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
             Content-Type: not a type\r\n\r\nabc\r\n--b--\r\n",
        )
        .send()
        .await
        .unwrap();
    let body = expect_error(bad_type, 422, "validation_failed").await;
    assert!(body["errors"]["mime_type"].is_array(), "{body}");

    assert_eq!(list(&app, &t, "").await["data"], json!([]));
    assert_eq!(stored(&app.files_dir), Vec::<PathBuf>::new());
    app.shutdown().await;
}

#[tokio::test]
async fn oversized_uploads_are_413_and_leave_nothing() {
    let app = spawn_configured(|c| c.max_file_bytes = 100 * 1024).await;
    let t = app.tenant_with(FILE_SCOPES).await;
    let exactly = upload(&app, &t, form("fits.bin", None, content(100 * 1024))).await;
    assert_eq!(exactly.status(), 201);
    let before = stored(&app.files_dir);

    let body = expect_error(
        upload(&app, &t, form("big.bin", None, content(30 * 1024 * 1024))).await,
        413,
        "payload_too_large",
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("102400"),
        "{body}"
    );
    assert_eq!(
        list(&app, &t, "").await["data"].as_array().unwrap().len(),
        1
    );
    // The aborted upload's staging file is removed.
    assert_eq!(stored(&app.files_dir), before);
    app.shutdown().await;
}

#[tokio::test]
async fn an_abandoned_upload_leaves_nothing() {
    let app = spawn_app().await;
    let t = app.tenant_with(FILE_SCOPES).await;
    let boundary = "asteri-test-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    );
    let declared = head.len() + 2_000_000;
    let request = format!(
        "POST /api/public/v1/files HTTP/1.1\r\nHost: localhost\r\nx-api-key: {}\r\n\
         x-organization-id: {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {declared}\r\n\r\n{head}",
        t.key, t.org
    );
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    socket.write_all(request.as_bytes()).await.unwrap();
    socket.write_all(&content(300 * 1024)).await.unwrap();
    // The upload is under way: its staging file exists.
    let mut seen = false;
    for _ in 0..100 {
        if !stored(&app.files_dir).is_empty() {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen, "the upload never started");
    drop(socket);
    let mut left = stored(&app.files_dir);
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        left = stored(&app.files_dir);
    }
    assert_eq!(left, Vec::<PathBuf>::new());
    assert_eq!(list(&app, &t, "").await["data"], json!([]));
    app.shutdown().await;
}

#[tokio::test]
async fn delete_removes_the_record_and_the_object() {
    let app = spawn_app().await;
    let t = app.tenant_with(FILE_SCOPES).await;
    let (_, file) = read(
        upload(
            &app,
            &t,
            form("a.txt", Some("text/plain"), b"hello".to_vec()),
        )
        .await,
    )
    .await;
    let id = file["id"].as_str().unwrap();
    let path = app.files_dir.join(&t.org).join(id);
    assert!(path.exists());
    let response = app
        .req(&t, Method::DELETE, &format!("/files/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(!path.exists());
    for route in [format!("/files/{id}"), format!("/files/{id}/content")] {
        let response = app.req(&t, Method::GET, &route).send().await.unwrap();
        expect_error(response, 404, "not_found").await;
    }
    let again = app
        .req(&t, Method::DELETE, &format!("/files/{id}"))
        .send()
        .await
        .unwrap();
    expect_error(again, 404, "not_found").await;
    let q = PageQuery {
        limit: 10,
        starting_after: None,
    };
    let events = audit::list_events(
        &app.platform.store,
        &OrgId::new(&t.org),
        Some("file.deleted"),
        &q,
    )
    .await
    .unwrap()
    .items;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data["id"], id);
    app.shutdown().await;
}

/// Another key of the organization `org`, with `scopes`.
async fn key_in(app: &TestApp, org: &str, scopes: &[&str]) -> Tenant {
    let (key, key_id) = app.key(org, scopes, Some((1000, 100_000))).await;
    Tenant {
        org: org.to_owned(),
        key,
        key_id,
    }
}

#[tokio::test]
async fn each_route_needs_its_scope() {
    let app = spawn_app().await;
    let writer = app.tenant_with(FILE_SCOPES).await;
    let (_, file) = read(upload(&app, &writer, form("a.txt", None, b"abc".to_vec())).await).await;
    let id = file["id"].as_str().unwrap();
    let reader = key_in(&app, &writer.org, &["read:files"]).await;
    let body = expect_error(
        upload(&app, &reader, form("b.txt", None, b"b".to_vec())).await,
        403,
        "missing_scope",
    )
    .await;
    assert_eq!(body["required_scope"], "write:files");
    let body = expect_error(
        app.req(&reader, Method::DELETE, &format!("/files/{id}"))
            .send()
            .await
            .unwrap(),
        403,
        "missing_scope",
    )
    .await;
    assert_eq!(body["required_scope"], "delete:files");
    let only_write = key_in(&app, &writer.org, &["write:files"]).await;
    for route in [
        "/files".to_owned(),
        format!("/files/{id}"),
        format!("/files/{id}/content"),
    ] {
        let response = app
            .req(&only_write, Method::GET, &route)
            .send()
            .await
            .unwrap();
        let body = expect_error(response, 403, "missing_scope").await;
        assert_eq!(body["required_scope"], "read:files");
    }
    let customers_only = key_in(&app, &writer.org, &["read:customers"]).await;
    let response = app
        .req(
            &customers_only,
            Method::GET,
            &format!("/files/{id}/content"),
        )
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "missing_scope").await;
    let response = app
        .req(&reader, Method::GET, &format!("/files/{id}/content"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"abc");
    app.shutdown().await;
}

#[tokio::test]
async fn another_organizations_file_is_404_on_every_route() {
    let app = spawn_app().await;
    let owner = app.tenant_with(FILE_SCOPES).await;
    let other = app.tenant_with(FILE_SCOPES).await;
    let (_, file) =
        read(upload(&app, &owner, form("secret.txt", None, b"secret".to_vec())).await).await;
    let id = file["id"].as_str().unwrap();
    for (method, route) in [
        (Method::GET, format!("/files/{id}")),
        (Method::GET, format!("/files/{id}/content")),
        (Method::DELETE, format!("/files/{id}")),
    ] {
        let response = app.req(&other, method, &route).send().await.unwrap();
        expect_error(response, 404, "not_found").await;
    }
    assert_eq!(list(&app, &other, "").await["data"], json!([]));
    // The other organization's key cannot name the owner's organization either.
    let response = app
        .client
        .get(app.url(&format!("/files/{id}/content")))
        .header("x-api-key", &other.key)
        .header("x-organization-id", &owner.org)
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "organization_mismatch").await;
    assert!(app.files_dir.join(&owner.org).join(id).exists());
    let (status, _) = read(
        app.req(&owner, Method::GET, &format!("/files/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    app.shutdown().await;
}

#[tokio::test]
async fn uploads_are_idempotent_by_key_and_content() {
    let app = spawn_app().await;
    let t = app.tenant_with(FILE_SCOPES).await;
    let send = |bytes: Vec<u8>, key: &'static str| {
        app.req(&t, Method::POST, "/files")
            .header("Idempotency-Key", key)
            .multipart(form("a.bin", None, bytes))
            .send()
    };
    let first = send(content(200 * 1024), "upload-1").await.unwrap();
    assert_eq!(first.status(), 201);
    let (_, first) = read(first).await;
    let retry = send(content(200 * 1024), "upload-1").await.unwrap();
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let (status, replayed) = read(retry).await;
    assert_eq!((status, &replayed), (201, &first));
    let other = send(content(1000), "upload-1").await.unwrap();
    expect_error(other, 409, "idempotency_key_reused").await;
    assert_eq!(
        list(&app, &t, "").await["data"].as_array().unwrap().len(),
        1
    );
    assert_eq!(stored(&app.files_dir).len(), 1);
    app.shutdown().await;
}
