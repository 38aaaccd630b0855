//! The one place that maps an engine name of the manifest to its
//! implementation: [`model`] for the pure half (validation, planning,
//! `status`, `export`), [`Engines`] for the I/O half of one command.

use super::confluent::model::ConfluentModel;
use super::confluent::{ConfluentBackend, ConfluentOptions};
use super::engine::{Engine, EngineModel};
use super::kafka::KafkaClients;
use super::mirrormaker2::model::Mm2Model;
use super::mirrormaker2::Mm2Backend;
use crate::manifest::Engine as EngineName;

/// The pure half of `engine`.
pub fn model(engine: EngineName) -> &'static dyn EngineModel {
    match engine {
        EngineName::Confluent => &ConfluentModel,
        EngineName::Mirrormaker2 => &Mm2Model,
    }
}

/// The pure half of every engine.
pub fn models() -> [&'static dyn EngineModel; 2] {
    [&ConfluentModel, &Mm2Model]
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
