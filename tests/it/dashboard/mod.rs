//! The security center over plain HTTP, as a browser without JavaScript speaks to it: the
//! session cookie, CSRF and origin checks, roles enforced on the server, another
//! organization's objects, the audit actor, and sign-in limits. (The same flows in a real
//! browser: tests/browser/dashboard.mjs, run by .ci/live.)

use proto::v1::{CreateUserRequest, UserRole, users_service_client::UsersServiceClient};
use reqwest::{Client, StatusCode, redirect};

mod access;
mod pages;
mod sessions;

use crate::helpers::TestApp;

pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// A browser of one user: its session cookie and the CSRF token of the last page it read.
pub(crate) struct Browser {
    client: Client,
    base: String,
    cookie: String,
}

pub(crate) async fn user(app: &TestApp, org: &str, email: &str, role: UserRole) -> String {
    let mut users = UsersServiceClient::connect(app.grpc.clone()).await.unwrap();
    let mut request = tonic::Request::new(CreateUserRequest {
        organization_id: org.to_owned(),
        email: email.to_owned(),
        name: email.to_owned(),
        role: role as i32,
        password: PASSWORD.to_owned(),
    });
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {}", app.internal_token).parse().unwrap(),
    );
    users.create_user(request).await.unwrap().into_inner().id
}

pub(crate) fn client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of `name="csrf_token"` in a page.
pub(crate) fn csrf_of(html: &str) -> String {
    let at = html
        .find(r#"name="csrf_token" value=""#)
        .expect("a form with a CSRF token");
    let rest = &html[at + r#"name="csrf_token" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

impl Browser {
    pub(crate) async fn sign_in(
        app: &TestApp,
        email: &str,
        password: &str,
    ) -> Result<Self, reqwest::Response> {
        let client = client();
        let response = client
            .post(format!("{}/dashboard/sign-in", app.base))
            .header("origin", &app.base)
            .form(&[("email", email), ("password", password), ("next", "")])
            .send()
            .await
            .unwrap();
        if response.status() != StatusCode::SEE_OTHER {
            return Err(response);
        }
        let set_cookie = response
            .headers()
            .get("set-cookie")
            .expect("a session cookie")
            .to_str()
            .unwrap()
            .to_owned();
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        Ok(Self {
            client,
            base: app.base.clone(),
            cookie,
        })
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// Posts a form as the page at `from` would: with that page's CSRF token and this
    /// server's origin, unless the test says otherwise.
    pub(crate) async fn post(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        csrf: Option<&str>,
        origin: Option<&str>,
    ) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if let Some(token) = csrf {
            form.push(("csrf_token", token));
        }
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(&form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send().await.unwrap()
    }

    pub(crate) async fn token(&self) -> String {
        let (status, html) = self.get("/dashboard/settings/security").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        csrf_of(&html)
    }
}

/// Text of an HTML attribute as a browser reads it (the templates escape `/` as `&#x2f;`).
pub(crate) fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let end = rest[at..]
            .find(';')
            .map(|e| at + e)
            .expect("a whole entity");
        let entity = &rest[at + 1..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32)
                .expect("a known entity"),
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The secret shown once on the page after creating or rolling a key.
pub(crate) fn secret_of(html: &str) -> String {
    let marker = r#"id="secret" type="text" readonly value=""#;
    let at = html.find(marker).expect("the secret page");
    let rest = &html[at + marker.len()..];
    unescape(&rest[..rest.find('"').unwrap()])
}
