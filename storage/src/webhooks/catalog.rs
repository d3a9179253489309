//! The event types of the contract (section 8) and how a subscription names them: an exact
//! type (`invoice.paid`), a group (`invoices.*`: a scope category followed by `.*`) or `*`.

/// Every event type the platform emits.
pub const EVENT_TYPES: &[&str] = &[
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "appointment.scheduled",
    "appointment.assigned",
    "appointment.started",
    "appointment.completed",
    "appointment.canceled",
    "estimate.created",
    "estimate.sent",
    "estimate.approved",
    "estimate.declined",
    "estimate.converted",
    "invoice.created",
    "invoice.finalized",
    "invoice.paid",
    "invoice.voided",
    "payment.succeeded",
    "payment.failed",
    "payment.refunded",
    "service.created",
    "service.updated",
    "service.deleted",
    "team_member.created",
    "team_member.updated",
    "file.created",
    "file.processed",
    "file.deleted",
    "app.installed",
    "app.uninstalled",
    TEST_EVENT,
];

/// Sent by `POST /webhook_endpoints/{id}/test` to that endpoint only.
pub const TEST_EVENT: &str = "webhook.test";

/// Groups: the scope category of section 3, and the prefix of the types it covers.
pub const GROUPS: &[(&str, &str)] = &[
    ("customers", "customer."),
    ("appointments", "appointment."),
    ("estimates", "estimate."),
    ("invoices", "invoice."),
    ("payments", "payment."),
    ("services", "service."),
    ("files", "file."),
    ("team", "team_member."),
    ("apps", "app."),
    ("webhooks", "webhook."),
];

/// Whether `subscription` names something: `*`, a group or an exact type.
pub fn is_known(subscription: &str) -> bool {
    subscription == "*"
        || group_prefix(subscription).is_some()
        || EVENT_TYPES.contains(&subscription)
}

fn group_prefix(subscription: &str) -> Option<&'static str> {
    let category = subscription.strip_suffix(".*")?;
    GROUPS
        .iter()
        .find(|(name, _)| *name == category)
        .map(|(_, prefix)| *prefix)
}

/// Whether a subscription list covers `event_type`.
pub fn subscribes(subscriptions: &[String], event_type: &str) -> bool {
    subscriptions.iter().any(|s| {
        s == "*"
            || s == event_type
            || group_prefix(s).is_some_and(|prefix| event_type.starts_with(prefix))
    })
}

/// Every subscription that covers `event_type`: `*`, the type itself and its group (an
/// endpoint subscribes to the type exactly when its list holds one of these). The write's
/// one statement on PostgreSQL filters endpoints with it; `subscribes` is its twin in Rust.
pub fn covering(event_type: &str) -> Vec<String> {
    let mut all = vec!["*".to_owned(), event_type.to_owned()];
    all.extend(
        GROUPS
            .iter()
            .filter(|(_, prefix)| event_type.starts_with(prefix))
            .map(|(name, _)| format!("{name}.*")),
    );
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covering_agrees_with_subscribes() {
        let known = std::iter::once("*".to_owned())
            .chain(GROUPS.iter().map(|(name, _)| format!("{name}.*")))
            .chain(EVENT_TYPES.iter().map(|t| (*t).to_owned()));
        for subscription in known {
            for event_type in EVENT_TYPES {
                assert_eq!(
                    subscribes(std::slice::from_ref(&subscription), event_type),
                    covering(event_type).contains(&subscription),
                    "{subscription} / {event_type}"
                );
            }
        }
    }

    #[test]
    fn subscriptions() {
        let subs = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(subscribes(&subs(&["*"]), "invoice.paid"));
        assert!(subscribes(&subs(&["invoices.*"]), "invoice.paid"));
        assert!(!subscribes(&subs(&["invoices.*"]), "payment.succeeded"));
        assert!(subscribes(&subs(&["team.*"]), "team_member.created"));
        assert!(subscribes(&subs(&["invoice.paid"]), "invoice.paid"));
        assert!(!subscribes(&subs(&["invoice.paid"]), "invoice.voided"));
        // `service.` must not match `services.*`'s neighbours by accident.
        assert!(!subscribes(&subs(&["services.*"]), "customer.created"));
        for known in ["*", "customers.*", "team.*", "invoice.paid", "webhook.test"] {
            assert!(is_known(known), "{known}");
        }
        for unknown in ["invoice.*", "invoices", "nope.*", "invoice.eaten", "", "**"] {
            assert!(!is_known(unknown), "{unknown}");
        }
        // Every type belongs to exactly one group.
        for t in EVENT_TYPES {
            let groups = GROUPS.iter().filter(|(_, p)| t.starts_with(p)).count();
            assert_eq!(groups, 1, "{t}");
        }
    }
}
