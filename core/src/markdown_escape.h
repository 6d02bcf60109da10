#pragma once
// Escaping for the values of the post-mortem draft that come from outside (alert labels and
// annotations, the source key, every field of an RCA document): such a value shows as text,
// never as Markdown structure (a heading, list, quote, table, link, image, code, emphasis) or
// as HTML. The daemon's own text (headings, prompts, dates) is written as is.
#include <string>

namespace pmx {

/// `text` on one line (line breaks as spaces) with Markdown and HTML made inert: `\`, `` ` ``,
/// `*`, `_`, `[`, `]`, `(`, `)`, `!`, `|`, `~` backslash-escaped everywhere; `#`, `+`, `-`, `=`
/// and the `.` of `1.` escaped where they would start a line; `&`, `<`, `>` as entities; other
/// control characters as spaces; leading blanks dropped. Safe in table cells, list items,
/// headings and running text.
std::string markdown_inline(const std::string& text);

/// `text` as paragraphs: its line breaks kept, every line escaped as by markdown_inline, so no
/// line of it starts a heading, list, quote, table or indented code block.
std::string markdown_block(const std::string& text);

/// `text` for inside a code span (`` `...` ``), where escapes do not work: backticks, `|` and
/// control characters dropped.
std::string markdown_code(const std::string& text);

}  // namespace pmx
