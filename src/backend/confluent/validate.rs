//! `plan --server-validate`: ask the server to validate creates and config
//! changes with `validate_only=true`, changing nothing.

use reqwest::Method;

use super::wire::AlterConfigsRequest;
use super::ConfluentBackend;
use crate::backend::BackendError;
use crate::manifest::Manifest;
use crate::plan::{Action, ActionKind};

/// What the server said about one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation {
    /// The server accepted the request in validate-only mode.
    Accepted,
    /// The action kind has no validate-only form (mirror actions, deletes).
    NotApplicable,
}

impl ConfluentBackend {
    /// Sends the create-link or config-change request of `a` with
    /// `validate_only=true`. A server refusal is an `Err` with its words.
    pub async fn server_validate(
        &self,
        manifest: &Manifest,
        a: &Action,
    ) -> Result<Validation, BackendError> {
        let be = |e: super::ConfluentError| e.into_backend(&a.cluster);
        let client = self.client(manifest, &a.cluster).map_err(be)?;
        match a.kind {
            ActionKind::CreateLink => {
                let body = self.create_link_body(manifest, a).await.map_err(be)?;
                client
                    .write_idempotent(
                        Method::POST,
                        &["links"],
                        &[("link_name", a.link.as_str()), ("validate_only", "true")],
                        Some(&body),
                    )
                    .await
                    .map_err(be)?;
                Ok(Validation::Accepted)
            }
            ActionKind::UpdateLinkConfigs => {
                let data = Self::alter_entries(manifest, a).map_err(be)?;
                let body = serde_json::to_value(AlterConfigsRequest { data })
                    .map_err(|e| BackendError::new(&a.cluster, format!("internal: {e}")))?;
                client
                    .write_idempotent(
                        Method::PUT,
                        &["links", &a.link, "configs:alter"],
                        &[("validate_only", "true")],
                        Some(&body),
                    )
                    .await
                    .map_err(be)?;
                Ok(Validation::Accepted)
            }
            _ => Ok(Validation::NotApplicable),
        }
    }
}
