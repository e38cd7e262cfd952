//! The CSVW description of the published tables' columns, with the RDF mapping that
//! makes a standard CSVW-to-RDF conversion give the graph's own triples. (Positions are
//! described as `{"base": "integer", "minimum": 0}`: converted with their base type,
//! `xsd:integer`, the graph's datatype for them.)

use super::columns::Column;
use serde_json::{json, Value};

/// What the standard CSVW-to-RDF conversion makes of a column's cells, so that it lands
/// on the graph's own subjects and predicates. Templates are CSVW URI templates
/// (`{+fact_iri}`, `{source_id}`); `{SOURCE_NS}` stands for the project's source
/// namespace. Full IRIs, since a CSVW processor knows only the RDFa initial prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rdf {
    /// No triple (`suppressOutput`): the cell repeats the row's subject, or its RDF
    /// form varies by row (an IRI in one row, a typed literal in another; several
    /// date datatypes), which a column-level CSVW mapping cannot say.
    Suppressed,
    /// `<row> <property> "cell"` (typed by the column's datatype).
    Literal(&'static str),
    /// `<row> <property> <value template>`.
    Link(&'static str, &'static str),
    /// `<about template> <property> "cell"`.
    LiteralOf(&'static str, &'static str),
    /// `<about template> rdfs:label "cell"@en` (labels come from the ontology, in English).
    LabelOf(&'static str),
}

/// The CSVW `columns` of a table schema, with each column's RDF mapping; `source_ns`
/// replaces `{SOURCE_NS}` in templates.
pub fn columns<F>(columns: &[Column<F>], source_ns: &str) -> Vec<Value> {
    let template = |t: &str| t.replace("{SOURCE_NS}", source_ns);
    columns
        .iter()
        .map(|c| {
            let mut column = json!({
                "name": c.name,
                "titles": c.name,
                "datatype": c.datatype.csvw(),
                "required": c.required,
                "dc:description": c.description,
            });
            let mapping = match c.rdf {
                Rdf::Suppressed => json!({"suppressOutput": true}),
                Rdf::Literal(property) => json!({"propertyUrl": property}),
                Rdf::Link(property, value) => {
                    json!({"propertyUrl": property, "valueUrl": template(value)})
                }
                Rdf::LiteralOf(about, property) => {
                    json!({"aboutUrl": template(about), "propertyUrl": property})
                }
                Rdf::LabelOf(about) => json!({
                    "aboutUrl": template(about),
                    "propertyUrl": "http://www.w3.org/2000/01/rdf-schema#label",
                    "lang": "en"
                }),
            };
            if let (Some(column), Some(mapping)) = (column.as_object_mut(), mapping.as_object()) {
                column.extend(mapping.clone());
            }
            column
        })
        .collect()
}
