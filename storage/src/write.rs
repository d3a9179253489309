//! The unit of work of every tenant write: one transaction that holds the change, its audit
//! record and its outbox event, so that all three commit together or not at all.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, DatabaseTransaction, IntoActiveModel, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use serde_json::Value as Json;

use crate::{Db, OrgId, Result, StorageError, Store, entities, ids::new_id};

/// Who made a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorKind {
    ApiKey,
    User,
    InternalService,
    Operator,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiKey => "api_key",
            Self::User => "user",
            Self::InternalService => "internal_service",
            Self::Operator => "operator",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: String,
}

#[derive(Clone, Debug)]
pub struct WriteContext {
    pub org: OrgId,
    pub actor: Actor,
    pub request_id: String,
}

/// One audited change, and the event it raises, if any.
#[derive(Clone, Debug)]
pub struct Change<'a> {
    /// `customer.update`
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: &'a str,
    pub before: Option<Json>,
    pub after: Option<Json>,
    /// `("customer.updated", data)`: written to the outbox in the same transaction.
    pub event: Option<(&'a str, Json)>,
}

/// An open write transaction pinned to one organization.
///
/// Dropping it without [`Write::commit`] rolls everything back. Committing one that recorded
/// no [`Change`] is refused: an unaudited write is a bug, not a choice.
pub struct Write {
    tx: DatabaseTransaction,
    ctx: WriteContext,
    audited: bool,
    store: Store,
    /// Deliveries this write queued: handed to the worker (or it is woken) once it commits.
    queued: Vec<crate::webhooks::queue::Ready>,
    handoff: Option<crate::webhooks::queue::Handoff>,
}

impl Db for Write {
    type Conn = DatabaseTransaction;
    fn conn(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

impl Store {
    pub async fn write(&self, ctx: WriteContext) -> Result<Write> {
        // IMMEDIATE takes SQLite's write lock up front; a deferred transaction that reads first
        // and upgrades later fails with SQLITE_BUSY instead of waiting. Ignored by PostgreSQL.
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let tx = self.conn().begin_with_options(options).await?;
        Ok(Write {
            tx,
            ctx,
            audited: false,
            store: self.clone(),
            queued: Vec::new(),
            handoff: self.handoff(),
        })
    }
}

impl Write {
    pub fn org(&self) -> &OrgId {
        &self.ctx.org
    }

    pub fn context(&self) -> &WriteContext {
        &self.ctx
    }

    /// Records the audit entry of a change and, when it raises one, its event.
    /// Returns the event id.
    pub async fn record(&mut self, change: Change<'_>) -> Result<Option<String>> {
        let now = Utc::now();
        let audit = entities::audit_events::Model {
            id: new_id("aud"),
            organization_id: self.ctx.org.as_str().to_owned(),
            actor_type: self.ctx.actor.kind.as_str().to_owned(),
            actor_id: self.ctx.actor.id.clone(),
            action: change.action.to_owned(),
            resource_type: change.resource_type.to_owned(),
            resource_id: change.resource_id.to_owned(),
            before: change.before,
            after: change.after,
            request_id: self.ctx.request_id.clone(),
            created_at: now,
        };
        audit.into_active_model().insert(&self.tx).await?;
        self.audited = true;
        let Some((event_type, data)) = change.event else {
            return Ok(None);
        };
        // Objects that belong to a customer carry `customer_id`: index the event under it.
        let data_customer_id = data
            .get("customer_id")
            .and_then(|v| v.as_str())
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        let event = entities::events::Model {
            id: new_id("evt"),
            organization_id: self.ctx.org.as_str().to_owned(),
            event_type: event_type.to_owned(),
            data,
            request_id: self.ctx.request_id.clone(),
            created_at: now,
            customer_id: data_customer_id,
        };
        let id = event.id.clone();
        let event = event.into_active_model().insert(&self.tx).await?;
        // The dispatcher: the event's deliveries commit with it, or not at all.
        let ready =
            crate::webhooks::queue::fan_out(&self.tx, &self.ctx.org, &event, self.handoff.as_ref())
                .await?;
        self.queued.extend(ready);
        Ok(Some(id))
    }

    pub async fn commit(self) -> Result<()> {
        if !self.audited {
            self.tx.rollback().await?;
            return Err(StorageError::Unaudited);
        }
        self.tx.commit().await?;
        if !self.queued.is_empty() {
            crate::webhooks::queue::hand_off(&self.store, self.handoff, self.queued).await;
        }
        Ok(())
    }
}
