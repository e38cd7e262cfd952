//! Reading the views of pages out of a graph through a [`Lookup`].

use super::{
    paragraph_around, Context, DescribedView, EntityView, FactSummary, FactView, History, Lookup,
    Namespaces, Part, Resource, Shown, SourceView, Texts,
};
use crate::cite::{self, ReleaseInfo};
use crate::error::Result;
use crate::vocab::{FG, OA, OWL, PROV, RDF, RDFS};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term, Triple};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The most other claims a fact page lists.
pub const MAX_ALTERNATIVES: usize = 20;
/// The most facts an entity page lists.
pub const MAX_ENTITY_FACTS: usize = 1000;

/// Reads views from a graph, caching labels for the request.
pub struct Reader<'a> {
    pub(super) graph: &'a dyn Lookup,
    pub(super) ns: &'a Namespaces,
    labels: RefCell<HashMap<String, Option<String>>>,
}

fn n(ns: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{ns}{local}"))
}

fn value_of(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

pub(super) fn first(triples: &[Triple], predicate: &str) -> Option<Term> {
    triples
        .iter()
        .find(|t| t.predicate.as_str() == predicate)
        .map(|t| t.object.clone())
}

fn subject_iri(t: &Triple) -> Option<&str> {
    match &t.subject {
        NamedOrBlankNode::NamedNode(n) => Some(n.as_str()),
        _ => None,
    }
}

impl<'a> Reader<'a> {
    /// A reader over `graph`.
    pub fn new(graph: &'a dyn Lookup, ns: &'a Namespaces) -> Self {
        Self {
            graph,
            ns,
            labels: RefCell::new(HashMap::new()),
        }
    }

    /// The namespaces.
    pub fn namespaces(&self) -> &Namespaces {
        self.ns
    }

    /// The English (else untagged, else any) `rdfs:label` of an IRI.
    pub fn label(&self, iri: &str) -> Result<Option<String>> {
        if let Some(l) = self.labels.borrow().get(iri) {
            return Ok(l.clone());
        }
        let triples = self.graph.about(&NamedNode::new_unchecked(iri))?;
        let label = best_label(&triples);
        self.labels
            .borrow_mut()
            .insert(iri.to_owned(), label.clone());
        Ok(label)
    }

    /// A term as shown: label or compact IRI; literal value with datatype and language.
    pub fn shown(&self, term: &Term) -> Result<Shown> {
        Ok(match term {
            Term::NamedNode(node) => Shown {
                text: self
                    .label(node.as_str())?
                    .unwrap_or_else(|| self.ns.compact(node.as_str())),
                iri: Some(node.as_str().to_owned()),
                datatype: None,
                language: None,
            },
            Term::Literal(l) => literal_shown(self.ns, l),
            other => Shown {
                text: other.to_string(),
                iri: None,
                datatype: None,
                language: None,
            },
        })
    }

    fn statements(&self, triples: &[Triple]) -> Result<Vec<(Shown, Shown)>> {
        let mut out = Vec::with_capacity(triples.len());
        for t in triples {
            out.push((
                self.shown(&Term::NamedNode(t.predicate.clone()))?,
                self.shown(&t.object)?,
            ));
        }
        out.sort();
        Ok(out)
    }

    pub(super) fn is_fact(triples: &[Triple]) -> bool {
        let ty = format!("{RDF}type");
        let fact = format!("{FG}Fact");
        triples.iter().any(|t| {
            t.predicate.as_str() == ty
                && matches!(&t.object, Term::NamedNode(n) if n.as_str() == fact)
        })
    }

    /// A fact as a list item, from its IRI.
    pub fn summary(&self, fact: &NamedNode) -> Result<Option<FactSummary>> {
        let about = self.graph.about(fact)?;
        if !Self::is_fact(&about) {
            return Ok(None);
        }
        self.summary_from(fact, &about).map(Some)
    }

    fn summary_from(&self, fact: &NamedNode, about: &[Triple]) -> Result<FactSummary> {
        let get = |p: String| first(about, &p);
        let shown = |t: Option<Term>| -> Result<Shown> {
            match t {
                Some(t) => self.shown(&t),
                None => Ok(Shown {
                    text: "?".into(),
                    iri: None,
                    datatype: None,
                    language: None,
                }),
            }
        };
        let rank = match get(format!("{FG}rank")) {
            Some(Term::NamedNode(r)) if r.as_str() != format!("{FG}NormalRank") => Some(
                self.label(r.as_str())?
                    .unwrap_or_else(|| self.ns.compact(r.as_str())),
            ),
            _ => None,
        };
        let quote_node = NamedNode::new_unchecked(format!("{}#quote", fact.as_str()));
        let position_node = NamedNode::new_unchecked(format!("{}#position", fact.as_str()));
        let quote = first(&self.graph.about(&quote_node)?, &format!("{OA}exact"))
            .map(|t| value_of(&t))
            .unwrap_or_default();
        let position = self.graph.about(&position_node)?;
        let number =
            |p: &str| first(&position, &format!("{OA}{p}")).and_then(|t| value_of(&t).parse().ok());
        Ok(FactSummary {
            id: get(format!("{FG}factId"))
                .map(|t| value_of(&t))
                .unwrap_or_default(),
            iri: fact.as_str().to_owned(),
            claim: (
                shown(get(format!("{RDF}subject")))?,
                shown(get(format!("{RDF}predicate")))?,
                shown(get(format!("{RDF}object")))?,
            ),
            rank,
            quote,
            position: number("start").zip(number("end")),
        })
    }

    /// The fact page's view, or `None` when no fact has this id.
    pub fn fact(
        &self,
        id: &str,
        release: ReleaseInfo,
        texts: &Texts,
        history: &History,
    ) -> Result<Option<FactView>> {
        let iri = self.ns.iri(&Resource::Fact(id.to_owned()));
        let about = self.graph.about(&iri)?;
        if !Self::is_fact(&about) {
            return Ok(None);
        }
        // Gather what the citation reads: the fact, its parts, its source and the
        // descriptions (labels, types) of every IRI it points to.
        let mut triples: Vec<Triple> = about.clone();
        for part in ["annotation", "target", "quote", "position"] {
            triples.extend(self.graph.about(&NamedNode::new_unchecked(format!(
                "{}#{part}",
                iri.as_str()
            )))?);
        }
        let mut pointed: BTreeSet<NamedNode> = BTreeSet::new();
        for t in &about {
            pointed.insert(t.predicate.clone());
            if let Term::NamedNode(o) = &t.object {
                pointed.insert(o.clone());
            }
        }
        for node in &pointed {
            triples.extend(self.graph.about(node)?);
        }
        let quads: Vec<Quad> = triples
            .into_iter()
            .map(|t| t.in_graph(GraphName::DefaultGraph))
            .collect();
        let citation = cite::from_quads(&quads, id, release)?;
        let rank = match first(&about, &format!("{FG}rank")) {
            Some(t) => Some(self.shown(&t)?),
            None => None,
        };
        let note = first(&about, &format!("{RDFS}comment")).map(|t| value_of(&t));
        let source = first(&about, &format!("{PROV}wasDerivedFrom"));
        let source_about = match &source {
            Some(Term::NamedNode(s)) => self.graph.about(s)?,
            _ => Vec::new(),
        };
        let source_file = first(&source_about, &format!("{FG}file")).map(|t| value_of(&t));
        let context = match (&source_file, &citation.source.sha256, citation.position) {
            (Some(file), Some(sha), Some((start, end))) => {
                texts.get(file, sha).and_then(|text| {
                    let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
                    // Only when the text at the positions is the quote: a page never
                    // highlights other words than the ones cited.
                    (text.slice(start, end) == Some(citation.quote.as_str())).then(|| {
                        let (from, to) = paragraph_around(&text, start, end);
                        Context {
                            text: text.slice(from, to).unwrap_or_default().to_owned(),
                            offset: from,
                            start,
                            end,
                        }
                    })
                })
            }
            _ => None,
        };
        let (alternatives, more_alternatives) = self.alternatives(&iri, &about)?;
        Ok(Some(FactView {
            statements: self.statements(&about)?,
            rank,
            note,
            alternatives,
            more_alternatives,
            history: history.of(id),
            context,
            source_file,
            citation,
        }))
    }

    /// Other facts with the same subject and property as this one.
    fn alternatives(&self, fact: &NamedNode, about: &[Triple]) -> Result<(Vec<FactSummary>, bool)> {
        let (Some(subject), Some(Term::NamedNode(predicate))) = (
            first(about, &format!("{RDF}subject")),
            first(about, &format!("{RDF}predicate")),
        ) else {
            return Ok((Vec::new(), false));
        };
        let rdf_subject = format!("{RDF}subject");
        // Candidates in IRI order, so that the first ones shown are the same every time
        // (a subject of a large graph can be named by thousands of facts).
        let mut candidates: Vec<NamedNode> = self
            .graph
            .mentioning(&subject)?
            .into_iter()
            .filter(|t| t.predicate.as_str() == rdf_subject)
            .filter_map(|t| match t.subject {
                NamedOrBlankNode::NamedNode(n) if n != *fact => Some(n),
                _ => None,
            })
            .collect();
        candidates.sort();
        candidates.dedup();
        let mut out = Vec::new();
        let mut more = false;
        for other in candidates {
            let other_about = self.graph.about(&other)?;
            if first(&other_about, &format!("{RDF}predicate"))
                == Some(Term::NamedNode(predicate.clone()))
                && Self::is_fact(&other_about)
            {
                if out.len() == MAX_ALTERNATIVES {
                    more = true;
                    break;
                }
                out.push(self.summary_from(&other, &other_about)?);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok((out, more))
    }

    /// The source page's view, or `None` when no source has this id.
    pub fn source(&self, id: &str, texts: &Texts) -> Result<Option<SourceView>> {
        let iri = self.ns.iri(&Resource::Source(id.to_owned()));
        let about = self.graph.about(&iri)?;
        if about.is_empty() {
            return Ok(None);
        }
        let text = |p: &str| first(&about, p).map(|t| value_of(&t));
        let info = cite::SourceInfo {
            id: text(&format!("{FG}sourceId")).unwrap_or_else(|| id.to_owned()),
            iri: iri.as_str().to_owned(),
            title: text(&format!("{}title", crate::vocab::DCTERMS)),
            publisher: text(&format!("{}publisher", crate::vocab::DCTERMS)),
            issued: text(&format!("{}issued", crate::vocab::DCTERMS)),
            url: text(&format!("{}url", crate::vocab::SCHEMA)),
            sha256: text(&format!("{FG}sha256")),
        };
        let file = text(&format!("{FG}file"));
        let source_text = match (&file, &info.sha256) {
            (Some(f), Some(s)) => texts.get(f, s),
            _ => None,
        };
        let derived = format!("{PROV}wasDerivedFrom");
        let mut facts = Vec::new();
        for t in self.graph.mentioning(&Term::NamedNode(iri.clone()))? {
            if t.predicate.as_str() != derived {
                continue;
            }
            if let NamedOrBlankNode::NamedNode(f) = &t.subject {
                if let Some(s) = self.summary(f)? {
                    facts.push(s);
                }
            }
        }
        facts.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
        let conflicts = self.conflicts(&facts)?;
        Ok(Some(SourceView {
            id: id.to_owned(),
            iri: iri.as_str().to_owned(),
            statements: self.statements(&about)?,
            info,
            file,
            text: source_text,
            facts,
            conflicts,
        }))
    }

    /// Groups of facts with the same subject and property and different values, where
    /// the property is an `owl:FunctionalProperty` or a fact of the group is ranked
    /// (preferred or deprecated): the researcher's own sign that the claims compete.
    fn conflicts(&self, facts: &[FactSummary]) -> Result<Vec<Vec<FactSummary>>> {
        let mut groups: BTreeMap<(String, String), Vec<FactSummary>> = BTreeMap::new();
        for f in facts {
            let key = (
                f.claim.0.iri.clone().unwrap_or_default(),
                f.claim.1.iri.clone().unwrap_or_default(),
            );
            groups.entry(key).or_default().push(f.clone());
        }
        let functional = format!("{OWL}FunctionalProperty");
        let ty = format!("{RDF}type");
        let mut out = Vec::new();
        for ((_, predicate), mut group) in groups {
            let values: BTreeSet<&Shown> = group.iter().map(|f| &f.claim.2).collect();
            if values.len() < 2 {
                continue;
            }
            let is_functional = self
                .graph
                .about(&NamedNode::new_unchecked(&predicate))?
                .iter()
                .any(|t| {
                    t.predicate.as_str() == ty
                        && matches!(&t.object, Term::NamedNode(n) if n.as_str() == functional)
                });
            if is_functional || group.iter().any(|f| f.rank.is_some()) {
                group.sort_by(|a, b| a.id.cmp(&b.id));
                out.push(group);
            }
        }
        Ok(out)
    }

    /// The entity page's view, or `None` when nothing is said about it.
    pub fn entity(&self, id: &str) -> Result<Option<EntityView>> {
        let iri = self.ns.iri(&Resource::Entity(id.to_owned()));
        let about = self.graph.about(&iri)?;
        let mentions = self.graph.mentioning(&Term::NamedNode(iri.clone()))?;
        if about.is_empty() && mentions.is_empty() {
            return Ok(None);
        }
        // In IRI order, at most MAX_ENTITY_FACTS of them (a page stays readable).
        let mut mentions: Vec<&Triple> = mentions.iter().collect();
        mentions.sort_by(|a, b| {
            (a.subject.to_string(), a.predicate.as_str())
                .cmp(&(b.subject.to_string(), b.predicate.as_str()))
        });
        let mut facts = Vec::new();
        let mut more_facts = false;
        for t in mentions {
            let NamedOrBlankNode::NamedNode(f) = &t.subject else {
                continue;
            };
            let Some(summary) = self.summary(f)? else {
                continue;
            };
            if facts.len() == MAX_ENTITY_FACTS {
                more_facts = true;
                break;
            }
            let role = match t.predicate.as_str() {
                p if p == format!("{RDF}subject") => "subject".to_owned(),
                p if p == format!("{RDF}object") => "object".to_owned(),
                p => self.label(p)?.unwrap_or_else(|| self.ns.compact(p)),
            };
            facts.push((role, summary));
        }
        facts.sort_by(|a, b| (&a.1.id, &a.0).cmp(&(&b.1.id, &b.0)));
        Ok(Some(EntityView {
            title: best_label(&about).unwrap_or_else(|| self.ns.compact(iri.as_str())),
            iri: iri.as_str().to_owned(),
            statements: self.statements(&about)?,
            facts,
            more_facts,
        }))
    }

    /// A release's page: the release and every node under its IRI (its files).
    pub fn release(&self, version: &str) -> Result<Option<DescribedView>> {
        let iri = self.ns.iri(&Resource::Release(version.to_owned()));
        let triples = self.release_triples(&iri)?;
        if triples.is_empty() {
            return Ok(None);
        }
        let mut by_subject: BTreeMap<String, Vec<Triple>> = BTreeMap::new();
        for t in triples {
            if let Some(s) = subject_iri(&t) {
                by_subject.entry(s.to_owned()).or_default().push(t);
            }
        }
        let mut parts = Vec::new();
        if let Some(own) = by_subject.remove(iri.as_str()) {
            parts.push(Part {
                subject: iri.as_str().to_owned(),
                anchor: None,
                statements: self.statements(&own)?,
            });
        }
        for (subject, ts) in by_subject {
            let anchor = subject
                .strip_prefix(iri.as_str())
                .map(|rest| rest.trim_start_matches('/').replace(['/', '#'], "-"));
            parts.push(Part {
                statements: self.statements(&ts)?,
                subject,
                anchor,
            });
        }
        Ok(Some(DescribedView {
            title: format!("Release {version}"),
            iri: iri.as_str().to_owned(),
            parts,
        }))
    }

    /// The release description: triples about the release IRI and about IRIs under it.
    pub(super) fn release_triples(&self, iri: &NamedNode) -> Result<Vec<Triple>> {
        let mut out = Vec::new();
        let mut seen: BTreeSet<NamedNode> = BTreeSet::new();
        let mut todo = vec![iri.clone()];
        let under = format!("{}/", iri.as_str());
        while let Some(node) = todo.pop() {
            if !seen.insert(node.clone()) {
                continue;
            }
            for t in self.graph.about(&node)? {
                if let Term::NamedNode(o) = &t.object {
                    if o.as_str().starts_with(&under) {
                        todo.push(o.clone());
                    }
                }
                out.push(t);
            }
        }
        Ok(out)
    }

    /// The ontology page: the ontology and each of its terms (`fg:…`).
    pub fn ontology(&self) -> Result<Option<DescribedView>> {
        let terms = self.ontology_terms()?;
        if terms.is_empty() {
            return Ok(None);
        }
        let mut parts = Vec::new();
        for term in terms {
            let about = self.graph.about(&term)?;
            let anchor = term
                .as_str()
                .split_once('#')
                .map(|(_, local)| local.to_owned());
            parts.push(Part {
                subject: term.as_str().to_owned(),
                anchor,
                statements: self.statements(&about)?,
            });
        }
        Ok(Some(DescribedView {
            title: self
                .label(self.ns.ontology())?
                .unwrap_or_else(|| "Ontology".to_owned()),
            iri: self.ns.ontology().to_owned(),
            parts,
        }))
    }

    /// The ontology IRI, then every typed term of its namespace, sorted.
    pub(super) fn ontology_terms(&self) -> Result<Vec<NamedNode>> {
        let mut terms: BTreeSet<NamedNode> = BTreeSet::new();
        for t in self.graph.with_predicate(&n(RDF, "type"))? {
            if let Some(s) = subject_iri(&t) {
                if s.starts_with(FG) {
                    terms.insert(NamedNode::new_unchecked(s));
                }
            }
        }
        let ontology = NamedNode::new_unchecked(self.ns.ontology());
        let mut out = Vec::new();
        if !self.graph.about(&ontology)?.is_empty() {
            out.push(ontology);
        }
        out.extend(terms);
        Ok(out)
    }

    /// Every resource of a kind that has a page, sorted (for a static site's index).
    pub fn all(&self) -> Result<Vec<Resource>> {
        let mut out: BTreeSet<Resource> = BTreeSet::new();
        for t in self.graph.with_predicate(&n(FG, "factId"))? {
            if let Some(s) = subject_iri(&t) {
                out.extend(self.ns.resource_of(s));
            }
        }
        for t in self.graph.with_predicate(&n(FG, "sourceId"))? {
            if let Some(s) = subject_iri(&t) {
                out.extend(self.ns.resource_of(s));
            }
        }
        for t in self.graph.with_predicate(&n(RDFS, "label"))? {
            if let Some(s) = subject_iri(&t) {
                if let Some(r @ Resource::Entity(_)) = self.ns.resource_of(s) {
                    out.insert(r);
                }
            }
        }
        for t in self.graph.with_predicate(&n(RDF, "type"))? {
            if let Some(s) = subject_iri(&t) {
                if let Some(r @ Resource::Release(_)) = self.ns.resource_of(s) {
                    out.insert(r);
                }
            }
        }
        if !self.ontology_terms()?.is_empty() {
            out.insert(Resource::Ontology);
        }
        Ok(out.into_iter().collect())
    }
}

fn best_label(triples: &[Triple]) -> Option<String> {
    let label = format!("{RDFS}label");
    crate::vocab::preferred_label(
        triples
            .iter()
            .filter(|t| t.predicate.as_str() == label)
            .filter_map(|t| match &t.object {
                Term::Literal(l) => Some(l),
                _ => None,
            }),
    )
}

fn literal_shown(ns: &Namespaces, l: &Literal) -> Shown {
    let datatype = l.datatype().as_str();
    Shown {
        text: l.value().to_owned(),
        iri: None,
        datatype: (l.language().is_none() && datatype != "http://www.w3.org/2001/XMLSchema#string")
            .then(|| ns.compact(datatype)),
        language: l.language().map(str::to_owned),
    }
}
