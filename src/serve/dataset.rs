//! The served dataset: a store loaded with the working graph, one release, or every
//! release in its own named graph, and the endpoints that query it.

use super::resources::{Cited, Resources};
use super::{ServeError, Serving};
use crate::error::Error;
use crate::linked::History;
use crate::project::Config;
use crate::release;
use crate::store::{LoadError, Store};
use oxigraph::model::NamedNode;

/// One SPARQL endpoint path and the default graph its queries see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `/sparql` or `/sparql/vN`.
    pub path: String,
    /// The named graph used as the default graph (`None`: the store's default graph).
    pub default_graph: Option<NamedNode>,
    /// What it serves, for humans.
    pub label: String,
}

/// A loaded store, its prefixes and its endpoints.
pub struct Dataset {
    pub(super) store: Store,
    pub(super) prefixes: Vec<(String, String)>,
    pub(super) endpoints: Vec<Endpoint>,
    pub(super) named_graphs: Vec<NamedNode>,
    pub(super) description: String,
    pub(super) resources: Resources,
}

impl Dataset {
    /// The endpoints, `/sparql` first.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// The release graphs (empty unless serving every release).
    pub fn named_graphs(&self) -> &[NamedNode] {
        &self.named_graphs
    }

    /// What is served, for humans ("the working graph", "release v2"...).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The number of quads loaded.
    pub fn len(&self) -> Result<usize, Error> {
        self.store.len().map_err(|e| Error::Store(Box::new(e)))
    }

    /// Whether nothing is loaded.
    pub fn is_empty(&self) -> Result<bool, Error> {
        Ok(self.len()? == 0)
    }
}

/// Builds or loads what `serving` names.
pub fn open(project: &Config, serving: &Serving) -> Result<Dataset, ServeError> {
    let main = |label: String, default_graph| Endpoint {
        path: "/sparql".into(),
        default_graph,
        label,
    };
    match serving {
        Serving::Working => {
            let working = crate::store::working(project)?;
            let history = History::read(&release::list(&project.exports_dir())?)?;
            Ok(Dataset {
                resources: Resources::new(
                    project,
                    working.prefixes.clone(),
                    vec![(
                        None,
                        Cited::Working(project.clone(), std::sync::OnceLock::new()),
                    )],
                    history,
                ),
                store: working.store,
                prefixes: working.prefixes,
                endpoints: vec![main("the working graph".into(), None)],
                named_graphs: Vec::new(),
                description: "the working graph".into(),
            })
        }
        Serving::Release(name) => {
            let dir = release::resolve(project, name)?;
            let opened = crate::store::release(project, &dir)?;
            let info = release::read_info(&dir)?;
            let label = format!("release {}", info.version);
            Ok(Dataset {
                resources: Resources::new(
                    project,
                    opened.prefixes.clone(),
                    vec![(None, Cited::Release(cited(&info)))],
                    History::until(&project.exports_dir(), &info)?,
                ),
                store: opened.store,
                prefixes: opened.prefixes,
                endpoints: vec![main(label.clone(), None)],
                named_graphs: Vec::new(),
                description: label,
            })
        }
        Serving::AllReleases => {
            let exports = project.exports_dir();
            let all = release::list(&exports)?;
            let newest = all.last().ok_or_else(|| ServeError::NoReleases {
                dir: project.shown(&exports),
            })?;
            let graph_of = |info: &release::ReleaseInfo| {
                NamedNode::new(&info.iri).map_err(|e| Error::CorruptRelease {
                    path: project.shown(&info.dir.join("release.ttl")),
                    message: format!("bad release IRI <{}>: {e}", info.iri),
                })
            };
            let mut endpoints = vec![main(
                format!("release {} (newest)", newest.version),
                Some(graph_of(newest)?),
            )];
            let mut named_graphs = Vec::new();
            for info in &all {
                let graph = graph_of(info)?;
                endpoints.push(Endpoint {
                    path: format!("/sparql/{}", info.version),
                    default_graph: Some(graph.clone()),
                    label: format!("release {}", info.version),
                });
                named_graphs.push(graph);
            }
            let store = crate::store::all_releases(&all).map_err(|e| match e {
                LoadError::Parse { path, source } => ServeError::Release { path, source },
                LoadError::Project(e) => ServeError::Project(e),
            })?;
            let prefixes = crate::store::release_prefixes(project, newest);
            Ok(Dataset {
                // Pages describe a resource as the newest release that has it says.
                resources: Resources::new(
                    project,
                    prefixes.clone(),
                    all.iter()
                        .rev()
                        .map(|info| Ok((Some(graph_of(info)?), Cited::Release(cited(info)))))
                        .collect::<Result<Vec<_>, Error>>()?,
                    History::read(&all)?,
                ),
                store,
                prefixes,
                endpoints,
                named_graphs,
                description: format!(
                    "{} release(s) ({}), newest {}",
                    all.len(),
                    all.iter()
                        .map(|r| r.version.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    newest.version
                ),
            })
        }
    }
}

/// How a fact of a release is cited.
fn cited(info: &release::ReleaseInfo) -> crate::cite::ReleaseInfo {
    crate::cite::ReleaseInfo {
        version: info.version.clone(),
        content_hash: info.graph_sha256.clone(),
        iri: Some(info.iri.clone()),
        published_as: None,
    }
}
