//! OpenAPI 3.0 schemas as JSON Schema 2020-12 (see the parent module doc).

use serde_json::{json, Map, Value};

/// OpenAPI 3.0 schema → JSON Schema 2020-12 (see the module doc).
pub(super) fn convert(schema: &Value) -> Value {
    let Value::Object(o) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (k, v) in o {
        let v = match k.as_str() {
            "properties" => Value::Object(
                v.as_object()
                    .map(|m| m.iter().map(|(p, s)| (p.clone(), convert(s))).collect())
                    .unwrap_or_default(),
            ),
            "items" | "additionalProperties" | "not" => convert(v),
            "allOf" | "anyOf" | "oneOf" => {
                Value::Array(v.as_array().into_iter().flatten().map(convert).collect())
            }
            "$ref" => Value::String(
                v.as_str()
                    .unwrap_or_default()
                    .replace("#/components/schemas/", "#/$defs/"),
            ),
            "nullable" => continue,
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    if o.get("nullable") == Some(&Value::Bool(true)) {
        if let Some(t) = out.get("type").and_then(Value::as_str).map(str::to_string) {
            out.insert("type".into(), json!([t, "null"]));
        }
        if let Some(Value::Array(e)) = out.get_mut("enum") {
            e.push(Value::Null);
        }
        if let Some(r) = out.remove("$ref") {
            out.insert("anyOf".into(), json!([{"$ref": r}, {"type": "null"}]));
        }
    }
    if o.get("format").and_then(Value::as_str) == Some("int32") {
        out.insert("minimum".into(), json!(i32::MIN));
        out.insert("maximum".into(), json!(i32::MAX));
    }
    Value::Object(out)
}
