//! The pure half of the Confluent engine: validation, payloads, notes, steps.

use crate::manifest::diagnostic::Problem;
use crate::manifest::{Cluster, EngineRules, Link, Located, Manifest};
use crate::plan::engine_model::{EngineModel, PlanContext, StepGroup};
use crate::plan::payload::Payload;
use crate::plan::{Action, ActionKind};

/// Confluent Cluster Linking.
pub struct ConfluentModel;

impl EngineRules for ConfluentModel {
    fn name(&self) -> &'static str {
        "confluent"
    }

    fn check_link(
        &self,
        name: &Located<String>,
        link: &Link,
        manifest: &Manifest,
        out: &mut Vec<Problem>,
    ) {
        super::limits::check_link(name, link, manifest, out);
    }

    fn check_manifest(&self, manifest: &Manifest, out: &mut Vec<Problem>) {
        super::limits::check_clusters(manifest, out);
    }

    fn reads_cluster(&self, cluster: &Cluster) -> bool {
        cluster.rest.is_some()
    }
}

impl EngineModel for ConfluentModel {
    fn payload(&self, action: &Action, cx: &PlanContext<'_>) -> Result<Payload, String> {
        super::payload::build(action, cx)
    }

    fn action_notes(&self, kind: ActionKind) -> &'static [&'static str] {
        match kind {
            ActionKind::PromoteMirror => &[
                "irreversible: mirroring stops once the mirror has caught up, and the topic becomes writable",
            ],
            ActionKind::FailoverMirror => &[
                "irreversible: mirroring stops at once, whatever the lag, and the topic becomes writable",
            ],
            _ => &[],
        }
    }

    /// Mirror creates and topic deletes of a link run with bounded
    /// parallelism and one shared wait; state changes are one bulk request
    /// per link and verb.
    fn step_group(&self, kind: ActionKind) -> StepGroup {
        match kind {
            ActionKind::CreateMirror => StepGroup::Batch("create_mirror"),
            ActionKind::PauseMirror => StepGroup::Batch("pause"),
            ActionKind::ResumeMirror => StepGroup::Batch("resume"),
            ActionKind::PromoteMirror => StepGroup::Batch("promote"),
            ActionKind::FailoverMirror => StepGroup::Batch("failover"),
            ActionKind::DeleteMirrorTopic => StepGroup::Batch("delete_topic"),
            ActionKind::FenceTopic => StepGroup::Batch("fence"),
            ActionKind::UnfenceTopic => StepGroup::Batch("unfence"),
            ActionKind::RemirrorTopic => StepGroup::Single,
            ActionKind::CreateLink | ActionKind::UpdateLinkConfigs | ActionKind::DeleteLink => {
                StepGroup::Single
            }
        }
    }

    fn link_deletion_stops_mirrors(&self) -> bool {
        false
    }

    fn mirrors_are_read_only(&self) -> bool {
        true
    }

    fn status_notes(&self) -> &'static [&'static str] {
        &[]
    }

    fn read_only_on_create(
        &self,
        cluster: &Cluster,
        cluster_id: Option<&str>,
        key: &str,
    ) -> Option<String> {
        super::read_only::read_only_on_create(cluster, cluster_id, key)
    }

    fn exports_free_form_config(&self) -> bool {
        true
    }
}
