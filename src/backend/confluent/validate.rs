//! `plan --server-validate`: the create-link and config-change requests of
//! a plan's payloads, sent with `validate_only=true`, changing nothing.

use reqwest::Method;

use super::configs::Sent;
use super::execute::payload;
use super::ConfluentBackend;
use crate::backend::{BackendError, ExecContext, Validation};
use crate::plan::payload::ConfluentPayload;
use crate::plan::Action;

impl ConfluentBackend {
    /// Sends the request of `a` with `validate_only=true`. A server refusal
    /// is an `Err` with its words.
    pub async fn server_validate_action(
        &self,
        a: &Action,
        ctx: &ExecContext<'_>,
    ) -> Result<Validation, BackendError> {
        let be = |e: super::ConfluentError| e.into_backend(&a.cluster);
        let p = payload(a)?;
        match p {
            ConfluentPayload::CreateLink { link_name, .. } => {
                let client = self.client(ctx.clusters, &a.cluster).map_err(be)?;
                let body = Self::create_link_body(p, ctx).map_err(be)?;
                client
                    .write_idempotent(
                        Method::POST,
                        &["links"],
                        &[("link_name", link_name.as_str()), ("validate_only", "true")],
                        Some(&body),
                    )
                    .await
                    .map_err(be)?;
                Ok(Validation::Accepted)
            }
            ConfluentPayload::AlterConfigs { .. } => {
                let client = self.client(ctx.clusters, &a.cluster).map_err(be)?;
                match self.alter_configs(&client, p, ctx, None).await.map_err(be)? {
                    (_, Sent::Done, _) => Ok(Validation::Accepted),
                    // `apply` falls back to per-key writes there, which have
                    // no validate-only form: nothing to ask the server.
                    (_, Sent::CannotValidate(e), _) => Ok(Validation::Unavailable(format!(
                        "the server has no batch config endpoint ({e}); apply sends these changes key by key, which cannot be validated beforehand"
                    ))),
                }
            }
            _ => Ok(Validation::NotApplicable),
        }
    }
}
