#include "pmx/core/ui_links.h"

#include <cctype>

namespace pmx {

std::string url_encode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string UiLinks::incident(const std::string& id) const {
  return base + "/incidents/" + url_encode(id);
}

std::string UiLinks::rca(const std::string& id) const { return base + "/rcas/" + url_encode(id); }

std::string UiLinks::action_item(const std::string& rca_id, const std::string& item_id) const {
  return rca(rca_id) + "#item-" + url_encode(item_id);
}

}  // namespace pmx
