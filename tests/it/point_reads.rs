//! Point reads off sqlx's threads (`storage::point_reads`): a record read by id through
//! them is the record a list (always through sqlx) renders, for every resource type the
//! seed makes and a webhook endpoint, and none of those reads fell back to sqlx.

use reqwest::Method;
use serde_json::json;
use storage::OrgId;

use crate::helpers::*;

/// Every resource the seed makes, and the webhook endpoints.
fn scopes() -> Vec<&'static str> {
    [READ_ALL, &["manage:webhooks"]].concat()
}
/// Every resource path the seed fills, and the webhook endpoints.
const RESOURCES: &[&str] = &[
    "customers",
    "team_members",
    "services",
    "appointments",
    "estimates",
    "invoices",
    "payments",
    "webhook_endpoints",
];

#[tokio::test]
async fn reads_by_id_render_what_lists_render_and_never_fall_back() {
    // A receiver on this machine (nothing listens there: the endpoint is only read back).
    let app = spawn_configured(|c| c.webhooks.allow_private = true).await;
    let t = app.tenant_with(&scopes()).await;
    let size = asteri::seed::SeedSize {
        customers: 12,
        appointments: 12,
        estimates: 6,
        invoices: 6,
    };
    asteri::seed::seed(&app.platform, &OrgId::new(&t.org), size)
        .await
        .unwrap();
    let (status, body) = call(
        &app,
        &t,
        Method::POST,
        "/webhook_endpoints",
        Some(json!({"url": "http://127.0.0.1:9/in", "event_types": ["customer.created"]})),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let store = app.running.as_ref().unwrap().store.clone().unwrap();
    let before = store.point_read_stats();
    // On PostgreSQL every read goes through sqlx; on a SQLite file through point reads.
    assert_eq!(
        before.is_some(),
        !app.database_url.starts_with("postgres"),
        "{before:?}"
    );

    let mut read = 0;
    for resource in RESOURCES {
        let (status, list) = call(
            &app,
            &t,
            Method::GET,
            &format!("/{resource}?limit=100"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{resource}: {list}");
        let items = list["data"].as_array().unwrap();
        assert!(!items.is_empty(), "{resource}: the seed made none");
        for item in items {
            let path = format!("/{resource}/{}", id_of(item));
            let (status, got) = call(&app, &t, Method::GET, &path, None).await;
            assert_eq!(status, 200, "{path}: {got}");
            assert_eq!(&got, item, "{path}: read by id differs from the list's");
            read += 1;
        }
    }

    if let (Some(before), Some(after)) = (before, store.point_read_stats()) {
        assert_eq!(after.fell_back, before.fell_back, "{after:?}");
        assert!(
            after.answered >= before.answered + read,
            "{read} reads by id, {after:?} (before: {before:?})"
        );
        assert!(after.idle >= 1, "{after:?}");
    }
    // The two paths agree on the stored record itself, not only on its rendering.
    let (_, customers) = call(&app, &t, Method::GET, "/customers?limit=1", None).await;
    let id = id_of(&customers["data"][0]);
    let org = OrgId::new(&t.org);
    let direct = storage::customers::get(&store, &org, &id).await.unwrap();
    let through_sqlx = storage::customers::get(&store.sqlx_only(), &org, &id)
        .await
        .unwrap();
    assert!(direct.is_some());
    assert_eq!(direct, through_sqlx);
    // Another organization's id is not found either way.
    let other = OrgId::new(app.org(false).await);
    assert_eq!(
        storage::customers::get(&store, &other, &id).await.unwrap(),
        None
    );
}

/// The read pin (`storage::read_pin`): on a file nothing writes to, it holds a read
/// transaction, so the process keeps a read lock on the WAL's shared memory with no read in
/// flight; a commit makes it let go; a read right after a write sees the write; and while it
/// holds again, a checkpoint still copies every frame of the WAL into the database file.
#[tokio::test]
async fn the_read_pin_holds_the_read_lock_only_while_nothing_writes() {
    let app = spawn_app().await;
    let store = app.running.as_ref().unwrap().store.clone().unwrap();
    let stats = || store.point_read_stats();
    if stats().is_none() {
        // PostgreSQL: no point reads, no pin.
        return;
    }
    let file = std::path::PathBuf::from(
        app.database_url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap(),
    );
    let t = app
        .tenant_with(&["read:customers", "write:customers"])
        .await;
    let quiet = poll(|| async { stats().filter(|s| s.pinned) }).await;
    #[cfg(target_os = "linux")]
    {
        // Polled: the pin lets go for a few microseconds between two periods.
        let shm = std::path::PathBuf::from(format!("{}-shm", file.display()));
        poll(|| async {
            let locks = crate::history_file::locks_held_on(&shm);
            locks.iter().any(|l| l.contains(" READ ")).then_some(())
        })
        .await;
    }

    let (status, created) = call(
        &app,
        &t,
        Method::POST,
        "/customers",
        Some(json!({"name": "Before"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let path = format!("/customers/{}", id_of(&created));
    let (status, _) = call(
        &app,
        &t,
        Method::PATCH,
        &path,
        Some(json!({"name": "After"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, read) = call(&app, &t, Method::GET, &path, None).await;
    assert_eq!((status, read["name"].as_str()), (200, Some("After")));
    poll(|| async { stats().filter(|s| s.pin_yields > quiet.pin_yields) }).await;

    // Quiet again: held again, and a checkpoint is not held back by it.
    let again = stats().unwrap().pin_holds;
    poll(|| async { stats().filter(|s| s.pinned && s.pin_holds > again) }).await;
    let conn = rusqlite::Connection::open(&file).unwrap();
    let (busy, frames, copied): (i64, i64, i64) = conn
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(busy, 0, "the checkpoint was refused");
    assert!(frames > 0, "the writes above left no frames in the WAL");
    assert_eq!(copied, frames, "the checkpoint copied only part of the WAL");
}
