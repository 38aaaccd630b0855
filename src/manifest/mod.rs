//! The manifest: model, loading with source spans and `${env:…}` interpolation,
//! and the canonical link configuration it implies.

pub mod diagnostic;
pub mod link_configs;
pub mod load;
pub mod located;
pub mod model;
pub mod sensitive;
pub mod text;
pub mod validate;

pub use diagnostic::{Problem, Severity};
pub use load::SourceFile;
pub use located::{ByteSpan, Located};
pub use model::*;
pub use text::{ConfigValue, Text, REDACTED};
pub use validate::{load_validated, Validated};
