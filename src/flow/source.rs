//! Maps byte offsets in a file to 1-based line and column numbers.

use std::sync::Arc;

/// A 1-based line and column; the column counts Unicode scalar values, as editors do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// The text of one input and, computed on first use, the start offset of each of its lines.
/// The text is shared with the documents parsed from it, never copied.
#[derive(Debug)]
pub struct SourceText {
    pub text: Arc<str>,
    line_starts: std::sync::OnceLock<Vec<usize>>,
    /// The characters before each [`CHARS_BLOCK`]-byte block, made the first time a column
    /// is asked for far into a long line (minified flows are one line).
    chars_before_block: std::sync::OnceLock<Vec<u32>>,
}

/// Bytes per block of [`SourceText::chars_before_block`]: a column on a long line costs at
/// most one block's count (and the table 4 bytes per block).
const CHARS_BLOCK: usize = 4096;

impl SourceText {
    pub fn new(text: impl Into<Arc<str>>) -> Self {
        SourceText {
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
            chars_before_block: std::sync::OnceLock::new(),
        }
    }

    /// Files without findings never need their lines counted.
    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            // memchr finds newlines many bytes at a time: a byte loop was 4 % of a run.
            let newlines = memchr::memchr_iter(b'\n', self.text.as_bytes());
            std::iter::once(0).chain(newlines.map(|i| i + 1)).collect()
        })
    }

    /// The 0-based line of a byte offset, without counting columns: on a minified flow's one
    /// long line, counting them costs the line.
    pub fn line_index(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.line_starts().partition_point(|&start| start <= offset) - 1
    }

    /// The position of a byte offset; offsets past the end clamp to the end.
    pub fn position(&self, offset: usize) -> Position {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line = self.line_index(offset);
        let start = self.line_starts()[line];
        // Counting from the line's start costs the line: on a one-line file, every position
        // cost the file up to it.
        let column = if offset - start <= CHARS_BLOCK {
            self.text[start..offset].chars().count()
        } else {
            self.chars_before(offset) - self.chars_before(start)
        };
        Position {
            line: line + 1,
            column: column + 1,
        }
    }

    /// The characters before a byte offset: the block's count from the table, then the
    /// bytes of the block up to it that start a character.
    fn chars_before(&self, offset: usize) -> usize {
        let table = self.chars_before_block.get_or_init(|| {
            let blocks = self.text.as_bytes().chunks(CHARS_BLOCK);
            let mut total = 0u32;
            let mut table = vec![0];
            table.extend(blocks.map(|block| {
                total += starts_of_characters(block) as u32;
                total
            }));
            table
        });
        let block = offset / CHARS_BLOCK;
        let from = block * CHARS_BLOCK;
        table[block] as usize + starts_of_characters(&self.text.as_bytes()[from..offset])
    }

    /// The positions of many offsets at once: one pass over the text in offset order, so a
    /// file with many findings on one long (minified) line costs no more than one scan.
    pub fn positions(&self, offsets: &[usize]) -> Vec<Position> {
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_by_key(|&i| offsets[i]);
        let mut out = vec![Position { line: 1, column: 1 }; offsets.len()];
        // A cursor that only moves forward: its line, the byte it is at, and its column.
        let (mut line, mut at, mut column) = (0usize, 0usize, 1usize);
        for i in order {
            let offset = self.floor_char_boundary(offsets[i].min(self.text.len()));
            let target_line = self.line_starts().partition_point(|&start| start <= offset) - 1;
            if target_line != line {
                (line, at, column) = (target_line, self.line_starts()[target_line], 1);
            }
            column += self.text[at..offset].chars().count();
            at = offset;
            out[i] = Position {
                line: line + 1,
                column,
            };
        }
        out
    }

    /// The byte range of the whole lines that `start..end` touches, without the last newline.
    pub fn line_range(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        let first = self.line_index(start);
        let last = self.line_index(end.max(start));
        let from = self.line_starts()[first];
        let to = self
            .line_starts()
            .get(last + 1)
            .map_or(self.text.len(), |&next| next - 1);
        from..to.max(from)
    }

    /// A byte range widened to whole characters and kept inside the text: the excerpt
    /// renderers cannot display a range that splits a character.
    pub fn whole_characters(&self, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
        let start = self.floor_char_boundary(span.start.min(self.text.len()));
        let mut end = span.end.clamp(start, self.text.len());
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        start..end
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

/// How many characters start in a run of UTF-8 bytes: every byte but continuation bytes
/// (`10xxxxxx`); a run may cut a character anywhere.
fn starts_of_characters(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let source = SourceText::new("ab\n\u{e9}x\n".to_string());
        assert_eq!(source.position(0), Position { line: 1, column: 1 });
        assert_eq!(source.position(3), Position { line: 2, column: 1 });
        assert_eq!(source.position(5), Position { line: 2, column: 2 });
        assert_eq!(source.position(99), Position { line: 3, column: 1 });
    }

    #[test]
    fn positions_in_one_pass_match_one_at_a_time() {
        let source = SourceText::new("ab\n\u{e9}xy\n\nlast line".to_string());
        let offsets = [14, 0, 5, 3, 99, 7, 3, 1];
        let expected: Vec<_> = offsets.iter().map(|&o| source.position(o)).collect();
        assert_eq!(source.positions(&offsets), expected);
    }

    #[test]
    fn columns_far_into_a_long_line_count_characters() {
        // One line of 3-byte characters and ASCII, so blocks cut characters.
        let line: String = (0..20_000)
            .map(|i| if i % 3 == 0 { '\u{20ac}' } else { 'a' })
            .collect();
        let text = format!("first\n{line}\nlast");
        let source = SourceText::new(text.clone());
        for offset in [
            6,
            7,
            4_100,
            9_001,
            12_288,
            30_000,
            text.len() - 5,
            text.len(),
        ] {
            let offset = source.floor_char_boundary(offset);
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let expected = text[line_start..offset].chars().count() + 1;
            assert_eq!(source.position(offset).column, expected, "offset {offset}");
        }
    }

    #[test]
    fn line_range_covers_whole_lines() {
        let source = SourceText::new("one\ntwo\nthree".to_string());
        assert_eq!(&source.text[source.line_range(5, 6)], "two");
        assert_eq!(&source.text[source.line_range(1, 9)], "one\ntwo\nthree");
    }
}
