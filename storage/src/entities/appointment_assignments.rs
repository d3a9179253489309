use sea_orm::entity::prelude::*;

/// One team member assigned to one appointment; `position` keeps the order the caller gave.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointment_assignments")]
pub struct Model {
    pub organization_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub appointment_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_member_id: String,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The rows of this join table are keyed by their appointment: scoped queries filter on the
/// organization first, and `id_column` is the appointment's id.
impl crate::tenant::TenantTable for Entity {
    fn organization_column() -> Self::Column {
        Column::OrganizationId
    }
    fn id_column() -> Self::Column {
        Column::AppointmentId
    }
    fn id_prefix() -> &'static str {
        crate::appointments::ID_PREFIX
    }
}
