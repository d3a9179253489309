//! A customer's activity: every event about its appointments, estimates, invoices and
//! payments, newest first, read from the outbox (where each event is indexed under the
//! object's `customer_id`, see `storage::Write::record`).

use proto::v1::CustomerActivity;
use serde_json::Value;
use storage::{OrgId, Page, PageQuery, Store, audit};

use crate::{
    convert::{next_cursor, timestamp},
    error::ServiceResult,
};

/// Events are the pages' keyset: cursors carry an event id.
pub const CURSOR_PREFIX: &str = "evt";

fn money(data: &Value, field: &str) -> Option<String> {
    let amount = data.get(field)?.as_i64()?;
    let currency = data
        .get("currency")
        .and_then(Value::as_str)
        .unwrap_or("usd")
        .to_ascii_uppercase();
    Some(format!(
        "{}.{:02} {currency}",
        amount / 100,
        (amount % 100).abs()
    ))
}

/// A one-line description of an event for people, e.g. "Invoice paid: 125.00 USD".
pub fn summary(event_type: &str, data: &Value) -> String {
    let (object, verb) = event_type.split_once('.').unwrap_or((event_type, ""));
    let mut object = object.replace('_', " ");
    if let Some(first) = object.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let detail = match object.as_str() {
        "Appointment" => data
            .get("scheduled_start")
            .and_then(Value::as_str)
            .map(|s| format!("for {s}")),
        "Payment" => money(data, "amount"),
        "Estimate" | "Invoice" => money(data, "total"),
        _ => None,
    };
    match detail {
        Some(detail) => format!("{object} {verb}: {detail}"),
        None => format!("{object} {verb}"),
    }
}

fn entry(event: &audit::Event) -> CustomerActivity {
    CustomerActivity {
        object_type: event
            .event_type
            .split('.')
            .next()
            .unwrap_or_default()
            .to_owned(),
        object_id: event
            .data
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        r#type: event.event_type.clone(),
        summary: summary(&event.event_type, &event.data),
        occurred_at: Some(timestamp(event.created_at)),
    }
}

/// One page of the customer's activity.
pub async fn page(
    store: &Store,
    org: &OrgId,
    customer_id: &str,
    query: &PageQuery,
) -> ServiceResult<(Vec<CustomerActivity>, bool, Option<String>)> {
    let events: Page<audit::Event> = audit::customer_events(store, org, customer_id, query).await?;
    let cursor = next_cursor(&events, |e| &e.id);
    Ok((
        events.items.iter().map(entry).collect(),
        events.has_more,
        cursor,
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::summary;

    #[test]
    fn summaries() {
        assert_eq!(
            summary("invoice.paid", &json!({"total": 12550, "currency": "usd"})),
            "Invoice paid: 125.50 USD"
        );
        assert_eq!(
            summary("payment.refunded", &json!({"amount": 5})),
            "Payment refunded: 0.05 USD"
        );
        assert_eq!(
            summary(
                "appointment.scheduled",
                &json!({"scheduled_start": "2026-01-02T09:00:00Z"})
            ),
            "Appointment scheduled: for 2026-01-02T09:00:00Z"
        );
        assert_eq!(summary("estimate.sent", &json!({})), "Estimate sent");
    }
}
