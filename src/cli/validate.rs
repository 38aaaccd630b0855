//! `linkctl validate`: check a manifest without touching any cluster.

use std::process::ExitCode;

use crate::manifest::{Manifest, SourceFile};

use super::manifest_input::{plural, read_sources, set_name, validate_source};
use super::views::validate::Verdict;
use super::{views, GlobalArgs, Output};

/// Options of `linkctl validate`.
#[derive(Debug, Clone, clap::Args)]
pub struct ValidateArgs {
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub strict: bool,
}

pub fn run(global: &GlobalArgs, args: &ValidateArgs, out: &Output) -> ExitCode {
    let (source, result) = match read_sources(&global.manifest_paths()) {
        Ok(source) => {
            let result = validate_source(&source);
            (source, result)
        }
        Err(p) => (
            SourceFile::new(set_name(&global.manifest_paths()), String::new()),
            Err(vec![*p]),
        ),
    };
    let (problems, manifest) = match result {
        Ok(v) => (v.warnings, Some(v.manifest)),
        Err(p) => (p, None),
    };
    let verdict = match &manifest {
        Some(_) if !problems.is_empty() && args.strict => Verdict::FailedStrict,
        Some(m) => Verdict::Valid(counts(m)),
        None => Verdict::Invalid,
    };
    let valid = matches!(verdict, Verdict::Valid(_));
    views::validate::new(out).report(&source, &problems, &verdict);
    if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `2 clusters, 1 link, 1 mirror`.
pub fn counts(m: &Manifest) -> String {
    let mirrors: usize = m.links.values().map(|l| l.mirrors.len()).sum();
    format!(
        "{}, {}, {}",
        plural(m.clusters.len(), "cluster"),
        plural(m.links.len(), "link"),
        plural(mirrors, "mirror")
    )
}
