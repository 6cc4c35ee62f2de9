#!/usr/bin/env python3
"""Independent reference for flowcheck's schema-violation rule.

Validates every flow in a directory with the Python `jsonschema` package against the same
effective schema files (rules/schemas/effective/ and rules/schemas/commons.json), applying the
same documented conventions as the rule (see rules/schema-violation.md):
  - each state is validated against its widget type's schema; the flow definition against
    flow-definition.json without `states.items`;
  - errors inside `transitions` are left to other rules, except inside split `conditions`;
  - a string holding Liquid or a ${…} placeholder is exempt from type/enum/const/pattern/
    format/range keywords, and a string holding a number satisfies integer/number;
  - a missing property is keyed by the pointer it would have.

Prints a JSON object: {file name: [[state name or null, property pointer], ...]}.
Usage: schema_reference.py FLOW_DIR
"""
import json
import math
import pathlib
import re
import sys

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

ROOT = pathlib.Path(__file__).resolve().parent.parent / "rules" / "schemas"
TEMPLATE_EXEMPT = {"type", "enum", "const", "pattern", "format", "minimum", "maximum",
                 "exclusiveMinimum", "exclusiveMaximum"}


def load_schemas():
    widgets = {}
    for path in sorted((ROOT / "effective").glob("*.json")):
        widgets[path.stem] = json.loads(path.read_text())
    flow = widgets.pop("flow-definition")
    flow["properties"]["states"].pop("items", None)
    commons = json.loads((ROOT / "commons.json").read_text())
    registry = Registry().with_resources(
        (doc["$id"], Resource.from_contents(doc, default_specification=DRAFT7))
        for doc in list(widgets.values()) + [commons]
    )
    return widgets, flow, registry


def pointer(parts):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


PLACEHOLDER = re.compile(r"\$\{[^{}\"]+\}")
INTEGER = re.compile(r"^\s*[-+]*[0-9]+\s*$")


def is_template(text):
    return "{{" in text or "{%" in text or PLACEHOLDER.search(text) is not None


def holds_number(text, expected):
    expected = expected if isinstance(expected, list) else [expected]
    if "integer" in expected and INTEGER.match(text):
        return True
    if "number" in expected:
        try:
            return math.isfinite(float(text.strip()))
        except ValueError:
            return False
    return False


def is_exempt(error):
    """Shapes Studio itself writes: templates stand for any value, numbers may be strings."""
    if not isinstance(error.instance, str):
        return False
    if error.validator == "type" and holds_number(error.instance, error.validator_value):
        return True
    return error.validator in TEMPLATE_EXEMPT and is_template(error.instance)


def keys(validator, instance, keep):
    found = {}
    for error in validator.iter_errors(instance):
        path = pointer(error.absolute_path)
        if not keep(path):
            continue
        if is_exempt(error):
            continue
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    key = path + "/" + name.replace("~", "~0").replace("/", "~1")
                    found.setdefault(key, set()).add("required")
        else:
            found.setdefault(path, set()).add(error.validator)
    return found


def unreadable_name_or_type(key, kinds):
    """A state's missing or non-string `name`/`type` is malformed-flow's finding."""
    return key in ("/name", "/type") and kinds <= {"type", "required"}


def keep_state_path(path):
    return not path.startswith("/transitions") or "/conditions" in path


def main():
    widgets, flow_schema, registry = load_schemas()
    validators = {name: Draft7Validator(s, registry=registry) for name, s in widgets.items()}
    flow_validator = Draft7Validator(flow_schema, registry=registry)
    result = {}
    for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8-sig"))
        if "states" not in document and isinstance(document.get("definition"), dict):
            document = document["definition"]
        pairs = set()
        for key in keys(flow_validator, document, lambda p: not p.startswith("/states/")):
            # invalid-initial-state reports `initial_state`; schema-violation leaves it.
            if key != "/initial_state":
                pairs.add((None, key))
        for state in document.get("states", []):
            validator = validators.get(state.get("type"))
            if validator is not None:
                for key, kinds in keys(validator, state, keep_state_path).items():
                    if not unreadable_name_or_type(key, kinds):
                        pairs.add((state["name"], key))
        result[path.name] = sorted(pairs, key=lambda p: (p[0] or "", p[1]))
    json.dump(result, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
