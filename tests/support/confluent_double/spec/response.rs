//! The spec's side of the double's answers: checking a body against the
//! declared response schema, and pruning it to the required properties.

use serde_json::{json, Map, Value};

use super::{Matched, Operation, ResponseSpec, Spec};

impl Spec {
    /// The operation (of the spec variant) a request was matched to.
    fn op(&self, m: &Matched) -> Option<&Operation> {
        self.ops
            .iter()
            .find(|o| o.id == m.id && o.method == m.method && o.path == m.path)
    }

    /// What the operation declares for `status` (exact, then `4XX`/`5XX`).
    fn response<'o>(&self, op: &'o Operation, status: u16) -> Option<&'o ResponseSpec> {
        op.responses
            .get(&status.to_string())
            .or_else(|| op.responses.get(&format!("{}XX", status / 100)))
            .or_else(|| op.responses.get("default"))
    }

    /// The response schema of a matched operation for `status`, if it
    /// declares one.
    pub fn response_schema(&self, m: &Matched, status: u16) -> Option<&Value> {
        let op = self.op(m)?;
        self.response(op, status)?.schema.as_ref()
    }

    /// Problems of an answer to a matched request: a JSON body that does not
    /// validate against the declared schema, a body where the spec declares
    /// none, a missing body. An error status the spec does not declare (the
    /// 404s, 403s and 409s real servers send) is checked against `Error`.
    pub fn check_response(&self, m: &Matched, status: u16, body: Option<&Value>) -> Vec<String> {
        let Some(op) = self.op(m) else {
            return vec![format!("no operation {} {}", m.method, m.path)];
        };
        let at = format!("{} {} → {status}", op.method, op.path);
        match (self.response(op, status), body) {
            (Some(r), Some(b)) => match &r.schema {
                Some(s) => self
                    .errors(s, b, "body")
                    .into_iter()
                    .map(|e| format!("{at}: {e}"))
                    .collect(),
                None if r.content_types.is_empty() => {
                    vec![format!(
                        "{at}: the spec declares no body, the double sent one"
                    )]
                }
                None => Vec::new(),
            },
            (Some(r), None) if r.schema.is_some() => {
                vec![format!(
                    "{at}: the spec declares a body, the double sent none"
                )]
            }
            (Some(_), None) => Vec::new(),
            (None, Some(b)) if status >= 400 => self
                .errors(&json!({"$ref": "#/$defs/Error"}), b, "body")
                .into_iter()
                .map(|e| format!("{at} (undeclared error status): {e}"))
                .collect(),
            (None, _) if status >= 400 => Vec::new(),
            (None, _) => vec![format!("{at}: status {status} is not declared")],
        }
    }

    /// Removes every property a schema declares but does not require (the
    /// `minimal_fields` quirk). Properties the schema does not know stay.
    pub fn prune_optional(&self, value: &mut Value, schema: &Value) {
        let s = self.resolve(schema);
        match value {
            Value::Object(o) => {
                let mut props: Map<String, Value> = Map::new();
                let mut required: Vec<String> = Vec::new();
                self.collect_object(s, &mut props, &mut required);
                o.retain(|k, _| !props.contains_key(k) || required.contains(k));
                for (k, v) in o.iter_mut() {
                    if let Some(ps) = props.get(k) {
                        self.prune_optional(v, ps);
                    }
                }
            }
            Value::Array(items) => {
                let item_schema = self.array_items(s);
                if let Some(is) = item_schema {
                    for v in items.iter_mut() {
                        self.prune_optional(v, &is);
                    }
                }
            }
            _ => {}
        }
    }

    fn array_items(&self, s: &Value) -> Option<Value> {
        if let Some(i) = s.get("items") {
            return Some(i.clone());
        }
        s["allOf"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|sub| self.array_items(self.resolve(sub)))
    }

    fn collect_object(
        &self,
        s: &Value,
        props: &mut Map<String, Value>,
        required: &mut Vec<String>,
    ) {
        let s = self.resolve(s);
        if let Some(p) = s["properties"].as_object() {
            for (k, v) in p {
                props.insert(k.clone(), v.clone());
            }
        }
        for r in s["required"].as_array().into_iter().flatten() {
            if let Some(r) = r.as_str() {
                required.push(r.to_string());
            }
        }
        for sub in s["allOf"].as_array().into_iter().flatten() {
            self.collect_object(sub, props, required);
        }
    }
}
