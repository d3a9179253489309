//! Files over gRPC: the client-streaming upload with the generated client, the streamed
//! content, and the same limits, scopes and tenant isolation as over REST.

use futures::StreamExt as _;
use proto::v1::{
    CreateFileMetadata, CreateFileRequest, GetFileContentRequest, create_file_request::Payload,
    files_service_client::FilesServiceClient,
};
use tonic::{Code, Request};
use tonic_types::StatusExt as _;

use super::{FILE_SCOPES, content, key_in, sha256, stored};
use crate::helpers::*;

fn authed<T>(message: T, t: &Tenant) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("x-api-key", t.key.parse().unwrap());
    request
        .metadata_mut()
        .insert("x-organization-id", t.org.parse().unwrap());
    request
}

fn upload_stream(name: &str, bytes: &[u8]) -> Vec<CreateFileRequest> {
    let mut messages = vec![CreateFileRequest {
        payload: Some(Payload::Metadata(CreateFileMetadata {
            name: name.to_owned(),
            mime_type: "Text/Plain".to_owned(),
        })),
    }];
    messages.extend(bytes.chunks(10_000).map(|c| CreateFileRequest {
        payload: Some(Payload::Chunk(c.to_vec())),
    }));
    messages
}

#[tokio::test]
async fn grpc_clients_upload_with_a_client_stream() {
    let app = spawn_configured(|c| c.max_file_bytes = 64 * 1024).await;
    let t = app.tenant_with(FILE_SCOPES).await;
    let mut client = FilesServiceClient::connect(app.grpc.clone()).await.unwrap();
    let bytes = content(50_000);
    let stream = futures::stream::iter(upload_stream("notes.txt", &bytes));
    let file = client
        .create_file(authed(stream, &t))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(file.size_bytes, 50_000);
    assert_eq!(file.checksum_sha256, sha256(&bytes));
    assert_eq!(file.mime_type, "text/plain");
    assert_eq!(file.storage_key, format!("{}/{}", t.org, file.id));

    let mut chunks = client
        .get_file_content(authed(
            GetFileContentRequest {
                id: file.id.clone(),
            },
            &t,
        ))
        .await
        .unwrap()
        .into_inner();
    let head = chunks.next().await.unwrap().unwrap();
    assert_eq!(head.file.unwrap().id, file.id);
    let mut received = head.data;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.unwrap();
        assert!(chunk.file.is_none() && chunk.data.len() <= 64 * 1024);
        received.extend(chunk.data);
    }
    assert_eq!(received, bytes);

    // A chunk before the metadata, a stream that is too large, a missing scope.
    let chunk_first = upload_stream("x", b"abc").split_off(1);
    let err = client
        .create_file(authed(futures::stream::iter(chunk_first), &t))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.get_details_error_info().unwrap().reason,
        "invalid_request"
    );
    let big = futures::stream::iter(upload_stream("big.bin", &content(100_000)));
    let err = client.create_file(authed(big, &t)).await.unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    assert_eq!(
        err.get_details_error_info().unwrap().reason,
        "payload_too_large"
    );
    let reader = key_in(&app, &t.org, &["read:files"]).await;
    let small = futures::stream::iter(upload_stream("a.txt", b"a"));
    let err = client
        .create_file(authed(small, &reader))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    assert_eq!(stored(&app.files_dir).len(), 1);

    // Another organization's file is not found over gRPC either.
    let other = app.tenant_with(FILE_SCOPES).await;
    let err = client
        .get_file_content(authed(
            GetFileContentRequest {
                id: file.id.clone(),
            },
            &other,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    app.shutdown().await;
}
