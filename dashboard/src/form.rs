//! Form bodies (`application/x-www-form-urlencoded`), with repeated fields kept: one
//! checkbox per scope arrives as `scopes=read:customers&scopes=write:customers`.

use axum::extract::{FromRequest, Request};

use crate::error::DashboardError;

/// The largest form the dashboard accepts.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

pub struct Form {
    fields: Vec<(String, String)>,
}

impl Form {
    pub fn parse(body: &[u8]) -> Self {
        Self {
            fields: form_urlencoded::parse(body).into_owned().collect(),
        }
    }

    /// The first value of `name`, trimmed; empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// Every non-empty value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    /// `name` as a whole number, `None` when empty.
    pub fn number<T: std::str::FromStr>(
        &self,
        name: &str,
        label: &str,
    ) -> Result<Option<T>, DashboardError> {
        let value = self.get(name);
        if value.is_empty() {
            return Ok(None);
        }
        value.parse().map(Some).map_err(|_| {
            DashboardError::Invalid(format!("{label} must be a whole number, not \"{value}\"."))
        })
    }
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = DashboardError;

    async fn from_request(request: Request, _: &S) -> Result<Self, DashboardError> {
        let bytes = axum::body::to_bytes(request.into_body(), MAX_FORM_BYTES)
            .await
            .map_err(|_| DashboardError::FormTooLarge)?;
        Ok(Self::parse(&bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_kept_and_values_trimmed() {
        let form = Form::parse(
            b"name=+Billing+sync+&scopes=read%3Acustomers&scopes=write%3Acustomers&scopes=&n=12",
        );
        assert_eq!(form.get("name"), "Billing sync");
        assert_eq!(form.all("scopes"), ["read:customers", "write:customers"]);
        assert_eq!(form.get("missing"), "");
        assert_eq!(form.number::<u32>("n", "N").unwrap(), Some(12));
        assert!(form.number::<u32>("name", "Name").is_err());
    }
}
