//! Recording a change: the audit entry (before and after, as the API renders them) and the
//! outbox event, in the write's transaction. Every service write path ends here.

use proto::json::to_json;
use storage::{Change, Write};

use crate::error::ServiceResult;

/// Records `action` on `resource_type`/`id`. The event (if any) carries the object as it is
/// after the change, or as it was before a deletion.
pub async fn record<M: prost::Message + prost::Name>(
    w: &mut Write,
    action: &str,
    resource_type: &str,
    id: &str,
    before: Option<&M>,
    after: Option<&M>,
    event: Option<&str>,
) -> ServiceResult<Option<String>> {
    let change = change(action, resource_type, id, before, after, event);
    Ok(w.record(change).await?)
}

/// The audit entry and event of a change, for [`record`] and for [`storage::Store::create`].
pub fn change<'a, M: prost::Message + prost::Name>(
    action: &'a str,
    resource_type: &'a str,
    id: &'a str,
    before: Option<&M>,
    after: Option<&M>,
    event: Option<&'a str>,
) -> Change<'a> {
    let (before, after) = (before.map(to_json), after.map(to_json));
    let data = after.clone().or_else(|| before.clone()).unwrap_or_default();
    Change {
        action,
        resource_type,
        resource_id: id,
        before,
        after,
        event: event.map(|t| (t, data)),
    }
}
