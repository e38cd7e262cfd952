//! The `factgraph` binary: parse arguments, run, report, exit.

mod app;
mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match app::run(cli) {
        Ok(code) => code,
        Err(error) => {
            // A closed pipe (`factgraph query … | head`) is not a failure.
            if let Some(factgraph::Error::Io { source, .. }) = error.downcast_ref() {
                if source.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            // Errors quote arguments and input cells: escape control characters so
            // that they cannot drive the terminal.
            let message = format!("{error:#}");
            eprintln!("error: {}", factgraph::error::escape_controls(&message));
            ExitCode::from(app::exit_code(&error))
        }
    }
}
