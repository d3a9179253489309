//! Organizations (tenants). Not tenant-scoped themselves: only operators and internal
//! services reach these functions.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};

pub use crate::entities::organizations::Model as Organization;
use crate::{Db, Result, entities::organizations::Entity, ids::new_id};

pub const ID_PREFIX: &str = "org";

/// A fresh organization id, so that the creating write can be pinned to it.
pub fn new_organization_id() -> String {
    new_id(ID_PREFIX)
}

pub async fn create(db: &impl Db, id: String, name: &str, sandbox: bool) -> Result<Organization> {
    let model = Organization {
        id,
        name: name.to_owned(),
        sandbox,
        created_at: Utc::now(),
    };
    Ok(model.into_active_model().insert(db.conn()).await?)
}

pub async fn get(db: &impl Db, id: &str) -> Result<Option<Organization>> {
    Ok(Entity::find_by_id(id.to_owned()).one(db.conn()).await?)
}

/// The oldest organization with this exact name (used by `asteri dev` to reuse its sandbox).
pub async fn find_by_name(db: &impl Db, name: &str) -> Result<Option<Organization>> {
    use crate::entities::organizations::Column;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    Ok(Entity::find()
        .filter(Column::Name.eq(name))
        .order_by_asc(Column::Id)
        .one(db.conn())
        .await?)
}
