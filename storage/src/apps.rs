//! Partner apps (CONTRACT section 11) and their installs.
//!
//! Both are tenant tables: an app belongs to its developer's organization, an install to the
//! organization the app is installed in; listing and reading by id go through the
//! tenant-scoped functions (`tenant_repo!`, [`page`]), and changes through a
//! [`crate::Write`] with their audit record. Two lookups are global by nature, as
//! [`crate::api_keys::find_by_hash`] is: the OAuth flows name an app by its client id alone
//! ([`find`]), and an install is reached from a token ([`installs::find`]); in both the
//! caller does not know the organization, the id names it. An app's installs across
//! organizations ([`installs::of_app`]) serve its developer's analytics and its deletion.

use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

pub use crate::entities::apps::Model as App;
use crate::{
    Db, OrgId, Page, PageQuery, Result,
    entities::apps::{Column, Entity, Model},
    tenant::{page as keyset_page, possible_id, scoped},
};

pub const APP_PREFIX: &str = "app";
pub const INSTALL_PREFIX: &str = "ins";

crate::tenant_repo!();

/// The organization's own apps, newest first.
pub async fn page(db: &impl Db, org: &OrgId, query: &PageQuery) -> Result<Page<App>> {
    Ok(keyset_page(db.conn(), scoped::<Entity>(org), query).await?)
}

/// The app whose client id is `id`, in any organization. Global: an OAuth client presents
/// its client id alone.
pub async fn find(db: &impl Db, id: &str) -> Result<Option<App>> {
    if !possible_id::<Entity>(id) {
        return Ok(None);
    }
    Ok(Entity::find()
        .filter(Column::Id.eq(id))
        .one(db.conn())
        .await?)
}

/// The names of the apps among `ids`, in any organization (unknown ids are absent). Global,
/// as [`find`] is: an organization lists the apps installed in it, which other
/// organizations develop.
pub async fn names(db: &impl Db, ids: &[String]) -> Result<Vec<(String, String)>> {
    use sea_orm::QuerySelect as _;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Entity::find()
        .filter(Column::Id.is_in(ids.iter().map(String::as_str)))
        .select_only()
        .column(Column::Id)
        .column(Column::Name)
        .into_tuple()
        .all(db.conn())
        .await?)
}

pub mod installs {
    use chrono::{DateTime, Utc};
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};

    pub use crate::entities::app_installs::Model as AppInstall;
    use crate::{
        Db, OrgId, Page, PageQuery, Result,
        entities::app_installs::{Column, Entity, Model},
        tenant::{page as keyset_page, possible_id, scoped},
    };

    crate::tenant_repo!();

    /// The organization's live installs, newest first.
    pub async fn page(db: &impl Db, org: &OrgId, query: &PageQuery) -> Result<Page<AppInstall>> {
        let select = scoped::<Entity>(org).filter(Column::UninstalledAt.is_null());
        Ok(keyset_page(db.conn(), select, query).await?)
    }

    /// The live install of `app_id` in the organization, if any.
    pub async fn live(db: &impl Db, org: &OrgId, app_id: &str) -> Result<Option<AppInstall>> {
        Ok(scoped::<Entity>(org)
            .filter(Column::LiveAppId.eq(app_id))
            .one(db.conn())
            .await?)
    }

    /// An install by id, in any organization. Global: a token names its install, and the
    /// install names the organization.
    pub async fn find(db: &impl Db, id: &str) -> Result<Option<AppInstall>> {
        if !possible_id::<Entity>(id) {
            return Ok(None);
        }
        Ok(Entity::find()
            .filter(Column::Id.eq(id))
            .one(db.conn())
            .await?)
    }

    /// Every install of an app in every organization, live or not, oldest first (the
    /// `(app_id, id)` index). Global: the app's developer sees how its app is installed,
    /// and deleting the app uninstalls it everywhere. `created_before` bounds the rows to
    /// those that exist by then.
    pub async fn of_app(
        db: &impl Db,
        app_id: &str,
        created_before: Option<DateTime<Utc>>,
    ) -> Result<Vec<AppInstall>> {
        let mut select = Entity::find().filter(Column::AppId.eq(app_id));
        if let Some(before) = created_before {
            select = select.filter(Column::CreatedAt.lt(before));
        }
        Ok(select.order_by_asc(Column::Id).all(db.conn()).await?)
    }
}

/// The request history rows made with an app's tokens (the gateway and the gRPC door record
/// them with `key_id` = the app's client id) in `org` since `since`: time, status and
/// duration only, for the app's analytics. Uses `(organization_id, key_id, id)`.
pub async fn request_stats(
    db: &impl Db,
    org: &OrgId,
    app_id: &str,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(chrono::DateTime<chrono::Utc>, i32, i64)>> {
    use crate::entities::request_logs::{Column as L, Entity as Logs};
    use sea_orm::QuerySelect as _;
    Ok(scoped::<Logs>(org)
        .filter(L::KeyId.eq(app_id))
        .filter(L::CreatedAt.gte(since))
        .select_only()
        .column(L::CreatedAt)
        .column(L::StatusCode)
        .column(L::DurationMs)
        .into_tuple()
        .all(db.conn())
        .await?)
}
