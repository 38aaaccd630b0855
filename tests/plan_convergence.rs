//! Model-based property, through the real engine: for random manifests and
//! random live states seeded into two in-process Confluent doubles, `plan`
//! (from what the real reader reads) → `apply` (the real Confluent executor,
//! sending each action's payload) → `plan` again is empty. Also: no plan
//! ever acts on an object outside the manifest unless pruning allows it; no
//! plan shows a `${env:…}` value of the manifest; no executed action fails;
//! plans are deterministic.

mod common;
mod support;

use std::sync::OnceLock;
use std::time::Duration;

use common::manifest;
use linkctl::apply::events::Collect;
use linkctl::apply::{apply, ApplyOptions};
use linkctl::backend::registry::{self, Engines};
use linkctl::backend::Scope;
use linkctl::manifest::link_configs::declared_section;
use linkctl::manifest::Manifest;
use linkctl::plan::desired::expected_objects;
use linkctl::plan::normalize::same;
use linkctl::plan::{plan, ActionKind, ChangeOp, Plan, PlanOptions, Value};
use linkctl::state::LiveState;
use proptest::prelude::*;
use support::confluent_double::{DLink, Double};

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

prop_compose! {
    fn link_spec()(
        reversed in any::<bool>(),
        mode in 0..3usize,
        prefix in prop::bool::weighted(0.2),
        max_age in prop::option::of(prop::sample::select(vec![5000u32, 300000])),
        secret in prop::option::of(0..2u8),
        env_in_clear in prop::option::of(0..2u8),
        sync in prop::option::of((
            any::<bool>(),
            prop::option::of(prop::sample::select(vec![1000u32, 3000])),
            prop::collection::vec(any::<bool>(), 0..3),
        )),
        mirrors in prop::collection::vec((0..TOPICS.len(), 0..STATES.len()), 0..4),
        prune in any::<bool>(),
        allow_replace in any::<bool>(),
        rotation in prop::option::of(0..2u8),
    ) -> LinkSpec {
        LinkSpec {
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
        }
    }
}

fn yaml(links: &[(usize, LinkSpec)], doubles: &Doubles) -> String {
    let mut y = format!(
        "version: 1\nclusters:\n  a:\n    bootstrap: a:9092\n    cluster_id: a-id\n    rest: {}\n  b:\n    bootstrap: b:9092\n    cluster_id: b-id\n    rest: {}\nlinks:\n",
        doubles.a.rest_url(),
        doubles.b.rest_url()
    );
    if links.is_empty() {
        y.push_str("  {}\n");
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut mirror_names = std::collections::BTreeSet::new();
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
        // A topic name is unique on a cluster: a mirror name already taken
        // on this destination by an earlier link is left out (validation
        // refuses such a manifest).
        let prefix = if l.prefix { "p." } else { "" };
        let mirrors: Vec<_> = l
            .mirrors
            .iter()
            .filter(|(t, _)| mirror_names.insert((dst, format!("{prefix}{}", TOPICS[*t]))))
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
        // The doubles' sources take no record: promotions need no window.
        y.push_str("    cutover:\n      settle_ms: 0\n");
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
const MIRROR_STATUSES: &[&str] = &["ACTIVE", "PAUSED", "STOPPED", "PENDING_MIRROR", "FAILED"];

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

/// Two Confluent doubles (`a-id`, `b-id`) on one runtime, shared by every case.
struct Doubles {
    a: Double,
    b: Double,
    rt: tokio::runtime::Runtime,
}

fn doubles() -> &'static Doubles {
    static D: OnceLock<Doubles> = OnceLock::new();
    D.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (a, b) =
            rt.block_on(async { (Double::start("a-id").await, Double::start("b-id").await) });
        Doubles { a, b, rt }
    })
}

/// Empties both doubles, then seeds the random live objects.
fn seed(d: &Doubles, specs: &[LiveSpec]) {
    for x in [&d.a, &d.b] {
        x.with(|s| {
            s.links.clear();
            s.faults.clear();
        });
        x.clear_log();
    }
    for s in specs {
        let (double, remote) = if s.on_b {
            (&d.b, "a-id")
        } else {
            (&d.a, "b-id")
        };
        let mode = ["DESTINATION", "SOURCE", "BIDIRECTIONAL"][s.side];
        let mut configs = std::collections::BTreeMap::new();
        configs.insert("link.mode".to_string(), mode.to_string());
        configs.insert(
            "connection.mode".to_string(),
            if s.inbound { "INBOUND" } else { "OUTBOUND" }.to_string(),
        );
        for (k, v, dynamic) in &s.configs {
            // A default value is what the double reports for an unset key.
            if *dynamic {
                configs.insert(CONFIG_KEYS[*k].to_string(), CONFIG_VALUES[*v].to_string());
            }
        }
        let name = NAMES[s.name].to_string();
        double.with(|st| {
            st.link_counter += 1;
            let link = DLink {
                name: name.clone(),
                id: format!("seed-{:04}-XXXXXXXXXXXXX", st.link_counter),
                source_cluster_id: (s.side == 0).then(|| remote.to_string()),
                destination_cluster_id: (s.side == 1).then(|| remote.to_string()),
                remote_cluster_id: (s.side == 2).then(|| remote.to_string()),
                tasks: support::confluent_double::state::tasks_for(&configs),
                configs,
                state: "ACTIVE".into(),
                mirrors: Default::default(),
                hidden_gets: 0,
            };
            st.links.insert(name.clone(), link);
        });
        for (t, status) in &s.mirrors {
            // A topic name is unique on a cluster.
            let topic = TOPICS[*t].to_string();
            if double.with(|st| st.links.values().any(|l| l.mirrors.contains_key(&topic))) {
                continue;
            }
            double.seed_mirrors(&name, [topic], MIRROR_STATUSES[*status]);
        }
    }
}

/// What the real Confluent reader reads for `m`.
fn read(engines: &Engines, m: &Manifest, d: &Doubles) -> LiveState {
    d.rt.block_on(support::read(&engines.confluent, m, &Scope::default()))
        .expect("the doubles can be read")
}

/// Applies `p`'s actions with the real Confluent executor; every action must
/// succeed (a refusal by the server is a mismatch between planner and engine).
fn apply_plan(engines: &Engines, m: &Manifest, p: &Plan, d: &Doubles) -> Result<(), TestCaseError> {
    let parts = support::CtxParts::new(m);
    let env = parts.env();
    let opts = ApplyOptions {
        wait_timeout: Duration::from_secs(5),
        parallelism: 4,
        fail_fast: false,
    };
    let report =
        d.rt.block_on(apply(&p.actions, engines, env, &Collect::default(), &opts));
    prop_assert!(
        report.is_success(),
        "an action failed on the server:\n{}\nplan: {:#?}",
        report.render_text(),
        p.actions
    );
    Ok(())
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
                    // Without prune, only the keys of a declared section are reset.
                    if c.op == ChangeOp::Reset && !link.prune {
                        prop_assert!(
                            declared_section(link, &c.key).is_some(),
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
    fn plans_converge_through_the_engine_and_respect_the_manifest(
        links in prop::collection::vec((0..NAMES.len(), link_spec()), 0..4),
        independent_prior in prop::collection::vec((0..NAMES.len(), link_spec()), 0..3),
        similar_prior in any::<bool>(),
        prior_states in prop::collection::vec(0..STATES.len(), 16),
        extra in prop::collection::vec(live_spec(), 0..4),
        prune_links in any::<bool>(),
        force in any::<bool>(),
        scoped in prop::option::of(0..NAMES.len()),
    ) {
        let d = doubles();
        let engines = support::engines();
        let m = manifest(&yaml(&links, d));
        let opts = PlanOptions {
            links: scoped.map(|i| vec![NAMES[i].to_string()]).unwrap_or_default(),
            prune_links,
            force_delete_links: force,
        };
        // Random objects on the servers, then what an earlier manifest
        // applied on top: either an unrelated one, or the same one with other
        // mirror states and configs (the common case: an edited manifest).
        seed(d, &extra);
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
        let prior_m = manifest(&yaml(&prior, d));
        let prior_plan = plan(&prior_m, &read(&engines, &prior_m, d), &PlanOptions::default(), &registry::models());
        apply_plan(&engines, &prior_m, &prior_plan, d)?;

        let live = read(&engines, &m, d);
        let p = plan(&m, &live, &opts, &registry::models());
        check_scope(&m, &p, &opts)?;
        check_hidden(&m, &p)?;
        // Deterministic.
        prop_assert_eq!(&plan(&m, &live, &opts, &registry::models()), &p);
        apply_plan(&engines, &m, &p, d)?;
        let next = read(&engines, &m, d);
        let again = plan(&m, &next, &opts, &registry::models());
        // Converged, except where the first plan refused: a refusal may lift
        // once the rest of its plan is applied (e.g. a name freed by a pruned link).
        for a in &again.actions {
            prop_assert!(
                p.errors.iter().any(|e| a.id.starts_with(&e.target)),
                "not converged after one apply:\nfirst: {:#?}\nerrors: {:#?}\nsecond: {:#?}",
                p.actions, p.errors, again.actions
            );
        }
        if p.errors.is_empty() {
            check_values(&m, &next, &opts)?;
        }
        // Applying a plan never creates a new refusal.
        for e in &again.errors {
            prop_assert!(p.errors.iter().any(|f| f.target == e.target), "applying the plan led to a new error: {:?}\nplan: {:#?}", e, p.actions);
        }
        // The doubles live in a `static`, whose Drop (which fails a test on
        // requests outside the published API) never runs: check every case.
        check_followed_the_api(d)?;
    }
}

/// Every request of the case followed the published API.
fn check_followed_the_api(d: &Doubles) -> Result<(), TestCaseError> {
    for (name, x) in [("a", &d.a), ("b", &d.b)] {
        let v = x.violations();
        x.clear_violations();
        prop_assert!(
            v.is_empty(),
            "double {name} received requests outside the published API:\n  {}",
            v.join("\n  ")
        );
    }
    Ok(())
}
