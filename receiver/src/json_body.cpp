#include "pmx/receiver/json_body.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace pmx {
namespace {

using nlohmann::json;

/// "syntax error while parsing value - invalid literal; last read: 'x'" → " (invalid literal)".
std::string parse_reason(const std::string& what) {
  const auto start = what.find(" - ");
  if (start == std::string::npos) return {};
  const auto end = what.find(';', start);
  const std::string reason =
      what.substr(start + 3, end == std::string::npos ? end : end - start - 3);
  return reason.empty() ? std::string{} : " (" + reason + ")";
}

/// A SAX reader that builds the document while it follows where it is in it, and stops at the
/// first object or array deeper than the limit, or at the first syntax error. nlohmann's parser
/// is iterative, so reading is safe at any depth; only the tree built (and what recurses over it)
/// needs the limit, and no level beyond it is ever built. One pass: checking first and parsing
/// again afterwards read every webhook twice (a tenth of the daemon's CPU on the batched
/// benchmark). The tree is built by nlohmann's own DOM builder (json::parse uses the same), so
/// the document is what json::parse gives.
class DepthLimitedReader {
 public:
  DepthLimitedReader(int max_depth, json& document)
      : max_depth_(static_cast<std::size_t>(max_depth)), dom_(document, false) {}

  /// The JSON Pointer of the first value too deep, once one was found.
  const std::optional<std::string>& too_deep() const { return too_deep_; }
  /// The 1-based byte and the library's message of the syntax error, once one was found.
  std::size_t error_byte() const { return error_byte_; }
  const std::string& error_what() const { return error_what_; }

  bool null() { return value() && dom_.null(); }
  bool boolean(bool b) { return value() && dom_.boolean(b); }
  bool number_integer(json::number_integer_t n) { return value() && dom_.number_integer(n); }
  bool number_unsigned(json::number_unsigned_t n) { return value() && dom_.number_unsigned(n); }
  bool number_float(json::number_float_t n, const json::string_t& text) {
    return value() && dom_.number_float(n, text);
  }
  bool string(json::string_t& text) { return value() && dom_.string(text); }
  bool binary(json::binary_t& bytes) { return value() && dom_.binary(bytes); }
  bool start_object(std::size_t n) { return open(false) && dom_.start_object(n); }
  bool start_array(std::size_t n) { return open(true) && dom_.start_array(n); }
  bool end_object() { return close() && dom_.end_object(); }
  bool end_array() { return close() && dom_.end_array(); }
  bool key(json::string_t& name) {
    levels_.back().key = name;
    return dom_.key(name);
  }
  bool parse_error(std::size_t byte, const std::string&, const nlohmann::detail::exception& e) {
    error_byte_ = byte;
    error_what_ = e.what();
    // Valid JSON text nlohmann cannot hold: a number beyond a double (`1e309`) comes as
    // out_of_range, not as a parse_error.
    out_of_range_ = dynamic_cast<const json::out_of_range*>(&e) != nullptr;
    return false;
  }
  bool out_of_range() const { return out_of_range_; }

 private:
  struct Level {
    bool array = false;
    std::size_t elements = 0;  ///< array: values begun so far (the current one is elements - 1)
    std::string key;           ///< object: the current member's name
  };

  bool value() {
    if (!levels_.empty() && levels_.back().array) ++levels_.back().elements;
    return true;
  }
  bool open(bool array) {
    value();
    if (levels_.size() >= max_depth_) {
      too_deep_ = pointer();
      return false;
    }
    levels_.push_back(Level{array, 0, {}});
    return true;
  }
  bool close() {
    levels_.pop_back();
    return true;
  }
  std::string pointer() const {
    json::json_pointer at;
    for (const auto& level : levels_) {
      if (level.array) {
        at /= level.elements - 1;
      } else {
        at /= level.key;
      }
    }
    return at.to_string();
  }

  std::size_t max_depth_;
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::vector<Level> levels_;
  std::optional<std::string> too_deep_;
  std::size_t error_byte_ = 0;
  std::string error_what_;
  bool out_of_range_ = false;
};

/// The sender's fault all the same: a 400, not the 500 an escaping exception would become.
Error out_of_range() {
  return Error(ErrorCode::kInvalid, "invalid JSON: a number is out of range");
}

Error invalid_at(std::size_t byte, const std::string& what) {
  // The byte where parsing failed, said plainly, with the library's reason ("invalid string:
  // ill-formed UTF-8 byte") but without its internal error id and without the input it quotes
  // after "last read".
  return Error(ErrorCode::kInvalid,
               "invalid JSON at byte " + std::to_string(byte) + parse_reason(what));
}

}  // namespace

Result<nlohmann::json> parse_json(std::string_view body, int max_depth) {
  json document;
  DepthLimitedReader reader(max_depth, document);
  if (!json::sax_parse(body, &reader)) {
    if (reader.too_deep()) {
      const std::string& at = *reader.too_deep();
      const std::string limit = std::to_string(max_depth);
      return Error(ErrorCode::kInvalid,
                   "JSON nested deeper than " + limit + " levels at " +
                       (at.empty() ? std::string("the top") : at),
                   at, {Problem{at, "nested deeper than " + limit + " levels (the limit)"}});
    }
    if (reader.out_of_range()) return out_of_range();
    return invalid_at(reader.error_byte(), reader.error_what());
  }
  return document;
}

}  // namespace pmx
