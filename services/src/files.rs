//! Files: `asteri.v1.FilesService`. Contents go to object storage as streamed multipart
//! uploads, checksummed and measured on the way; the record and its events are written only
//! once the object is stored whole, so a failed upload leaves neither record nor object.

use std::pin::Pin;

use bytes::{Bytes, BytesMut};
use chrono::Utc;
use futures::{Stream, StreamExt as _, stream::BoxStream};
use proto::v1::{
    CreateFileMetadata, CreateFileRequest, DeleteFileRequest, File, FileContentChunk, FileStatus,
    GetFileContentRequest, GetFileRequest, ListFilesRequest, ListFilesResponse,
    create_file_request::Payload, files_service_server::FilesService,
};
use sha2::{Digest as _, Sha256};
use storage::{
    Store,
    files::{self as repo, FileFilter, FileRecord, ID_PREFIX},
    ids::new_id,
    objects::{ObjectError, ObjectStorage},
};
use tokio::sync::oneshot;
use tonic::{Request, Response, Status, Streaming};

use crate::{
    auth::{RequestContext, context},
    convert::{Check, from_timestamp, timestamp},
    error::{ServiceError, ServiceResult, Violations},
    record::record,
    resource::{self, Resource},
};

const RESOURCE: &str = "file";
/// The largest upload accepted unless configured otherwise (25 MiB).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;
/// The largest content message a download sends.
pub const CHUNK_BYTES: usize = 64 * 1024;
const DEFAULT_MIME_TYPE: &str = "application/octet-stream";

/// Where files go and how large they may be.
#[derive(Clone, Debug)]
pub struct FilesSettings {
    pub objects: ObjectStorage,
    pub max_file_bytes: u64,
}

impl Default for FilesSettings {
    fn default() -> Self {
        Self {
            objects: ObjectStorage::local("asteri-files"),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

#[derive(Clone)]
pub struct Files {
    store: Store,
    settings: FilesSettings,
}

impl Files {
    pub fn new(store: Store, settings: FilesSettings) -> Self {
        Self { store, settings }
    }
}

fn status_name(status: FileStatus) -> Option<&'static str> {
    match status {
        FileStatus::Unspecified => None,
        FileStatus::Pending => Some("pending"),
        FileStatus::Processing => Some("processing"),
        FileStatus::Ready => Some("ready"),
        FileStatus::Failed => Some("failed"),
    }
}

fn status_of(name: &str) -> FileStatus {
    match name {
        "pending" => FileStatus::Pending,
        "processing" => FileStatus::Processing,
        "ready" => FileStatus::Ready,
        "failed" => FileStatus::Failed,
        _ => FileStatus::Unspecified,
    }
}

/// Files are created by upload and deleted with their object (`Files::delete`); the reads go
/// through the generic drivers.
impl Resource for Files {
    type Record = FileRecord;
    type Message = File;
    const NAME: &'static str = RESOURCE;
    const UPDATABLE: &'static [&'static str] = &[];
    const CREATED: Option<&'static str> = Some("file.created");
    const UPDATED: Option<&'static str> = None;
    const DELETED: Option<&'static str> = Some("file.deleted");

    fn render(record: &FileRecord) -> File {
        file_message(record)
    }
}

pub fn file_message(f: &FileRecord) -> File {
    File {
        id: f.id.clone(),
        name: f.name.clone(),
        mime_type: f.mime_type.clone(),
        size_bytes: f.size_bytes,
        checksum_sha256: f.checksum_sha256.clone(),
        status: status_of(&f.status).into(),
        bucket: f.bucket.clone(),
        storage_key: f.storage_key.clone(),
        created_at: Some(timestamp(f.created_at)),
        updated_at: Some(timestamp(f.updated_at)),
    }
}

/// RFC 9110 token characters: a parameter value made only of them needs no quotes.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A media type as stored: parsed by the `mime` crate (RFC 9110's grammar, the parser hyper's
/// ecosystem shares), then written back in one canonical form: `type/subtype` lowercased,
/// each parameter as `; name=value`, the value quoted when it is not a token. `None` if it
/// does not parse: an unterminated quote (`text/plain; a="b`), a parameter without `=`, a
/// missing subtype, non-ASCII. Served back as the download's Content-Type, so what is kept
/// must be a media type that any client reads the same way.
pub fn normalize_mime_type(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(DEFAULT_MIME_TYPE.to_owned());
    }
    // `mime` lets any byte above 0x7f through inside quotes; a header value must be ASCII.
    if raw.len() > 255 || !raw.is_ascii() {
        return None;
    }
    let parsed: mime::Mime = raw.parse().ok()?;
    // `mime` 0.3 takes `image/` (nothing after the slash) for a type: RFC 9110 does not.
    if parsed.subtype().as_str().is_empty() {
        return None;
    }
    let mut out = parsed.essence_str().to_owned();
    for (name, value) in parsed.params() {
        let value = value.as_str();
        if is_token(value) {
            out.push_str(&format!("; {name}={value}"));
        } else {
            let escaped = value.replace('\\', "\\\\");
            out.push_str(&format!("; {name}=\"{escaped}\""));
        }
    }
    Some(out)
}

/// The file name as stored: the last path segment, trimmed.
fn file_name(raw: &str) -> String {
    raw.rsplit(['/', '\\'])
        .next()
        .unwrap_or(raw)
        .trim()
        .to_owned()
}

fn check_metadata(meta: &CreateFileMetadata) -> ServiceResult<(String, String)> {
    let mut v = Violations::default();
    let name = file_name(&meta.name);
    let mut check = Check(&mut v);
    check.required("name", &name);
    check.max_chars("name", &name, 255);
    if name.chars().any(char::is_control) {
        v.add("name", "must not contain control characters");
    }
    let mime = normalize_mime_type(&meta.mime_type);
    if mime.is_none() {
        v.add(
            "mime_type",
            "must be a media type such as image/png or application/pdf",
        );
    }
    v.into_result()?;
    Ok((name, mime.unwrap_or_default()))
}

/// The incoming messages of an upload: anything that yields them, a tonic stream in practice.
type Incoming = Pin<Box<dyn Stream<Item = Result<CreateFileRequest, Status>> + Send>>;

/// What a finished upload measured.
struct Stored {
    size: u64,
    sha256: String,
}

impl Files {
    /// Runs an upload in a task of its own, so that a caller who goes away (or a deadline)
    /// cannot interrupt it half-way: the task notices the dropped handler and removes what it
    /// stored instead of committing it.
    async fn create(&self, ctx: RequestContext, incoming: Incoming) -> Result<File, Status> {
        let (_alive, cancelled) = oneshot::channel::<()>();
        let this = self.clone();
        let task = tokio::spawn(async move { this.upload(ctx, incoming, cancelled).await });
        match task.await {
            Ok(result) => result,
            Err(join) => {
                tracing::error!(
                    error = &join as &dyn std::error::Error,
                    "upload task failed"
                );
                Err(Status::internal("an internal error occurred"))
            }
        }
    }

    async fn upload(
        &self,
        ctx: RequestContext,
        mut incoming: Incoming,
        mut cancelled: oneshot::Receiver<()>,
    ) -> Result<File, Status> {
        let org = ctx.org()?.clone();
        let first = match incoming.next().await {
            None => None,
            Some(message) => message?.payload,
        };
        let Some(Payload::Metadata(meta)) = first else {
            return Err(ServiceError::malformed(
                "metadata",
                "must be the first message of the stream, before any chunk",
            )
            .into());
        };
        let (name, mime_type) = check_metadata(&meta)?;
        let id = new_id(ID_PREFIX);
        let key = ObjectStorage::key(&org, &id);
        let mut upload = self
            .settings
            .objects
            .upload(&key)
            .await
            .map_err(ServiceError::from)?;
        let received = tokio::select! {
            biased;
            _ = &mut cancelled => Err(Status::cancelled("the caller went away")),
            received = self.receive(&mut incoming, &mut upload) => received,
        };
        let stored = match received {
            Ok(stored) => stored,
            Err(status) => {
                if let Err(err) = upload.abort().await {
                    tracing::warn!(error = &err as &dyn std::error::Error, %key, "aborting an upload failed");
                }
                return Err(status);
            }
        };
        upload.finish().await.map_err(ServiceError::from)?;
        let recorded = if cancelled
            .try_recv()
            .is_err_and(|e| e == oneshot::error::TryRecvError::Closed)
        {
            Err(Status::cancelled("the caller went away"))
        } else {
            self.record_upload(&ctx, &id, name, mime_type, &key, stored)
                .await
                .map_err(Status::from)
        };
        if recorded.is_err()
            && let Err(err) = self.settings.objects.delete(&key).await
        {
            tracing::error!(error = &err as &dyn std::error::Error, %key, "removing the object of a failed upload failed");
        }
        recorded
    }

    /// Reads the chunks into `upload`, measuring and hashing them.
    async fn receive(
        &self,
        incoming: &mut Incoming,
        upload: &mut storage::objects::Upload,
    ) -> Result<Stored, Status> {
        let limit = self.settings.max_file_bytes;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        while let Some(message) = incoming.next().await {
            let chunk = match message?.payload {
                Some(Payload::Chunk(chunk)) => chunk,
                Some(Payload::Metadata(_)) => {
                    return Err(ServiceError::malformed(
                        "metadata",
                        "may only be sent in the first message of the stream",
                    )
                    .into());
                }
                None => {
                    return Err(ServiceError::malformed(
                        "chunk",
                        "every message after the first must carry a chunk",
                    )
                    .into());
                }
            };
            size = size.saturating_add(chunk.len() as u64);
            if size > limit {
                return Err(ServiceError::PayloadTooLarge {
                    message: format!("the file is larger than the limit of {limit} bytes"),
                    limit,
                }
                .into());
            }
            hasher.update(&chunk);
            upload
                .write(Bytes::from(chunk))
                .await
                .map_err(ServiceError::from)?;
        }
        if size == 0 {
            return Err(ServiceError::invalid("file", "must not be empty").into());
        }
        Ok(Stored {
            size,
            sha256: hex::encode(hasher.finalize()),
        })
    }

    /// The record, created `processing` and then made `ready`, in one transaction with the
    /// audit entries and the `file.created` and `file.processed` events.
    async fn record_upload(
        &self,
        ctx: &RequestContext,
        id: &str,
        name: String,
        mime_type: String,
        key: &str,
        stored: Stored,
    ) -> ServiceResult<File> {
        let now = Utc::now();
        let mut w = self.store.write(ctx.write_context()?).await?;
        let processing = repo::insert(
            &w,
            FileRecord {
                id: id.to_owned(),
                organization_id: w.org().as_str().to_owned(),
                name,
                mime_type,
                size_bytes: i64::try_from(stored.size).unwrap_or(i64::MAX),
                checksum_sha256: stored.sha256,
                status: "processing".to_owned(),
                bucket: self.settings.objects.bucket().to_owned(),
                storage_key: key.to_owned(),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
        let created = file_message(&processing);
        record(
            &mut w,
            "file.create",
            RESOURCE,
            id,
            None,
            Some(&created),
            Some("file.created"),
        )
        .await?;
        let ready = repo::save(
            &w,
            FileRecord {
                status: "ready".to_owned(),
                ..processing
            },
        )
        .await?;
        let message = file_message(&ready);
        record(
            &mut w,
            "file.process",
            RESOURCE,
            id,
            Some(&created),
            Some(&message),
            Some("file.processed"),
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }

    async fn delete(&self, r: Request<DeleteFileRequest>) -> ServiceResult<()> {
        let ctx = context(&r)?;
        let id = r.into_inner().id;
        let found = repo::get(&self.store, ctx.org()?, &id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &id))?;
        // The object goes first: if the record's deletion then fails, a retry finds the
        // record, deletes the (already gone) object again and completes.
        self.objects_of(&found)?.delete(&found.storage_key).await?;
        let mut w = self.store.write(ctx.write_context()?).await?;
        let deleted = repo::delete(&w, &id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &id))?;
        let before = file_message(&deleted);
        record(
            &mut w,
            "file.delete",
            RESOURCE,
            &id,
            Some(&before),
            None,
            Some("file.deleted"),
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// The object store holding a file's content: the configured one, if it is the bucket the
    /// file was stored in.
    fn objects_of(&self, file: &FileRecord) -> ServiceResult<&ObjectStorage> {
        let objects = &self.settings.objects;
        if objects.bucket() == file.bucket {
            Ok(objects)
        } else {
            Err(ObjectError::Config(format!(
                "file {} is stored in bucket {}, but this server uses {}",
                file.id,
                file.bucket,
                objects.bucket()
            ))
            .into())
        }
    }

    async fn content(
        &self,
        r: Request<GetFileContentRequest>,
    ) -> ServiceResult<BoxStream<'static, Result<FileContentChunk, Status>>> {
        let ctx = context(&r)?;
        let id = &r.get_ref().id;
        let found = repo::get(&self.store, ctx.org()?, id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, id))?;
        if found.status != "ready" {
            return Err(ServiceError::conflict(
                "conflict",
                format!(
                    "the content of file {id} is not ready (status {})",
                    found.status
                ),
            ));
        }
        let bytes = self
            .objects_of(&found)?
            .download(&found.storage_key)
            .await?;
        let head = FileContentChunk {
            data: Vec::new(),
            file: Some(file_message(&found)),
        };
        let body = rechunk(bytes).map(|piece| {
            piece
                .map(|data| FileContentChunk {
                    data: data.to_vec(),
                    file: None,
                })
                .map_err(|err| Status::from(ServiceError::from(err)))
        });
        Ok(futures::stream::once(async { Ok(head) })
            .chain(body)
            .boxed())
    }
}

/// Regroups a byte stream into pieces of at most [`CHUNK_BYTES`], filling each piece from
/// small reads (the folder store reads 8 KiB at a time) before it is sent.
fn rechunk(
    inner: BoxStream<'static, Result<Bytes, ObjectError>>,
) -> impl Stream<Item = Result<Bytes, ObjectError>> + Send {
    futures::stream::unfold(
        (inner, BytesMut::new(), false),
        |(mut inner, mut buffer, mut done)| async move {
            loop {
                if buffer.len() >= CHUNK_BYTES || (done && !buffer.is_empty()) {
                    let take = buffer.len().min(CHUNK_BYTES);
                    let piece = buffer.split_to(take).freeze();
                    return Some((Ok(piece), (inner, buffer, done)));
                }
                if done {
                    return None;
                }
                match inner.next().await {
                    Some(Ok(bytes)) => buffer.extend_from_slice(&bytes),
                    Some(Err(err)) => return Some((Err(err), (inner, BytesMut::new(), true))),
                    None => done = true,
                }
            }
        },
    )
}

#[tonic::async_trait]
impl FilesService for Files {
    async fn create_file(
        &self,
        r: Request<Streaming<CreateFileRequest>>,
    ) -> Result<Response<File>, Status> {
        let ctx = context(&r)?;
        let incoming: Incoming = Box::pin(r.into_inner());
        Ok(Response::new(self.create(ctx, incoming).await?))
    }

    async fn get_file(&self, r: Request<GetFileRequest>) -> Result<Response<File>, Status> {
        resource::get::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }

    async fn list_files(
        &self,
        r: Request<ListFilesRequest>,
    ) -> Result<Response<ListFilesResponse>, Status> {
        let store = &self.store;
        resource::list::<Self, _, _, _, _>(r, |req, org, query| async move {
            let status = FileStatus::try_from(req.status)
                .map_err(|_| ServiceError::malformed("status", "is not a file status"))?;
            let filter = FileFilter {
                status: status_name(status).map(str::to_owned),
                updated_since: from_timestamp("updated_since", req.updated_since)?,
            };
            Ok(repo::list(store, &org, &filter, &query).await?)
        })
        .await
    }

    async fn delete_file(&self, r: Request<DeleteFileRequest>) -> Result<Response<()>, Status> {
        self.delete(r).await?;
        Ok(Response::new(()))
    }

    type GetFileContentStream = BoxStream<'static, Result<FileContentChunk, Status>>;

    async fn get_file_content(
        &self,
        r: Request<GetFileContentRequest>,
    ) -> Result<Response<Self::GetFileContentStream>, Status> {
        Ok(Response::new(self.content(r).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        assert_eq!(normalize_mime_type("").unwrap(), DEFAULT_MIME_TYPE);
        assert_eq!(normalize_mime_type(" Image/PNG ").unwrap(), "image/png");
        assert_eq!(
            normalize_mime_type("text/plain;charset=utf-8").unwrap(),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            normalize_mime_type("Text/Plain; Charset=UTF-8; name=\"a b.txt\"").unwrap(),
            "text/plain; charset=utf-8; name=\"a b.txt\""
        );
        assert_eq!(
            normalize_mime_type("application/x-thing;v=\"1\"").unwrap(),
            "application/x-thing; v=1"
        );
        for bad in [
            "png",
            "image/",
            "/png",
            "a b/c",
            "text/plain; a=\u{7}",
            "ima\u{e9}ge/png",
            "text/plain; a=\"b",
            "text/plain; a",
            "text/plain; a=\"b\"c",
            "text/plain; a=\"\u{e9}\"",
        ] {
            assert!(normalize_mime_type(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn names_lose_their_folders() {
        assert_eq!(file_name("C:\\Users\\ada\\notes.txt"), "notes.txt");
        assert_eq!(file_name("/tmp/x/photo.jpg "), "photo.jpg");
        assert_eq!(file_name("report.pdf"), "report.pdf");
    }
}
