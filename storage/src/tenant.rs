//! Tenant scoping, in one place (after Svix's tenant-scoped query constructors).
//!
//! Every query of a tenant-owned table starts from [`scoped`], which takes the organization
//! id and filters on it before anything else is added. The entities are private to this
//! crate, so code outside it cannot build an unscoped query by accident.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

use crate::OrgId;

/// A table whose rows belong to one organization and whose ids sort by creation time.
pub(crate) trait TenantTable: EntityTrait {
    fn organization_column() -> Self::Column;
    fn id_column() -> Self::Column;
}

/// Implements [`TenantTable`] for an entity with `organization_id` and `id` columns.
#[macro_export]
#[doc(hidden)]
macro_rules! tenant_table {
    ($entity:ty) => {
        impl $crate::tenant::TenantTable for $entity {
            fn organization_column() -> Self::Column {
                Column::OrganizationId
            }
            fn id_column() -> Self::Column {
                Column::Id
            }
        }
    };
}

/// The only way to start a query of a tenant table.
pub(crate) fn scoped<E: TenantTable>(org: &OrgId) -> Select<E> {
    E::find().filter(E::organization_column().eq(org.as_str()))
}

/// One row of a tenant table by id; another organization's row is simply not found.
pub(crate) async fn find<E: TenantTable, C: ConnectionTrait>(
    conn: &C,
    org: &OrgId,
    id: &str,
) -> Result<Option<E::Model>, DbErr> {
    scoped::<E>(org)
        .filter(E::id_column().eq(id))
        .one(conn)
        .await
}

/// Keyset pagination over ids, newest first. Ids are time-ordered and immutable, so pages
/// stay stable while rows are inserted concurrently: new rows sort before the first page and
/// never shift a cursor.
#[derive(Clone, Debug)]
pub struct PageQuery {
    pub limit: u64,
    /// Return rows with ids strictly below this one (the last id of the previous page).
    pub starting_after: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_more: self.has_more,
        }
    }
}

pub(crate) async fn page<E: TenantTable, C: ConnectionTrait>(
    conn: &C,
    select: Select<E>,
    query: &PageQuery,
) -> Result<Page<E::Model>, DbErr> {
    let mut select = select;
    if let Some(after) = &query.starting_after {
        select = select.filter(E::id_column().lt(after.as_str()));
    }
    let mut items = select
        .order_by_desc(E::id_column())
        .limit(query.limit + 1)
        .all(conn)
        .await?;
    let has_more = items.len() as u64 > query.limit;
    items.truncate(usize::try_from(query.limit).unwrap_or(usize::MAX));
    Ok(Page { items, has_more })
}

/// The only way to start a bulk delete of a tenant table.
pub(crate) fn scoped_delete<E: TenantTable>(org: &OrgId) -> sea_orm::DeleteMany<E> {
    E::delete_many().filter(E::organization_column().eq(org.as_str()))
}
