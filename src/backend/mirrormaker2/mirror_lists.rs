//! The mirror lists of a link's source connector: the settings that mirror
//! actions own (never link config writes).
//!
//! - `topics`: the active mirrors, exact names (regex-escaped);
//! - `linkctl.mirrors.stopped`: mirrors that were promoted or failed over
//!   (no longer mirrored, not forgotten);
//! - `linkctl.mirrors.topic-ids`: the id of each mirror's destination topic
//!   when linkctl started mirroring into it (`topic=id,…`), so that a
//!   topic deleted out of band, which MirrorMaker 2 re-creates without
//!   copying again what it copied before, is told apart.
//!
//! The `linkctl.*` keys are annotations the connector ignores.

use std::collections::BTreeMap;

use super::mapping::{regex_escape, NO_TOPICS};

/// Annotation: mirrors that were promoted or failed over (comma list).
pub const STOPPED_MIRRORS: &str = "linkctl.mirrors.stopped";
/// Annotation: destination topic ids (`topic=id` comma list).
pub const TOPIC_IDS: &str = "linkctl.mirrors.topic-ids";

/// Keys of the source connector that hold the mirror lists.
pub const MIRROR_LIST_KEYS: &[&str] = &["topics", STOPPED_MIRRORS, TOPIC_IDS];

/// What the mirror list settings say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MirrorLists {
    /// Active mirrors, in the order of the setting.
    pub topics: Vec<String>,
    /// Promoted or failed-over mirrors.
    pub stopped: Vec<String>,
    /// Destination topic ids recorded when mirroring started.
    pub ids: BTreeMap<String, String>,
}

fn regex_unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn list(value: Option<&String>) -> impl Iterator<Item = &str> {
    value
        .map(String::as_str)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

impl MirrorLists {
    /// The lists of a source connector's config.
    pub fn of(config: &BTreeMap<String, String>) -> Self {
        Self {
            topics: list(config.get("topics"))
                .filter(|t| *t != NO_TOPICS)
                .map(regex_unescape)
                .collect(),
            stopped: list(config.get(STOPPED_MIRRORS))
                .map(String::from)
                .collect(),
            ids: list(config.get(TOPIC_IDS))
                .filter_map(|e| e.split_once('='))
                .map(|(t, id)| (t.to_string(), id.to_string()))
                .collect(),
        }
    }

    /// The settings that write these lists (`topics` always: leaving it out
    /// would mean MirrorMaker 2's default, every topic). Ids are kept only
    /// for topics still listed.
    pub fn settings(&self) -> Vec<(String, String)> {
        let escaped: Vec<String> = self.topics.iter().map(|t| regex_escape(t)).collect();
        let mut out = vec![(
            "topics".to_string(),
            if escaped.is_empty() {
                NO_TOPICS.to_string()
            } else {
                escaped.join(",")
            },
        )];
        if !self.stopped.is_empty() {
            out.push((STOPPED_MIRRORS.to_string(), self.stopped.join(",")));
        }
        let ids: Vec<String> = self
            .ids
            .iter()
            .filter(|(t, _)| self.topics.contains(t) || self.stopped.contains(t))
            .map(|(t, id)| format!("{t}={id}"))
            .collect();
        if !ids.is_empty() {
            out.push((TOPIC_IDS.to_string(), ids.join(",")));
        }
        out
    }

    /// `config` with these lists in place of whatever it had.
    pub fn apply_to(&self, config: &mut BTreeMap<String, String>) {
        for k in MIRROR_LIST_KEYS {
            config.remove(*k);
        }
        config.extend(self.settings());
    }

    /// Starts mirroring `topic` (it leaves the stopped list).
    pub fn start(&mut self, topic: &str) {
        self.stopped.retain(|s| s != topic);
        if !self.topics.iter().any(|t| t == topic) {
            self.topics.push(topic.to_string());
        }
    }

    /// Stops mirroring `topic` and remembers it as stopped.
    pub fn stop(&mut self, topic: &str) {
        self.topics.retain(|s| s != topic);
        if !self.stopped.iter().any(|t| t == topic) {
            self.stopped.push(topic.to_string());
        }
    }

    /// Forgets `topic` altogether.
    pub fn forget(&mut self, topic: &str) {
        self.topics.retain(|s| s != topic);
        self.stopped.retain(|s| s != topic);
        self.ids.remove(topic);
    }

    /// Sorted lists (the order linkctl writes).
    pub fn sorted(mut self) -> Self {
        self.topics.sort();
        self.stopped.sort();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_with_escaping_and_ids() {
        let lists = MirrorLists {
            topics: vec!["demo".into(), "a.b".into()],
            stopped: vec!["old".into()],
            ids: [("demo", "AAA"), ("gone", "BBB"), ("old", "CCC")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        };
        let config: BTreeMap<String, String> = lists.settings().into_iter().collect();
        assert_eq!(config["topics"], r"demo,a\.b");
        assert_eq!(config[TOPIC_IDS], "demo=AAA,old=CCC");
        let back = MirrorLists::of(&config);
        assert_eq!(back.topics, vec!["demo", "a.b"]);
        assert_eq!(back.stopped, vec!["old"]);
        assert_eq!(back.ids.len(), 2);
    }

    #[test]
    fn no_topics_matches_nothing() {
        let config: BTreeMap<String, String> =
            MirrorLists::default().settings().into_iter().collect();
        assert_eq!(config["topics"], NO_TOPICS);
        assert!(MirrorLists::of(&config).topics.is_empty());
        assert!(!config.contains_key(STOPPED_MIRRORS));
        assert!(!config.contains_key(TOPIC_IDS));
    }

    #[test]
    fn start_stop_and_forget_move_a_topic_between_lists() {
        let mut l = MirrorLists::default();
        l.start("t");
        l.stop("t");
        assert_eq!(
            (l.topics.len(), l.stopped.clone()),
            (0, vec!["t".to_string()])
        );
        l.start("t");
        assert_eq!(
            (l.topics.clone(), l.stopped.len()),
            (vec!["t".to_string()], 0)
        );
        l.ids.insert("t".into(), "X".into());
        l.forget("t");
        assert!(l.topics.is_empty() && l.ids.is_empty());
    }
}
