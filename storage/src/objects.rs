//! Object storage for file contents, through the `object_store` crate: a local folder by
//! default, an S3-compatible bucket with the `s3` feature. Objects are written as streamed
//! multipart uploads (bounded memory whatever the size) and read back as byte streams.
//!
//! Keys are `{organization_id}/{file_id}`: the organization is part of every key, so one
//! tenant's object can never be addressed through another tenant's record.

use std::{
    path::PathBuf,
    sync::{Arc, OnceLock},
};

use bytes::Bytes;
use futures::{StreamExt as _, TryStreamExt as _, stream::BoxStream};
use object_store::{ObjectStore, ObjectStoreExt as _, WriteMultipart, local::LocalFileSystem};

use crate::OrgId;

/// The bucket name recorded on files kept in the local folder.
pub const LOCAL_BUCKET: &str = "local";
/// Upload parts: S3 wants at least 5 MiB for every part but the last.
#[cfg(feature = "s3")]
const S3_PART_BYTES: usize = 5 * 1024 * 1024;
const LOCAL_PART_BYTES: usize = 1024 * 1024;
/// Parts in flight per upload; with the part size this bounds an upload's memory.
const PARTS_IN_FLIGHT: usize = 2;

/// Where file contents live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectsConfig {
    /// A folder on this machine (created on first use).
    Local { dir: PathBuf },
    /// An S3-compatible bucket.
    S3(S3Config),
}

/// An S3-compatible bucket. Unset values come from the standard `AWS_*` variables
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, ...).
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// For S3-compatible services (MinIO, R2, ...): `https://minio.internal:9000`.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Allows a plain `http://` endpoint.
    pub allow_http: bool,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "***"),
            )
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

impl Default for ObjectsConfig {
    fn default() -> Self {
        Self::Local {
            dir: PathBuf::from("asteri-files"),
        }
    }
}

/// Makes ring the process's rustls crypto provider. reqwest is built with rustls but without
/// a provider of its own (so that aws-lc-rs stays out of the build), and building a reqwest
/// client in a process with no provider installed panics: every process calls this at start
/// (`asteri::start` does). Idempotent; without the `s3` feature there is no rustls to set up.
pub fn install_crypto_provider() {
    #[cfg(feature = "s3")]
    {
        // An error only means a provider is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("object storage failed")]
    Store(#[from] object_store::Error),
    #[error("the object {0} does not exist")]
    Missing(String),
    #[error("invalid object storage configuration: {0}")]
    Config(String),
    #[error("creating the files folder {}", .path.display())]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

enum Backend {
    Local {
        dir: PathBuf,
        store: OnceLock<Arc<dyn ObjectStore>>,
    },
    #[cfg_attr(not(feature = "s3"), allow(dead_code))]
    Remote(Arc<dyn ObjectStore>),
}

struct Inner {
    bucket: String,
    part_bytes: usize,
    backend: Backend,
}

/// A handle on the configured object store, cheap to clone.
#[derive(Clone)]
pub struct ObjectStorage {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ObjectStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStorage")
            .field("bucket", &self.inner.bucket)
            .finish()
    }
}

impl ObjectStorage {
    /// The local folder `dir`; nothing is touched until the first upload.
    pub fn local(dir: impl Into<PathBuf>) -> Self {
        Self {
            inner: Arc::new(Inner {
                bucket: LOCAL_BUCKET.to_owned(),
                part_bytes: LOCAL_PART_BYTES,
                backend: Backend::Local {
                    dir: dir.into(),
                    store: OnceLock::new(),
                },
            }),
        }
    }

    pub fn new(config: &ObjectsConfig) -> Result<Self, ObjectError> {
        match config {
            ObjectsConfig::Local { dir } => Ok(Self::local(dir.clone())),
            ObjectsConfig::S3(s3) => Self::s3(s3),
        }
    }

    #[cfg(feature = "s3")]
    fn s3(config: &S3Config) -> Result<Self, ObjectError> {
        use object_store::aws::AmazonS3Builder;
        install_crypto_provider();
        if config.bucket.trim().is_empty() {
            return Err(ObjectError::Config("the bucket name is empty".into()));
        }
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&config.bucket)
            .with_allow_http(config.allow_http);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(region) = &config.region {
            builder = builder.with_region(region);
        }
        if let Some(id) = &config.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &config.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        let store = builder.build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                bucket: config.bucket.clone(),
                part_bytes: S3_PART_BYTES,
                backend: Backend::Remote(Arc::new(store)),
            }),
        })
    }

    #[cfg(not(feature = "s3"))]
    fn s3(_: &S3Config) -> Result<Self, ObjectError> {
        Err(ObjectError::Config(
            "this build has no S3 support: build with the cargo feature `s3`".into(),
        ))
    }

    /// The bucket recorded on files: the S3 bucket, or `local` for the folder.
    pub fn bucket(&self) -> &str {
        &self.inner.bucket
    }

    /// The key of a file's content.
    pub fn key(org: &OrgId, file_id: &str) -> String {
        format!("{}/{file_id}", org.as_str())
    }

    fn store(&self) -> Result<Arc<dyn ObjectStore>, ObjectError> {
        match &self.inner.backend {
            Backend::Remote(store) => Ok(store.clone()),
            Backend::Local { dir, store } => {
                if let Some(store) = store.get() {
                    return Ok(store.clone());
                }
                std::fs::create_dir_all(dir).map_err(|source| ObjectError::Folder {
                    path: dir.clone(),
                    source,
                })?;
                let local: Arc<dyn ObjectStore> =
                    Arc::new(LocalFileSystem::new_with_prefix(dir)?.with_fsync(true));
                Ok(store.get_or_init(|| local).clone())
            }
        }
    }

    fn path(key: &str) -> Result<object_store::path::Path, ObjectError> {
        object_store::path::Path::parse(key)
            .map_err(|e| ObjectError::Config(format!("invalid object key {key}: {e}")))
    }

    /// Starts a streamed upload to `key`; nothing is visible there until [`Upload::finish`].
    pub async fn upload(&self, key: &str) -> Result<Upload, ObjectError> {
        let path = Self::path(key)?;
        let multipart = self.store()?.put_multipart(&path).await?;
        Ok(Upload {
            writer: WriteMultipart::new_with_chunk_size(multipart, self.inner.part_bytes),
        })
    }

    /// The content of `key` as a stream of byte chunks.
    pub async fn download(
        &self,
        key: &str,
    ) -> Result<BoxStream<'static, Result<Bytes, ObjectError>>, ObjectError> {
        let path = Self::path(key)?;
        match self.store()?.get(&path).await {
            Ok(found) => Ok(found.into_stream().map_err(ObjectError::from).boxed()),
            Err(object_store::Error::NotFound { .. }) => Err(ObjectError::Missing(key.to_owned())),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes `key`; an object that is already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), ObjectError> {
        let path = Self::path(key)?;
        match self.store()?.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// An upload in progress. Dropping it without [`Upload::finish`] leaves no object behind in
/// the folder; call [`Upload::abort`] to also release a bucket's uploaded parts at once.
pub struct Upload {
    writer: WriteMultipart,
}

impl Upload {
    /// Adds the next bytes, waiting while the parts in flight are at their limit.
    pub async fn write(&mut self, bytes: Bytes) -> Result<(), ObjectError> {
        self.writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
        self.writer.put(bytes);
        Ok(())
    }

    /// Stores the object: it appears under its key whole, or not at all.
    pub async fn finish(self) -> Result<(), ObjectError> {
        self.writer.finish().await?;
        Ok(())
    }

    pub async fn abort(self) -> Result<(), ObjectError> {
        self.writer.abort().await?;
        Ok(())
    }
}
