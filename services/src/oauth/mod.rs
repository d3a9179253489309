//! The authorization server's state (`OAuthService`, internal only; CONTRACT section 11):
//! consent checks, installs and codes ([`grant`]), the token endpoint's grants, revocation
//! and introspection ([`tokens`]), and the edge's check of access tokens ([`verify`]).
//!
//! Refusals that OAuth names carry the RFC error code as the ErrorInfo reason
//! ([`ServiceError::OAuth`]), so that the gateway answers them without interpreting them.

mod grant;
mod tokens;
pub mod verify;

use proto::v1::{
    CheckAuthorizationRequest, CheckAuthorizationResponse, ExchangeTokenRequest,
    GrantAuthorizationRequest, GrantAuthorizationResponse, IntrospectTokenRequest,
    IntrospectTokenResponse, RevokeTokenRequest, RevokeTokenResponse, TokenResponse,
    VerifyAccessTokenRequest, VerifyAccessTokenResponse, o_auth_service_server::OAuthService,
};
use tonic::{Code, Request, Response, Status};

use crate::{auth::context, convert::timestamp, error::ServiceError};

pub use verify::{TokenVerifier, VerifiedToken};

#[derive(Clone)]
pub struct OAuth {
    tokens: TokenVerifier,
}

impl OAuth {
    pub fn new(tokens: TokenVerifier) -> Self {
        Self { tokens }
    }
}

pub(crate) fn refuse(reason: &'static str, message: impl Into<String>) -> ServiceError {
    let code = match reason {
        "invalid_client" | "unauthorized_client" => Code::Unauthenticated,
        "access_denied" => Code::PermissionDenied,
        _ => Code::InvalidArgument,
    };
    ServiceError::oauth(code, reason, message)
}

#[tonic::async_trait]
impl OAuthService for OAuth {
    async fn check_authorization(
        &self,
        r: Request<CheckAuthorizationRequest>,
    ) -> Result<Response<CheckAuthorizationResponse>, Status> {
        context(&r)?;
        Ok(Response::new(
            grant::check(&self.tokens, r.into_inner()).await?,
        ))
    }

    async fn grant_authorization(
        &self,
        r: Request<GrantAuthorizationRequest>,
    ) -> Result<Response<GrantAuthorizationResponse>, Status> {
        let ctx = context(&r)?;
        Ok(Response::new(
            grant::grant(&self.tokens, &ctx, r.into_inner()).await?,
        ))
    }

    async fn exchange_token(
        &self,
        r: Request<ExchangeTokenRequest>,
    ) -> Result<Response<TokenResponse>, Status> {
        context(&r)?;
        Ok(Response::new(
            tokens::exchange(&self.tokens, r.into_inner()).await?,
        ))
    }

    async fn revoke_token(
        &self,
        r: Request<RevokeTokenRequest>,
    ) -> Result<Response<RevokeTokenResponse>, Status> {
        context(&r)?;
        tokens::revoke(&self.tokens, r.into_inner()).await?;
        Ok(Response::new(RevokeTokenResponse {}))
    }

    async fn introspect_token(
        &self,
        r: Request<IntrospectTokenRequest>,
    ) -> Result<Response<IntrospectTokenResponse>, Status> {
        context(&r)?;
        Ok(Response::new(
            tokens::introspect(&self.tokens, r.into_inner()).await?,
        ))
    }

    async fn verify_access_token(
        &self,
        r: Request<VerifyAccessTokenRequest>,
    ) -> Result<Response<VerifyAccessTokenResponse>, Status> {
        context(&r)?;
        let token = r.into_inner().token;
        // Read from the database, not the cache: the edge keeps its own 2-second cache.
        let found = if token.starts_with(verify::ACCESS_PREFIX) {
            verify::load(self.tokens.store(), &self.tokens.hasher().hash(&token)).await?
        } else {
            None
        };
        let Some(t) = found else {
            return Err(ServiceError::Unauthenticated {
                message: verify::REFUSED.to_owned(),
            }
            .into());
        };
        Ok(Response::new(VerifyAccessTokenResponse {
            install_id: t.install_id,
            client_id: t.client_id,
            organization_id: t.organization_id,
            scopes: t.scopes,
            expires_at: Some(timestamp(t.expires_at)),
        }))
    }
}
