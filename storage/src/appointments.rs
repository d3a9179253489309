//! Appointments and their crew. The appointment row and its assignment rows (one per assigned
//! team member, in `appointment_assignments`) are read and written together: an
//! [`Appointment`] always carries its assigned team members. The life cycle rules live in
//! the services; this module stores what they decide.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};

pub use crate::entities::appointments::Model as AppointmentRow;
use crate::{
    Db, OrgId, Page, PageQuery, Record, Result, Write,
    entities::{
        appointment_assignments as assignments,
        appointments::{Column, Entity},
    },
    tenant::{page, scoped, scoped_delete},
};

pub const ID_PREFIX: &str = "apt";

/// The standard tenant functions over the appointment rows alone.
#[expect(
    dead_code,
    reason = "find_many: an appointment is always read with its crew"
)]
mod rows {
    use crate::entities::appointments::{Column, Entity, Model};

    crate::tenant_repo!();
}

/// An appointment and the team members assigned to it, in the order they were given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appointment {
    pub row: AppointmentRow,
    pub team_member_ids: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct AppointmentFilter {
    pub customer_id: Option<String>,
    pub status: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    /// On `scheduled_start`, inclusive.
    pub scheduled_after: Option<DateTime<Utc>>,
    /// On `scheduled_start`, exclusive.
    pub scheduled_before: Option<DateTime<Utc>>,
    /// Only appointments this team member is assigned to (an indexed join-table lookup).
    pub team_member_id: Option<String>,
}

/// The crews of the given appointments, each in assignment order.
async fn crews(db: &impl Db, org: &OrgId, ids: &[&str]) -> Result<HashMap<String, Vec<String>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = scoped::<assignments::Entity>(org)
        .filter(assignments::Column::AppointmentId.is_in(ids.iter().copied()))
        .order_by_asc(assignments::Column::Position)
        .all(db.conn())
        .await?;
    let mut crews: HashMap<String, Vec<String>> = HashMap::new();
    for r in rows {
        crews
            .entry(r.appointment_id)
            .or_default()
            .push(r.team_member_id);
    }
    Ok(crews)
}

async fn with_crew(
    db: &impl Db,
    org: &OrgId,
    row: Option<AppointmentRow>,
) -> Result<Option<Appointment>> {
    let Some(row) = row else { return Ok(None) };
    let mut crews = crews(db, org, &[row.id.as_str()]).await?;
    Ok(Some(Appointment {
        team_member_ids: crews.remove(&row.id).unwrap_or_default(),
        row,
    }))
}

pub async fn get(db: &impl Db, org: &OrgId, id: &str) -> Result<Option<Appointment>> {
    let row = rows::get(db, org, id).await?;
    with_crew(db, org, row).await
}

/// Reads an appointment and, on PostgreSQL, locks its row until the write commits: every
/// change of an appointment (its crew included) takes this lock first.
pub async fn get_for_update(w: &Write, id: &str) -> Result<Option<Appointment>> {
    let row = rows::get_for_update(w, id).await?;
    with_crew(w, w.org(), row).await
}

pub async fn insert(
    w: &Write,
    row: AppointmentRow,
    team_member_ids: Vec<String>,
) -> Result<Appointment> {
    let row = rows::insert(w, row).await?;
    insert_crew(w, &row.id, &team_member_ids).await?;
    Ok(Appointment {
        row,
        team_member_ids,
    })
}

/// Writes every column of the appointment row (its crew is left as it is), stamped
/// `updated_at` = `at`, the time of the move that changed it.
pub async fn save_at(w: &Write, row: AppointmentRow, at: DateTime<Utc>) -> Result<AppointmentRow> {
    rows::save_at(w, row, at).await
}

/// Replaces the crew of appointment `id`, which the caller has read with [`get_for_update`].
pub async fn set_team_members(w: &Write, id: &str, team_member_ids: &[String]) -> Result<()> {
    scoped_delete::<assignments::Entity>(w.org())
        .filter(assignments::Column::AppointmentId.eq(id))
        .exec(w.conn())
        .await?;
    insert_crew(w, id, team_member_ids).await
}

async fn insert_crew(w: &Write, id: &str, team_member_ids: &[String]) -> Result<()> {
    let models = team_member_ids
        .iter()
        .enumerate()
        .map(|(i, tm)| assignments::ActiveModel {
            organization_id: sea_orm::Set(w.org().as_str().to_owned()),
            appointment_id: sea_orm::Set(id.to_owned()),
            team_member_id: sea_orm::Set(tm.clone()),
            position: sea_orm::Set(i32::try_from(i).unwrap_or(i32::MAX)),
        });
    assignments::Entity::insert_many(models)
        .exec_without_returning(w.conn())
        .await?;
    Ok(())
}

/// Deletes an appointment and its crew; returns it, or `None` if it does not exist in this
/// organization.
pub async fn delete(w: &Write, id: &str) -> Result<Option<Appointment>> {
    let Some(existing) = get(w, w.org(), id).await? else {
        return Ok(None);
    };
    scoped_delete::<assignments::Entity>(w.org())
        .filter(assignments::Column::AppointmentId.eq(id))
        .exec(w.conn())
        .await?;
    rows::delete(w, id).await?;
    Ok(Some(existing))
}

pub async fn list(
    db: &impl Db,
    org: &OrgId,
    filter: &AppointmentFilter,
    q: &PageQuery,
) -> Result<Page<Appointment>> {
    let mut select = scoped::<Entity>(org);
    if let Some(customer) = &filter.customer_id {
        select = select.filter(Column::CustomerId.eq(customer.as_str()));
    }
    if let Some(status) = &filter.status {
        select = select.filter(Column::Status.eq(status.as_str()));
    }
    if let Some(since) = filter.updated_since {
        select = select.filter(Column::UpdatedAt.gte(since));
    }
    if let Some(after) = filter.scheduled_after {
        select = select.filter(Column::ScheduledStart.gte(after));
    }
    if let Some(before) = filter.scheduled_before {
        select = select.filter(Column::ScheduledStart.lt(before));
    }
    if let Some(member) = &filter.team_member_id {
        let assigned = scoped::<assignments::Entity>(org)
            .select_only()
            .column(assignments::Column::AppointmentId)
            .filter(assignments::Column::TeamMemberId.eq(member.as_str()))
            .into_query();
        select = select.filter(Column::Id.in_subquery(assigned));
    }
    let found = page(db.conn(), select, q).await?;
    let ids: Vec<&str> = found.items.iter().map(|r| r.id.as_str()).collect();
    let mut crews = crews(db, org, &ids).await?;
    Ok(found.map(|row| Appointment {
        team_member_ids: crews.remove(&row.id).unwrap_or_default(),
        row,
    }))
}

/// Whether the team member is assigned to any appointment of the organization.
pub async fn has_assignments(db: &impl Db, org: &OrgId, team_member_id: &str) -> Result<bool> {
    let found = scoped::<assignments::Entity>(org)
        .filter(assignments::Column::TeamMemberId.eq(team_member_id))
        .one(db.conn())
        .await?;
    Ok(found.is_some())
}

/// The appointment with its crew, for the services' generic drivers. `save` writes the row
/// only: the crew changes through [`set_team_members`].
impl Record for Appointment {
    fn id(&self) -> &str {
        &self.row.id
    }
    fn id_prefix() -> &'static str {
        ID_PREFIX
    }
    fn get(
        db: &impl Db,
        org: &OrgId,
        id: &str,
    ) -> impl Future<Output = Result<Option<Self>>> + Send {
        get(db, org, id)
    }
    fn get_for_update(w: &Write, id: &str) -> impl Future<Output = Result<Option<Self>>> + Send {
        get_for_update(w, id)
    }
    async fn insert(w: &Write, record: Self) -> Result<Self> {
        insert(w, record.row, record.team_member_ids).await
    }
    async fn save(w: &Write, record: Self) -> Result<Self> {
        Ok(Self {
            row: rows::save(w, record.row).await?,
            team_member_ids: record.team_member_ids,
        })
    }
    fn delete(w: &Write, id: &str) -> impl Future<Output = Result<Option<Self>>> + Send {
        delete(w, id)
    }
}
