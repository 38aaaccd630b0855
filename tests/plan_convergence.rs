//! Model-based property: for random manifests and random live states,
//! applying a plan's actions with the test simulator yields a live state
//! whose plan is empty; and no plan ever acts on an object outside the
//! manifest unless pruning allows it; and no plan shows a `${env:…}` value of
//! the manifest.

mod common;

use common::*;
use linkctl::manifest::Manifest;
use linkctl::plan::desired::expected_objects;
use linkctl::plan::diff::STRUCTURED_KEYS;
use linkctl::plan::normalize::same;
use linkctl::plan::{plan, ActionKind, ChangeOp, Plan, PlanOptions, Value};
use linkctl::state::{ConnectionMode, LinkSide, LiveState, MirrorStatus};
use proptest::prelude::*;

const NAMES: &[&str] = &["l0", "l1", "l2", "l3"];
const TOPICS: &[&str] = &["t0", "t1", "t2", "t3"];
const STATES: &[&str] = &["active", "paused", "promoted", "failed_over"];
const MODES: &[&str] = &["destination-initiated", "source-initiated", "bidirectional"];

#[derive(Debug, Clone)]
struct LinkSpec {
    reversed: bool,
    mode: usize,
    prefix: bool,
    max_age: Option<u32>,
    secret: Option<u8>,
    /// A `${env:…}` value under a key the server returns in clear.
    env_in_clear: Option<u8>,
    sync: Option<(bool, Option<u32>, Vec<bool>)>,
    mirrors: Vec<(usize, usize)>,
    prune: bool,
    allow_replace: bool,
    rotation: Option<u8>,
}

fn link_spec() -> impl Strategy<Value = LinkSpec> {
    (
        any::<bool>(),
        0..3usize,
        prop::bool::weighted(0.2),
        prop::option::of(prop::sample::select(vec![5000u32, 300000])),
        prop::option::of(0..2u8),
        prop::option::of(0..2u8),
        prop::option::of((
            any::<bool>(),
            prop::option::of(prop::sample::select(vec![1000u32, 3000])),
            prop::collection::vec(any::<bool>(), 0..3),
        )),
        prop::collection::vec((0..TOPICS.len(), 0..STATES.len()), 0..4),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(0..2u8),
    )
        .prop_map(
            |(
                reversed,
                mode,
                prefix,
                max_age,
                secret,
                env_in_clear,
                sync,
                mirrors,
                prune,
                allow_replace,
                rotation,
            )| LinkSpec {
                reversed,
                mode,
                prefix,
                max_age,
                secret,
                env_in_clear,
                sync,
                mirrors,
                prune,
                allow_replace,
                rotation,
            },
        )
}

fn yaml(links: &[(usize, LinkSpec)]) -> String {
    let mut y = String::from(
        "version: 1\nclusters:\n  a:\n    bootstrap: a:9092\n    cluster_id: a-id\n  b:\n    bootstrap: b:9092\n    cluster_id: b-id\nlinks:\n",
    );
    if links.is_empty() {
        y.push_str("  {}\n");
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, l) in links {
        if !seen.insert(*i) {
            continue;
        }
        let (src, dst) = if l.reversed { ("b", "a") } else { ("a", "b") };
        y.push_str(&format!(
            "  {}:\n    source: {src}\n    destination: {dst}\n    mode: {}\n",
            NAMES[*i], MODES[l.mode]
        ));
        if l.prefix {
            y.push_str("    prefix: \"p.\"\n");
        }
        if l.max_age.is_some() || l.secret.is_some() || l.env_in_clear.is_some() {
            y.push_str("    config:\n");
            if let Some(v) = l.max_age {
                y.push_str(&format!("      metadata.max.age.ms: {v}\n"));
            }
            if let Some(s) = l.secret {
                y.push_str(&format!("      sasl.jaas.config: \"${{env:S{s}}}\"\n"));
            }
            if let Some(e) = l.env_in_clear {
                y.push_str(&format!("      client.rack: \"${{env:R{e}}}\"\n"));
            }
        }
        if let Some((enabled, ms, groups)) = &l.sync {
            y.push_str(&format!(
                "    consumer_offset_sync:\n      enabled: {enabled}\n"
            ));
            if let Some(ms) = ms {
                y.push_str(&format!("      interval_ms: {ms}\n"));
            }
            if !groups.is_empty() {
                y.push_str("      groups:\n");
                for (k, inc) in groups.iter().enumerate() {
                    y.push_str(&format!(
                        "        - {}: g{k}\n",
                        if *inc { "include" } else { "exclude" }
                    ));
                }
            }
        }
        let mut topics = std::collections::BTreeSet::new();
        let mirrors: Vec<_> = l
            .mirrors
            .iter()
            .filter(|(t, _)| topics.insert(*t))
            .collect();
        if !mirrors.is_empty() {
            y.push_str("    mirrors:\n");
            for (t, s) in mirrors {
                y.push_str(&format!(
                    "      - topic: {}\n        state: {}\n",
                    TOPICS[*t], STATES[*s]
                ));
            }
        }
        if l.prune {
            y.push_str("    prune: true\n");
        }
        if l.allow_replace {
            y.push_str("    allow_replace: true\n");
        }
        if let Some(r) = l.rotation {
            y.push_str(&format!("    rotation: \"r{r}\"\n"));
        }
    }
    y
}

#[derive(Debug, Clone)]
struct LiveSpec {
    name: usize,
    on_b: bool,
    side: usize,
    inbound: bool,
    configs: Vec<(usize, usize, bool)>,
    mirrors: Vec<(usize, usize)>,
}

const CONFIG_KEYS: &[&str] = &[
    "metadata.max.age.ms",
    "consumer.offset.sync.enable",
    "consumer.offset.sync.ms",
    "consumer.offset.group.filters",
    "acl.sync.enable",
    "some.free.key",
    "cluster.link.prefix",
    "client.rack",
];
const CONFIG_VALUES: &[&str] = &[
    "5000",
    "true",
    "3000",
    r#"{"groupFilters":[]}"#,
    "false",
    "",
];
const MIRROR_STATUSES: &[MirrorStatus] = &[
    MirrorStatus::Active,
    MirrorStatus::Paused,
    MirrorStatus::Stopped,
    MirrorStatus::PendingMirror,
    MirrorStatus::Failed,
];

fn live_spec() -> impl Strategy<Value = LiveSpec> {
    (
        0..NAMES.len(),
        any::<bool>(),
        0..3usize,
        any::<bool>(),
        prop::collection::vec(
            (0..CONFIG_KEYS.len(), 0..CONFIG_VALUES.len(), any::<bool>()),
            0..4,
        ),
        prop::collection::vec((0..TOPICS.len(), 0..MIRROR_STATUSES.len()), 0..4),
    )
        .prop_map(|(name, on_b, side, inbound, configs, mirrors)| LiveSpec {
            name,
            on_b,
            side,
            inbound,
            configs,
            mirrors,
        })
}

fn build_live(specs: &[LiveSpec]) -> LiveState {
    let mut live = empty_live(&[("a", "a-id"), ("b", "b-id")]);
    for s in specs {
        let (cluster, remote) = if s.on_b { ("b", "a-id") } else { ("a", "b-id") };
        let side = [
            LinkSide::Destination,
            LinkSide::Source,
            LinkSide::Bidirectional,
        ][s.side];
        let conn = if s.inbound {
            ConnectionMode::Inbound
        } else {
            ConnectionMode::Outbound
        };
        let mut l = live_link(NAMES[s.name], side, conn, remote);
        for (k, v, dyn_) in &s.configs {
            let c = if *dyn_ {
                dynamic(CONFIG_VALUES[*v])
            } else {
                default_config(CONFIG_VALUES[*v])
            };
            l.configs.insert(CONFIG_KEYS[*k].to_string(), c);
        }
        for (t, st) in &s.mirrors {
            l.mirrors.insert(
                TOPICS[*t].to_string(),
                mirror(TOPICS[*t], TOPICS[*t], MIRROR_STATUSES[*st].clone()),
            );
        }
        live.clusters
            .get_mut(cluster)
            .unwrap()
            .links
            .insert(NAMES[s.name].to_string(), l);
    }
    live
}

/// No action on something the manifest does not manage, unless pruning allows it.
fn check_scope(m: &Manifest, p: &Plan, opts: &PlanOptions) -> Result<(), TestCaseError> {
    for a in &p.actions {
        prop_assert!(opts.in_scope(&a.link), "{} is out of scope", a.id);
        let declared = m
            .links
            .iter()
            .find(|(k, _)| k.value == a.link)
            .map(|(_, l)| l);
        match declared {
            None => {
                prop_assert!(
                    opts.prune_links,
                    "{} acts on an undeclared link without prune",
                    a.id
                );
                prop_assert!(
                    a.kind == ActionKind::DeleteLink
                        || (a.kind == ActionKind::FailoverMirror && opts.force_delete_links),
                    "{} on an undeclared link",
                    a.id
                );
            }
            Some(link) => {
                for c in &a.changes {
                    if c.op == ChangeOp::Reset && !STRUCTURED_KEYS.contains(&c.key.as_str()) {
                        prop_assert!(
                            link.prune,
                            "{} resets unmanaged key {} without prune",
                            a.id,
                            c.key
                        );
                    }
                }
                if a.kind == ActionKind::DeleteLink {
                    prop_assert!(
                        link.allow_replace,
                        "{} deletes a declared link without allow_replace",
                        a.id
                    );
                }
                if let Some(mname) = &a.mirror {
                    let is_declared = link.mirrors.iter().any(|mm| &mm.mirror_name(link) == mname);
                    if a.kind == ActionKind::DeleteMirrorTopic {
                        prop_assert!(
                            link.prune && !is_declared,
                            "{} deletes a mirror without prune",
                            a.id
                        );
                    } else {
                        prop_assert!(is_declared, "{} acts on an undeclared mirror", a.id);
                    }
                }
            }
        }
    }
    Ok(())
}

/// A change of a key whose manifest value is a secret shows neither side, and
/// no note, warning or error quotes a secret of the manifest. (A live value of
/// a key the manifest no longer declares is the server's, shown as it is.)
fn check_hidden(m: &Manifest, p: &Plan) -> Result<(), TestCaseError> {
    let mut secrets = Vec::new();
    for (name, link) in &m.links {
        for o in expected_objects(link, m).expect("valid") {
            for (key, d) in &o.configs {
                if !(d.sensitive || d.value.is_secret()) {
                    continue;
                }
                secrets.push(d.value.expose().to_string());
                for a in p
                    .actions
                    .iter()
                    .filter(|a| a.link == name.value && a.cluster == o.cluster)
                {
                    for c in a.changes.iter().filter(|c| &c.key == key) {
                        for v in [&c.before, &c.after] {
                            prop_assert!(
                                !matches!(v, Some(Value::Plain(_))),
                                "{}: `{key}` holds a secret but is shown",
                                a.id
                            );
                        }
                    }
                }
            }
        }
    }
    let notes = p.actions.iter().flat_map(|a| a.notes.iter().cloned());
    let notes = notes.chain(
        p.warnings
            .iter()
            .chain(&p.errors)
            .map(|n| n.message.clone()),
    );
    for text in notes {
        prop_assert!(
            !secrets.iter().any(|s| text.contains(s.as_str())),
            "a secret is quoted in: {text}"
        );
    }
    Ok(())
}

/// After an apply without refusals, every declared key the live state shows
/// in clear has the manifest's value (`${env:…}` ones included).
fn check_values(m: &Manifest, live: &LiveState, opts: &PlanOptions) -> Result<(), TestCaseError> {
    for (name, link) in &m.links {
        if !opts.in_scope(&name.value) {
            continue;
        }
        for o in expected_objects(link, m).expect("valid") {
            let Some(l) = live
                .clusters
                .get(&o.cluster)
                .and_then(|c| c.links.get(&name.value))
            else {
                return Err(TestCaseError::fail(format!(
                    "{}/{} was not created",
                    o.cluster, name.value
                )));
            };
            for (key, d) in &o.configs {
                let Some(lc) = l
                    .configs
                    .get(key)
                    .filter(|c| !c.is_sensitive && c.value.is_some())
                else {
                    continue;
                };
                prop_assert!(
                    same(key, lc.value.as_deref(), Some(d.value.expose())),
                    "{}/{}: `{key}` does not have the manifest's value after the apply",
                    o.cluster,
                    name.value
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn plans_converge_and_respect_the_manifest(
        links in prop::collection::vec((0..NAMES.len(), link_spec()), 0..4),
        independent_prior in prop::collection::vec((0..NAMES.len(), link_spec()), 0..3),
        similar_prior in any::<bool>(),
        prior_states in prop::collection::vec(0..STATES.len(), 16),
        extra in prop::collection::vec(live_spec(), 0..4),
        prune_links in any::<bool>(),
        force in any::<bool>(),
        scoped in prop::option::of(0..NAMES.len()),
    ) {
        let m = manifest(&yaml(&links));
        let opts = PlanOptions {
            links: scoped.map(|i| vec![NAMES[i].to_string()]).unwrap_or_default(),
            prune_links,
            force_delete_links: force,
        };
        // A live state that a previous manifest produced, plus random objects.
        let base = build_live(&extra);
        // Either an unrelated earlier manifest, or the same one with other
        // mirror states and configs (the common case: an edited manifest).
        let prior = if similar_prior {
            let mut prior = links.clone();
            let mut k = 0;
            for (_, l) in &mut prior {
                for (_, st) in &mut l.mirrors {
                    *st = prior_states[k % prior_states.len()];
                    k += 1;
                }
                l.max_age = l.max_age.map(|v| v + 1);
                l.secret = l.secret.map(|v| 1 - v);
                l.env_in_clear = l.env_in_clear.map(|v| 1 - v);
            }
            prior
        } else {
            independent_prior
        };
        let prior_m = manifest(&yaml(&prior));
        let prior_plan = plan(&prior_m, &base, &PlanOptions::default());
        let live = apply(&prior_m, &base, &prior_plan);

        let p = plan(&m, &live, &opts);
        check_scope(&m, &p, &opts)?;
        check_hidden(&m, &p)?;
        let next = apply(&m, &live, &p);
        let again = plan(&m, &next, &opts);
        prop_assert!(again.actions.is_empty(), "not converged after one apply:\nfirst: {:#?}\nsecond: {:#?}", p.actions, again.actions);
        if p.errors.is_empty() {
            check_values(&m, &next, &opts)?;
        }
        // Applying a plan never creates a new refusal.
        for e in &again.errors {
            prop_assert!(p.errors.iter().any(|f| f.target == e.target), "applying the plan led to a new error: {:?}\nplan: {:#?}", e, p.actions);
        }
        // Deterministic.
        prop_assert_eq!(plan(&m, &live, &opts), p);
    }
}
