//! Team members: `asteri.v1.TeamMembersService` (`/team_members`, `read:team` / `write:team`).
//!
//! Rules:
//! - `name` is required, at most 200 characters.
//! - `email` is required and must be a valid address, stored normalised (see
//!   [`crate::email::normalize`]). Two members of an organization cannot share an address,
//!   compared without regard to case: the second is 409 `conflict` (a unique index in storage).
//! - `role` is free-form, at most 64 characters. A member created without one (empty or
//!   blank) gets [`DEFAULT_ROLE`]; a PATCH cannot blank it (422 `role: ["is required"]`).
//! - `active` is true when absent. Inactive members stay on record but cannot be assigned.
//! - A member who is assigned to any appointment (in any state) cannot be deleted: 409
//!   `conflict`. Deactivate it instead, so that appointments keep their crew on record.
//!
//! Events: `team_member.created`, `team_member.updated`. A deletion is audited
//! (`team_member.delete`) without an event, as section 8 of the contract names none.

use proto::v1::{
    CreateTeamMemberRequest, DeleteTeamMemberRequest, GetTeamMemberRequest, ListTeamMembersRequest,
    ListTeamMembersResponse, TeamMember, UpdateTeamMemberRequest,
    team_members_service_server::TeamMembersService,
};
use storage::{
    Store, Write, appointments,
    ids::new_id,
    team_members::{self as repo, ID_PREFIX, TeamMemberFilter},
};
use tonic::{Request, Response, Status};

use crate::{
    auth::context,
    convert::{Check, from_timestamp, timestamp},
    error::{ServiceError, ServiceResult, Violations},
    resource::{self, Mask, Patch, Resource},
};

/// The role of a member created without one.
pub const DEFAULT_ROLE: &str = "technician";
const UPDATABLE: &[&str] = &["name", "email", "role", "active"];

#[derive(Clone)]
pub struct TeamMembers {
    store: Store,
}

impl TeamMembers {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

pub fn team_member_message(m: &repo::TeamMember) -> TeamMember {
    TeamMember {
        id: m.id.clone(),
        name: m.name.clone(),
        email: m.email.clone(),
        role: m.role.clone(),
        active: m.active,
        created_at: Some(timestamp(m.created_at)),
        updated_at: Some(timestamp(m.updated_at)),
    }
}

/// Field rules shared by create and update; `present` says which fields the request sets.
/// On create, `role` is the role after the default applied.
fn check_fields(
    v: &mut Violations,
    present: &dyn Fn(&str) -> bool,
    name: &str,
    email: &mut String,
    role: &str,
) {
    let mut check = Check(v);
    if present("name") {
        check.required("name", name);
        check.text("name", name, 200);
    }
    if present("email") {
        check.email("email", email);
    }
    if present("role") {
        check.required("role", role);
        check.text("role", role, 64);
    }
}

impl Resource for TeamMembers {
    type Record = repo::TeamMember;
    type Message = TeamMember;
    const NAME: &'static str = "team_member";
    const UPDATABLE: &'static [&'static str] = UPDATABLE;
    const CREATED: Option<&'static str> = Some("team_member.created");
    const UPDATED: Option<&'static str> = Some("team_member.updated");
    const DELETED: Option<&'static str> = None;

    fn render(record: &repo::TeamMember) -> TeamMember {
        team_member_message(record)
    }

    async fn deletable(w: &Write, member: &repo::TeamMember) -> ServiceResult<()> {
        // The member's row is locked: an assignment that races this deletion fails on the
        // foreign key of `appointment_assignments` instead of keeping a deleted member.
        if appointments::has_assignments(w, w.org(), &member.id).await? {
            return Err(ServiceError::conflict(
                "conflict",
                format!(
                    "team member {} is assigned to appointments and cannot be deleted; \
                     deactivate it instead (\"active\": false)",
                    member.id
                ),
            ));
        }
        Ok(())
    }
}

impl Patch<TeamMembers> for UpdateTeamMemberRequest {
    fn check(&mut self, mask: &Mask, v: &mut Violations) -> ServiceResult<()> {
        check_fields(v, &|f| mask.has(f), &self.name, &mut self.email, &self.role);
        Ok(())
    }

    async fn apply(self, _w: &Write, mask: &Mask, m: &mut repo::TeamMember) -> ServiceResult<()> {
        if mask.has("name") {
            m.name = self.name.trim().to_owned();
        }
        if mask.has("email") {
            m.email = self.email;
        }
        if mask.has("role") {
            m.role = self.role.trim().to_owned();
        }
        if mask.has("active") {
            m.active = self.active;
        }
        Ok(())
    }
}

#[tonic::async_trait]
impl TeamMembersService for TeamMembers {
    async fn create_team_member(
        &self,
        r: Request<CreateTeamMemberRequest>,
    ) -> Result<Response<TeamMember>, Status> {
        let ctx = context(&r)?;
        let mut req = r.into_inner();
        let role = req.role.trim().to_owned();
        let role = if role.is_empty() { DEFAULT_ROLE } else { &role };
        let mut v = Violations::default();
        check_fields(&mut v, &|_| true, &req.name, &mut req.email, role);
        v.into_result()?;
        let now = storage::now();
        let new = repo::TeamMember {
            id: new_id(ID_PREFIX),
            organization_id: String::new(),
            name: req.name.trim().to_owned(),
            email: req.email,
            // Derived from `email` by storage on every write.
            email_key: String::new(),
            role: role.to_owned(),
            active: req.active.unwrap_or(true),
            created_at: now,
            updated_at: now,
        };
        let created = resource::create::<Self>(&self.store, &ctx, new).await?;
        Ok(Response::new(created))
    }

    async fn get_team_member(
        &self,
        r: Request<GetTeamMemberRequest>,
    ) -> Result<Response<TeamMember>, Status> {
        resource::get::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }

    async fn list_team_members(
        &self,
        r: Request<ListTeamMembersRequest>,
    ) -> Result<Response<ListTeamMembersResponse>, Status> {
        let store = &self.store;
        resource::list::<Self, _, _, _, _>(r, |req, org, query| async move {
            let filter = TeamMemberFilter {
                active: req.active,
                updated_since: from_timestamp("updated_since", req.updated_since)?,
            };
            Ok(repo::list(store, &org, &filter, &query).await?)
        })
        .await
    }

    async fn update_team_member(
        &self,
        r: Request<UpdateTeamMemberRequest>,
    ) -> Result<Response<TeamMember>, Status> {
        resource::update::<Self, _>(&self.store, r).await
    }

    async fn delete_team_member(
        &self,
        r: Request<DeleteTeamMemberRequest>,
    ) -> Result<Response<()>, Status> {
        resource::delete::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }
}
