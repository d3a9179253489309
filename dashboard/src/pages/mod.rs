//! One module per section of the dashboard; each handler checks the role, calls the
//! services for the signed-in user, and renders a template.

pub mod api;
pub mod apps;
pub mod integrations;
pub mod keys;
pub mod sign_in;
pub mod webhooks;

use std::collections::HashMap;

use proto::v1::ListUsersRequest;

use crate::{Dashboard, error::DashboardError, session::SignedIn};

/// The organization's members by id, to name who made a key.
async fn member_emails(
    dashboard: &Dashboard,
    signed: &SignedIn,
) -> Result<HashMap<String, String>, DashboardError> {
    let users = dashboard
        .calls
        .users()
        .list_users(dashboard.calls.request(ListUsersRequest {}, &signed.who()))
        .await?
        .into_inner();
    Ok(users.data.into_iter().map(|u| (u.id, u.email)).collect())
}

/// A path segment that names an object (`key_...`, `we_...`, `evt_...`, `req_...`), refused
/// early when it cannot be one (404, as for an object of another organization).
fn object_id(id: &str) -> Result<&str, DashboardError> {
    let valid = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(id)
    } else {
        Err(DashboardError::NotFound)
    }
}
