//! Customers: identity, contact points and tags.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};

pub use crate::entities::customers::Model as Customer;
use crate::{
    AddressList, AddressRecord, Db, OrgId, Page, PageQuery, Result, StringList, Write,
    entities::customers::{self, Column, Entity},
    ids::new_id,
    tenant::{find, page, scoped, scoped_delete},
};

pub const ID_PREFIX: &str = "cus";

#[derive(Clone, Debug, Default)]
pub struct NewCustomer {
    pub name: String,
    pub company: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub addresses: Vec<AddressRecord>,
    pub tags: Vec<String>,
    pub notes: String,
}

/// The fields to change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct CustomerPatch {
    pub name: Option<String>,
    pub company: Option<String>,
    pub emails: Option<Vec<String>>,
    pub phones: Option<Vec<String>>,
    pub addresses: Option<Vec<AddressRecord>>,
    pub tags: Option<Vec<String>>,
    pub notes: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct CustomerFilter {
    pub updated_since: Option<DateTime<Utc>>,
}

pub async fn get(db: &impl Db, org: &OrgId, id: &str) -> Result<Option<Customer>> {
    Ok(find::<Entity, _>(db.conn(), org, id).await?)
}

pub async fn list(
    db: &impl Db,
    org: &OrgId,
    filter: &CustomerFilter,
    q: &PageQuery,
) -> Result<Page<Customer>> {
    let mut select = scoped::<Entity>(org);
    if let Some(since) = filter.updated_since {
        select = select.filter(Column::UpdatedAt.gte(since));
    }
    Ok(page(db.conn(), select, q).await?)
}

pub async fn insert(w: &Write, new: NewCustomer) -> Result<Customer> {
    let now = Utc::now();
    let model = customers::Model {
        id: new_id(ID_PREFIX),
        organization_id: w.org().as_str().to_owned(),
        name: new.name,
        company: new.company,
        emails: StringList(new.emails),
        phones: StringList(new.phones),
        addresses: AddressList(new.addresses),
        tags: StringList(new.tags),
        notes: new.notes,
        created_at: now,
        updated_at: now,
    };
    Ok(model.into_active_model().insert(w.conn()).await?)
}

/// Applies `patch`; returns the customer before and after, or `None` if it does not exist
/// in this organization.
pub async fn update(
    w: &Write,
    id: &str,
    patch: CustomerPatch,
) -> Result<Option<(Customer, Customer)>> {
    let Some(before) = find::<Entity, _>(w.conn(), w.org(), id).await? else {
        return Ok(None);
    };
    let mut active = before.clone().into_active_model();
    if let Some(v) = patch.name {
        active.name = Set(v);
    }
    if let Some(v) = patch.company {
        active.company = Set(v);
    }
    if let Some(v) = patch.emails {
        active.emails = Set(StringList(v));
    }
    if let Some(v) = patch.phones {
        active.phones = Set(StringList(v));
    }
    if let Some(v) = patch.addresses {
        active.addresses = Set(AddressList(v));
    }
    if let Some(v) = patch.tags {
        active.tags = Set(StringList(v));
    }
    if let Some(v) = patch.notes {
        active.notes = Set(v);
    }
    active.updated_at = Set(Utc::now());
    let after = active.update(w.conn()).await?;
    Ok(Some((before, after)))
}

/// Deletes a customer; returns it, or `None` if it does not exist in this organization.
pub async fn delete(w: &Write, id: &str) -> Result<Option<Customer>> {
    let Some(existing) = find::<Entity, _>(w.conn(), w.org(), id).await? else {
        return Ok(None);
    };
    scoped_delete::<Entity>(w.org())
        .filter(Column::Id.eq(id))
        .exec(w.conn())
        .await?;
    Ok(Some(existing))
}
