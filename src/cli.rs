//! The command-line interface: clap definitions only. Doc comments are the help text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Turn source-attributed facts into a versioned, citable knowledge graph.
#[derive(Debug, Parser)]
#[command(name = "factgraph", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Project root holding ontology/, sources/ and exports/
    #[arg(long, global = true, default_value = ".", env = "FACTGRAPH_ROOT")]
    pub root: PathBuf,
    /// Base IRI of minted resources (facts, sources, releases); must end with / or #.
    /// Default: fg:baseIri in project.ttl, else https://w3id.org/factgraph/
    #[arg(long, global = true, env = "FACTGRAPH_BASE_IRI")]
    pub base_iri: Option<String>,
    /// No progress bars (they are only drawn when stderr is a terminal); for `serve`,
    /// no access log either
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Memory for sorting the triples that facts share when exporting or releasing
    /// (e.g. 64M, 1G); beyond it, sorted runs go to unnamed temporary files beside
    /// the output
    #[arg(long, global = true, env = "FACTGRAPH_SORT_MEMORY", value_parser = parse_size, default_value = "256M")]
    pub sort_memory: usize,
}

fn parse_size(value: &str) -> Result<usize, String> {
    let value = value.trim();
    let (digits, unit) = value.split_at(
        value
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(value.len()),
    );
    let shift = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return Err(format!("`{value}` is not a size such as 512M or 2G")),
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`{value}` is not a size such as 512M or 2G"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the ontology, sources and facts; list every problem with file, line and field
    Check,
    /// Check, then write facts.ttl, facts.csv and graph.nq (canonical, sorted)
    Export {
        /// Directory to write into (created if missing)
        #[arg(long, default_value = "out")]
        out: PathBuf,
    },
    /// Run a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE) over the graph
    Query {
        /// The query text (or use --file)
        #[arg(conflicts_with = "file", required_unless_present = "file")]
        query: Option<String>,
        /// Read the query from a file (e.g. queries/boycotts.rq)
        #[arg(long, short)]
        file: Option<PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
        format: QueryFormat,
        /// Query a published release (a version in exports/, `latest`, or a release
        /// directory) instead of the working inputs
        #[arg(long)]
        release: Option<String>,
    },
    /// Register a new source article: copy it under sources/, hash it, add its row
    AddSource {
        /// The article's text file (UTF-8)
        file: PathBuf,
        /// Title, verbatim
        #[arg(long)]
        title: String,
        /// Publication date (YYYY-MM-DD) or dateTime (YYYY-MM-DDThh:mm:ss[Z])
        #[arg(long)]
        published: String,
        /// Stable id (default: derived from the file name)
        #[arg(long)]
        id: Option<String>,
        /// Where it was published
        #[arg(long)]
        url: Option<String>,
        /// Who published it
        #[arg(long)]
        publisher: Option<String>,
        /// Language tag (e.g. en)
        #[arg(long)]
        language: Option<String>,
        /// When it was retrieved (date or dateTime)
        #[arg(long)]
        retrieved: Option<String>,
    },
    /// Publish an immutable, checksummed release under exports/<version>/
    Release {
        /// Version name (default: the next vN); must be new
        #[arg(long)]
        version: Option<String>,
        /// Release date, YYYY-MM-DD (default: SOURCE_DATE_EPOCH if set, else today in UTC)
        #[arg(long, value_parser = parse_date)]
        date: Option<chrono::NaiveDate>,
    },
    /// Show the facts and sources added, removed and changed between two releases
    Diff {
        /// The older side: a version, `latest`, a release directory, or `working`
        from: String,
        /// The newer side: a version, `latest`, a release directory, or `working`
        to: String,
        /// Output format
        #[arg(long, value_enum, default_value_t = DiffFormat::Markdown)]
        format: DiffFormat,
    },
    /// Check every quote against its source and every checksum against its file
    ///
    /// Without PATH, the working inputs (sources/); with PATH, a release directory
    /// (e.g. exports/v2, or a downloaded copy). Exit 0 when all is well, 1 when a
    /// citation or checksum fails, 2 on usage or I/O errors.
    Verify {
        /// A release directory to verify instead of the working inputs
        path: Option<PathBuf>,
        /// Rewrite the positions of moved quotes in sources/facts.csv (working inputs only)
        #[arg(long, conflicts_with = "path")]
        fix: bool,
        /// Directory holding the source files, to re-check a release's quotes
        #[arg(long, requires = "path")]
        sources: Option<PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Print how to cite a fact: claim, quote, source, hashes and IRI
    Cite {
        /// The fact id (the fact_id column)
        fact_id: String,
        /// Cite it as published in this release (e.g. v2, or latest); default: the working graph
        #[arg(long)]
        release: Option<String>,
        /// Output format (json: the inclusion proof, with --proof)
        #[arg(long, value_enum, default_value_t = CiteFormat::Text)]
        format: CiteFormat,
        /// Also give an inclusion proof: the fact is in the release, checkable offline
        /// with `verify-proof` against the release's Merkle root (needs --release)
        #[arg(long, requires = "release")]
        proof: bool,
    },
    /// Check an inclusion proof (from `cite --proof --format json`) offline
    ///
    /// Against the Merkle root of the release's release.ttl (which also fixes the
    /// number of facts, the release IRI, version and graph hash), or a root given by
    /// hand. Needs neither the release's data files nor a project. Exit 0 when the
    /// proof holds, 1 when it does not, 2 on usage or I/O errors.
    VerifyProof {
        /// The proof file (JSON)
        file: PathBuf,
        /// The release's Merkle root (64 hex digits), as published (fg:merkleRoot)
        #[arg(
            long,
            value_name = "HEX",
            required_unless_present = "release_ttl",
            conflicts_with = "release_ttl"
        )]
        merkle_root: Option<String>,
        /// With --merkle-root: the number of facts of the release (fg:factCount)
        #[arg(long, requires = "merkle_root")]
        tree_size: Option<u64>,
        /// The release's release.ttl, whose fg:merkleRoot is trusted
        #[arg(long)]
        release_ttl: Option<PathBuf>,
    },
    /// Build a release's on-disk store ahead of time (feature `persistent`), so that
    /// `query --release` and `serve --release` open it at once instead of loading graph.nq
    Index {
        /// The release: a version, `latest`, or a release directory
        #[arg(long)]
        release: String,
    },
    /// Serve a read-only SPARQL 1.1 endpoint (and a query page) over the working graph or releases
    Serve(ServeArgs),
    /// Write a release as a static website: an HTML page and a Turtle file per fact,
    /// source, entity and release, an index and a search box that need no server
    Site {
        /// The release (a version such as v2, latest, or a release directory)
        #[arg(long)]
        release: String,
        /// Directory to write into (must be new or empty)
        #[arg(long)]
        out: PathBuf,
    },
    /// Load a release into an external SPARQL store (Graph Store HTTP Protocol)
    ///
    /// Replaces the named graph, then adds the release in batches, and checks the
    /// store's triple count afterwards. Credentials, when the store asks for them,
    /// come from FACTGRAPH_PUSH_USER and FACTGRAPH_PUSH_PASSWORD (never from the
    /// command line).
    Push(PushArgs),
    /// Print a shell completion script
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `factgraph man > factgraph.1`
    Man,
}

/// Options of `factgraph push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The release to push (a version such as v2, latest, or a release directory)
    #[arg(long)]
    pub release: String,
    /// The store's Graph Store Protocol endpoint, e.g. http://127.0.0.1:8890/sparql-graph-crud-auth
    #[arg(long)]
    pub endpoint: String,
    /// The named graph to replace (default: the release IRI)
    #[arg(long)]
    pub graph: Option<String>,
    /// The store's SPARQL query endpoint, for the final count (default: read the graph back)
    #[arg(long)]
    pub sparql: Option<String>,
    /// Triples per request
    #[arg(long, default_value_t = 50_000)]
    pub batch_size: usize,
    /// Retries of a request after a transient failure (connection lost, 408, 429, 5xx)
    #[arg(long, default_value_t = 5)]
    pub retries: u32,
    /// Time limit of one request, in seconds
    #[arg(long, default_value = "300", value_parser = parse_seconds)]
    pub timeout: std::time::Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// What CHANGES.md says
    Markdown,
    /// Stable JSON
    Json,
}

/// Options of `factgraph serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Serve this release instead of the working graph (a version such as v2, latest, or a release directory)
    #[arg(long, conflicts_with = "all_releases")]
    pub release: Option<String>,
    /// Serve every release, each in its named graph (the release IRI), with /sparql/<version> endpoints
    #[arg(long)]
    pub all_releases: bool,
    /// Address to listen on (loopback by default; port 0 picks a free port)
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub bind: std::net::SocketAddr,
    /// Time limit of one query, in seconds (decimals allowed)
    #[arg(long, default_value = "10", value_parser = parse_seconds)]
    pub timeout: std::time::Duration,
    /// Most rows (SELECT) or triples (CONSTRUCT/DESCRIBE) in one response
    #[arg(long, default_value_t = 100_000)]
    pub max_rows: usize,
    /// Largest request body (and query string) accepted, in bytes
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_body: usize,
    /// Memory one query may use, in MiB (it runs in a child process with that limit)
    #[arg(long, default_value_t = 1024)]
    pub max_memory: u64,
    /// Most connections open at once (others wait up to 2 s, then get 503; one address
    /// may hold three quarters of them)
    #[arg(long, default_value_t = 64)]
    pub max_connections: usize,
}

/// Parses a `--date`: exactly `YYYY-MM-DD`, a real calendar date.
pub fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == text)
        .ok_or_else(|| format!("`{text}` is not a date of the form YYYY-MM-DD"))
}

/// The UTC date of a `SOURCE_DATE_EPOCH` value (seconds since 1970-01-01T00:00:00Z).
pub fn date_from_epoch(text: &str) -> Result<chrono::NaiveDate, String> {
    text.trim()
        .parse::<i64>()
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| t.date_naive())
        .ok_or_else(|| {
            format!("SOURCE_DATE_EPOCH=`{text}` is not a number of seconds since 1970-01-01")
        })
}

fn parse_seconds(value: &str) -> Result<std::time::Duration, String> {
    let seconds: f64 = value
        .parse()
        .map_err(|_| format!("`{value}` is not a number of seconds"))?;
    if seconds <= 0.0 {
        return Err("the timeout must be more than 0 seconds".into());
    }
    std::time::Duration::try_from_secs_f64(seconds).map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum QueryFormat {
    Table,
    Json,
    Csv,
    Tsv,
    Xml,
    Turtle,
    Ntriples,
}

impl From<QueryFormat> for factgraph::query::Format {
    fn from(f: QueryFormat) -> Self {
        use factgraph::query::Format;
        match f {
            QueryFormat::Table => Format::Table,
            QueryFormat::Json => Format::Json,
            QueryFormat::Csv => Format::Csv,
            QueryFormat::Tsv => Format::Tsv,
            QueryFormat::Xml => Format::Xml,
            QueryFormat::Turtle => Format::Turtle,
            QueryFormat::Ntriples => Format::NTriples,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiteFormat {
    Text,
    Bibtex,
    CslJson,
    /// The inclusion proof as JSON (with --proof)
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date("2026-11-28").unwrap().to_string(), "2026-11-28");
        for bad in ["2026-2-3", "2026-02-30", "28/11/2026", ""] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(date_from_epoch("0").unwrap().to_string(), "1970-01-01");
        assert_eq!(
            date_from_epoch("1795910399").unwrap().to_string(),
            "2026-11-28"
        );
        assert!(date_from_epoch("yesterday").is_err());
    }
}
