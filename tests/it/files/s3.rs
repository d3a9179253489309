//! Files on an S3-compatible bucket (only when `ASTERI_TEST_S3_ENDPOINT` names one).

use reqwest::Method;

use super::{FILE_SCOPES, content, form, list, sha256, upload};
use crate::helpers::*;

/// The same life cycle on an S3-compatible bucket, when one is named:
/// `ASTERI_TEST_S3_ENDPOINT=http://127.0.0.1:9000` (e.g. `moto_server -p 9000`, or MinIO) with
/// the bucket `ASTERI_TEST_S3_BUCKET` (default `asteri-test`) already created and the
/// credentials in `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (default `test` / `test`).
/// Ignored by default (CI has no S3 endpoint); run it with `-- --ignored`.
#[tokio::test]
#[ignore = "needs an S3 endpoint: ASTERI_TEST_S3_ENDPOINT=... cargo test --test it s3 -- --ignored"]
async fn s3_bucket_round_trip() {
    let Ok(endpoint) = std::env::var("ASTERI_TEST_S3_ENDPOINT") else {
        panic!("set ASTERI_TEST_S3_ENDPOINT to an S3-compatible endpoint (moto_server, MinIO)");
    };
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let bucket = var("ASTERI_TEST_S3_BUCKET", "asteri-test");
    let s3 = storage::objects::ObjectsConfig::S3(storage::objects::S3Config {
        bucket: bucket.clone(),
        endpoint: Some(endpoint),
        region: Some(var("AWS_REGION", "us-east-1")),
        access_key_id: Some(var("AWS_ACCESS_KEY_ID", "test")),
        secret_access_key: Some(var("AWS_SECRET_ACCESS_KEY", "test")),
        allow_http: true,
    });
    let objects = storage::objects::ObjectStorage::new(&s3).unwrap();
    let app = spawn_configured(|c| {
        c.files = s3;
        c.max_file_bytes = 8 * 1024 * 1024;
    })
    .await;
    let t = app.tenant_with(FILE_SCOPES).await;
    // Over one 5 MiB part: a real multipart upload.
    let bytes = content(6 * 1024 * 1024 + 3);
    let (status, file) = read(upload(&app, &t, form("big.bin", None, bytes.clone())).await).await;
    assert_eq!(status, 201, "{file}");
    assert_eq!(file["bucket"], bucket);
    assert_eq!(file["checksum_sha256"], sha256(&bytes));
    let id = file["id"].as_str().unwrap();
    let response = app
        .req(&t, Method::GET, &format!("/files/{id}/content"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(sha256(&response.bytes().await.unwrap()), sha256(&bytes));

    let too_big = upload(&app, &t, form("huge.bin", None, content(9 * 1024 * 1024))).await;
    expect_error(too_big, 413, "payload_too_large").await;
    assert_eq!(
        list(&app, &t, "").await["data"].as_array().unwrap().len(),
        1
    );

    let key = file["storage_key"].as_str().unwrap();
    assert!(objects.download(key).await.is_ok());
    let deleted = app
        .req(&t, Method::DELETE, &format!("/files/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert!(matches!(
        objects.download(key).await,
        Err(storage::objects::ObjectError::Missing(_))
    ));
    app.shutdown().await;
}
