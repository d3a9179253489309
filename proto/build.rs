//! Compiles `proto/` without a system `protoc`: protox (pure Rust) builds the descriptor set,
//! which feeds both tonic's code generator and, as bytes, the runtime schema (reflection,
//! the gateway's routes and JSON mapping, scope checks).

use std::{env, fs, path::PathBuf};

use prost::Message;

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let asteri = root.join("asteri/v1");
    println!("cargo:rerun-if-changed={}", root.join("asteri").display());
    println!("cargo:rerun-if-changed={}", root.join("google").display());

    let mut files: Vec<PathBuf> = fs::read_dir(&asteri)
        .expect("proto/asteri/v1 exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "proto"))
        .collect();
    files.sort();

    // `encode_file_descriptor_set` keeps custom options (google.api.http, required_scope)
    // as bytes; a round trip through prost_types would drop them as unknown fields.
    let bytes = protox::Compiler::new([&root])
        .expect("proto include path")
        .include_imports(true)
        .include_source_info(true)
        .open_files(&files)
        .unwrap_or_else(|e| panic!("proto/ does not compile: {e:?}"))
        .encode_file_descriptor_set();

    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out.join("descriptor.bin"), &bytes).expect("write descriptor set");

    let fds = prost_types::FileDescriptorSet::decode(bytes.as_slice()).expect("descriptor set");
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds_with_config(fds, {
            // `prost::Name` lets the JSON mapping find each generated type's descriptor.
            let mut config = prost_build::Config::new();
            config.enable_type_names();
            config
        })
        .expect("generate tonic code");
}
