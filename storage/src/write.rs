//! The unit of work of every tenant write: one transaction that holds the change, its audit
//! record and its outbox event, so that all three commit together or not at all.

use chrono::SubsecRound as _;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait as _, DatabaseTransaction, DbBackend, FromQueryResult as _,
    IntoActiveModel, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use serde_json::Value as Json;

use crate::webhooks::queue::{self, Handoff, Subscribed};
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
    /// The W3C `traceparent` of the request that writes, kept with the events it raises so
    /// that their webhook deliveries link back to the request's trace.
    pub trace_parent: Option<String>,
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
    /// This process's worker (if it has one), looked up once, at the write's first event:
    /// most writes have none and pay nothing for it, and every delivery of a write is
    /// claimed for the same worker.
    handoff: Option<Option<crate::webhooks::queue::Handoff>>,
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
            handoff: None,
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

    /// Records the audit entry of a change and, when it raises one, its event and the event's
    /// deliveries. Returns the event id.
    pub async fn record(&mut self, change: Change<'_>) -> Result<Option<String>> {
        // Microseconds, what PostgreSQL keeps: the event handed to a worker is then exactly
        // the event as it is read back (and rendered by `GET /events/{id}`).
        let now = Utc::now().trunc_subsecs(6);
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
        let Some((event_type, data)) = change.event else {
            audit.into_active_model().insert(&self.tx).await?;
            self.audited = true;
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
            trace_parent: self.ctx.trace_parent.clone(),
        };
        let handoff = self
            .handoff
            .get_or_insert_with(|| self.store.handoff())
            .clone();
        let subscribed = self
            .insert_with_event(audit, &event, handoff.as_ref())
            .await?;
        self.audited = true;
        // The dispatcher: the event's deliveries commit with it, or not at all.
        let ready = crate::webhooks::queue::fan_out(
            &self.tx,
            &self.ctx.org,
            &event,
            subscribed,
            handoff.as_ref(),
        )
        .await?;
        self.queued.extend(ready);
        Ok(Some(event.id))
    }

    /// Inserts the audit record and the event, and finds the organization's enabled
    /// webhook endpoints subscribed to it. On PostgreSQL that is one round trip that also
    /// inserts the first deliveries (data-modifying CTEs): every write with an event pays
    /// it, and a round trip costs more here than the statements. SQLite runs in process,
    /// statement by statement, and leaves every delivery to `fan_out`.
    async fn insert_with_event(
        &self,
        audit: entities::audit_events::Model,
        event: &entities::events::Model,
        handoff: Option<&Handoff>,
    ) -> Result<Vec<Subscribed>> {
        if self.tx.get_database_backend() != DbBackend::Postgres {
            audit.into_active_model().insert(&self.tx).await?;
            event.clone().into_active_model().insert(&self.tx).await?;
            let enabled = crate::webhooks::enabled(self, &self.ctx.org).await?;
            return Ok(enabled
                .into_iter()
                .filter(|e| e.subscribes(&event.event_type))
                .map(|endpoint| Subscribed {
                    endpoint,
                    delivery_id: None,
                })
                .collect());
        }
        // `$16`: the subscriptions that cover the type; `$17`: the ids of the first
        // deliveries, given in endpoint id order (the rest, if any, `fan_out` inserts).
        let sql = "WITH audit AS (INSERT INTO audit_events (id, organization_id, actor_type, \
             actor_id, action, resource_type, resource_id, before, after, request_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)), \
             event AS (INSERT INTO events (id, organization_id, type, data, request_id, \
             created_at, customer_id, trace_parent) VALUES ($12, $2, $13, $14, $10, $11, $15, \
             $21)), \
             subscribed AS (SELECT * FROM webhook_endpoints WHERE organization_id = $2 \
             AND enabled = true \
             AND event_types ?| ARRAY(SELECT jsonb_array_elements_text($16::jsonb))), \
             numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM subscribed), \
             deliveries AS (INSERT INTO webhook_deliveries (id, organization_id, endpoint_id, \
             event_id, status, attempts, next_attempt_at, locked_until, locked_by, created_at, \
             updated_at) SELECT ($17::jsonb ->> ((n - 1)::int)), $2, id, $12, $18, 0, $11, $19, \
             $20, $11, $11 FROM numbered WHERE n <= jsonb_array_length($17::jsonb) \
             RETURNING id AS delivery_id, endpoint_id) \
             SELECT subscribed.*, deliveries.delivery_id FROM subscribed \
             LEFT JOIN deliveries ON deliveries.endpoint_id = subscribed.id";
        let covering = crate::webhooks::catalog::covering(&event.event_type);
        let ids: Vec<String> = (0..queue::INLINE_DELIVERIES)
            .map(|_| new_id(crate::webhooks::DELIVERY_PREFIX))
            .collect();
        let (locked_by, locked_until) = queue::lease(event, handoff);
        let values: Vec<sea_orm::Value> = vec![
            audit.id.into(),
            audit.organization_id.into(),
            audit.actor_type.into(),
            audit.actor_id.into(),
            audit.action.into(),
            audit.resource_type.into(),
            audit.resource_id.into(),
            audit.before.into(),
            audit.after.into(),
            audit.request_id.into(),
            audit.created_at.into(),
            event.id.clone().into(),
            event.event_type.clone().into(),
            event.data.clone().into(),
            event.customer_id.clone().into(),
            Json::from(covering).into(),
            Json::from(ids).into(),
            queue::PENDING.into(),
            locked_until.into(),
            locked_by.into(),
            event.trace_parent.clone().into(),
        ];
        let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
        Ok(Subscribed::find_by_statement(statement)
            .all(&self.tx)
            .await?)
    }

    pub async fn commit(self) -> Result<()> {
        if !self.audited {
            self.tx.rollback().await?;
            return Err(StorageError::Unaudited);
        }
        self.tx.commit().await?;
        if !self.queued.is_empty() {
            crate::webhooks::queue::hand_off(&self.store, self.handoff.flatten(), self.queued)
                .await;
        }
        Ok(())
    }
}
