//! Checks of appointment fields: their shape first (before any database work), then their
//! references, inside the write that uses them so that they still hold when it commits.
//!
//! References answer 422 with messages under the field that names them. Another
//! organization's customer, service or team member reads exactly like one that does not
//! exist.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use storage::{Write, catalog, customers, ids::looks_like, team_members};

use crate::error::{ServiceResult, Violations};

pub const MAX_SERVICES: usize = 50;
pub const MAX_CREW: usize = 50;
pub const MAX_NOTES: usize = 10_000;

/// An id as quoted in a message: long inputs are cut, so a message never echoes a big body.
fn shown(id: &str) -> String {
    const MAX: usize = 70;
    if id.chars().count() <= MAX {
        id.to_owned()
    } else {
        format!("{}...", id.chars().take(MAX).collect::<String>())
    }
}

/// A list of ids: at most `max`, none empty, none repeated.
pub fn check_id_list(v: &mut Violations, field: &str, ids: &[String], max: usize) {
    if ids.len() > max {
        v.add(field, format!("must have at most {max} items"));
        return;
    }
    let mut seen = HashSet::new();
    for id in ids {
        if id.trim().is_empty() {
            v.add(field, "must not contain empty ids");
        } else if !seen.insert(id.as_str()) {
            v.add(field, format!("{} is listed more than once", shown(id)));
        }
    }
}

/// A new appointment's schedule: both ends required, the end after the start.
pub fn check_schedule(
    v: &mut Violations,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if start.is_none() {
        v.add("scheduled_start", "is required");
    }
    if end.is_none() {
        v.add("scheduled_end", "is required");
    }
    let (start, end) = (start?, end?);
    check_order(v, start, end);
    Some((start, end))
}

pub fn check_order(v: &mut Violations, start: DateTime<Utc>, end: DateTime<Utc>) {
    if end <= start {
        v.add("scheduled_end", "must be after scheduled_start");
    }
}

/// Ids of the shape of `prefix`'s (others exist nowhere and are not looked up).
fn plausible(ids: &[String], prefix: &str) -> Vec<String> {
    ids.iter()
        .filter(|id| looks_like(id, prefix))
        .cloned()
        .collect()
}

/// `customer_id` names a customer of the write's organization.
pub async fn check_customer(w: &Write, v: &mut Violations, id: &str) -> ServiceResult<()> {
    if !looks_like(id, customers::ID_PREFIX) || customers::get(w, w.org(), id).await?.is_none() {
        v.add("customer_id", "no such customer");
    }
    Ok(())
}

/// Every id of `ids` that is not in `kept` names an active catalog service of the write's
/// organization. Services the appointment already has may stay after they were deactivated
/// or deleted: only additions are checked.
pub async fn check_services(
    w: &Write,
    v: &mut Violations,
    ids: &[String],
    kept: &[String],
) -> ServiceResult<()> {
    let added: Vec<String> = ids
        .iter()
        .filter(|id| !kept.contains(id))
        .cloned()
        .collect();
    let found = catalog::find_many(w, w.org(), &plausible(&added, catalog::ID_PREFIX)).await?;
    for id in &added {
        match found.iter().find(|s| &s.id == id) {
            None => v.add("service_ids", format!("no such service: {}", shown(id))),
            Some(s) if !s.active => v.add(
                "service_ids",
                format!("service {id} is inactive and cannot be added"),
            ),
            Some(_) => {}
        }
    }
    Ok(())
}

/// Every id names an active team member of the write's organization.
pub async fn check_crew(
    w: &Write,
    v: &mut Violations,
    field: &str,
    ids: &[String],
) -> ServiceResult<()> {
    let found =
        team_members::find_many(w, w.org(), &plausible(ids, team_members::ID_PREFIX)).await?;
    for id in ids {
        match found.iter().find(|m| &m.id == id) {
            None => v.add(field, format!("no such team member: {}", shown(id))),
            Some(m) if !m.active => v.add(
                field,
                format!("team member {id} is inactive and cannot be assigned"),
            ),
            Some(_) => {}
        }
    }
    Ok(())
}
