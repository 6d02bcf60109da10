#pragma once
/// The cursor of a paged list (`next` in an answer, `?cursor=` in the request that follows):
/// where the previous page stopped, as the fields of its last entry, opaque to the client.
/// It names its list, so that a cursor of one list is refused by another.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pmx {

/// Longest cursor accepted: bounds what a request can make the server decode.
inline constexpr std::size_t kMaxCursorLength = 8192;

/// `fields` of list `list` as a URL-safe token (lower-case hex of a length-prefixed text).
std::string encode_cursor(std::string_view list, const std::vector<std::string>& fields);

/// The fields of a cursor encode_cursor() made for `list` with `count` fields; nullopt for
/// anything else (another list's, cut, edited, too long).
std::optional<std::vector<std::string>> decode_cursor(std::string_view cursor,
                                                      std::string_view list, std::size_t count);

}  // namespace pmx
