//! A failure in the middle of a write leaves neither the change, nor its event, nor its
//! audit record. The failure is injected with a trigger that fires only for this test's
//! rows (the PostgreSQL test database is shared), and is dropped right after.

use serde_json::json;
use storage::Store;

use super::*;

/// A trigger that makes `{event} ON {table}` fail for rows where `{condition}` holds
/// (`NEW.` columns); dropped by [`Injected::remove`].
struct Injected {
    store: Store,
    name: String,
    table: &'static str,
}

impl Injected {
    async fn install(
        store: Store,
        tag: &str,
        event: &str,
        table: &'static str,
        condition: &str,
    ) -> Self {
        let name = format!(
            "fail_{}",
            tag.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        if store.is_postgres() {
            store
                .execute_unprepared(&format!(
                    "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN RAISE EXCEPTION 'injected failure'; END $$"
                ))
                .await
                .unwrap();
            store
                .execute_unprepared(&format!(
                    "CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW \
                     WHEN ({condition}) EXECUTE FUNCTION {name}()"
                ))
                .await
                .unwrap();
        } else {
            store
                .execute_unprepared(&format!(
                    "CREATE TRIGGER {name} BEFORE {event} ON {table} WHEN {condition} \
                     BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                ))
                .await
                .unwrap();
        }
        Self { store, name, table }
    }

    async fn remove(self) {
        let Self { store, name, table } = self;
        if store.is_postgres() {
            store
                .execute_unprepared(&format!("DROP TRIGGER {name} ON {table}"))
                .await
                .unwrap();
            store
                .execute_unprepared(&format!("DROP FUNCTION {name}()"))
                .await
                .unwrap();
        } else {
            store
                .execute_unprepared(&format!("DROP TRIGGER {name}"))
                .await
                .unwrap();
        }
    }
}

fn assert_internal_error(status: u16, body: &serde_json::Value) {
    assert_eq!(
        (status, &body["code"]),
        (500, &json!("internal_error")),
        "{body}"
    );
    let text = body.to_string();
    for secret in ["injected", "invoices", "trigger", "SQL", "sqlx"] {
        assert!(!text.contains(secret), "the 500 leaks {secret:?}: {text}");
    }
}

#[tokio::test]
async fn a_failed_convert_leaves_no_trace() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    let est = id(&create_estimate(&app, &t, &customer, json!([line("Deck", 1, 70_000)])).await);
    for action in ["send", "approve"] {
        ok(&app, &t, &format!("/estimates/{est}/{action}"), json!({})).await;
    }
    let condition = format!("NEW.estimate_id = '{est}'");
    let trigger = Injected::install(store(&app), &est, "INSERT", "invoices", &condition).await;
    let (status, body) = post(&app, &t, &format!("/estimates/{est}/convert"), json!({})).await;
    trigger.remove().await;
    assert_internal_error(status, &body);

    // The estimate was changed (and its event and audit written) before the invoice insert
    // failed: all of it rolled back.
    let (_, e) = get(&app, &t, &format!("/estimates/{est}")).await;
    assert_eq!(
        (&e["status"], &e["invoice_id"]),
        (&json!("approved"), &json!(null))
    );
    let (_, invoices) = get(&app, &t, "/invoices").await;
    assert_eq!(invoices["data"], json!([]));
    assert_eq!(
        events_about(&app, &t.org, &est).await,
        ["estimate.created", "estimate.sent", "estimate.approved"]
    );
    assert_eq!(
        audit_of(&app, &t.org, &est).await,
        ["estimate.create", "estimate.send", "estimate.approve"]
    );
    let q = storage::PageQuery {
        limit: 100,
        starting_after: None,
    };
    let org = storage::OrgId::new(&t.org);
    for kind in ["invoice.created", "estimate.converted"] {
        let events = storage::audit::list_events(&store(&app), &org, Some(kind), &q)
            .await
            .unwrap();
        assert!(events.items.is_empty(), "{kind}");
    }
    let filter = storage::audit::AuditFilter {
        resource_type: Some("invoice".into()),
        ..Default::default()
    };
    let audit = storage::audit::list_audit(&store(&app), &org, &filter, &q)
        .await
        .unwrap();
    assert!(audit.items.is_empty());

    // Without the fault, the same request succeeds.
    let converted = ok(&app, &t, &format!("/estimates/{est}/convert"), json!({})).await;
    assert_eq!(converted["status"], "converted");
    app.shutdown().await;
}

#[tokio::test]
async fn a_payment_whose_invoice_update_fails_is_not_recorded() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    let inv = id(&open_invoice(&app, &t, &customer, 1_000, &days_from_today(3)).await);
    // The payment row, its audit record and its event are written before the invoice.
    let condition = format!("NEW.id = '{inv}' AND NEW.amount_paid > 0");
    let trigger = Injected::install(store(&app), &inv, "UPDATE", "invoices", &condition).await;
    let body = json!({"invoice_id": inv, "amount": 400, "method": "card"});
    let (status, got) = post(&app, &t, "/payments", body.clone()).await;
    trigger.remove().await;
    assert_internal_error(status, &got);

    let (_, list) = get(&app, &t, "/payments").await;
    assert_eq!(list["data"], json!([]));
    let (_, invoice) = get(&app, &t, &format!("/invoices/{inv}")).await;
    assert_eq!(
        (&invoice["amount_paid"], &invoice["status"]),
        (&json!(0), &json!("open"))
    );
    let q = storage::PageQuery {
        limit: 100,
        starting_after: None,
    };
    let org = storage::OrgId::new(&t.org);
    let events = storage::audit::list_events(&store(&app), &org, Some("payment.succeeded"), &q)
        .await
        .unwrap();
    assert!(events.items.is_empty());
    let filter = storage::audit::AuditFilter {
        resource_type: Some("payment".into()),
        ..Default::default()
    };
    let audit = storage::audit::list_audit(&store(&app), &org, &filter, &q)
        .await
        .unwrap();
    assert!(audit.items.is_empty());

    let paid = ok(&app, &t, "/payments", body).await;
    assert_eq!(paid["status"], "succeeded");
    app.shutdown().await;
}
