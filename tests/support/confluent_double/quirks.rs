//! Switchable server behaviours. Every one is off by default; each one is
//! something a real Confluent server does (or may do) within the published
//! API, unless its doc says which other spec or capture it follows.

use std::collections::BTreeMap;

/// How link config rows spell their flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConfigRowStyle {
    /// The Cloud spec: `is_default`, `is_read_only`, `is_sensitive`.
    #[default]
    IsDefault,
    /// The Platform SDK's `ListLinkConfigsResponseData`: `default`,
    /// `read_only`, `sensitive` (outside the Cloud spec, which requires the
    /// `is_*` names).
    DefaultField,
    /// Older SDK models: `read_only` / `sensitive`, no default flag at all.
    NoDefaultField,
    /// No flag fields at all (only name, value, source, synonyms).
    NoFlags,
    /// As a captured Confluent CLI session showed: every row
    /// `source: DYNAMIC_CLUSTER_LINK_CONFIG` and `is_default: false`,
    /// defaults included.
    AllDynamic,
}

/// How a link delete is refused while the link still has live mirrors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LinkInUseRefusal {
    /// `403` / `40301`, as KCP saw on cp-server.
    #[default]
    Forbidden,
    /// `400` / `40002`, as other servers answer.
    BadRequest,
}

/// A deviation of one entry of a bulk mirror action response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkEntry {
    /// `error_code: null` with this non-empty `error_message`; the action is
    /// not carried out for that mirror.
    NullCodeWithMessage(String),
    /// `error_code: 0` with this non-empty `error_message`; not carried out.
    ZeroCodeWithMessage(String),
    /// No entry at all for that mirror; the action is carried out.
    Missing,
}

/// Switchable deviations from the happy path.
#[derive(Debug, Clone, Default)]
pub struct Quirks {
    /// A new link or mirror answers 404 to this many GETs after its create.
    pub not_found_after_create: u32,
    /// The next N requests get a 429 with an HTML body.
    pub rate_limit_next: u32,
    /// A 429 with `Retry-After: <seconds>` on the next request (or on each of
    /// the next `rate_limit_next` ones when that is set); cleared after.
    pub retry_after: Option<u64>,
    /// Config rows use the older `read_only` / `sensitive` names (the same as
    /// `config_row_style = NoDefaultField`; kept for existing tests).
    pub old_config_field_names: bool,
    /// How config rows spell their flags.
    pub config_row_style: ConfigRowStyle,
    /// Sensitive and unset config values come back as `null`, as real Cloud
    /// servers do (TF test data), although the Cloud spec's link config row
    /// declares `value` a required, non-nullable string. Off: `""`.
    pub null_config_values: bool,
    /// Links are listed without `topic_names`.
    pub omit_topic_names: bool,
    /// `PUT configs:alter` answers 405 (as KCP saw on CP 8.x for the batch call).
    pub batch_alter_405: bool,
    /// Expected `Authorization` header; anything else gets a 401.
    pub require_authorization: Option<String>,
    /// Error answers (401s and scripted faults) echo the request in their
    /// `message`, the way some servers do: the `Authorization` header and
    /// the body, as received, with terminal escape sequences around them.
    pub echo_requests: bool,
    /// With `echo_requests`: the echo also quotes the body's link configs
    /// as form data (`form: name=value&…`, each value URL-encoded), the
    /// way a gateway that logs requests as form fields would.
    pub echo_form_encoded: bool,
    /// List endpoints (links, mirrors, link configs) return at most N items
    /// and a `metadata.next` URL with a `page_token` for the rest.
    pub page_size: Option<usize>,
    /// A server bug: the last page of a paged list links back to its
    /// second page instead of ending (`metadata.next` never null).
    pub paging_loops: bool,
    /// After a config write to a link, the next N reads of that link's
    /// configs return the values from before the write.
    pub stale_reads_after_write: u32,
    /// 2xx bodies carry only the properties the spec marks required.
    pub minimal_fields: bool,
    /// A mirror that reached ACTIVE or STOPPED still reports the
    /// `mirror_state_transition_errors` of earlier transitions.
    pub mirror_transition_errors_when_active: bool,
    /// Per mirror name: how its entry in a bulk action response deviates.
    pub bulk_entries: BTreeMap<String, BulkEntry>,
    /// The next N creates (link or mirror) are carried out, and then the
    /// connection is dropped without an answer.
    pub lose_create_response: u32,
    /// `GET /kafka/v3/clusters` answers 404, as Confluent Cloud does.
    pub no_clusters_endpoint: bool,
    /// A path outside the API base (`/v3/…` where the server serves
    /// `/kafka/v3/…`: a `rest` URL without `/kafka`) answers 404 with no
    /// body, as a Confluent Server answers a path it does not serve,
    /// instead of being recorded as a request outside the published API.
    pub not_found_outside_base: bool,
    /// Link configs that are not Kafka or Cluster Linking settings (such as
    /// linkctl's own `linkctl.fingerprints`) are refused with 400 / 40002,
    /// as a server that validates config names strictly would (a guess:
    /// whether Confluent servers accept unknown link configs is not
    /// documented).
    pub refuse_unknown_link_configs: bool,
    /// How deleting a link with live mirrors is refused.
    pub link_in_use_refusal: LinkInUseRefusal,
}

impl Quirks {
    /// The row style in force (`old_config_field_names` wins).
    pub fn row_style(&self) -> ConfigRowStyle {
        if self.old_config_field_names {
            ConfigRowStyle::NoDefaultField
        } else {
            self.config_row_style
        }
    }
}
