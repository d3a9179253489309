//! The generated code and the runtime view of the one protobuf contract in `proto/`.
//!
//! Everything that must agree with the contract reads it from here: the tonic services
//! (generated traits), the gateway (routes, JSON mapping), the auth layer of the services
//! (scopes), gRPC reflection. Nothing here knows HTTP servers or databases.

pub mod credentials;
pub mod direct;
pub mod json;
pub mod openapi;
pub mod redact;
pub mod schema;

pub use schema::{HttpBinding, MethodInfo, Schema, schema};

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod asteri {
    pub mod v1 {
        tonic::include_proto!("asteri.v1");
    }
}

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod google {
    pub mod api {
        tonic::include_proto!("google.api");
    }
}

pub use asteri::v1;

/// The encoded `FileDescriptorSet` of the whole contract, with custom options intact.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptor.bin"));
