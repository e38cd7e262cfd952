//! The vocabulary: the Turtle files under `ontology/`.
//!
//! The ontology is both *data* (its triples go into every export, so a downloaded graph
//! explains itself) and the *schema* facts are validated against: the CURIE prefixes a
//! researcher may use are exactly the `@prefix` lines of these files, and a subject,
//! predicate, object or qualifier is accepted only if the ontology declares it.
//!
//! `ontology/shapes.ttl` ([`SHAPES_FILE`]) is the exception: the SHACL shapes of the
//! data model are the graph's contract, checked by a SHACL validator, not data. They are
//! skipped here, so they never enter an export and adding or editing a shape changes no
//! graph hash.
//!
//! # Rationale
//! Validation reads the ontology's own triples (types, `rdfs:range`, `rdfs:subClassOf`)
//! instead of a separate schema file so that there is one place to add a term.

use crate::error::{Code, Diagnostic, Location};
use crate::project::shown;
use crate::vocab::{iri, FG, OWL, RDF, RDFS, XSD};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The loaded vocabulary.
#[derive(Debug, Default)]
pub struct Ontology {
    /// Every triple of the ontology files, in file order.
    pub quads: Vec<Quad>,
    /// Prefix name to namespace IRI, merged over all files.
    pub prefixes: BTreeMap<String, String>,
    /// The files read, relative to the project root.
    pub files: Vec<PathBuf>,
    /// For each quad, the index in `files` of the file it comes from.
    origins: Vec<usize>,
    types: HashMap<NamedNode, BTreeSet<NamedNode>>,
    ranges: HashMap<NamedNode, NamedNode>,
    superclasses: HashMap<NamedNode, BTreeSet<NamedNode>>,
    labels: HashMap<NamedNode, String>,
    first_days: HashMap<NamedNode, NamedNode>,
    last_days: HashMap<NamedNode, NamedNode>,
}

/// The SHACL shapes in `ontology/`: published with each release, never loaded as data.
pub const SHAPES_FILE: &str = "shapes.ttl";

/// The shapes of factgraph's data model as this build knows them: what a release
/// publishes when its project has no `ontology/shapes.ttl` of its own.
pub const BUILT_IN_SHAPES: &str = include_str!("../ontology/shapes.ttl");

/// The shapes a release of the ontology in `dir` publishes: its `shapes.ttl` if it has
/// one (a project may tighten them), else [`BUILT_IN_SHAPES`].
pub fn shapes(dir: &Path) -> std::io::Result<Vec<u8>> {
    let path = dir.join(SHAPES_FILE);
    match crate::safe_read::read_in(dir, &path, crate::safe_read::MAX_TEXT_FILE) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BUILT_IN_SHAPES.into()),
        read => read,
    }
}

/// What the ontology says a value must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// No range declared: anything goes.
    Any,
    /// An IRI of an entity that is an instance of this class (or of a subclass).
    Instance(NamedNode),
    /// A literal of this datatype (`rdfs:Literal` accepts any).
    Literal(NamedNode),
}

impl Ontology {
    /// Reads every `*.ttl` file of `dir` (sorted by name, for determinism) except
    /// [`SHAPES_FILE`]. `root` is used only to show paths relative to the project.
    pub fn load(dir: &Path, root: &Path) -> (Self, Vec<Diagnostic>) {
        let mut ontology = Ontology::default();
        let mut diagnostics = Vec::new();
        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "ttl"))
                .filter(|p| p.file_name().is_none_or(|name| name != SHAPES_FILE))
                .collect(),
            Err(e) => {
                diagnostics.push(Diagnostic::new(
                    Location::file(shown(dir, root)),
                    Code::Io,
                    format!("cannot read the ontology directory: {e}"),
                ));
                return (ontology, diagnostics);
            }
        };
        files.sort();
        if files.is_empty() {
            diagnostics.push(Diagnostic::new(
                Location::file(shown(dir, root)),
                Code::Ontology,
                "no vocabulary *.ttl file in the ontology directory (shapes.ttl, the SHACL shapes, does not count)",
            ));
        }
        for file in files {
            let shown_path = shown(&file, root);
            ontology.read_file(&file, &shown_path, &mut diagnostics);
            ontology.files.push(shown_path);
        }
        ontology.index();
        (ontology, diagnostics)
    }

    fn read_file(&mut self, file: &Path, shown_path: &Path, diagnostics: &mut Vec<Diagnostic>) {
        let text = match crate::error::read_utf8(file, shown_path) {
            Ok(text) => text,
            Err(d) => {
                diagnostics.push(d);
                return;
            }
        };
        let mut parser = RdfParser::from_format(RdfFormat::Turtle).for_slice(text.as_bytes());
        for result in parser.by_ref() {
            match result {
                Ok(quad) => {
                    if quad.subject.is_blank_node() || quad.object.is_blank_node() {
                        diagnostics.push(Diagnostic::new(
                            Location::file(shown_path),
                            Code::Ontology,
                            format!("blank nodes are not allowed (the exports must be blank-node free so that sorted N-Quads is canonical): {quad}"),
                        ));
                        continue;
                    }
                    self.quads.push(quad);
                    self.origins.push(self.files.len());
                }
                Err(e) => {
                    let mut location = Location::file(shown_path);
                    if let Some(range) = e.location() {
                        location = location
                            .at_line(range.start.line + 1)
                            .at_column(range.start.column + 1);
                    }
                    diagnostics.push(Diagnostic::new(location, Code::Ontology, e.to_string()));
                    return;
                }
            }
        }
        for (name, namespace) in parser.prefixes() {
            match self.prefixes.get(name) {
                Some(existing) if existing != namespace => diagnostics.push(Diagnostic::new(
                    Location::file(shown_path),
                    Code::Ontology,
                    format!("prefix `{name}:` is <{namespace}> here but <{existing}> in another ontology file"),
                )),
                _ => {
                    self.prefixes.insert(name.to_owned(), namespace.to_owned());
                }
            }
        }
    }

    fn index(&mut self) {
        let rdf_type = iri(RDF, "type");
        let range = iri(RDFS, "range");
        let sub_class = iri(RDFS, "subClassOf");
        let label = iri(RDFS, "label");
        let first_day = iri(FG, "firstDayProperty");
        let last_day = iri(FG, "lastDayProperty");
        for quad in &self.quads {
            let NamedOrBlankNode::NamedNode(subject) = &quad.subject else {
                continue;
            };
            match (&quad.predicate, &quad.object) {
                (p, Term::NamedNode(o)) if *p == rdf_type => {
                    self.types
                        .entry(subject.clone())
                        .or_default()
                        .insert(o.clone());
                }
                (p, Term::NamedNode(o)) if *p == range => {
                    self.ranges.insert(subject.clone(), o.clone());
                }
                (p, Term::NamedNode(o)) if *p == first_day => {
                    self.first_days.insert(subject.clone(), o.clone());
                }
                (p, Term::NamedNode(o)) if *p == last_day => {
                    self.last_days.insert(subject.clone(), o.clone());
                }
                (p, Term::NamedNode(o)) if *p == sub_class => {
                    self.superclasses
                        .entry(subject.clone())
                        .or_default()
                        .insert(o.clone());
                }
                (p, Term::Literal(l)) if *p == label => {
                    // Prefer English or untagged labels; otherwise keep the first seen.
                    let preferred = matches!(l.language(), None | Some("en"));
                    if preferred || !self.labels.contains_key(subject) {
                        self.labels.insert(subject.clone(), l.value().to_owned());
                    }
                }
                _ => {}
            }
        }
    }

    /// Problems of terms the ontology may not use: IRIs that factgraph mints (facts,
    /// sources, releases: describing them would change a fact's content behind its
    /// hash) and the properties factgraph writes on facts declared as qualifiers.
    pub fn reserved_problems(&self, minter: &crate::project::Minter) -> Vec<Diagnostic> {
        let minted = [minter.fact_ns(), minter.source_ns(), minter.release_ns()];
        let is_minted = |iri: &str| minted.iter().any(|ns| iri.starts_with(ns.as_str()));
        let reserved = crate::vocab::reserved_fact_properties();
        let qualifier = iri(FG, "QualifierProperty");
        let rdf_type = iri(RDF, "type");
        let mut problems = Vec::new();
        for (quad, &origin) in self.quads.iter().zip(&self.origins) {
            let at = || Location::file(&self.files[origin]);
            let mut terms = vec![quad.subject.to_string(), quad.predicate.to_string()];
            if let Term::NamedNode(o) = &quad.object {
                terms.push(o.to_string());
            }
            if let Some(term) = terms
                .iter()
                .map(|t| t.trim_start_matches('<').trim_end_matches('>'))
                .find(|t| is_minted(t))
            {
                problems.push(Diagnostic::new(
                    at(),
                    Code::Ontology,
                    format!(
                        "<{term}> is reserved: factgraph mints the IRIs of facts, sources and releases and alone describes them (triple: {quad})"
                    ),
                ));
                continue;
            }
            if let (NamedOrBlankNode::NamedNode(s), Term::NamedNode(o)) =
                (&quad.subject, &quad.object)
            {
                if quad.predicate == rdf_type && *o == qualifier && reserved.contains(s) {
                    problems.push(Diagnostic::new(
                        at(),
                        Code::Ontology,
                        format!(
                            "{} is reserved: factgraph writes it on every fact, so it cannot be a fg:QualifierProperty",
                            self.compact(s)
                        ),
                    ));
                }
            }
        }
        problems
    }

    /// Expands `prefix:local` (or `<full-iri>`) into an IRI.
    pub fn expand(&self, curie: &str) -> Result<NamedNode, (Code, String)> {
        let curie = curie.trim();
        if let Some(inner) = curie.strip_prefix('<').and_then(|c| c.strip_suffix('>')) {
            return NamedNode::new(inner)
                .map_err(|e| (Code::BadValue, format!("invalid IRI <{inner}>: {e}")));
        }
        let Some((prefix, local)) = curie.split_once(':') else {
            return Err((
                Code::BadValue,
                format!("`{curie}` is not a CURIE (expected prefix:name, e.g. ent:russia)"),
            ));
        };
        let Some(namespace) = self.prefixes.get(prefix) else {
            return Err((
                Code::UnknownPrefix,
                format!(
                    "unknown prefix `{prefix}:` in `{curie}` (declared: {})",
                    self.prefixes
                        .keys()
                        .map(|k| format!("{k}:"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            ));
        };
        NamedNode::new(format!("{namespace}{local}")).map_err(|e| {
            (
                Code::BadValue,
                format!("`{curie}` expands to an invalid IRI: {e}"),
            )
        })
    }

    /// Whether the ontology says anything about this IRI's type.
    pub fn is_declared(&self, term: &NamedNode) -> bool {
        self.types.contains_key(term)
    }

    fn has_type(&self, term: &NamedNode, ty: &NamedNode) -> bool {
        self.types.get(term).is_some_and(|t| t.contains(ty))
    }

    /// Whether the IRI is declared as a property of any kind.
    pub fn is_property(&self, term: &NamedNode) -> bool {
        [
            iri(RDF, "Property"),
            iri(OWL, "ObjectProperty"),
            iri(OWL, "DatatypeProperty"),
            iri(OWL, "AnnotationProperty"),
            iri(FG, "QualifierProperty"),
        ]
        .iter()
        .any(|ty| self.has_type(term, ty))
    }

    /// Whether the IRI is declared as a qualifier property (`fg:QualifierProperty`).
    pub fn is_qualifier(&self, term: &NamedNode) -> bool {
        self.has_type(term, &iri(FG, "QualifierProperty"))
    }

    /// What a value of this property must be, from its `rdfs:range`.
    pub fn expect(&self, property: &NamedNode) -> Expect {
        match self.ranges.get(property) {
            None => Expect::Any,
            Some(r)
                if r.as_str().starts_with(XSD)
                    || *r == iri(RDFS, "Literal")
                    || *r == iri(RDF, "langString") =>
            {
                Expect::Literal(r.clone())
            }
            Some(r) if *r == iri(RDFS, "Resource") || *r == iri(OWL, "Thing") => Expect::Any,
            Some(r) => Expect::Instance(r.clone()),
        }
    }

    /// Whether `entity` is declared an instance of `class` or of one of its subclasses.
    pub fn is_instance_of(&self, entity: &NamedNode, class: &NamedNode) -> bool {
        let Some(types) = self.types.get(entity) else {
            return false;
        };
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&NamedNode> = types.iter().collect();
        while let Some(ty) = stack.pop() {
            if ty == class {
                return true;
            }
            if seen.insert(ty) {
                if let Some(supers) = self.superclasses.get(ty) {
                    stack.extend(supers);
                }
            }
        }
        false
    }

    /// The properties that carry the first and last day of a date value of `property`
    /// (`fg:firstDayProperty` / `fg:lastDayProperty`), when the ontology declares both.
    pub fn day_properties(&self, property: &NamedNode) -> Option<(NamedNode, NamedNode)> {
        Some((
            self.first_days.get(property)?.clone(),
            self.last_days.get(property)?.clone(),
        ))
    }

    /// The `rdfs:label` of a term, if it has one.
    pub fn label(&self, term: &NamedNode) -> Option<&str> {
        self.labels.get(term).map(String::as_str)
    }

    /// The shortest CURIE for an IRI using the declared prefixes, or `<iri>`.
    pub fn compact(&self, term: &NamedNode) -> String {
        crate::vocab::compact_iri(
            term.as_str(),
            self.prefixes
                .iter()
                .map(|(n, ns)| (n.as_str(), ns.as_str())),
        )
    }
}
