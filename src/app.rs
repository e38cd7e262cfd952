//! Dispatch: turns parsed arguments into library calls and prints what happened.

use crate::cli::{Cli, Command};
use anyhow::Context;
use factgraph::{pipeline, Config, Error};
use std::io::Write;
use std::process::ExitCode;

/// Exit code for problems found in the inputs or citations.
pub const EXIT_PROBLEMS: u8 = 1;
/// Exit code for usage and I/O errors.
pub const EXIT_USAGE: u8 = 2;

/// The exit code for an error.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    match error.downcast_ref::<Error>() {
        Some(Error::Invalid(_)) => EXIT_PROBLEMS,
        _ => EXIT_USAGE,
    }
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::new(&cli.global.root, &cli.global.base_iri)?;
    match cli.command {
        Command::Check => check(&config),
        Command::Export { out } => {
            let summary = factgraph::export::export(&config, &out)?;
            println!(
                "factgraph: {} source(s), {} fact(s), {} triple(s); graph sha256 {}",
                summary.sources, summary.facts, summary.triples, summary.graph_sha256
            );
            for file in &summary.files {
                println!(
                    "  wrote {}  ({} bytes, sha256 {})",
                    summary.dir.join(&file.name).display(),
                    file.bytes,
                    file.sha256
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Query {
            query,
            file,
            format,
        } => {
            let text = match (query, &file) {
                (Some(q), _) => q,
                (None, Some(f)) => std::fs::read_to_string(f)
                    .with_context(|| format!("cannot read query file {}", f.display()))?,
                (None, None) => unreachable!("clap requires a query or --file"),
            };
            let origin = file
                .as_ref()
                .map_or_else(|| "query".to_owned(), |f| f.display().to_string());
            let factgraph::pipeline::Queryable {
                store,
                prefixes,
                on_disk,
            } = factgraph::store_for_query(&config)?;
            if let Some((path, reused)) = on_disk {
                let verb = if reused { "reused" } else { "built" };
                eprintln!("factgraph: {verb} the on-disk store {}", path.display());
            }
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            factgraph::query::run(&store, &text, &prefixes, format.into(), None, &mut out)
                .with_context(|| format!("{origin}: the query failed"))?;
            out.flush().map_err(|e| Error::io("<stdout>", e))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::AddSource {
            file,
            title,
            published,
            id,
            url,
            publisher,
            language,
            retrieved,
        } => {
            let new = factgraph::source::NewSource {
                id,
                title,
                published,
                url,
                publisher,
                language,
                retrieved,
            };
            let source = factgraph::source::add(
                &config.sources_table(),
                &config.sources_dir(),
                &file,
                &new,
            )?;
            println!(
                "added source `{}`: sources/{} (sha256 {})\nrecord its facts in {} with source_id {}",
                source.id,
                source.file,
                source.sha256,
                config.shown(&config.facts_table()).display(),
                source.id
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check(config: &Config) -> anyhow::Result<ExitCode> {
    let (checked, problems) = pipeline::check(config);
    if problems.is_empty() {
        println!(
            "ok: {} source(s), {} fact(s), ontology of {} triple(s); no problems",
            checked.sources.len(),
            checked.facts.len(),
            checked.ontology.quads.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for problem in &problems {
        writeln!(err, "{problem}")?;
    }
    writeln!(err, "{} problem(s) found", problems.len())?;
    Ok(ExitCode::from(EXIT_PROBLEMS))
}
