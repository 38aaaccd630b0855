//! Every unknown key of a manifest at once.
//!
//! serde stops at the first unknown key. When it does, [`find`] walks the YAML
//! document next to the manifest's JSON Schema and reports each key that a
//! closed mapping (`additionalProperties: false`) does not allow. Where the
//! schema offers several shapes (`oneOf`/`anyOf`: `auth`, filters) it descends
//! only when exactly one shape fits the mapping, so it never reports a key
//! that serde would accept. Pure; never panics; gives up quietly on YAML it
//! cannot read (the serde error is reported anyway).

use granit_parser::{Event, Parser, Span};
use serde_json::Value;
use serde_saphyr::granit_parser;

use crate::manifest::diagnostic::Problem;
use crate::manifest::located::ByteSpan;
use crate::manifest::model::Manifest;

use super::syntax;

/// Nesting deeper than this is not walked (the parser caps nesting lower).
const MAX_DEPTH: usize = 512;
/// `$ref` chains longer than this are not followed.
const MAX_REFS: usize = 16;

/// Every unknown key in `text`, in document order.
pub fn find(text: &str) -> Vec<Problem> {
    let Some(root) = parse(text) else {
        return Vec::new();
    };
    let Ok(schema) = serde_json::to_value(schemars::schema_for!(Manifest)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    Walker {
        root: &schema,
        text,
        out: &mut out,
    }
    .walk(&root, &schema, 0);
    out
}

/// A YAML node, as much of it as the walk needs.
#[derive(Debug)]
enum Node {
    Map(Vec<(Node, Node)>),
    Seq(Vec<Node>),
    Scalar(String, Span),
    /// Aliases: their target is walked where it is defined.
    Other,
}

/// The first document of `text`, or `None` when it cannot be read.
fn parse(text: &str) -> Option<Node> {
    let mut events = Parser::new_from_str(text).map(Result::ok);
    let (event, span) = next(&mut events)?;
    node(event, span, &mut events, 0)
}

type Events<'a> = dyn Iterator<Item = Option<(Event<'a>, Span)>> + 'a;

/// The next node, `MappingEnd` or `SequenceEnd` event (comments, anchors and
/// stream/document markers skipped); `None` at the end or on a parse error.
fn next<'a>(events: &mut Events<'a>) -> Option<(Event<'a>, Span)> {
    loop {
        let (e, s) = events.next().flatten()?;
        if e.is_node() || matches!(e, Event::MappingEnd | Event::SequenceEnd) {
            return Some((e, s));
        }
        if matches!(e, Event::DocumentEnd | Event::StreamEnd) {
            return None;
        }
    }
}

/// The node starting with `event`; `None` on a parse error or an unexpected event.
fn node<'a>(event: Event<'a>, span: Span, events: &mut Events<'a>, depth: usize) -> Option<Node> {
    if depth > MAX_DEPTH {
        return None;
    }
    match event {
        Event::Scalar(v, ..) => Some(Node::Scalar(v.into_owned(), span)),
        Event::SequenceStart(..) => {
            children(events, depth, |e| matches!(e, Event::SequenceEnd)).map(Node::Seq)
        }
        Event::MappingStart(..) => {
            // Keys and values alternate.
            let nodes = children(events, depth, |e| matches!(e, Event::MappingEnd))?;
            if nodes.len() % 2 != 0 {
                return None;
            }
            let mut nodes = nodes.into_iter();
            let mut entries = Vec::new();
            while let (Some(key), Some(value)) = (nodes.next(), nodes.next()) {
                entries.push((key, value));
            }
            Some(Node::Map(entries))
        }
        Event::Alias(_) | Event::UnresolvedAlias(_) => Some(Node::Other),
        _ => None,
    }
}

/// The nodes of a sequence or a mapping, up to the event that closes it
/// (`is_end`); `None` on a parse error or an unexpected event.
fn children<'a>(
    events: &mut Events<'a>,
    depth: usize,
    is_end: fn(&Event<'a>) -> bool,
) -> Option<Vec<Node>> {
    let mut out = Vec::new();
    loop {
        let (e, s) = next(events)?;
        if is_end(&e) {
            return Some(out);
        }
        out.push(node(e, s, events, depth + 1)?);
    }
}

struct Walker<'a> {
    root: &'a Value,
    text: &'a str,
    out: &'a mut Vec<Problem>,
}

impl<'a> Walker<'a> {
    fn walk(&mut self, node: &Node, schema: &'a Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(schema) = self.resolve(schema) else {
            return;
        };
        match node {
            Node::Map(entries) => {
                if let Some(shape) = self.object_shape(schema, entries) {
                    self.walk_mapping(entries, shape, depth);
                }
            }
            Node::Seq(items) => {
                if let Some(items_schema) = self.items_schema(schema) {
                    for item in items {
                        self.walk(item, items_schema, depth + 1);
                    }
                }
            }
            Node::Scalar(..) | Node::Other => {}
        }
    }

    fn walk_mapping(&mut self, entries: &[(Node, Node)], shape: &'a Value, depth: usize) {
        let props = shape.get("properties").and_then(Value::as_object);
        let additional = shape.get("additionalProperties");
        for (key, value) in entries {
            let Node::Scalar(name, span) = key else {
                continue;
            };
            if let Some(s) = props.and_then(|p| p.get(name.as_str())) {
                self.walk(value, s, depth + 1);
            } else if additional == Some(&Value::Bool(false)) {
                if name != "<<" {
                    self.report(name, *span, props);
                }
            } else if let Some(s) = additional.filter(|a| a.is_object()) {
                self.walk(value, s, depth + 1);
            }
        }
    }

    fn report(&mut self, name: &str, span: Span, props: Option<&serde_json::Map<String, Value>>) {
        let expected: Vec<&str> = props
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let (problem, label) = syntax::unknown_key(name, &expected);
        let span = span.byte_range().map(|r| {
            let offset = r.start.min(self.text.len());
            let end = r.end.clamp(offset, self.text.len());
            ByteSpan {
                offset,
                len: end - offset,
            }
        });
        self.out.push(problem.at(span, label));
    }

    /// `schema` with `$ref`s followed.
    fn resolve(&self, mut schema: &'a Value) -> Option<&'a Value> {
        for _ in 0..MAX_REFS {
            let Some(r) = schema.get("$ref").and_then(Value::as_str) else {
                return Some(schema);
            };
            let path = r.strip_prefix('#')?;
            schema = self.root.pointer(path)?;
        }
        None
    }

    /// The alternatives of a `oneOf`/`anyOf` schema, flattened and resolved
    /// (`None` when `schema` has no alternatives).
    fn alternatives(&self, schema: &'a Value, depth: usize, out: &mut Vec<&'a Value>) -> bool {
        let alts = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Value::as_array);
        let Some(alts) = alts else {
            return false;
        };
        for alt in alts {
            let Some(alt) = self.resolve(alt) else {
                continue;
            };
            if depth >= MAX_REFS || !self.alternatives(alt, depth + 1, out) {
                out.push(alt);
            }
        }
        true
    }

    /// The single object schema a mapping with `entries` is checked against.
    fn object_shape(&self, schema: &'a Value, entries: &[(Node, Node)]) -> Option<&'a Value> {
        let mut alts = Vec::new();
        if !self.alternatives(schema, 0, &mut alts) {
            return is_object(schema).then_some(schema);
        }
        let objects: Vec<&Value> = alts.into_iter().filter(|a| is_object(a)).collect();
        if let [only] = objects[..] {
            return Some(only);
        }
        let fitting: Vec<&Value> = objects.into_iter().filter(|a| fits(a, entries)).collect();
        match fitting[..] {
            [only] => Some(only),
            _ => None,
        }
    }

    /// The item schema of an array schema (or of its only array alternative).
    fn items_schema(&self, schema: &'a Value) -> Option<&'a Value> {
        let mut alts = Vec::new();
        if !self.alternatives(schema, 0, &mut alts) {
            return schema.get("items").filter(|i| i.is_object());
        }
        let arrays: Vec<&Value> = alts
            .into_iter()
            .filter_map(|a| a.get("items").filter(|i| i.is_object()))
            .collect();
        match arrays[..] {
            [only] => Some(only),
            _ => None,
        }
    }
}

/// Whether a schema describes a mapping.
fn is_object(schema: &Value) -> bool {
    let ty = schema.get("type");
    ty == Some(&Value::String("object".into()))
        || ty
            .and_then(Value::as_array)
            .is_some_and(|t| t.iter().any(|t| t == "object"))
        || (ty.is_none()
            && (schema.get("properties").is_some() || schema.get("additionalProperties").is_some()))
}

/// Whether a mapping with `entries` satisfies an object schema's key rules.
fn fits(schema: &Value, entries: &[(Node, Node)]) -> bool {
    let keys: Vec<&str> = entries
        .iter()
        .filter_map(|(k, _)| match k {
            Node::Scalar(name, _) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    if keys.len() != entries.len() {
        return false;
    }
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect::<Vec<_>>())
        .unwrap_or_default();
    let props = schema.get("properties").and_then(Value::as_object);
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    required.iter().all(|r| keys.contains(r))
        && (!closed
            || keys
                .iter()
                .all(|k| props.is_some_and(|p| p.contains_key(*k))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (key, line, column, help) of every problem found.
    fn found(yaml: &str) -> Vec<(String, usize, usize, String)> {
        find(yaml)
            .into_iter()
            .map(|p| {
                assert_eq!(p.code, "linkctl::unknown_key");
                let (line, col) = p.line_col(yaml).expect("located");
                let key = p
                    .message
                    .trim_start_matches("unknown key `")
                    .trim_end_matches('`');
                (key.to_string(), line, col, p.help.unwrap_or_default())
            })
            .collect()
    }

    fn keys(yaml: &str) -> Vec<String> {
        found(yaml).into_iter().map(|f| f.0).collect()
    }

    const TWO_CLUSTERS: &str = "version: 1\nclusters:\n  us:\n    bootstarp: a:1\n  eu:\n    bootstrap: b:1\n    rset: http://b\n";

    #[test]
    fn reports_every_unknown_key_with_its_place_and_suggestion() {
        let f = found(TWO_CLUSTERS);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!((f[0].0.as_str(), f[0].1, f[0].2), ("bootstarp", 4, 5));
        assert!(f[0]
            .3
            .starts_with("did you mean `bootstrap`? (allowed here: `bootstrap`, `rest`"));
        assert_eq!((f[1].0.as_str(), f[1].1, f[1].2), ("rset", 7, 5));
        assert!(f[1].3.starts_with("did you mean `rest`?"), "{}", f[1].3);
    }

    #[test]
    fn walks_links_mirrors_offset_sync_and_auth() {
        let y = "verison: 1\nclusters:\n  us:\n    bootstrap: a\n    auth: {basic: {username: u, pasword: p}}\nlinks:\n  l:\n    source: us\n    destination: us\n    prefx: x.\n    consumer_offset_sync:\n      interval: 5\n      groups: [{include: \"*\"}]\n    mirrors:\n      - topic: t\n        sate: active\n";
        assert_eq!(keys(y), ["verison", "pasword", "prefx", "interval", "sate"]);
    }

    #[test]
    fn known_keys_and_open_maps_are_never_reported() {
        let y = "version: 1\nclusters:\n  any-name:\n    bootstrap: a\n    kafka: {whatever.key: 1}\n    auth: {bearer: {token: t, identity_pool_id: p}}\nlinks:\n  l:\n    source: a\n    destination: b\n    config: {anything.goes: x}\n    acl_sync: {filters: [{resource_type: topic}]}\n    auto_create_mirrors: {topics: [{include: {prefix: app-}}, {exclude: x}]}\n    topic_config_sync: {include: [retention.ms]}\n";
        assert_eq!(keys(y), Vec::<String>::new());
    }

    #[test]
    fn ambiguous_shapes_are_skipped() {
        // `auth` with two variant keys, and a filter that is no known variant:
        // serde says what is wrong there, this pass stays silent.
        let y = "version: 1\nclusters:\n  us:\n    bootstrap: a\n    auth: {basic: {usr: u}, bearer: {tokn: t}}\nlinks:\n  l:\n    source: us\n    destination: us\n    consumer_offset_sync: {groups: [{inclde: x, foo: {bar: 1}}]}\n";
        assert_eq!(keys(y), Vec::<String>::new());
    }

    #[test]
    fn merge_keys_aliases_and_odd_keys_are_left_alone() {
        let y = "version: 1\nbase: &b {bootstrap: a}\nclusters:\n  us:\n    <<: *b\n    ? [complex]\n    : 1\n  eu: *b\n";
        assert_eq!(keys(y), ["base"]);
    }

    #[test]
    fn unreadable_yaml_gives_nothing_and_never_panics() {
        for y in [
            "",
            "a: [",
            "\u{0}\u{1}",
            "- x\n- y",
            "x",
            "a: 'b",
            "--- 1\n--- 2",
            "{{{{{{{{{{",
        ] {
            assert!(find(y).is_empty(), "{y:?}");
        }
        let deep = format!(
            "version: 1\nclusters: {}{}\n",
            "[".repeat(400),
            "]".repeat(400)
        );
        assert!(find(&deep).is_empty());
    }

    #[test]
    fn the_loader_reports_all_of_them_once_sorted() {
        use crate::manifest::validate::test_support::problems;
        let p = problems(TWO_CLUSTERS);
        let msgs: Vec<&str> = p.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(msgs, ["unknown key `bootstarp`", "unknown key `rset`"]);
        // Quoted keys in flow mappings: serde's key is not reported twice.
        let q =
            "version: 1\nclusters:\n  us: {\"bootstarp\": a}\n  eu: {bootstrap: a, \"rset\": x}\n";
        assert_eq!(problems(q).len(), 2, "{:?}", problems(q));
    }

    #[test]
    fn a_valid_manifest_needs_no_walk() {
        use crate::manifest::validate::test_support::{codes, CLUSTERS};
        assert_eq!(codes(CLUSTERS), Vec::<&str>::new());
        assert_eq!(keys(CLUSTERS), Vec::<String>::new());
    }
}
