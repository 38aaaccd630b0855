fn main() -> std::process::ExitCode {
    linkctl::cli::main()
}
