//! The one place that maps an engine name of the manifest to its
//! implementation: [`models`] for the pure half (validation, planning,
//! `status`, `export`: the composition root in `cli` hands it to them),
//! [`Engines`] for the I/O half of one command.

use super::confluent::model::ConfluentModel;
use super::confluent::{ConfluentBackend, ConfluentOptions};
use super::engine::Engine;
use super::kafka::KafkaClients;
use super::mirrormaker2::model::Mm2Model;
use super::mirrormaker2::Mm2Backend;
use crate::manifest::EngineName;
use crate::plan::engine_model::{EngineModel, EngineModels};

/// The pure half of `engine`.
pub fn model(engine: EngineName) -> &'static dyn EngineModel {
    match engine {
        EngineName::Confluent => &ConfluentModel,
        EngineName::Mirrormaker2 => &Mm2Model,
    }
}

/// The pure half of every engine, by name.
pub fn models() -> EngineModels {
    EngineModels::new(model, &[&ConfluentModel, &Mm2Model])
}

/// The engines of one command, with their connection caches (one REST
/// client per Confluent cluster, one Kafka client per cluster).
pub struct Engines {
    pub confluent: ConfluentBackend,
    pub mirrormaker2: Mm2Backend,
    pub kafka: KafkaClients,
}

impl Engines {
    pub fn new(confluent: ConfluentOptions, kafka: KafkaClients) -> Self {
        Self {
            confluent: ConfluentBackend::new(confluent),
            mirrormaker2: Mm2Backend::default(),
            kafka,
        }
    }

    /// The implementation of `engine`.
    pub fn get(&self, engine: EngineName) -> &dyn Engine {
        match engine {
            EngineName::Confluent => &self.confluent,
            EngineName::Mirrormaker2 => &self.mirrormaker2,
        }
    }

    /// Every engine.
    pub fn all(&self) -> [&dyn Engine; 2] {
        [&self.confluent, &self.mirrormaker2]
    }
}

/// Validation with every engine's checks, for the engines' own tests.
#[cfg(test)]
pub(crate) mod test_support {
    pub use crate::manifest::validate::test_support::with_link;
    use crate::manifest::validate::test_support::{codes_with, problems_with};
    use crate::manifest::Problem;

    /// Problems of a manifest text, with the checks of every engine.
    pub fn problems(yaml: &str) -> Vec<Problem> {
        problems_with(yaml, &super::models())
    }

    pub fn codes(yaml: &str) -> Vec<&'static str> {
        codes_with(yaml, &super::models())
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;

    #[test]
    fn the_engines_checks_are_reported_with_the_manifests() {
        let y = with_link(
            "    source: usa\n    destination: europe\n    prefix: waytoolongprefix.\n    mirrors:\n      - topic: demo\n      - topic: demo\n",
        );
        let c = codes(&y);
        for want in [
            "linkctl::unknown_cluster",
            "linkctl::prefix_too_long",
            "linkctl::duplicate_mirror",
        ] {
            assert!(c.contains(&want), "{want} missing from {c:?}");
        }
    }
}
