//! The OpenAPI document as served: public, the same routes the gateway serves, examples
//! from the seed data that the gateway's own parser accepts, and cacheable.

use reqwest::{StatusCode, header};
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn the_document_is_public_complete_and_cacheable() {
    let app = spawn_app().await;
    let url = app.url("/openapi.json");
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    assert!(response.headers().contains_key("x-request-id"));
    let etag = response.headers()[header::ETAG].clone();
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");

    // Every public binding of the contract is an operation, and nothing else is.
    let mut bindings = 0;
    for method in proto::schema().methods().iter().filter(|m| m.is_public()) {
        for b in &method.http {
            let op = &doc["paths"][&b.path][b.method.to_ascii_lowercase()];
            assert_eq!(
                op["x-required-scope"],
                method.scope.clone().unwrap(),
                "{}",
                b.path
            );
            bindings += 1;
        }
    }
    let operations: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|ops| ops.as_object().unwrap().len())
        .sum();
    assert_eq!(operations, bindings);

    // Every request example is a body the gateway's parser accepts for its route.
    let mut examples = 0;
    for method in proto::schema().methods().iter().filter(|m| m.is_public()) {
        for b in &method.http {
            let op = &doc["paths"][&b.path][b.method.to_ascii_lowercase()];
            let example = &op["requestBody"]["content"]["application/json"]["example"];
            if example.is_object() {
                let parsed = proto::json::json_to_message(&method.descriptor.input(), example);
                assert!(parsed.is_ok(), "{} {}: {parsed:?}", b.method, b.path);
                examples += 1;
            }
        }
    }
    assert!(examples >= 8, "{examples} request examples");

    // The examples come from the seed data and are what the API accepts and returns.
    let create = &doc["paths"]["/api/public/v1/customers"]["post"];
    let example = create["requestBody"]["content"]["application/json"]["example"].clone();
    assert!(
        example["name"].as_str().is_some_and(|n| !n.is_empty()),
        "{example}"
    );
    let t = app.tenant().await;
    let created = app.create_customer(&t, example.clone()).await;
    assert_eq!(created["name"], example["name"]);
    let invoice = &doc["components"]["schemas"]["Invoice"]["examples"][0];
    assert!(invoice["id"].as_str().unwrap().starts_with("inv_"));
    assert!(invoice["total"].is_i64(), "money is an integer");

    // With the usual headers it answers the same; a revalidation is 304.
    let again = app
        .req(&t, reqwest::Method::GET, "/openapi.json")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let cached = app
        .client
        .get(&url)
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    app.shutdown().await;
}
