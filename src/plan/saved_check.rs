//! A saved plan is what was reviewed only if it is what the planner makes.
//!
//! A saved plan is a file: it can be edited after review (a config appended
//! to a create payload, a `bootstrap.servers` pointed elsewhere) with its
//! fingerprints copied along. Two checks catch that:
//!
//! - [`differences`] (for `apply PLAN`): the saved plan against the plan the
//!   planner makes now from the manifest and the live state (whose
//!   fingerprint `apply` has already found equal to the recorded one): every
//!   action, its changes and its payload, and the plan's refusals must be
//!   the same.
//! - [`payload_differences`] (for `show PLAN`, which reads no cluster): each
//!   action's payload against the one the engine computes from the action,
//!   the manifest on disk and the live state the file records (secrets
//!   removed: payloads never depend on their values). Where the manifest's
//!   `${env:…}` variables are not set, secret fingerprints are left out of
//!   the comparison.
//!
//! Pure.

use serde_json::Value as Json;

use crate::manifest::Manifest;

use super::engine_model::{EngineModels, PlanContext};
use super::model::Plan;
use super::saved::SavedPlan;

/// The first difference between the saved plan and the one made now, in
/// words (`None`: the same plan).
pub fn differences(saved: &Plan, now: &Plan) -> Option<String> {
    for (i, a) in saved.actions.iter().enumerate() {
        match now.actions.get(i) {
            None => return Some(format!("action {} is not in the plan made now", a.id)),
            Some(b) if b != a => {
                let what = if b.id != a.id {
                    format!(
                        "action {} stands where the plan made now has {}",
                        a.id, b.id
                    )
                } else if b.payload != a.payload {
                    format!("the payload of {} is not what the planner computes", a.id)
                } else {
                    format!("action {} differs from the plan made now", a.id)
                };
                return Some(what);
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = now.actions.get(saved.actions.len()) {
        return Some(format!("the plan made now also has {}", extra.id));
    }
    (saved.errors != now.errors).then(|| "its refusals differ from the plan made now".to_string())
}

/// The first action whose payload is not what its engine computes from it,
/// `manifest` and the recorded live state, through the models of `engines`
/// (`None`: every payload matches).
/// `fingerprints` says whether secret fingerprints can be compared (the
/// manifest's variables are set).
pub fn payload_differences(
    saved: &SavedPlan,
    manifest: &Manifest,
    fingerprints: bool,
    engines: &EngineModels,
) -> Option<String> {
    let cx = PlanContext {
        manifest,
        live: &saved.live,
    };
    for a in &saved.plan.actions {
        let mut bare = a.clone();
        bare.payload = None;
        let computed = engines.of(a.engine).payload(&bare, &cx).ok();
        let same = match (&a.payload, &computed) {
            (None, None) => true,
            (Some(x), Some(y)) if fingerprints => x == y,
            (Some(x), Some(y)) => comparable(x) == comparable(y),
            _ => false,
        };
        if !same {
            return Some(format!(
                "the payload of {} is not what the planner computes from the manifest",
                a.id
            ));
        }
    }
    None
}

/// A payload as JSON without its secret fingerprints.
fn comparable(p: &impl serde::Serialize) -> Json {
    let mut v = serde_json::to_value(p).unwrap_or(Json::Null);
    strip_fingerprints(&mut v);
    v
}

fn strip_fingerprints(v: &mut Json) {
    match v {
        Json::Object(o) => {
            o.remove("fingerprint");
            o.remove("fingerprints");
            o.values_mut().for_each(strip_fingerprints);
        }
        Json::Array(a) => a.iter_mut().for_each(strip_fingerprints),
        _ => {}
    }
}
