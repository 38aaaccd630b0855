//! A new link that sets a key its server holds read-only: a warning (an
//! error with `plan --strict`). The evidence is the engine's table of
//! read-only keys per kind of server (Confluent Cloud's, from recorded
//! answers), or another link on the same cluster whose config row says the
//! key is read-only. An existing link's read-only keys are refused by the
//! config diff ([`super::configs`]).

use crate::manifest::{Link, Manifest};
use crate::plan::desired::ExpectedObject;
use crate::state::LiveState;

use super::{link_target, Builder};

/// Warns about each key of `o` (a link object to create) that is read-only
/// on its cluster.
pub(super) fn warn_on_create(
    b: &mut Builder,
    name: &str,
    link: &Link,
    o: &ExpectedObject,
    manifest: &Manifest,
    live: &LiveState,
) {
    let cs = live.clusters.get(&o.cluster);
    let cluster_id = cs.and_then(|c| c.cluster_id.as_deref());
    let model = b.engines.of(link.engine.value);
    for key in o.configs.keys() {
        let from_table = manifest
            .cluster(&o.cluster)
            .and_then(|c| model.read_only_on_create(c, cluster_id, key));
        let why = from_table.or_else(|| {
            let (other, _) = cs?
                .links
                .iter()
                .find(|(n, l)| *n != name && l.configs.get(key).is_some_and(|c| c.is_read_only))?;
            Some(format!(
                "`{key}` is read-only on `{}`: link `{other}` there says so in its config rows; the server may refuse the new link or keep its own value: remove the key from `config`",
                o.cluster
            ))
        });
        if let Some(why) = why {
            b.warn(link_target(&o.cluster, name), why);
        }
    }
}
