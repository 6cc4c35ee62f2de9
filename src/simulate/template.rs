//! Liquid as Studio renders it: the standard tags and filters of the `liquid` crates
//! (cobalt-org/liquid-rust), Studio's `to_json` filter, and a variable that does not exist
//! read as empty instead of an error (DESIGN.md: "a `widgets.<name>` reference to a widget
//! that does not exist, or that has not run, reads as empty at run time").
//!
//! The `liquid` facade crate renders only with strict variables and keeps its runtime to
//! itself, so this module builds the language from `liquid-core` and `liquid-lib` (the same
//! project's crates) and renders with a runtime that turns an unknown variable into nil.

use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::sync::OnceLock;

use liquid_core::model::{KString, KStringCow, KStringRef, ScalarCow, Value, ValueCow, ValueView};
use liquid_core::parser::{FilterArguments, ParameterReflection};
use liquid_core::runtime::{PartialStore, Registers, Renderable, RuntimeBuilder};
use liquid_core::{Filter, FilterReflection, Language, ParseFilter, Runtime, Template};

/// Rendered text is cut off (an error) past this size: a template cannot fill the memory.
const MAX_OUTPUT: usize = 1 << 20;

/// Renders `text` as Liquid against `context` (a JSON object with `trigger`, `flow`,
/// `widgets`, `contact`). Text without `{{` or `{%` is returned as it is.
pub fn render(text: &str, context: &liquid_core::Object) -> Result<String, String> {
    if !text.contains("{{") && !text.contains("{%") {
        return Ok(text.to_string());
    }
    let text = &join_dotted_names(text);
    check_ranges(text, context)?;
    let elements = liquid_core::parser::parse(text, language()).map_err(|e| clean(&e))?;
    let template = Template::new(elements);
    let runtime = RuntimeBuilder::new().set_globals(context).build();
    let runtime = Lenient(runtime);
    let mut out = Bounded(Vec::new());
    template
        .render_to(&mut out, &runtime)
        .map_err(|e| clean(&e))?;
    String::from_utf8(out.0).map_err(|_| "the rendered text is not valid UTF-8".to_string())
}

/// Inside `{{ }}` and `{% %}`, `a. b` is `a.b`: Liquid skips blanks between a dot and the
/// name (as `crate::liquid` reads references), and real flows rely on it
/// (`{{widgets.x.parsed. \nfield}}`); liquid-rust's grammar does not, so they are joined first.
fn join_dotted_names(text: &str) -> std::borrow::Cow<'_, str> {
    static MARKUP: OnceLock<regex::Regex> = OnceLock::new();
    static GAP: OnceLock<regex::Regex> = OnceLock::new();
    let markup = MARKUP.get_or_init(|| {
        regex::Regex::new(r"(?s)\{\{.*?\}\}|\{%.*?%\}").expect("the markup pattern compiles")
    });
    let gap = GAP.get_or_init(|| {
        regex::Regex::new(r"\.[ \t\r\n]+([A-Za-z_])").expect("the gap pattern compiles")
    });
    if !text.contains(". ") && !text.contains(".\n") && !text.contains(".\t") {
        return std::borrow::Cow::Borrowed(text);
    }
    markup.replace_all(text, |m: &regex::Captures<'_>| {
        gap.replace_all(&m[0], ".$1").into_owned()
    })
}

/// Studio restricts Liquid loops to 15 iterations (Studio FAQ, "What limits are present
/// within Studio?"). A `for` or `tablerow` over a range `(a..b)` longer than that is an error
/// here; whether Studio cuts such a loop short or fails is unconfirmed. Checking before
/// rendering also keeps liquid-rust from building a huge range in memory. Bounds are
/// rendered against the context, so `(1..widgets.x.parsed.count)` is checked too (a bound
/// set by `assign` in the same template is not).
pub const MAX_LOOP: i64 = 15;

fn check_ranges(text: &str, context: &liquid_core::Object) -> Result<(), String> {
    static RANGE: OnceLock<regex::Regex> = OnceLock::new();
    let range = RANGE.get_or_init(|| {
        regex::Regex::new(
            r"\{%-?\s*(?:for|tablerow)\s+[\w-]+\s+in\s+\(\s*([^.()]+?)\s*\.\.\s*([^()]+?)\s*\)",
        )
        .expect("the range pattern compiles")
    });
    for found in range.captures_iter(text) {
        let bound = |i: usize| -> i64 {
            let expression = found.get(i).map_or("", |m| m.as_str());
            let rendered = if expression.parse::<i64>().is_ok() {
                expression.to_string()
            } else {
                render_plain(&format!("{{{{ {expression} }}}}"), context).unwrap_or_default()
            };
            rendered.trim().parse::<f64>().map_or(0, |n| n as i64)
        };
        let (start, stop) = (bound(1), bound(2));
        let count = stop.saturating_sub(start).saturating_add(1);
        if count > MAX_LOOP {
            return Err(format!(
                "the loop over ({start}..{stop}) would run {count} times, and Studio restricts \
                 Liquid loops to {MAX_LOOP} iterations"
            ));
        }
    }
    Ok(())
}

/// Renders a template that holds no loop (a range bound).
fn render_plain(text: &str, context: &liquid_core::Object) -> Result<String, String> {
    let elements = liquid_core::parser::parse(text, language()).map_err(|e| clean(&e))?;
    let runtime = Lenient(RuntimeBuilder::new().set_globals(context).build());
    let mut out = Bounded(Vec::new());
    Template::new(elements)
        .render_to(&mut out, &runtime)
        .map_err(|e| clean(&e))?;
    String::from_utf8(out.0).map_err(|_| "not UTF-8".to_string())
}

/// Converts the JSON context to Liquid's model once per render batch.
pub fn context(value: &serde_json::Value) -> liquid_core::Object {
    match liquid_core::model::to_value(value) {
        Ok(Value::Object(object)) => object,
        _ => liquid_core::Object::new(),
    }
}

/// A Liquid error on one line: its message, its details (`requested filter=shout`) and, for
/// a syntax error, the position in the template and what was expected.
fn clean(error: &liquid_core::Error) -> String {
    let text = error.to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("liquid: error");
    let first = first.strip_prefix("liquid:").unwrap_or(first).trim();
    let mut details = Vec::new();
    for line in lines {
        if let Some(expected) = line.strip_prefix("= ") {
            details.push(expected.trim_end_matches('.').to_string());
        } else if line.contains('=')
            && !line.starts_with("available")
            && !line.starts_with('|')
            && !line.contains(" | ")
        {
            details.push(line.to_string());
        }
    }
    let head = match first.strip_prefix("--> ") {
        Some(position) => format!("Liquid syntax error at {position} of the template"),
        None => format!("Liquid: {first}"),
    };
    if details.is_empty() {
        head
    } else {
        format!("{head} ({})", details.join(", "))
    }
}

fn language() -> &'static Language {
    static LANGUAGE: OnceLock<Language> = OnceLock::new();
    LANGUAGE.get_or_init(|| {
        use liquid_lib::stdlib;
        let mut lang = Language::empty();
        macro_rules! tags {
            ($($t:ident),*) => {$(
                let tag: Box<dyn liquid_core::ParseTag> = Box::new(stdlib::$t);
                lang.tags.register(tag.reflection().tag().to_owned(), tag);
            )*};
        }
        macro_rules! blocks {
            ($($b:ident),*) => {$(
                let block: Box<dyn liquid_core::ParseBlock> = Box::new(stdlib::$b);
                lang.blocks.register(block.reflection().start_tag().to_owned(), block);
            )*};
        }
        macro_rules! filters {
            ($($f:expr),*) => {$(
                let filter: Box<dyn ParseFilter> = Box::new($f);
                lang.filters.register(filter.reflection().name().to_owned(), filter);
            )*};
        }
        tags!(
            AssignTag,
            BreakTag,
            ContinueTag,
            CycleTag,
            IncrementTag,
            DecrementTag
        );
        blocks!(
            RawBlock,
            IfBlock,
            UnlessBlock,
            IfChangedBlock,
            ForBlock,
            TableRowBlock,
            CommentBlock,
            CaptureBlock,
            CaseBlock
        );
        filters!(
            NilAsZero(stdlib::Abs),
            stdlib::Append,
            NilAsZero(stdlib::AtLeast),
            NilAsZero(stdlib::AtMost),
            stdlib::Capitalize,
            NilAsZero(stdlib::Ceil),
            stdlib::Compact,
            stdlib::Concat,
            ClockDate(stdlib::Date),
            stdlib::Default,
            NilAsZero(stdlib::DividedBy),
            stdlib::Downcase,
            stdlib::Escape,
            stdlib::EscapeOnce,
            stdlib::First,
            NilAsZero(stdlib::Floor),
            stdlib::Join,
            stdlib::Last,
            stdlib::Lstrip,
            stdlib::Map,
            NilAsZero(stdlib::Minus),
            NilAsZero(stdlib::Modulo),
            stdlib::NewlineToBr,
            NilAsZero(stdlib::Plus),
            stdlib::Prepend,
            stdlib::Remove,
            stdlib::RemoveFirst,
            stdlib::Replace,
            stdlib::ReplaceFirst,
            stdlib::Reverse,
            NilAsZero(stdlib::Round),
            stdlib::Rstrip,
            stdlib::Size,
            stdlib::Slice,
            stdlib::Sort,
            stdlib::SortNatural,
            stdlib::Split,
            stdlib::Strip,
            stdlib::StripHtml,
            stdlib::StripNewlines,
            NilAsZero(stdlib::Times),
            stdlib::Truncate,
            stdlib::TruncateWords,
            stdlib::Uniq,
            stdlib::Upcase,
            stdlib::UrlDecode,
            stdlib::UrlEncode,
            stdlib::Where,
            ToJson
        );
        lang
    })
}

/// A writer that refuses more than [`MAX_OUTPUT`] bytes.
struct Bounded(Vec<u8>);

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_OUTPUT {
            return Err(std::io::Error::other(format!(
                "the rendered text is larger than {} KiB",
                MAX_OUTPUT / 1024
            )));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A runtime where a variable that does not exist is nil, as in Studio.
struct Lenient<R>(R);

impl<R: Runtime> Runtime for Lenient<R> {
    fn partials(&self) -> &dyn PartialStore {
        self.0.partials()
    }

    fn name(&self) -> Option<KStringRef<'_>> {
        self.0.name()
    }

    fn roots(&self) -> std::collections::BTreeSet<KStringCow<'_>> {
        self.0.roots()
    }

    fn try_get(&self, path: &[ScalarCow<'_>]) -> Option<ValueCow<'_>> {
        self.0.try_get(path)
    }

    fn get(&self, path: &[ScalarCow<'_>]) -> liquid_core::Result<ValueCow<'_>> {
        Ok(self.0.try_get(path).unwrap_or(ValueCow::Owned(Value::Nil)))
    }

    fn set_global(&self, name: KString, val: Value) -> Option<Value> {
        self.0.set_global(name, val)
    }

    fn set_index(&self, name: KString, val: Value) -> Option<Value> {
        self.0.set_index(name, val)
    }

    fn get_index<'a>(&'a self, name: &str) -> Option<ValueCow<'a>> {
        self.0.get_index(name)
    }

    fn registers(&self) -> &Registers {
        self.0.registers()
    }
}

thread_local! {
    /// The scenario's clock, read by `'now' | date`.
    static NOW: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f` with `'now'` and `'today'` meaning `now` (a date and time Liquid's `date` filter
/// reads, such as `2024-05-01 09:30:00 -0800`) instead of the machine's clock.
pub fn with_clock<T>(now: Option<&str>, f: impl FnOnce() -> T) -> T {
    let previous = NOW.with(|c| c.replace(now.map(str::to_string)));
    let result = f();
    NOW.with(|c| *c.borrow_mut() = previous);
    result
}

/// Whether Liquid's `date` filter can read `text` as a date and time.
pub fn is_date_time(text: &str) -> bool {
    liquid_core::model::Scalar::new(text.to_string())
        .to_date_time()
        .is_some()
}

/// The standard `date` filter, reading `'now'` and `'today'` from the scenario's clock.
#[derive(Clone)]
struct ClockDate<F>(F);

impl<F: ParseFilter + Clone + 'static> ParseFilter for ClockDate<F> {
    fn parse(&self, arguments: FilterArguments) -> liquid_core::Result<Box<dyn Filter>> {
        Ok(Box::new(ClockDateFilter(self.0.parse(arguments)?)))
    }

    fn reflection(&self) -> &dyn FilterReflection {
        self.0.reflection()
    }
}

#[derive(Debug)]
struct ClockDateFilter(Box<dyn Filter>);

impl fmt::Display for ClockDateFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Filter for ClockDateFilter {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> liquid_core::Result<Value> {
        let is_now = input.as_scalar().is_some_and(|s| {
            let text = s.to_kstr();
            let text = text.as_str().trim();
            text.eq_ignore_ascii_case("now") || text.eq_ignore_ascii_case("today")
        });
        let now = NOW.with(|c| c.borrow().clone());
        match now {
            Some(now) if is_now => self.0.evaluate(&Value::scalar(now), runtime),
            _ => self.0.evaluate(input, runtime),
        }
    }
}

/// A math filter that reads nil, an empty text or a text that is not a number as 0, as
/// Shopify's Liquid does (`{{flow.variables.count | plus: 1}}` is 1 before `count` is set);
/// liquid-rust refuses them.
#[derive(Clone)]
struct NilAsZero<F>(F);

impl<F: ParseFilter + Clone + 'static> ParseFilter for NilAsZero<F> {
    fn parse(&self, arguments: FilterArguments) -> liquid_core::Result<Box<dyn Filter>> {
        Ok(Box::new(NilAsZeroFilter(self.0.parse(arguments)?)))
    }

    fn reflection(&self) -> &dyn FilterReflection {
        self.0.reflection()
    }
}

#[derive(Debug)]
struct NilAsZeroFilter(Box<dyn Filter>);

impl fmt::Display for NilAsZeroFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Filter for NilAsZeroFilter {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> liquid_core::Result<Value> {
        let numeric = input
            .as_scalar()
            .is_some_and(|s| s.to_integer().is_some() || s.to_float().is_some());
        if numeric {
            self.0.evaluate(input, runtime)
        } else {
            self.0.evaluate(&Value::scalar(0i64), runtime)
        }
    }
}

/// Studio's `to_json`: the value as JSON text (a string comes out quoted).
#[derive(Clone)]
struct ToJson;

impl FilterReflection for ToJson {
    fn name(&self) -> &str {
        "to_json"
    }

    fn description(&self) -> &str {
        "Renders the value as JSON (Twilio Studio)."
    }

    fn positional_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }

    fn keyword_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
}

impl ParseFilter for ToJson {
    fn parse(&self, mut arguments: FilterArguments) -> liquid_core::Result<Box<dyn Filter>> {
        if arguments.positional.next().is_some() || arguments.keyword.next().is_some() {
            return Err(liquid_core::Error::with_msg("to_json takes no arguments"));
        }
        Ok(Box::new(ToJsonFilter))
    }

    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

#[derive(Debug)]
struct ToJsonFilter;

impl fmt::Display for ToJsonFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("to_json")
    }
}

impl Filter for ToJsonFilter {
    fn evaluate(
        &self,
        input: &dyn ValueView,
        _runtime: &dyn Runtime,
    ) -> liquid_core::Result<Value> {
        let json = to_json(&input.to_value());
        Ok(Value::scalar(json.to_string()))
    }
}

/// Liquid's model as JSON: dates as their text, nil and query states as null.
fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Nil | Value::State(_) => serde_json::Value::Null,
        Value::Array(items) => items.iter().map(to_json).collect(),
        Value::Object(object) => object
            .iter()
            .map(|(k, v)| (k.to_string(), to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Value::Scalar(scalar) => {
            if let Some(b) = scalar.to_bool() {
                b.into()
            } else if let Some(i) = integer(scalar) {
                i.into()
            } else if let Some(f) = float(scalar) {
                serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)
            } else {
                scalar.to_kstr().as_str().into()
            }
        }
    }
}

/// An integer scalar (not a string that happens to hold digits).
fn integer(scalar: &ScalarCow<'_>) -> Option<i64> {
    (scalar.type_name() == "whole number")
        .then(|| scalar.to_integer())
        .flatten()
}

fn float(scalar: &ScalarCow<'_>) -> Option<f64> {
    (scalar.type_name() == "fractional number")
        .then(|| scalar.to_float())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(text: &str, ctx: serde_json::Value) -> String {
        render(text, &context(&ctx)).unwrap()
    }

    #[test]
    fn renders_studio_variables() {
        let ctx = json!({"widgets": {"menu": {"Digits": "1"}}, "flow": {"variables": {"n": 2}}});
        assert_eq!(
            r("You pressed {{widgets.menu.Digits}}", ctx.clone()),
            "You pressed 1"
        );
        assert_eq!(r("{{flow.variables.n | plus: 1}}", ctx), "3");
    }

    #[test]
    fn a_blank_after_a_dot_is_skipped() {
        let ctx = json!({"widgets": {"x": {"parsed": {"field": "ok"}}}});
        assert_eq!(r("[{{widgets.x.parsed. \nfield}}] a. b", ctx), "[ok] a. b");
    }

    #[test]
    fn unknown_variables_are_empty() {
        let ctx = json!({"widgets": {}});
        assert_eq!(r("[{{widgets.nobody.parsed.x}}]", ctx.clone()), "[]");
        assert_eq!(r("[{{ nothing }}]", ctx.clone()), "[]");
        assert_eq!(
            r("{% if widgets.nobody.Digits %}y{% else %}n{% endif %}", ctx),
            "n"
        );
    }

    #[test]
    fn to_json_quotes_and_serialises() {
        let ctx = json!({"flow": {"data": {"name": "Ann", "n": 3, "ok": true, "list": [1, "a"]}}});
        assert_eq!(r("{{flow.data.name | to_json}}", ctx.clone()), "\"Ann\"");
        assert_eq!(
            r("{{flow.data | to_json}}", ctx),
            r#"{"list":[1,"a"],"n":3,"name":"Ann","ok":true}"#
        );
    }

    #[test]
    fn unknown_filters_are_errors() {
        let err = render("{{ 'a' | shout }}", &context(&json!({}))).unwrap_err();
        assert!(err.to_lowercase().contains("shout"), "{err}");
    }

    #[test]
    fn math_on_nothing_counts_from_zero() {
        let ctx = json!({"flow": {"variables": {"n": "2", "word": "abc"}}});
        assert_eq!(r("{{flow.variables.count | plus: 1}}", ctx.clone()), "1");
        assert_eq!(r("{{flow.variables.n | plus: 1}}", ctx.clone()), "3");
        assert_eq!(r("{{flow.variables.word | times: 2}}", ctx.clone()), "0");
        assert_eq!(r("{{ '' | minus: 1 }}", ctx), "-1");
    }

    #[test]
    fn errors_are_one_readable_line() {
        let ctx = context(&json!({}));
        let err = render("{{ x", &ctx).unwrap_err();
        assert_eq!(
            err,
            "Liquid syntax error at 1:4 of the template (expected Literal)"
        );
        let err = render("{{ 5 | plus: 'x' }}", &ctx).unwrap_err();
        assert!(err.starts_with("Liquid: Invalid argument"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn the_scenario_clock_is_now() {
        let text = "{{ 'now' | date: '%Y-%m-%d %H:%M' }}";
        let at = with_clock(Some("2024-05-01 09:30:00 -0800"), || r(text, json!({})));
        assert_eq!(at, "2024-05-01 09:30");
        assert!(is_date_time("2024-05-01 09:30:00 -0800"));
        assert!(!is_date_time("May the first"));
        // Without a clock, 'now' is the machine's.
        assert_ne!(r(text, json!({})), "2024-05-01 09:30");
    }

    #[test]
    fn plain_text_is_untouched() {
        assert_eq!(r("no liquid here {", json!({})), "no liquid here {");
    }

    #[test]
    fn output_is_bounded() {
        let ctx = json!({"s": "x".repeat(100_000), "list": vec!["a"; 15]});
        let text = "{% for i in list %}{{s}}{% endfor %}";
        assert!(render(text, &context(&ctx)).is_err());
    }

    #[test]
    fn long_ranges_are_refused_before_they_are_built() {
        let ctx = json!({"widgets": {"x": {"parsed": {"count": 1000000000}}}});
        let ctx = context(&ctx);
        assert_eq!(
            render("{% for i in (1..15) %}.{% endfor %}", &ctx).unwrap(),
            ".".repeat(15)
        );
        let err = render("{% for i in (1..16) %}{% endfor %}", &ctx).unwrap_err();
        assert!(err.contains("16 times"), "{err}");
        let err = render(
            "{% for i in (1..widgets.x.parsed.count) %}{% endfor %}",
            &ctx,
        )
        .unwrap_err();
        assert!(err.contains("Studio restricts"), "{err}");
    }
}
