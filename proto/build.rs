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
    // `prost::Name` lets the JSON mapping find each generated type's descriptor.
    let mut config = prost_build::Config::new();
    config.enable_type_names().out_dir(&out);
    let tonic = tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .service_generator();
    config
        .service_generator(Box::new(WithDirect(tonic)))
        .compile_fds(fds)
        .expect("generate tonic code");
}

/// tonic's code generator, plus each service's `<Service>Direct`: its unary RPCs as a
/// `crate::direct::Direct`, called with the request message's bytes (no HTTP body, no gRPC
/// framing, no routing); the one-process topology's gateway calls them (`services::local`).
/// Generated here, beside tonic's servers, so that a new RPC is served in process with no
/// hand-written line.
struct WithDirect(Box<dyn prost_build::ServiceGenerator>);

impl prost_build::ServiceGenerator for WithDirect {
    fn generate(&mut self, service: prost_build::Service, buf: &mut String) {
        direct(&service, buf);
        self.0.generate(service, buf);
    }

    fn finalize(&mut self, buf: &mut String) {
        self.0.finalize(buf);
    }

    fn finalize_package(&mut self, package: &str, buf: &mut String) {
        self.0.finalize_package(package, buf);
    }
}

/// The `Direct` implementation of one service, at the package module's level (so prost's
/// relative type paths, `()` for `google.protobuf.Empty` included, resolve as they are).
fn direct(service: &prost_build::Service, buf: &mut String) {
    use std::fmt::Write as _;
    let name = &service.name;
    let server = format!("{}_server", to_snake(name));
    let full = format!("{}.{}", service.package, service.proto_name);
    let _ = write!(
        buf,
        "/// The unary RPCs of `{full}`, called in process (see `crate::direct`).\n\
         pub struct {name}Direct<T>(pub std::sync::Arc<T>);\n\
         impl<T: {server}::{name}> crate::direct::Direct for {name}Direct<T> {{\n\
         fn service(&self) -> &'static str {{ \"{full}\" }}\n\
         fn unary(&self, method: &str, request: tonic::Request<crate::direct::Bytes>) \
         -> Option<crate::direct::Call> {{\n\
         let inner = std::sync::Arc::clone(&self.0);\n\
         match method {{\n"
    );
    for m in service
        .methods
        .iter()
        .filter(|m| !m.client_streaming && !m.server_streaming)
    {
        let _ = writeln!(
            buf,
            "\"{}\" => Some(Box::pin(async move {{ \
             let request = crate::direct::decode::<{}>(request)?; \
             crate::direct::encode(<T as {server}::{name}>::{}(&inner, request).await?) }})),",
            m.proto_name, m.input_type, m.name
        );
    }
    buf.push_str("_ => None,\n}\n}\n}\n");
    let _ = writeln!(
        buf,
        "impl<T: {server}::{name}> {name}Direct<T> {{\n\
         /// tonic's server and the direct calls of one implementation, sharing it.\n\
         pub fn serve(inner: T) -> ({server}::{name}Server<T>, Self) {{\n\
         let inner = std::sync::Arc::new(inner);\n\
         ({server}::{name}Server::from_arc(std::sync::Arc::clone(&inner)), Self(inner))\n\
         }}\n}}"
    );
}

/// `CustomersService` -> `customers_service`: tonic-build's own rule for its server modules
/// (`naive_snake_case`: `OAuthService` -> `o_auth_service`).
fn to_snake(name: &str) -> String {
    let mut snake = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        snake.push(c.to_ascii_lowercase());
        if chars.peek().is_some_and(|next| next.is_uppercase()) {
            snake.push('_');
        }
    }
    snake
}
