//! The life cycles of estimates, invoices and payments, in one place. Each is a table of
//! legal moves `(action, from, to)`; every status change of the billing services goes
//! through [`Lifecycle::apply`], and anything not in a table is a 409
//! `invalid_state_transition` whose message names the current and the attempted state.
//!
//! - estimate: draft -send-> sent -approve-> approved | sent -decline-> declined;
//!   approved -convert-> converted. Updates and deletes only in draft.
//! - invoice: draft -finalize-> open; draft | open | overdue -void-> void;
//!   open | overdue -pay-> paid (payments only); paid -reopen-> open (refunds only).
//!   `overdue` is never stored: it is an open invoice past its due date (see
//!   [`InvoiceStatus::effective`]). Updates and deletes only in draft.
//! - payment: created pending or succeeded; pending -succeed-> succeeded,
//!   pending -fail-> failed; succeeded -refund-> succeeded (in part) or refunded (in full).

use proto::v1;

use crate::error::{ServiceError, ServiceResult};

pub const INVALID_TRANSITION: &str = "invalid_state_transition";
pub const INVALID_STATE: &str = "invalid_state";

/// A status of one life cycle.
pub trait Status: Copy + Eq + std::fmt::Debug + 'static {
    fn as_str(self) -> &'static str;
}

/// An action of one life cycle.
pub trait Action: Copy + Eq + std::fmt::Debug + 'static {
    /// The action as the route names it (`send`, `refund`).
    fn verb(self) -> &'static str;
}

/// A life cycle: its resource name and its table of legal moves.
pub trait Lifecycle {
    type S: Status;
    type A: Action;
    const RESOURCE: &'static str;
    const MOVES: &'static [(Self::A, Self::S, Self::S)];

    /// The status `action` leads to from `from`, if the move is legal.
    fn target(from: Self::S, action: Self::A) -> Option<Self::S> {
        Self::MOVES
            .iter()
            .find(|(a, f, _)| *a == action && *f == from)
            .map(|(_, _, to)| *to)
    }

    /// The status after `action`, or the 409 that refuses it.
    fn apply(from: Self::S, action: Self::A) -> ServiceResult<Self::S> {
        Self::target(from, action).ok_or_else(|| {
            let rows = Self::MOVES.iter().filter(|(a, _, _)| a.verb() == action.verb());
            let mut froms: Vec<&str> = Vec::new();
            let mut tos: Vec<&str> = Vec::new();
            for (_, f, t) in rows {
                for (list, s) in [(&mut froms, f.as_str()), (&mut tos, t.as_str())] {
                    if !list.contains(&s) {
                        list.push(s);
                    }
                }
            }
            let attempted = Self::MOVES
                .iter()
                .find(|(a, _, _)| *a == action)
                .map_or("?", |(_, _, t)| t.as_str());
            ServiceError::conflict(
                INVALID_TRANSITION,
                format!(
                    "cannot {verb} this {resource}: it is {current} (attempted {current} -> {attempted}); {verb} moves {resource}s from {froms} to {tos}",
                    verb = action.verb(),
                    resource = Self::RESOURCE,
                    current = from.as_str(),
                    froms = or_list(&froms),
                    tos = or_list(&tos),
                ),
            )
        })
    }

    /// Updates and deletes are for drafts only: the 409 for anything else.
    fn require_draft(current: Self::S, draft: Self::S, operation: &str) -> ServiceResult<()> {
        if current == draft {
            return Ok(());
        }
        Err(ServiceError::conflict(
            INVALID_STATE,
            format!(
                "cannot {operation} this {resource}: it is {current}, and only a draft {resource} can be {operation}d",
                resource = Self::RESOURCE,
                current = current.as_str(),
            ),
        ))
    }
}

fn or_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A status enum of ours, stored and rendered by its lowercase name, with its proto twin
/// (prost names the variants alike, without the enum's prefix).
macro_rules! status_enum {
    ($name:ident, $proto:ident, { $($variant:ident = $text:literal),+ $(,)? }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and JSON) name.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }

            pub fn to_proto(self) -> v1::$proto {
                match self {
                    $(Self::$variant => v1::$proto::$variant,)+
                }
            }

            /// `None` for the unspecified value (and for numbers the proto does not know).
            pub fn from_proto(n: i32) -> Option<Self> {
                let p = v1::$proto::try_from(n).ok()?;
                Self::ALL.iter().copied().find(|s| s.to_proto() == p)
            }

            /// A list's `status` filter: the unspecified value means any status, a number
            /// the proto does not know is a malformed parameter.
            pub fn filter(n: i32) -> ServiceResult<Option<Self>> {
                match n {
                    0 => Ok(None),
                    n => Self::from_proto(n)
                        .map(Some)
                        .ok_or_else(|| ServiceError::malformed("status", "is not a known status")),
                }
            }
        }

        impl Status for $name {
            fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }
    };
}

status_enum!(EstimateStatus, EstimateStatus, {
    Draft = "draft",
    Sent = "sent",
    Approved = "approved",
    Declined = "declined",
    Converted = "converted",
});

status_enum!(InvoiceStatus, InvoiceStatus, {
    Draft = "draft",
    Open = "open",
    Paid = "paid",
    Void = "void",
    Overdue = "overdue",
});

status_enum!(PaymentStatus, PaymentStatus, {
    Pending = "pending",
    Succeeded = "succeeded",
    Failed = "failed",
    Refunded = "refunded",
});

status_enum!(PaymentMethod, PaymentMethod, {
    Card = "card",
    Ach = "ach",
    Cash = "cash",
    Check = "check",
    Other = "other",
});

status_enum!(ExportStatus, AccountingExportStatus, {
    NotExported = "not_exported",
    Pending = "pending",
    Exported = "exported",
    Failed = "failed",
});

impl InvoiceStatus {
    /// The status an invoice shows: its stored status, except that an open invoice whose due
    /// date (`YYYY-MM-DD`) is before `today` is overdue. `None` for an unknown stored value.
    pub fn effective(stored: &str, due_date: Option<&str>, today: &str) -> Option<Self> {
        match Self::parse(stored)? {
            Self::Open if due_date.is_some_and(|d| d < today) => Some(Self::Overdue),
            s => Some(s),
        }
    }

    /// The value to store: `overdue` is derived, so it is stored as `open`.
    pub fn stored(self) -> &'static str {
        match self {
            Self::Overdue => Self::Open.as_str(),
            s => s.as_str(),
        }
    }

    /// Whether payments may be recorded against an invoice in this status.
    pub fn accepts_payments(self) -> bool {
        Invoices::target(self, InvoiceAction::Pay).is_some()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EstimateAction {
    Send,
    Approve,
    Decline,
    Convert,
}

impl Action for EstimateAction {
    fn verb(self) -> &'static str {
        match self {
            Self::Send => "send",
            Self::Approve => "approve",
            Self::Decline => "decline",
            Self::Convert => "convert",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceAction {
    Finalize,
    Void,
    /// The amount due reached zero through payments.
    Pay,
    /// A refund made a paid invoice owe money again.
    Reopen,
}

impl Action for InvoiceAction {
    fn verb(self) -> &'static str {
        match self {
            Self::Finalize => "finalize",
            Self::Void => "void",
            Self::Pay => "pay",
            Self::Reopen => "reopen",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentAction {
    Succeed,
    Fail,
    /// A refund that leaves part of the payment unrefunded.
    RefundPart,
    /// A refund of everything not yet refunded.
    RefundAll,
}

impl Action for PaymentAction {
    fn verb(self) -> &'static str {
        match self {
            Self::Succeed => "succeed",
            Self::Fail => "fail",
            Self::RefundPart | Self::RefundAll => "refund",
        }
    }
}

pub struct Estimates;

impl Lifecycle for Estimates {
    type S = EstimateStatus;
    type A = EstimateAction;
    const RESOURCE: &'static str = "estimate";
    const MOVES: &'static [(EstimateAction, EstimateStatus, EstimateStatus)] = &[
        (
            EstimateAction::Send,
            EstimateStatus::Draft,
            EstimateStatus::Sent,
        ),
        (
            EstimateAction::Approve,
            EstimateStatus::Sent,
            EstimateStatus::Approved,
        ),
        (
            EstimateAction::Decline,
            EstimateStatus::Sent,
            EstimateStatus::Declined,
        ),
        (
            EstimateAction::Convert,
            EstimateStatus::Approved,
            EstimateStatus::Converted,
        ),
    ];
}

pub struct Invoices;

impl Lifecycle for Invoices {
    type S = InvoiceStatus;
    type A = InvoiceAction;
    const RESOURCE: &'static str = "invoice";
    const MOVES: &'static [(InvoiceAction, InvoiceStatus, InvoiceStatus)] = &[
        (
            InvoiceAction::Finalize,
            InvoiceStatus::Draft,
            InvoiceStatus::Open,
        ),
        (
            InvoiceAction::Void,
            InvoiceStatus::Draft,
            InvoiceStatus::Void,
        ),
        (
            InvoiceAction::Void,
            InvoiceStatus::Open,
            InvoiceStatus::Void,
        ),
        (
            InvoiceAction::Void,
            InvoiceStatus::Overdue,
            InvoiceStatus::Void,
        ),
        (InvoiceAction::Pay, InvoiceStatus::Open, InvoiceStatus::Paid),
        (
            InvoiceAction::Pay,
            InvoiceStatus::Overdue,
            InvoiceStatus::Paid,
        ),
        (
            InvoiceAction::Reopen,
            InvoiceStatus::Paid,
            InvoiceStatus::Open,
        ),
    ];
}

pub struct Payments;

impl Lifecycle for Payments {
    type S = PaymentStatus;
    type A = PaymentAction;
    const RESOURCE: &'static str = "payment";
    const MOVES: &'static [(PaymentAction, PaymentStatus, PaymentStatus)] = &[
        (
            PaymentAction::Succeed,
            PaymentStatus::Pending,
            PaymentStatus::Succeeded,
        ),
        (
            PaymentAction::Fail,
            PaymentStatus::Pending,
            PaymentStatus::Failed,
        ),
        (
            PaymentAction::RefundPart,
            PaymentStatus::Succeeded,
            PaymentStatus::Succeeded,
        ),
        (
            PaymentAction::RefundAll,
            PaymentStatus::Succeeded,
            PaymentStatus::Refunded,
        ),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (status, action) pair: legal exactly when listed, and then to the listed target.
    fn exhaustive<L: Lifecycle>(all: &[L::S], actions: &[L::A], legal: &[(L::A, L::S, L::S)]) {
        for &from in all {
            for &action in actions {
                let expected = legal
                    .iter()
                    .find(|(a, f, _)| *a == action && *f == from)
                    .map(|(_, _, t)| *t);
                match (L::apply(from, action), expected) {
                    (Ok(to), Some(e)) => assert_eq!(to, e, "{from:?} {action:?}"),
                    (Err(ServiceError::Conflict { reason, message }), None) => {
                        assert_eq!(reason, INVALID_TRANSITION);
                        assert!(message.contains(from.as_str()), "{message}");
                        assert!(message.contains(action.verb()), "{message}");
                    }
                    (got, want) => panic!("{from:?} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn estimate_moves() {
        use EstimateAction::*;
        use EstimateStatus::*;
        exhaustive::<Estimates>(
            EstimateStatus::ALL,
            &[Send, Approve, Decline, Convert],
            &[
                (Send, Draft, Sent),
                (Approve, Sent, Approved),
                (Decline, Sent, Declined),
                (Convert, Approved, Converted),
            ],
        );
        let err = Estimates::apply(Approved, Send).unwrap_err().to_string();
        assert!(err.contains("it is approved"), "{err}");
        assert!(err.contains("approved -> sent"), "{err}");
        assert_eq!(
            err,
            "cannot send this estimate: it is approved (attempted approved -> sent); send moves estimates from draft to sent"
        );
    }

    #[test]
    fn invoice_moves() {
        use InvoiceAction::*;
        use InvoiceStatus::*;
        exhaustive::<Invoices>(
            InvoiceStatus::ALL,
            &[Finalize, InvoiceAction::Void, Pay, Reopen],
            &[
                (Finalize, Draft, Open),
                (InvoiceAction::Void, Draft, InvoiceStatus::Void),
                (InvoiceAction::Void, Open, InvoiceStatus::Void),
                (InvoiceAction::Void, Overdue, InvoiceStatus::Void),
                (Pay, Open, Paid),
                (Pay, Overdue, Paid),
                (Reopen, Paid, Open),
            ],
        );
        assert!(Open.accepts_payments() && Overdue.accepts_payments());
        assert!(!Draft.accepts_payments() && !Paid.accepts_payments());
        assert!(!InvoiceStatus::Void.accepts_payments());
    }

    #[test]
    fn payment_moves() {
        use PaymentAction::*;
        use PaymentStatus::*;
        exhaustive::<Payments>(
            PaymentStatus::ALL,
            &[Succeed, Fail, RefundPart, RefundAll],
            &[
                (Succeed, Pending, Succeeded),
                (Fail, Pending, Failed),
                (RefundPart, Succeeded, Succeeded),
                (RefundAll, Succeeded, Refunded),
            ],
        );
    }

    #[test]
    fn overdue_is_derived_from_open_and_the_due_date() {
        let today = "2026-11-22";
        let eff = |s, d| InvoiceStatus::effective(s, d, today);
        assert_eq!(
            eff("open", Some("2026-11-21")),
            Some(InvoiceStatus::Overdue)
        );
        assert_eq!(eff("open", Some("2026-11-22")), Some(InvoiceStatus::Open));
        assert_eq!(eff("open", None), Some(InvoiceStatus::Open));
        assert_eq!(eff("paid", Some("2000-01-01")), Some(InvoiceStatus::Paid));
        assert_eq!(eff("draft", Some("2000-01-01")), Some(InvoiceStatus::Draft));
        assert_eq!(eff("weird", None), None);
        assert_eq!(InvoiceStatus::Overdue.stored(), "open");
    }

    #[test]
    fn proto_round_trip() {
        for s in PaymentStatus::ALL {
            let n = s.to_proto() as i32;
            assert_eq!(PaymentStatus::from_proto(n), Some(*s));
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(PaymentStatus::from_proto(0), None);
        assert_eq!(PaymentStatus::from_proto(99), None);
        for s in ExportStatus::ALL {
            assert_eq!(ExportStatus::from_proto(s.to_proto() as i32), Some(*s));
        }
    }

    #[test]
    fn draft_only_operations() {
        assert!(
            Estimates::require_draft(EstimateStatus::Draft, EstimateStatus::Draft, "update")
                .is_ok()
        );
        match Invoices::require_draft(InvoiceStatus::Paid, InvoiceStatus::Draft, "delete") {
            Err(ServiceError::Conflict { reason, message }) => {
                assert_eq!(reason, INVALID_STATE);
                assert!(message.contains("it is paid"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
