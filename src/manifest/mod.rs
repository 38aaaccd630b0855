//! The manifest: model, loading with source spans and `${env:…}` interpolation,
//! and the canonical link configuration it implies.

pub mod connect_urls;
pub mod diagnostic;
pub mod engine_rules;
pub mod link_configs;
pub mod load;
pub mod located;
pub mod masking;
pub mod merge;
pub mod model;
pub mod secret_values;
pub mod sensitive;
pub mod sources;
pub mod text;
pub mod validate;

pub use connect_urls::ConnectUrls;
pub use diagnostic::{Problem, Severity};
pub use engine_rules::{EngineRules, EngineTable};
pub use link_configs::DESTINATION_CLIENT_PREFIX;
pub use load::{Part, SourceFile};
pub use located::{ByteSpan, Located};
pub use model::*;
pub use sources::Place;
pub use text::{ConfigValue, Text, REDACTED};
pub use validate::{load_validated, Validated};
