//! Appointments: `asteri.v1.AppointmentsService` (`/appointments`, `read:appointments`,
//! `write:appointments`, `delete:appointments`).
//!
//! Rules:
//! - A new appointment is `scheduled`. It names a customer of the organization
//!   (422 `customer_id: ["no such customer"]` otherwise), a schedule whose end is after its
//!   start, active catalog services (at most 50, none repeated; none is fine) and, optionally,
//!   a crew of active team members (at most 50).
//! - The status moves only through `/start`, `/complete` and `/cancel`; `/assign` replaces
//!   the crew. The rules of every move are in [`lifecycle`]; illegal ones are 409
//!   `invalid_state_transition`. Each action locks the appointment's row first.
//! - PATCH changes `scheduled_start`, `scheduled_end`, `service_ids`, `address` and `notes`,
//!   and `assigned_team_member_ids` (deprecated: `/assign` supersedes it) by the rules of
//!   `/assign`. Schedule, services and address change only while the appointment is open
//!   (scheduled or in progress); notes change in any state. Services already on the
//!   appointment may stay when they have since been deactivated; added ones must be active.
//! - DELETE removes an appointment in any state.
//!
//! Events: `appointment.scheduled` (create), `.assigned` (`/assign`, and a PATCH that changes
//! the crew), `.started`, `.completed`, `.canceled`. PATCH and DELETE are audited
//! (`appointment.update`, `appointment.delete`) without an event of their own.

pub mod fields;
pub mod lifecycle;

use chrono::{DateTime, Utc};
use proto::v1::{
    self, Address, AppointmentStatus, AssignAppointmentRequest, CancelAppointmentRequest,
    CompleteAppointmentRequest, CreateAppointmentRequest, DeleteAppointmentRequest,
    GetAppointmentRequest, ListAppointmentsRequest, ListAppointmentsResponse,
    StartAppointmentRequest, UpdateAppointmentRequest,
    appointments_service_server::AppointmentsService,
};
use storage::{
    AddressRecord, Page, Store, StringList, Write,
    appointments::{self as repo, AppointmentFilter, AppointmentRow, ID_PREFIX},
    customers,
    ids::{looks_like, new_id},
    team_members,
};
use tonic::{Request, Response, Status};

use self::{
    fields::{MAX_CREW, MAX_NOTES, MAX_SERVICES},
    lifecycle::{Action, Status as AppointmentState},
};
use crate::{
    auth::{RequestContext, context},
    convert::{Check, from_timestamp, timestamp, timestamp_opt},
    customers::{address_message, address_record, check_address},
    error::{ServiceError, ServiceResult, Violations},
    record::record,
    resource::{self, Mask, Patch, Resource},
};

const RESOURCE: &str = "appointment";
const CREW: &str = "assigned_team_member_ids";
const UPDATABLE: &[&str] = &[
    "scheduled_start",
    "scheduled_end",
    "service_ids",
    "address",
    "notes",
    CREW,
];
/// The fields a PATCH may change only while the appointment is open ([`Action::Edit`]).
const EDIT_FIELDS: &[&str] = &["scheduled_start", "scheduled_end", "service_ids", "address"];

#[derive(Clone)]
pub struct Appointments {
    store: Store,
}

impl Appointments {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

pub fn appointment_message(a: &repo::Appointment) -> v1::Appointment {
    let row = &a.row;
    let status = AppointmentState::parse(&row.status)
        .map_or(AppointmentStatus::Unspecified, AppointmentState::to_proto);
    v1::Appointment {
        id: row.id.clone(),
        customer_id: row.customer_id.clone(),
        service_ids: row.service_ids.0.clone(),
        scheduled_start: Some(timestamp(row.scheduled_start)),
        scheduled_end: Some(timestamp(row.scheduled_end)),
        assigned_team_member_ids: a.team_member_ids.clone(),
        address: row.address.as_ref().map(address_message),
        status: status as i32,
        notes: row.notes.clone(),
        completed_at: timestamp_opt(row.completed_at),
        canceled_at: timestamp_opt(row.canceled_at),
        started_at: timestamp_opt(row.started_at),
        created_at: Some(timestamp(row.created_at)),
        updated_at: Some(timestamp(row.updated_at)),
    }
}

/// The stored address; an address whose fields are all empty is no address.
fn stored_address(a: Option<Address>) -> Option<AddressRecord> {
    a.map(address_record)
        .filter(|a| *a != AddressRecord::default())
}

/// Shape checks of the fields a create or a PATCH sets (`present`), before any lookup.
fn check_shapes(
    v: &mut Violations,
    present: &dyn Fn(&str) -> bool,
    service_ids: &[String],
    crew: &[String],
    address: Option<&Address>,
    notes: &str,
) {
    if present("service_ids") {
        fields::check_id_list(v, "service_ids", service_ids, MAX_SERVICES);
    }
    if present(CREW) {
        fields::check_id_list(v, CREW, crew, MAX_CREW);
    }
    let mut check = Check(v);
    if let Some(a) = address.filter(|_| present("address")) {
        check_address(&mut check, "address", a);
    }
    if present("notes") {
        check.text("notes", notes, MAX_NOTES);
    }
}

/// A time of a PATCH: `None` outside the mask (ignored, as every field outside it); required
/// inside it.
fn patched_time(
    v: &mut Violations,
    present: &dyn Fn(&str) -> bool,
    field: &str,
    t: Option<prost_types::Timestamp>,
) -> ServiceResult<Option<DateTime<Utc>>> {
    if !present(field) {
        return Ok(None);
    }
    let t = from_timestamp(field, t)?;
    if t.is_none() {
        v.add(field, "is required");
    }
    Ok(t)
}

/// What each action records: its audit action and its event (section 8 names none for an
/// edit).
const fn names(action: Action) -> (&'static str, Option<&'static str>) {
    match action {
        Action::Start => ("appointment.start", Some("appointment.started")),
        Action::Complete => ("appointment.complete", Some("appointment.completed")),
        Action::Cancel => ("appointment.cancel", Some("appointment.canceled")),
        Action::Assign => ("appointment.assign", Some("appointment.assigned")),
        Action::Edit => ("appointment.update", None),
    }
}

impl Resource for Appointments {
    type Record = repo::Appointment;
    type Message = v1::Appointment;
    const NAME: &'static str = "appointment";
    const UPDATABLE: &'static [&'static str] = UPDATABLE;
    const CHANGED_ELSEWHERE: &'static [(&'static str, &'static str)] = &[(
        "status",
        "changes only through /start, /complete and /cancel",
    )];
    const CREATED: Option<&'static str> = Some("appointment.scheduled");
    const UPDATED: Option<&'static str> = names(Action::Edit).1;
    const DELETED: Option<&'static str> = None;

    fn render(record: &repo::Appointment) -> v1::Appointment {
        appointment_message(record)
    }

    /// A PATCH that changes the crew raises the event of `/assign`.
    fn updated_event(
        before: &repo::Appointment,
        after: &repo::Appointment,
    ) -> Option<&'static str> {
        if before.team_member_ids == after.team_member_ids {
            Self::UPDATED
        } else {
            names(Action::Assign).1
        }
    }
}

// The PATCH's `assigned_team_member_ids` is deprecated in favour of `/assign` (the proto says
// why) but works for all of v1: this is the one place that still reads it.
#[allow(deprecated)]
impl Patch<Appointments> for UpdateAppointmentRequest {
    fn check(&mut self, mask: &Mask, v: &mut Violations) -> ServiceResult<()> {
        let present = |f: &str| mask.has(f);
        patched_time(v, &present, "scheduled_start", self.scheduled_start)?;
        patched_time(v, &present, "scheduled_end", self.scheduled_end)?;
        check_shapes(
            v,
            &present,
            &self.service_ids,
            &self.assigned_team_member_ids,
            self.address.as_ref(),
            &self.notes,
        );
        Ok(())
    }

    async fn apply(self, w: &Write, mask: &Mask, a: &mut repo::Appointment) -> ServiceResult<()> {
        let state = AppointmentState::of(&a.row)?;
        if mask
            .paths()
            .iter()
            .any(|p| EDIT_FIELDS.contains(&p.as_str()))
        {
            lifecycle::transition(state, Action::Edit)?;
        }
        if mask.has(CREW) {
            lifecycle::transition(state, Action::Assign)?;
        }
        let row = &mut a.row;
        let mut v = Violations::default();
        // Checked by `check`: a time in the mask is there and valid.
        let present = |f: &str| mask.has(f);
        if let Some(start) =
            patched_time(&mut v, &present, "scheduled_start", self.scheduled_start)?
        {
            row.scheduled_start = start;
        }
        if let Some(end) = patched_time(&mut v, &present, "scheduled_end", self.scheduled_end)? {
            row.scheduled_end = end;
        }
        fields::check_order(&mut v, row.scheduled_start, row.scheduled_end);
        if mask.has("service_ids") {
            let kept = row.service_ids.0.clone();
            fields::check_services(w, &mut v, &self.service_ids, &kept).await?;
            row.service_ids = StringList(self.service_ids);
        }
        let crew_changed = mask.has(CREW) && self.assigned_team_member_ids != a.team_member_ids;
        if crew_changed {
            fields::check_crew(w, &mut v, CREW, &self.assigned_team_member_ids).await?;
        }
        v.into_result()?;
        if mask.has("address") {
            a.row.address = stored_address(self.address);
        }
        if mask.has("notes") {
            a.row.notes = self.notes;
        }
        if crew_changed {
            repo::set_team_members(w, &a.row.id, &self.assigned_team_member_ids).await?;
            a.team_member_ids = self.assigned_team_member_ids;
        }
        Ok(())
    }
}

impl Appointments {
    async fn create(&self, r: Request<CreateAppointmentRequest>) -> ServiceResult<v1::Appointment> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let start = from_timestamp("scheduled_start", req.scheduled_start)?;
        let end = from_timestamp("scheduled_end", req.scheduled_end)?;
        let mut v = Violations::default();
        Check(&mut v).required("customer_id", &req.customer_id);
        let schedule = fields::check_schedule(&mut v, start, end);
        check_shapes(
            &mut v,
            &|_| true,
            &req.service_ids,
            &req.assigned_team_member_ids,
            req.address.as_ref(),
            &req.notes,
        );
        let Some((start, end)) = schedule else {
            return Err(ServiceError::Validation(v));
        };
        v.into_result()?;

        let w = self.store.write(ctx.write_context()?).await?;
        let mut v = Violations::default();
        fields::check_customer(&w, &mut v, &req.customer_id).await?;
        fields::check_services(&w, &mut v, &req.service_ids, &[]).await?;
        fields::check_crew(&w, &mut v, CREW, &req.assigned_team_member_ids).await?;
        v.into_result()?;
        let now = Utc::now();
        let row = AppointmentRow {
            id: new_id(ID_PREFIX),
            organization_id: String::new(),
            customer_id: req.customer_id,
            scheduled_start: start,
            scheduled_end: end,
            status: AppointmentState::Scheduled.as_str().to_owned(),
            address: stored_address(req.address),
            notes: req.notes,
            service_ids: StringList(req.service_ids),
            started_at: None,
            completed_at: None,
            canceled_at: None,
            created_at: now,
            updated_at: now,
        };
        let new = repo::Appointment {
            row,
            team_member_ids: req.assigned_team_member_ids,
        };
        resource::insert::<Self>(w, new).await
    }

    /// `/start`, `/complete`, `/cancel`: one move of the life cycle, under the row lock.
    async fn act(
        &self,
        ctx: RequestContext,
        id: &str,
        action: Action,
    ) -> ServiceResult<v1::Appointment> {
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, id))?;
        let mut row = before.row.clone();
        let now = Utc::now();
        lifecycle::apply(&mut row, action, now)?;
        let after = repo::Appointment {
            row: repo::save_at(&w, row, now).await?,
            team_member_ids: before.team_member_ids.clone(),
        };
        let message = appointment_message(&after);
        let (audit_action, event) = names(action);
        record(
            &mut w,
            audit_action,
            RESOURCE,
            id,
            Some(&appointment_message(&before)),
            Some(&message),
            event,
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }

    /// `/assign`: replaces the crew, under the row lock.
    async fn assign(&self, r: Request<AssignAppointmentRequest>) -> ServiceResult<v1::Appointment> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let field = "team_member_ids";
        let mut v = Violations::default();
        fields::check_id_list(&mut v, field, &req.team_member_ids, MAX_CREW);
        v.into_result()?;
        let mut w = self.store.write(ctx.write_context()?).await?;
        let before = repo::get_for_update(&w, &req.id)
            .await?
            .ok_or_else(|| ServiceError::not_found(RESOURCE, &req.id))?;
        let mut row = before.row.clone();
        let now = Utc::now();
        lifecycle::apply(&mut row, Action::Assign, now)?;
        let mut v = Violations::default();
        fields::check_crew(&w, &mut v, field, &req.team_member_ids).await?;
        v.into_result()?;
        repo::set_team_members(&w, &req.id, &req.team_member_ids).await?;
        let after = repo::Appointment {
            row: repo::save_at(&w, row, now).await?,
            team_member_ids: req.team_member_ids,
        };
        let message = appointment_message(&after);
        let (audit_action, event) = names(Action::Assign);
        record(
            &mut w,
            audit_action,
            RESOURCE,
            &req.id,
            Some(&appointment_message(&before)),
            Some(&message),
            event,
        )
        .await?;
        w.commit().await?;
        Ok(message)
    }
}

#[tonic::async_trait]
impl AppointmentsService for Appointments {
    async fn create_appointment(
        &self,
        r: Request<CreateAppointmentRequest>,
    ) -> Result<Response<v1::Appointment>, Status> {
        Ok(Response::new(self.create(r).await?))
    }

    async fn get_appointment(
        &self,
        r: Request<GetAppointmentRequest>,
    ) -> Result<Response<v1::Appointment>, Status> {
        resource::get::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }

    async fn list_appointments(
        &self,
        r: Request<ListAppointmentsRequest>,
    ) -> Result<Response<ListAppointmentsResponse>, Status> {
        let store = &self.store;
        resource::list::<Self, _, _, _, _>(r, |req, org, query| async move {
            let status = AppointmentStatus::try_from(req.status)
                .map_err(|_| ServiceError::malformed("status", "is not an appointment status"))?;
            let filter = AppointmentFilter {
                customer_id: req.customer_id.filter(|s| !s.is_empty()),
                status: AppointmentState::from_proto(status).map(|s| s.as_str().to_owned()),
                updated_since: from_timestamp("updated_since", req.updated_since)?,
                scheduled_after: from_timestamp("scheduled_after", req.scheduled_after)?,
                scheduled_before: from_timestamp("scheduled_before", req.scheduled_before)?,
                team_member_id: req.team_member_id.filter(|s| !s.is_empty()),
            };
            // A customer or team member id of the wrong shape matches nothing: no query needed.
            let shaped =
                |id: &Option<String>, prefix| id.as_ref().is_none_or(|id| looks_like(id, prefix));
            if !shaped(&filter.customer_id, customers::ID_PREFIX)
                || !shaped(&filter.team_member_id, team_members::ID_PREFIX)
            {
                return Ok(Page {
                    items: Vec::new(),
                    has_more: false,
                });
            }
            Ok(repo::list(store, &org, &filter, &query).await?)
        })
        .await
    }

    async fn update_appointment(
        &self,
        r: Request<UpdateAppointmentRequest>,
    ) -> Result<Response<v1::Appointment>, Status> {
        resource::update::<Self, _>(&self.store, r).await
    }

    async fn delete_appointment(
        &self,
        r: Request<DeleteAppointmentRequest>,
    ) -> Result<Response<()>, Status> {
        resource::delete::<Self, _>(&self.store, &r, &r.get_ref().id).await
    }

    async fn start_appointment(
        &self,
        r: Request<StartAppointmentRequest>,
    ) -> Result<Response<v1::Appointment>, Status> {
        let ctx = context(&r)?;
        Ok(Response::new(
            self.act(ctx, &r.get_ref().id, Action::Start).await?,
        ))
    }

    async fn complete_appointment(
        &self,
        r: Request<CompleteAppointmentRequest>,
    ) -> Result<Response<v1::Appointment>, Status> {
        let ctx = context(&r)?;
        Ok(Response::new(
            self.act(ctx, &r.get_ref().id, Action::Complete).await?,
        ))
    }

    async fn cancel_appointment(
        &self,
        r: Request<CancelAppointmentRequest>,
    ) -> Result<Response<v1::Appointment>, Status> {
        let ctx = context(&r)?;
        Ok(Response::new(
            self.act(ctx, &r.get_ref().id, Action::Cancel).await?,
        ))
    }

    async fn assign_appointment(
        &self,
        r: Request<AssignAppointmentRequest>,
    ) -> Result<Response<v1::Appointment>, Status> {
        Ok(Response::new(self.assign(r).await?))
    }
}
