//! Tenant scoping, in one place (after Svix's tenant-scoped query constructors).
//!
//! Every query of a tenant-owned table starts from [`scoped`], which takes the organization
//! id and filters on it before anything else is added. The entities are private to this
//! crate, so code outside it cannot build an unscoped query by accident.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock, RwLock},
};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait as _, Select, Statement, Value,
};

use crate::OrgId;

/// A table whose rows belong to one organization and whose ids sort by creation time.
pub trait TenantTable: EntityTrait {
    fn organization_column() -> Self::Column;
    fn id_column() -> Self::Column;
    /// The type prefix of the table's ids (`cus`): an id of another shape names no row.
    fn id_prefix() -> &'static str;
}

/// Implements [`TenantTable`] for an entity with `organization_id` and `id` columns.
#[macro_export]
#[doc(hidden)]
macro_rules! tenant_table {
    ($entity:ty, $prefix:expr) => {
        impl $crate::tenant::TenantTable for $entity {
            fn organization_column() -> Self::Column {
                Column::OrganizationId
            }
            fn id_column() -> Self::Column {
                Column::Id
            }
            fn id_prefix() -> &'static str {
                $prefix
            }
        }
    };
}

/// Whether `id` can name a row of `E` at all. Checked before every lookup by id, so that
/// a malformed id (garbage, NUL, another type's prefix) is simply not found and never
/// reaches the database.
pub fn possible_id<E: TenantTable>(id: &str) -> bool {
    crate::ids::looks_like(id, E::id_prefix())
}

/// The only way to start a query of a tenant table.
pub fn scoped<E: TenantTable>(org: &OrgId) -> Select<E> {
    E::find().filter(E::organization_column().eq(org.as_str()))
}

/// One row of a tenant table by id; another organization's row is simply not found.
pub async fn find<E: TenantTable, C: ConnectionTrait>(
    conn: &C,
    org: &OrgId,
    id: &str,
) -> Result<Option<E::Model>, DbErr> {
    if !possible_id::<E>(id) {
        return Ok(None);
    }
    let backend = conn.get_database_backend();
    let (sql, template) = find_statement::<E>(backend);
    let values = bind(&template, org, id);
    E::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, &*sql, values))
        .one(conn)
        .await
}

/// [`find`] on `db`: on the pool of a SQLite file, on the calling thread through
/// [`crate::point_reads`] (falling back to sqlx for anything it cannot answer); otherwise,
/// and inside a [`crate::Write`], through sqlx.
pub async fn find_in<E: TenantTable>(
    db: &impl crate::Db,
    org: &OrgId,
    id: &str,
) -> Result<Option<E::Model>, DbErr>
where
    E::ActiveModel: sea_orm::TryIntoModel<E::Model>,
{
    if let Some(reads) = db.point_reads() {
        if !possible_id::<E>(id) {
            return Ok(None);
        }
        let (sql, template) = find_statement::<E>(DbBackend::Sqlite);
        let values = bind(&template, org, id);
        // sea-orm's target, name and fields for a statement span: the same filters apply
        // (the default log filter's `sea_orm=warn` keeps it from being created at all when
        // no trace is exported), and `telemetry::traces` renames it to the conventions like
        // every other (`SELECT customers`).
        let span = tracing::info_span!(
            target: "sea_orm",
            "sea_orm.query_one",
            otel.kind = "client",
            db.system = "sqlite",
            db.operation = "SELECT",
            db.statement = &*sql,
            otel.status_code = tracing::field::Empty,
        );
        if let Ok(found) = span.in_scope(|| reads.find::<E>(&sql, &values)) {
            span.record("otel.status_code", "OK");
            return Ok(found);
        }
        // The span stays without a status: the read was tried here and is run again below,
        // under a span of its own.
    }
    find::<E, _>(db.conn(), org, id).await
}

/// The template's values with the sentinels replaced: organization, id, and whatever else
/// the builder bound (the `LIMIT 1`), in the order the SQL names them.
fn bind(template: &[Value], org: &OrgId, id: &str) -> Vec<Value> {
    template
        .iter()
        .map(|v| match v {
            Value::String(Some(s)) if s == SENTINEL_ORG => Value::from(org.as_str()),
            Value::String(Some(s)) if s == SENTINEL_ID => Value::from(id),
            other => other.clone(),
        })
        .collect()
}

const SENTINEL_ORG: &str = "\u{0}organization";
const SENTINEL_ID: &str = "\u{0}id";

/// The SQL text of [`find`] for `E` on `backend`, built once (by the same [`scoped`] query)
/// with sentinel values: building it for every point read was about 4% of a REST GET's
/// instructions (sea-query renders identifiers, expressions and placeholders anew each time),
/// and the text never changes.
fn find_statement<E: TenantTable>(backend: DbBackend) -> (Arc<str>, Arc<[Value]>) {
    type Statements = HashMap<(&'static str, &'static str), (Arc<str>, Arc<[Value]>)>;
    static STATEMENTS: OnceLock<RwLock<Statements>> = OnceLock::new();
    let statements = STATEMENTS.get_or_init(Default::default);
    let key = (E::default().table_name(), backend.as_str());
    if let Some(found) = statements
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
    {
        return found.clone();
    }
    let built = backend.build(
        &scoped::<E>(&OrgId::new(SENTINEL_ORG))
            .filter(E::id_column().eq(SENTINEL_ID))
            .limit(1)
            .into_query(),
    );
    let values: Arc<[Value]> = built.values.map(|v| v.0).unwrap_or_default().into();
    let statement = (Arc::<str>::from(built.sql), values);
    statements
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, statement.clone());
    statement
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

/// The statement of a keyset page: newest first from the cursor, one row more than the
/// page to tell whether another follows.
fn page_select<E: TenantTable>(select: Select<E>, query: &PageQuery) -> Select<E> {
    let mut select = select;
    if let Some(after) = &query.starting_after {
        select = select.filter(E::id_column().lt(after.as_str()));
    }
    select.order_by_desc(E::id_column()).limit(query.limit + 1)
}

pub(crate) async fn page<E: TenantTable, C: ConnectionTrait>(
    conn: &C,
    select: Select<E>,
    query: &PageQuery,
) -> Result<Page<E::Model>, DbErr> {
    let mut items = page_select(select, query).all(conn).await?;
    let has_more = items.len() as u64 > query.limit;
    items.truncate(usize::try_from(query.limit).unwrap_or(usize::MAX));
    Ok(Page { items, has_more })
}

/// The database's plan for the statement [`page`] would run, one line per step: PostgreSQL's
/// `EXPLAIN` text, SQLite's `EXPLAIN QUERY PLAN` details. For the tests and benchmarks that
/// hold each list filter to an index range scan; nothing on a request path calls it.
pub(crate) async fn explain_page<E: TenantTable, C: ConnectionTrait>(
    conn: &C,
    select: Select<E>,
    query: &PageQuery,
) -> Result<Vec<String>, DbErr> {
    use sea_orm::{DbBackend, QueryTrait as _, Statement};
    let backend = conn.get_database_backend();
    let stmt = page_select(select, query).build(backend);
    let (prefix, column) = match backend {
        DbBackend::Postgres => ("EXPLAIN", "QUERY PLAN"),
        _ => ("EXPLAIN QUERY PLAN", "detail"),
    };
    let explain = Statement {
        sql: format!("{prefix} {}", stmt.sql),
        ..stmt
    };
    conn.query_all_raw(explain)
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", column))
        .collect()
}

/// The only way to start a bulk delete of a tenant table.
pub fn scoped_delete<E: TenantTable>(org: &OrgId) -> sea_orm::DeleteMany<E> {
    E::delete_many().filter(E::organization_column().eq(org.as_str()))
}

/// The standard functions of a tenant table's module: `get`, `get_for_update`,
/// `find_many`, `insert`, `save`, `save_at` and `delete`, all pinned to an organization, and
/// the [`crate::Record`] impl of its `Model` (what the services' generic drivers call).
/// Writes take a [`crate::Write`], so they run in the transaction that records their audit
/// entry and event; `insert` and `save` overwrite `organization_id` with the write's
/// organization, so a row can never be written into another tenant, and `save` stamps
/// `updated_at` (the one place it is set on a change).
#[macro_export]
#[doc(hidden)]
macro_rules! tenant_repo {
    () => {
        pub async fn get(
            db: &impl $crate::Db,
            org: &$crate::OrgId,
            id: &str,
        ) -> $crate::Result<Option<Model>> {
            Ok($crate::tenant::find_in::<Entity>(db, org, id).await?)
        }

        /// Reads a row and, on PostgreSQL, locks it until the write commits (SQLite writes
        /// are already serialized by `BEGIN IMMEDIATE`).
        pub async fn get_for_update(w: &$crate::Write, id: &str) -> $crate::Result<Option<Model>> {
            use sea_orm::{
                ColumnTrait as _, ConnectionTrait as _, QueryFilter as _, QuerySelect as _,
            };
            if !$crate::tenant::possible_id::<Entity>(id) {
                return Ok(None);
            }
            let conn = $crate::Db::conn(w);
            let mut select = $crate::tenant::scoped::<Entity>(w.org()).filter(Column::Id.eq(id));
            if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
                select = select.lock_exclusive();
            }
            Ok(select.one(conn).await?)
        }

        pub async fn insert(w: &$crate::Write, mut model: Model) -> $crate::Result<Model> {
            use sea_orm::{ActiveModelTrait as _, IntoActiveModel as _};
            model.organization_id = w.org().as_str().to_owned();
            Ok(model
                .into_active_model()
                .insert($crate::Db::conn(w))
                .await?)
        }

        /// Writes every column of `model` (found by id within the write's organization),
        /// stamped `updated_at` now.
        pub async fn save(w: &$crate::Write, model: Model) -> $crate::Result<Model> {
            save_at(w, model, $crate::now()).await
        }

        /// [`save`] stamped `updated_at` = `at`: for a change whose other times (`paid_at`,
        /// `started_at`) must read the same instant.
        pub async fn save_at(
            w: &$crate::Write,
            mut model: Model,
            at: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<Model> {
            use sea_orm::{ActiveModelTrait as _, IntoActiveModel as _};
            model.organization_id = w.org().as_str().to_owned();
            model.updated_at = at;
            Ok(model
                .into_active_model()
                .reset_all()
                .update($crate::Db::conn(w))
                .await?)
        }

        /// The rows of this organization among `ids` (in no particular order); ids of other
        /// organizations and unknown ids are simply absent.
        pub async fn find_many(
            db: &impl $crate::Db,
            org: &$crate::OrgId,
            ids: &[String],
        ) -> $crate::Result<Vec<Model>> {
            use sea_orm::{ColumnTrait as _, QueryFilter as _};
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            Ok($crate::tenant::scoped::<Entity>(org)
                .filter(Column::Id.is_in(ids.iter().map(String::as_str)))
                .all($crate::Db::conn(db))
                .await?)
        }

        pub async fn delete(w: &$crate::Write, id: &str) -> $crate::Result<Option<Model>> {
            use sea_orm::{ColumnTrait as _, QueryFilter as _};
            let Some(existing) = get(w, w.org(), id).await? else {
                return Ok(None);
            };
            $crate::tenant::scoped_delete::<Entity>(w.org())
                .filter(Column::Id.eq(id))
                .exec($crate::Db::conn(w))
                .await?;
            Ok(Some(existing))
        }

        impl $crate::Record for Model {
            fn id(&self) -> &str {
                &self.id
            }
            fn id_prefix() -> &'static str {
                <Entity as $crate::tenant::TenantTable>::id_prefix()
            }
            fn get(
                db: &impl $crate::Db,
                org: &$crate::OrgId,
                id: &str,
            ) -> impl Future<Output = $crate::Result<Option<Self>>> + Send {
                get(db, org, id)
            }
            fn get_for_update(
                w: &$crate::Write,
                id: &str,
            ) -> impl Future<Output = $crate::Result<Option<Self>>> + Send {
                get_for_update(w, id)
            }
            fn insert(
                w: &$crate::Write,
                record: Self,
            ) -> impl Future<Output = $crate::Result<Self>> + Send {
                insert(w, record)
            }
            fn save(
                w: &$crate::Write,
                record: Self,
            ) -> impl Future<Output = $crate::Result<Self>> + Send {
                save(w, record)
            }
            fn insert_statement(
                db: &sea_orm::DatabaseConnection,
                org: &$crate::OrgId,
                mut record: Self,
            ) -> impl Future<Output = $crate::Result<$crate::tenant::Prepared<Self>>> + Send {
                use sea_orm::{
                    ActiveModelBehavior as _, EntityTrait as _, IntoActiveModel as _,
                    QueryTrait as _, TryIntoModel as _,
                };
                record.organization_id = org.as_str().to_owned();
                async move {
                    // What an ActiveModel insert runs first: the entity's own rules
                    // (derived columns such as team members' `email_key`).
                    let model = record.into_active_model().before_save(db, true).await?;
                    let statement =
                        Entity::insert(model.clone()).build(sea_orm::DbBackend::Postgres);
                    Ok(Ok((model.try_into_model()?, statement)))
                }
            }
            fn delete(
                w: &$crate::Write,
                id: &str,
            ) -> impl Future<Output = $crate::Result<Option<Self>>> + Send {
                delete(w, id)
            }
        }
    };
}

/// A record ready to be inserted by one statement, or the record given back (see
/// [`Record::insert_statement`]).
pub type Prepared<R> = std::result::Result<(R, sea_orm::Statement), R>;

/// A tenant record as the services' generic drivers see it (implemented by [`tenant_repo!`]
/// for a table's `Model`, by hand for a record that spans tables). Every function is pinned
/// to an organization: the one given, or the write's.
pub trait Record: Clone + Send + Sync + Sized + 'static {
    fn id(&self) -> &str;
    /// The type prefix of the record's ids (`cus`), which a list cursor must carry.
    fn id_prefix() -> &'static str;
    fn get(
        db: &impl crate::Db,
        org: &OrgId,
        id: &str,
    ) -> impl Future<Output = crate::Result<Option<Self>>> + Send;
    /// Reads and, on PostgreSQL, locks the record until the write commits.
    fn get_for_update(
        w: &crate::Write,
        id: &str,
    ) -> impl Future<Output = crate::Result<Option<Self>>> + Send;
    fn insert(w: &crate::Write, record: Self) -> impl Future<Output = crate::Result<Self>> + Send;
    /// The PostgreSQL INSERT of a new record in `org`, and the record as it will be stored
    /// (in `org`, its derived columns set), for [`crate::Store::create`] to run as part of
    /// one statement; `Err(record)` for a record that one INSERT cannot store.
    fn insert_statement(
        _db: &sea_orm::DatabaseConnection,
        _org: &OrgId,
        record: Self,
    ) -> impl Future<Output = crate::Result<Prepared<Self>>> + Send {
        async move { Ok(Err(record)) }
    }
    /// Writes the record back, stamped `updated_at` now.
    fn save(w: &crate::Write, record: Self) -> impl Future<Output = crate::Result<Self>> + Send;
    /// Deletes the record; returns it, or `None` if it does not exist in the organization.
    fn delete(
        w: &crate::Write,
        id: &str,
    ) -> impl Future<Output = crate::Result<Option<Self>>> + Send;
}
