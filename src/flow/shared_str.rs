//! [`SharedStr`]: a string of the flow that borrows the text it was parsed from.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};
use std::sync::{Arc, LazyLock};

/// A name, type or event read from a flow: a range of the document's shared text, so that
/// the model keeps no second copy of the strings a big flow is made of, in 16 bytes (a
/// `String` takes 24 and an allocation). A string written
/// with escapes is the one exception: it holds its own decoded copy. Reads as a `&str`.
#[derive(Clone)]
pub struct SharedStr {
    text: Arc<String>,
    start: u32,
    end: u32,
}

impl SharedStr {
    /// The part `range` of `text`; `None` when the range is not one of its strings.
    pub(crate) fn within(text: &Arc<String>, range: Range<usize>) -> Option<SharedStr> {
        text.get(range.clone())?;
        Some(SharedStr {
            text: Arc::clone(text),
            start: u32::try_from(range.start).ok()?,
            end: u32::try_from(range.end).ok()?,
        })
    }

    pub fn as_str(&self) -> &str {
        // SAFETY: `within` checked that the range lies in the text and on character
        // boundaries, and the shared text never changes. Unchecked because names are read in
        // every rule's inner loop, where the two boundary checks cost about 1 % of a run.
        unsafe {
            self.text
                .get_unchecked(self.start as usize..self.end as usize)
        }
    }
}

impl Default for SharedStr {
    fn default() -> SharedStr {
        // One shared empty text, so that a state without a readable name allocates nothing.
        static EMPTY: LazyLock<Arc<String>> = LazyLock::new(|| Arc::new(String::new()));
        SharedStr {
            text: Arc::clone(&EMPTY),
            start: 0,
            end: 0,
        }
    }
}

impl From<&str> for SharedStr {
    fn from(text: &str) -> SharedStr {
        SharedStr {
            end: text.len() as u32,
            text: Arc::new(text.to_string()),
            start: 0,
        }
    }
}

impl From<String> for SharedStr {
    fn from(text: String) -> SharedStr {
        SharedStr {
            end: text.len() as u32,
            text: Arc::new(text),
            start: 0,
        }
    }
}

impl From<&SharedStr> for String {
    fn from(text: &SharedStr) -> String {
        text.as_str().to_string()
    }
}

impl Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == other.as_str()
    }
}

impl Hash for SharedStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for SharedStr {
    fn partial_cmp(&self, other: &SharedStr) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SharedStr {
    fn cmp(&self, other: &SharedStr) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_range_of_the_shared_text() {
        let text = Arc::new(r#"{"name":"ask"}"#.to_string());
        let name = SharedStr::within(&text, 9..12).unwrap();
        assert_eq!(name, "ask");
        assert_eq!(Arc::strong_count(&text), 2);
    }

    #[test]
    fn is_two_words_like_a_box_and_unlike_a_string() {
        // A state holds two and a transition two: a hundred thousand states save megabytes.
        assert_eq!(std::mem::size_of::<SharedStr>(), 16);
        assert_eq!(std::mem::size_of::<Option<SharedStr>>(), 16);
    }

    #[test]
    fn refuses_a_range_outside_the_text_or_inside_a_character() {
        let text = Arc::new("é".to_string());
        assert!(SharedStr::within(&text, 0..3).is_none());
        assert!(SharedStr::within(&text, 1..2).is_none());
    }

    #[test]
    fn compares_hashes_and_orders_as_its_text() {
        use std::collections::HashSet;
        let a = SharedStr::from("a");
        let b = SharedStr::from("b");
        assert!(a < b);
        assert_eq!(SharedStr::default(), "");
        let set: HashSet<SharedStr> = [a.clone()].into();
        assert!(set.contains("a"));
    }
}
