//! The parsed flow as the schema validator's instance, read in place.
//!
//! jsonschema validates any representation that implements its `Json` traits; this one reads
//! the [`Document`](crate::flow::json::Document) through [`Json`] views, so validating a
//! state builds no `serde_json::Value` of it. Before, each state was built as one, and a
//! split with 100,000 branches cost ten times its text for that alone (issue #15).
//!
//! The validator sees the data the `Value` that [`Json::to_value`] builds holds: the same
//! types, strings (decoded), numbers (parsed alike), elements in order, and members with a
//! repeated key's last value winning. Only the members' order differs (file order, where
//! serde_json's map sorts them), which nothing reported depends on: errors are grouped by
//! pointer (see `collect`), and each pointer's errors come from the keywords of the schemas
//! applied to that one value, in the schemas' order. The test below checks it.

use std::borrow::Cow;
use std::iter::Map;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json as Representation, Node, NodeIdentity, Object, cmp};
use jsonschema_value::LazyInstance;
use serde_json::{Number, Value};

use crate::flow::json::{Items, ItemsIter, Json, Kind, Members, MembersIter};

/// The representation: a parsed flow's values.
pub struct FlowJson;

/// A value the validator reads: one of the document's, or a member name standing as a
/// string (for `propertyNames`, which no Studio schema uses, but the trait asks for it).
#[derive(Clone, Copy)]
pub enum Instance<'a> {
    Value(Json<'a>),
    Name(&'a str),
}

impl Representation for FlowJson {
    type Node<'a> = Instance<'a>;
    type PreparedKey = String;
    type StringBuffer = ();
    // A document is a tree, as a `serde_json::Value` is.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>((): &mut (), string: &str, f: impl FnOnce(Instance<'_>) -> T) -> T {
        f(Instance::Name(string))
    }
}

impl<'a> Instance<'a> {
    fn value(self) -> Option<Json<'a>> {
        match self {
            Instance::Value(value) => Some(value),
            Instance::Name(_) => None,
        }
    }

    /// The instance an error reports, as `collect` keeps it: scalars whole, an array as that
    /// many nulls, an object as its keys. Errors on a whole state (a missing property) or on
    /// a long array (too many states) then copy neither.
    fn summary(self) -> Value {
        let Some(value) = self.value() else {
            return self.to_value().into_owned();
        };
        if let Some(items) = value.as_array() {
            Value::Array(vec![Value::Null; items.len()])
        } else if let Some(members) = value.as_object() {
            Value::Object(
                members
                    .keys()
                    .map(|k| (k.to_string(), Value::Null))
                    .collect(),
            )
        } else {
            value.to_value()
        }
    }
}

impl<'a> Node<'a, FlowJson> for Instance<'a> {
    type Object = Members<'a>;
    type Array = Items<'a>;
    type Number = Number;

    fn as_object(&self) -> Option<Members<'a>> {
        self.value()?.as_object()
    }

    fn as_array(&self) -> Option<Items<'a>> {
        self.value()?.as_array()
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match *self {
            Instance::Value(value) => value.as_str().map(Cow::Borrowed),
            Instance::Name(name) => Some(Cow::Borrowed(name)),
        }
    }

    fn as_number(&self) -> Option<Number> {
        self.value()?.as_number()
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.value()?.kind() {
            Kind::Bool(boolean) => Some(boolean),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        self.value().is_some_and(Json::is_null)
    }

    fn is_number(&self) -> bool {
        self.value().is_some_and(Json::is_number)
    }

    fn json_type(&self) -> JsonType {
        let Some(value) = self.value() else {
            return JsonType::String;
        };
        if value.is_object() {
            JsonType::Object
        } else if value.is_array() {
            JsonType::Array
        } else if value.is_string() {
            JsonType::String
        } else if value.is_number() {
            JsonType::Number
        } else if value.is_null() {
            JsonType::Null
        } else {
            JsonType::Boolean
        }
    }

    /// `const` and `enum` compare strings far more often than anything else: compared in
    /// place, they need no copy.
    fn equals_value(&self, expected: &Value) -> bool {
        match (self.as_string(), expected) {
            (Some(text), Value::String(wanted)) => *text == **wanted,
            _ => cmp::equal(&self.to_value(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(match *self {
            Instance::Value(value) => value.to_value(),
            Instance::Name(name) => Value::String(name.to_string()),
        })
    }

    fn lazy_value(&self) -> LazyInstance<'a> {
        LazyInstance::Ready(Cow::Owned(self.summary()))
    }

    /// A value's first byte: no other value of the document starts there.
    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(self.value()?.span().start))
    }
}

type Member<'a> = (&'a str, Instance<'a>);

fn member<'a>((key, value): (&'a str, Json<'a>)) -> Member<'a> {
    (key, Instance::Value(value))
}

impl<'a> Object<'a, FlowJson> for Members<'a> {
    type Node = Instance<'a>;
    type MemberName = &'a str;
    type MembersIter = Map<MembersIter<'a>, fn((&'a str, Json<'a>)) -> Member<'a>>;

    fn len(&self) -> usize {
        Members::len(self)
    }

    fn get(&self, key: &String) -> Option<Instance<'a>> {
        Members::get(self, key).map(Instance::Value)
    }

    fn members(&self) -> Self::MembersIter {
        self.iter().map(member as fn(_) -> _)
    }
}

impl<'a> Array<'a, FlowJson> for Items<'a> {
    type Node = Instance<'a>;
    type ElementsIter = Map<ItemsIter<'a>, fn(Json<'a>) -> Instance<'a>>;

    fn len(&self) -> usize {
        Items::len(self)
    }

    fn elements(&self) -> Self::ElementsIter {
        self.iter().map(Instance::Value as fn(_) -> _)
    }
}

#[cfg(test)]
mod tests {
    use jsonschema::error::ValidationErrorParts;
    use jsonschema::{Draft, ValidationError};
    use serde_json::json;

    use super::*;

    /// Keywords the Studio schemas use, and some they do not.
    fn schema() -> Value {
        json!({
            "type": "object",
            "required": ["a", "missing"],
            "properties": {
                "a": {"type": "integer", "minimum": 2},
                "b": {"enum": ["x", "y"], "minLength": 2},
                "c": {"const": {"k": [1, 2.0]}},
                "d": {
                    "type": "array",
                    "maxItems": 2,
                    "items": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$"},
                },
                "e": {"type": ["null", "boolean"]},
                "f": {"oneOf": [{"required": ["say"]}, {"required": ["play"]}]},
                "g": {
                    "if": {"properties": {"t": {"const": "n"}}},
                    "then": {"properties": {"v": {"type": "number", "maximum": 10}}},
                },
                "h": {"propertyNames": {"maxLength": 3}},
                "i": {"properties": {"z": {}}, "additionalProperties": {"type": "string"}},
                "j": {"uniqueItems": true},
                "k": {"type": "number", "multipleOf": 0.5},
            },
        })
    }

    const TEXTS: &[&str] = &[
        r#"{"a":1,"b":"z","c":{"k":[1,2]},"d":["A","bb","c",1],"e":0,"f":{"say":1,"play":2},
            "g":{"t":"n","v":11},"h":{"long":1,"ok":2},"i":{"z":1,"y":2,"x":"s"},"j":[1,1.0],
            "k":1.25}"#,
        r#"{"a":"3","a":1.0,"b":"\u0078","c":{"k":[1,3]},"d":"x","e":true,"f":{},
            "g":{"t":"m","v":"x"},"h":[],"j":[{"a":1},{"a":1.0}],"k":1e1,"missing":null}"#,
        r#"{"a":18446744073709551616,"b":"y\n","d":[],"e":-0,"k":-0.5,"z":{"a":1}}"#,
        r#"[1, {"a": 2}]"#,
        r#""text""#,
        "null",
    ];

    /// What `collect` reads of an error; its instance as [`Instance::summary`] keeps it.
    fn described(parts: ValidationErrorParts) -> (String, String, String, Value) {
        let summary = match parts.instance.as_ref() {
            Value::Array(items) => Value::Array(vec![Value::Null; items.len()]),
            Value::Object(members) => members.keys().map(|k| (k.clone(), Value::Null)).collect(),
            scalar => scalar.clone(),
        };
        (
            parts.instance_path.as_str().to_string(),
            format!("{:?}", parts.kind),
            parts.schema_path.as_str().to_string(),
            summary,
        )
    }

    fn errors<'i>(
        found: impl Iterator<Item = ValidationError<'i>>,
    ) -> Vec<(String, String, String, Value)> {
        let mut errors: Vec<_> = found.map(|e| described(e.into_parts())).collect();
        // Grouped by place as `collect` groups them, keeping each place's order.
        errors.sort_by(|a, b| a.0.cmp(&b.0));
        errors
    }

    /// The validator reports the same errors, in the same order at each place, on the
    /// document read in place as on the `serde_json::Value` built from it.
    #[test]
    fn errors_are_those_of_serde_json_values() {
        let schema = schema();
        let in_place = jsonschema::options_for::<FlowJson>()
            .with_draft(Draft::Draft7)
            .build(&schema)
            .unwrap();
        let built = jsonschema::options()
            .with_draft(Draft::Draft7)
            .build(&schema)
            .unwrap();
        for text in TEXTS {
            let document = crate::flow::json::parse(*text).unwrap();
            // What was validated before: the value built from the document.
            let value = document.root().to_value();
            let instance = Instance::Value(document.root());
            assert_eq!(
                in_place.is_valid(instance),
                built.is_valid(&value),
                "{text}"
            );
            assert_eq!(
                errors(in_place.iter_errors(instance)),
                errors(built.iter_errors(&value)),
                "{text}"
            );
        }
    }
}
