//! Dispatch: turns parsed arguments into library calls and prints what happened.

use crate::cli::{Cli, Command, DiffFormat};
use anyhow::Context;
use clap::CommandFactory;
use factgraph::{pipeline, Config, Error};
use std::io::Write;
use std::process::ExitCode;

/// Exit code for problems found in the inputs or citations.
pub const EXIT_PROBLEMS: u8 = 1;
/// Exit code for usage and I/O errors.
pub const EXIT_USAGE: u8 = 2;
/// Exit code for a release refused because nothing changed since the previous one.
pub const EXIT_NO_CHANGES: u8 = 3;

/// The exit code for an error.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    match error.downcast_ref::<Error>() {
        Some(Error::Invalid(_)) => EXIT_PROBLEMS,
        Some(Error::NoChanges { .. }) => EXIT_NO_CHANGES,
        _ => EXIT_USAGE,
    }
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let base_iri = cli
        .global
        .base_iri
        .clone()
        .or_else(|| factgraph::metadata::base_iri(&cli.global.root))
        .unwrap_or_else(|| factgraph::project::DEFAULT_BASE_IRI.to_owned());
    let config = Config::new(&cli.global.root, &base_iri)?;
    let write = factgraph::export::WriteOptions {
        sort_budget: cli.global.sort_memory,
        progress: factgraph::progress::Progress::stderr(cli.global.quiet),
    };
    let quiet = cli.global.quiet;
    match cli.command {
        Command::Check => check(&config),
        Command::Export { out } => {
            let summary = factgraph::export::export_with(&config, &out, &write)?;
            let mut text = format!(
                "factgraph: {} source(s), {} fact(s), {} triple(s); graph sha256 {}\n",
                summary.sources, summary.facts, summary.triples, summary.graph_sha256
            );
            for file in &summary.files {
                text.push_str(&format!(
                    "  wrote {}  ({} bytes, sha256 {})\n",
                    summary.dir.join(&file.name).display(),
                    file.bytes,
                    file.sha256
                ));
            }
            say(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Query {
            query,
            file,
            format,
            release,
        } => {
            let text = match (query, &file) {
                (Some(q), _) => q,
                (None, Some(f)) => factgraph::safe_read::open_regular(f)
                    .and_then(|mut file| {
                        let mut text = String::new();
                        std::io::Read::read_to_string(&mut file, &mut text).map(|_| text)
                    })
                    .with_context(|| format!("cannot read query file {}", f.display()))?,
                (None, None) => unreachable!("clap requires a query or --file"),
            };
            let origin = file
                .as_ref()
                .map_or_else(|| "query".to_owned(), |f| f.display().to_string());
            let factgraph::store::Queryable {
                store,
                prefixes,
                on_disk,
            } = match release {
                Some(name) => {
                    let dir = factgraph::release::resolve(&config, &name)?;
                    factgraph::store::release_with(&config, &dir, &write.progress)?
                }
                None => factgraph::store::working(&config)?,
            };
            if let Some((path, reused)) = on_disk {
                let verb = if reused { "reused" } else { "built" };
                eprintln!("factgraph: {verb} the on-disk store {}", path.display());
            }
            let mut out = std::io::BufWriter::new(std::io::stdout());
            factgraph::query::run(
                &store,
                &text,
                &prefixes,
                Some(config.minter.base()),
                format.into(),
                None,
                &mut out,
            )
            .with_context(|| format!("{origin}: the query failed"))?;
            out.flush().map_err(|e| Error::io("<stdout>", e))?;
            drop(out);
            // The process ends now: freeing an in-memory store of millions of quads
            // one allocation at a time took ~25 s at a million facts, for memory the
            // OS takes back at exit at once. (An on-disk store is opened read-only
            // here, so skipping its destructor loses nothing either.)
            std::mem::forget(store);
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
            let _lock = factgraph::lock::ProjectLock::acquire(&config.root, "add-source")?;
            let source = factgraph::source::add(
                &config.sources_table(),
                &config.sources_dir(),
                &file,
                &new,
            )?;
            say(&format!(
                "added source `{}`: sources/{} (sha256 {})\nrecord its facts in {} with source_id {}\n",
                source.id,
                source.file,
                source.sha256,
                config.shown(&config.facts_table()).display(),
                source.id
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Release { version, date } => release(&config, version, date, &write),
        Command::Diff { from, to, format } => {
            let changes = factgraph::diff::compare(
                &factgraph::release::snapshot_named(&config, &from)?,
                &factgraph::release::snapshot_named(&config, &to)?,
            );
            let text = match format {
                DiffFormat::Markdown => changes.markdown(),
                DiffFormat::Json => changes.json(),
            };
            say(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            path,
            fix,
            sources,
            format,
        } => verify(&config, path.as_deref(), fix, sources.as_deref(), format),
        Command::Cite {
            fact_id,
            release,
            format,
            proof,
        } => cite(
            &config,
            &fact_id,
            release.as_deref(),
            format,
            proof,
            &write.progress,
        ),
        Command::VerifyProof {
            file,
            merkle_root,
            tree_size,
            release_ttl,
        } => {
            use factgraph::verify::proof::{verify_proof, Trusted};
            let trusted = match (merkle_root, release_ttl) {
                (Some(root), _) => Trusted::Root { root, tree_size },
                (None, Some(path)) => Trusted::ReleaseTtl(path),
                (None, None) => unreachable!("clap requires --merkle-root or --release-ttl"),
            };
            let check = verify_proof(&file, &trusted)?;
            if check.outcome.is_ok() {
                say(&check.to_text())?;
                Ok(ExitCode::SUCCESS)
            } else {
                eprint!("{}", check.to_text());
                Ok(ExitCode::from(EXIT_PROBLEMS))
            }
        }
        Command::Site { release, out } => {
            let dir = factgraph::release::resolve(&config, &release)?;
            let summary = factgraph::linked::site::write_release(&config, &dir, &out)?;
            say(&format!(
                "wrote {}: {} page(s) ({} fact(s), {} source(s), {} entit(y/ies)), each as .html and .ttl, and index.html\n",
                out.display(),
                summary.pages,
                summary.facts,
                summary.sources,
                summary.entities
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Push(args) => push(&config, args),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(
                shell,
                &mut crate::cli::Cli::command(),
                "factgraph",
                &mut out,
            );
            say(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(crate::cli::Cli::command())
                .render(&mut out)
                .map_err(|e| Error::io("<stdout>", e))?;
            say(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Index { release } => {
            let dir = factgraph::release::resolve(&config, &release)?;
            let indexed = factgraph::store::index(&config, &dir, &write.progress)?;
            if let Some((path, reused)) = &indexed.on_disk {
                let verb = if *reused { "already built" } else { "built" };
                say(&format!(
                    "factgraph: {verb}: the on-disk store {}\n",
                    path.display()
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve(config, args, quiet),
    }
}

/// Credentials for `push`, from the environment only.
fn push_credentials() -> anyhow::Result<Option<factgraph::push::Credentials>> {
    let user = std::env::var("FACTGRAPH_PUSH_USER")
        .ok()
        .filter(|u| !u.is_empty());
    let password = std::env::var("FACTGRAPH_PUSH_PASSWORD").ok();
    match (user, password) {
        (None, None) => Ok(None),
        (Some(user), Some(password)) => Ok(Some(factgraph::push::Credentials { user, password })),
        (Some(_), None) => {
            anyhow::bail!("FACTGRAPH_PUSH_USER is set but FACTGRAPH_PUSH_PASSWORD is not")
        }
        (None, Some(_)) => {
            anyhow::bail!("FACTGRAPH_PUSH_PASSWORD is set but FACTGRAPH_PUSH_USER is not")
        }
    }
}

fn push(config: &Config, args: crate::cli::PushArgs) -> anyhow::Result<ExitCode> {
    use factgraph::push::{self, Event, Settings, Target};
    let dir = factgraph::release::resolve(config, &args.release)?;
    let info = factgraph::release::read_info(&dir)?;
    let target = Target {
        endpoint: args.endpoint,
        graph: args.graph.unwrap_or_else(|| info.iri.clone()),
        sparql: args.sparql,
        credentials: push_credentials()?,
    };
    let settings = Settings {
        batch_triples: args.batch_size,
        retries: args.retries,
        timeout: args.timeout,
        ..Settings::default()
    };
    push::validate(&target)?;
    eprintln!(
        "factgraph: pushing release {} into <{}> at {}",
        info.version, target.graph, target.endpoint
    );
    let started = std::time::Instant::now();
    let pushed = push::push(
        &dir.join("graph.nq"),
        &target,
        &settings,
        |event| match event {
            Event::Sent {
                method,
                batch,
                triples,
                total,
            } => {
                eprintln!("factgraph: {method} batch {batch}: {triples} triple(s), {total} so far")
            }
            Event::Retry {
                what,
                attempt,
                reason,
                wait,
            } => eprintln!(
                "factgraph: {what} failed (attempt {attempt}: {reason}); retrying in {:.1}s",
                wait.as_secs_f64()
            ),
        },
    )?;
    say(&format!(
        "pushed release {} into <{}>: {} triple(s) in {} request(s), {} retr(y/ies), {:.1}s; the store holds {} (counted by {})\n",
        info.version,
        target.graph,
        pushed.triples,
        pushed.batches,
        pushed.retries,
        started.elapsed().as_secs_f64(),
        pushed.in_store,
        pushed.counted_by
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// The release date: `--date`, else `SOURCE_DATE_EPOCH`, else today (UTC). The clock
/// and the environment are read here, at the edge, never in the library.
fn release_date(date: Option<chrono::NaiveDate>) -> anyhow::Result<chrono::NaiveDate> {
    if let Some(date) = date {
        return Ok(date);
    }
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(epoch) if !epoch.trim().is_empty() => {
            Ok(crate::cli::date_from_epoch(&epoch).map_err(Error::Usage)?)
        }
        _ => Ok(chrono::Utc::now().date_naive()),
    }
}

fn release(
    config: &Config,
    version: Option<String>,
    date: Option<chrono::NaiveDate>,
    write: &factgraph::export::WriteOptions,
) -> anyhow::Result<ExitCode> {
    let options = factgraph::release::Options {
        version,
        date: release_date(date)?,
    };
    let released = factgraph::release::release_with(config, &options, write)?;
    let info = &released.info;
    let mut text = format!(
        "released {} ({}): {} fact(s), {} source(s), {} triple(s) in {}\n",
        info.version,
        info.issued,
        info.facts,
        info.sources,
        info.triples,
        config.shown(&info.dir).display()
    );
    match &released.changes {
        Some(c) => text.push_str(&format!(
            "since {}: {} fact(s) added, {} removed, {} changed (see CHANGES.md)\n",
            c.from.name,
            c.facts.added.len(),
            c.facts.removed.len(),
            c.facts.changed.len()
        )),
        None => text.push_str("first release\n"),
    }
    for file in &released.files {
        text.push_str(&format!(
            "  {}  {}  ({} bytes)\n",
            file.sha256, file.name, file.bytes
        ));
    }
    text.push_str(&format!(
        "cite as: {}, release {} ({}), <{}>, graph sha256 {}\n",
        released
            .title
            .as_deref()
            .unwrap_or("factgraph knowledge graph"),
        info.version,
        info.issued,
        info.iri,
        info.graph_sha256
    ));
    if let Some(root) = &info.merkle_root {
        text.push_str(&format!(
            "merkle root {root} (prove one fact: factgraph cite FACT_ID --release {} --proof)\n",
            info.version
        ));
    }
    say(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn serve(config: Config, args: crate::cli::ServeArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    use factgraph::serve::{self, ServeConfig, ServeError, Serving};
    let serving = match (args.release, args.all_releases) {
        (Some(release), _) => Serving::Release(release),
        (None, true) => Serving::AllReleases,
        (None, false) => Serving::Working,
    };
    let config = ServeConfig {
        project: config,
        serving,
        bind: args.bind,
        limits: serve::Limits {
            timeout: args.timeout,
            max_rows: args.max_rows,
            max_body_bytes: args.max_body,
            max_query_memory: args.max_memory.saturating_mul(1024 * 1024),
        },
        max_connections: args.max_connections,
    };
    let log: Option<serve::Logger> = if quiet {
        None
    } else {
        Some(Box::new(|record| {
            eprintln!(
                "{} {record}",
                chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ")
            )
        }))
    };
    let (signal, shutdown) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = signal.send(());
    })
    .context("cannot install the Ctrl-C handler")?;
    let stopped = serve::serve(config, log, shutdown, |running| {
        let dataset = running.service().dataset();
        let quads = dataset.len().unwrap_or(0);
        eprintln!(
            "factgraph: serving {} ({quads} quads), read-only",
            dataset.description()
        );
        if !running.addr().ip().is_loopback() {
            eprintln!(
                "warning: listening on {}, reachable from other machines (no authentication, no TLS)",
                running.addr()
            );
        }
        eprintln!("factgraph: query page  {}/", running.url());
        for endpoint in dataset.endpoints() {
            let graph = endpoint
                .default_graph
                .as_ref()
                .map(|g| format!(", default graph <{}>", g.as_str()))
                .unwrap_or_default();
            eprintln!(
                "factgraph: SPARQL      {}{}  ({}{graph})",
                running.url(),
                endpoint.path,
                endpoint.label
            );
        }
        eprintln!("factgraph: listening on {} (Ctrl-C to stop)", running.url());
    })
    .map_err(|e| match e {
        // Keep the pipeline's error (and so its exit code) for invalid inputs.
        ServeError::Project(e) => anyhow::Error::from(e),
        other => anyhow::Error::from(other),
    })?;
    eprintln!(
        "factgraph: stopped after {} request(s){}",
        stopped.served,
        if stopped.abandoned > 0 {
            format!(", {} still running were cut off", stopped.abandoned)
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn check(config: &Config) -> anyhow::Result<ExitCode> {
    let (checked, problems) = pipeline::check(config);
    if problems.is_empty() {
        say(&format!(
            "ok: {} source(s), {} fact(s), ontology of {} triple(s); no problems\n",
            checked.sources.len(),
            checked.facts.len(),
            checked.ontology.quads.len()
        ))?;
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

/// Prints to stdout; a closed pipe surfaces as an I/O error that `main` treats as success.
fn say(text: &str) -> Result<(), Error> {
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| Error::io("<stdout>", e))
}

fn verify(
    config: &Config,
    path: Option<&std::path::Path>,
    fix: bool,
    sources: Option<&std::path::Path>,
    format: crate::cli::ReportFormat,
) -> anyhow::Result<ExitCode> {
    use factgraph::verify;
    let report = match path {
        None => verify::verify_working(config, verify::Options { fix })?,
        Some(dir) => verify::release::verify_release(dir, sources)?,
    };
    let mut out = Vec::new();
    match format {
        crate::cli::ReportFormat::Text => report.write_text(&mut out)?,
        crate::cli::ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            out.push(b'\n');
        }
    }
    say(&String::from_utf8_lossy(&out))?;
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    })
}

fn cite(
    config: &Config,
    fact_id: &str,
    release: Option<&str>,
    format: crate::cli::CiteFormat,
    proof: bool,
    progress: &factgraph::progress::Progress,
) -> anyhow::Result<ExitCode> {
    use crate::cli::CiteFormat;
    use factgraph::cite;
    match (proof, format) {
        (true, CiteFormat::Bibtex | CiteFormat::CslJson) => {
            return Err(
                Error::Usage("--proof gives text or json (--format text|json)".into()).into(),
            )
        }
        (false, CiteFormat::Json) => {
            return Err(Error::Usage(
                "--format json is the inclusion proof: add --proof (and --release)".into(),
            )
            .into())
        }
        _ => {}
    }
    // A release's graph.nq is scanned (seconds at a million facts).
    let spinner = progress.spinner("finding the fact in the graph");
    let citation = match release {
        None => cite::from_working(config, fact_id)?,
        Some(version) => cite::from_release(config, version, fact_id)?,
    };
    let proof = match release.filter(|_| proof) {
        Some(version) => {
            spinner.set_message("building the inclusion proof");
            let dir = factgraph::release::resolve(config, version)?;
            let proof = factgraph::release::proof::prove(&dir, fact_id)?;
            Some((proof, dir.join("release.ttl")))
        }
        None => None,
    };
    spinner.finish_and_clear();
    let text = match (format, proof) {
        (CiteFormat::Json, Some((proof, _))) => proof.to_json(),
        (CiteFormat::Text, Some((proof, ttl))) => format!(
            "{}\n{proof}\nCheck it offline: factgraph cite {fact_id} --release {} --proof --format json > {fact_id}.proof.json\n                  factgraph verify-proof {fact_id}.proof.json --release-ttl {}\n",
            citation.to_text(),
            proof.release.version,
            ttl.display()
        ),
        (CiteFormat::Bibtex, _) => citation.to_bibtex(),
        (CiteFormat::CslJson, _) => citation.to_csl_json(),
        (CiteFormat::Text | CiteFormat::Json, _) => citation.to_text(),
    };
    say(&text)?;
    Ok(ExitCode::SUCCESS)
}
