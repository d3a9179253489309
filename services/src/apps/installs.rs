//! Installs of apps in an organization (`AppInstallsService`), and the one way an install
//! ends ([`uninstall`]), shared with the deletion of an app.

use proto::v1::{
    self, DeleteAppInstallRequest, ListAppInstallsRequest, ListAppInstallsResponse,
    app_installs_service_server::AppInstallsService,
};
use storage::{
    Actor, OrgId, Store, WriteContext,
    apps::{self, installs},
    oauth,
};
use tonic::{Request, Response, Status};

use crate::{
    auth::context,
    convert::{next_cursor, page_query, timestamp},
    error::{ServiceError, ServiceResult},
    oauth::TokenVerifier,
    record::record,
};

pub fn render(install: &installs::AppInstall, app_name: &str) -> v1::AppInstall {
    v1::AppInstall {
        id: install.id.clone(),
        app_id: install.app_id.clone(),
        app_name: app_name.to_owned(),
        organization_id: install.organization_id.clone(),
        scopes: install.scopes.0.clone(),
        installed_by_user_id: install.installed_by_user_id.clone(),
        created_at: Some(timestamp(install.created_at)),
    }
}

/// Ends a live install in its own organization's write: every token of it revoked in the
/// same transaction, the audit record and `app.uninstalled`. Then this replica's token
/// cache forgets what it knew, so that the tokens stop working here at once (other replicas
/// within the cache's 2 seconds). `false` when the install was not live.
pub async fn uninstall(
    store: &Store,
    tokens: &TokenVerifier,
    actor: &Actor,
    request_id: &str,
    org: &OrgId,
    install_id: &str,
) -> ServiceResult<bool> {
    let mut w = store
        .write(WriteContext {
            org: org.clone(),
            actor: actor.clone(),
            request_id: request_id.to_owned(),
            trace_parent: crate::trace::current_traceparent(),
        })
        .await?;
    let Some(install) = installs::get_for_update(&w, install_id).await? else {
        return Ok(false);
    };
    if install.uninstalled_at.is_some() {
        return Ok(false);
    }
    let app_name = apps::find(&w, &install.app_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let before = render(&install, &app_name);
    let now = storage::now();
    let mut ended = install.clone();
    ended.uninstalled_at = Some(now);
    ended.live_app_id = None;
    installs::save_at(&w, ended, now).await?;
    oauth::revoke_install(&w, &install.id, now).await?;
    record(
        &mut w,
        "app_install.delete",
        "app_install",
        &install.id,
        Some(&before),
        None,
        Some("app.uninstalled"),
    )
    .await?;
    w.commit().await?;
    tokens.invalidate();
    Ok(true)
}

#[derive(Clone)]
pub struct AppInstalls {
    store: Store,
    tokens: TokenVerifier,
}

impl AppInstalls {
    pub fn new(store: Store, tokens: TokenVerifier) -> Self {
        Self { store, tokens }
    }
}

#[tonic::async_trait]
impl AppInstallsService for AppInstalls {
    async fn list_app_installs(
        &self,
        r: Request<ListAppInstallsRequest>,
    ) -> Result<Response<ListAppInstallsResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let query = page_query(req.limit, &req.cursor, apps::INSTALL_PREFIX)?;
        let page = installs::page(&self.store, ctx.org()?, &query)
            .await
            .map_err(ServiceError::from)?;
        // One statement for the page's app names.
        let ids: Vec<String> = page.items.iter().map(|i| i.app_id.clone()).collect();
        let names: std::collections::HashMap<String, String> = apps::names(&self.store, &ids)
            .await
            .map_err(ServiceError::from)?
            .into_iter()
            .collect();
        let data = page
            .items
            .iter()
            .map(|i| render(i, names.get(&i.app_id).map_or("", String::as_str)))
            .collect();
        Ok(Response::new(ListAppInstallsResponse {
            next_cursor: next_cursor(&page, |i| &i.id),
            has_more: page.has_more,
            data,
        }))
    }

    async fn delete_app_install(
        &self,
        r: Request<DeleteAppInstallRequest>,
    ) -> Result<Response<()>, Status> {
        let ctx = context(&r)?;
        let id = r.into_inner().id;
        let done = uninstall(
            &self.store,
            &self.tokens,
            &ctx.actor,
            &ctx.request_id,
            ctx.org()?,
            &id,
        )
        .await?;
        if !done {
            return Err(ServiceError::not_found("app_install", id).into());
        }
        Ok(Response::new(()))
    }
}
