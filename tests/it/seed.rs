//! `asteri seed`: a realistic organization whose documents add up.

use std::collections::{BTreeSet, HashMap};

use reqwest::Method;
use serde_json::Value;
use storage::OrgId;

use crate::helpers::*;

async fn all(app: &TestApp, t: &Tenant, resource: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/{resource}?limit=100&cursor={cursor}");
        let (status, page) = read(app.req(t, Method::GET, &path).send().await.unwrap()).await;
        assert_eq!(status, 200, "{resource}: {page}");
        out.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return out,
        }
    }
}

fn statuses(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|i| i["status"].as_str().unwrap().to_owned())
        .collect()
}

fn n(v: &Value) -> i64 {
    v.as_i64().unwrap()
}

#[tokio::test]
async fn seeded_organizations_are_realistic_and_add_up() {
    let app = spawn_app().await;
    let t = app.tenant_with(READ_ALL).await;
    let seeded = asteri::seed::seed(
        &app.platform,
        &OrgId::new(&t.org),
        asteri::seed::SeedSize::default(),
    )
    .await
    .unwrap();

    assert_eq!(all(&app, &t, "customers").await.len(), 300);
    assert_eq!(
        all(&app, &t, "team_members").await.len(),
        seeded.team_members.len()
    );
    assert_eq!(all(&app, &t, "services").await.len(), seeded.services.len());

    let appointments = all(&app, &t, "appointments").await;
    assert_eq!(appointments.len(), 120);
    let seen = statuses(&appointments);
    for s in ["scheduled", "completed", "canceled"] {
        assert!(seen.contains(s), "appointments {s}: {seen:?}");
    }
    let now = chrono::Utc::now();
    for a in &appointments {
        let start =
            chrono::DateTime::parse_from_rfc3339(a["scheduled_start"].as_str().unwrap()).unwrap();
        assert!(
            (start.with_timezone(&chrono::Utc) - now).num_days().abs() <= 15,
            "a month around today"
        );
        assert!(!a["assigned_team_member_ids"].as_array().unwrap().is_empty());
    }

    let estimates = all(&app, &t, "estimates").await;
    let expected: BTreeSet<String> = ["draft", "sent", "approved", "declined", "converted"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(statuses(&estimates), expected, "estimates in every state");

    let invoices = all(&app, &t, "invoices").await;
    let seen = statuses(&invoices);
    for s in ["draft", "open", "overdue", "paid", "void"] {
        assert!(seen.contains(s), "invoices {s}: {seen:?}");
    }
    let payments = all(&app, &t, "payments").await;
    let mut collected: HashMap<&str, i64> = HashMap::new();
    for p in &payments {
        if matches!(p["status"].as_str(), Some("succeeded" | "refunded")) {
            *collected
                .entry(p["invoice_id"].as_str().unwrap())
                .or_default() += n(&p["amount"]) - n(&p["refunded_amount"]);
        }
    }
    assert!(
        payments.iter().any(|p| n(&p["refunded_amount"]) > 0),
        "some refunds"
    );
    for doc in estimates.iter().chain(&invoices) {
        let lines = doc["line_items"].as_array().unwrap();
        let mut subtotal = 0;
        for line in lines {
            assert_eq!(
                n(&line["amount"]),
                n(&line["quantity"]) * n(&line["unit_price"])
            );
            subtotal += n(&line["amount"]);
        }
        assert_eq!(n(&doc["subtotal"]), subtotal, "{doc}");
        assert_eq!(n(&doc["total"]), subtotal + n(&doc["tax"]), "{doc}");
    }
    for invoice in &invoices {
        let paid = collected
            .get(invoice["id"].as_str().unwrap())
            .copied()
            .unwrap_or(0);
        assert_eq!(n(&invoice["amount_paid"]), paid, "{invoice}");
        assert_eq!(
            n(&invoice["amount_due"]),
            n(&invoice["total"]) - paid,
            "{invoice}"
        );
        if invoice["status"] == "paid" {
            assert_eq!(n(&invoice["amount_due"]), 0);
        }
    }
    app.shutdown().await;
}
