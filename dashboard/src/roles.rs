//! What each role may do (CONTRACT section 10), decided here and nowhere else. Handlers ask
//! before they call a service; pages ask too, only to hide what would be refused.

use proto::v1::UserRole;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Owner,
    Admin,
    Developer,
    Viewer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Create, revoke and roll API keys.
    ManageKeys,
    /// Create, change, test and rotate webhook endpoints; replay and recover deliveries.
    ManageWebhooks,
    /// See request and response bodies in the request history.
    ReadBodies,
    /// Register and change the organization's apps; uninstall apps installed in it.
    ManageApps,
}

impl Role {
    pub fn from_proto(role: i32) -> Option<Self> {
        match UserRole::try_from(role).ok()? {
            UserRole::Owner => Some(Self::Owner),
            UserRole::Admin => Some(Self::Admin),
            UserRole::Developer => Some(Self::Developer),
            UserRole::Viewer => Some(Self::Viewer),
            UserRole::Unspecified => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Developer => "developer",
            Self::Viewer => "viewer",
        }
    }

    /// Owners and admins do everything; developers manage keys, webhooks and apps and read
    /// bodies; viewers only read, never a body.
    pub fn may(self, permission: Permission) -> bool {
        match permission {
            Permission::ManageKeys
            | Permission::ManageWebhooks
            | Permission::ReadBodies
            | Permission::ManageApps => !matches!(self, Self::Viewer),
        }
    }

    /// Why a role is refused, for the 403 page.
    pub fn refusal(self, permission: Permission) -> String {
        let what = match permission {
            Permission::ManageKeys => "create, revoke or roll API keys",
            Permission::ManageWebhooks => "change webhook endpoints",
            Permission::ReadBodies => "see request and response bodies",
            Permission::ManageApps => "register, change or uninstall apps",
        };
        format!("Your role ({}) does not allow you to {what}.", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_only_read_and_everyone_else_manages() {
        for role in [Role::Owner, Role::Admin, Role::Developer] {
            assert!(role.may(Permission::ManageKeys));
            assert!(role.may(Permission::ManageWebhooks));
            assert!(role.may(Permission::ReadBodies));
        }
        assert!(!Role::Viewer.may(Permission::ManageKeys));
        assert!(!Role::Viewer.may(Permission::ManageWebhooks));
        assert!(!Role::Viewer.may(Permission::ReadBodies));
        assert_eq!(
            Role::from_proto(UserRole::Viewer as i32),
            Some(Role::Viewer)
        );
        assert_eq!(Role::from_proto(0), None);
    }
}
