//! Resource ids: a type prefix and a UUIDv7 in lowercase hex (`cus_0193b3...`). UUIDv7 starts
//! with the creation time, so ids sort by creation and serve as the keyset for pagination.

pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

/// Whether `id` has the shape of an id with this prefix (cheap check before a lookup).
pub fn looks_like(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}
