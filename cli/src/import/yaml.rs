//! Kubernetes manifests as YAML trees (saphyr: pure Rust, maintained, YAML 1.2, and
//! its marked nodes give the line of every value for the report).

use crate::import::draft::{At, Level, Note};
use crate::import::Imported;
use saphyr::{LoadableYamlNode, MarkedYaml, YamlData};
use std::path::Path;

/// Every document of the YAML stream `text` read from `path`; on a parse error, a note
/// at its line in `out` and `None`.
pub fn documents<'i>(
    path: &Path,
    text: &'i str,
    out: &mut Imported,
) -> Option<Vec<MarkedYaml<'i>>> {
    match MarkedYaml::load_from_str(text) {
        Ok(docs) => Some(docs),
        Err(e) => {
            out.notes.push(Note::new(
                Level::Unknown,
                At {
                    place: format!("{}:{}", path.display(), e.marker().line()),
                    text: String::new(),
                },
                format!("YAML: {}", e.info()),
            ));
            None
        }
    }
}

/// `node[key]` for a mapping.
pub fn get<'a, 'i>(node: &'a MarkedYaml<'i>, key: &str) -> Option<&'a MarkedYaml<'i>> {
    node.data.as_mapping_get(key)
}

/// A scalar as text (numbers and booleans written as YAML would).
pub fn text(node: &MarkedYaml<'_>) -> Option<String> {
    match &node.data {
        YamlData::Value(s) => Some(match s {
            saphyr::Scalar::String(s) => s.to_string(),
            saphyr::Scalar::Integer(i) => i.to_string(),
            saphyr::Scalar::Boolean(b) => b.to_string(),
            saphyr::Scalar::FloatingPoint(f) => f.to_string(),
            saphyr::Scalar::Null => String::new(),
        }),
        YamlData::Representation(s, ..) => Some(s.to_string()),
        _ => None,
    }
}

/// A sequence's items (empty for anything else).
pub fn items<'a, 'i>(node: &'a MarkedYaml<'i>) -> &'a [MarkedYaml<'i>] {
    match &node.data {
        YamlData::Sequence(s) => s,
        _ => &[],
    }
}

/// Where a node is.
pub fn at(path: &std::path::Path, text: &str, node: &MarkedYaml<'_>) -> At {
    let line = node.span.start.line();
    At {
        place: format!("{}:{line}", path.display()),
        text: text.lines().nth(line.saturating_sub(1)).unwrap_or("").trim().to_string(),
    }
}
