//! Team members: `asteri.v1.TeamMembersService` (`/team_members`, `read:team` / `write:team`).
//!
//! Rules:
//! - `name` is required, at most 200 characters.
//! - `email` is required and must be a valid address (see [`crate::convert::valid_email`]).
//! - `role` is free-form, at most 64 characters. A member created without one (empty or
//!   blank) gets [`DEFAULT_ROLE`]; a PATCH cannot blank it (422 `role: ["is required"]`).
//! - `active` is true when absent. Inactive members stay on record but cannot be assigned.
//! - A member who is assigned to any appointment (in any state) cannot be deleted: 409
//!   `conflict`. Deactivate it instead, so that appointments keep their crew on record.
//!
//! Events: `team_member.created`, `team_member.updated`. A deletion is audited
//! (`team_member.delete`) without an event, as section 8 of the contract names none.

use chrono::Utc;
use proto::v1::{
    CreateTeamMemberRequest, DeleteTeamMemberRequest, GetTeamMemberRequest, ListTeamMembersRequest,
    ListTeamMembersResponse, TeamMember, UpdateTeamMemberRequest,
    team_members_service_server::TeamMembersService,
};
use storage::{
    Store, appointments,
    ids::new_id,
    team_members::{self as repo, ID_PREFIX, TeamMemberFilter},
};
use tonic::{Request, Response, Status};

use crate::{
    auth::context,
    convert::{Check, from_timestamp, next_cursor, page_query, timestamp},
    error::{ServiceError, ServiceResult, Violations},
    record::record,
};

const RESOURCE: &str = "team_member";
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
    email: &str,
    role: &str,
) {
    let mut check = Check(v);
    if present("name") {
        check.required("name", name);
        check.text("name", name, 200);
    }
    if present("email") {
        if email.trim().is_empty() {
            check.0.add("email", "is required");
        } else {
            check.email("email", email.trim());
        }
    }
    if present("role") {
        check.required("role", role);
        check.text("role", role, 64);
    }
}

impl TeamMembers {
    async fn create(&self, r: Request<CreateTeamMemberRequest>) -> ServiceResult<TeamMember> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let role = req.role.trim();
        let role = if role.is_empty() { DEFAULT_ROLE } else { role };
        let mut v = Violations::default();
        check_fields(&mut v, &|_| true, &req.name, &req.email, role);
        v.into_result()?;
        let now = Utc::now();
        let row = repo::TeamMember {
            id: new_id(ID_PREFIX),
            organization_id: String::new(),
            name: req.name.trim().to_owned(),
            email: req.email.trim().to_owned(),
            role: role.to_owned(),
            active: req.active.unwrap_or(true),
            created_at: now,
            updated_at: now,
        };
        let mut w = self.store.write(ctx.write_context()?).await?;
        let created = repo::insert(&w, row).await?;
        let message = team_member_message(&created);
        record(
            &mut w,
            "team_member.create",
            RESOURCE,
            &created.id,
            None,
            Some(&message),
            Some("team_member.created"),
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }

    async fn update(&self, r: Request<UpdateTeamMemberRequest>) -> ServiceResult<TeamMember> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let paths: Vec<String> = req.update_mask.map(|m| m.paths).unwrap_or_default();
        let mut v = Violations::default();
        for p in &paths {
            if !UPDATABLE.contains(&p.as_str()) {
                v.add(
                    "update_mask",
                    format!("{p} is not a field that can be changed"),
                );
            }
        }
        let present = |f: &str| paths.iter().any(|p| p == f);
        check_fields(&mut v, &present, &req.name, &req.email, &req.role);
        v.into_result()?;
        if paths.is_empty() {
            // Nothing to change: answer with the current object, as a no-op PATCH should.
            let current = repo::get(&self.store, ctx.org()?, &req.id).await?;
            return current
                .map(|m| team_member_message(&m))
                .ok_or_else(|| ServiceError::not_found(RESOURCE, &req.id));
        }
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, &req.id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &req.id))?;
        let mut after = before.clone();
        if present("name") {
            after.name = req.name.trim().to_owned();
        }
        if present("email") {
            after.email = req.email.trim().to_owned();
        }
        if present("role") {
            after.role = req.role.trim().to_owned();
        }
        if present("active") {
            after.active = req.active;
        }
        after.updated_at = Utc::now();
        let after = repo::save(&w, after).await?;
        let message = team_member_message(&after);
        record(
            &mut w,
            "team_member.update",
            RESOURCE,
            &req.id,
            Some(&team_member_message(&before)),
            Some(&message),
            Some("team_member.updated"),
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }

    async fn delete(&self, r: Request<DeleteTeamMemberRequest>) -> ServiceResult<()> {
        let ctx = context(&r)?;
        let id = r.into_inner().id;
        let mut w = self.store.write(ctx.write_context()?).await?;
        // An assignment that races this deletion fails on the foreign key of
        // `appointment_assignments` instead of keeping a deleted member.
        if repo::get_for_update(&w, &id).await?.is_none() {
            return Err(ServiceError::not_found(RESOURCE, &id));
        }
        if appointments::has_assignments(&w, w.org(), &id).await? {
            return Err(ServiceError::conflict(
                "conflict",
                format!(
                    "team member {id} is assigned to appointments and cannot be deleted; \
                     deactivate it instead (\"active\": false)"
                ),
            ));
        }
        let deleted = repo::delete(&w, &id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &id))?;
        record(
            &mut w,
            "team_member.delete",
            RESOURCE,
            &id,
            Some(&team_member_message(&deleted)),
            None,
            None,
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}

#[tonic::async_trait]
impl TeamMembersService for TeamMembers {
    async fn create_team_member(
        &self,
        r: Request<CreateTeamMemberRequest>,
    ) -> Result<Response<TeamMember>, Status> {
        Ok(Response::new(self.create(r).await?))
    }

    async fn get_team_member(
        &self,
        r: Request<GetTeamMemberRequest>,
    ) -> Result<Response<TeamMember>, Status> {
        let ctx = context(&r)?;
        let id = &r.get_ref().id;
        let found = repo::get(&self.store, ctx.org()?, id)
            .await
            .map_err(ServiceError::from)?;
        let member = found.ok_or_else(|| ServiceError::not_found(RESOURCE, id))?;
        Ok(Response::new(team_member_message(&member)))
    }

    async fn list_team_members(
        &self,
        r: Request<ListTeamMembersRequest>,
    ) -> Result<Response<ListTeamMembersResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let query = page_query(req.limit, &req.cursor, ID_PREFIX)?;
        let filter = TeamMemberFilter {
            active: req.active,
            updated_since: from_timestamp("updated_since", req.updated_since)?,
        };
        let page = repo::list(&self.store, ctx.org()?, &filter, &query)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(ListTeamMembersResponse {
            next_cursor: next_cursor(&page, |m| &m.id),
            has_more: page.has_more,
            data: page.items.iter().map(team_member_message).collect(),
        }))
    }

    async fn update_team_member(
        &self,
        r: Request<UpdateTeamMemberRequest>,
    ) -> Result<Response<TeamMember>, Status> {
        Ok(Response::new(self.update(r).await?))
    }

    async fn delete_team_member(
        &self,
        r: Request<DeleteTeamMemberRequest>,
    ) -> Result<Response<()>, Status> {
        self.delete(r).await?;
        Ok(Response::new(()))
    }
}
