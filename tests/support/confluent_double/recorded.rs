//! Bodies recorded from Confluent Cloud (`tests/fixtures/confluent_cloud/`,
//! see its README for the sources), served by the double: a recorded body
//! answers the GET of its path verbatim, whatever the model holds; other
//! requests go to the model as usual.

use serde_json::{json, Value};

use super::Double;

/// The fixture `name` (e.g. `link_configs_created.json`) without its
/// `_source` header: the body as the server sent it.
pub fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/confluent_cloud")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    let mut v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    let source = v
        .as_object_mut()
        .and_then(|o| o.remove("_source"))
        .unwrap_or_else(|| panic!("fixture {name} names no `_source`"));
    assert!(
        source["repository"].is_string()
            && source["path"].is_string()
            && source["commit"].is_string(),
        "fixture {name}: `_source` names a repository, a path and a commit"
    );
    v
}

impl Double {
    /// Answers `GET <path>` (under `/clusters/<this cluster>`, e.g. `links`
    /// or `links/ui-test/configs`) with `body`, verbatim.
    pub fn serve_recorded(&self, path: &str, body: Value) {
        self.with(|s| {
            let key = format!("/clusters/{}/{path}", s.cluster_id);
            s.recorded.insert(key, body)
        });
    }

    /// Answers `GET <path>` (a mirror list, e.g. `links/-/mirrors`) with a
    /// `KafkaMirrorDataList` holding these recorded mirror bodies.
    pub fn serve_recorded_mirrors(&self, path: &str, mirrors: Vec<Value>) {
        let self_url = self.url(&format!(
            "/clusters/{}/{path}",
            self.with(|s| s.cluster_id.clone())
        ));
        self.serve_recorded(
            path,
            json!({"kind": "KafkaMirrorDataList", "metadata": {"self": self_url, "next": null}, "data": mirrors}),
        );
    }

    /// Answers `GET topics/-/configs` with the rows of a recorded
    /// `GET topics/{t}/configs`, their `topic_name` set to `topic` (the only
    /// field changed), and `GET topics` with `topic` (`partitions`).
    pub fn serve_recorded_topic_configs(&self, topic: &str, partitions: u32, recorded: Value) {
        let mut list = recorded;
        for row in list["data"].as_array_mut().into_iter().flatten() {
            row["topic_name"] = json!(topic);
        }
        self.serve_recorded("topics/-/configs", list);
        self.with(|s| {
            s.lists_topics = true;
            s.topics.insert(topic.to_string(), partitions);
        });
    }
}
