//! The published contract: Confluent's REST v3 OpenAPI specs (the subset of
//! `shared/reference/openapi/confluent-rest-v3-subset.json`), loaded once per
//! test process, to check every request the double receives and every body
//! it answers.
//!
//! Schemas are OpenAPI 3.0; they are turned into JSON Schema 2020-12 for the
//! `jsonschema` crate: `nullable: true` adds `"null"` to `type`, refs to
//! `#/components/schemas/X` point at `#/$defs/X`, and `format: int32` bounds
//! an integer. `x-extensible-enum` stays an annotation (open enums), `enum`
//! is enforced. No schema of the subset sets `additionalProperties`, so
//! unknown properties are accepted (the crate would enforce it if one did).

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::{json, Map, Value};

mod convert;
mod response;

use convert::convert;

/// Where the subset lives, relative to the crate.
pub const SUBSET: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/reference/openapi/confluent-rest-v3-subset.json"
);

/// One segment of a templated path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Lit(String),
    Param(String),
}

#[derive(Debug, Clone)]
pub struct QueryParam {
    pub name: String,
    pub required: bool,
    /// Converted schema (`$ref`s into `$defs`).
    schema: Value,
}

#[derive(Debug, Clone)]
pub struct ResponseSpec {
    pub content_types: Vec<String>,
    /// Converted schema, when the response declares one.
    schema: Option<Value>,
}

/// One operation of one source spec.
#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    pub method: String,
    /// The templated path, without the base (`/clusters/{cluster_id}/links`).
    pub path: String,
    /// Which published spec it comes from.
    pub source: String,
    segs: Vec<Seg>,
    pub query: Vec<QueryParam>,
    body: Option<(bool, String, Value)>,
    responses: BTreeMap<String, ResponseSpec>,
}

impl Operation {
    fn literal_count(&self) -> usize {
        self.segs
            .iter()
            .filter(|s| matches!(s, Seg::Lit(_)))
            .count()
    }

    /// The path parameters of `segs` if it matches this template.
    fn matches(&self, segs: &[String]) -> Option<BTreeMap<String, String>> {
        if segs.len() != self.segs.len() {
            return None;
        }
        let mut params = BTreeMap::new();
        for (t, s) in self.segs.iter().zip(segs) {
            match t {
                Seg::Lit(l) if l == s => {}
                Seg::Lit(_) => return None,
                Seg::Param(_) if s.is_empty() => return None,
                Seg::Param(p) => {
                    params.insert(p.clone(), s.clone());
                }
            }
        }
        Some(params)
    }
}

/// A request as the double received it.
pub struct Request<'a> {
    pub method: &'a str,
    /// The full path, base included (`/kafka/v3/clusters/...`).
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// The operation a valid request was matched to.
#[derive(Debug, Clone)]
pub struct Matched {
    pub id: String,
    pub method: String,
    pub path: String,
    /// The spec(s) the request is valid for (`cloud`, `platform`).
    pub sources: Vec<String>,
    /// Path parameters, percent-decoded.
    pub params: BTreeMap<String, String>,
    /// Query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
}

pub struct Spec {
    pub base_path: String,
    ops: Vec<Operation>,
    defs: Map<String, Value>,
    validators: HashMap<String, Validator>,
}

/// The spec, loaded on first use.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text = std::fs::read_to_string(SUBSET)
            .unwrap_or_else(|e| panic!("the double needs the published spec at {SUBSET}: {e}"));
        let doc: Value = serde_json::from_str(&text).expect("the spec subset is JSON");
        Spec::from_doc(&doc)
    })
}

fn segments(template: &str) -> Vec<Seg> {
    template
        .trim_matches('/')
        .split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(p) => Seg::Param(p.to_string()),
                None => Seg::Lit(s.to_string()),
            },
        )
        .collect()
}

/// `cloud` / `platform` for an operation's `source` text.
fn source_name(doc: &Value, text: &str) -> String {
    let sources = doc["sources"].as_object().cloned().unwrap_or_default();
    let repo = text.split_whitespace().next().unwrap_or(text);
    sources
        .iter()
        .find(|(_, v)| v.as_str().is_some_and(|v| v.contains(repo)))
        .map(|(k, _)| k.clone())
        .unwrap_or_else(|| text.to_string())
}

/// Percent-decoding of one path segment.
pub fn decode(seg: &str) -> String {
    let bytes = seg.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decoded `key=value` pairs of a query string.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let Some(q) = query.filter(|q| !q.is_empty()) else {
        return Vec::new();
    };
    match reqwest::Url::parse(&format!("http://x/?{q}")) {
        Ok(u) => u
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        Err(_) => Vec::new(),
    }
}

impl Spec {
    /// A spec from a document shaped like the subset file.
    pub fn from_doc(doc: &Value) -> Self {
        let defs: Map<String, Value> = doc["schemas"]
            .as_object()
            .expect("schemas")
            .iter()
            .map(|(k, v)| (k.clone(), convert(v)))
            .collect();
        let mut spec = Spec {
            base_path: doc["base_path"].as_str().unwrap_or("/kafka/v3").to_string(),
            ops: Vec::new(),
            defs,
            validators: HashMap::new(),
        };
        for o in doc["operations"].as_array().expect("operations") {
            let path = o["path"].as_str().expect("path").to_string();
            let query = o["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .map(|p| QueryParam {
                    name: p["name"].as_str().unwrap_or_default().to_string(),
                    required: p["required"].as_bool().unwrap_or(false),
                    schema: convert(&p["schema"]),
                })
                .collect::<Vec<_>>();
            let body = o["requestBody"].as_object().map(|b| {
                (
                    b.get("required").and_then(Value::as_bool).unwrap_or(false),
                    b.get("content_type")
                        .and_then(Value::as_str)
                        .unwrap_or("application/json")
                        .to_string(),
                    convert(b.get("schema").unwrap_or(&Value::Null)),
                )
            });
            let responses = o["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(code, r)| {
                    (
                        code.clone(),
                        ResponseSpec {
                            content_types: r["content_types"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|c| c.as_str().map(str::to_string))
                                .collect(),
                            schema: (!r["schema"].is_null()).then(|| convert(&r["schema"])),
                        },
                    )
                })
                .collect();
            let op = Operation {
                id: o["operationId"].as_str().unwrap_or_default().to_string(),
                method: o["method"].as_str().unwrap_or_default().to_string(),
                segs: segments(&path),
                path,
                source: source_name(doc, o["source"].as_str().unwrap_or_default()),
                query,
                body,
                responses,
            };
            spec.ops.push(op);
        }
        let mut schemas: Vec<Value> = Vec::new();
        for op in &spec.ops {
            schemas.extend(op.query.iter().map(|q| q.schema.clone()));
            schemas.extend(op.body.iter().map(|b| b.2.clone()));
            schemas.extend(op.responses.values().filter_map(|r| r.schema.clone()));
        }
        schemas.push(json!({"$ref": "#/$defs/Error"}));
        for s in schemas {
            let key = s.to_string();
            if !spec.validators.contains_key(&key) {
                let v = spec.build(&s);
                spec.validators.insert(key, v);
            }
        }
        spec
    }

    fn build(&self, schema: &Value) -> Validator {
        let mut root = match schema {
            Value::Object(o) => o.clone(),
            other => panic!("schema {other} is not an object"),
        };
        root.insert("$defs".into(), Value::Object(self.defs.clone()));
        jsonschema::draft202012::options()
            .build(&Value::Object(root))
            .unwrap_or_else(|e| panic!("schema {schema}: {e}"))
    }

    fn errors(&self, schema: &Value, instance: &Value, at: &str) -> Vec<String> {
        let v = self
            .validators
            .get(&schema.to_string())
            .expect("validator built at load");
        v.iter_errors(instance)
            .map(|e| {
                let path = e.instance_path().to_string();
                format!("{at}{path}: {e}")
            })
            .collect()
    }

    pub fn operations(&self) -> &[Operation] {
        &self.ops
    }

    /// The operations whose template matches `path` (the base stripped),
    /// most specific first (more literal segments).
    fn candidates(&self, path: &str) -> Vec<(&Operation, BTreeMap<String, String>)> {
        let segs: Vec<String> = path.trim_matches('/').split('/').map(decode).collect();
        let mut found: Vec<(&Operation, BTreeMap<String, String>)> = self
            .ops
            .iter()
            .filter_map(|o| o.matches(&segs).map(|p| (o, p)))
            .collect();
        found.sort_by_key(|(o, _)| std::cmp::Reverse(o.literal_count()));
        found
    }

    /// Checks a request against the spec. `extra_param` may allow a query
    /// parameter the operation does not declare (the double's own page
    /// token, which it handed out in a `metadata.next` URL).
    pub fn check_request(
        &self,
        req: &Request<'_>,
        extra_param: &dyn Fn(&str, &str) -> bool,
    ) -> Result<Matched, Vec<String>> {
        let Some(path) = req.path.strip_prefix(&self.base_path) else {
            return Err(vec![format!(
                "path {} is not under the API base {}",
                req.path, self.base_path
            )]);
        };
        let found = self.candidates(path);
        if found.is_empty() {
            return Err(vec![format!(
                "no path of the spec matches {}{path}",
                self.base_path
            )]);
        }
        let with_method: Vec<_> = found
            .iter()
            .filter(|(o, _)| o.method.eq_ignore_ascii_case(req.method))
            .collect();
        let Some((best, _)) = with_method.first() else {
            let allowed: Vec<String> = found
                .iter()
                .map(|(o, _)| format!("{} {}", o.method, o.path))
                .collect();
            return Err(vec![format!(
                "method {} is not defined for {}{path} (the spec has: {})",
                req.method,
                self.base_path,
                allowed.join(", ")
            )]);
        };
        // Every source's variant of the best-matching template.
        let variants: Vec<_> = with_method
            .iter()
            .filter(|(o, _)| o.path == best.path)
            .collect();
        let query = query_pairs(req.query);
        let mut all_errors = Vec::new();
        let mut sources = Vec::new();
        let mut first_ok = None;
        for &&(op, ref params) in &variants {
            let errs = self.check_against(op, req, &query, extra_param);
            if errs.is_empty() {
                sources.push(op.source.clone());
                first_ok.get_or_insert((op, params));
            } else {
                let tag = if variants.len() > 1 {
                    format!(" [{} spec]", op.source)
                } else {
                    String::new()
                };
                all_errors.extend(
                    errs.into_iter()
                        .map(|e| format!("{} {}{}: {e}{tag}", op.method, self.base_path, op.path)),
                );
            }
        }
        let Some((op, params)) = first_ok else {
            return Err(all_errors);
        };
        Ok(Matched {
            id: op.id.clone(),
            method: op.method.clone(),
            path: op.path.clone(),
            sources,
            params: params.clone(),
            query,
        })
    }

    fn check_against(
        &self,
        op: &Operation,
        req: &Request<'_>,
        query: &[(String, String)],
        extra_param: &dyn Fn(&str, &str) -> bool,
    ) -> Vec<String> {
        let mut errs = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (k, v) in query {
            if seen.contains(&k.as_str()) {
                errs.push(format!("query parameter `{k}` is given more than once"));
                continue;
            }
            seen.push(k);
            match op.query.iter().find(|p| &p.name == k) {
                None if extra_param(k, v) => {}
                None => {
                    let declared: Vec<&str> = op.query.iter().map(|p| p.name.as_str()).collect();
                    errs.push(format!(
                        "query parameter `{k}` is not declared by {} (declared: {})",
                        op.id,
                        if declared.is_empty() {
                            "none".to_string()
                        } else {
                            declared.join(", ")
                        }
                    ));
                }
                Some(p) => {
                    if let Some(e) = self.check_param(p, v) {
                        errs.push(e);
                    }
                }
            }
        }
        for p in op.query.iter().filter(|p| p.required) {
            if !seen.contains(&p.name.as_str()) {
                errs.push(format!("required query parameter `{}` is missing", p.name));
            }
        }
        match (&op.body, req.body.is_empty()) {
            (None, false) => errs.push(format!("{} takes no request body", op.id)),
            (Some((true, _, _)), true) => errs.push("the request body is required".to_string()),
            (Some((_, ctype, schema)), false) => {
                let sent = req.content_type.unwrap_or("(none)");
                if !sent
                    .split(';')
                    .next()
                    .is_some_and(|s| s.trim().eq_ignore_ascii_case(ctype))
                {
                    errs.push(format!(
                        "the body is sent as content-type {sent}, the operation takes {ctype}"
                    ));
                }
                match serde_json::from_slice::<Value>(req.body) {
                    Ok(v) => errs.extend(self.errors(schema, &v, "body")),
                    Err(e) => errs.push(format!("the body is not JSON: {e}")),
                }
            }
            _ => {}
        }
        errs
    }

    /// A query value against its declared schema (booleans must be
    /// `true`/`false`, integers digits, strings anything, enums their values).
    fn check_param(&self, p: &QueryParam, raw: &str) -> Option<String> {
        let ty = self.resolved_type(&p.schema);
        let value = match ty.as_deref() {
            Some("boolean") => match raw {
                "true" => json!(true),
                "false" => json!(false),
                _ => {
                    return Some(format!(
                        "query parameter `{}` is a boolean (`true`/`false`), got `{raw}`",
                        p.name
                    ))
                }
            },
            Some("integer") => match raw.parse::<i64>() {
                Ok(n) => json!(n),
                Err(_) => {
                    return Some(format!(
                        "query parameter `{}` is an integer, got `{raw}`",
                        p.name
                    ))
                }
            },
            _ => json!(raw),
        };
        let errs = self.errors(&p.schema, &value, &format!("query `{}`", p.name));
        (!errs.is_empty()).then(|| errs.join("; "))
    }

    /// The `type` of a schema, following one `$ref`.
    fn resolved_type(&self, schema: &Value) -> Option<String> {
        let s = self.resolve(schema);
        match &s["type"] {
            Value::String(t) => Some(t.clone()),
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .map(str::to_string),
            _ => None,
        }
    }

    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        match schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            Some(name) => self.defs.get(name).map_or(schema, |d| self.resolve(d)),
            None => schema,
        }
    }
}
