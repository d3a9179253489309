//! Keyset pagination: complete, duplicate-free and stable while rows are inserted.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

async fn page(app: &TestApp, t: &Tenant, query: &str) -> Value {
    let (status, body) = read(
        app.req(t, Method::GET, &format!("/customers?{query}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn pages_are_stable_under_concurrent_inserts() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let mut before = Vec::new();
    for i in 0..30 {
        before.push(
            app.create_customer(&t, json!({"name": format!("Before {i}")}))
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let first = page(&app, &t, "").await;
    assert_eq!(
        first["data"].as_array().unwrap().len(),
        25,
        "default limit is 25"
    );
    assert_eq!(first["has_more"], true);

    // Walk the list 7 at a time while another task keeps inserting.
    let inserter = {
        let (client, url, key, org) = (
            app.client.clone(),
            app.url("/customers"),
            t.key.clone(),
            t.org.clone(),
        );
        tokio::spawn(async move {
            for i in 0..20 {
                let response = client
                    .post(&url)
                    .header("x-api-key", &key)
                    .header("x-organization-id", &org)
                    .json(&json!({"name": format!("During {i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 201);
            }
        })
    };
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let query = if cursor.is_empty() {
            "limit=7".to_owned()
        } else {
            format!("limit=7&cursor={cursor}")
        };
        let body = page(&app, &t, &query).await;
        for c in body["data"].as_array().unwrap() {
            seen.push(c["id"].as_str().unwrap().to_owned());
        }
        if body["has_more"] == false {
            assert!(body["next_cursor"].is_null());
            break;
        }
        cursor = body["next_cursor"].as_str().unwrap().to_owned();
    }
    inserter.await.unwrap();
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no customer appears twice");
    for id in &before {
        assert!(
            unique.contains(id),
            "every customer that existed before the walk is seen"
        );
    }
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(sorted, seen, "newest first, in one consistent order");
    app.shutdown().await;
}

#[tokio::test]
async fn updated_since_filters() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let old = app.create_customer(&t, json!({"name": "Old"})).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let mark = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let new = app.create_customer(&t, json!({"name": "New"})).await;
    let since = mark.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let body = page(&app, &t, &format!("updated_since={since}")).await;
    let ids: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![new["id"].as_str().unwrap()]);
    let id = old["id"].as_str().unwrap();
    app.req(&t, Method::PATCH, &format!("/customers/{id}"))
        .json(&json!({"notes": "touched"}))
        .send()
        .await
        .unwrap();
    let body = page(&app, &t, &format!("updated_since={since}")).await;
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
    app.shutdown().await;
}
