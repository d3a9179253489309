//! Partner apps (CONTRACT section 11): `AppsService` (an organization's own apps, their
//! review, their analytics) and `AppInstallsService` (the apps installed in an
//! organization, [`installs`]). The OAuth flows that install apps are `crate::oauth`.

mod analytics;
pub mod installs;
pub mod rules;

use proto::v1::{
    self, AppClientType, CreateAppRequest, DeleteAppRequest, GetAppAnalyticsRequest,
    GetAppAnalyticsResponse, GetAppRequest, ListAppsRequest, ListAppsResponse, ReviewAppRequest,
    RotateAppSecretRequest, SubmitAppRequest, SuspendAppRequest, UpdateAppRequest,
    apps_service_server::AppsService,
};
use storage::{OrgId, Store, StringList, WriteContext, apps};
use tonic::{Request, Response, Status};

use crate::{
    auth::{RequestContext, SecretHasher, context},
    convert::{next_cursor, page_query},
    error::{ServiceError, ServiceResult, Violations},
    oauth::TokenVerifier,
    record::record,
};

pub use installs::AppInstalls;
use rules::{render, transition};

#[derive(Clone)]
pub struct Apps {
    store: Store,
    hasher: SecretHasher,
    tokens: TokenVerifier,
}

impl Apps {
    pub fn new(store: Store, hasher: SecretHasher, tokens: TokenVerifier) -> Self {
        Self {
            store,
            hasher,
            tokens,
        }
    }
}

fn write_context(ctx: &RequestContext, org: &str) -> WriteContext {
    WriteContext {
        org: OrgId::new(org),
        actor: ctx.actor.clone(),
        request_id: ctx.request_id.clone(),
        trace_parent: crate::trace::current_traceparent(),
    }
}

const UPDATABLE: &[&str] = &[
    "name",
    "description",
    "homepage_url",
    "redirect_uris",
    "scopes",
];

impl Apps {
    async fn create(&self, ctx: &RequestContext, req: CreateAppRequest) -> ServiceResult<v1::App> {
        let org = ctx.org()?.clone();
        let mut v = Violations::default();
        let name = req.name.trim().to_owned();
        rules::check_name(&mut v, &name);
        rules::check_texts(&mut v, &req.description, &req.homepage_url);
        let redirect_uris = rules::dedup(req.redirect_uris);
        rules::check_redirect_uris(&mut v, &redirect_uris);
        let scopes = rules::dedup(req.scopes);
        rules::check_scopes(&mut v, &scopes);
        let public = match AppClientType::try_from(req.client_type) {
            Ok(AppClientType::Public) => true,
            Ok(AppClientType::Confidential | AppClientType::Unspecified) => false,
            Err(_) => {
                v.add("client_type", "must be confidential or public");
                false
            }
        };
        v.into_result()?;
        let secret = (!public).then(rules::new_secret);
        let now = storage::now();
        let app = apps::App {
            id: storage::ids::new_id(apps::APP_PREFIX),
            organization_id: org.as_str().to_owned(),
            name,
            description: req.description,
            homepage_url: req.homepage_url,
            redirect_uris: StringList(redirect_uris),
            scopes: StringList(scopes),
            client_type: if public {
                rules::PUBLIC
            } else {
                rules::CONFIDENTIAL
            }
            .to_owned(),
            client_secret_hash: secret.as_deref().map(|s| self.hasher.hash(s)),
            review_status: rules::DRAFT.to_owned(),
            review_notes: String::new(),
            created_at: now,
            updated_at: now,
        };
        let mut w = self.store.write(write_context(ctx, org.as_str())).await?;
        let app = apps::insert(&w, app).await?;
        // The audit record never holds the secret: it is rendered without it.
        let after = render(&app, None);
        record(
            &mut w,
            "app.create",
            "app",
            &app.id,
            None,
            Some(&after),
            None,
        )
        .await?;
        w.commit().await?;
        Ok(render(&app, secret))
    }

    async fn own(&self, ctx: &RequestContext, id: &str) -> ServiceResult<apps::App> {
        apps::get(&self.store, ctx.org()?, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("app", id))
    }

    /// Changes one app under its row lock, in its own organization: `change` returns the
    /// audit action. `org` None: any organization (internal review and suspension).
    async fn change<F>(
        &self,
        ctx: &RequestContext,
        org: Option<&OrgId>,
        id: &str,
        change: F,
    ) -> ServiceResult<apps::App>
    where
        F: FnOnce(&mut apps::App) -> ServiceResult<&'static str>,
    {
        let owner = match org {
            Some(org) => org.clone(),
            None => apps::find(&self.store, id)
                .await?
                .map(|a| OrgId::new(a.organization_id))
                .ok_or_else(|| ServiceError::not_found("app", id))?,
        };
        let mut w = self.store.write(write_context(ctx, owner.as_str())).await?;
        let app = apps::get_for_update(&w, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("app", id))?;
        let before = render(&app, None);
        let mut changed = app.clone();
        let action = change(&mut changed)?;
        let saved = apps::save(&w, changed).await?;
        let after = render(&saved, None);
        record(&mut w, action, "app", id, Some(&before), Some(&after), None).await?;
        w.commit().await?;
        Ok(saved)
    }

    async fn update(&self, ctx: &RequestContext, req: UpdateAppRequest) -> ServiceResult<v1::App> {
        let paths: Vec<String> = req.update_mask.map(|m| m.paths).unwrap_or_default();
        let mut v = Violations::default();
        if paths.is_empty() {
            v.add("update_mask", "must name at least one field");
        }
        for p in &paths {
            if !UPDATABLE.contains(&p.as_str()) {
                v.add(
                    "update_mask",
                    format!("{p} is not a field that can be changed"),
                );
            }
        }
        let has = |f: &str| paths.iter().any(|p| p == f);
        let name = req.name.trim().to_owned();
        if has("name") {
            rules::check_name(&mut v, &name);
        }
        rules::check_texts(
            &mut v,
            if has("description") {
                &req.description
            } else {
                ""
            },
            if has("homepage_url") {
                &req.homepage_url
            } else {
                ""
            },
        );
        let redirect_uris = rules::dedup(req.redirect_uris);
        if has("redirect_uris") {
            rules::check_redirect_uris(&mut v, &redirect_uris);
        }
        let scopes = rules::dedup(req.scopes);
        if has("scopes") {
            rules::check_scopes(&mut v, &scopes);
        }
        v.into_result()?;
        let org = ctx.org()?.clone();
        let app = self
            .change(ctx, Some(&org), &req.id, |app| {
                if app.review_status == rules::SUSPENDED {
                    return Err(ServiceError::conflict(
                        "app_suspended",
                        "a suspended app cannot be changed",
                    ));
                }
                let reviewed_before = matches!(
                    app.review_status.as_str(),
                    rules::APPROVED | rules::REJECTED
                );
                let mut reviewed_change = false;
                if has("name") {
                    app.name = name;
                }
                if has("description") {
                    app.description = req.description;
                }
                if has("homepage_url") {
                    app.homepage_url = req.homepage_url;
                }
                if has("redirect_uris") && app.redirect_uris.0 != redirect_uris {
                    app.redirect_uris = StringList(redirect_uris);
                    reviewed_change = true;
                }
                if has("scopes") && app.scopes.0 != scopes {
                    app.scopes = StringList(scopes);
                    reviewed_change = true;
                }
                // What was reviewed changed: it must be reviewed again.
                if reviewed_before && reviewed_change {
                    app.review_status = rules::DRAFT.to_owned();
                }
                Ok("app.update")
            })
            .await?;
        Ok(render(&app, None))
    }

    async fn delete(&self, ctx: &RequestContext, id: &str) -> ServiceResult<()> {
        let org = ctx.org()?.clone();
        let app = self.own(ctx, id).await?;
        // Every install ends first, each in its own organization's write (its event and
        // audit record belong there), so that no token of the app outlives its deletion.
        for install in apps::installs::of_app(&self.store, &app.id, None).await? {
            if install.uninstalled_at.is_none() {
                installs::uninstall(
                    &self.store,
                    &self.tokens,
                    &ctx.actor,
                    &ctx.request_id,
                    &OrgId::new(&install.organization_id),
                    &install.id,
                )
                .await?;
            }
        }
        let mut w = self.store.write(write_context(ctx, org.as_str())).await?;
        let Some(deleted) = apps::delete(&w, id).await? else {
            return Err(ServiceError::not_found("app", id));
        };
        let before = render(&deleted, None);
        record(&mut w, "app.delete", "app", id, Some(&before), None, None).await?;
        w.commit().await?;
        self.tokens.invalidate();
        Ok(())
    }
}

#[tonic::async_trait]
impl AppsService for Apps {
    async fn create_app(&self, r: Request<CreateAppRequest>) -> Result<Response<v1::App>, Status> {
        let ctx = context(&r)?;
        Ok(Response::new(self.create(&ctx, r.into_inner()).await?))
    }

    async fn get_app(&self, r: Request<GetAppRequest>) -> Result<Response<v1::App>, Status> {
        let ctx = context(&r)?;
        let app = self.own(&ctx, &r.get_ref().id).await?;
        Ok(Response::new(render(&app, None)))
    }

    async fn list_apps(
        &self,
        r: Request<ListAppsRequest>,
    ) -> Result<Response<ListAppsResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let query = page_query(req.limit, &req.cursor, apps::APP_PREFIX)?;
        let page = apps::page(&self.store, ctx.org()?, &query)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(ListAppsResponse {
            next_cursor: next_cursor(&page, |a| &a.id),
            has_more: page.has_more,
            data: page.items.iter().map(|a| render(a, None)).collect(),
        }))
    }

    async fn update_app(&self, r: Request<UpdateAppRequest>) -> Result<Response<v1::App>, Status> {
        let ctx = context(&r)?;
        Ok(Response::new(self.update(&ctx, r.into_inner()).await?))
    }

    async fn delete_app(&self, r: Request<DeleteAppRequest>) -> Result<Response<()>, Status> {
        let ctx = context(&r)?;
        self.delete(&ctx, &r.get_ref().id).await?;
        Ok(Response::new(()))
    }

    async fn submit_app(&self, r: Request<SubmitAppRequest>) -> Result<Response<v1::App>, Status> {
        let ctx = context(&r)?;
        let org = ctx.org()?.clone();
        let app = self
            .change(&ctx, Some(&org), &r.get_ref().id, |app| {
                transition(&app.review_status, rules::IN_REVIEW)?;
                app.review_status = rules::IN_REVIEW.to_owned();
                Ok("app.submit")
            })
            .await?;
        Ok(Response::new(render(&app, None)))
    }

    async fn rotate_app_secret(
        &self,
        r: Request<RotateAppSecretRequest>,
    ) -> Result<Response<v1::App>, Status> {
        let ctx = context(&r)?;
        let org = ctx.org()?.clone();
        let secret = rules::new_secret();
        let hash = self.hasher.hash(&secret);
        let app = self
            .change(&ctx, Some(&org), &r.get_ref().id, |app| {
                if app.client_type != rules::CONFIDENTIAL {
                    return Err(ServiceError::conflict(
                        "public_client",
                        "a public app has no client secret",
                    ));
                }
                app.client_secret_hash = Some(hash);
                Ok("app.rotate_secret")
            })
            .await?;
        Ok(Response::new(render(&app, Some(secret))))
    }

    async fn get_app_analytics(
        &self,
        r: Request<GetAppAnalyticsRequest>,
    ) -> Result<Response<GetAppAnalyticsResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let days = req.days.unwrap_or(30);
        if !(1..=90).contains(&days) {
            return Err(ServiceError::malformed("days", "must be between 1 and 90").into());
        }
        let app = self.own(&ctx, &req.id).await?;
        let days = analytics::days(&self.store, &app.id, days).await?;
        Ok(Response::new(GetAppAnalyticsResponse { days }))
    }

    async fn review_app(&self, r: Request<ReviewAppRequest>) -> Result<Response<v1::App>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let to = if req.approve {
            rules::APPROVED
        } else {
            rules::REJECTED
        };
        let app = self
            .change(&ctx, None, &req.id, |app| {
                transition(&app.review_status, to)?;
                app.review_status = to.to_owned();
                app.review_notes = req.notes;
                Ok(if req.approve {
                    "app.approve"
                } else {
                    "app.reject"
                })
            })
            .await?;
        Ok(Response::new(render(&app, None)))
    }

    async fn suspend_app(
        &self,
        r: Request<SuspendAppRequest>,
    ) -> Result<Response<v1::App>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let app = self
            .change(&ctx, None, &req.id, |app| {
                transition(&app.review_status, rules::SUSPENDED)?;
                app.review_status = rules::SUSPENDED.to_owned();
                if !req.notes.is_empty() {
                    app.review_notes = req.notes;
                }
                Ok("app.suspend")
            })
            .await?;
        // Its tokens stop working at once on this replica (the verifier reads the app's
        // status; the cache forgets), within the cache's 2 seconds elsewhere.
        self.tokens.invalidate();
        Ok(Response::new(render(&app, None)))
    }
}
