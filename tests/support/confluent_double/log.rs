//! The double's request log: every request, in order, with a rendering that
//! redacts sensitive config values (for snapshots and secret checks).

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub method: String,
    /// Path without the base prefix, e.g. `/clusters/c1/links`.
    pub path: String,
    pub query: Option<String>,
    /// Raw `Authorization` header (kept apart: it is expected to hold credentials).
    pub authorization: Option<String>,
    pub identity_pool: Option<String>,
    /// `Accept` and `User-Agent` headers.
    pub accept: Option<String>,
    pub user_agent: Option<String>,
    pub body: Option<String>,
    /// The HTTP status answered; 0 when the connection was dropped unanswered.
    pub status: u16,
    /// The spec operation it matched, with the spec(s) it is valid for
    /// (`updateKafkaLinkConfigBatch (cloud)`); `None` for a violation.
    pub operation: Option<String>,
}

fn sensitive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("jaas")
        || n.contains("password")
        || n.contains("secret")
        || n.ends_with(".key")
        || n.contains("certificates")
        || n.contains("certificate.chain")
}

fn redact(v: &mut Value) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(redact),
        Value::Object(map) => {
            let is_secret = map
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(sensitive);
            for (k, val) in map.iter_mut() {
                if k == "value" && is_secret && !val.is_null() {
                    *val = Value::String("[redacted]".into());
                } else {
                    redact(val);
                }
            }
        }
        _ => {}
    }
}

impl LoggedRequest {
    /// `METHOD /path?query body`, sensitive values redacted, headers left out.
    pub fn render(&self) -> String {
        let mut s = format!("{} {}", self.method, self.path);
        if let Some(q) = &self.query {
            s.push('?');
            s.push_str(q);
        }
        if let Some(b) = &self.body {
            let rendered = match serde_json::from_str::<Value>(b) {
                Ok(mut v) => {
                    // Per-key PUT of a sensitive config: `{"value": …}`.
                    let key = self.path.rsplit('/').next().unwrap_or("");
                    if self.path.contains("/configs/") && sensitive(key) {
                        if let Some(obj) = v.as_object_mut() {
                            obj.insert("value".into(), Value::String("[redacted]".into()));
                        }
                    }
                    redact(&mut v);
                    v.to_string()
                }
                Err(_) => "<non-JSON body>".to_string(),
            };
            s.push(' ');
            s.push_str(&rendered);
        }
        s
    }

    /// Where `secret` appears in the request as received (raw: path, query,
    /// each header kept, body), but as the `value` of link config `key` in
    /// the body (`""`: no key allowed): `["authorization", "body"]`.
    pub fn places_of(&self, secret: &str, key: &str) -> Vec<&'static str> {
        let mut places = Vec::new();
        for (place, field) in [
            ("path", Some(self.path.as_str())),
            ("query", self.query.as_deref()),
            ("authorization", self.authorization.as_deref()),
            ("identity_pool", self.identity_pool.as_deref()),
            ("accept", self.accept.as_deref()),
            ("user_agent", self.user_agent.as_deref()),
        ] {
            if field.is_some_and(|f| f.contains(secret)) {
                places.push(place);
            }
        }
        if let Some(b) = &self.body {
            let rest = match serde_json::from_str::<Value>(b) {
                Ok(mut v) => {
                    drop_config_value(&mut v, key);
                    v.to_string()
                }
                Err(_) => b.clone(),
            };
            if rest.contains(secret) {
                places.push("body");
            }
        }
        places
    }

    /// The value of link config `key` in the body, as sent.
    pub fn config_value(&self, key: &str) -> Option<String> {
        fn find(v: &Value, key: &str) -> Option<String> {
            match v {
                Value::Array(items) => items.iter().find_map(|i| find(i, key)),
                Value::Object(map) => {
                    if map.get("name").and_then(Value::as_str) == Some(key) {
                        if let Some(s) = map.get("value").and_then(Value::as_str) {
                            return Some(s.to_string());
                        }
                    }
                    map.values().find_map(|i| find(i, key))
                }
                _ => None,
            }
        }
        let v: Value = serde_json::from_str(self.body.as_deref()?).ok()?;
        find(&v, key)
    }

    pub fn is_read(&self) -> bool {
        self.method == "GET"
    }

    /// A request about the apply lock's topics (`__linkctl-lock*`): listing
    /// topics or their configs, or reading or writing a lock topic.
    pub fn is_lock(&self) -> bool {
        let listing = self.method == "GET"
            && (self.path.ends_with("/topics") || self.path.ends_with("/topics/-/configs"));
        listing
            || self.path.contains("/topics/__linkctl-lock")
            || (self.method == "POST"
                && self.path.ends_with("/topics")
                && self
                    .body
                    .as_deref()
                    .is_some_and(|b| b.contains("\"topic_name\":\"__linkctl-lock")))
    }
}

/// `v` without the `value` of every `{"name": key, "value": …}` in it.
fn drop_config_value(v: &mut Value, key: &str) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| drop_config_value(i, key)),
        Value::Object(map) => {
            if !key.is_empty() && map.get("name").and_then(Value::as_str) == Some(key) {
                map.remove("value");
            }
            for val in map.values_mut() {
                drop_config_value(val, key);
            }
        }
        _ => {}
    }
}
