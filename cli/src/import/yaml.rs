//! Kubernetes manifests as YAML trees (saphyr: pure Rust, maintained, YAML 1.2, and
//! its marked nodes give the line of every value for the report).

use crate::import::draft::At;
use saphyr::{LoadableYamlNode, MarkedYaml, YamlData};

/// Every document of a YAML stream, or the parse error with its line.
pub fn documents(text: &str) -> Result<Vec<MarkedYaml<'_>>, (usize, String)> {
    MarkedYaml::load_from_str(text).map_err(|e| (e.marker().line(), e.info().to_string()))
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
