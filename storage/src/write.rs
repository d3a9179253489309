//! The unit of work of every tenant write: one transaction that holds the change, its audit
//! record and its outbox event, so that all three commit together or not at all.

use chrono::SubsecRound as _;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait as _, DatabaseTransaction, DbBackend, FromQueryResult as _,
    IntoActiveModel, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use serde_json::Value as Json;

use crate::webhooks::DELIVERY_PREFIX;
use crate::webhooks::queue::{self, Handoff, Subscribed};
use crate::{Db, OrgId, Result, StorageError, Store, entities, ids::new_id};

/// Who made a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorKind {
    ApiKey,
    User,
    InternalService,
    Operator,
    /// A partner app acting with an OAuth access token; the actor id is its client id.
    OAuthApp,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiKey => "api_key",
            Self::User => "user",
            Self::InternalService => "internal_service",
            Self::Operator => "operator",
            Self::OAuthApp => "oauth_app",
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

impl Store {
    /// A create that reads nothing first: the new record, its audit record, its event and the
    /// event's deliveries. On PostgreSQL that is one statement outside any transaction (a
    /// statement is atomic by itself), one round trip instead of the four of a [`Write`]
    /// (`BEGIN`, the insert, the audit and event statement, `COMMIT`). `change` describes the
    /// record as given, which is exactly what is stored: its times must already be what the
    /// database keeps ([`crate::now`]). Elsewhere, and for a record that cannot be inserted by
    /// one statement, it is a [`Write`].
    pub async fn create<R: crate::Record>(
        &self,
        ctx: WriteContext,
        record: R,
        change: Change<'_>,
    ) -> Result<R> {
        let prepared = if self.conn().get_database_backend() == DbBackend::Postgres {
            R::insert_statement(self.conn(), &ctx.org, record).await?
        } else {
            Err(record)
        };
        let (record, insert) = match prepared {
            Ok(prepared) => prepared,
            Err(record) => {
                let mut w = self.write(ctx).await?;
                let created = R::insert(&w, record).await?;
                w.record(change).await?;
                w.commit().await?;
                return Ok(created);
            }
        };
        let (audit, event) = models(&ctx, change);
        let handoff = event.as_ref().and_then(|_| self.handoff());
        let statement = recording_statement(Some(insert), audit, event.as_ref(), handoff.as_ref());
        let Some(event) = event else {
            self.conn().execute_raw(statement).await?;
            return Ok(record);
        };
        let subscribed = Subscribed::find_by_statement(statement)
            .all(self.conn())
            .await?;
        // Every delivery was inserted by the statement: `fan_out` only shapes them.
        let ready =
            queue::fan_out(self.conn(), &ctx.org, &event, subscribed, handoff.as_ref()).await?;
        if !ready.is_empty() {
            queue::hand_off(self, handoff, ready).await;
        }
        Ok(record)
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
        let (audit, event) = models(&self.ctx, change);
        let Some(event) = event else {
            audit.into_active_model().insert(&self.tx).await?;
            self.audited = true;
            return Ok(None);
        };
        let handoff = self
            .handoff
            .get_or_insert_with(|| self.store.handoff())
            .clone();
        let subscribed = if self.tx.get_database_backend() == DbBackend::Postgres {
            let statement = recording_statement(None, audit, Some(&event), handoff.as_ref());
            Subscribed::find_by_statement(statement)
                .all(&self.tx)
                .await?
        } else {
            // SQLite runs in process, statement by statement; `fan_out` inserts every delivery.
            audit.into_active_model().insert(&self.tx).await?;
            event.clone().into_active_model().insert(&self.tx).await?;
            let enabled = crate::webhooks::enabled(self, &self.ctx.org).await?;
            enabled
                .into_iter()
                .filter(|e| e.subscribes(&event.event_type))
                .map(|endpoint| Subscribed {
                    endpoint,
                    delivery_id: None,
                })
                .collect()
        };
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

/// The audit record of a change and its event, if it raises one, as they will be stored.
fn models(
    ctx: &WriteContext,
    change: Change<'_>,
) -> (
    entities::audit_events::Model,
    Option<entities::events::Model>,
) {
    // Microseconds, what PostgreSQL keeps: the event handed to a worker is then exactly
    // the event as it is read back (and rendered by `GET /events/{id}`).
    let now = Utc::now().trunc_subsecs(6);
    let audit = entities::audit_events::Model {
        id: new_id("aud"),
        organization_id: ctx.org.as_str().to_owned(),
        actor_type: ctx.actor.kind.as_str().to_owned(),
        actor_id: ctx.actor.id.clone(),
        action: change.action.to_owned(),
        resource_type: change.resource_type.to_owned(),
        resource_id: change.resource_id.to_owned(),
        before: change.before,
        after: change.after,
        request_id: ctx.request_id.clone(),
        created_at: now,
    };
    let event = change.event.map(|(event_type, data)| {
        // Objects that belong to a customer carry `customer_id`: index the event under it.
        let customer_id = data
            .get("customer_id")
            .and_then(|v| v.as_str())
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        entities::events::Model {
            id: new_id("evt"),
            organization_id: ctx.org.as_str().to_owned(),
            event_type: event_type.to_owned(),
            data,
            request_id: ctx.request_id.clone(),
            created_at: now,
            customer_id,
            trace_parent: ctx.trace_parent.clone(),
        }
    });
    (audit, event)
}

/// One PostgreSQL statement (data-modifying CTEs) that inserts the audit record and, with an
/// event, the event and one delivery per enabled endpoint subscribed to it, and returns those
/// endpoints with their delivery ids. `change`, an INSERT of a created row, joins it as one
/// more CTE, so that a create is a single statement: a round trip costs more here than the
/// statements. Its placeholders come first; this statement's follow them.
///
/// A delivery's id is the event's id (its time and most of its randomness) with the last 24
/// bits replaced by the endpoint's ordinal: made in SQL, so that every subscribed endpoint
/// is fanned out in this one statement, unique and in the event's time order.
fn recording_statement(
    change: Option<Statement>,
    audit: entities::audit_events::Model,
    event: Option<&entities::events::Model>,
    handoff: Option<&Handoff>,
) -> Statement {
    let (created, mut values) = match change {
        Some(s) => (
            format!("created AS ({}), ", s.sql),
            s.values.map(|v| v.0).unwrap_or_default(),
        ),
        None => (String::new(), Vec::new()),
    };
    let offset = values.len();
    let p = |i: usize| format!("${}", i + offset);
    values.extend([
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
    ]);
    let audit_values = (1..=11).map(p).collect::<Vec<_>>().join(", ");
    let audit_insert = format!(
        "INSERT INTO audit_events (id, organization_id, actor_type, actor_id, action, \
         resource_type, resource_id, before, after, request_id, created_at) \
         VALUES ({audit_values})"
    );
    let Some(event) = event else {
        let sql = if created.is_empty() {
            audit_insert
        } else {
            format!("WITH {} {audit_insert}", created.trim_end_matches(", "))
        };
        return Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
    };
    let (locked_by, locked_until) = queue::lease(event, handoff);
    // `evt_` + 32 hex digits: the first 26 are the event's time and 50 random bits.
    let hex = event.id.rsplit('_').next().unwrap_or_default();
    let delivery_id_base = format!("{DELIVERY_PREFIX}_{}", &hex[..hex.len().min(26)]);
    values.extend([
        event.id.clone().into(),
        event.event_type.clone().into(),
        event.data.clone().into(),
        event.customer_id.clone().into(),
        Json::from(crate::webhooks::catalog::covering(&event.event_type)).into(),
        delivery_id_base.into(),
        queue::PENDING.into(),
        locked_until.into(),
        locked_by.into(),
        event.trace_parent.clone().into(),
    ]);
    let (org, request_id, at) = (p(2), p(10), p(11));
    let (id, event_type, data, customer_id) = (p(12), p(13), p(14), p(15));
    let (covering, id_base, pending, until, by) = (p(16), p(17), p(18), p(19), p(20));
    let trace_parent = p(21);
    let sql = format!(
        "WITH {created}audit AS ({audit_insert}), \
         event AS (INSERT INTO events (id, organization_id, type, data, request_id, \
         created_at, customer_id, trace_parent) VALUES ({id}, {org}, {event_type}, {data}, \
         {request_id}, {at}, {customer_id}, {trace_parent})), \
         subscribed AS (SELECT * FROM webhook_endpoints WHERE organization_id = {org} \
         AND enabled = true \
         AND event_types ?| ARRAY(SELECT jsonb_array_elements_text({covering}::jsonb))), \
         numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM subscribed), \
         deliveries AS (INSERT INTO webhook_deliveries (id, organization_id, endpoint_id, \
         event_id, status, attempts, next_attempt_at, locked_until, locked_by, created_at, \
         updated_at) SELECT {id_base} || lpad(to_hex(n), 6, '0'), {org}, id, {id}, \
         {pending}, 0, {at}, {until}, {by}, {at}, {at} FROM numbered \
         RETURNING id AS delivery_id, endpoint_id) \
         SELECT subscribed.*, deliveries.delivery_id FROM subscribed \
         LEFT JOIN deliveries ON deliveries.endpoint_id = subscribed.id"
    );
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}
