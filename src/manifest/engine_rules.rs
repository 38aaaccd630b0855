//! What the validator asks of a replication engine, defined here (where it
//! is called) and implemented by the engines in `src/backend/`.
//!
//! [`EngineRules`] is the validation half of an engine's pure model
//! (`plan::EngineModel` extends it with what the planner asks).
//! [`EngineTable`] is the set of engines linkctl is built with, by their
//! manifest name; the composition root (`cli`) takes it from
//! `backend::registry` and hands it to the validator and the planner, so no
//! layer below `backend` looks an engine up by itself.

use super::diagnostic::Problem;
use super::located::Located;
use super::model::{Cluster, EngineName, Link, Manifest};

/// The validation an engine adds to a manifest.
pub trait EngineRules: Send + Sync {
    /// The manifest value naming this engine (`confluent`, `mirrormaker2`).
    fn name(&self) -> &'static str;

    /// Validation of one manifest link: the endpoints the engine needs, the
    /// limits it puts on values, and what it cannot express (errors) or does
    /// differently (warnings).
    fn check_link(
        &self,
        name: &Located<String>,
        link: &Link,
        manifest: &Manifest,
        out: &mut Vec<Problem>,
    );

    /// Validation of what the whole manifest must give this engine (its
    /// clusters' endpoints), once per manifest whose links need the engine.
    fn check_manifest(&self, _manifest: &Manifest, _out: &mut Vec<Problem>) {}

    /// True when `cluster` declares the endpoint this engine reads links
    /// from (so its links there are read even when no manifest link uses
    /// the engine: a link whose `engine` changed must still be seen).
    fn reads_cluster(&self, cluster: &Cluster) -> bool;
}

/// The engines of a build, by manifest engine name. `T` is the interface
/// the caller needs (`dyn EngineRules` for validation alone,
/// `dyn plan::EngineModel` for the planner).
pub struct EngineTable<T: ?Sized + 'static> {
    of: fn(EngineName) -> &'static T,
    all: &'static [&'static T],
}

impl<T: ?Sized> Clone for EngineTable<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for EngineTable<T> {}

impl<T: ?Sized> EngineTable<T> {
    /// `of` maps every engine name to its implementation; `all` lists each once.
    pub const fn new(of: fn(EngineName) -> &'static T, all: &'static [&'static T]) -> Self {
        Self { of, all }
    }

    /// The implementation of `engine`.
    pub fn of(&self, engine: EngineName) -> &'static T {
        (self.of)(engine)
    }

    /// Every engine, once.
    pub fn all(&self) -> &'static [&'static T] {
        self.all
    }
}

impl<T: ?Sized + EngineRules> EngineTable<T> {
    /// True when `manifest` needs the live links of `engine`: one of its
    /// links uses it, links are pruned (then every engine's links on the
    /// declared clusters must be seen), or a cluster declares the engine's
    /// endpoint (a link that moved to another engine is seen where it was).
    pub fn needed_by(&self, manifest: &Manifest, engine: &T) -> bool {
        manifest.prune_links
            || manifest
                .links
                .values()
                .any(|l| self.of(l.engine.value).name() == engine.name())
            || manifest.clusters.values().any(|c| engine.reads_cluster(c))
    }
}
