//! The pure half of the MirrorMaker 2 engine: validation, payloads, notes, steps.

use crate::manifest::diagnostic::Problem;
use crate::manifest::{Cluster, EngineRules, Link, Located, Manifest};
use crate::plan::engine_model::{EngineModel, PlanContext, StepGroup};
use crate::plan::payload::Payload;
use crate::plan::{Action, ActionKind};

/// Apache Kafka MirrorMaker 2 on Kafka Connect.
pub struct Mm2Model;

impl EngineRules for Mm2Model {
    fn name(&self) -> &'static str {
        "mirrormaker2"
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

    fn reads_cluster(&self, cluster: &Cluster) -> bool {
        cluster.connect.is_some()
    }
}

impl EngineModel for Mm2Model {
    fn payload(&self, action: &Action, cx: &PlanContext<'_>) -> Result<Payload, String> {
        super::payload::build(action, cx)
    }

    fn action_notes(&self, kind: ActionKind) -> &'static [&'static str] {
        match kind {
            ActionKind::CreateLink => {
                &["MirrorMaker 2: creates the source and checkpoint connectors on Kafka Connect"]
            }
            ActionKind::UpdateLinkConfigs => &[
                "MirrorMaker 2: updates the connectors' settings (Kafka Connect restarts their tasks)",
            ],
            ActionKind::CreateMirror => {
                &["MirrorMaker 2: adds the topic to the source connector's topic list"]
            }
            ActionKind::PromoteMirror => &[
                "MirrorMaker 2: the covered groups' offsets are translated through MirrorMaker 2's offset syncs; the target topic was writable all along",
            ],
            ActionKind::FailoverMirror => &[
                "MirrorMaker 2: failover stops mirroring this topic at once and reports the records it leaves behind; the target topic was writable all along",
            ],
            ActionKind::RemirrorTopic => &[
                "MirrorMaker 2: stops the link's source connector for a moment, forgets its stored offsets of this topic, deletes what the destination topic holds and copies the source again from its start",
            ],
            _ => &[],
        }
    }

    /// Every mirror change of a link is one write of its source connector:
    /// creates, promotes, failovers and deletes that are ready together are
    /// one step.
    fn step_group(&self, kind: ActionKind) -> StepGroup {
        match kind {
            ActionKind::CreateLink
            | ActionKind::UpdateLinkConfigs
            | ActionKind::DeleteLink
            | ActionKind::RemirrorTopic => StepGroup::Single,
            ActionKind::FenceTopic => StepGroup::Batch("fence"),
            ActionKind::UnfenceTopic => StepGroup::Batch("unfence"),
            _ => StepGroup::Batch("mirrors"),
        }
    }

    fn link_deletion_stops_mirrors(&self) -> bool {
        true
    }

    fn mirrors_are_read_only(&self) -> bool {
        false
    }

    /// A source connector's records go through its worker's producer,
    /// into the worker's Kafka cluster.
    fn writes_through_attached_cluster(&self) -> bool {
        true
    }

    fn status_notes(&self) -> &'static [&'static str] {
        &["MirrorMaker 2 does not make mirror topics read-only, and translates group offsets rather than copying them"]
    }

    /// The reader reports the canonical values linkctl annotated the
    /// connectors with (`linkctl.config.*`): the link's own settings.
    fn exports_free_form_config(&self) -> bool {
        true
    }
}
