use serde_json::Value as Json;

use super::*;

fn doc() -> Json {
    build(schema(), &Examples::default())
}

/// Every `$ref` in `value` names something that exists in the document.
fn refs(value: &Json, out: &mut Vec<String>) {
    match value {
        Json::Object(map) => {
            if let Some(Json::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Json::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_public_binding_is_an_operation_with_its_scope() {
    let doc = doc();
    let mut count = 0;
    for method in schema().methods().iter().filter(|m| m.is_public()) {
        for binding in &method.http {
            let op = &doc["paths"][&binding.path][binding.method.to_ascii_lowercase()];
            assert!(op.is_object(), "{} {}", binding.method, binding.path);
            assert_eq!(op["x-required-scope"], method.scope.clone().unwrap());
            assert_eq!(
                op["security"][0]["ApiKey"][0],
                method.scope.clone().unwrap()
            );
            count += 1;
        }
    }
    let ops: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(ops, count, "no operation without a binding");
}

#[test]
fn every_reference_resolves() {
    let doc = doc();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let pointer = r.trim_start_matches('#');
        assert!(
            doc.pointer(pointer).is_some_and(|v| !v.is_null()),
            "{r} does not resolve"
        );
    }
}

#[test]
fn schemas_are_the_wire_format() {
    let doc = doc();
    let customer = &doc["components"]["schemas"]["Customer"];
    assert_eq!(customer["properties"]["created_at"]["format"], "date-time");
    assert_eq!(
        customer["properties"]["created_at"]["type"],
        serde_json::json!(["string", "null"])
    );
    assert_eq!(customer["properties"]["id"]["readOnly"], true);
    assert!(customer["properties"]["name"].get("readOnly").is_none());
    let required = customer["required"].as_array().unwrap();
    assert!(required.contains(&serde_json::json!("updated_at")));
    let create = &doc["components"]["schemas"]["CreateCustomerRequest"];
    assert_eq!(create["required"], serde_json::json!(["name"]));
    assert_eq!(create["additionalProperties"], false);
    let update = &doc["components"]["schemas"]["UpdateCustomerRequest"];
    assert!(
        update["properties"].get("id").is_none(),
        "path fields stay out of bodies"
    );
    assert!(update["properties"].get("update_mask").is_none());
    let status = &doc["components"]["schemas"]["Appointment"]["properties"]["status"];
    assert!(
        status["enum"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("in_progress"))
    );
    assert!(status["enum"].as_array().unwrap().contains(&Json::Null));
    let invoice = &doc["components"]["schemas"]["Invoice"]["properties"];
    assert_eq!(
        invoice["total"]["type"], "integer",
        "money is an integer number"
    );
}

#[test]
fn list_parameters_carry_their_limits() {
    let doc = doc();
    let params = doc["paths"]["/api/public/v1/customers"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let limit = params.iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!(limit["in"], "query");
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 100);
    let post = &doc["paths"]["/api/public/v1/customers"]["post"];
    assert!(
        post["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Idempotency-Key")
    );
    assert_eq!(
        post["responses"]["429"]["$ref"],
        "#/components/responses/RateLimited"
    );
    assert!(post["responses"]["201"].is_object());
}

#[test]
fn the_vocabulary_and_deprecations_are_published() {
    let doc = doc();
    let scopes: Vec<&str> = doc["x-scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scope"].as_str().unwrap())
        .collect();
    assert!(scopes.contains(&"delete:payments") && scopes.contains(&"manage:apps"));
    assert_eq!(scopes.len(), schema().scopes().len());
    let field = &doc["components"]["schemas"]["UpdateAppointmentRequest"]["properties"]["assigned_team_member_ids"];
    assert_eq!(field["deprecated"], true, "{field}");
    assert!(field["x-deprecated-at"].is_string());
}
