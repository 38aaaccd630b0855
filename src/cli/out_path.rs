//! The value of `-o FILE` (`plan` and `export`), checked for the two habits
//! that make it name the wrong file: Terraform's `-out=FILE`, which the
//! parser reads as `-o` with the value `ut=FILE`, and kubectl's `-o json`,
//! where `-o` picks an output format.

use std::path::PathBuf;

/// Values of `-o` that are output formats, not files.
const FORMAT_WORDS: &[&str] = &["json", "yaml", "yml", "text", "markdown", "md"];

/// Why `value` is refused as the file of `-o`, if it is.
fn mistaken(value: &str, format_hint: &str) -> Option<String> {
    if value == "ut" || value.starts_with("ut=") {
        let file = value.strip_prefix("ut=").unwrap_or("FILE");
        let file = if file.is_empty() { "FILE" } else { file };
        return Some(format!(
            "`-out=…` is read as `-o ut=…`; write `-o {file}` or `--out {file}` (a file really named `{value}`: `./{value}`)"
        ));
    }
    let lower = value.to_ascii_lowercase();
    if FORMAT_WORDS.contains(&lower.as_str()) {
        return Some(format!(
            "`-o` names the file to write, not an output format; {format_hint} (a file really named `{value}`: `./{value}`)"
        ));
    }
    None
}

/// The `-o` value parser of `plan`.
pub fn plan_file(value: &str) -> Result<PathBuf, String> {
    match mistaken(
        value,
        "the format of what is printed is `--format text|json|markdown`",
    ) {
        Some(why) => Err(why),
        None => Ok(PathBuf::from(value)),
    }
}

/// The `-o` value parser of `export`.
pub fn export_file(value: &str) -> Result<PathBuf, String> {
    match mistaken(value, "export always writes a YAML manifest") {
        Some(why) => Err(why),
        None => Ok(PathBuf::from(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_pass() {
        for v in [
            "plan.json",
            "x.plan",
            "out/plan",
            "./json",
            "utter.plan",
            "ut-plan",
            "JSONs",
        ] {
            assert_eq!(plan_file(v), Ok(PathBuf::from(v)), "{v}");
            assert_eq!(export_file(v), Ok(PathBuf::from(v)), "{v}");
        }
    }

    #[test]
    fn terraform_out_is_refused_with_the_fix() {
        let e = plan_file("ut=x.plan").expect_err("refused");
        assert!(e.contains("`-o x.plan` or `--out x.plan`"), "{e}");
        let e = plan_file("ut").expect_err("refused");
        assert!(e.contains("`-o FILE`"), "{e}");
        assert!(plan_file("ut=").is_err());
    }

    #[test]
    fn format_words_are_refused_with_a_hint() {
        for v in ["json", "JSON", "yaml", "yml", "text", "markdown", "md"] {
            let e = plan_file(v).expect_err(v);
            assert!(e.contains("--format"), "{e}");
            assert!(e.contains(&format!("`./{v}`")), "{e}");
            let e = export_file(v).expect_err(v);
            assert!(e.contains("YAML"), "{e}");
        }
    }
}
