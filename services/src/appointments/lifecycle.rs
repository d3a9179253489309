//! The appointment life cycle, in one place.
//!
//! ```text
//! scheduled --start--> in_progress --complete--> completed
//!     |                     |
//!     +------cancel---------+------------------> canceled
//! ```
//!
//! Two more actions keep the state but need an open appointment (scheduled or in progress):
//! `assign` (replace the crew) and `edit` (change the schedule, the services or the address;
//! the notes can change in any state). Every other combination of state and action is 409
//! `invalid_state_transition`, with a message naming the action and the current state, such
//! as "cannot complete an appointment that is canceled".

use chrono::{DateTime, Utc};
use proto::v1::AppointmentStatus;
use storage::appointments::AppointmentRow;

use crate::error::ServiceError;

pub const INVALID_STATE_TRANSITION: &str = "invalid_state_transition";

/// Where an appointment is in its life cycle, as stored and as rendered in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Scheduled,
    InProgress,
    Completed,
    Canceled,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Scheduled,
        Status::InProgress,
        Status::Completed,
        Status::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Canceled => "canceled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    pub fn to_proto(self) -> AppointmentStatus {
        match self {
            Self::Scheduled => AppointmentStatus::Scheduled,
            Self::InProgress => AppointmentStatus::InProgress,
            Self::Completed => AppointmentStatus::Completed,
            Self::Canceled => AppointmentStatus::Canceled,
        }
    }

    /// `None` for the unspecified value.
    pub fn from_proto(status: AppointmentStatus) -> Option<Self> {
        match status {
            AppointmentStatus::Unspecified => None,
            AppointmentStatus::Scheduled => Some(Self::Scheduled),
            AppointmentStatus::InProgress => Some(Self::InProgress),
            AppointmentStatus::Completed => Some(Self::Completed),
            AppointmentStatus::Canceled => Some(Self::Canceled),
        }
    }

    /// The status of a stored row; an unknown value is corrupt data (500, logged).
    pub fn of(row: &AppointmentRow) -> Result<Self, ServiceError> {
        Self::parse(&row.status).ok_or_else(|| {
            ServiceError::Storage(storage::StorageError::Invalid(format!(
                "appointment {} has the unknown status '{}'",
                row.id, row.status
            )))
        })
    }
}

/// What a caller asks of an appointment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Start,
    Complete,
    Cancel,
    Assign,
    Edit,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Start,
        Action::Complete,
        Action::Cancel,
        Action::Assign,
        Action::Edit,
    ];

    fn verb(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Complete => "complete",
            Self::Cancel => "cancel",
            Self::Assign => "assign",
            Self::Edit => "reschedule or change the services or address of",
        }
    }
}

/// The state after `action`, or the 409 that refuses it.
pub fn transition(from: Status, action: Action) -> Result<Status, ServiceError> {
    use Action::*;
    use Status::*;
    match (from, action) {
        (Scheduled, Start) => Ok(InProgress),
        (InProgress, Complete) => Ok(Completed),
        (Scheduled | InProgress, Cancel) => Ok(Canceled),
        (Scheduled | InProgress, Assign | Edit) => Ok(from),
        _ => Err(ServiceError::conflict(
            INVALID_STATE_TRANSITION,
            format!(
                "cannot {} an appointment that is {}",
                action.verb(),
                from.as_str()
            ),
        )),
    }
}

/// Applies `action` to `row`: checks the move, sets the status and the time stamp of the
/// state entered (`started_at`, `completed_at`, `canceled_at`); storage's `save_at` stamps
/// `updated_at` with the same `now`.
pub fn apply(
    row: &mut AppointmentRow,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let to = transition(Status::of(row)?, action)?;
    row.status = to.as_str().to_owned();
    match action {
        Action::Start => row.started_at = Some(now),
        Action::Complete => row.completed_at = Some(now),
        Action::Cancel => row.canceled_at = Some(now),
        Action::Assign | Action::Edit => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_and_action() {
        use Action::*;
        use Status::*;
        let expected = |from, action| match (from, action) {
            (Scheduled, Start) => Some(InProgress),
            (InProgress, Complete) => Some(Completed),
            (Scheduled | InProgress, Cancel) => Some(Canceled),
            (Scheduled | InProgress, Assign | Edit) => Some(from),
            _ => None,
        };
        for from in Status::ALL {
            for action in Action::ALL {
                match (transition(from, action), expected(from, action)) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from:?} {action:?}"),
                    (Err(ServiceError::Conflict { reason, message }), None) => {
                        assert_eq!(reason, INVALID_STATE_TRANSITION);
                        assert!(message.ends_with(from.as_str()), "{message}");
                    }
                    (got, want) => panic!("{from:?} {action:?}: {got:?}, expected {want:?}"),
                }
            }
        }
        let err = transition(Canceled, Complete).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot complete an appointment that is canceled"
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(Status::from_proto(s.to_proto()), Some(s));
        }
        assert_eq!(Status::parse("done"), None);
        assert_eq!(Status::from_proto(AppointmentStatus::Unspecified), None);
    }
}
