//! `linkctl export`: a manifest that reproduces the live links and mirrors
//! of a manifest's clusters. Pure: live state in, manifest model and YAML
//! text out.
//!
//! - clusters: copied from the input manifest (as written there, so
//!   `${env:…}` references stay references);
//! - links: every link object found on those clusters, grouped by name;
//!   source and destination come from what the engine records about the
//!   other side ([`clusters`]: cluster ids, MirrorMaker 2's alias,
//!   bootstrap servers); a link whose other side is not a declared cluster
//!   is left out, with a note; the mode from `link.mode` /
//!   `connection.mode`; configs through [`sections`], with the planner's
//!   rule for "set by the user" ([`crate::plan::user_set`]);
//! - mirrors from the destination object: ACTIVE and PENDING_MIRROR →
//!   `active`, PAUSED → `paused`, STOPPED and PENDING_STOPPED → `promoted`;
//!   a mirror in any other status is left out with a note (export does not
//!   guess what its owner wants);
//! - secrets: sensitive configs become `${env:LINK_<LINK>_<KEY>}`
//!   placeholders (the engine never returns their values anyway).
//!
//! [`check`] validates the text and plans it against the same live state
//! before the command writes it; a link whose exported form does not plan
//! back to no change is left out with a note ([`Export::leave_out`]), and
//! the rest is checked again.

pub mod check;
pub mod clusters;
pub mod sections;
pub mod split;

use std::collections::BTreeMap;

use clusters::ClusterIndex;

use crate::manifest::Text;
use crate::plan::EngineModels;

use crate::manifest::{Link, LinkMode, Located, Manifest, Mirror, MirrorState, MANIFEST_VERSION};
use crate::state::{ConnectionMode, LinkSide, LiveLink, LiveState, MirrorStatus};

/// An exported manifest and what could not be expressed (or read) in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub manifest: Manifest,
    /// One line per link or mirror left out or approximated.
    pub notes: Vec<String>,
    /// Environment variables the placeholders name (to set before planning).
    pub secret_env: Vec<String>,
}

/// Builds the manifest reproducing `live` on the clusters of `input`.
/// What could not be read is left out, with a note saying why.
pub fn export(input: &Manifest, live: &LiveState, engines: &EngineModels) -> Export {
    let mut notes = Vec::new();
    for (cluster, cs) in &live.clusters {
        if input.cluster(cluster).is_none() {
            continue;
        }
        if let Some(why) = &cs.unread {
            notes.push(format!(
                "cluster {cluster} could not be read ({why}): its links, and the links from it, are left out"
            ));
        }
        for (link, why) in &cs.unread_links {
            notes.push(format!(
                "link {link} left out: it could not be read on {cluster} ({why})"
            ));
        }
    }
    let index = ClusterIndex::new(input, live);
    // Link name → [(owning cluster, object)].
    let mut objects: BTreeMap<&str, Vec<(&str, &LiveLink)>> = BTreeMap::new();
    for (cluster, cs) in &live.clusters {
        if input.cluster(cluster).is_none() {
            continue;
        }
        for (name, l) in &cs.links {
            objects.entry(name).or_default().push((cluster, l));
        }
    }
    let mut links = BTreeMap::new();
    for (name, objs) in objects {
        match export_link(input, live, engines, name, &objs, &index, &mut notes) {
            Ok(link) => {
                links.insert(Located::new(name.to_string()), link);
            }
            Err(why) => notes.push(format!("link {name} left out: {why}")),
        }
    }
    let secret_env = placeholders(&links);
    let manifest = Manifest {
        version: Located::new(MANIFEST_VERSION),
        clusters: input.clusters.clone(),
        links,
        prune_links: false,
        force_delete_links: false,
    };
    Export {
        manifest,
        notes,
        secret_env,
    }
}

impl Export {
    /// Leaves `link` out, noting why (`problems`: what planning it back found).
    pub fn leave_out(&mut self, link: &str, problems: &[String]) {
        self.manifest.links.retain(|k, _| k.value != link);
        self.secret_env = placeholders(&self.manifest.links);
        self.notes.push(format!(
            "link {link} left out: it cannot be expressed in a manifest that reproduces it ({})",
            problems.join("; ")
        ));
    }
}

/// The environment variables the placeholders of `links`' configs name.
fn placeholders(links: &BTreeMap<Located<String>, Link>) -> Vec<String> {
    links
        .values()
        .flat_map(|l| l.config.values())
        .filter_map(|v| placeholder_var(v.value.text().raw()).map(str::to_string))
        .collect()
}

fn placeholder_var(raw: &str) -> Option<&str> {
    raw.strip_prefix("${env:")?.strip_suffix('}')
}

/// The manifest link for the objects named `name`.
fn export_link(
    input: &Manifest,
    live: &LiveState,
    engines: &EngineModels,
    name: &str,
    objs: &[(&str, &LiveLink)],
    index: &ClusterIndex<'_>,
    notes: &mut Vec<String>,
) -> Result<Link, String> {
    let remote = |l: &LiveLink, id: &Option<String>| index.remote(l, id.as_deref());
    let find = |side: LinkSide| objs.iter().find(|(_, l)| l.side == side);
    // (destination cluster, destination object or None, source cluster, mode)
    let (dst, dst_obj, src, mode) = if let Some((c, l)) = find(LinkSide::Destination) {
        let mode = if l.connection_mode == ConnectionMode::Inbound {
            LinkMode::SourceInitiated
        } else {
            LinkMode::DestinationInitiated
        };
        (
            c.to_string(),
            Some(*l),
            remote(l, &l.source_cluster_id)?,
            mode,
        )
    } else if let Some((c, l)) = find(LinkSide::Source) {
        let dst = remote(l, &l.destination_cluster_id)?;
        (dst, None, c.to_string(), LinkMode::SourceInitiated)
    } else {
        // Bidirectional: the object with mirrors is the destination; else the
        // input manifest's choice; else the first cluster by name.
        let declared = input.link(name);
        let (c, l) = objs
            .iter()
            .find(|(_, l)| !l.mirrors.is_empty())
            .or_else(|| declared.and_then(|d| objs.iter().find(|(c, _)| *c == d.destination.value)))
            .or_else(|| objs.first())
            .ok_or("no link object")?;
        (
            c.to_string(),
            Some(*l),
            remote(l, &l.remote_cluster_id)?,
            LinkMode::Bidirectional,
        )
    };
    // A side that could not be read: the link cannot be reproduced.
    if let Some(why) = live
        .link_unread(&src, name)
        .or(live.link_unread(&dst, name))
    {
        return Err(format!("a cluster it uses could not be read ({why})"));
    }
    let engine = objs.first().map(|(_, l)| l.engine).unwrap_or_default();
    let source_cluster = input
        .cluster(&src)
        .ok_or_else(|| format!("source cluster `{src}` is not declared"))?;
    let mut link = Link {
        source: Located::new(src.clone()),
        destination: Located::new(dst.clone()),
        engine: Located::new(engine),
        mode: Located::new(mode),
        prefix: None,
        config: BTreeMap::new(),
        consumer_offset_sync: None,
        acl_sync: None,
        topic_config_sync: None,
        auto_create_mirrors: None,
        mirrors: Vec::new(),
        prune: false,
        allow_replace: false,
        rotation: None,
        cutover: None,
    };
    let Some(obj) = dst_obj else {
        // Only the source half of a source-initiated link exists: no
        // behaviour configs and no mirrors to export.
        return Ok(link);
    };
    link.prefix = obj
        .configs
        .get(crate::manifest::link_configs::PREFIX)
        .and_then(|c| c.value.clone())
        .filter(|p| !p.is_empty())
        .map(Located::new);
    let (mut explicit, unknown) = sections::explicit_configs(name, obj);
    // One note per link (a server that answers every row as dynamic leaves
    // every secret of the link in doubt).
    match unknown.as_slice() {
        [] => {}
        [key] => notes.push(format!(
            "link {name}: sensitive config `{key}` may or may not be set (the server's config rows do not say, and linkctl recorded no fingerprint of it); it is not exported: declare it if the link uses it"
        )),
        keys => notes.push(format!(
            "link {name}: sensitive configs `{}` may or may not be set (the server's config rows do not say, and linkctl recorded no fingerprint of them); they are not exported: declare those the link uses",
            keys.join("`, `")
        )),
    }
    // A value the input manifest reads from the environment is a secret even
    // when the server returns it in clear: export the reference, never the value.
    if let Some(declared) = input.link(name) {
        for (k, v) in explicit.iter_mut() {
            let Some(d) = declared.config.get(k.as_str()) else {
                continue;
            };
            let d = d.value.text();
            if !d.is_secret() {
                continue;
            }
            *v = if v.raw() == d.expose() {
                Text::plain(d.raw())
            } else {
                Text::plain(format!("${{env:{}}}", sections::secret_env_name(name, k)))
            };
        }
    }
    if mode == LinkMode::SourceInitiated {
        explicit.retain(|(k, _)| !crate::plan::desired::is_connection_key(k));
    }
    sections::fill(&mut link, &explicit, obj, source_cluster);
    if !engines.of(engine).exports_free_form_config() {
        // This engine's reader reports settings the manifest derives itself
        // (MirrorMaker 2's connector settings): keep only the structured sections.
        link.config.clear();
    }
    let fences = live.clusters.get(&src).and_then(|c| c.fences.as_ref());
    let source_fenced = |topic: &str| fences.is_some_and(|f| f.topics.contains(topic));
    for (mname, m) in &obj.mirrors {
        let Some(state) = declared_state(&m.status) else {
            notes.push(format!(
                "mirror {mname} of link {name} left out: its status {} says nothing about the state to declare (export does not guess); declare it once it is ACTIVE, PAUSED or STOPPED",
                m.status.as_str()
            ));
            continue;
        };
        let default_name = format!("{}{}", link.prefix_str(), m.source_topic);
        link.mirrors.push(Mirror {
            topic: Located::new(m.source_topic.clone()),
            name: (*mname != default_name).then(|| Located::new(mname.clone())),
            state: Located::new(state),
            // A fenced source of a stopped mirror: the fence stays declared.
            fence: (m.status.is_stopped() && source_fenced(&m.source_topic))
                .then(|| Located::new(true)),
            adopt: None,
        });
    }
    Ok(link)
}

/// The manifest state that reproduces a live mirror status, when one does.
pub fn declared_state(status: &MirrorStatus) -> Option<MirrorState> {
    match status {
        MirrorStatus::Active | MirrorStatus::PendingMirror => Some(MirrorState::Active),
        MirrorStatus::Paused => Some(MirrorState::Paused),
        MirrorStatus::Stopped | MirrorStatus::PendingStopped => Some(MirrorState::Promoted),
        _ => None,
    }
}

/// The exported manifest as YAML, starting with the schema modeline (none
/// when `schema_url` is empty).
pub fn to_yaml(export: &Export, schema_url: &str) -> Result<String, String> {
    let body = serde_saphyr::to_string(&export.manifest)
        .map_err(|e| format!("cannot render the manifest: {e}"))?;
    let mut out = String::new();
    if !schema_url.is_empty() {
        out.push_str(&format!("# yaml-language-server: $schema={schema_url}\n"));
    }
    out.push_str("# Exported by linkctl from the live state of the clusters below.\n");
    if !export.secret_env.is_empty() {
        out.push_str("# Sensitive link configs are read from these environment variables:\n");
        for v in &export.secret_env {
            out.push_str(&format!("#   {v}\n"));
        }
    }
    for n in &export.notes {
        out.push_str(&format!("# note: {n}\n"));
    }
    out.push_str(&body);
    Ok(out)
}
